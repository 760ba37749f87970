#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: our irqbypass.ko as the drop-in under the stock kvm and
# vfio-pci, the mini-VMM assigning the edu devices to VMs,
# irqbypass-trace showing live what the manager does, and irqbypass-doctor
# saying why a vector is not posted.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
bin=$build/harness

"$top/selftests/testhost/load-stock.sh" "$top/irqbypass/irqbypass.ko"
set -- $(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && basename "$d"
done)
[ $# -ge 1 ] || { echo "demo: no edu device" >&2; exit 1; }
echo "demo: edu devices: $*"
echo

# The reference consumer too, loaded before the trace attaches to it.
insmod "$top/kvm-consumer/kvm_consumer.ko" || echo "demo: no kvm-consumer"

"$bin/irqbypass-trace" &
trace=$!
sleep 2

echo "== 1. VFIO first, then KVM; 3 interrupts raised on the device"
"$bin/irqbypass-vmm" --bdf "$1" --gsi 40 --raise 3
echo
echo "== 2. KVM first, then VFIO${2:+, on the second edu device}"
"$bin/irqbypass-vmm" --bdf "${2:-$1}" --gsi 41 --kvm-first --raise 2
echo
echo "== 3. A second VM tries to take the same eventfd"
"$bin/irqbypass-vmm" --bdf "$1" --gsi 42 --second-vm
echo

if [ -d /sys/module/kvm_consumer ]; then
	echo "== 4. kvm-consumer, the reference consumer, says how it delivers"
	"$bin/irqbypass-vmm" --bdf "$1" --gsi 43 --kvm-consumer --raise 2
	echo
fi

if insmod "$top/selftests/irqchip-model/irqchip_model.ko" &&
   insmod "$top/vfio-platform-producer/vfio_platform_producer.ko"; then
	echo "== 5. ARM-style forwarding: a level line of the interrupt controller model"
	echo "   through vfio-platform-producer to a kvm-consumer VM; the guest deactivates it"
	"$bin/irqbypass-vmm" --platform irqchip-model.0 --line 0 --gsi 44 --raise 3
	echo
fi

echo "== 6. Is it bypassing the host? irqbypass-doctor, while a VM holds the vector"
"$bin/irqbypass-vmm" --bdf "$1" --gsi 45 --then "$bin/irqbypass-doctor"
echo

sleep 1
kill -INT $trace
wait $trace
echo
echo "demo: the manager's debugfs view once every VM is gone:"
for f in producers consumers pairs; do
	printf '  %-9s %s line(s)\n' "$f:" "$(wc -l < /sys/kernel/debug/irqbypass/$f)"
done
sed 's/^/  /' /sys/kernel/debug/irqbypass/stats
