#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Debian's kernels as targets (Documentation/kernels.md): a kernel is named
# by its Debian ABI name (KVER, e.g. 6.12.118+deb13-amd64). Its packages
# come from Debian's archive through a private apt configuration; its
# modules are built in a minimal build root of its own release, made with
# mmdebstrap, because a newer release's kbuild and compiler do not run on
# Debian 12; its image and stock modules are unpacked for the test host.
# Everything is cached under kernels/ of the cache (scripts/lib.sh).
#
# usage: debian-kernel.sh newest SUITE REGEX  the newest KVER of SUITE whose
#                                             version matches REGEX
#        debian-kernel.sh root KVER           the build root, made once
#        debian-kernel.sh image KVER          the image and modules, unpacked
#        debian-kernel.sh build KVER          our modules built for KVER
#        debian-kernel.sh kdir KVER           the build tree, in the root
#        debian-kernel.sh headers KVER        its common headers, unpacked
#        debian-kernel.sh out KVER            where build put the modules
#        debian-kernel.sh second KVER         another kernel of KVER's release,
#                                             its cloud flavour
#        debian-kernel.sh source SUITE X.Y    linux-source-X.Y of SUITE, unpacked
#        debian-kernel.sh fetch KVER ROOT DEB...
#                                             the second kernel's headers and
#                                             what they and the packages DEB
#                                             need that the system at ROOT
#                                             lacks, in one directory
#        debian-kernel.sh qemu SUITE REGEX    the newest QEMU (qemu-system-x86)
#                                             of SUITE (e.g. bookworm-backports)
#                                             whose version matches REGEX,
#                                             unpacked beside the system's
#        debian-kernel.sh arm64 SUITE         Debian's arm64 QEMU, busybox and
#                                             kernel of SUITE, unpacked
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
cache=$(kernel_cache)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

say() { echo "debian-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

# The Debian release whose kbuild builds KVER: its ABI suffix says it.
suite_of() {
	case $1 in
	*+deb14-*) echo sid ;;
	*+deb13-*) echo trixie ;;
	*+deb12-* | 6.1.0-*) echo bookworm ;;
	*) die "$1: not a Debian amd64 kernel ABI name (6.1.0-N-amd64, *+debNN-amd64)" ;;
	esac
}

# The sources of a release: itself, its updates, security and backports.
sources_of() {
	local s=$1
	echo "deb [signed-by=$keyring] $mirror $s main"
	[ "$s" = sid ] && return 0
	echo "deb [signed-by=$keyring] $mirror $s-updates main"
	echo "deb [signed-by=$keyring] $mirror $s-backports main"
	echo "deb [signed-by=$keyring] ${mirror%/debian}/debian-security $s-security main"
}

# apt with a private state per release: "apt_of SUITE apt-get ...";
# APT_STATUS names another system's dpkg status to resolve against, and
# APT_ARCH another architecture than amd64 (a state of its own).
# Archive snapshots may be older than their Release files' Valid-Until.
apt_of() {
	local s=$1 d=$cache/apt/$1${APT_ARCH:+-$APT_ARCH}
	shift
	if [ ! -f "$d/sources.list" ]; then
		mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
		sources_of "$s" > "$d/sources.list"
		: > "$d/status"
	fi
	"$@" -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State="$d/state" \
		-o Dir::Cache="$d/cache" -o Dir::State::status="${APT_STATUS:-$d/status}" \
		-o Debug::NoLocking=1 -o APT::Architecture="${APT_ARCH:-amd64}" \
		-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root
}

# Package lists of a release, refreshed once a day.
apt_update() {
	local stamp=$cache/apt/$1${APT_ARCH:+-$APT_ARCH}/updated
	if [ -z "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
		apt_of "$1" true
		say "fetching the package lists of $1"
		apt_of "$1" apt-get -qq update
		touch "$stamp"
	fi
}

newest() {
	local s=$1 re=$2
	apt_update "$s"
	apt_of "$s" apt-cache search --names-only "^linux-headers-[0-9][^ ]*-amd64\$" |
		awk '{ sub("^linux-headers-", "", $1); print $1 }' |
		grep -E "^($re)[.-]" | grep -Ev -- '-(rt|cloud)-amd64$' | sort -V | tail -n 1 |
		grep . || die "no kernel matching $re in $s"
}

# What a build root holds besides KVER's headers (which bring the kbuild
# and the compiler that kernel was built with): make, and what
# make dkms-install needs there (selftests/testhost/dkms-tests.sh).
root_packages="make kmod rsync dkms"

# The build root of KVER, made again when root_packages changed.
root() {
	local kver=$1 r=$cache/$1/root
	if [ "$(cat "$r/.complete" 2>/dev/null)" != "$root_packages" ]; then
		command -v mmdebstrap > /dev/null || die "mmdebstrap is missing (make deps)"
		if [ -d "$r" ]; then
			say "remaking the build root of $kver: its package list changed"
		else
			say "making the $(suite_of "$kver") build root of $kver (once)"
		fi
		rm -rf "$r"
		mkdir -p "$(dirname "$r")"
		sources_of "$(suite_of "$kver")" |
			mmdebstrap --quiet --variant=apt \
				--aptopt='Acquire::Check-Valid-Until "false"' \
				--include="$(echo $root_packages | tr ' ' ,),linux-headers-$kver" \
				"$(suite_of "$kver")" "$r" - ||
			die "mmdebstrap failed for $kver"
		echo "$root_packages" > "$r/.complete"
	fi
	echo "$r"
}

kdir() {
	echo "$(root "$1")/usr/src/linux-headers-$1"
}

# KVER's architecture-independent headers (include/linux/...), for what
# reads the target's API without building for it (selftests/kunit/run.sh):
# the build root's copy if made, else the one package, fetched once.
headers() {
	local kver=$1 d=$cache/$1/headers s pkg
	pkg=linux-headers-${kver%-amd64}-common
	if [ -f "$cache/$kver/root/.complete" ]; then
		echo "$cache/$kver/root/usr/src/$pkg"
		return 0
	fi
	if [ ! -f "$d/.complete" ]; then
		s=$(suite_of "$kver")
		apt_update "$s"
		rm -rf "$d" "$d.debs"
		mkdir -p "$d" "$d.debs"
		say "fetching $pkg"
		(cd "$d.debs" && apt_of "$s" apt-get -qq download "$pkg")
		dpkg-deb -x "$d.debs"/*.deb "$d"
		rm -rf "$d.debs"
		touch "$d/.complete"
	fi
	echo "$d/usr/src/$pkg"
}

# KVER's kernel image and stock modules (with their modules.dep), unpacked:
# one package up to 6.x, linux-binary and linux-modules since the 7.x split.
# The image is <dir>/vmlinuz, the modules under <dir>/lib/modules.
image() {
	local kver=$1 d=$cache/$1/image s
	if [ ! -f "$d/.complete" ]; then
		s=$(suite_of "$kver")
		apt_update "$s"
		rm -rf "$d" "$d.debs"
		mkdir -p "$d" "$d.debs"
		local pkgs="linux-image-$kver"
		for p in linux-binary linux-modules; do
			apt_of "$s" apt-cache show "$p-$kver" > /dev/null 2>&1 &&
				pkgs="$pkgs $p-$kver"
		done
		say "fetching $pkgs"
		(cd "$d.debs" && apt_of "$s" apt-get -qq download $pkgs)
		for deb in "$d.debs"/*.deb; do
			dpkg-deb -x "$deb" "$d"
		done
		rm -rf "$d.debs"
		# Since 7.x: merged /usr, the image beside its modules.
		[ -d "$d/usr/lib/modules" ] && [ ! -e "$d/lib" ] && ln -s usr/lib "$d/lib"
		for v in "$d/boot/vmlinuz-$kver" "$d/lib/modules/$kver/vmlinuz"; do
			[ -f "$v" ] && ln -sf "${v#"$d"/}" "$d/vmlinuz"
		done
		[ -e "$d/vmlinuz" ] || die "no kernel image in $pkgs"
		# Packages carry no modules.order or modules.builtin: say nothing.
		depmod -b "$d" "$kver" 2> /dev/null
		touch "$d/.complete"
	fi
	echo "$d"
}

out() {
	kernel_modules "$1"
}

# Our modules for KVER: the sources copied into the build root and built
# there, then the results and Module.symvers copied out of it.
build() {
	local kver=$1 r src dst status
	r=$(root "$kver")
	src=$r/src/irqbypass
	dst=$(out "$kver")
	mkdir -p "$src"
	rsync -a --delete --exclude=/build --exclude=/.git --exclude=/harness \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod*' --exclude='.*.cmd' \
		--exclude=Module.symvers --exclude=modules.order "$top/" "$src/"
	say "building for $kver in its $(suite_of "$kver") build root"
	# objtool reads /proc.
	mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
	status=0
	chroot "$r" make -s ${KMAKEFLAGS:-} -C "/usr/src/linux-headers-$kver" M=/src/irqbypass \
		IRQBYPASS_VERSION="$("$top/scripts/version.sh")" modules || status=$?
	umount "$r/proc"
	[ $status = 0 ] || die "the build for $kver failed"
	rm -rf "$dst"
	mkdir -p "$dst"
	(cd "$src" && find . -name '*.ko' -o -name Module.symvers) |
		while read -r f; do
			mkdir -p "$dst/$(dirname "$f")"
			cp "$src/$f" "$dst/$f"
		done
	echo "$dst"
}

# Debian's linux-source-X.Y of a release, to build a kernel from
# (scripts/check-intree.sh): the newest there, fetched and unpacked once,
# beside the linux-source-6.1 that scripts/lib.sh unpacks.
linux_source() {
	local s=$1 xy=$2 v d
	apt_update "$s"
	v=$(apt_of "$s" apt-cache show --no-all-versions "linux-source-$xy" 2> /dev/null |
		sed -n 's/^Version: //p')
	[ -n "$v" ] || die "no linux-source-$xy in $s"
	d=$(cache_dir)/linux-source-$v
	if [ ! -f "$d/.complete" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		say "fetching and unpacking linux-source-$xy $v of $s (once)"
		(cd "$d" && apt_of "$s" apt-get -qq download "linux-source-$xy")
		dpkg-deb --fsys-tarfile "$d"/linux-source-*.deb |
			tar -xO "./usr/src/linux-source-$xy.tar.xz" | tar -C "$d" -xJ
		rm -f "$d"/linux-source-*.deb
		touch "$d/.complete"
	fi
	echo "$d/linux-source-$xy"
}

# A second kernel for the package tests (selftests/testhost/deb-tests.sh),
# which install its headers: the newest other kernel of KVER's release
# (with its backports), an upgrade its users could make, in its cloud
# flavour; if there is none (unstable keeps one version), KVER's cloud
# flavour. Never rt. DKMS builds against a cloud kernel's headers as
# against the generic flavour's, but the image they depend on is a third
# of the size, with a quarter of the modules to unpack and depmod under
# emulation (Documentation/packages.md).
second() {
	local kver=$1 s other
	s=$(suite_of "$kver")
	apt_update "$s"
	# awk, not grep: finding none is no failure (set -e, pipefail).
	other=$(apt_of "$s" apt-cache search --names-only "^linux-headers-[0-9][^ ]*-cloud-amd64\$" |
		awk -v own="${kver%-amd64}-cloud-amd64" '{ sub("^linux-headers-", "", $1) }
			$1 != own { print $1 }' |
		sort -V | tail -n 1)
	echo "${other:-${kver%-amd64}-cloud-amd64}"
}

# The debs the package tests install besides ours, which the test host
# cannot download: the second kernel's headers, and whatever they and the
# packages given (files) depend on that the system at ROOT (/, or a build
# root) has not installed, as apt resolves it against KVER's release.
# They are fetched into kernels/KVER/deb-test, again only when the second
# kernel, the packages' dependencies or ROOT's packages changed; printed
# one a line. The file second there names the second kernel.
fetch() {
	local kver=$1 root=$2 s second d key
	shift 2
	s=$(suite_of "$kver")
	second=$(second "$kver")
	d=$cache/$kver/deb-test
	key=$({
		echo "$second"
		for deb in "$@"; do dpkg-deb -f "$deb" Package Depends; done
		md5sum < "$root/var/lib/dpkg/status"
	} | md5sum)
	if [ "$(cat "$d/.key" 2> /dev/null)" != "$key" ]; then
		rm -rf "$d"
		mkdir -p "$d/partial"
		say "fetching linux-headers-$second and what the package tests need in $root"
		APT_STATUS=$root/var/lib/dpkg/status apt_of "$s" apt-get -qq --download-only install \
			-o Dir::Cache::archives="$d" -o APT::Install-Recommends=false \
			"linux-headers-$second" $(realpath "$@") > /dev/null ||
			die "cannot fetch what the package tests need for $kver"
		rmdir "$d/partial"
		echo "$second" > "$d/second"
		echo "$key" > "$d/.key"
	fi
	ls "$d"/*.deb
}

# Unpacks into directory $2 what "apt-get install ARGS..." ($5...) would
# install from suite $1 (APT_STATUS, APT_ARCH as for apt_of), saying
# "fetching $4"; the .deb files' names go to $2/debs. Done again only when
# $2 was not unpacked for key $3.
unpack() {
	local s=$1 d=$2 key=$3 what=$4 deb
	shift 4
	[ "$(cat "$d/.key" 2> /dev/null)" != "$key" ] || return 0
	rm -rf "$d" "$d.debs"
	mkdir -p "$d" "$d.debs/partial"
	say "fetching $what"
	apt_of "$s" apt-get -qq --download-only install -o Dir::Cache::archives="$d.debs" \
		-o APT::Install-Recommends=false "$@" > /dev/null || die "cannot fetch $what"
	for deb in "$d.debs"/*.deb; do
		dpkg-deb -x "$deb" "$d"
	done
	rmdir "$d.debs/partial"
	ls "$d.debs" > "$d/debs"
	rm -rf "$d.debs"
	echo "$key" > "$d/.key"
}

# Another QEMU than the system's, to run as the VMM in the test host
# (make check-vmm): qemu-system-x86 of SUITE (a release or its backports),
# with what it needs that this system has not installed as apt resolves it
# there (a newer seabios for 10.0), unpacked in qemu/<version>/ of the
# cache, fetched again when the version or this system's packages
# changed. Prints the directory: the binary is usr/bin/qemu-system-x86_64,
# its firmware under usr/share (-L), its modules in usr/lib/*/qemu.
qemu() {
	local s=$1 re=$2 v d key
	apt_update "${s%-backports}"
	v=$(apt_of "${s%-backports}" apt-cache madison qemu-system-x86 |
		awk -F' *[|] *' -v s="$s/" 'index($3, s) { print $2 }' |
		grep -E -- "$re" | sort -V | tail -n 1 | grep .) ||
		die "no qemu-system-x86 matching $re in $s"
	d=$(cache_dir)/qemu/${v#*:}
	key=$({ echo "$s $v"; md5sum < /var/lib/dpkg/status; } | md5sum)
	APT_STATUS=/var/lib/dpkg/status unpack "${s%-backports}" "$d" "$key" \
		"qemu-system-x86 $v and what it needs here" -t "$s" "qemu-system-x86=$v"
	echo "$d"
}

# What make check-arm64 runs of Debian's arm64 (selftests/arm64/run.sh):
# the L2 VMM (qemu-system-arm's qemu-system-aarch64, with every library
# it needs), busybox-static, and the stock kernel of the baseline
# (linux-image-arm64, its modules unpacked beside it), as apt resolves
# them in SUITE from nothing. The packages are only unpacked, never
# configured, so no arm64 code runs here. Kept in arm64/SUITE/ of the
# cache, unpacked again when a package's version changed; prints the
# directory.
arm64() {
	local s=$1 d key uris
	local pkgs="qemu-system-arm busybox-static linux-image-arm64"
	export APT_ARCH=arm64
	apt_update "$s"
	d=$(cache_dir)/arm64/$s
	# shellcheck disable=SC2086 # one word per package
	uris=$(apt_of "$s" apt-get -qq --print-uris install \
		-o APT::Install-Recommends=false $pkgs) ||
		die "cannot resolve $pkgs for arm64 in $s"
	key=$(echo "$uris" | awk '{ print $2 }' | sort | md5sum)
	# shellcheck disable=SC2086
	unpack "$s" "$d" "$key" "$pkgs for arm64 from $s" $pkgs
	echo "$d"
}

cmd=${1:-}
shift || true
case $cmd in
newest) [ $# = 2 ] || die "usage: $0 newest SUITE REGEX"; newest "$@" ;;
qemu) [ $# = 2 ] || die "usage: $0 qemu SUITE REGEX"; qemu "$@" ;;
arm64) [ $# = 1 ] || die "usage: $0 arm64 SUITE"; arm64 "$@" ;;
fetch) [ $# -ge 2 ] || die "usage: $0 fetch KVER ROOT DEB..."; suite_of "$1" > /dev/null; fetch "$@" ;;
source) [ $# = 2 ] || die "usage: $0 source SUITE X.Y"; linux_source "$@" ;;
root | image | build | kdir | headers | out | second)
	[ $# = 1 ] || die "usage: $0 $cmd KVER"
	suite_of "$1" > /dev/null
	"$cmd" "$1" ;;
*) sed -n 's/^# usage: /usage: /p; s/^#        /       /p' "$0" >&2; exit 2 ;;
esac
