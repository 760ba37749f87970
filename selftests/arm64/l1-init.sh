#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L1 arm64 host of make check-arm64 (selftests/arm64/run.sh,
# Documentation/testhost.md "arm64"): binds QEMU's edu device to vfio-pci,
# runs Debian's qemu-system-aarch64 under KVM as the VMM of an L2 guest
# that has edu raise arm64_irqs MSIs (selftests/vmm/l2-init.sh), and
# prints what run.sh asserts as "l1: key=value" lines. It asserts
# nothing itself: every value is printed, or its absence is.
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
	for m in $(cat /modules/order 2> /dev/null); do
		insmod "/modules/$m" || say "insmod $m failed"
	done
fi

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && dev=$d
done
[ -n "$dev" ] || { say "error=no edu device"; poweroff -f; }
bdf=$(basename "$dev")
echo vfio-pci > "$dev/driver_override"
echo "$bdf" > /sys/bus/pci/drivers_probe
say "edu=$bdf edu_driver=$(basename "$(readlink "$dev/driver")")" \
	"iommu_group=$(basename "$(readlink "$dev/iommu_group")")"

# Every host interrupt of the device's vfio vectors, and of the vPE
# doorbells (named "vcpu"), from the tracepoint: exact, whenever the line
# was freed.
t=/sys/kernel/tracing
echo 8192 > $t/buffer_size_kb
echo 'name ~ "vfio*" || name == "vcpu"' > $t/events/irq/irq_handler_entry/filter
echo 1 > $t/events/irq/irq_handler_entry/enable
[ -d $t/events/irqbypass ] && echo 1 > $t/events/irqbypass/enable
say "tracing=$(cat $t/tracing_on) irqbypass_events=$(ls $t/events/irqbypass 2> /dev/null | grep -c connect)"

start=$(cut -d ' ' -f 1 /proc/uptime)
qemu-system-aarch64 -enable-kvm -M virt,gic-version=3 -cpu host -smp 1 -m 128M \
	-nodefaults -nographic -serial stdio -no-reboot \
	-kernel /l2/Image -initrd /l2/l2.cpio \
	-append "console=ttyAMA0 quiet panic=-1 vmm_raise=$n" \
	-device vfio-pci,host="$bdf" < /dev/null > /tmp/l2.log 2>&1 &
qpid=$!
waited=0
while kill -0 $qpid 2> /dev/null && [ $waited -lt "$timeout" ]; do
	sleep 1
	waited=$((waited + 1))
done
if kill -0 $qpid 2> /dev/null; then
	say "error=L2 still running after $timeout s; the host's stacks follow"
	echo l > /proc/sysrq-trigger
	echo w > /proc/sysrq-trigger
	kill -9 $qpid
fi
wait $qpid
say "qemu_exit=$? qemu_seconds=$(awk -v s="$start" '{ print int($1 - s) }' /proc/uptime)"
sed 's/^/l1: L2 | /' /tmp/l2.log

echo 0 > $t/tracing_on
say "host_vfio_irqs=$(grep -c 'irq_handler_entry: irq=[0-9]* name=vfio' $t/trace)"
say "host_doorbells=$(grep -c 'irq_handler_entry: irq=[0-9]* name=vcpu' $t/trace)"
for e in register_producer register_consumer connect disconnect \
	unregister_producer unregister_consumer connect_fail refused; do
	say "event_$e=$(grep -c " irqbypass_$e:" $t/trace)"
done
grep ' irqbypass_' $t/trace | sed 's/^ */l1: trace | /'
if [ -d /sys/kernel/debug/irqbypass ]; then
	for f in /sys/kernel/debug/irqbypass/*; do
		sed "s#^#l1: debugfs $(basename "$f") | #" "$f"
	done
fi
echo "$bdf" > /sys/bus/pci/drivers/vfio-pci/unbind
say "unbound=$([ -e "$dev/driver" ] && echo no || echo yes)"
say "done"
poweroff -f
