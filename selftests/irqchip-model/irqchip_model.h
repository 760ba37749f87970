/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt controller model's in-kernel interface, for KUnit suites
 * that drive its lines. Protocol: Documentation/irqchip-model.md
 */
#ifndef IRQCHIP_MODEL_H
#define IRQCHIP_MODEL_H

#include <linux/types.h>

/* What happened on one line since the module loaded or it was reset. */
struct irqchip_model_counters {
	u64 raised;		/* edges, or assertions of a level line */
	u64 handled;		/* deliveries to the host's flow handler */
	u64 posted;		/* raised into a posted-interrupt descriptor */
	u64 notifications;	/* posted with ON clear and SN clear */
	u64 coalesced;		/* raised or replayed while pending or posted already */
	u64 retriggers;		/* edges genirq replayed (irq_retrigger) */
	u64 completions;	/* deactivations of a forwarded line */
	u64 masks;		/* irq_mask calls */
	u64 unmasks;		/* irq_unmask calls */
	u64 vcpu_affinity;	/* irq_set_vcpu_affinity() with an argument */
	u64 vcpu_affinity_null;	/* irq_set_vcpu_affinity() with NULL */
};

/* Where a line stands now. */
struct irqchip_model_state {
	bool level;		/* a level line, else edge */
	bool posting;		/* the posting flavour */
	bool foreign;		/* the foreign flavour; neither: the GIC one */
	bool asserted;		/* level lines: the input */
	bool pending;
	bool active;
	bool masked;
	bool forwarded;		/* GIC flavour: to a vCPU */
	bool posted;		/* posting flavour: to a descriptor */
};

unsigned int irqchip_model_irq(unsigned int device, unsigned int line);
int irqchip_model_set_level(unsigned int irq, bool asserted);
int irqchip_model_pulse(unsigned int irq);
int irqchip_model_burst(unsigned int irq, unsigned int n, unsigned int period_us);
int irqchip_model_sync(unsigned int irq);
int irqchip_model_reset(unsigned int irq);
int irqchip_model_counters(unsigned int irq, struct irqchip_model_counters *c);
int irqchip_model_state(unsigned int irq, struct irqchip_model_state *s);

#endif /* IRQCHIP_MODEL_H */
