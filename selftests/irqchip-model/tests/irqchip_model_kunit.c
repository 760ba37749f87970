// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite of the interrupt controller model: each rule of
 * Documentation/irqchip-model.md, exercised through the kernel's irq APIs
 * on lines of the default devices (irqchip-model.0: GIC flavour, lines 0-1
 * level, 2-3 edge; irqchip-model.1: posting flavour; irqchip-model.2:
 * foreign flavour).
 */

#include <kunit/test.h>

#include <irqbypass/compat.h>
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/slab.h>

#include <irqbypass/posting.h>

#include "../irqchip_model.h"

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);

/* What a test's handler saw, and what it does to the line. */
struct icm_test {
	unsigned int irq;
	atomic_t calls;
	bool mask;		/* as VFIO: mask a level line until unmasked */
	bool requested;
	struct irqbp_pi_desc *pi;
};

static irqreturn_t icm_test_handler(int irq, void *data)
{
	struct icm_test *t = data;

	atomic_inc(&t->calls);
	if (t->mask)
		disable_irq_nosync(irq);
	return IRQ_HANDLED;
}

/* The test's handler on line @line of device @device, counters zeroed. */
static struct icm_test *icm_request(struct kunit *test, unsigned int device,
				    unsigned int line, bool mask)
{
	struct icm_test *t = test->priv;

	t->irq = irqchip_model_irq(device, line);
	KUNIT_ASSERT_NE(test, t->irq, 0U);
	t->mask = mask;
	KUNIT_ASSERT_EQ(test, request_irq(t->irq, icm_test_handler, 0,
					  "icm-kunit", t), 0);
	t->requested = true;
	KUNIT_ASSERT_EQ(test, irqchip_model_reset(t->irq), 0);
	return t;
}

static int icm_calls(struct icm_test *t)
{
	return atomic_read(&t->calls);
}

static struct irqchip_model_counters icm_counters(struct icm_test *t)
{
	struct irqchip_model_counters c = {};

	irqchip_model_counters(t->irq, &c);
	return c;
}

static struct irqchip_model_state icm_state(struct icm_test *t)
{
	struct irqchip_model_state s = {};

	irqchip_model_state(t->irq, &s);
	return s;
}

static bool icm_chip_state(struct kunit *test, struct icm_test *t,
			   enum irqchip_irq_state which)
{
	bool val = false;

	KUNIT_EXPECT_EQ(test, irq_get_irqchip_state(t->irq, which, &val), 0);
	return val;
}

/* The guest's completion of a forwarded line, as KVM does it. */
static void icm_deactivate(struct kunit *test, struct icm_test *t)
{
	KUNIT_EXPECT_EQ(test, irq_set_irqchip_state(t->irq, IRQCHIP_STATE_ACTIVE,
						    false), 0);
	irqchip_model_sync(t->irq);
}

/* Any non-NULL pointer forwards a GIC line. */
static int icm_vcpu;

static void gic_edge_delivered_once(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 2, false);

	KUNIT_ASSERT_EQ(test, irqchip_model_pulse(t->irq), 0);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_EQ(test, icm_counters(t).raised, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).handled, 1ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
	KUNIT_EXPECT_FALSE(test, icm_state(t).pending);
}

/*
 * VFIO's automasked level line: still asserted after the host's EOI, it
 * fires once more, finds the irq disabled and is masked at the chip;
 * unmasked while asserted it fires again, deasserted it does not.
 */
static void gic_level_masked_until_unmasked(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 0, true);

	KUNIT_ASSERT_EQ(test, irqchip_model_set_level(t->irq, true), 0);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_EQ(test, icm_counters(t).handled, 2ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).masks, 1ULL);
	KUNIT_EXPECT_TRUE(test, icm_state(t).masked);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);

	enable_irq(t->irq);
	irqchip_model_sync(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 2);
	KUNIT_EXPECT_EQ(test, icm_counters(t).masks, 2ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).unmasks, 1ULL);

	irqchip_model_set_level(t->irq, false);
	enable_irq(t->irq);
	irqchip_model_sync(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 2);
	KUNIT_EXPECT_EQ(test, icm_counters(t).unmasks, 2ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).masked);
}

/* A pulsed level line drops when acknowledged: one call, no re-fire. */
static void gic_level_pulse_self_clears(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 1, false);

	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_EQ(test, icm_counters(t).handled, 1ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).asserted);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
}

/*
 * Forwarded (EOImode=1): the host's EOI leaves the line active, an active
 * line is not delivered again, and the guest's deactivation completes it.
 */
static void gic_forwarded_stays_active(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 2, false);

	KUNIT_ASSERT_EQ(test, irq_set_vcpu_affinity(t->irq, &icm_vcpu), 0);
	KUNIT_EXPECT_TRUE(test, icm_state(t).forwarded);
	KUNIT_EXPECT_TRUE(test, irqd_is_forwarded_to_vcpu(irq_get_irq_data(t->irq)));

	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_TRUE(test, icm_chip_state(test, t, IRQCHIP_STATE_ACTIVE));

	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_TRUE(test, icm_chip_state(test, t, IRQCHIP_STATE_PENDING));

	icm_deactivate(test, t);
	KUNIT_EXPECT_EQ(test, icm_counters(t).completions, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 2);
	KUNIT_EXPECT_TRUE(test, icm_state(t).active);

	icm_deactivate(test, t);
	KUNIT_EXPECT_EQ(test, icm_counters(t).completions, 2ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
	KUNIT_EXPECT_EQ(test, icm_counters(t).masks, 0ULL);

	KUNIT_ASSERT_EQ(test, irq_set_vcpu_affinity(t->irq, NULL), 0);
	KUNIT_EXPECT_FALSE(test, icm_state(t).forwarded);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 3);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
}

/* A forwarded level line deactivated while still asserted fires again. */
static void gic_forwarded_level_refires(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 0, false);

	irq_set_vcpu_affinity(t->irq, &icm_vcpu);
	irqchip_model_set_level(t->irq, true);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_TRUE(test, icm_state(t).active);

	icm_deactivate(test, t);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 2);

	irqchip_model_set_level(t->irq, false);
	icm_deactivate(test, t);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 2);
	KUNIT_EXPECT_EQ(test, icm_counters(t).completions, 2ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
	irq_set_vcpu_affinity(t->irq, NULL);
}

/* Masking a forwarded line deactivates it (gic_eoimode1_mask_irq). */
static void gic_mask_deactivates_forwarded(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 3, false);

	irq_set_vcpu_affinity(t->irq, &icm_vcpu);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_TRUE(test, icm_state(t).active);
	KUNIT_EXPECT_EQ(test, irq_set_irqchip_state(t->irq, IRQCHIP_STATE_MASKED,
						    true), 0);
	KUNIT_EXPECT_FALSE(test, icm_state(t).active);
	KUNIT_EXPECT_TRUE(test, icm_chip_state(test, t, IRQCHIP_STATE_MASKED));
	KUNIT_EXPECT_EQ(test, icm_counters(t).completions, 0ULL);
	irq_set_irqchip_state(t->irq, IRQCHIP_STATE_MASKED, false);
	irq_set_vcpu_affinity(t->irq, NULL);
}

/* PENDING, ACTIVE and MASKED read back what was written. */
static void gic_irqchip_state_round_trip(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 3, false);
	enum irqchip_irq_state s[] = { IRQCHIP_STATE_MASKED,
				       IRQCHIP_STATE_PENDING,
				       IRQCHIP_STATE_ACTIVE };
	int i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		KUNIT_EXPECT_EQ(test, irq_set_irqchip_state(t->irq, s[i], true), 0);
		KUNIT_EXPECT_TRUE(test, icm_chip_state(test, t, s[i]));
	}
	KUNIT_EXPECT_EQ(test, icm_calls(t), 0);	/* masked throughout */
	for (i = ARRAY_SIZE(s) - 1; i > 0; i--) {
		KUNIT_EXPECT_EQ(test, irq_set_irqchip_state(t->irq, s[i], false), 0);
		KUNIT_EXPECT_FALSE(test, icm_chip_state(test, t, s[i]));
	}
	irq_set_irqchip_state(t->irq, IRQCHIP_STATE_MASKED, false);
	irqchip_model_sync(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 0);
	KUNIT_EXPECT_EQ(test, irq_set_irqchip_state(t->irq, IRQCHIP_STATE_LINE_LEVEL,
						    true), -EINVAL);
}

static struct irqbp_pi_desc *icm_post(struct kunit *test, struct icm_test *t,
				      u32 vector)
{
	struct irqbp_pi_data vd = { .vector = vector };

	/* kmalloc of 64 bytes is 64-byte aligned, as a descriptor must be. */
	t->pi = kzalloc(sizeof(*t->pi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pi);
	vd.pi_desc_addr = __pa(t->pi);
	KUNIT_ASSERT_EQ(test, irq_set_vcpu_affinity(t->irq, &vd), 0);
	return t->pi;
}

/* Posted: PIR bit and ON set, a notification counted, no host handler. */
static void post_sets_pir_and_notifies(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 1, 0, false);
	struct irqbp_pi_desc *pi = icm_post(test, t, 0x41);
	unsigned long *control = (unsigned long *)&pi->control;

	KUNIT_EXPECT_TRUE(test, icm_state(t).posted);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(0x41, (unsigned long *)pi->pir));
	KUNIT_EXPECT_TRUE(test, test_bit(IRQBP_PI_ON, control));
	KUNIT_EXPECT_EQ(test, icm_counters(t).posted, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).notifications, 1ULL);

	/* Not yet synced by a vCPU: coalesced, and ON already set. */
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_counters(t).coalesced, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).notifications, 1ULL);

	/* A vCPU synced it; with SN set the next one notifies nobody. */
	clear_bit(0x41, (unsigned long *)pi->pir);
	clear_bit(IRQBP_PI_ON, control);
	set_bit(IRQBP_PI_SN, control);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_TRUE(test, test_bit(0x41, (unsigned long *)pi->pir));
	KUNIT_EXPECT_FALSE(test, test_bit(IRQBP_PI_ON, control));
	KUNIT_EXPECT_EQ(test, icm_counters(t).posted, 2ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).notifications, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).raised, 3ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).handled, 0ULL);
}

/* NULL returns the line to the host; the descriptor is left alone. */
static void post_null_returns_to_host(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 1, 1, false);
	struct irqbp_pi_desc *pi = icm_post(test, t, 0x50);

	KUNIT_ASSERT_EQ(test, irq_set_vcpu_affinity(t->irq, NULL), 0);
	KUNIT_EXPECT_FALSE(test, icm_state(t).posted);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(0x50, (unsigned long *)pi->pir));
	KUNIT_EXPECT_EQ(test, icm_counters(t).posted, 0ULL);
}

/* A vector beyond 255 is not a vector. */
static void post_rejects_bad_vector(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 1, 2, false);
	struct irqbp_pi_data vd = { .vector = 256 };

	KUNIT_EXPECT_EQ(test, irq_set_vcpu_affinity(t->irq, &vd), -EINVAL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).posted);
}

/* An edge raised while the irq is disabled is replayed when enabled. */
static void post_disabled_edge_replayed(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 1, 3, false);

	disable_irq(t->irq);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 0);
	enable_irq(t->irq);
	irqchip_model_sync(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
	KUNIT_EXPECT_EQ(test, icm_counters(t).raised, 1ULL);
	/* Taken while disabled (lazily), then sent again. */
	KUNIT_EXPECT_EQ(test, icm_counters(t).retriggers, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).handled, 2ULL);
}

/* A masked MSI is not sent: held pending, then posted when unmasked. */
static void post_masked_held_then_posted(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 1, 3, false);
	struct irqbp_pi_desc *pi = icm_post(test, t, 0x60);

	/* Masked now, not at the next interrupt. */
	irq_set_status_flags(t->irq, IRQ_DISABLE_UNLAZY);
	disable_irq(t->irq);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_FALSE(test, test_bit(0x60, (unsigned long *)pi->pir));
	KUNIT_EXPECT_TRUE(test, icm_state(t).pending);
	enable_irq(t->irq);
	irq_clear_status_flags(t->irq, IRQ_DISABLE_UNLAZY);
	irqchip_model_sync(t->irq);
	KUNIT_EXPECT_TRUE(test, test_bit(0x60, (unsigned long *)pi->pir));
	KUNIT_EXPECT_EQ(test, icm_counters(t).posted, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 0);
	KUNIT_EXPECT_FALSE(test, icm_state(t).pending);
}

/* The foreign chip only records: both kinds of argument, counted. */
static void foreign_records_vcpu_affinity(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 2, 0, false);
	struct irqbp_pi_data vd = { .vector = 0x41 };

	KUNIT_EXPECT_EQ(test, irq_set_vcpu_affinity(t->irq, &vd), 0);
	KUNIT_EXPECT_EQ(test, irq_set_vcpu_affinity(t->irq, NULL), 0);
	KUNIT_EXPECT_EQ(test, icm_counters(t).vcpu_affinity, 1ULL);
	KUNIT_EXPECT_EQ(test, icm_counters(t).vcpu_affinity_null, 1ULL);
	KUNIT_EXPECT_FALSE(test, icm_state(t).posted);
	KUNIT_EXPECT_TRUE(test, icm_state(t).foreign);
	irqchip_model_pulse(t->irq);
	KUNIT_EXPECT_EQ(test, icm_calls(t), 1);
}

/* A timer-driven burst: every pulse handled or coalesced, none lost. */
static void burst_accounted(struct kunit *test)
{
	struct icm_test *t = icm_request(test, 0, 2, false);
	struct irqchip_model_counters c;
	int waited;

	KUNIT_ASSERT_EQ(test, irqchip_model_burst(t->irq, 200, 20), 0);
	for (waited = 0; waited < 10000; waited += 20) {
		c = icm_counters(t);
		if (c.raised == 200)
			break;
		msleep(20);
	}
	irqchip_model_sync(t->irq);
	c = icm_counters(t);
	KUNIT_EXPECT_EQ(test, c.raised, 200ULL);
	KUNIT_EXPECT_EQ(test, c.handled + c.coalesced, c.raised);
	KUNIT_EXPECT_EQ(test, (u64)icm_calls(t), c.handled);
	KUNIT_EXPECT_FALSE(test, icm_state(t).pending);
	kunit_info(test, "burst: raised %llu handled %llu coalesced %llu",
		   c.raised, c.handled, c.coalesced);
}

/* Only the model's lines, and only level lines take a level. */
static void api_rejects_foreign_irqs(struct kunit *test)
{
	struct irqchip_model_counters c;

	KUNIT_EXPECT_EQ(test, irqchip_model_irq(99, 0), 0U);
	KUNIT_EXPECT_EQ(test, irqchip_model_irq(0, 99), 0U);
	KUNIT_EXPECT_EQ(test, irqchip_model_pulse(0), -EINVAL);
	KUNIT_EXPECT_EQ(test, irqchip_model_counters(1, &c), -EINVAL);
	KUNIT_EXPECT_EQ(test, irqchip_model_set_level(irqchip_model_irq(0, 2),
						      true), -EINVAL);
	KUNIT_EXPECT_EQ(test, irq_set_irq_type(irqchip_model_irq(0, 0),
					       IRQ_TYPE_EDGE_RISING), -EINVAL);
}

static int icm_test_init(struct kunit *test)
{
	struct icm_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	test->priv = t;
	return 0;
}

/* Leave the line as found: not forwarded or posted, deasserted, free. */
static void icm_test_exit(struct kunit *test)
{
	struct icm_test *t = test->priv;

	if (!t->requested)
		return;
	irq_set_vcpu_affinity(t->irq, NULL);
	irqchip_model_set_level(t->irq, false);
	irqchip_model_burst(t->irq, 0, 0);
	free_irq(t->irq, t);
	kfree(t->pi);
}

static struct kunit_case icm_cases[] = {
	KUNIT_CASE(gic_edge_delivered_once),
	KUNIT_CASE(gic_level_masked_until_unmasked),
	KUNIT_CASE(gic_level_pulse_self_clears),
	KUNIT_CASE(gic_forwarded_stays_active),
	KUNIT_CASE(gic_forwarded_level_refires),
	KUNIT_CASE(gic_mask_deactivates_forwarded),
	KUNIT_CASE(gic_irqchip_state_round_trip),
	KUNIT_CASE(post_sets_pir_and_notifies),
	KUNIT_CASE(post_null_returns_to_host),
	KUNIT_CASE(post_rejects_bad_vector),
	KUNIT_CASE(post_disabled_edge_replayed),
	KUNIT_CASE(post_masked_held_then_posted),
	KUNIT_CASE(foreign_records_vcpu_affinity),
	KUNIT_CASE(burst_accounted),
	KUNIT_CASE(api_rejects_foreign_irqs),
	{}
};

static struct kunit_suite icm_suite = {
	.name = "irqchip_model",
	.init = icm_test_init,
	.exit = icm_test_exit,
	.test_cases = icm_cases,
};

kunit_test_suite(icm_suite);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("KUnit suite of the interrupt controller model");
