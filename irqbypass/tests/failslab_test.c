// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the IRQ bypass manager under failslab: every allocation a
 * registration makes fails in turn (the current task's fail-nth), and each
 * failure must leave a clean -ENOMEM: nothing registered, the partner
 * untouched, the object free to register again.
 *
 * A module of its own because failslab by default fails only allocations
 * that cannot sleep, and the manager's may sleep: uml-init.sh sets
 * failslab/ignore-gfp-wait to N before loading it, and back after.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <irqbypass/compat.h>

#include "../internal.h"
#include "participants.h"

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);

struct fs_case {
	const char *name;
	enum irqbypass_side side;	/* the side that registers under failslab */
	bool partner_first;	/* its partner is registered before it */
	int allocs;		/* it allocates: the token's record, once */
};

static const struct fs_case fs_cases[] = {
	{ "producer alone", IRQBYPASS_SIDE_PRODUCER, false, 1 },
	{ "consumer alone", IRQBYPASS_SIDE_CONSUMER, false, 1 },
	{ "producer joins its consumer", IRQBYPASS_SIDE_PRODUCER, true, 0 },
	{ "consumer joins its producer", IRQBYPASS_SIDE_CONSUMER, true, 0 },
};

static void fs_case_desc(const struct fs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fs, fs_cases, fs_case_desc);

/* A registration of the failing side, or of its partner's. */
static int fs_register(const struct fs_case *c, struct tprod *tp,
		       struct tcons *tc, bool failing)
{
	bool producer = (c->side == IRQBYPASS_SIDE_PRODUCER) == failing;

	return producer ? reg_prod(tp) : reg_cons(tc);
}

static void fs_init(struct kunit *test, struct tprod *tp, struct tcons *tc,
		    void *token)
{
	irqbp_tprod_init(test, tp, token, 7, NULL);
	irqbp_tcons_init(test, tc, token, NULL);
}

#define FS_MAX_ALLOCS 64

/*
 * Fail the first, second, ... allocation of one registration until it
 * makes no more. A failure either fails the registration with -ENOMEM and
 * leaves no trace of it, or is one the manager can do without (the
 * registration then succeeds).
 */
static void every_allocation_fails(struct kunit *test)
{
	const struct fs_case *c = test->param_value;
	long refs = irqbp_nr_registered();
	int n, ret, failed = 0;
	struct tprod tp;
	struct tcons tc;
	bool hit;
	void *probe;

	/* Without this, the manager's allocations would never fail. */
	current->fail_nth = 1;
	probe = kmalloc(16, GFP_KERNEL);
	current->fail_nth = 0;
	kfree(probe);
	KUNIT_ASSERT_NULL_MSG(test, probe,
			      "failslab does not fail allocations that may sleep (ignore-gfp-wait)");

	for (n = 1; n <= FS_MAX_ALLOCS; n++) {
		fs_init(test, &tp, &tc, TOKEN(0));
		if (c->partner_first)
			KUNIT_ASSERT_EQ(test, fs_register(c, &tp, &tc, false), 0);

		current->fail_nth = n;
		ret = fs_register(c, &tp, &tc, true);
		hit = !current->fail_nth;
		current->fail_nth = 0;

		if (ret) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "allocation %d", n);
			KUNIT_EXPECT_TRUE_MSG(test, hit, "allocation %d", n);
			failed++;

			/* Nothing registered, nothing called, partner waiting. */
			KUNIT_EXPECT_EQ_MSG(test, irqbp_nr_registered(),
					    refs + c->partner_first, "allocation %d", n);
			KUNIT_EXPECT_EQ(test, tp.adds + tp.stops + tc.adds + tc.stops, 0);
#ifdef IRQBP_EVENTFD_API
			/* The eventfd is recorded on success only. */
			KUNIT_EXPECT_NULL(test, c->side == IRQBYPASS_SIDE_PRODUCER ?
						tp.p.eventfd : tc.c.eventfd);
#endif
			if (c->side == IRQBYPASS_SIDE_PRODUCER)
				irq_bypass_unregister_producer(&tp.p);
			else
				irq_bypass_unregister_consumer(&tc.c);
			KUNIT_EXPECT_EQ(test, tp.dels + tp.stops + tc.dels + tc.stops, 0);

			/* ...and the object may register again. */
			KUNIT_EXPECT_EQ_MSG(test, fs_register(c, &tp, &tc, true), 0,
					    "allocation %d", n);
		}
		if (c->partner_first) {
			KUNIT_EXPECT_PTR_EQ(test, tp.partner, &tc);
			KUNIT_EXPECT_PTR_EQ(test, tc.partner, &tp);
		}
		KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + 1 + c->partner_first);

		irq_bypass_unregister_producer(&tp.p);
		irq_bypass_unregister_consumer(&tc.c);
		KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
		KUNIT_EXPECT_EQ(test, tp.stops, tp.starts);
		KUNIT_EXPECT_EQ(test, tc.stops, tc.starts);
		KUNIT_EXPECT_EQ(test, tp.adds, tp.dels);
		KUNIT_EXPECT_EQ(test, tc.adds, tc.dels);

		if (!hit)
			break;	/* the registration made fewer than n allocations */
	}
	KUNIT_EXPECT_EQ(test, n - 1, c->allocs);
	KUNIT_EXPECT_EQ(test, failed, c->allocs);
	kunit_info(test, "%d allocation(s), each failed in turn: %d -ENOMEM\n",
		   n - 1, failed);
}

#define FS_GROW 200

/*
 * Registrations that grow the manager's index: when its second allocation
 * (a larger table) fails, the registration still succeeds, and every
 * token is still found, by its partner and by its unregistration.
 */
static void growth_allocation_fails(struct kunit *test)
{
	long refs = irqbp_nr_registered();
	struct tprod *tp;
	struct tcons *tc;
	int i, ret, hits = 0;

	tp = kunit_kcalloc(test, FS_GROW, sizeof(*tp), GFP_KERNEL);
	tc = kunit_kcalloc(test, FS_GROW, sizeof(*tc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, tc);

	for (i = 0; i < FS_GROW; i++) {
		fs_init(test, &tp[i], &tc[i], TOKEN(i));

		current->fail_nth = 2;
		ret = reg_prod(&tp[i]);
		hits += !current->fail_nth;
		current->fail_nth = 0;
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "producer %d", i);
	}
	/* From its initial size, the index grew at least once. */
	KUNIT_EXPECT_GT(test, hits, 0);
	kunit_info(test, "%d registrations could not grow the index\n", hits);

	for (i = 0; i < FS_GROW; i++) {
		KUNIT_EXPECT_EQ(test, reg_cons(&tc[i]), 0);
		KUNIT_EXPECT_PTR_EQ(test, tp[i].partner, &tc[i]);
	}
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + 2 * FS_GROW);
	for (i = 0; i < FS_GROW; i++) {
		irq_bypass_unregister_producer(&tp[i].p);
		irq_bypass_unregister_consumer(&tc[i].c);
		KUNIT_EXPECT_EQ(test, tc[i].dels, 1);
	}
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
}

static struct kunit_case irqbypass_failslab_cases[] = {
	KUNIT_CASE_PARAM(every_allocation_fails, fs_gen_params),
	KUNIT_CASE(growth_allocation_fails),
	{}
};

static struct kunit_suite irqbypass_failslab_suite = {
	.name = "irqbypass_failslab",
	.test_cases = irqbypass_failslab_cases,
};

kunit_test_suite(irqbypass_failslab_suite);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("KUnit tests for the IRQ bypass manager under failslab");
