#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: the reference participants, against the stock ones and
# together: kvm-consumer's char-device test, then the harness suites for
# kvm-consumer (with the stock vfio-pci), vfio-pci-producer (alone and with
# the stock KVM) and the two reference participants paired.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)

"$top/selftests/testhost/load-stock.sh" "$top/irqbypass/irqbypass.ko"
insmod "$top/kvm-consumer/kvm_consumer.ko"
insmod "$top/vfio-pci-producer/vfio_pci_producer.ko"
# The producer suite unloads and reloads it from there.
VPP_MODULE=$top/vfio-pci-producer/vfio_pci_producer.ko
export VPP_MODULE
status=0
"$build/selftests/kvm_consumer_test" || status=1
for t in kvm_consumer_test vfio_pci_producer_test reference_pair_test; do
	"$build/harness/$t" --gtest_color=no || status=1
done
exit $status
