#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the test host's initramfs. Mounts the host's root read-only over
# virtio-9p (writable through a tmpfs overlay) and the run directory
# (ib_run, from the kernel command line) read-write at the same path, then runs $ib_run/cmd as root inside the
# host's userland, or a shell (ib_shell=1). The exit status goes to
# $ib_run/status, the kernel's taint to $ib_run/tainted, its log to
# $ib_run/dmesg.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r mod; do
	insmod "/modules/$mod" || echo "guest-init: insmod $mod failed"
done < /modules/order

# The host's root, read-only, under a tmpfs overlay: programs may write
# anywhere (/tmp, /run, $HOME...) without touching the host, and every host
# path, the project's included, stays visible.
root=/newroot
mkdir -p /host /rw
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose \
	hostroot /host || { echo "guest-init: no host root"; poweroff -f; }
mount -t tmpfs tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work \
	overlay $root || { echo "guest-init: no overlay"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 \
	results "$root$ib_run" || { echo "guest-init: no results share"; poweroff -f; }
# The kernel's text symbols (booted nokaslr), for the stacks of a hang.
[ "$ib_kallsyms" = 1 ] && grep -E '^[0-9a-f]+ [tT] [^ ]+$' /proc/kallsyms > "$root$ib_run/kallsyms"

# Another kernel's stock modules, where modprobe looks for them.
if [ "$ib_image" != / ]; then
	mkdir -p $root/lib/modules
	ln -sfn "$ib_image/lib/modules/$ib_kver" "$root/lib/modules/$ib_kver"
fi

mount -t proc proc $root/proc
mount -t sysfs sysfs $root/sys
mount -t devtmpfs devtmpfs $root/dev
mkdir -p $root/dev/pts
mount -t devpts devpts $root/dev/pts
# What udev would make: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd $root/dev/fd
mount -t debugfs debugfs $root/sys/kernel/debug
mount -t tracefs tracefs $root/sys/kernel/tracing
mount -t bpf bpf $root/sys/fs/bpf

# The guest has no network: keep tools from looking for one.
export HOME=/root TERM=${TERM:-linux}

if [ "$ib_shell" = 1 ]; then
	echo "guest-init: the host's root, with writes kept in guest memory"
	setsid cttyhack chroot $root /bin/bash -l
	status=$?
else
	# Output goes to the console too, for whoever watches it live.
	{
		chroot $root /bin/sh -c "cd '$ib_cwd' && exec /bin/bash '$ib_run/cmd'"
		echo $? > /status
	} 2>&1 | tee "$root$ib_run/output"
	status=$(cat /status)
fi

cat /proc/sys/kernel/tainted > "$root$ib_run/tainted"
# The whole kernel log: quiet keeps a WARN off the console, not the taint.
dmesg > "$root$ib_run/dmesg"
echo $status > "$root$ib_run/status"
sync
umount "$root$ib_run"
poweroff -f
