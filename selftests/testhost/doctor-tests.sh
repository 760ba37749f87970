#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In a freshly booted test host, on any Debian kernel: irqbypass-doctor's
# verdicts (its --json), with the stock manager, then with ours under the
# stock kvm and vfio-pci, paired with KVM and with kvm-consumer (remapped,
# and a forwarded line of the interrupt controller model), and its answers
# to bad input. Documentation/troubleshooting.md. TAP.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
mods=$(mods_dir)
doctor=$build/harness/irqbypass-doctor
vmm=$build/harness/irqbypass-vmm
out=$(mktemp -d)
n=0
failed=0

# check DESCRIPTION COMMAND...: one TAP line.
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $desc"; else echo "not ok $n $desc"; failed=1; fi
}

# Checks JSON report $1 with the Python expression $2 over r (the report)
# and v (its vectors); prints the report if it does not hold.
holds() {
	python3 - "$1" "$2" <<'EOF' || { sed 's/^/# /' "$1"; return 1; }
import json, sys
r = json.load(open(sys.argv[1]))
v = r["vectors"]
ids = [h["id"] for h in r["host"]]
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

# Waits up to a minute for the line matching $1 in file $2.
wait_for() {
	i=0
	while ! grep -q -- "$1" "$2" && [ $i -lt 120 ]; do
		sleep 0.5
		i=$((i + 1))
	done
}

# Kernels since 6.10: the stock KVM registers no consumer without posting.
kvm_pairs=1
case $(uname -r) in
6.[0-9].* | 6.[0-9]-*) ;;
*) kvm_pairs=0 ;;
esac

kvm=kvm_intel
grep -qw svm /proc/cpuinfo && kvm=kvm_amd
edu=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && basename "$d"
done | head -n 1)

echo "1..13"
modprobe "$kvm"
modprobe vfio-pci
check "the stock manager: the doctor runs" sh -c "'$doctor' --json > '$out/stock.json'"
check "the stock manager: host checks only, said first; no posting capability (emulated VT-d)" \
	holds "$out/stock.json" 'r["manager"] == "stock" and ids[0] == "stock-manager" and "no-posting-capability" in ids and not r["host_can_post"] and v == []'
check "the stock manager: the text says per-vector answers need this manager" \
	sh -c "'$doctor' | grep -q \"Per-vector answers need this project's manager\""
modprobe -r "$kvm" vfio_pci vfio_pci_core irqbypass

"$top/selftests/testhost/load-stock.sh" "$mods/irqbypass/irqbypass.ko" > /dev/null
"$vmm" --bdf "$edu" --gsi 40 --then "$doctor --json > $out/kvm.json" > /dev/null || true
if [ $kvm_pairs = 1 ]; then
	check "stock vfio-pci and KVM through ours: remapped, no posting capability" \
		holds "$out/kvm.json" 'r["manager"] == "ours" and len(v) == 1 and v[0]["device"] == "'"$edu"'" and v[0]["vector"] == "msi 0" and v[0]["paired"] and v[0]["consumer"] == "kvm" and v[0]["vmm"].endswith("(irqbypass-vmm)") and v[0]["path"] == "remapped" and v[0]["reasons"][0]["id"] == "no-posting-capability"'
else
	check "stock vfio-pci and KVM through ours: KVM ($(uname -r)) needs posting to pair" \
		holds "$out/kvm.json" 'r["manager"] == "ours" and len(v) == 1 and v[0]["device"] == "'"$edu"'" and not v[0]["paired"] and v[0]["path"] == "not paired" and v[0]["reasons"][0]["id"] == "kvm-needs-posting" and v[0]["reasons"][1]["id"] == "no-posting-capability"'
fi

# INTx: VFIO registers no producer; the line is found in /proc/interrupts.
"$vmm" --bdf "$edu" --gsi 45 --intx --then "$doctor --json > $out/intx.json" > /dev/null || true
check "a device left on INTx: INTx cannot be posted" \
	holds "$out/intx.json" '[x["path"] for x in v if x["device"] == "'"$edu"'" and x["vector"] == "intx"] == ["intx"] and [x for x in v if x["vector"] == "intx"][0]["reasons"][0]["id"] == "intx" and [x for x in v if x["vector"] == "intx"][0]["reasons"][0]["sentence"].startswith("INTx cannot be posted")'

insmod "$mods/kvm-consumer/kvm_consumer.ko"
"$vmm" --bdf "$edu" --gsi 41 --kvm-consumer --then "$doctor --json > $out/kc.json" > /dev/null || true
check "stock vfio-pci and kvm-consumer: remapped by kvm-consumer, no posting capability" \
	holds "$out/kc.json" 'len(v) == 1 and v[0]["paired"] and v[0]["consumer"] == "kvm-consumer" and v[0]["path"] == "remapped" and v[0]["reasons"][0]["id"] == "kvm-consumer-remapped" and "no posting capability" in v[0]["reasons"][0]["sentence"]'

# --watch: a pairing made and undone while the doctor follows.
"$doctor" --watch > "$out/watch.txt" 2>&1 &
wpid=$!
wait_for "^watching:" "$out/watch.txt"
"$vmm" --bdf "$edu" --gsi 43 --kvm-consumer > /dev/null || true
wait_for "^  gone: $edu msi 0" "$out/watch.txt"
kill -INT $wpid
wstatus=0
wait $wpid || wstatus=$?
# What --watch printed: exit 0, the events, the verdict, gone, its
# tracefs instance removed; else what it printed, as TAP comments.
watched() {
	w=$out/watch.txt
	{ test $wstatus = 0 && grep -q '^event: .*irqbypass_connect:' "$w" &&
		grep -q "^  now: $edu msi 0 (irq [0-9]*): remapped, paired with kvm-consumer of pid [0-9]* (irqbypass-vmm)\$" "$w" &&
		grep -q "^  gone: $edu msi 0 " "$w" &&
		test ! -e "/sys/kernel/tracing/instances/irqbypass-doctor-$wpid"; } ||
		{ sed 's/^/# /' "$w"; return 1; }
}
check "--watch: the pairing's events, the vector's verdict, then gone; SIGINT stops it" watched

# A second VM's KVM irqfd on the held eventfd: the manager refuses its
# consumer, and the doctor names the holder. kvm-consumer refuses such an
# irqfd itself, and the stock KVM of 6.10 and later registers no consumer
# here: only the stock KVM of older kernels shows it.
if [ $kvm_pairs = 1 ]; then
	"$vmm" --bdf "$edu" --gsi 42 --second-vm --then "$doctor --json > $out/busy.json" > /dev/null || true
else
	n=$((n + 1))
	echo "ok $n # SKIP a token held by another VM: the stock KVM of $(uname -r) registers no consumer here"
fi
[ $kvm_pairs = 0 ] || check "a token held by another VM: -EBUSY, naming the holder's pid and comm" \
	holds "$out/busy.json" 'len(v) == 1 and v[0]["paired"] and v[0]["vmm"].endswith("(irqbypass-vmm)") and [x["sentence"].startswith("A second consumer for this vector") and x["sentence"].endswith("was refused (-EBUSY): the token is held by the consumer of " + v[0]["vmm"] + ".") for x in v[0]["reasons"] if x["id"] == "refused"] == [True]'

insmod "$mods/selftests/irqchip-model/irqchip_model.ko"
insmod "$mods/vfio-platform-producer/vfio_platform_producer.ko"
"$vmm" --platform irqchip-model.0 --line 0 --gsi 44 --raise 1 \
	--then "$doctor --json > $out/fwd.json" > /dev/null || true
check "a model line through vfio-platform-producer to kvm-consumer: forwarded" \
	holds "$out/fwd.json" 'len(v) == 1 and v[0]["paired"] and v[0]["consumer"] == "kvm-consumer" and v[0]["path"] == "forwarded" and v[0]["reasons"] == []'
"$vmm" --platform irqchip-model.1 --line 0 --gsi 46 --raise 3 \
	--then "$doctor --json > $out/posted.json" > /dev/null || true
check "a line of the model's posting chip to kvm-consumer: posted, vCPU 1" \
	holds "$out/posted.json" 'len(v) == 1 and v[0]["paired"] and v[0]["consumer"] == "kvm-consumer" and v[0]["path"] == "posted" and v[0]["vcpu"] == 1 and v[0]["reasons"] == []'
rmmod vfio_platform_producer irqchip_model kvm_consumer

umount /sys/kernel/debug
status=0
"$doctor" --json > "$out/nodebugfs.json" || status=$?
mount -t debugfs debugfs /sys/kernel/debug
check "no debugfs: said, and exit 1" \
	sh -c "test $status = 1 && grep -q '\"id\": \"no-debugfs\"' '$out/nodebugfs.json'"

status=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$doctor" 2> "$out/err" || status=$?
check "not root: a clear message and exit 1" \
	sh -c "test $status = 1 && grep -q 'needs root' '$out/err'"

status=0
"$doctor" --frobnicate 2> "$out/err" || status=$?
check "an unknown option: usage and exit 2" \
	sh -c "test $status = 2 && grep -q 'unrecognized option' '$out/err'"

# Leave the host as found: kernel-tests.sh loads ours next.
modprobe -r "$kvm" vfio_pci vfio_pci_core
rmmod irqbypass
exit $failed
