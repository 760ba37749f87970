// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite irqbypass_failures: a connect whose add callback fails is
 * rolled back at each step, and a registration never makes an allocation
 * that cannot sleep. Each allocation failing in turn is
 * irqbypass_failslab's (failslab_test.c). Documentation/manager.md
 */

#include <kunit/test.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "../internal.h"
#include "participants.h"

struct fail_case {
	const char *name;
	bool consumer_fails;	/* add_producer fails, else add_consumer */
	bool producer_last;	/* the producer's registration sees the error */
	bool has_del_consumer;
};

static const struct fail_case fail_cases[] = {
	{ "add_consumer fails, consumer registers last", false, false, true },
	{ "add_consumer fails, producer registers last", false, true, true },
	{ "add_producer fails, consumer registers last", true, false, true },
	{ "add_producer fails, producer registers last", true, true, true },
	{ "add_producer fails, no del_consumer", true, false, false },
};

static void fail_case_desc(const struct fail_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(connect_fail, fail_cases, fail_case_desc);

/*
 * A failing add callback: the registration that triggered the connect fails
 * with its error, everything stopped is started again, add_consumer is
 * undone, and no trace is left: the object is not registered, unregistering
 * it is a no-op, and it can register again.
 */
static void connect_fails(struct kunit *test)
{
	const struct fail_case *fc = test->param_value;
	static const enum op add_consumer_fails[] = {
		P_STOP, C_STOP, P_ADD, C_START, P_START,
	};
	static const enum op add_producer_fails[] = {
		P_STOP, C_STOP, P_ADD, C_ADD, P_DEL, C_START, P_START,
	};
	static const enum op add_producer_fails_no_del[] = {
		P_STOP, C_STOP, P_ADD, C_ADD, C_START, P_START,
	};
	long refs = irqbp_nr_registered();
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;
	int ret;

	irqbp_tprod_init(test, &tp, TOKEN(4), 13, &log);
	irqbp_tcons_init(test, &tc, TOKEN(4), &log);
	if (!fc->has_del_consumer)
		tp.p.del_consumer = NULL;
	if (fc->consumer_fails)
		tc.fail_add = -EIO;
	else
		tp.fail_add = -ENOSPC;

	if (fc->producer_last) {
		KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
		ret = reg_prod(&tp);
	} else {
		KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
		ret = reg_cons(&tc);
	}
	KUNIT_EXPECT_EQ(test, ret, fc->consumer_fails ? -EIO : -ENOSPC);
	if (!fc->consumer_fails)
		irqbp_expect_ops(test, &log, add_consumer_fails,
				 ARRAY_SIZE(add_consumer_fails));
	else if (fc->has_del_consumer)
		irqbp_expect_ops(test, &log, add_producer_fails,
				 ARRAY_SIZE(add_producer_fails));
	else
		irqbp_expect_ops(test, &log, add_producer_fails_no_del,
				 ARRAY_SIZE(add_producer_fails_no_del));
	KUNIT_EXPECT_NULL(test, tc.partner);
	/* Without del_consumer the producer cannot hear of the rollback. */
	KUNIT_EXPECT_PTR_EQ(test, tp.partner,
			    fc->consumer_fails && !fc->has_del_consumer ? &tc : NULL);
	tp.partner = NULL;
	/* Only the surviving registration is left. */
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + 1);
	irqbp_assert_prod_records(test, &tp, !fc->producer_last, NULL);
	irqbp_assert_cons_records(test, &tc, fc->producer_last, NULL);

	/* The failed side is not registered: unregistering it changes nothing. */
	log.n = 0;
	if (fc->producer_last)
		irq_bypass_unregister_producer(&tp.p);
	else
		irq_bypass_unregister_consumer(&tc.c);
	KUNIT_EXPECT_EQ(test, log.n, 0);

	/* ...and it can register again, this time successfully. */
	tp.fail_add = 0;
	tc.fail_add = 0;
	if (fc->producer_last)
		ret = reg_prod(&tp);
	else
		ret = reg_cons(&tc);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, tc.partner, &tp);

	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_consumer(&tc.c);
	KUNIT_EXPECT_EQ(test, tp.stops, tp.starts);
	KUNIT_EXPECT_EQ(test, tc.stops, tc.starts);
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
}

#define GROW 700

/*
 * The manager allocates only where it may sleep (GFP_KERNEL, outside its
 * spinlock), so its index grows without ever failing a registration for
 * want of an atomic allocation. Failslab (here with ignore-gfp-wait, its
 * default) fails only allocations that cannot sleep: arm it for the first
 * one this thread makes while many tokens arrive at once, and it must
 * never fire. That an index growth whose allocation fails leaves the
 * registration standing is irqbypass_failslab's growth_allocation_fails.
 */
static void registration_never_allocates_atomically(struct kunit *test)
{
#ifdef CONFIG_FAILSLAB
	long refs = irqbp_nr_registered();
	struct tprod *tp;
	int *ret;
	bool injected;
	int i;

	tp = kunit_kcalloc(test, GROW, sizeof(*tp), GFP_KERNEL);
	ret = kunit_kcalloc(test, GROW, sizeof(*ret), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, ret);
	for (i = 0; i < GROW; i++)
		irqbp_tprod_init(test, &tp[i], TOKEN(i), 300 + i, NULL);

	current->fail_nth = 1;
	for (i = 0; i < GROW; i++)
		ret[i] = reg_prod(&tp[i]);
	injected = !current->fail_nth;
	current->fail_nth = 0;

	KUNIT_EXPECT_FALSE_MSG(test, injected,
			       "a registration made an allocation that cannot sleep");
	for (i = 0; i < GROW; i++)
		KUNIT_EXPECT_EQ_MSG(test, ret[i], 0, "registration %d", i);
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + GROW);

	for (i = 0; i < GROW; i++)
		if (!ret[i])
			irq_bypass_unregister_producer(&tp[i].p);
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
#else
	kunit_skip(test, "needs CONFIG_FAILSLAB");
#endif
}

static struct kunit_case irqbypass_failures_cases[] = {
	KUNIT_CASE_PARAM(connect_fails, connect_fail_gen_params),
	KUNIT_CASE_SLOW(registration_never_allocates_atomically),
	{}
};

static struct kunit_suite irqbypass_failures_suite = {
	.name = "irqbypass_failures",
	.test_cases = irqbypass_failures_cases,
};

kunit_test_suite(irqbypass_failures_suite);
