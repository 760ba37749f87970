#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host, on any Debian kernel (KVER, Documentation/kernels.md):
# irqbypass-doctor's verdicts, then our irqbypass.ko built for it under
# that kernel's stock kvm and vfio-pci, the stock pairing suite, the
# kselftest programs that need no more than kvm-consumer
# (selftests/kselftests.list), then the stock
# vfio-pci paired with kvm-consumer, which pairs on every kernel (the stock KVM of 6.10 and
# later registers no consumer without posting hardware), and the manager
# installed with DKMS, then uninstalled.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
mods=$(mods_dir)

echo "kernel-tests: $(uname -r)"
# First: it starts with the stock manager, before ours is loaded.
"$top/selftests/testhost/doctor-tests.sh" || status=1
"$top/selftests/testhost/stock-tests.sh" || status=1
insmod "$mods/kvm-consumer/kvm_consumer.ko"
# Its char-device test: the wake-up and waiter rules hold on every kernel.
# The other programs need the interrupt controller model, not loaded here.
ran=0
while read -r src needs uml testhost; do
	modules_loaded "$needs" || continue
	ran=$((ran + 1))
	run_kselftest "$testhost" "$build/selftests/$(kselftest_name "$src")" || status=1
done <<EOF
$(kselftests)
EOF
[ $ran -gt 0 ] || { echo "kernel-tests: no kselftest program to run"; status=1; }
EDU_CYCLES=${EDU_CYCLES:-200} "$build/harness/kvm_consumer_test" --gtest_color=no ||
	status=1
# Unload what the suites used; then DKMS, in the kernel's build root.
rmmod kvm_consumer
"$top/selftests/testhost/dkms-tests.sh" || status=1
exit ${status:-0}
