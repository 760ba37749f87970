#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make deb: the Debian packages irqbypass-dkms and irqbypass-tools, built
# from a copy of the tree in $BUILD/deb/irqbypass-<version> (the packages
# land in $BUILD/deb), then lintian, which fails on any error or warning.
# The version is scripts/version.sh's, with '+' for '-' (a native
# package's version has no Debian revision); debian/changelog is written
# in the copy with it, so that no second version is kept in the tree.
# Documentation/packages.md
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
out=$(build_dir)/deb
version=$("$top/scripts/version.sh" | tr - +)
src=$out/irqbypass-$version

# The same tree, committed and not, gives the same packages: built once.
key=$(cd "$top" && {
	git rev-parse HEAD
	git diff HEAD
	git ls-files -o --exclude-standard -z | xargs -0r sha256sum
} 2> /dev/null | sha256sum)
if [ "$(cat "$out/.key" 2> /dev/null)" = "$key" ]; then
	echo "deb: irqbypass $version is built and lintian-clean in $out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$src"
rsync -a --exclude=/build --exclude=/.git \
	--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod*' \
	--exclude=Module.symvers --exclude=modules.order "$top/" "$src/"
# A BUILD inside the tree under another name is not the package's either.
case $(build_dir) in "$top"/*) rm -rf "$src/${out#"$top"/}" ;; esac

maint=$(sed -n 's/^Maintainer: //p' "$top/debian/control")
date=$(git -C "$top" log -1 --format=%aD 2> /dev/null || date -R)
{
	echo "irqbypass ($version) unstable; urgency=medium"
	echo
	echo "  * Built from the irqbypass tree at $version."
	echo
	echo " -- $maint  $date"
} > "$src/debian/changelog"

echo "deb: building irqbypass $version in $src"
# BUILD is this tree's, not the copy's: the build must not see it.
(cd "$src" && env -u BUILD dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed; its log: $out/build.log" >&2
	exit 1
}
changes=$out/irqbypass_${version}_amd64.changes
ls "$out"/*.deb
echo "deb: lintian $changes"
lintian --fail-on error,warning --display-info "$changes"
echo "deb: lintian: no error, no warning"
echo "$key" > "$out/.key"
