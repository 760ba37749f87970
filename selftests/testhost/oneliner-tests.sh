#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host (6.1, whose stock KVM pairs without posting): runs the
# bpftrace one-liners of Documentation/troubleshooting.md as written there,
# each around irqbypass-vmm pairing an edu device with a VM, unpairing it,
# and letting a second VM be refused, and checks what each counted. TAP.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
mods=$(mods_dir)
out=$(mktemp -d)
n=0
failed=0

"$top/selftests/testhost/load-stock.sh" "$mods/irqbypass/irqbypass.ko" > /dev/null
edu=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && basename "$d"
done | head -n 1)
workload="$build/harness/irqbypass-vmm --bdf $edu --gsi 40 --second-vm"

# The one-liners, one per line, in the document's order.
grep '^bpftrace -e ' "$top/Documentation/troubleshooting.md" > "$out/one-liners"
# What each must print: lines "<its number> <extended regex>". KVM tears
# an irqfd down in a kworker, which unpairs it.
cat > "$out/expect" <<'EOT'
1 ^@pairs\[irqbypass-vmm\]: 1$
1 ^@unpairs\[kworker/[0-9:]+\]: 1$
2 ^@us:
2 ^\[[0-9]+, [0-9]+K?\) +1 \|
3 ^@churn\[[0-9]+\]: 2$
4 ^@refused\[tracepoint:irqbypass:irqbypass_register_consumer, -16\]: 1$
4 ^@holder\[irqbypass-vmm, [0-9]+\]: 1$
EOT

total=$(wc -l < "$out/one-liners")
echo "1..$total"
[ "$total" = "$(cut -d' ' -f1 "$out/expect" | sort -u | wc -l)" ] || {
	echo "Bail out! the document has $total one-liners, the test expects others"
	exit 1
}
while read -r line; do
	n=$((n + 1))
	log=$out/$n.log
	# As written, with the workload as bpftrace's child: it exits with it.
	eval "$line -c \"\$workload\"" > "$log" 2>&1 || true
	ok=1
	sed -n "s/^$n //p" "$out/expect" > "$out/want"
	while read -r re; do
		grep -Eq -e "$re" "$log" || ok=0
	done < "$out/want"
	if [ $ok = 1 ]; then
		echo "ok $n $(echo "$line" | cut -c1-60)..."
	else
		echo "not ok $n $(echo "$line" | cut -c1-60)..."
		sed 's/^/# /' "$log"
		failed=1
	fi
done < "$out/one-liners"
exit $failed
