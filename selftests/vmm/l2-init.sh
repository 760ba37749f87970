#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the L2 guest of make check-vmm, the guest that the real QEMU
# runs in the test host with a device passed through: with edu, loads
# edu_guest.ko, raises vmm_raise interrupts (kernel command line) through
# it; with an NVMe controller, loads Debian's nvme driver from /nvme and
# reads its disk from each CPU. Prints lines of counts for
# selftests/testhost/vmm-tests.sh and powers off. vmm_reload=1: then
# unloads the drivers, loads them again and does it all again. vmm_reset=ID:
# then holds, for the VMM to reset it, and powers off on the next boot.
# make check-arm64's L2 guests run it too, some with a virtio disk
# instead of edu.
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

# nvme_load MODULE...: those modules of /nvme (/nvme/order, vmm-tests.sh's,
# lists the driver and what it needs, in order), then the namespace's
# disk, which the driver finds asynchronously.
nvme_load() {
	for m in "$@"; do
		insmod "/nvme/$m" || echo "l2: insmod $m failed"
	done
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

# taint: the kernel's taint, and its warnings: quiet keeps them off the
# console.
taint() {
	echo "l2: tainted=$(cat /proc/sys/kernel/tainted)"
	dmesg | grep -A 20 -e '-\[ cut here \]-' | sed 's/^/l2: dmesg: /'
}

# reload: the drivers unloaded and loaded again, those of a device.
reload() {
	echo "l2: reloading the drivers"
	if [ -e "$(echo /sys/bus/pci/drivers/edu_guest/0000:* | cut -d ' ' -f 1)" ]; then
		rmmod edu_guest || echo "l2: rmmod edu_guest failed"
		edu_load
	fi
	if [ "$nvme" = 1 ]; then
		rmmod nvme || echo "l2: rmmod nvme failed"
		nvme_load nvme.ko
	fi
}

[ -e /edu_guest.ko ] && edu_load
# An NVMe controller (PCI class 0x010802).
nvme=0
if [ -e /nvme/order ] && grep -qx 0x010802 /sys/bus/pci/devices/*/class 2> /dev/null; then
	# shellcheck disable=SC2046 # a module a word
	nvme_load $(cat /nvme/order)
	nvme=1
fi

# Which boot of this VM (vmm_reset=ID) this is: the NVMe disk's first
# sector says, since a reset keeps the disk and nothing else.
boot=1
if [ -n "${vmm_reset:-}" ] && [ -b /dev/nvme0n1 ]; then
	mark=$(dd if=/dev/nvme0n1 bs=512 count=1 2> /dev/null | tr -d '\000' | head -n 1)
	case $mark in
	"irqbp $vmm_reset boot "*) boot=$((${mark##* } + 1)) ;;
	esac
	echo "irqbp $vmm_reset boot $boot" | dd of=/dev/nvme0n1 conv=notrunc,fsync 2> /dev/null
	echo "l2: boot $boot of $vmm_reset"
fi

edu_run
disk_run "$boot.1"
if [ "${vmm_reload:-0}" = 1 ] && [ $boot = 1 ]; then
	reload
	edu_run
	disk_run "$boot.2"
fi
if [ -n "${vmm_reset:-}" ] && [ $boot = 1 ]; then
	taint
	echo "l2: holding for a reset"
	while :; do sleep 1; done
fi
taint
poweroff -f
