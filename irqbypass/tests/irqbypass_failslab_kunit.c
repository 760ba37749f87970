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
#include <linux/irqbypass.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <irqbypass/compat.h>

#include "../internal.h"
#include "irqbypass_api.h"

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);

struct fprod {
	struct irq_bypass_producer p;
	void *token;
	struct irq_bypass_consumer *partner;
	int stops, starts, adds, dels;
};

struct fcons {
	struct irq_bypass_consumer c;
	void *token;
	struct irq_bypass_producer *partner;
	int stops, starts, adds, dels;
};

static int fprod_add(struct irq_bypass_producer *p,
		     struct irq_bypass_consumer *c)
{
	struct fprod *fp = container_of(p, struct fprod, p);

	fp->partner = c;
	fp->adds++;
	return 0;
}

static void fprod_del(struct irq_bypass_producer *p,
		      struct irq_bypass_consumer *c)
{
	struct fprod *fp = container_of(p, struct fprod, p);

	fp->partner = NULL;
	fp->dels++;
}

static void fprod_stop(struct irq_bypass_producer *p)
{
	container_of(p, struct fprod, p)->stops++;
}

static void fprod_start(struct irq_bypass_producer *p)
{
	container_of(p, struct fprod, p)->starts++;
}

static int fcons_add(struct irq_bypass_consumer *c,
		     struct irq_bypass_producer *p)
{
	struct fcons *fc = container_of(c, struct fcons, c);

	fc->partner = p;
	fc->adds++;
	return 0;
}

static void fcons_del(struct irq_bypass_consumer *c,
		      struct irq_bypass_producer *p)
{
	struct fcons *fc = container_of(c, struct fcons, c);

	fc->partner = NULL;
	fc->dels++;
}

static void fcons_stop(struct irq_bypass_consumer *c)
{
	container_of(c, struct fcons, c)->stops++;
}

static void fcons_start(struct irq_bypass_consumer *c)
{
	container_of(c, struct fcons, c)->starts++;
}

static char token;

static void pair_init(struct fprod *fp, struct fcons *fc)
{
	memset(fp, 0, sizeof(*fp));
	fp->token = &token;
	fp->p.add_consumer = fprod_add;
	fp->p.del_consumer = fprod_del;
	fp->p.stop = fprod_stop;
	fp->p.start = fprod_start;

	memset(fc, 0, sizeof(*fc));
	fc->token = &token;
	fc->c.add_producer = fcons_add;
	fc->c.del_producer = fcons_del;
	fc->c.stop = fcons_stop;
	fc->c.start = fcons_start;
}

/* Producers and consumers registered, from the manager's counters. */
static long nr_registered(struct kunit *test)
{
	return irqbp_nr_registered();
}

struct fs_case {
	const char *name;
	bool producer;		/* the producer registers under failslab */
	bool partner_first;	/* its partner is registered before it */
	int allocs;		/* it allocates: the token's record, once */
};

static const struct fs_case fs_cases[] = {
	{ "producer alone", true, false, 1 },
	{ "consumer alone", false, false, 1 },
	{ "producer joins its consumer", true, true, 0 },
	{ "consumer joins its producer", false, true, 0 },
};

static void fs_case_desc(const struct fs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fs, fs_cases, fs_case_desc);

static int fprod_register(struct fprod *fp)
{
	return irqbp_test_register_producer(&fp->p, fp->token, 7);
}

static int fcons_register(struct fcons *fc)
{
	return irqbp_test_register_consumer(&fc->c, fc->token);
}

static int fs_register(const struct fs_case *c, struct fprod *fp,
		       struct fcons *fc, bool failing)
{
	return failing == c->producer ? fprod_register(fp) : fcons_register(fc);
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
	long refs = nr_registered(test);
	int n, ret, failed = 0;
	struct fprod fp;
	struct fcons fc;
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
		pair_init(&fp, &fc);
		if (c->partner_first)
			KUNIT_ASSERT_EQ(test, fs_register(c, &fp, &fc, false), 0);

		current->fail_nth = n;
		ret = fs_register(c, &fp, &fc, true);
		hit = !current->fail_nth;
		current->fail_nth = 0;

		if (ret) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "allocation %d", n);
			KUNIT_EXPECT_TRUE_MSG(test, hit, "allocation %d", n);
			failed++;

			/* Nothing registered, nothing called, partner waiting. */
			KUNIT_EXPECT_EQ_MSG(test, nr_registered(test),
					    refs + c->partner_first, "allocation %d", n);
			KUNIT_EXPECT_EQ(test, fp.adds + fp.stops + fc.adds + fc.stops, 0);
#ifdef IRQBP_EVENTFD_API
			/* The eventfd is recorded on success only. */
			KUNIT_EXPECT_NULL(test, c->producer ? fp.p.eventfd : fc.c.eventfd);
#endif
			if (c->producer)
				irq_bypass_unregister_producer(&fp.p);
			else
				irq_bypass_unregister_consumer(&fc.c);
			KUNIT_EXPECT_EQ(test, fp.dels + fp.stops + fc.dels + fc.stops, 0);

			/* ...and the object may register again. */
			KUNIT_EXPECT_EQ_MSG(test, fs_register(c, &fp, &fc, true), 0,
					    "allocation %d", n);
		}
		if (c->partner_first) {
			KUNIT_EXPECT_PTR_EQ(test, fp.partner, &fc.c);
			KUNIT_EXPECT_PTR_EQ(test, fc.partner, &fp.p);
		}
		KUNIT_EXPECT_EQ(test, nr_registered(test), refs + 1 + c->partner_first);

		irq_bypass_unregister_producer(&fp.p);
		irq_bypass_unregister_consumer(&fc.c);
		KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
		KUNIT_EXPECT_EQ(test, fp.stops, fp.starts);
		KUNIT_EXPECT_EQ(test, fc.stops, fc.starts);
		KUNIT_EXPECT_EQ(test, fp.adds, fp.dels);
		KUNIT_EXPECT_EQ(test, fc.adds, fc.dels);

		if (!hit)
			break;	/* the registration made fewer than n allocations */
	}
	KUNIT_EXPECT_EQ(test, n - 1, c->allocs);
	KUNIT_EXPECT_EQ(test, failed, c->allocs);
	kunit_info(test, "%d allocation(s), each failed in turn: %d -ENOMEM\n",
		   n - 1, failed);
}

#define FS_GROW 200

static char grow_tokens[FS_GROW];

/*
 * Registrations that grow the manager's index: when its second allocation
 * (a larger table) fails, the registration still succeeds, and every
 * token is still found, by its partner and by its unregistration.
 */
static void growth_allocation_fails(struct kunit *test)
{
	long refs = nr_registered(test);
	struct fprod *fp;
	struct fcons *fc;
	int i, ret, hits = 0;

	fp = kunit_kcalloc(test, FS_GROW, sizeof(*fp), GFP_KERNEL);
	fc = kunit_kcalloc(test, FS_GROW, sizeof(*fc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fp);
	KUNIT_ASSERT_NOT_NULL(test, fc);

	for (i = 0; i < FS_GROW; i++) {
		pair_init(&fp[i], &fc[i]);
		fp[i].token = &grow_tokens[i];
		fc[i].token = &grow_tokens[i];

		current->fail_nth = 2;
		ret = fprod_register(&fp[i]);
		hits += !current->fail_nth;
		current->fail_nth = 0;
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "producer %d", i);
	}
	/* From its initial size, the index grew at least once. */
	KUNIT_EXPECT_GT(test, hits, 0);
	kunit_info(test, "%d registrations could not grow the index\n", hits);

	for (i = 0; i < FS_GROW; i++) {
		KUNIT_EXPECT_EQ(test, fcons_register(&fc[i]), 0);
		KUNIT_EXPECT_PTR_EQ(test, fp[i].partner, &fc[i].c);
	}
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs + 2 * FS_GROW);
	for (i = 0; i < FS_GROW; i++) {
		irq_bypass_unregister_producer(&fp[i].p);
		irq_bypass_unregister_consumer(&fc[i].c);
		KUNIT_EXPECT_EQ(test, fc[i].dels, 1);
	}
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
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
