#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: the harness's GoogleTest suite against the stock vfio-pci
# and kvm bound to our irqbypass.ko.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
ko=$(mods_dir)/irqbypass/irqbypass.ko

"$top/selftests/testhost/load-stock.sh" "$ko"
IRQBYPASS_SRCVERSION=$(modinfo -F srcversion "$ko")
export IRQBYPASS_SRCVERSION
"$build/harness/stock_pairing_test" --gtest_color=no "$@"
