// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's CPU interface (when a line is delivered to the host) and its
 * two chips: a GICv3 SPI with EOImode=1 that can forward lines to a vCPU,
 * and a VT-d remapped MSI that can post to a descriptor. Each callback does
 * to a line what the hardware does to it. Protocol:
 * Documentation/irqchip-model.md
 *
 * Locking: dev->lock guards every line's state. Chip callbacks run under
 * the irq descriptor's lock and take dev->lock inside it; delivery drops
 * dev->lock before entering the flow handler, so the order is always
 * descriptor lock, then dev->lock. Callbacks never deliver themselves: they
 * queue the line's irq_work, which delivers in hard interrupt context.
 */

#include <linux/bitops.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/mm.h>

#include "model.h"

/* The remapped-MSI flavours: edge only, no active state. */
static bool icm_msi(struct icm_line *l)
{
	return l->posting || l->foreign;
}

static bool icm_deliverable(struct icm_line *l)
{
	if (l->masked || l->delivering)
		return false;
	if (icm_msi(l))
		return l->pending;
	return !l->active && (l->pending || (l->level && l->asserted));
}

/*
 * The remapping unit posts an MSI: its vector's request bit in the
 * descriptor, and a notification unless one is outstanding (ON) or
 * suppressed (SN). Called under dev->lock.
 */
static void icm_post_locked(struct icm_line *l)
{
	unsigned long *control = (unsigned long *)&l->pi->control;

	if (test_and_set_bit(l->vector, (unsigned long *)l->pi->pir))
		l->counters.coalesced++;
	else
		l->counters.posted++;
	if (!test_bit(IRQBP_PI_SN, control) &&
	    !test_and_set_bit(IRQBP_PI_ON, control))
		l->counters.notifications++;
}

/*
 * The CPU interface: acknowledges a deliverable line (pending to active)
 * and runs the host's flow handler, as long as the line stays deliverable
 * (a level line deactivated while still asserted fires again). A posted
 * MSI held back by its mask (or replayed by the host) is posted instead.
 * Runs with interrupts disabled, in hard interrupt context.
 */
static void icm_deliver(struct icm_line *l)
{
	struct icm_device *dev = l->dev;
	unsigned long flags;

	raw_spin_lock_irqsave(&dev->lock, flags);
	while (icm_deliverable(l)) {
		l->pending = false;
		if (l->pi) {
			icm_post_locked(l);
			continue;
		}
		if (l->self_clearing) {
			l->asserted = false;
			l->self_clearing = false;
		}
		/* MSIs have no active state. */
		if (!icm_msi(l))
			l->active = true;
		l->counters.handled++;
		l->delivering = true;
		raw_spin_unlock(&dev->lock);
		generic_handle_irq(l->virq);
		raw_spin_lock(&dev->lock);
		l->delivering = false;
	}
	raw_spin_unlock_irqrestore(&dev->lock, flags);
}

static void icm_kick_fn(struct irq_work *work)
{
	icm_deliver(container_of(work, struct icm_line, kick));
}

/* Delivery once the caller's locks are gone. Called under dev->lock. */
static void icm_kick(struct icm_line *l)
{
	if (!l->delivering && icm_deliverable(l))
		irq_work_queue(&l->kick);
}

/*
 * One interrupt from the device. Called under dev->lock. A masked MSI
 * stays pending in the device, posted or not, until unmasked.
 */
static void icm_raise_locked(struct icm_line *l)
{
	l->counters.raised++;
	if (l->pi && !l->masked) {
		icm_post_locked(l);
		return;
	}
	if (l->level) {
		if (l->asserted) {
			l->counters.coalesced++;
			return;
		}
		l->asserted = true;
		l->self_clearing = true;
		return;
	}
	if (l->pending)
		l->counters.coalesced++;
	l->pending = true;
}

void icm_raise(struct icm_line *l)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	icm_raise_locked(l);
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

void icm_set_level(struct icm_line *l, bool asserted)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	if (asserted && !l->asserted)
		l->counters.raised++;
	l->asserted = asserted;
	l->self_clearing = false;
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

/* A burst: one interrupt per period, raised in hard interrupt context. */
static enum hrtimer_restart icm_burst_fn(struct hrtimer *t)
{
	struct icm_line *l = container_of(t, struct icm_line, burst);
	unsigned int left;

	raw_spin_lock(&l->dev->lock);
	left = l->burst_left;
	if (left) {
		l->burst_left = --left;
		icm_raise_locked(l);
	}
	raw_spin_unlock(&l->dev->lock);
	icm_deliver(l);
	if (!left)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, l->burst_period);
	return HRTIMER_RESTART;
}

void icm_start_burst(struct icm_line *l, unsigned int n, unsigned int period_us)
{
	unsigned long flags;

	hrtimer_cancel(&l->burst);
	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->burst_left = n;
	l->burst_period = ns_to_ktime((u64)max(period_us, 1U) * NSEC_PER_USEC);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
	if (n)
		hrtimer_start(&l->burst, l->burst_period, HRTIMER_MODE_REL_HARD);
}

void icm_reset_counters(struct icm_line *l)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	memset(&l->counters, 0, sizeof(l->counters));
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

void icm_snapshot(struct icm_line *l, struct irqchip_model_state *s,
		  struct irqchip_model_counters *c)
{
	struct irq_data *d = irq_get_irq_data(l->virq);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	if (s) {
		s->level = l->level;
		s->posting = l->posting;
		s->foreign = l->foreign;
		s->asserted = l->asserted;
		s->pending = l->pending || (l->level && l->asserted);
		s->active = l->active;
		s->masked = l->masked;
		s->forwarded = d && irqd_is_forwarded_to_vcpu(d);
		s->posted = l->pi;
	}
	if (c)
		*c = l->counters;
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

static struct icm_line *icm_line_of_data(struct irq_data *d)
{
	return irq_data_get_irq_chip_data(d);
}

/* Both flavours: masking and unmasking at the distributor. */
static void icm_mask(struct irq_data *d)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->counters.masks++;
	l->masked = true;
	/* As gic_eoimode1_mask_irq(): nobody else would deactivate it. */
	if (irqd_is_forwarded_to_vcpu(d))
		l->active = false;
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

static void icm_unmask(struct irq_data *d)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->counters.unmasks++;
	l->masked = false;
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

static int icm_set_type(struct irq_data *d, unsigned int type)
{
	struct icm_line *l = icm_line_of_data(d);

	/* The wiring is fixed: a line is what the module made it. */
	if (type != (l->level ? IRQ_TYPE_LEVEL_HIGH : IRQ_TYPE_EDGE_RISING))
		return -EINVAL;
	return IRQ_SET_MASK_OK;
}

/* GIC flavour. EOImode=1: the host's EOI deactivates unless forwarded. */
static void icm_gic_eoi(struct irq_data *d)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	if (irqd_is_forwarded_to_vcpu(d))
		return;
	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->active = false;
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

/* Every chip counts the vCPU affinities it is given, NULL or not. */
static void icm_count_affinity(struct irq_data *d, const void *arg)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	if (arg)
		l->counters.vcpu_affinity++;
	else
		l->counters.vcpu_affinity_null++;
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
}

/* As gic_irq_set_vcpu_affinity(): any non-NULL vCPU forwards. */
static int icm_gic_set_vcpu_affinity(struct irq_data *d, void *vcpu)
{
	icm_count_affinity(d, vcpu);
	if (vcpu)
		irqd_set_forwarded_to_vcpu(d);
	else
		irqd_clr_forwarded_to_vcpu(d);
	return 0;
}

static int icm_gic_get_state(struct irq_data *d, enum irqchip_irq_state which,
			     bool *val)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;
	int ret = 0;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	switch (which) {
	case IRQCHIP_STATE_PENDING:
		*val = l->pending || (l->level && l->asserted);
		break;
	case IRQCHIP_STATE_ACTIVE:
		*val = l->active;
		break;
	case IRQCHIP_STATE_MASKED:
		*val = l->masked;
		break;
	default:
		ret = -EINVAL;
	}
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
	return ret;
}

static int icm_gic_set_state(struct irq_data *d, enum irqchip_irq_state which,
			     bool val)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	if (which == IRQCHIP_STATE_MASKED) {
		if (val)
			icm_mask(d);
		else
			icm_unmask(d);
		return 0;
	}
	if (which != IRQCHIP_STATE_PENDING && which != IRQCHIP_STATE_ACTIVE)
		return -EINVAL;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	if (which == IRQCHIP_STATE_PENDING) {
		/* The latch only: a level input stays what it is. */
		l->pending = val;
	} else {
		/* A forwarded line deactivated: the guest completed it. */
		if (!val && l->active && irqd_is_forwarded_to_vcpu(d))
			l->counters.completions++;
		l->active = val;
	}
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
	return 0;
}

static struct irq_chip icm_gic_chip = {
	.name			= "icm-gic",
	.irq_mask		= icm_mask,
	.irq_unmask		= icm_unmask,
	.irq_eoi		= icm_gic_eoi,
	.irq_set_type		= icm_set_type,
	.irq_set_vcpu_affinity	= icm_gic_set_vcpu_affinity,
	.irq_get_irqchip_state	= icm_gic_get_state,
	.irq_set_irqchip_state	= icm_gic_set_state,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

/* Posting flavour: an edge-triggered remapped MSI. */
static void icm_post_ack(struct irq_data *d)
{
	/* Nothing to acknowledge: an MSI is a write, with no state left. */
}

/*
 * genirq replays an edge it took while the irq was disabled: the MSI is
 * sent again. Counted, and merged if the device holds one pending.
 */
static int icm_post_retrigger(struct irq_data *d)
{
	struct icm_line *l = icm_line_of_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->counters.retriggers++;
	if (l->pending)
		l->counters.coalesced++;
	l->pending = true;
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
	return 1;
}

/*
 * As an Intel IR chip: a struct irqbp_pi_data posts the line to the
 * descriptor at pi_desc_addr with the guest vector; NULL returns it to
 * host delivery (remapped).
 */
static int icm_post_set_vcpu_affinity(struct irq_data *d, void *info)
{
	struct icm_line *l = icm_line_of_data(d);
	struct irqbp_pi_data *vd = info;
	unsigned long flags;

	icm_count_affinity(d, info);
	if (vd && vd->vector >= 256)
		return -EINVAL;
	raw_spin_lock_irqsave(&l->dev->lock, flags);
	l->pi = vd ? __va(vd->pi_desc_addr) : NULL;
	l->vector = vd ? vd->vector : 0;
	/* What the mask held back goes where the line now points. */
	icm_kick(l);
	raw_spin_unlock_irqrestore(&l->dev->lock, flags);
	return 0;
}

static struct irq_chip icm_post_chip = {
	.name			= "icm-post",
	.irq_ack		= icm_post_ack,
	.irq_mask		= icm_mask,
	.irq_unmask		= icm_unmask,
	.irq_retrigger		= icm_post_retrigger,
	.irq_set_type		= icm_set_type,
	.irq_set_vcpu_affinity	= icm_post_set_vcpu_affinity,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

/*
 * Foreign flavour: a remapped MSI whose chip takes a vCPU affinity in a
 * format of its own, as AMD's IOMMU takes struct amd_iommu_pi_data. A test
 * double: it records what it is given and posts nothing, so that a
 * consumer handing it a format it does not speak is seen doing so.
 */
static int icm_foreign_set_vcpu_affinity(struct irq_data *d, void *info)
{
	icm_count_affinity(d, info);
	return 0;
}

static struct irq_chip icm_foreign_chip = {
	.name			= "icm-foreign",
	.irq_ack		= icm_post_ack,
	.irq_mask		= icm_mask,
	.irq_unmask		= icm_unmask,
	.irq_retrigger		= icm_post_retrigger,
	.irq_set_type		= icm_set_type,
	.irq_set_vcpu_affinity	= icm_foreign_set_vcpu_affinity,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

struct icm_line *icm_line_of(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	if (!d || (d->chip != &icm_gic_chip && d->chip != &icm_post_chip &&
		   d->chip != &icm_foreign_chip))
		return NULL;
	return irq_data_get_irq_chip_data(d);
}

static int icm_map(struct irq_domain *domain, unsigned int virq,
		   irq_hw_number_t hw)
{
	struct icm_device **devices = domain->host_data;
	struct icm_line *l = &devices[hw / ICM_MAX_LINES]->lines[hw % ICM_MAX_LINES];

	irq_set_chip_data(virq, l);
	if (l->posting)
		irq_set_chip_and_handler(virq, &icm_post_chip, handle_edge_irq);
	else if (l->foreign)
		irq_set_chip_and_handler(virq, &icm_foreign_chip, handle_edge_irq);
	else
		irq_set_chip_and_handler(virq, &icm_gic_chip, handle_fasteoi_irq);
	irqd_set_trigger_type(irq_get_irq_data(virq),
			      l->level ? IRQ_TYPE_LEVEL_HIGH : IRQ_TYPE_EDGE_RISING);
	/* genirq replays edges only, and asks irq_settings_is_level(). */
	if (l->level)
		irq_set_status_flags(virq, IRQ_LEVEL);
	irq_set_noprobe(virq);
	l->virq = virq;
	return 0;
}

const struct irq_domain_ops icm_domain_ops = {
	.map = icm_map,
};

void icm_line_init(struct icm_line *l)
{
	/* genirq starts every descriptor masked. */
	l->masked = true;
	l->kick = IRQ_WORK_INIT_HARD(icm_kick_fn);
	mutex_init(&l->kick_sync);
	irqbp_hrtimer_setup(&l->burst, icm_burst_fn, CLOCK_MONOTONIC,
			    HRTIMER_MODE_REL_HARD);
}

/*
 * Waits for the deliveries queued on @l's irq_work. Where the architecture
 * has no irq_work interrupt (UML), irq_work_sync() sleeps on an rcuwait,
 * which holds one waiter: a second one would take the first's place, and
 * the first would sleep for good. So its callers take turns. May sleep.
 */
void icm_kick_sync(struct icm_line *l)
{
	mutex_lock(&l->kick_sync);
	irq_work_sync(&l->kick);
	mutex_unlock(&l->kick_sync);
}

void icm_line_stop(struct icm_line *l)
{
	hrtimer_cancel(&l->burst);
	icm_kick_sync(l);
	mutex_destroy(&l->kick_sync);
}
