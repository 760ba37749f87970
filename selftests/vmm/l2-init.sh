#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L2 guest of make check-vmm, the guest that the real QEMU
# runs in the test host with the edu device passed through: loads
# edu_guest.ko, raises vmm_raise interrupts (kernel command line) through
# it, prints one line of counts for selftests/testhost/vmm-tests.sh and
# powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys

echo "l2: init at $(cut -d ' ' -f 1 /proc/uptime) s"
insmod /edu_guest.ko || echo "l2: insmod edu_guest.ko failed"
dev=$(ls -d /sys/bus/pci/drivers/edu_guest/0000:* 2> /dev/null | head -n 1)
if [ -z "$dev" ]; then
	echo "l2: no edu device bound to edu_guest"
else
	echo "${vmm_raise:-0}" > "$dev/raise" || echo "l2: raising failed"
	echo "l2: edu $(basename "$dev") raised=$(cat "$dev/raised")" \
		"handled=$(cat "$dev/handled") spurious=$(cat "$dev/spurious")" \
		"msi_data=$(cat "$dev/msi_data") uptime=$(cut -d ' ' -f 1 /proc/uptime)"
fi
dmesg | grep edu_guest | sed 's/^/l2: dmesg: /'
poweroff -f
