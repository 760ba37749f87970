#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L1 arm64 host of make check-arm64 (selftests/arm64/run.sh,
# Documentation/testhost.md "arm64"). Binds QEMU's edu and two virtio-blk
# devices to vfio-pci and runs Debian's qemu-system-aarch64 under KVM as
# the VMM of L2 guests (selftests/vmm/l2-init.sh), in two phases:
#   edu  one L2 with edu, which raises arm64_irqs MSIs and powers off;
#   blk  two L2s started at once, each with a two-queue virtio disk (three
#        MSI-X vectors) read from both its CPUs: the first powers off, the
#        second reads on and is killed with SIGKILL.
# After each phase it prints what run.sh asserts as "l1: PHASE_key=value"
# lines. It asserts nothing itself: every value is printed, or its
# absence is.
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
mount -t tmpfs tmpfs /tmp
say() { echo "l1: $*"; }

n=0
timeout=300
for arg in $(cat /proc/cmdline); do
	case $arg in
	arm64_irqs=*) n=${arg#*=} ;;
	arm64_timeout=*) timeout=${arg#*=} ;;
	esac
done
say "kernel=$(uname -r) init_at=$(cut -d ' ' -f 1 /proc/uptime)"
say "gicv4=$(dmesg | grep -c 'GICv4 support enabled')"

# The stock kernel has vfio-pci as modules (Debian's, unpacked beside the
# image by run.sh, in the order their dependencies need).
if [ ! -d /sys/bus/pci/drivers/vfio-pci ]; then
	for m in $(cat /modules/order); do
		insmod "/modules/$m" || say "insmod $m failed"
	done
fi

# The devices with vendor:device $1, bound to vfio-pci; their addresses.
bind() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] || continue
		# Our kernel's virtio-pci took the disks at boot.
		[ -e "$d/driver" ] && echo "${d##*/}" > "$d/driver/unbind"
		echo vfio-pci > "$d/driver_override"
		echo "${d##*/}" > /sys/bus/pci/drivers_probe
		echo "${d##*/}"
	done
}
edu=$(bind 0x1234:0x11e8)
blk=$(bind 0x1af4:0x1042)
for d in $edu $blk; do
	say "device=$d driver=$(basename "$(readlink "/sys/bus/pci/devices/$d/driver")")" \
		"iommu_group=$(basename "$(readlink "/sys/bus/pci/devices/$d/iommu_group")")"
done
say "edu_devices=$(echo $edu | wc -w) blk_devices=$(echo $blk | wc -w)"

# Every host interrupt of the devices' vfio vectors, and of the vPE
# doorbells (named "vcpu"), from the tracepoint: exact, whenever the line
# was freed.
t=/sys/kernel/tracing
echo 8192 > $t/buffer_size_kb
echo 'name ~ "vfio*" || name == "vcpu"' > $t/events/irq/irq_handler_entry/filter
echo 1 > $t/events/irq/irq_handler_entry/enable
[ -d $t/events/irqbypass ] && echo 1 > $t/events/irqbypass/enable
say "tracing=$(cat $t/tracing_on) irqbypass_events=$(ls $t/events/irqbypass 2> /dev/null | grep -c connect)"

# Starts an L2 named $1, with $2 vCPUs and kernel arguments $3, the
# device $4 passed through; its output in /tmp/$1.log, its pid in $1_pid.
l2() {
	qemu-system-aarch64 -enable-kvm -M virt,gic-version=3 -cpu host \
		-smp "$2" -m 128M -nodefaults -nographic -serial stdio -no-reboot \
		-kernel /l2/Image -initrd /l2/l2.cpio \
		-append "console=ttyAMA0 quiet panic=-1 $3" \
		-device vfio-pci,host="$4" < /dev/null > "/tmp/$1.log" 2>&1 &
	eval "$1_pid=$!"
	say "$1: started on $4 at $(cut -d ' ' -f 1 /proc/uptime)"
}

# Waits for the L2 of pid $2 named $1, up to the timeout; on overrun the
# host's stacks go to the console and L2 is killed. Prints its exit.
wait_l2() {
	local waited=0
	while kill -0 "$2" 2> /dev/null && [ $waited -lt "$timeout" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	if kill -0 "$2" 2> /dev/null; then
		say "error=$1 still running after $timeout s; the host's stacks follow"
		echo l > /proc/sysrq-trigger
		echo w > /proc/sysrq-trigger
		kill -9 "$2"
	fi
	wait "$2"
	say "$1_exit=$? $1_done_at=$(cut -d ' ' -f 1 /proc/uptime)"
	sed "s/^/l1: $1 | /" "/tmp/$1.log"
}

# What phase $1 left: host interrupts, the manager's events and debugfs;
# then the trace is emptied for the next phase.
report() {
	local e
	echo 0 > $t/tracing_on
	say "$1_host_vfio_irqs=$(grep -c 'irq_handler_entry: irq=[0-9]* name=vfio' $t/trace)"
	say "$1_host_doorbells=$(grep -c 'irq_handler_entry: irq=[0-9]* name=vcpu' $t/trace)"
	for e in register_producer register_consumer connect disconnect \
		unregister_producer unregister_consumer connect_fail refused; do
		say "$1_event_$e=$(grep -c " irqbypass_$e:" $t/trace)"
	done
	grep ' irqbypass_' $t/trace | sed "s/^ */l1: $1 trace | /"
	if [ -d /sys/kernel/debug/irqbypass ]; then
		for f in /sys/kernel/debug/irqbypass/*; do
			sed "s#^#l1: $1 debugfs $(basename "$f") | #" "$f"
		done
	fi
	echo > $t/trace
	echo 1 > $t/tracing_on
}

if [ -n "$edu" ]; then
	l2 edu 1 "vmm_raise=$n" "$edu"
	wait_l2 edu "$edu_pid"
	report edu
fi

set -- $blk
if [ $# = 2 ]; then
	l2 blk0 2 "" "$1"
	l2 blk1 2 "vmm_loop=1" "$2"
	wait_l2 blk0 "$blk0_pid"
	# blk1 reads on: killed once it has read from both CPUs.
	waited=0
	until grep -q '^l2: blk ' /tmp/blk1.log || ! kill -0 "$blk1_pid" ||
		[ $waited -ge "$timeout" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	sleep 1
	kill -9 "$blk1_pid"
	say "blk1: killed at $(cut -d ' ' -f 1 /proc/uptime)"
	wait_l2 blk1 "$blk1_pid"
	report blk
fi

for d in $edu $blk; do
	echo "$d" > /sys/bus/pci/drivers/vfio-pci/unbind
	[ -e "/sys/bus/pci/devices/$d/driver" ] || say "unbound=$d"
done
say "done"
poweroff -f
