#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L2 guest of make check-vmm, the guest that the real QEMU
# runs in the test host with a device passed through: with edu, loads
# edu_guest.ko, raises vmm_raise interrupts (kernel command line) through
# it; with an NVMe controller, loads Debian's nvme driver from /nvme and
# reads its disk from each CPU. Prints lines of counts for
# selftests/testhost/vmm-tests.sh and powers off. make check-arm64's L2
# guests run it too, some with a virtio disk instead of edu.
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys

echo "l2: init at $(cut -d ' ' -f 1 /proc/uptime) s"

# edu_load, edu_run: edu_guest.ko, then vmm_raise interrupts and their
# counts.
edu_load() {
	insmod /edu_guest.ko || echo "l2: insmod edu_guest.ko failed"
}
edu_run() {
	dev=$(ls -d /sys/bus/pci/drivers/edu_guest/0000:* 2> /dev/null | head -n 1)
	if [ -z "$dev" ]; then
		echo "l2: no edu device bound to edu_guest"
		return
	fi
	echo "${vmm_raise:-0}" > "$dev/raise" || echo "l2: raising failed"
	echo "l2: edu $(basename "$dev") raised=$(cat "$dev/raised")" \
		"handled=$(cat "$dev/handled") spurious=$(cat "$dev/spurious")" \
		"msi_data=$(cat "$dev/msi_data") uptime=$(cut -d ' ' -f 1 /proc/uptime)"
	dmesg | grep edu_guest | sed 's/^/l2: dmesg: /'
}

# nvme_load: the NVMe controller's driver and what it needs, in the order
# of /nvme/order (vmm-tests.sh's), then its namespace's disk, which the
# driver finds asynchronously.
nvme_load() {
	while read -r m; do
		insmod "/nvme/$m" || echo "l2: insmod $m failed"
	done < /nvme/order
	for _ in $(seq 300); do
		[ -b /dev/nvme0n1 ] && return
		sleep 0.1
	done
	echo "l2: no /dev/nvme0n1 after 30 s"
}

# disk_read DISK PASS: a region of DISK read from each CPU in turn, past
# the page cache, so that each queue's vector fires (blk-mq submits on
# the queue of the CPU, whose vector the driver points at that CPU).
disk_read() {
	cpus=$(nproc)
	for cpu in $(seq 0 $((cpus - 1))); do
		taskset -c "$cpu" dd if="/dev/$1" of=/dev/null bs=4096 count=64 \
			skip=$((($2 * cpus + cpu) % 32 * 64)) 2> /dev/null
	done
	echo 1 > /proc/sys/vm/drop_caches
}

# vectors PREFIX: "name=count" for each interrupt whose name starts with
# PREFIX, counted over every CPU.
vectors() {
	awk -v p="$1" 'index($NF, p) == 1 {
		s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
			s += $i
		printf "%s=%d ", $NF, s }' /proc/interrupts
}

# disk_run ROUND: a virtio disk (make check-arm64's multi-queue scene) or
# the NVMe controller's, read from each CPU, then each vector's count.
# vmm_loop=1 reads on until the VMM is killed.
disk_run() {
	for disk in vda:virtio nvme0n1:nvme0q; do
		[ -b "/dev/${disk%%:*}" ] || continue
		pass=0
		while :; do
			disk_read "${disk%%:*}" "$pass"
			[ $pass = 0 ] && echo "l2: blk ${disk%%:*} cpus=$(nproc) round=$1" \
				"$(vectors "${disk#*:}")"
			pass=$((pass + 1))
			[ "${vmm_loop:-0}" = 1 ] || break
		done
	done
}

[ -e /edu_guest.ko ] && edu_load
# An NVMe controller (PCI class 0x010802).
[ -e /nvme/order ] && grep -qx 0x010802 /sys/bus/pci/devices/*/class 2> /dev/null &&
	nvme_load
edu_run
disk_run 1
# A warning stays off the console (quiet): its taint shows it.
echo "l2: tainted=$(cat /proc/sys/kernel/tainted)"
poweroff -f
