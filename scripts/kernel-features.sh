#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel APIs our modules use that changed between the kernels we
# build for, read from the target's own headers (a distribution backports
# changes, so the version number alone would not say): prints the -D flags
# include/irqbypass/compat.h is written against. Kbuild runs it.
#
# usage: kernel-features.sh <the kernel's source tree (srctree)>
inc=$1/include/linux
arch=$1/arch/x86/include/asm

has() {
	grep -qsE "$2" "$inc/$1" && printf ' %s' "-D$3"
}

# v6.17: eventfd and irq are arguments, struct members keep the pair.
has irqbypass.h 'struct eventfd_ctx \*eventfd, int irq' IRQBP_EVENTFD_API
# v6.8: eventfd_signal() lost its count.
has eventfd.h 'eventfd_signal\(struct eventfd_ctx \*ctx, __u64 n\)' IRQBP_EVENTFD_SIGNAL_COUNT
# v6.13: symbol namespaces are strings.
has export.h '__stringify\(ns\)' IRQBP_NS_IDENTIFIER
# v6.11: struct fd behind fd_file().
has file.h 'define fd_file' IRQBP_HAVE_FD_FILE
# driver_override in struct device, with its helpers (backported to 6.12).
has device.h 'device_match_driver_override' IRQBP_DEVICE_DRIVER_OVERRIDE
# v6.11: platform_driver.remove returns void; remove_new goes in 6.13.
has platform_device.h 'remove_new' IRQBP_HAVE_REMOVE_NEW
# v6.13: hrtimer_setup() sets the callback with the rest.
has hrtimer.h 'void hrtimer_setup\(' IRQBP_HAVE_HRTIMER_SETUP
# v6.16: Intel's posting argument, struct vcpu_data, renamed.
grep -qs 'struct intel_iommu_pi_data {' "$arch/irq_remapping.h" &&
	printf ' %s' -DIRQBP_INTEL_IOMMU_PI_DATA
echo
