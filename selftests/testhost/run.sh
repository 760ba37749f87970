#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The test host: boots Debian's own kernel (the version the modules are
# built for) under qemu (single-threaded TCG, q35, -cpu max, emulated intel-iommu with
# interrupt remapping, two edu PCI devices and an e1000e for MSI-X, with
# TESTHOST_NVME=N that many NVMe controllers too, 2 vCPUs, or TESTHOST_SMP) with a
# busybox
# initramfs that mounts this machine's root read-only over virtio-9p and
# runs a command inside it, as root. Everything built here (modules,
# harness) is therefore at the same path in the guest.
#
# usage: run.sh [--live] [--timeout SECONDS] -- command [args...]
#        run.sh --shell
#
# Prints the command's output and exits with its status; fails as well when
# the console shows a kernel WARNING, BUG, Oops, KASAN, lockdep or RCU
# report, or when the kernel is tainted other than by an out-of-tree (O)
# or unsigned (E) module. --live shows the console while it runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
dir=$build/testhost
timeout=900
live=0
shell=0

while [ $# -gt 0 ]; do
	case $1 in
	--live) live=1 ;;
	--shell) shell=1 ;;
	--timeout) timeout=$2; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
	shift
done
[ $shell = 1 ] || [ $# -gt 0 ] || { echo "usage: $0 [--live] [--timeout S] -- command..." >&2; exit 2; }

say() { echo "testhost: $*" >&2; }

# The kernel: KVER's, a Debian kernel unpacked by scripts/debian-kernel.sh
# with its stock modules, else the one whose headers the modules are built
# against, installed here.
if [ -n "${KVER:-}" ]; then
	kver=$KVER
	image=$("$top/scripts/debian-kernel.sh" image "$kver")
	kernel=$image/vmlinuz
else
	kver=$(kernel_release "$(kdir)")
	image=/
	kernel=/boot/vmlinuz-$kver
fi
[ -r "$kernel" ] || { say "no $kernel: install linux-image-$kver"; exit 1; }

# The initramfs: busybox, the 9p-over-virtio modules in load order, /init.
initrd=$dir/initramfs-$kver.cpio.gz
stamp=$(cat "$here/guest-init.sh" /bin/busybox | sha1sum | cut -c1-12)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "building $initrd"
	tree=$dir/initramfs-$kver
	rm -rf "$tree"
	mkdir -p "$tree"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$tree/bin/busybox"
	cp "$here/guest-init.sh" "$tree/init"
	chmod +x "$tree/init"
	# A module modprobe does not find is built in (7.x: virtio_pci).
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$image" -S "$kver" --show-depends "$m" 2> /dev/null |
			awk '$1 == "insmod" { print $2 }' || true
	done | awk '!seen[$0]++' | while read -r ko; do
		# busybox's insmod takes them uncompressed.
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$ko" > "$tree/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" > "$tree/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$tree/modules/" ;;
		esac
		echo "$name" >> "$tree/modules/order"
	done
	(cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -1 > "$initrd.$$"
	mv -f "$initrd.$$" "$initrd"
	echo "$stamp" > "$initrd.stamp"
fi

# The logs of this run: the console, the registers of a hung guest, the
# reports that failed it; in a directory per kernel and command, since
# make check runs guests side by side (scripts/lanes.sh).
label=${1:-shell}
label=$(basename "${label%.sh}")
logs=$dir/log/$kver.${label//[^A-Za-z0-9._-]/_}
mkdir -p "$logs"
console=$logs/console.log

# A fresh run directory, shared read-write at the same path in the guest.
# The command runs there with the same BUILD, cache and KVER.
run=$dir/run.$$
rm -rf "$run"
mkdir -p "$run"
trap 'rm -rf "$run" "$run".nvme*' EXIT
printf 'export BUILD=%q IRQBYPASS_CACHE=%q\n' "$build" "$(cache_dir)" > "$run/cmd"
[ -z "${KVER:-}" ] || printf 'export KVER=%q\n' "$KVER" >> "$run/cmd"
printf '%q ' "$@" >> "$run/cmd"
echo >> "$run/cmd"

# Single-threaded TCG: with one host thread per vCPU, the guest kernel's
# live text patching (int3-based, as when KVM or a tracepoint flips a static
# key) now and then froze both vCPUs; 2 vCPUs taking turns never did. The
# benchmark needs its two guest threads to run at once:
# TESTHOST_TCG_THREAD=multi.
tcg_thread=${TESTHOST_TCG_THREAD:-single}
# TESTHOST_SMP=1 for a guest that runs KVM guests of its own (make
# check-vmm): with 2 vCPUs, single-threaded TCG kicks the running vCPU
# every 100 ms to let the other one in, and a kick that lands just after
# TCG's VMRUN has injected an interrupt into the nested guest delivers it
# there a second time, whatever the nested guest's IF
# (Documentation/testhost.md). One vCPU is never kicked so.
smp=${TESTHOST_SMP:-2}
# A hung guest must show its stacks: sysrq from the keyboard, the hung-task
# detector at 60 s (soft lockups: 20 s, the default), and an NMI as a last
# resort that panics and prints every task (Documentation/testhost.md).
append="console=ttyS0 panic=-1 ${TESTHOST_QUIET-quiet} intel_iommu=on sysrq_always_enabled"
append+=" sysctl.kernel.hung_task_timeout_secs=60 unknown_nmi_panic panic_print=1"
# nokaslr: a hung vCPU's RIP names a symbol of the kernel's text, whose
# table the first boot of each kernel copies from /proc/kallsyms.
kallsyms=$(cache_dir)/kallsyms/$kver
append+=" nokaslr ib_kallsyms=$([ -s "$kallsyms" ] && echo 0 || echo 1)"
append+=" ib_run=$run ib_cwd=$PWD ib_shell=$shell ib_image=$image ib_kver=$kver"
# TESTHOST_NVME=N: N NVMe controllers (MSI-X, a vector per queue, 65),
# each on a sparse disk of this run, for make check-vmm (1) and the
# benchmark's scale scene (several) to pass through; the other suites go
# without, so that no PCI device they do not expect is there.
nvme=()
for k in $(seq "${TESTHOST_NVME:-0}"); do
	truncate -s 64M "$run.nvme$k"
	nvme+=(-drive if=none,id=nvm$k,file="$run.nvme$k",format=raw
		-device nvme,serial=irqbp$k,drive=nvm$k)
done
monitor=$dir/monitor.$$
qemu=(qemu-system-x86_64 -machine q35 -accel tcg,thread=$tcg_thread -cpu max -smp "$smp" -m 2G
	-nographic -no-reboot -monitor unix:"$monitor",server,nowait
	-device intel-iommu,intremap=on
	-device edu -device edu -device e1000e -nic none "${nvme[@]}"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev local,id=results,path="$run",security_model=none
	-device virtio-9p-pci,fsdev=results,mount_tag=results)

if [ $shell = 1 ]; then
	say "booting $kver; leave the shell to power off"
	"${qemu[@]}"
	exit 0
fi

# Past the timeout: the guest's registers twice (a vCPU whose RIP never
# moves is stuck in qemu), then the kernel's own view: sysrq l (every
# CPU's backtrace), w (blocked tasks), t (every task), at full log level;
# then an NMI (panics, printing every task), then quit.
stacks() {
	"$here/qemu-monitor.py" "$monitor" "info registers -a" "sleep 2" \
		"info registers -a" "sendkey alt-sysrq-9" "sendkey alt-sysrq-l" \
		"sleep 5" "sendkey alt-sysrq-w" "sleep 5" "sendkey alt-sysrq-t" \
		"sleep 20" "nmi" "sleep 10" "quit"
}

say "booting $kver under qemu ($tcg_thread-threaded TCG), running: $*"
start=$(date +%s)
rm -f "$logs/monitor.log"
if [ $live = 1 ]; then
	"${qemu[@]}" < /dev/null > >(tee "$console") 2>&1 &
else
	"${qemu[@]}" < /dev/null > "$console" 2>&1 &
fi
qemu_pid=$!
expired=$run.expired
(
	trap 'kill $sleeper 2> /dev/null; exit 0' TERM
	sleep "$timeout" &
	sleeper=$!
	wait $sleeper
	touch "$expired"
	stacks > "$logs/monitor.log" 2>&1
	kill "$qemu_pid" 2> /dev/null
) &
watchdog=$!
wait "$qemu_pid" || true
kill "$watchdog" 2> /dev/null || true
wait "$watchdog" 2> /dev/null || true
rm -f "$monitor"
if [ -s "$run/kallsyms" ]; then
	mkdir -p "$(dirname "$kallsyms")"
	mv "$run/kallsyms" "$kallsyms"
fi
timed_out=0
[ ! -e "$expired" ] || { timed_out=1; rm -f "$expired"; }
say "guest ran for $(( $(date +%s) - start )) s"
[ $live = 1 ] || cat "$run/output" 2>/dev/null || true

if [ $timed_out = 1 ]; then
	say "FAIL: timed out after $timeout s; the guest's stacks (sysrq l, w, t) are in $console, its registers in $logs/monitor.log; each vCPU's RIP, twice:"
	"$here/qemu-monitor.py" --rips "$kallsyms" "$logs/monitor.log" >&2
	exit 1
fi
if [ ! -f "$run/status" ]; then
	say "FAIL: the guest did not finish the command (console: $console)"
	tail -n 30 "$console" >&2
	exit 1
fi
status=$(cat "$run/status")

# Kernel reports on the console fail the run, whatever the command said.
if splats "$console" > "$logs/splats.txt"; then
	say "FAIL: kernel reports on the console:"
	cat "$logs/splats.txt" >&2
	status=1
fi

# Allowed taints: O (4096, out-of-tree module) and E (8192, unsigned module).
# The kernel's log says why, when quiet kept it off the console.
cp "$run/dmesg" "$logs/dmesg.txt" 2> /dev/null || true
tainted=$(cat "$run/tainted")
if [ $(( tainted & ~(4096 | 8192) )) != 0 ]; then
	say "FAIL: kernel tainted $tainted, beyond out-of-tree/unsigned modules; the kernel's log is in $logs/dmesg.txt, its reports:"
	splats "$logs/dmesg.txt" >&2 || true
	grep -a -A40 -- '-\[ cut here \]-' "$logs/dmesg.txt" >&2 || true
	status=1
fi
exit "$status"
