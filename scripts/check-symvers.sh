#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fail unless the symbols our irqbypass.ko exports are exactly those of the
# target kernel's own irqbypass module, with the same modversions CRCs and
# export types: that is what lets stock kvm.ko and vfio-pci-core.ko load
# against ours.
#
# usage: check-symvers.sh <kernel Module.symvers> <our Module.symvers>
set -eu

stock_symvers=$1
our_symvers=$2
stock_mod=virt/lib/irqbypass

[ -r "$stock_symvers" ] || { echo "check-symvers: cannot read $stock_symvers" >&2; exit 1; }
[ -r "$our_symvers" ] || { echo "check-symvers: cannot read $our_symvers" >&2; exit 1; }

# <crc> <symbol> <module> <export type> [namespace]: keep symbol, crc, type.
stock=$(awk -v m="$stock_mod" '$3 == m { print $2, $1, $4 }' "$stock_symvers" | sort)
ours=$(awk '$3 ~ /(^|\/)irqbypass\/irqbypass$/ { print $2, $1, $4 }' "$our_symvers" | sort)

if [ -z "$stock" ]; then
	echo "check-symvers: $stock_symvers has no $stock_mod exports (is CONFIG_IRQ_BYPASS_MANAGER=m?)" >&2
	exit 1
fi

status=0
printf '%-34s %-12s %-12s %s\n' symbol stock ours result
for sym in $(printf '%s\n%s\n' "$stock" "$ours" | awk 'NF { print $1 }' | sort -u); do
	s=$(printf '%s\n' "$stock" | awk -v s="$sym" '$1 == s { print $2, $3 }')
	o=$(printf '%s\n' "$ours" | awk -v s="$sym" '$1 == s { print $2, $3 }')
	if [ -n "$s" ] && [ "$s" = "$o" ]; then
		result=ok
	else
		result=MISMATCH
		status=1
	fi
	printf '%-34s %-12s %-12s %s\n' "$sym" "${s%% *}" "${o%% *}" "$result"
done

n=$(printf '%s\n' "$stock" | wc -l)
if [ $status -eq 0 ] && ! printf '%s\n' "$stock" | awk '$2 != "0x00000000" { exit 1 }'; then
	echo "check-symvers: all $n exports match $stock_mod (CRC and export type)"
elif [ $status -eq 0 ]; then
	# Without MODVERSIONS every CRC is 0: the names and export types
	# match, and the prototypes are the header's, which the build checked.
	echo "check-symvers: all $n exports match $stock_mod (no MODVERSIONS: names, export types, the header's prototypes)"
else
	echo "check-symvers: FAILED: exports differ from $stock_mod" >&2
fi
exit $status
