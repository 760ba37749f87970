#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: the real QEMU as the VMM (make check-vmm). Our manager
# under the stock kvm and vfio-pci; an edu device bound to vfio-pci and
# passed through by QEMU (-enable-kvm, nested) to an L2 guest, Debian's
# kernel with a busybox initramfs whose edu_guest.ko raises VMM_N MSIs.
# Asserted for each QEMU, with counts: irqbypass-trace shows the device's
# producer connecting to KVM's irqfd in QEMU, the manager's tracepoints on
# one token; L2 handled VMM_N; L1 took VMM_N from the device and KVM
# injected VMM_N (irq:irq_handler_entry, kvm:kvm_msi_set_irq);
# as many disconnects as connects once QEMU exits, and nothing left in the
# manager's debugfs. Then, with the test host's NVMe controller
# (TESTHOST_NVME=1), a two-vCPU L2 whose own nvme driver reads the disk
# from each CPU, reloads the driver and reads again, is reset through
# QEMU's monitor and reads again: each queue's vector paired, fired in L1
# and L2, torn down and paired again by the reload and the reset, every
# token balanced, nothing left (nvme_scene). Then the kill soak: QEMU
# runs a bare-metal guest that drives the controller's MSI-X as Linux's
# driver does and resets, and is killed VMM_KILLS times in all (shared
# by the QEMUs) at random points of its phases; after each kill nothing
# is left and vfio-pci binds the controller again (soak_scene).
# VMM_SCENES picks scenes. Documentation/testhost.md. TAP.
#
# usage: vmm-tests.sh NAME=DIR...   each a QEMU: DIR / for the system's,
#                                   else a QEMU unpacked there by
#                                   scripts/debian-kernel.sh qemu
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
mods=$(mods_dir)
n_irqs=${VMM_N:-5}
qemu_timeout=${VMM_TIMEOUT:-420}
out=$(mktemp -d)
tracing=/sys/kernel/tracing
dbg=/sys/kernel/debug/irqbypass
n=0
failed=0

# check DESCRIPTION COMMAND...: one TAP line.
check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $desc"; else echo "not ok $n $desc"; failed=1; fi
}

# say MESSAGE: a TAP comment; diag [FILE...]: lines as comments.
say() { echo "# $*"; }
# (A console's last line may lack its newline: diag ends it, so that the
# next TAP line starts a line of its own.)
diag() { sed -e 's/^/#   /' -e '$a\' "$@"; }

# The value of counter $1 in the manager's stats.
stat() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$dbg/stats" ||
		{ echo "vmm-tests: no counter $1 in $dbg/stats" >&2; echo missing; }
}

# eq A B: A and B are the same number (a missing value never is).
eq() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" = "$2" ] 2> /dev/null; }

# numbers VALUE...: each VALUE is a count (none missing).
numbers() {
	local v
	for v; do
		[ "$v" -ge 0 ] 2> /dev/null || return 1
	done
}

# debugfs_left: how many lines the manager's debugfs lists of producers,
# consumers, pairs and tokens in all ("missing" if one is unreadable);
# debugfs_diag: those lists, as comments.
debugfs_left() {
	local n
	n=$(cd "$dbg" && cat producers consumers pairs tokens | wc -l;
		exit "${PIPESTATUS[0]}") || n=missing
	echo "$n"
}
debugfs_diag() {
	local f
	for f in producers consumers pairs tokens; do diag "$dbg/$f"; done
}

# check_debugfs_empty LABEL: the manager's debugfs lists no producer,
# consumer, pair or token (an unreadable file fails); what it lists, if
# anything, as comments.
check_debugfs_empty() {
	local left
	left=$(debugfs_left)
	check "$1: the manager's debugfs shows no producer, consumer, pair or token left ($left lines)" \
		eq "$left" 0
	[ "$left" = 0 ] || debugfs_diag
}

[ $# -gt 0 ] || { echo "usage: $0 NAME=DIR..." >&2; exit 2; }

# VMM_KVM_AMD: options for kvm_amd, to experiment (e.g. npt=0).
[ -z "${VMM_KVM_AMD:-}" ] || echo "options kvm_amd $VMM_KVM_AMD" > /etc/modprobe.d/irqbypass-vmm-tests.conf
"$top/selftests/testhost/load-stock.sh" "$mods/irqbypass/irqbypass.ko" | sed 's/^/# /'

# The L2 guest: this kernel, and an initramfs of busybox, edu_guest.ko,
# Debian's nvme driver with what it needs (in load order, in /nvme) and
# selftests/vmm/l2-init.sh, uncompressed (nothing to inflate in L2).
kernel=/boot/vmlinuz-$(uname -r)
l2=$out/l2
mkdir -p "$l2/bin" "$l2/proc" "$l2/sys" "$l2/dev" "$l2/nvme"
cp /bin/busybox "$l2/bin/"
cp "$mods/selftests/vmm/edu-guest/edu_guest.ko" "$l2/"
modprobe --show-depends nvme | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$ko" > "$l2/nvme/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" > "$l2/nvme/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$l2/nvme/" ;;
		esac
		echo "$name" >> "$l2/nvme/order"
	done
cp "$top/selftests/vmm/l2-init.sh" "$l2/init"
(cd "$l2" && find . | cpio -o -H newc --quiet) > "$out/l2.cpio"

# The first edu device, bound to vfio-pci; the intel-iommu gives it a group.
edu=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && basename "$d"
done | head -n 1)
echo vfio-pci > "/sys/bus/pci/devices/$edu/driver_override"
echo "$edu" > /sys/bus/pci/drivers_probe
group=$(basename "$(readlink "/sys/bus/pci/devices/$edu/iommu_group")")
say "the test host has $(nproc) vCPU(s): L2 boots reliably with 1 (TESTHOST_SMP=1)"
say "edu $edu, bound to $(basename "$(readlink "/sys/bus/pci/devices/$edu/driver")"), /dev/vfio/$group"

# The NVMe controller (class 0x010802; TESTHOST_NVME=1), bound to vfio-pci
# likewise. Nothing loaded L1's nvme driver (no udev), but unbind it if so.
nvme=$(grep -lx 0x010802 /sys/bus/pci/devices/*/class | head -n 1 | xargs -r dirname | xargs -r basename)
if [ -n "$nvme" ]; then
	[ ! -e "/sys/bus/pci/devices/$nvme/driver" ] ||
		echo "$nvme" > "/sys/bus/pci/devices/$nvme/driver/unbind"
	echo vfio-pci > "/sys/bus/pci/devices/$nvme/driver_override"
	echo "$nvme" > /sys/bus/pci/drivers_probe
	group=$(basename "$(readlink "/sys/bus/pci/devices/$nvme/iommu_group")")
	say "NVMe $nvme, bound to $(basename "$(readlink "/sys/bus/pci/devices/$nvme/driver")"), /dev/vfio/$group," \
		"L2's driver: $(tr '\n' ' ' < "$l2/nvme/order")"
else
	say "no NVMe controller in the test host (TESTHOST_NVME=1)"
fi

# trace_on RUN: the two observers of run RUN (a QEMU and its scene):
# irqbypass-trace (BPF, the user's view), and the manager's and KVM's
# tracepoints through tracefs (tokens, injections); c0 and d0, the
# manager's counts before it.
trace_on() {
	echo 0 > "$tracing/tracing_on"
	echo > "$tracing/trace"
	echo 4096 > "$tracing/buffer_size_kb"
	echo 1 > "$tracing/events/irqbypass/enable"
	echo 1 > "$tracing/events/kvm/kvm_msi_set_irq/enable"
	echo 'name ~ "vfio*"' > "$tracing/events/irq/irq_handler_entry/filter"
	echo 1 > "$tracing/events/irq/irq_handler_entry/enable"
	echo 1 > "$tracing/tracing_on"
	"$build/harness/irqbypass-trace" > "$out/trace.$1" 2>&1 &
	tracer=$!
	for _ in $(seq 100); do
		grep -q '^ *TIME' "$out/trace.$1" && break
		sleep 0.2
	done
	c0=$(stat connected)
	d0=$(stat disconnected)
}

# trace_off RUN: both observers stopped, the tracepoints in tp.RUN;
# connects and disconnects, the manager's counts during the run.
trace_off() {
	kill -INT $tracer
	wait $tracer
	echo 0 > "$tracing/tracing_on"
	echo 0 > "$tracing/events/irqbypass/enable"
	echo 0 > "$tracing/events/kvm/kvm_msi_set_irq/enable"
	echo 0 > "$tracing/events/irq/irq_handler_entry/enable"
	cat "$tracing/trace" > "$out/tp.$1"
	c1=$(stat connected)
	d1=$(stat disconnected)
	connects=missing
	disconnects=missing
	if numbers "$c0" "$c1" "$d0" "$d1"; then
		connects=$((c1 - c0))
		disconnects=$((d1 - d0))
	fi
}

# start_l2 RUN ARGS...: QEMU ($qemu, in $env) runs L2, its console in
# l2.RUN, its monitor at monitor.RUN, ARGS added to its command line;
# qpid, and a watchdog that stops it after VMM_TIMEOUT.
start_l2() {
	local run=$1
	shift
	mon=$out/monitor.$run
	start=$(date +%s)
	env "${env[@]}" "${qemu[@]}" -enable-kvm -M q35 -cpu host \
		-m 256M -nodefaults -nographic -serial stdio \
		-monitor unix:"$mon",server,nowait \
		-kernel "$kernel" -initrd "$out/l2.cpio" \
		"$@" < /dev/null > "$out/l2.$run" 2>&1 &
	qpid=$!
	# Past VMM_TIMEOUT: L2's registers twice and its local APIC, then quit.
	(
		trap 'kill $sleeper 2> /dev/null; exit 0' TERM
		sleep "$qemu_timeout" &
		sleeper=$!
		wait $sleeper
		touch "$out/expired.$run"
		"$top/selftests/testhost/qemu-monitor.py" "$mon" "info registers" "sleep 2" \
			"info registers" "info lapic" "quit" > "$out/monitor-log.$run" 2>&1
	) &
	watchdog=$!
}

# wait_l2 RUN: waits for QEMU's end; status and took (seconds).
wait_l2() {
	wait $qpid
	status=$?
	kill $watchdog 2> /dev/null
	wait $watchdog 2> /dev/null
	took=$(( $(date +%s) - start ))
	if [ -e "$out/expired.$1" ]; then
		say "QEMU $1: L2 overran ${qemu_timeout} s; its RIP, twice:"
		"$top/selftests/testhost/qemu-monitor.py" --rips "$(cache_dir)/kallsyms/$(uname -r)" \
			"$out/monitor-log.$1" | sed 's/^/#   /'
		diag "$out/monitor-log.$1"
	fi
}

# edu_scene NAME: scene 1 with QEMU NAME, 8 checks.
edu_scene() {
	local name=$1 line raised handled msi_data uptime conn nconn ndisc irq
	local token cons tpconn host_n vec kvm_n bpf_n

	trace_on "$name"
	# L2 runs nokaslr, so that its RIP names a symbol of this kernel's
	# kallsyms (the same kernel) if it must be asked where it stands, and
	# nopv: TCG's VMRUN can deliver an injected interrupt a second time,
	# into whatever L2 then runs, if TCG's loop is asked to exit before
	# L2's next VM exit; without KVM's PV EOI, the handler's EOI is such
	# an exit, which narrows that window. What closes it is a test host
	# of one vCPU, where TCG has no other vCPU to switch to and so no
	# periodic exit request (TESTHOST_SMP=1; Documentation/testhost.md).
	# noxsave: CPUID's XSAVE size, as nested SVM under TCG gives it to L2,
	# disagrees with the features L2 enables, and L2's kernel warns at
	# boot (with either QEMU); L2's init prints its warnings, which fail
	# the run, so L2 goes without XSAVE, which no interrupt path uses.
	start_l2 "$name" -smp 1 -no-reboot \
		-append "console=ttyS0 quiet panic=-1 nokaslr nopv noxsave vmm_raise=$n_irqs" \
		-device vfio-pci,host="$edu"
	wait_l2 "$name"
	trace_off "$name"

	line=$(grep -a '^l2: edu ' "$out/l2.$name" | tail -n 1)
	field() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	raised=$(field raised)
	handled=$(field handled)
	msi_data=$(field msi_data)
	uptime=$(field uptime)
	say "QEMU $name ran for $took s (status $status); L2's init ended at ${uptime:-?} s of its uptime"
	check "QEMU $name: L2 booted, ran edu_guest and powered off (status $status)" \
		eval '[ $status = 0 ] && [ -n "$line" ]'
	grep -a '^l2: ' "$out/l2.$name" | diag
	[ -n "$line" ] || { say "the end of L2's console:"; tail -n 20 "$out/l2.$name" | diag; }

	check "QEMU $name: L2 handled ${handled:-none} of ${raised:-none} raised, $n_irqs asked" \
		eval 'eq "$handled" $n_irqs && eq "$raised" $n_irqs'

	# irqbypass-trace: "CONNECTED <bdf> vector 0 (irq I, vfio-msi) ==> VM
	# <kvm> of pid <QEMU> (qemu-system-x86) GSI G": the producer is the
	# device's MSI, the consumer an irqfd of QEMU's VM.
	conn=$(grep -E "CONNECTED +$edu vector 0 \(irq [0-9]+, vfio-msi\)  ==>  VM 0x[0-9a-f]+ of pid $qpid \(qemu-system-x86\) GSI [0-9]+" \
		"$out/trace.$name" | tail -n 1)
	nconn=$(grep -c ' CONNECTED ' "$out/trace.$name")
	ndisc=$(grep -c ' DISCONNECTED ' "$out/trace.$name")
	check "QEMU $name: irqbypass-trace: $edu's MSI connected to an irqfd of QEMU's VM ($nconn connects, $ndisc disconnects)" \
		test -n "$conn"
	[ -n "$conn" ] || diag "$out/trace.$name"

	# The manager's tracepoints: the producer of that irq, KVM's consumer
	# and their connect on one token (the eventfd).
	irq=$(echo "$conn" | sed -n 's/.*(irq \([0-9]*\), vfio-msi).*/\1/p')
	token=$(grep -E "irqbypass_register_producer: token=[0-9a-f]+ object=[0-9a-f]+ irq=${irq:-none} ret=0" \
		"$out/tp.$name" | tail -n 1 | sed 's/.*token=\([0-9a-f]*\).*/\1/')
	cons=$(grep -cE "irqbypass_register_consumer: token=${token:-none} .* ret=0" "$out/tp.$name")
	tpconn=$(grep -cE "irqbypass_connect: token=${token:-none} .* irq=${irq:-none} ret=0" "$out/tp.$name")
	check "QEMU $name: tracepoints: producer (irq ${irq:-?}) and QEMU's consumer registered and connected on token ${token:-none} ($cons consumer registrations, $tpconn connects)" \
		eval '[ -n "$token" ] && [ "$cons" -ge 1 ] && [ "$tpconn" -ge 1 ]'
	[ -n "$token" ] || grep -E 'irqbypass_|kvm_msi_set_irq' "$out/tp.$name" | tail -n 40 | diag

	# The device's MSIs as L1 took them: VFIO's hard irq handler, which
	# signals the eventfd that KVM's irqfd injects from.
	host_n=$(grep -cE "irq_handler_entry: irq=${irq:-none} name=vfio-msi" "$out/tp.$name")
	check "QEMU $name: L1 took $host_n MSIs of $edu (irq ${irq:-?}, irq:irq_handler_entry), $n_irqs raised" \
		eq "$host_n" $n_irqs

	# KVM's injections of L2's vector (the low byte of its MSI data), by
	# KVM's tracepoint, and as irqbypass-trace saw them.
	vec=$(( ${msi_data:-0x100} & 0xff ))
	[ -n "$msi_data" ] || vec=none
	kvm_n=$(grep -cE "kvm_msi_set_irq: dst [0-9a-f]+ vec $vec " "$out/tp.$name")
	bpf_n=$(grep -cE "MSI injected  vector $(printf '%#x' "$vec" 2> /dev/null) " "$out/trace.$name")
	check "QEMU $name: KVM injected $kvm_n MSIs of vector $vec (kvm:kvm_msi_set_irq; irqbypass-trace saw $bpf_n), $n_irqs raised" \
		eval 'eq "$kvm_n" $n_irqs && eq "$bpf_n" $n_irqs'

	check "QEMU $name: $connects connects, $disconnects disconnects once QEMU exited (trace: $nconn, $ndisc)" \
		eval '[ "$connects" -ge 1 ] && eq "$connects" "$disconnects" && eq "$nconn" "$connects" && eq "$ndisc" "$disconnects"'

	check_debugfs_empty "QEMU $name"
}

# The NVMe scene's checks, for each QEMU (nvme_scene).
nvme_checks=16

# Whether every queue vector "nvme0qK=count" of $1 took interrupts, and
# there are at least $2 of them.
queues_fired() {
	local v count=0
	for v in $1; do
		[ "${v#*=}" -gt 0 ] 2> /dev/null || return 1
		count=$((count + 1))
	done
	[ $count -ge "$2" ]
}

# hold RUN: while L2 holds after its first boot (l2-init.sh's vmm_reset),
# the manager's view (pairs.RUN, tokens.RUN, consumers.RUN; each pair's
# irq named in names.RUN; ch and dh, its counts), a mark in the trace,
# then a reset through QEMU's monitor. held=1 once done.
hold() {
	local run=$1 irq
	held=0
	while kill -0 $qpid 2> /dev/null; do
		grep -aq '^l2: holding' "$out/l2.$run" && break
		sleep 0.5
	done
	grep -aq '^l2: holding' "$out/l2.$run" || return
	ch=$(stat connected)
	dh=$(stat disconnected)
	cp "$dbg/pairs" "$out/pairs.$run"
	cp "$dbg/tokens" "$out/tokens.$run"
	cp "$dbg/consumers" "$out/consumers.$run"
	for irq in $(sed -n 's/.* irq=\([0-9]*\).*/\1/p' "$out/pairs.$run"); do
		echo "$irq $(cat "/sys/kernel/irq/$irq/actions")"
	done > "$out/names.$run"
	echo "vmm-tests: system_reset" > "$tracing/trace_marker"
	"$top/selftests/testhost/qemu-monitor.py" "$mon" system_reset > "$out/reset.$run" 2>&1
	held=1
}

# nvme_scene NAME: scenes 2 and 3 with QEMU NAME. L2, two vCPUs, its nvme
# driver on the passed-through NVMe controller, reads its disk from each
# CPU; unloads and loads the driver again and reads again; holds, is
# reset through QEMU's monitor, boots again, reads again and powers off.
nvme_scene() {
	local name=$1 run=$1-nvme lines line ncpus want vectors v k r sum=0 nvec=0
	local boots missing tokens token tpc tpd unbalanced churn nconn ndisc
	local host vec_hosts host_total kvm_n kvm_dst bpf_n tainted
	local npairs names want_names ours tok_bad tok_pairs tok_unpairs
	local c_before d_before c_after d_after down_before down_after id=$RANDOM$RANDOM

	trace_on "$run"
	# No -no-reboot: with it, QEMU takes the reset for a power-off. A panic
	# of L2 (panic=-1) then reboots it, which its boot count shows.
	start_l2 "$run" -smp 2 \
		-append "console=ttyS0 quiet panic=-1 nokaslr nopv noxsave vmm_reload=1 vmm_reset=$id" \
		-device vfio-pci,host="$nvme"
	hold "$run"
	wait_l2 "$run"
	trace_off "$run"
	local con=$out/l2.$run tp=$out/tp.$run tr=$out/trace.$run

	lines=$(grep -a '^l2: blk nvme0n1 ' "$con" | tr -d '\r')
	line=$(echo "$lines" | tail -n 1)
	ncpus=$(echo "$line" | sed -n 's/.* cpus=\([0-9]*\).*/\1/p')
	# A vector for the admin queue, one for each CPU's I/O queue.
	want=$(( ${ncpus:-1} + 1 ))
	vectors=$(echo "$line" | grep -o 'nvme0q[0-9]*=[0-9]*' | paste -sd ' ')
	for v in $vectors; do
		nvec=$((nvec + 1))
	done
	for v in $(echo "$lines" | grep -o 'nvme0q[0-9]*=[0-9]*'); do
		sum=$((sum + ${v#*=}))
	done
	boots=$(grep -ac "^l2: boot [0-9]* of $id" "$con")
	tainted=$(grep -a '^l2: tainted=' "$con" | tr -d '\r' | sed 's/.*=//' | sort -n | tail -n 1)
	say "QEMU $name: NVMe: ran for $took s (status $status)"
	check "QEMU $name: NVMe: L2 booted with ${ncpus:-?} CPUs, held, was reset, booted again and powered off ($boots boots, status $status)" \
		eval '[ $status = 0 ] && [ $held = 1 ] && [ "$boots" = 2 ] && [ "${ncpus:-0}" -ge 2 ]'
	grep -a '^l2: ' "$con" | diag
	[ -n "$line" ] || { say "the end of L2's console:"; tail -n 20 "$con" | diag; }

	# Each round: the first boot's, after the reload, after the reset.
	for r in 1.1 1.2 2.1; do
		v=$(echo "$lines" | grep " round=$r " | grep -o 'nvme0q[0-9]*=[0-9]*' | paste -sd ' ')
		check "QEMU $name: NVMe: round $r: each of L2's queue vectors took interrupts, $want wanted (${v:-none})" \
			queues_fired "$v" "$want"
	done

	# At the hold: L2's vectors, VFIO's "vfio-msix[K](<bdf>)" for K below
	# nvec, each a pair of the manager with a consumer of QEMU's.
	npairs=$(wc -l < "$out/pairs.$run" 2> /dev/null)
	names=$(awk '{ print $2 }' "$out/names.$run" 2> /dev/null | sort | paste -sd ' ')
	want_names=$(for k in $(seq 0 $((nvec - 1))); do echo "vfio-msix[$k]($nvme)"; done | sort | paste -sd ' ')
	ours=$(grep -c "state=connected .* pid=$qpid comm=qemu-system-x86$" "$out/consumers.$run" 2> /dev/null)
	check "QEMU $name: NVMe: at the hold, the manager's $npairs pairs were L2's $nvec vectors, each with an irqfd of QEMU ($ours) (${names:-none})" \
		eval '[ $nvec -ge 1 ] && [ "$names" = "$want_names" ] && eq "$ours" $nvec'
	[ "$names" = "$want_names" ] || diag "$out/pairs.$run" "$out/names.$run" "$out/consumers.$run"

	# And each token in use balanced: connected ones paired once more
	# than unpaired, waiting ones as often.
	tok_bad=$(awk '{ p = substr($5, 7) + 0; u = substr($6, 9) + 0 }
		/state=connected/ && p != u + 1 || /state=waiting/ && p != u' \
		"$out/tokens.$run" 2> /dev/null | wc -l)
	tok_pairs=$(awk '{ s += substr($5, 7) } END { print s + 0 }' "$out/tokens.$run" 2> /dev/null)
	tok_unpairs=$(awk '{ s += substr($6, 9) } END { print s + 0 }' "$out/tokens.$run" 2> /dev/null)
	check "QEMU $name: NVMe: at the hold, $(wc -l < "$out/tokens.$run" 2> /dev/null) tokens in use, each balanced ($tok_pairs pairs, $tok_unpairs unpairs, $tok_bad not)" \
		eval '[ $held = 1 ] && [ "$tok_bad" = 0 ]'
	[ "$tok_bad" = 0 ] || diag "$out/tokens.$run"

	# The reload tears every pair down and makes it again: before the
	# hold, at least nvec disconnects, and nvec more connects. The reset
	# too: after it, at least nvec connects and nvec more disconnects
	# (the reset's, and QEMU's exit's). Those counts alone do not tell a
	# reload from a probe's churn (QEMU enables MSI-X again for each
	# vector L2 adds), so the tracepoints are replayed too: a teardown
	# is the pairs falling to none once all nvec were up, as when L2's
	# driver unloads, the VM resets, or QEMU exits; a probe's churn
	# never has all nvec up. Before the hold: the reload's; after it:
	# the reset's and the exit's.
	c_before=missing; d_before=missing; c_after=missing; d_after=missing
	if numbers "$c0" "$ch" "$c1" "$d0" "$dh" "$d1"; then
		c_before=$((ch - c0)); d_before=$((dh - d0))
		c_after=$((c1 - ch)); d_after=$((d1 - dh))
	fi
	read -r down_before down_after < <(awk -v n="$nvec" 'BEGIN { held = 0 }
		/tracing_mark_write: vmm-tests: system_reset/ { held = 1 }
		/irqbypass_connect: .* ret=0 / && ++up >= n { full = 1 }
		/irqbypass_disconnect: / && --up == 0 && full { full = 0; down[held]++ }
		END { print down[0] + 0, down[1] + 0 }' "$tp")
	check "QEMU $name: NVMe: boot and reload: $c_before connects, $d_before disconnects, ${down_before:-no} teardowns of all $nvec pairs" \
		eval '[ $nvec -ge 1 ] && [ "$d_before" -ge $nvec ] && eq $((c_before - d_before)) $nvec && [ "$down_before" -ge 1 ]'
	check "QEMU $name: NVMe: reset and second boot: $c_after connects, $d_after disconnects, ${down_after:-no} teardowns of all $nvec pairs" \
		eval '[ $nvec -ge 1 ] && [ "$c_after" -ge $nvec ] && eq $((d_after - c_after)) $nvec && [ "$down_after" -ge 2 ]'

	# irqbypass-trace: each vector's VFIO producer ("vfio-msix") CONNECTED
	# to an irqfd of QEMU's VM.
	missing=
	for k in $(seq 0 $((nvec - 1))); do
		grep -qE "CONNECTED +$nvme vector $k \(irq [0-9]+, vfio-msix\)  ==>  VM 0x[0-9a-f]+ of pid $qpid \(qemu-system-x86\) GSI [0-9]+" "$tr" ||
			missing="$missing $k"
	done
	nconn=$(grep -c ' CONNECTED ' "$tr")
	ndisc=$(grep -c ' DISCONNECTED ' "$tr")
	check "QEMU $name: NVMe: irqbypass-trace: each of $nvme's $nvec vectors connected to an irqfd of QEMU's VM (missing:${missing:- none})" \
		eval '[ $nvec -ge 1 ] && [ -z "$missing" ]'
	[ -z "$missing" ] || diag "$tr"

	# The tracepoints, token by token: each connect's token registered by
	# a producer and a consumer; each token as many disconnects as
	# connects. A token that connected more than once churned: its
	# producer left and came back while the consumer stayed (QEMU swaps a
	# vector's trigger to its own eventfd while L2 masks the vector, and
	# disables and enables MSI-X again when L2 asks for more vectors).
	tokens=$(sed -n 's/.* irqbypass_connect: token=\([0-9a-f]*\) .* ret=0 .*/\1/p' "$tp" | sort -u)
	missing=
	unbalanced=
	churn=0
	for token in $tokens; do
		grep -q "irqbypass_register_producer: token=$token .* ret=0" "$tp" &&
			grep -q "irqbypass_register_consumer: token=$token .* ret=0" "$tp" ||
			missing="$missing $token"
		tpc=$(grep -c "irqbypass_connect: token=$token .* ret=0 " "$tp")
		tpd=$(grep -c "irqbypass_disconnect: token=$token " "$tp")
		[ "$tpc" = "$tpd" ] || unbalanced="$unbalanced $token:$tpc/$tpd"
		[ "$tpc" -le 1 ] || churn=$((churn + tpc - 1))
	done
	check "QEMU $name: NVMe: tracepoints: each of the $(echo $tokens | wc -w) connected tokens registered by a producer and a consumer (missing:${missing:- none})" \
		eval '[ -n "$tokens" ] && [ -z "$missing" ]'
	check "QEMU $name: NVMe: each token disconnected as often as it connected, $churn reconnects of a token in all (unbalanced:${unbalanced:- none})" \
		eval '[ -n "$tokens" ] && [ -z "$unbalanced" ]'
	say "QEMU $name: NVMe: disconnects by the side that unregistered: $(grep -c 'the producer unregistered' "$tr") producer, $(grep -c 'the consumer unregistered' "$tr") consumer"

	# L1's interrupts of each vector: VFIO's handler, "vfio-msix[K](<bdf>)".
	missing=
	vec_hosts=
	host_total=0
	for k in $(seq 0 $((nvec - 1))); do
		host=$(grep -cF "name=vfio-msix[$k]($nvme)" "$tp")
		vec_hosts="$vec_hosts $k:$host"
		host_total=$((host_total + host))
		[ "$host" -gt 0 ] || missing="$missing $k"
	done
	check "QEMU $name: NVMe: L1 took interrupts of each vector (vector:count$vec_hosts)" \
		eval '[ $nvec -ge 1 ] && [ -z "$missing" ]'

	# KVM's injections: every interrupt L2 counted was one, since the
	# controller's MSIs are the only ones L2 gets. To as many distinct
	# (vCPU, vector) as L2 has queue vectors at least.
	kvm_n=$(grep -c 'kvm_msi_set_irq: ' "$tp")
	kvm_dst=$(grep -oE 'kvm_msi_set_irq: dst [0-9a-f]+ vec [0-9]+' "$tp" | sort -u | wc -l)
	bpf_n=$(grep -c 'MSI injected ' "$tr")
	check "QEMU $name: NVMe: KVM injected $kvm_n MSIs to $kvm_dst (APIC, vector) (irqbypass-trace saw $bpf_n), L2 counted $sum in its rounds, L1 took $host_total" \
		eval '[ $sum -ge 1 ] && [ "$kvm_n" -ge $sum ] && [ "$kvm_dst" -ge $nvec ] && eq "$bpf_n" "$kvm_n"'

	check "QEMU $name: NVMe: $connects connects, $disconnects disconnects once QEMU exited (trace: $nconn, $ndisc)" \
		eval '[ "$connects" -ge "$nvec" ] && eq "$connects" "$disconnects" && eq "$nconn" "$connects" && eq "$ndisc" "$disconnects"'

	check_debugfs_empty "QEMU $name: NVMe"

	# L2's kernel: a panic or an oops on its console; a warning (quiet
	# keeps it off the console) in its taint, as each boot printed it.
	# edu_guest.ko, out of tree and unsigned (4096, 8192), is loaded in
	# every L2.
	check "QEMU $name: NVMe: L2's kernel reported nothing (taint ${tainted:-none})" \
		eval '! splats "$con" > /dev/null && [ -n "$tainted" ] && [ $((tainted & ~(4096 | 8192))) = 0 ]'
	splats "$con" | diag
}

# The kill soak's checks, for each QEMU (soak_scene).
soak_checks=7
# Its kills in all, shared by the QEMUs; where each kill lands.
soak_kills=${VMM_KILLS:-200}
soak_phases=(start-up msix flowing reboot)
soak_guest=$build/soak-guest/soak-guest.elf

# wait_console FILE TEXT SECONDS: whether TEXT shows in QEMU's console
# FILE within SECONDS, QEMU ($qpid) still running; waited, in ms.
wait_console() {
	local t0 now
	t0=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		waited=$(( (now - t0) / 1000000 ))
		grep -aqF "$2" "$1" && return 0
		kill -0 $qpid 2> /dev/null && [ $waited -lt $(($3 * 1000)) ] || return 1
		sleep 0.05
	done
}

# ms N: N milliseconds as sleep takes them.
ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# soak_scene NAME KILLS: scene 4 with QEMU NAME: KILLS times, QEMU boots
# the soak guest (selftests/vmm/soak-guest) with the NVMe controller and
# is killed with SIGKILL at a random point of a phase, in turn: start-up
# (0 to 2.5 s after its start), MSI-X enable (0 to 0.2 s after the guest
# says it enables MSI-X, for one vector or two), interrupts flowing (0 to
# 1 s into their 2 s) and reboot (0 to 2 s after the guest resets the
# machine, through the reset, the firmware and the next boot). After each
# kill: the manager's debugfs empty again, within 10 s; the controller
# unbound from vfio-pci and bound again. Then, with counts: every kill in
# its phase, every QEMU killed by us, each one killed while interrupts
# flowed holding pairs of the manager, no interrupt lost in any of the
# guest's boots, as many disconnects as connects.
soak_scene() {
	local name=$1 kills=$2 i phase marker delay con status pairs t_clean
	local reached=0 missed='' by_phase=(0 0 0 0) killed=0 not_killed='' dirty='' slowest=0
	local unbound='' flow_pairs='' flow_min='' boots=0 rounds=0 irqs=0 pending=0 bad=0 c0 d0 c1 d1

	say "QEMU $name: kill soak: $kills kills of QEMU, seed $soak_seed"
	c0=$(stat connected)
	d0=$(stat disconnected)
	for i in $(seq 1 "$kills"); do
		phase=$((RANDOM % 4))
		con=$out/soak.$name.$i
		env "${env[@]}" "${qemu[@]}" -enable-kvm -M q35 -cpu host -m 32M \
			-nodefaults -nographic -serial stdio -kernel "$soak_guest" \
			-device vfio-pci,host="$nvme" < /dev/null > "$con" 2>&1 &
		qpid=$!
		marker=
		case $phase in
		0) delay=$((RANDOM % 2500)) ;;
		1) marker="soak: msix $((1 + RANDOM % 2))"; delay=$((RANDOM % 200)) ;;
		2) marker="soak: flowing"; delay=$((RANDOM % 1000)) ;;
		3) marker="soak: reboot"; delay=$((RANDOM % 2000)) ;;
		esac
		waited=0
		if [ -z "$marker" ] || wait_console "$con" "$marker" 30; then
			reached=$((reached + 1))
			by_phase[$phase]=$((by_phase[$phase] + 1))
		else
			missed="$missed $i"
		fi
		sleep "$(ms $delay)"
		# While interrupts flow, the pairs the manager holds for QEMU.
		pairs=
		[ $phase != 2 ] || pairs=$(wc -l < "$dbg/pairs")
		kill -KILL $qpid 2> /dev/null
		# (2>: not bash's own "Killed" line.)
		wait $qpid 2> /dev/null
		status=$?
		[ $status = 137 ] && killed=$((killed + 1)) || not_killed="$not_killed $i:$status"
		if [ -n "$pairs" ]; then
			flow_pairs="$flow_pairs $pairs"
			[ -n "$flow_min" ] && [ "$flow_min" -le "$pairs" ] || flow_min=$pairs
		fi
		# KVM releases a dead VM's irqfds from a workqueue: the
		# manager's consumers go a moment after QEMU.
		t_clean=
		for t in $(seq 0 100); do
			[ "$(debugfs_left)" = 0 ] && { t_clean=$((t * 100)); break; }
			sleep 0.1
		done
		if [ -n "$t_clean" ]; then
			[ "$t_clean" -le "$slowest" ] || slowest=$t_clean
		else
			dirty="$dirty $i"
			debugfs_diag
		fi
		echo "$nvme" > /sys/bus/pci/drivers/vfio-pci/unbind
		echo "$nvme" > /sys/bus/pci/drivers_probe
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$nvme/driver")")" = vfio-pci ] ||
			unbound="$unbound $i"
		# The guest's count of each boot it finished.
		boots=$((boots + $(grep -ac '^soak: boot' "$con")))
		while read -r line; do
			rounds=$((rounds + $(echo "$line" | sed -n 's/.* rounds=\([0-9]*\).*/\1/p')))
			irqs=$((irqs + $(echo "$line" | sed -n 's/.* admin=\([0-9]*\) io=\([0-9]*\).*/\1 + \2/p')))
			pending=$((pending + $(echo "$line" | sed -n 's/.* pending=\([0-9]*\).*/\1/p')))
		done < <(grep -a '^soak: irqs .* lost=0 failed=0' "$con" | tr -d '\r')
		if grep -aE '^soak: (lost|fault|no |the )|failed, status|lost=[1-9]|failed=[1-9]' "$con" > /dev/null; then
			bad=$((bad + 1))
			say "kill $i: the guest reported:"
			grep -aE '^soak: ' "$con" | diag
		fi
		say "kill $i: ${soak_phases[$phase]}${marker:+ (\"$marker\" after $waited ms)}, killed ${delay} ms later (status $status)${pairs:+, $pairs pairs}; debugfs empty after ${t_clean:-over 10000} ms"
		[ -n "$missed$dirty$not_killed" ] || rm -f "$con"
	done
	c1=$(stat connected)
	d1=$(stat disconnected)

	check "QEMU $name: soak: $kills kills, each in its phase (start-up ${by_phase[0]}, msix ${by_phase[1]}, flowing ${by_phase[2]}, reboot ${by_phase[3]}; phase not reached:${missed:- none})" \
		eval '[ $reached = $kills ] && [ ${by_phase[1]} -ge 1 ] && [ ${by_phase[2]} -ge 1 ] && [ ${by_phase[3]} -ge 1 ]'
	check "QEMU $name: soak: each QEMU ended by its SIGKILL, status 137 ($killed of $kills; else:${not_killed:- none})" \
		eq "$killed" "$kills"
	check "QEMU $name: soak: after each kill, nothing of its VM left in the manager's debugfs within 10 s (slowest $slowest ms; left:${dirty:- none})" \
		test -z "$dirty"
	check "QEMU $name: soak: after each kill, vfio-pci bound $nvme again (failed:${unbound:- none})" \
		test -z "$unbound"
	check "QEMU $name: soak: each QEMU killed while interrupts flowed held pairs of the manager (at least ${flow_min:-none}; pairs:${flow_pairs:- none})" \
		eval '[ -n "$flow_min" ] && [ "$flow_min" -ge 1 ]'
	check "QEMU $name: soak: the guest lost no interrupt in $boots boots ($rounds rounds to the end, $irqs interrupts, $pending pending while masked; boots with a report: $bad)" \
		eval '[ $bad = 0 ] && [ $rounds -ge 1 ]'
	check "QEMU $name: soak: $((c1 - c0)) connects, $((d1 - d0)) disconnects" \
		eval '[ $((c1 - c0)) -ge 1 ] && eq $((c1 - c0)) $((d1 - d0))'
}

# VMM_SCENES: the scenes to run, of "edu nvme soak" (all by default).
scenes=${VMM_SCENES:-edu nvme soak}
scene() { [[ " $scenes " == *" $1 "* ]]; }
per_qemu=0
! scene edu || per_qemu=8
[ -z "$nvme" ] || ! scene nvme || per_qemu=$((per_qemu + nvme_checks))
[ -z "$nvme" ] || ! scene soak || per_qemu=$((per_qemu + soak_checks))
echo "1..$((per_qemu * $#))"
# One seed for the soak's kills, printed: VMM_SEED=N runs them again.
soak_seed=${VMM_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$soak_seed

qi=0
for q in "$@"; do
	name=${q%%=*}
	dir=${q#*=}
	if [ "$dir" = / ]; then
		qemu=(qemu-system-x86_64)
		env=()
	else
		qemu=("$dir/usr/bin/qemu-system-x86_64" -L "$dir/usr/share/qemu"
			-L "$dir/usr/share/seabios")
		env=(QEMU_MODULE_DIR="$(echo "$dir"/usr/lib/*/qemu)"
			LD_LIBRARY_PATH="$(echo "$dir"/usr/lib/*-linux-gnu)")
	fi
	version=$(env "${env[@]}" "${qemu[0]}" --version | head -n 1)
	say "QEMU $name: $version"
	scene edu && edu_scene "$name"
	[ -z "$nvme" ] || ! scene nvme || nvme_scene "$name"
	[ -z "$nvme" ] || ! scene soak || soak_scene "$name" $((soak_kills / $# + (qi < soak_kills % $#)))
	qi=$((qi + 1))
done

if [ -e "$out/trace.$name" ]; then
	say "irqbypass-trace of the last QEMU:"
	diag "$out/trace.$name"
fi
exit $failed
