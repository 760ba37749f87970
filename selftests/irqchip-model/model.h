/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt controller model's records, shared by its files.
 * Protocol: Documentation/irqchip-model.md
 */
#ifndef IRQCHIP_MODEL_INTERNAL_H
#define IRQCHIP_MODEL_INTERNAL_H

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include <irqbypass/compat.h>
#include <irqbypass/posting.h>

#include "irqchip_model.h"

#define ICM_MAX_DEVICES	8
#define ICM_MAX_LINES	32

struct icm_device;

struct icm_line {
	struct icm_device *dev;
	unsigned int index;
	unsigned int virq;
	bool level;
	bool posting;
	bool foreign;		/* the foreign flavour: a chip double */

	/* Under dev->lock. */
	bool asserted;		/* level input */
	bool self_clearing;	/* a pulsed level line: drops at ack */
	bool pending;		/* edge latch, or set through PENDING */
	bool active;
	bool masked;
	bool delivering;	/* icm_deliver() runs for this line */
	struct irqbp_pi_desc *pi;	/* posting: the descriptor, or NULL */
	u32 vector;
	struct irqchip_model_counters counters;
	unsigned int burst_left;
	ktime_t burst_period;

	struct irq_work kick;	/* delivery from contexts that hold the desc lock */
	struct mutex kick_sync;	/* icm_kick_sync()'s waiters take turns */
	struct hrtimer burst;
};

struct icm_device {
	struct platform_device *pdev;
	bool posting;
	bool foreign;
	unsigned int nr_lines;
	raw_spinlock_t lock;
	struct dentry *debugfs;
	struct icm_line lines[ICM_MAX_LINES];
};

extern const struct irq_domain_ops icm_domain_ops;

void icm_line_init(struct icm_line *l);
void icm_line_stop(struct icm_line *l);
void icm_kick_sync(struct icm_line *l);
struct icm_line *icm_line_of(unsigned int irq);
void icm_raise(struct icm_line *l);
void icm_set_level(struct icm_line *l, bool asserted);
void icm_start_burst(struct icm_line *l, unsigned int n, unsigned int period_us);
void icm_reset_counters(struct icm_line *l);
void icm_snapshot(struct icm_line *l, struct irqchip_model_state *s,
		  struct irqchip_model_counters *c);

int icm_debugfs_init(void);
void icm_debugfs_add(struct icm_device *dev);
void icm_debugfs_exit(void);

#endif /* IRQCHIP_MODEL_INTERNAL_H */
