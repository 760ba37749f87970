#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L2 guest of make check-vmm, the guest that the real QEMU
# runs in the test host with the edu device passed through: loads
# edu_guest.ko, raises vmm_raise interrupts (kernel command line) through
# it, prints one line of counts for selftests/testhost/vmm-tests.sh and
# powers off. make check-arm64's L2 guests run it too, some with a virtio
# disk instead of edu.
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
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

# A virtio disk (make check-arm64's multi-queue scene): a region read from
# each CPU in turn, past the page cache, so that each queue's vector fires;
# then each vector's count. vmm_loop=1 reads on until the VMM is killed.
if [ -b /dev/vda ]; then
	cpus=$(nproc)
	pass=0
	while :; do
		for cpu in $(seq 0 $((cpus - 1))); do
			taskset -c "$cpu" dd if=/dev/vda of=/dev/null bs=4096 count=64 \
				skip=$(((pass * cpus + cpu) % 32 * 64)) 2> /dev/null
		done
		echo 1 > /proc/sys/vm/drop_caches
		[ $pass = 0 ] && echo "l2: blk vda cpus=$cpus" $(awk '/virtio/ {
			s = 0
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
				s += $i
			printf "%s=%d ", $NF, s }' /proc/interrupts)
		pass=$((pass + 1))
		[ "${vmm_loop:-0}" = 1 ] || break
	done
fi
poweroff -f
