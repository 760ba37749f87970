/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Intel VT-d posting formats, for whoever posts (the interrupt
 * controller model) and whoever consumes (kvm-consumer): the argument a
 * consumer hands irq_set_vcpu_affinity() on a posting chip, and the posted
 * interrupt descriptor the IOMMU writes (VT-d specification, "Posted
 * Interrupt Descriptor"; KVM's struct pi_desc).
 */
#ifndef IRQBYPASS_POSTING_H
#define IRQBYPASS_POSTING_H

#include <linux/build_bug.h>
#include <linux/types.h>

/*
 * struct irqbp_pi_data: the kernel's own on x86 (struct vcpu_data, renamed
 * struct intel_iommu_pi_data in v6.16, same layout); elsewhere (UML) ours.
 */
#ifdef CONFIG_X86
#include <asm/irq_remapping.h>
#ifdef IRQBP_INTEL_IOMMU_PI_DATA
#define irqbp_pi_data intel_iommu_pi_data
#else
#define irqbp_pi_data vcpu_data
#endif
#else
struct irqbp_pi_data {
	u64 pi_desc_addr;	/* physical address of the descriptor */
	u32 vector;		/* the guest vector to post */
};
#endif

/* Bits of irqbp_pi_desc.control, for the kernel's bitops. */
#define IRQBP_PI_ON	0	/* outstanding notification */
#define IRQBP_PI_SN	1	/* suppress notification */

struct irqbp_pi_desc {
	u32 pir[8];		/* one bit per vector: posted, not yet synced */
	u64 control;		/* ON, SN, notification vector and destination */
	u32 rsvd[6];
} __aligned(64);

static_assert(sizeof(struct irqbp_pi_desc) == 64);

#endif /* IRQBYPASS_POSTING_H */
