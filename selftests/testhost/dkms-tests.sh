#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host (its root is a writable overlay): make dkms-install for
# the running kernel, then the stock kvm and vfio-pci load ours from
# updates/; make dkms-uninstall, and they load the stock one again. TAP.
#
# On another Debian kernel (KVER, Documentation/kernels.md) this machine's
# userland cannot build for it: everything runs in that kernel's build
# root instead, with the kernel's stock modules bound in.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
kver=$(uname -r)
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

src=$top
enter_kernel_root
if [ -n "$root" ]; then
	src=/usr/src/irqbypass-work
	rsync -a --exclude=/build --exclude=/.git --exclude=/harness \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod*' \
		"$top/" "$root$src/"
fi

echo "1..6"
stock=$(in_root modinfo -n irqbypass)
in_root make -s -C "$src" dkms-install KVER="$kver" > /tmp/dkms-install.log 2>&1
ok $? "dkms-install for $kver"
ours=$(in_root sh -c "modinfo -F srcversion \$(find /lib/modules/$kver/updates -name 'irqbypass.ko*' | head -n 1)")
reload_stock
loaded=$(cat /sys/module/irqbypass/srcversion)
echo "# stock $stock; DKMS-built srcversion $ours, loaded $loaded"
test -n "$ours" && test "$loaded" = "$ours"
ok $? "the loaded irqbypass is the DKMS one ($(cat /sys/module/irqbypass/version))"
held_by_both
ok $? "held by kvm and vfio_pci_core"

in_root make -s -C "$src" dkms-uninstall > /tmp/dkms-uninstall.log 2>&1
ok $? "dkms-uninstall"
reload_stock
# The stock module has no version; modprobe takes the kernel's file again.
test ! -e /sys/module/irqbypass/version && test "$(in_root modinfo -n irqbypass)" = "$stock"
ok $? "the stock irqbypass is back"
held_by_both
ok $? "held by kvm and vfio_pci_core"
[ $failed = 0 ] || cat /tmp/dkms-install.log /tmp/dkms-uninstall.log
exit $failed
