#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# What the runners and the guest scripts share: where our built modules
# are, how a kselftest-harness test is compiled, and which console lines are
# kernel bug reports. Documentation/testhost.md. The build helpers
# (kdir, cache_dir, linux_src, ...) are scripts/lib.sh's, sourced here.
#
# Sourced (after setting top=<the project's root>), or run as
#   selftests/lib.sh <function> [args...]
# to print or do one thing, e.g. from the Makefile.

. "${top:-$(cd "$(dirname "$0")/.." && pwd)}/scripts/lib.sh"

# Console lines that mean the kernel found a bug: a WARN, BUG or Oops,
# a sanitizer, lockdep or RCU report, a stall or lockup, a corrupted list or
# refcount, a leak.
SPLAT_PATTERN='WARNING:|BUG:|BUG |Oops|Kernel panic|general protection|KASAN|UBSAN|kmemleak|possible (recursive|circular|irq) lock|inconsistent lock state|DEBUG_LOCKS_WARN_ON|suspicious (RCU|rcu_dereference)|RCU .*stall|INFO: (task|rcu|possible|trying)|refcount_t:|list_(add|del) corruption'

# Where our built modules are: the project itself (built against KDIR),
# or for a Debian kernel KVER what scripts/debian-kernel.sh built.
mods_dir() {
	if [ -n "${KVER:-}" ]; then
		kernel_modules "$KVER"
	else
		echo "$top"
	fi
}

# Compiles kselftest-harness test $1 (a .c file) into $2, linked with the
# library the programs share, selftests/lib.
compile_selftest() {
	unpack_linux_source
	mkdir -p "$(dirname "$2")"
	# Up to date: kept, as a guest of another lane may be running it.
	if [ -e "$2" ] && [ -z "$(find "$1" "$top/selftests/lib" "$top/include/uapi" \
		"$(linux_src)/tools/testing/selftests/kselftest_harness.h" \
		-newer "$2" -print -quit)" ]; then
		return 0
	fi
	# Else replaced in one rename: a guest never runs half a file.
	${CC:-gcc} -O2 -Wall -Werror -I"$(linux_src)/tools/testing/selftests" \
		-I"$top/include/uapi" -I"$top/selftests/lib/include" -o "$2.$$" "$1" \
		"$top"/selftests/lib/*.c && mv -f "$2.$$" "$2"
}

# The kselftest programs: the lines of selftests/kselftests.list without
# its comments, each "source needs uml testhost" (columns described there).
kselftests() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/selftests/kselftests.list"
}

# The name of kselftest program $1 (its source): the file it is built to.
kselftest_name() {
	basename "$1" .c
}

# Compiles every kselftest program into directory $1.
build_kselftests() {
	kselftests | while read -r src needs uml testhost; do
		compile_selftest "$top/selftests/$src" "$1/$(kselftest_name "$src")" ||
			exit 1
	done
}

# Runs kselftest program $2 (its path) the way $1 says, a uml or testhost
# column of the list: once per run, with that run's environment. Every run
# is made; false if any failed.
run_kselftest() {
	local runs=$1 prog=$2 run status=0
	for run in $(echo "$runs" | tr ';' ' '); do
		if [ "$run" = - ]; then
			"$prog" < /dev/null || status=1
		else
			env $(echo "$run" | tr , ' ') "$prog" < /dev/null || status=1
		fi
	done
	return $status
}

# True if every module of $1 (',' between them) is loaded.
modules_loaded() {
	local m
	for m in $(echo "$1" | tr , ' '); do
		[ -e "/sys/module/$m" ] || return 1
	done
}

# In the test host on another Debian kernel (KVER, Documentation/kernels.md),
# this machine's userland cannot build or install for it: that kernel's
# build root can, with the running kernel's stock modules bound in. Sets
# root (empty without KVER) and in_root, which runs a command there.
enter_kernel_root() {
	root=
	in_root() { "$@"; }
	[ -n "${KVER:-}" ] || return 0
	root=$(kernel_cache)/$KVER/root
	for d in proc sys dev; do
		mount --rbind "/$d" "$root/$d"
	done
	mkdir -p "$root/lib/modules/$(uname -r)/kernel"
	mount --bind "$(kernel_cache)/$KVER/image/lib/modules/$(uname -r)/kernel" \
		"$root/lib/modules/$(uname -r)/kernel"
	cp "$(kernel_cache)/$KVER/image/lib/modules/$(uname -r)"/modules.* \
		"$root/lib/modules/$(uname -r)/"
	in_root() { chroot "$root" "$@"; }
}

# The stock kvm (for the CPU at hand) and vfio-pci reloaded, with
# whichever irqbypass depmod prefers; in_root says where modprobe runs.
reload_stock() {
	in_root modprobe -r kvm_amd kvm_intel vfio_pci vfio_pci_core irqbypass 2> /dev/null || true
	if grep -qw svm /proc/cpuinfo; then in_root modprobe kvm_amd; else in_root modprobe kvm_intel; fi
	in_root modprobe vfio-pci
}

# Whether the loaded irqbypass is held by the stock kvm and vfio_pci_core.
held_by_both() {
	[ -e /sys/module/irqbypass/holders/kvm ] &&
		[ -e /sys/module/irqbypass/holders/vfio_pci_core ]
}

# Prints the lines of file $1 that are kernel bug reports; false if none.
splats() {
	grep -aE "$SPLAT_PATTERN" "$1"
}

case $0 in
*selftests/lib.sh) lib_command "$@" ;;
esac
