#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host: load our irqbypass.ko as the drop-in, then the stock
# kvm (for the CPU at hand) and vfio-pci, which bind to it.
# usage: load-stock.sh <irqbypass.ko>
set -eu
ko=$1

insmod "$ko"
if grep -qw svm /proc/cpuinfo; then
	modprobe kvm_amd
else
	modprobe kvm_intel
fi
modprobe vfio-pci
echo "load-stock: irqbypass $(cat /sys/module/irqbypass/version) held by:" \
	"$(ls /sys/module/irqbypass/holders | tr '\n' ' ')"
