#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The manager built into a kernel (scripts/intree.sh,
# Documentation/kernels.md), checked without building the whole kernel.
# intree.sh is run on a scratch copy of virt/lib/ of Debian's
# linux-source-6.1: it applies, reverts and applies again as a no-op.
# Then in a copy of that source (hard links: the unpacked source is never
# changed) with the manager in place, for each ARCH, a kernel configured
# from its defconfig with KVM built in (which selects
# IRQ_BYPASS_MANAGER=y), debugfs, tracing and KUnit is prepared and
# virt/lib/ alone built. Its built-in archive must export the four
# functions, define the tracepoints and the debugfs view, export to the
# KUnit suites, and run the manager's init as a subsys initcall. The copy and the build trees are kept under
# intree/ of the cache: a second run rebuilds only what changed.
#
# usage: check-intree.sh [ARCH...]   arm64 (cross-built) and x86_64 by default
#        check-intree.sh --tree       only print the copy, the manager in place
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"

say() { echo "check-intree: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

exports="irq_bypass_register_producer irq_bypass_unregister_producer
	irq_bypass_register_consumer irq_bypass_unregister_consumer"
# With KUnit, what the manager exports to its suites.
kunit_exports="irqbp_nr_registered irqbp_module __tracepoint_irqbypass_refused"
events="register_producer unregister_producer register_consumer
	unregister_consumer connect connect_fail disconnect refused"

# intree.sh on a scratch copy of what it reads and writes in the tree at
# $1: put in place, taken out, put in place twice, the second time
# changing nothing, and the source never changed.
check_script() {
	local src=$1 t=$2/scratch stamp=$2/scratch.applied

	rm -rf "$t"
	mkdir -p "$t/include/linux" "$t/virt"
	cp -al "$src/virt/lib" "$t/virt/lib"
	cp -al "$src/include/linux/irqbypass.h" "$t/include/linux/"
	"$top/scripts/intree.sh" "$t" 2> /dev/null
	"$top/scripts/intree.sh" --revert "$t" 2> /dev/null
	if ! diff -r "$src/virt/lib" "$t/virt/lib" > /dev/null; then
		die "--revert did not restore the stock virt/lib"
	fi
	"$top/scripts/intree.sh" "$t" 2> /dev/null
	touch "$stamp"
	sleep 1
	"$top/scripts/intree.sh" "$t" 2> /dev/null
	[ -z "$(find "$t" ! -type d -newer "$stamp")" ] ||
		die "applying again changed $(find "$t" ! -type d -newer "$stamp")"
	[ -z "$(find "$src/virt/lib" ! -type d -newer "$stamp")" ] ||
		die "the source at $src changed"
	rm -rf "$t" "$stamp"
	say "intree.sh: applies, reverts, applies again as a no-op"
}

# The copy of the source, made once, with this manager in place: files
# unchanged since the last run keep their times, so make rebuilds nothing.
# Locked: make check-arm64 builds its kernel from this copy too, maybe at
# the same time.
tree_of() {
	local src=$1 work=$2 tree=$2/src

	mkdir -p "$work"
	exec 9> "$work/src.lock"
	flock 9
	if [ ! -f "$work/src.complete" ]; then
		say "copying $src (hard links, once)"
		rm -rf "$tree" "$tree.tmp"
		mkdir -p "$work"
		cp -al "$src" "$tree.tmp"
		mv "$tree.tmp" "$tree"
		touch "$work/src.complete"
	fi
	"$top/scripts/intree.sh" "$tree"
	exec 9>&-
}

# What the kernel of ARCH is configured with, besides its defconfig.
options_of() {
	local opts="-e VIRTUALIZATION -e KVM -e DEBUG_FS -e FTRACE -e ENABLE_DEFAULT_TRACERS -e KUNIT"

	case $1 in
	x86_64) echo "$opts -e KVM_INTEL -e KVM_AMD" ;;
	*) echo "$opts" ;;
	esac
}

check_arch() {
	local arch=$1 tree=$2 obj=$3 kmake opts lib syms sections missing="" e f
	local -a cross=() jobs

	read -ra jobs <<< "${KMAKEFLAGS:--j$(nproc)}"

	[ "$arch" = "$(uname -m)" ] || cross=("CROSS_COMPILE=${arch/arm64/aarch64}-linux-gnu-")
	[ ${#cross[@]} = 0 ] || command -v "${cross[0]#*=}gcc" > /dev/null ||
		die "no ${cross[0]#*=}gcc (make deps)"
	kmake=(make -s -C "$tree" O="$obj" ARCH="${arch/x86_64/x86}" "${cross[@]}")
	opts=$(options_of "$arch")

	mkdir -p "$obj"
	if [ "$(cat "$obj/intree.options" 2> /dev/null)" != "$opts" ] || [ ! -f "$obj/.config" ]; then
		say "$arch: configuring (defconfig $opts)"
		rm -f "$obj/intree.options"
		"${kmake[@]}" defconfig
		# shellcheck disable=SC2086 # one word per option
		"$tree/scripts/config" --file "$obj/.config" $opts
		"${kmake[@]}" olddefconfig
		echo "$opts" > "$obj/intree.options"
	fi
	for f in IRQ_BYPASS_MANAGER=y KVM=y DEBUG_FS=y EVENT_TRACING=y KUNIT=y; do
		grep -qx "CONFIG_$f" "$obj/.config" || die "$arch: no CONFIG_$f"
	done
	say "$arch: make virt/lib/ (after prepare)"
	"${kmake[@]}" "${jobs[@]}" virt/lib/

	lib=$obj/virt/lib
	syms=$(nm "$lib/built-in.a")
	# Up to 6.4 each export is a __ksymtab_ entry; since, an __export_symbol_.
	for f in $exports $kunit_exports; do
		grep -qE "^[0-9a-f]+ [^U] (__ksymtab|__export_symbol)_$f\$" <<< "$syms" || missing="$missing $f"
	done
	for e in $events; do
		if ! grep -qE "^[0-9a-f]+ [^U] __tracepoint_irqbypass_$e\$" <<< "$syms" ||
			! grep -qE "^[0-9a-f]+ [^U] __event_irqbypass_$e\$" <<< "$syms"; then
			missing="$missing irqbypass_$e"
		fi
	done
	grep -qE ' T irqbp_debugfs_init$' <<< "$syms" || missing="$missing irqbp_debugfs_init"
	sections=$(objdump -h "$lib/irqbypass/manager.o")
	grep -qF '.initcall4.init' <<< "$sections" || missing="$missing subsys_initcall"
	[ -z "$missing" ] || die "$arch: $lib/built-in.a lacks:$missing"
	grep -E "^[0-9a-f]+ [^U] ((__ksymtab|__export_symbol)_|__tracepoint_irqbypass|__initcall_)" <<< "$syms" |
		sed "s/^/check-intree: $arch: /" >&2
	say "$arch: OK: CONFIG_IRQ_BYPASS_MANAGER=y, $lib/built-in.a exports the 4" \
		"functions, defines the 8 tracepoints (events/irqbypass) and the" \
		"debugfs view, exports to KUnit, and runs the manager's init as a" \
		"subsys initcall"
}

unpack_linux_source > /dev/null
src=$(linux_src)
work=$(cache_dir)/intree/$(basename "$(dirname "$src")")
if [ "${1:-}" = --tree ]; then
	tree_of "$src" "$work" > /dev/null
	echo "$work/src"
	exit 0
fi
[ $# -gt 0 ] || set -- arm64 x86_64
check_script "$src" "$work"
tree_of "$src" "$work"
for arch in "$@"; do
	check_arch "$arch" "$work/src" "$work/$arch"
done
