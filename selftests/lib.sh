#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# What the Makefile, the runners and the guest scripts share: where the
# kernel build tree, the build directory and the kernel source are, how the
# source is unpacked and a kselftest-harness test compiled, and which
# console lines are kernel bug reports. Documentation/testhost.md.
#
# Sourced (after setting top=<the project's root>), or run as
#   selftests/lib.sh <function> [args...]
# to print or do one thing, e.g. from the Makefile.

# Console lines that mean the kernel found a bug: a WARN, BUG or Oops,
# a sanitizer, lockdep or RCU report, a stall or lockup, a corrupted list or
# refcount, a leak.
SPLAT_PATTERN='WARNING:|BUG:|BUG |Oops|Kernel panic|general protection|KASAN|UBSAN|kmemleak|possible (recursive|circular|irq) lock|inconsistent lock state|DEBUG_LOCKS_WARN_ON|suspicious (RCU|rcu_dereference)|RCU .*stall|INFO: (task|rcu|possible|trying)|refcount_t:|list_(add|del) corruption'

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

# Where our built modules are: the project itself (built against KDIR),
# or for a Debian kernel KVER what scripts/debian-kernel.sh built.
mods_dir() {
	if [ -n "${KVER:-}" ]; then
		echo "$(kernel_cache)/$KVER/modules"
	else
		echo "$top"
	fi
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

# Compiles kselftest-harness test $1 (a .c file) into $2.
compile_selftest() {
	unpack_linux_source
	mkdir -p "$(dirname "$2")"
	${CC:-gcc} -O2 -Wall -Werror -I"$(linux_src)/tools/testing/selftests" \
		-I"$top/include/uapi" -I"$top/selftests/include" -o "$2" "$1"
}

# Prints the lines of file $1 that are kernel bug reports; false if none.
splats() {
	grep -aE "$SPLAT_PATTERN" "$1"
}

if [ "${0##*/}" = lib.sh ] && [ $# -gt 0 ]; then
	set -eu
	top=${top:-$(cd "$(dirname "$0")/.." && pwd)}
	"$@"
fi
