// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test producer and consumer of the manager's KUnit suites
 * (participants.h), in a module of their own that the suites' modules
 * import, as drm_kunit_helpers.ko is for DRM's.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/module.h>

#include "participants.h"

char irqbp_test_tokens[IRQBP_TEST_TOKENS];
EXPORT_SYMBOL_GPL(irqbp_test_tokens);

static void log_op(struct oplog *log, enum op op)
{
	if (log && !WARN_ON(log->n >= MAX_OPS))
		log->ops[log->n++] = op;
}

static struct tprod *to_tprod(struct irq_bypass_producer *p)
{
	return container_of(p, struct tprod, p);
}

static struct tcons *to_tcons(struct irq_bypass_consumer *c)
{
	return container_of(c, struct tcons, c);
}

static int tprod_add(struct irq_bypass_producer *p,
		     struct irq_bypass_consumer *c)
{
	struct tprod *tp = to_tprod(p);

	log_op(tp->log, P_ADD);
	if (tp->entered)
		complete(tp->entered);
	if (tp->block)
		wait_for_completion(tp->block);
	if (tp->fail_add)
		return tp->fail_add;
	KUNIT_EXPECT_NULL(tp->test, tp->partner);
	/* Both objects record the token their connect runs for. */
	KUNIT_EXPECT_NOT_NULL(tp->test, irqbp_test_token(p));
	KUNIT_EXPECT_PTR_EQ(tp->test, irqbp_test_token(p), irqbp_test_token(c));
	tp->partner = to_tcons(c);
	tp->adds++;
	return 0;
}

static void tprod_del(struct irq_bypass_producer *p,
		      struct irq_bypass_consumer *c)
{
	struct tprod *tp = to_tprod(p);

	log_op(tp->log, P_DEL);
	if (tp->del_entered)
		complete(tp->del_entered);
	if (tp->del_block)
		wait_for_completion(tp->del_block);
	KUNIT_EXPECT_PTR_EQ(tp->test, tp->partner, to_tcons(c));
	tp->partner = NULL;
	tp->dels++;
}

static void tprod_stop(struct irq_bypass_producer *p)
{
	struct tprod *tp = to_tprod(p);

	log_op(tp->log, P_STOP);
	tp->stops++;
}

static void tprod_start(struct irq_bypass_producer *p)
{
	struct tprod *tp = to_tprod(p);

	log_op(tp->log, P_START);
	tp->starts++;
	KUNIT_EXPECT_EQ(tp->test, tp->starts, tp->stops);
}

static int tcons_add(struct irq_bypass_consumer *c,
		     struct irq_bypass_producer *p)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_ADD);
	if (tc->sleep_us)
		usleep_range(tc->sleep_us, 2 * tc->sleep_us);
	if (tc->fail_add)
		return tc->fail_add;
	KUNIT_EXPECT_NULL(tc->test, tc->partner);
	tc->partner = to_tprod(p);
	tc->adds++;
	return 0;
}

static void tcons_del(struct irq_bypass_consumer *c,
		      struct irq_bypass_producer *p)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_DEL);
	if (tc->sleep_us)
		usleep_range(tc->sleep_us, 2 * tc->sleep_us);
	KUNIT_EXPECT_PTR_EQ(tc->test, tc->partner, to_tprod(p));
	tc->partner = NULL;
	tc->dels++;
}

static void tcons_stop(struct irq_bypass_consumer *c)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_STOP);
	tc->stops++;
	if (tc->vm && atomic_inc_return(&tc->vm->paused) > 1)
		atomic_inc(&tc->vm->nested);
}

static void tcons_start(struct irq_bypass_consumer *c)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_START);
	tc->starts++;
	if (tc->vm)
		atomic_dec(&tc->vm->paused);
	KUNIT_EXPECT_EQ(tc->test, tc->starts, tc->stops);
}

void irqbp_tprod_init(struct kunit *test, struct tprod *tp, void *token,
		      int irq, struct oplog *log)
{
	memset(tp, 0, sizeof(*tp));
	tp->test = test;
	tp->log = log;
	tp->token = token;
	tp->irq = irq;
	tp->p.add_consumer = tprod_add;
	tp->p.del_consumer = tprod_del;
	tp->p.stop = tprod_stop;
	tp->p.start = tprod_start;
}
EXPORT_SYMBOL_GPL(irqbp_tprod_init);

void irqbp_tcons_init(struct kunit *test, struct tcons *tc, void *token,
		      struct oplog *log)
{
	memset(tc, 0, sizeof(*tc));
	tc->test = test;
	tc->log = log;
	tc->token = token;
	tc->c.add_producer = tcons_add;
	tc->c.del_producer = tcons_del;
	tc->c.stop = tcons_stop;
	tc->c.start = tcons_start;
}
EXPORT_SYMBOL_GPL(irqbp_tcons_init);

void irqbp_expect_ops(struct kunit *test, const struct oplog *log,
		      const enum op *want, int n)
{
	int i;

	KUNIT_ASSERT_EQ(test, log->n, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, log->ops[i], want[i], "op %d", i);
}
EXPORT_SYMBOL_GPL(irqbp_expect_ops);

void irqbp_assert_prod_records(struct kunit *test, const struct tprod *tp,
			       bool registered, const struct tcons *partner)
{
#ifdef IRQBP_EVENTFD_API
	KUNIT_ASSERT_PTR_EQ(test, tp->p.eventfd, registered ? tp->token : NULL);
	KUNIT_ASSERT_PTR_EQ(test, tp->p.consumer, partner ? &partner->c : NULL);
	if (registered)
		KUNIT_ASSERT_EQ(test, tp->p.irq, tp->irq);
#endif
}
EXPORT_SYMBOL_GPL(irqbp_assert_prod_records);

void irqbp_assert_cons_records(struct kunit *test, const struct tcons *tc,
			       bool registered, const struct tprod *partner)
{
#ifdef IRQBP_EVENTFD_API
	KUNIT_ASSERT_PTR_EQ(test, tc->c.eventfd, registered ? tc->token : NULL);
	KUNIT_ASSERT_PTR_EQ(test, tc->c.producer, partner ? &partner->p : NULL);
#endif
}
EXPORT_SYMBOL_GPL(irqbp_assert_cons_records);

void irqbp_expect_paired(struct kunit *test, struct tprod *tp,
			 struct tcons *tc)
{
	KUNIT_EXPECT_PTR_EQ(test, tp->partner, tc);
	KUNIT_EXPECT_PTR_EQ(test, tc->partner, tp);
	irqbp_assert_prod_records(test, tp, true, tc);
	irqbp_assert_cons_records(test, tc, true, tp);
}
EXPORT_SYMBOL_GPL(irqbp_expect_paired);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("Test producer and consumer for the IRQ bypass manager's KUnit suites");
