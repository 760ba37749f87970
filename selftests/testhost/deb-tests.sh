#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host (its root is a writable overlay): the packages of
# make deb through their life on a Debian system. apt installs them and
# DKMS builds the manager for the running kernel; the stock kvm and
# vfio-pci, reloaded, take it; irqbypass-trace and irqbypass-doctor run
# from PATH on it; a
# second kernel installed gets its own build; apt remove brings the stock
# module back and apt purge leaves no file of ours. TAP, each step's
# output shown. Documentation/packages.md
#
# The second kernel is another of the release in its cloud flavour
# (scripts/debian-kernel.sh second): DKMS builds for it as for the
# generic one, and its image has a quarter of the modules to unpack and
# depmod under emulation.
#
# The test host is offline: the second kernel's packages, and whatever
# the packages need that the system lacks, were fetched beforehand
# (scripts/debian-kernel.sh fetch, by the Makefile). On another Debian
# kernel (KVER) all of it happens in that kernel's build root, chrooted,
# with the kernel's stock modules bound in, as in dkms-tests.sh: this
# machine's userland cannot build for it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
kver=$(uname -r)
debs=$(build_dir)/deb
extra=$(kernel_cache)/$kver/deb-test
n=0
failed=0
t0=$(date +%s)

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
# Runs a step's command, its output shown as TAP comments, timed.
step() {
	echo "# \$ $*"
	t=$(date +%s)
	"$@" > /tmp/deb-step.log 2>&1
	st=$?
	sed 's/^/#   /' /tmp/deb-step.log
	echo "# ($(($(date +%s) - t)) s, status $st)"
	return $st
}

enter_kernel_root
export DEBIAN_FRONTEND=noninteractive
# Offline, apt takes the packages from the files given: no archive.
apt_get() {
	in_root apt-get -y -q --no-install-recommends -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts=/dev/null "$@"
}
# man-db's index is not ours to test, and slow to remake under emulation.
rm -f "$root/var/lib/man-db/auto-update"

# The stock modules, with whichever irqbypass depmod prefers.
# Our files where the packages and DKMS put them; not the kernels' own
# irqbypass.ko (under kernel/), nor their headers' irqbypass.h.
ours() {
	in_root sh -c "find /lib/modules -path '/lib/modules/*/kernel' -prune -o -name '*irqbypass*' -print
		find /usr/src /usr/bin /usr/share/doc -maxdepth 1 -name '*irqbypass*'
		find /usr/share/man -maxdepth 2 -name '*irqbypass*'
		find /var/lib/dkms /etc -name '*irqbypass*'" 2> /dev/null | sort
}
# The DKMS-built module of kernel $1.
built() {
	in_root find "/lib/modules/$1/updates" -name 'irqbypass.ko*' 2> /dev/null
}

dkms_deb=$(ls "$debs"/irqbypass-dkms_*_all.deb)
tools_deb=$(ls "$debs"/irqbypass-tools_*_amd64.deb)
version=$(dpkg-deb -f "$dkms_deb" Version)
second=$(cat "$extra/second")
# The packages are installed from inside the system that gets them.
stage=/tmp/irqbypass-debs
mkdir -p "$root$stage/extra"
cp "$dkms_deb" "$tools_deb" "$root$stage/"
cp "$extra"/*.deb "$root$stage/extra/"

echo "1..15"
echo "# irqbypass $version on $kver${root:+, in the build root $root}; second kernel $second"
stock=$(in_root modinfo -n irqbypass)
before=$(ours)

step apt_get install "$stage/$(basename "$dkms_deb")" "$stage/$(basename "$tools_deb")"
ok $? "apt-get install ./irqbypass-dkms_${version}_all.deb ./irqbypass-tools_${version}_amd64.deb"
in_root dkms status irqbypass 2> /dev/null | sed "s/^/# /"
file=$(built "$kver")
test -n "$file" && in_root dkms status -m irqbypass -v "$version" -k "$kver" 2> /dev/null | grep -q installed
ok $? "DKMS built and installed irqbypass $version for $kver: $file"

reload_stock
pkg_src=$(in_root modinfo -F srcversion "$file")
echo "# stock $stock; packaged srcversion $pkg_src, loaded $(cat /sys/module/irqbypass/srcversion)"
test -n "$pkg_src" && [ "$(cat /sys/module/irqbypass/srcversion)" = "$pkg_src" ] &&
	[ "$(cat /sys/module/irqbypass/version)" = "$version" ]
ok $? "the loaded irqbypass is the packaged one (version $(cat /sys/module/irqbypass/version 2> /dev/null))"
held_by_both
ok $? "held by kvm and vfio_pci_core"

step in_root sh -c 'command -v irqbypass-trace && irqbypass-trace --help'
ok $? "irqbypass-trace --help runs from PATH"
step in_root irqbypass-trace --duration 1 && grep -q 'watching the IRQ bypass manager' /tmp/deb-step.log
ok $? "irqbypass-trace --duration 1 traces the packaged manager"
step in_root irqbypass-doctor --json && grep -q '"manager": "ours", "manager_version": "'"$version"'"' /tmp/deb-step.log
ok $? "irqbypass-doctor runs from PATH and finds the packaged manager"

# The kernel's own postinst hooks run, but for the initramfs: not ours,
# and slow under emulation (INITRD=No, as /etc/kernel-img.conf allows).
export INITRD=No
step apt_get install $(ls "$root$stage/extra"/*.deb | sed "s|^$root||")
ok $? "apt-get install linux-headers-$second and what it needs ($(ls "$extra" | grep -c '\.deb$') packages)"
in_root dkms status irqbypass 2> /dev/null | sed "s/^/# /"
file2=$(built "$second")
test -n "$file2" && in_root dkms status -m irqbypass -v "$version" -k "$second" 2> /dev/null | grep -q installed &&
	in_root modinfo -F vermagic "$file2" | grep -q "^$second "
ok $? "installing $second's headers built irqbypass for it: $file2"

# What the packages installed, for the check after purge: their files
# and their own directories (shared ones, /usr/bin..., stay).
listed=$(in_root dpkg -L irqbypass-dkms irqbypass-tools)
theirs=$(echo "$listed" | while read -r p; do
	[ -d "$root$p" ] && case $p in *irqbypass*) ;; *) continue ;; esac
	echo "$p"
done)
echo "# dpkg -L: $(echo "$listed" | wc -l) paths, $(echo "$theirs" | wc -l) of them files or our own directories"

step apt_get remove irqbypass-dkms irqbypass-tools
ok $? "apt-get remove irqbypass-dkms irqbypass-tools"
test -z "$(built "$kver")$(built "$second")" && ! in_root dkms status 2> /dev/null | grep -q irqbypass
ok $? "no DKMS module left for $kver or $second"
reload_stock
# The stock module has no version; modprobe takes the kernel's file again.
test ! -e /sys/module/irqbypass/version && [ "$(in_root modinfo -n irqbypass)" = "$stock" ] &&
	held_by_both
ok $? "the stock irqbypass is back, held by kvm and vfio_pci_core"

# Packages with no conffiles and no postrm are forgotten at remove:
# apt cannot name them any more, and purging them is dpkg's no-op.
state=$(in_root dpkg-query -W -f='${db:Status-Abbrev}' irqbypass-dkms irqbypass-tools 2> /dev/null)
echo "# after remove, dpkg's state of the packages: ${state:-forgotten}"
if [ -n "$state" ]; then
	step apt_get purge irqbypass-dkms irqbypass-tools
else
	step in_root dpkg --purge irqbypass-dkms irqbypass-tools
fi
ok $? "purge irqbypass-dkms irqbypass-tools"
left=$(echo "$theirs" | while read -r p; do
	if [ -e "$root$p" ] || [ -L "$root$p" ]; then echo "$p"; fi
done)
echo "# left of them: ${left:-none}"
test -z "$left" && ! in_root dpkg -s irqbypass-dkms > /dev/null 2>&1 &&
	! in_root dpkg -s irqbypass-tools > /dev/null 2>&1
ok $? "nothing dpkg -L listed is left, nor the packages' status"
after=$(ours)
echo "# found before install: ${before:-none}; after purge: ${after:-none}"
[ "$after" = "$before" ]
ok $? "find: no file of ours in /lib/modules, /usr/src, /var/lib/dkms, /usr/bin, /usr/share, /etc"
echo "# $(($(date +%s) - t0)) s in all"
exit $failed
