#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: the reference participants, against the stock ones and
# together: the kselftest programs of selftests/kselftests.list (the
# participants' char devices, forwarding and posting on the interrupt
# controller model's lines, the randomized storm over all of them), then
# the harness suites for kvm-consumer (with the stock vfio-pci),
# vfio-pci-producer (alone and with the stock KVM), the two reference
# participants paired, and vfio-platform-producer on the model's lines.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)

"$top/selftests/testhost/load-stock.sh" "$top/irqbypass/irqbypass.ko"
insmod "$top/kvm-consumer/kvm_consumer.ko"
insmod "$top/vfio-pci-producer/vfio_pci_producer.ko"
insmod "$top/selftests/irqchip-model/irqchip_model.ko"
insmod "$top/vfio-platform-producer/vfio_platform_producer.ko"
# The producer suites unload and reload them from there.
VPP_MODULE=$top/vfio-pci-producer/vfio_pci_producer.ko
VPLP_MODULE=$top/vfio-platform-producer/vfio_platform_producer.ko
export VPP_MODULE VPLP_MODULE
status=0
while read -r src needs uml testhost; do
	run_kselftest "$testhost" "$build/selftests/$(kselftest_name "$src")" || status=1
done <<EOF
$(kselftests)
EOF
for t in kvm_consumer_test vfio_pci_producer_test reference_pair_test \
	vfio_platform_producer_test; do
	"$build/harness/$t" --gtest_color=no || status=1
done
exit $status
