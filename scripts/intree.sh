#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# This manager in place of a kernel source tree's virt/lib/irqbypass.c
# (Documentation/kernels.md): its sources are copied into virt/lib/irqbypass/
# and virt/lib/Makefile builds them as irqbypass.o under the stock Kconfig
# symbol, IRQ_BYPASS_MANAGER: built in or a module as the kernel's
# configuration says, with the ABI layer of the tree's <linux/irqbypass.h>
# (scripts/kernel-features.sh, as the out-of-tree build picks it). The
# stock irqbypass.c and Makefile are kept as *.orig; --revert puts them
# back.
#
# Running it again updates the copy: a file whose content is unchanged
# keeps its time, so that an incremental kernel build rebuilds only what
# changed. No file of the tree is written in place, so a tree of hard
# links to another (cp -al) never changes the other.
#
# usage: intree.sh KSRC            put this manager into the tree KSRC
#        intree.sh --revert KSRC   put the stock manager back
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "intree: $*" >&2; }
die() { say "$*"; exit 1; }

# Marks the Makefile this script writes.
marker='put here by the irqbypass project'\''s scripts/intree.sh'
# The one line of the stock virt/lib/Makefile, besides comments.
# shellcheck disable=SC2016 # make's $(...), not the shell's
stock_rule='obj-$(CONFIG_IRQ_BYPASS_MANAGER) += irqbypass.o'

# Writes standard input to $1 unless $1 holds that already: as a new file,
# never in place.
put() {
	local tmp=$1.intree-tmp

	cat > "$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
	else
		mv -f "$tmp" "$1"
	fi
}

# Whether $1 is a Makefile this script wrote.
ours() {
	grep -qsF "$marker" "$1"
}

apply() {
	local ksrc=$1 lib=$1/virt/lib abi version dir src dst f
	local -A keep=()

	[ -f "$ksrc/include/linux/irqbypass.h" ] ||
		die "$ksrc: not a kernel source tree (no include/linux/irqbypass.h)"
	grep -qs 'config IRQ_BYPASS_MANAGER' "$lib/Kconfig" ||
		die "$lib/Kconfig: no IRQ_BYPASS_MANAGER"

	case " $("$top/scripts/kernel-features.sh" "$ksrc") " in
	*" -DIRQBP_EVENTFD_API "*) abi="abi-eventfd" ;;
	*) abi="abi-token" ;;
	esac
	version=$("$top/scripts/version.sh")

	# The stock files, kept once; again if the tree brought them back.
	if [ -e "$lib/Makefile" ] && ! ours "$lib/Makefile"; then
		[ "$(grep -v '^#' "$lib/Makefile" | grep .)" = "$stock_rule" ] ||
			die "$lib/Makefile: not the stock one ($stock_rule): merge by hand"
		mv -f "$lib/Makefile" "$lib/Makefile.orig"
	fi
	[ -e "$lib/Makefile" ] || [ -e "$lib/Makefile.orig" ] ||
		die "$lib: no Makefile"
	if [ -e "$lib/irqbypass.c" ]; then
		mv -f "$lib/irqbypass.c" "$lib/irqbypass.c.orig"
	fi

	# Source in the project, destination under virt/lib/irqbypass/.
	dir=$lib/irqbypass
	mkdir -p "$dir/include/irqbypass"
	for f in irqbypass/manager.c:manager.c irqbypass/debugfs.c:debugfs.c \
		irqbypass/$abi.c:$abi.c irqbypass/internal.h:internal.h \
		irqbypass/trace.h:trace.h \
		include/irqbypass/layout.h:include/irqbypass/layout.h \
		include/uapi/irqbypass/tracepoints.h:include/irqbypass/tracepoints.h; do
		src=${f%%:*}
		dst=${f#*:}
		put "$dir/$dst" < "$top/$src"
		keep[$dst]=1
	done
	# What an earlier run copied and this one did not (the other ABI layer).
	while read -r f; do
		[ -n "${keep[$f]:-}" ] || rm -f "$dir/$f"
	done < <(cd "$dir" && find . -type f | sed 's|^\./||')

	put "$lib/Makefile" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
# The IRQ bypass manager of irqbypass $version, in place of
# the stock irqbypass.c (kept as irqbypass.c.orig, this file as
# Makefile.orig), $marker.
$stock_rule
irqbypass-y := irqbypass/manager.o irqbypass/debugfs.o irqbypass/$abi.o

# Its headers; define_trace.h finds trace.h through TRACE_INCLUDE_PATH (.).
ccflags-y += -I\$(srctree)/virt/lib/irqbypass -I\$(srctree)/virt/lib/irqbypass/include
CFLAGS_irqbypass/manager.o := -DIRQBYPASS_VERSION='"$version"'
EOF
	say "$ksrc: virt/lib/irqbypass.o is irqbypass $version ($abi.c)," \
		"under CONFIG_IRQ_BYPASS_MANAGER; undo: $0 --revert $ksrc"
}

revert() {
	local ksrc=$1 lib=$1/virt/lib

	ours "$lib/Makefile" || die "$ksrc: the manager of this project is not in place"
	if [ ! -f "$lib/Makefile.orig" ] || [ ! -f "$lib/irqbypass.c.orig" ]; then
		die "$lib: no Makefile.orig and irqbypass.c.orig to put back: restore the tree from its source"
	fi
	mv -f "$lib/Makefile.orig" "$lib/Makefile"
	mv -f "$lib/irqbypass.c.orig" "$lib/irqbypass.c"
	rm -rf "$lib/irqbypass"
	say "$ksrc: the stock virt/lib/irqbypass.c is back"
}

case ${1:-} in
--revert) [ $# = 2 ] || die "usage: $0 --revert KSRC"; revert "$2" ;;
-*|"") sed -n 's/^# usage: /usage: /p; s/^#        /       /p' "$0" >&2; exit 2 ;;
*) [ $# = 1 ] || die "usage: $0 KSRC"; apply "$1" ;;
esac
