#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# What the Makefile, the scripts and the runners share to build: where the
# kernel build tree, the build directory, the cache and the kernel source
# are, and how the source is unpacked. Documentation/kernels.md.
#
# Sourced (after setting top=<the project's root>), or run as
#   scripts/lib.sh <function> [args...]
# to print or do one thing, e.g. from the Makefile.

# The build directory: $BUILD, else build/ in the project.
build_dir() {
	echo "${BUILD:-$top/build}"
}

# The kernel build tree the modules are built against: $KDIR, else the
# running kernel's when it has one, else the newest installed Debian
# linux-headers-*-amd64 (the build machine's own kernel is not the target).
kdir() {
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
	elif [ -f "/lib/modules/$(uname -r)/build/Makefile" ]; then
		echo "/lib/modules/$(uname -r)/build"
	else
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1
	fi
}

# What is fetched or made once and kept across clones and runs: Debian's
# kernels and their build roots, the kernel source, the UML kernel, each
# named by what went into it. $IRQBYPASS_CACHE, else ~/.cache/irqbypass;
# make clean-cache empties it.
cache_dir() {
	echo "${IRQBYPASS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/irqbypass}"
}

# Where scripts/debian-kernel.sh keeps what it fetches and makes for each
# Debian kernel: a directory per KVER (root, image, headers, modules).
kernel_cache() {
	echo "$(cache_dir)/kernels"
}

# Where scripts/debian-kernel.sh puts our modules built for Debian kernel $1.
kernel_modules() {
	echo "$(kernel_cache)/$1/modules"
}

# The release of the kernel of build tree $1 (default: kdir).
kernel_release() {
	sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "${1:-$(kdir)}/include/generated/utsrelease.h"
}

# The version of the installed linux-source-6.1 package, or "none".
linux_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1 2> /dev/null || echo none
}

# The kernel source tree (checkpatch, kselftest_harness.h, UML): $LINUX_SRC,
# else Debian's linux-source-6.1 unpacked in the cache, per package version.
linux_src() {
	echo "${LINUX_SRC:-$(cache_dir)/linux-source-$(linux_source_version)/linux-source-6.1}"
}

# Unpacks /usr/src/linux-source-6.1.tar.xz as linux_src, once.
unpack_linux_source() {
	src=$(linux_src)
	[ -f "$src/Makefile" ] && return 0
	echo "lib.sh: unpacking linux-source-6.1 into $(dirname "$src")"
	mkdir -p "$(dirname "$src")"
	tar -C "$(dirname "$src")" -xf /usr/src/linux-source-6.1.tar.xz
	touch "$src/Makefile"
}

# Runs the function its arguments name, when a lib.sh is run as a command
# ($0, one folder below the project's root).
lib_command() {
	[ $# -gt 0 ] || return 0
	set -eu
	top=${top:-$(cd "$(dirname "$0")/.." && pwd)}
	"$@"
}

case $0 in
*scripts/lib.sh) lib_command "$@" ;;
esac
