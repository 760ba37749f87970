#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: the reference participants against the stock ones.
# kvm-consumer's char-device test, then the harness's kvm-consumer suite
# with the edu device on the stock vfio-pci.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)

"$top/selftests/testhost/load-stock.sh" "$top/irqbypass/irqbypass.ko"
insmod "$top/kvm-consumer/kvm_consumer.ko"
status=0
"$top/build/selftests/kvm_consumer_test" || status=1
"$top/build/harness/kvm_consumer_test" --gtest_color=no || status=1
exit $status
