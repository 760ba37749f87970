#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host (TESTHOST_NVME=N controllers): the scale scene of the
# benchmark. For each manager in turn (the stock module, ours, the v6.17
# design), under the stock kvm_amd and vfio-pci: N QEMUs started at once,
# each passing one NVMe controller through to the soak guest with
# vectors=V (the admin queue's and V - 1 I/O queues', each on its own
# MSI-X vector), which sets them all up, reads once on each queue and
# holds. The function graph tracer times every call QEMU's MSI-X enables
# make into the manager (register and unregister, producer and consumer)
# until every guest holds. Prints one "vmm-scale ..." line per manager:
# the calls, their median, 90th percentile and longest, and their time in
# all per vector set up; then ours over the stock and over the v6.17
# design. Documentation/bench.md
#
# usage: vmm-scale.sh VECTORS REPS
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
bench=$top/selftests/bench
vectors=$1
reps=$2
guest=$build/soak-guest/soak-guest.elf
tracing=/sys/kernel/tracing
out=$(mktemp -d)
. "$bench/managers.sh"
funcs="irq_bypass_register_producer irq_bypass_unregister_producer irq_bypass_register_consumer irq_bypass_unregister_consumer"

say() { echo "vmm-scale: $*"; }

# The NVMe controllers (class 0x010802), bound to vfio-pci once it is
# loaded.
ctrls=$(grep -lx 0x010802 /sys/bus/pci/devices/*/class | xargs -n 1 dirname | xargs -n 1 basename)
vms=$(echo "$ctrls" | wc -w)
[ "$vms" -ge 2 ] || { say "fewer than 2 NVMe controllers (TESTHOST_NVME)"; exit 1; }
for c in $ctrls; do
	[ ! -e "/sys/bus/pci/devices/$c/driver" ] || echo "$c" > "/sys/bus/pci/devices/$c/driver/unbind"
	echo vfio-pci > "/sys/bus/pci/devices/$c/driver_override"
done

# run MANAGER REP: the scene once; its figures in $out/result.MANAGER.REP.
run() {
	local m=$1 rep=$2 c pids=() ready k
	for c in $ctrls; do
		echo "$c" > /sys/bus/pci/drivers_probe
	done
	echo 0 > "$tracing/tracing_on"
	echo function_graph > "$tracing/current_tracer"
	echo "$funcs" > "$tracing/set_graph_function"
	echo 1 > "$tracing/max_graph_depth"
	echo > "$tracing/trace"
	echo 1 > "$tracing/tracing_on"
	k=0
	for c in $ctrls; do
		k=$((k + 1))
		qemu-system-x86_64 -enable-kvm -M q35 -cpu host -m 32M -nodefaults \
			-nographic -serial stdio -kernel "$guest" \
			-append "vectors=$vectors hold=1" -device vfio-pci,host="$c" \
			< /dev/null > "$out/console.$m.$rep.$k" 2>&1 &
		pids+=($!)
	done
	for _ in $(seq 600); do
		ready=$(cat "$out/console.$m.$rep".* | grep -ac '^soak: ready .* lost=0 failed=0' || true)
		[ "$ready" -lt "$vms" ] || break
		sleep 0.2
	done
	echo 0 > "$tracing/tracing_on"
	cp "$tracing/trace" "$out/trace.$m.$rep"
	kill -KILL "${pids[@]}" 2> /dev/null
	wait "${pids[@]}" 2> /dev/null || true
	echo nop > "$tracing/current_tracer"
	if [ "$ready" -lt "$vms" ]; then
		say "$m: $ready of $vms guests set up their $vectors vectors; their consoles:"
		cat "$out/console.$m.$rep".* | grep -a '^soak:' | sed 's/^/vmm-scale:   /'
		return 1
	fi
	# " 0) + 59.943 us   |  irq_bypass_register_consumer [irqbypass]();":
	# a call at depth 1 and its duration, in microseconds. A duration is
	# wall time: a call preempted or kept waiting on a lock counts whole,
	# so the median is given beside the sum.
	awk '/\| +irq_bypass_(un)?register_(producer|consumer) / {
			for (i = 1; i < NF; i++)
				if ($(i + 1) == "us") { print $i + 0; break }
		}' "$out/trace.$m.$rep" | sort -n > "$out/calls.$m.$rep"
	awk -v sets=$((vms * vectors)) '{ t[NR] = $1; sum += $1 }
		END { printf "calls=%d median_us=%.1f p90_us=%.1f max_us=%.1f per_vector_us=%.1f\n",
			NR, NR ? t[int((NR + 1) / 2)] : 0, NR ? t[int(NR * 0.9 + 0.5)] : 0,
			NR ? t[NR] : 0, sum / sets }' "$out/calls.$m.$rep" > "$out/result.$m.$rep"
	if grep -q '^calls=0 ' "$out/result.$m.$rep"; then
		say "$m: no call into the manager traced; the trace begins:"
		head -n 20 "$out/trace.$m.$rep" | sed 's/^/vmm-scale:   /'
		rm "$out/result.$m.$rep"
		return 1
	fi
}

say "$vms VMs at once, one NVMe controller each, $vectors MSI-X vectors each, $reps runs a manager"
status=0
for m in ${VMM_SCALE_MANAGERS:-stock ours v617}; do
	manager_load "$m"
	users_load kvm_amd vfio-pci
	for rep in $(seq "$reps"); do
		run "$m" "$rep" || status=1
	done
	users_unload vfio_pci vfio_pci_core kvm_amd kvm
	manager_unload "$m"
	# The run of the lowest median: the host's other load only ever
	# slows one down.
	best=$(cat "$out"/result."$m".* 2> /dev/null | sort -t= -k3 -n | head -n 1)
	[ -n "$best" ] || { say "$m: no result"; status=1; continue; }
	echo "vmm-scale manager=$m vms=$vms vectors=$vectors $best"
	printf -v "median_$m" %s "$(echo "$best" | sed 's/.*median_us=\([0-9.]*\).*/\1/')"
	printf -v "per_vector_$m" %s "$(echo "$best" | sed 's/.*per_vector_us=\([0-9.]*\).*/\1/')"
done

# ratio A B: A over B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "none" }'; }
for b in stock v617; do
	mb=median_$b
	pb=per_vector_$b
	echo "vmm-scale: ours/$b: median call $(ratio "${median_ours:-0}" "${!mb:-0}")," \
		"time per vector set up $(ratio "${per_vector_ours:-0}" "${!pb:-0}")"
done
exit $status
