// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the IRQ bypass manager (irqbypass.ko).
 *
 * It lives in its own module because a module's suites run before its
 * module_init: loading this one after irqbypass.ko tests the manager as
 * its users see it, through the four exported functions and the callbacks
 * the manager makes. It is built for either API generation
 * (irqbypass_api.h), against the manager built for the same one.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/irqbypass.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>

#include <irqbypass/compat.h>

#include "../internal.h"
#include "irqbypass_api.h"

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);

/* What a callback did, in the order the manager made the calls. */
enum op {
	P_STOP, P_START, P_ADD, P_DEL,
	C_STOP, C_START, C_ADD, C_DEL,
};

#define MAX_OPS 32

struct oplog {
	enum op ops[MAX_OPS];
	int n;
};

struct tprod {
	struct irq_bypass_producer p;
	void *token;			/* what it registers with */
	int irq;
	struct kunit *test;
	struct oplog *log;
	struct tcons *partner;		/* set by add_consumer, cleared by del */
	int stops, starts, adds, dels;
	int fail_add;			/* returned by add_consumer */
	struct completion *block;	/* add_consumer waits on it if set */
	struct completion *entered;	/* completed when add_consumer runs */
	struct completion *del_block;	/* del_consumer waits on it if set */
	struct completion *del_entered;	/* completed when del_consumer runs */
};

struct tcons {
	struct irq_bypass_consumer c;
	void *token;
	struct kunit *test;
	struct oplog *log;
	struct tprod *partner;		/* set by add_producer, cleared by del */
	int stops, starts, adds, dels;
	int fail_add;			/* returned by add_producer */
};

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
	KUNIT_EXPECT_PTR_EQ(tc->test, tc->partner, to_tprod(p));
	tc->partner = NULL;
	tc->dels++;
}

static void tcons_stop(struct irq_bypass_consumer *c)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_STOP);
	tc->stops++;
}

static void tcons_start(struct irq_bypass_consumer *c)
{
	struct tcons *tc = to_tcons(c);

	log_op(tc->log, C_START);
	tc->starts++;
	KUNIT_EXPECT_EQ(tc->test, tc->starts, tc->stops);
}

static void tprod_init(struct kunit *test, struct tprod *tp, void *token,
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

static void tcons_init(struct kunit *test, struct tcons *tc, void *token,
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

static int reg_prod(struct tprod *tp)
{
	return irqbp_test_register_producer(&tp->p, tp->token, tp->irq);
}

static int reg_cons(struct tcons *tc)
{
	return irqbp_test_register_consumer(&tc->c, tc->token);
}

/* Distinct tokens that are never dereferenced, as with an eventfd_ctx. */
static char tokens[1024];
#define TOKEN(i) ((void *)&tokens[(i)])

static void expect_ops(struct kunit *test, const struct oplog *log,
		       const enum op *want, int n)
{
	int i;

	KUNIT_ASSERT_EQ(test, log->n, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, log->ops[i], want[i], "op %d", i);
}

static const enum op connect_ops[] = {
	P_STOP, C_STOP, P_ADD, C_ADD, C_START, P_START,
};

static const enum op disconnect_ops[] = {
	P_STOP, C_STOP, C_DEL, P_DEL, C_START, P_START,
};

/*
 * What the structures record of a registration since v6.17, as the
 * kernel's header documents it: the eventfd (and the producer's irq) while
 * registered, the partner while paired. Up to v6.16 they record nothing:
 * the node is the manager's own.
 */
static void assert_prod_records(struct kunit *test, const struct tprod *tp,
				bool registered, const struct tcons *partner)
{
#ifdef IRQBP_EVENTFD_API
	KUNIT_ASSERT_PTR_EQ(test, tp->p.eventfd, registered ? tp->token : NULL);
	KUNIT_ASSERT_PTR_EQ(test, tp->p.consumer, partner ? &partner->c : NULL);
	if (registered)
		KUNIT_ASSERT_EQ(test, tp->p.irq, tp->irq);
#endif
}

static void assert_cons_records(struct kunit *test, const struct tcons *tc,
				bool registered, const struct tprod *partner)
{
#ifdef IRQBP_EVENTFD_API
	KUNIT_ASSERT_PTR_EQ(test, tc->c.eventfd, registered ? tc->token : NULL);
	KUNIT_ASSERT_PTR_EQ(test, tc->c.producer, partner ? &partner->p : NULL);
#endif
}

static void expect_paired(struct kunit *test, struct tprod *tp,
			  struct tcons *tc)
{
	KUNIT_EXPECT_PTR_EQ(test, tp->partner, tc);
	KUNIT_EXPECT_PTR_EQ(test, tc->partner, tp);
	assert_prod_records(test, tp, true, tc);
	assert_cons_records(test, tc, true, tp);
}

/* Producers and consumers registered, from the manager's counters. */
static long nr_registered(struct kunit *test)
{
	return irqbp_nr_registered();
}

static void invalid_producer(struct kunit *test)
{
	struct tprod tp;

	KUNIT_EXPECT_EQ(test, irqbp_test_register_producer(NULL, TOKEN(0), 1), -EINVAL);
	tprod_init(test, &tp, NULL, 1, NULL);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), -EINVAL);
	assert_prod_records(test, &tp, false, NULL);
	/* Unregistering what was refused, or NULL, is a no-op. */
	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_producer(NULL);
	KUNIT_EXPECT_EQ(test, tp.stops + tp.adds, 0);
}

static void invalid_consumer(struct kunit *test)
{
	struct tcons tc;

	KUNIT_EXPECT_EQ(test, irqbp_test_register_consumer(NULL, TOKEN(0)), -EINVAL);
	tcons_init(test, &tc, NULL, NULL);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);

	tcons_init(test, &tc, TOKEN(0), NULL);
	tc.c.add_producer = NULL;
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);

	tcons_init(test, &tc, TOKEN(0), NULL);
	tc.c.del_producer = NULL;
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);
	assert_cons_records(test, &tc, false, NULL);

	irq_bypass_unregister_consumer(&tc.c);
	irq_bypass_unregister_consumer(NULL);
}

static void connect_producer_first(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;

	tprod_init(test, &tp, TOKEN(1), 10, &log);
	tcons_init(test, &tc, TOKEN(1), &log);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_EXPECT_EQ(test, log.n, 0);
	assert_prod_records(test, &tp, true, NULL);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	expect_ops(test, &log, connect_ops, ARRAY_SIZE(connect_ops));
	expect_paired(test, &tp, &tc);

	log.n = 0;
	irq_bypass_unregister_consumer(&tc.c);
	expect_ops(test, &log, disconnect_ops, ARRAY_SIZE(disconnect_ops));
	assert_cons_records(test, &tc, false, NULL);
	assert_prod_records(test, &tp, true, NULL);
	irq_bypass_unregister_producer(&tp.p);
	assert_prod_records(test, &tp, false, NULL);
	KUNIT_EXPECT_EQ(test, log.n, (int)ARRAY_SIZE(disconnect_ops));
}

static void connect_consumer_first(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;

	tprod_init(test, &tp, TOKEN(2), 11, &log);
	tcons_init(test, &tc, TOKEN(2), &log);

	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_EQ(test, log.n, 0);
	assert_cons_records(test, &tc, true, NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	expect_ops(test, &log, connect_ops, ARRAY_SIZE(connect_ops));
	expect_paired(test, &tp, &tc);

	log.n = 0;
	irq_bypass_unregister_producer(&tp.p);
	expect_ops(test, &log, disconnect_ops, ARRAY_SIZE(disconnect_ops));
	KUNIT_EXPECT_NULL(test, tc.partner);
	assert_prod_records(test, &tp, false, NULL);
	assert_cons_records(test, &tc, true, NULL);
	irq_bypass_unregister_consumer(&tc.c);
	assert_cons_records(test, &tc, false, NULL);
	KUNIT_EXPECT_EQ(test, log.n, (int)ARRAY_SIZE(disconnect_ops));
}

/* Only add_producer and del_producer are required. */
static void optional_callbacks(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;
	static const enum op want[] = { C_ADD, C_DEL };

	tprod_init(test, &tp, TOKEN(3), 12, &log);
	tp.p.add_consumer = NULL;
	tp.p.del_consumer = NULL;
	tp.p.stop = NULL;
	tp.p.start = NULL;
	tcons_init(test, &tc, TOKEN(3), &log);
	tc.c.stop = NULL;
	tc.c.start = NULL;

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_PTR_EQ(test, tc.partner, &tp);
	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_consumer(&tc.c);
	expect_ops(test, &log, want, ARRAY_SIZE(want));
}

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
	long refs = nr_registered(test);
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;
	int ret;

	tprod_init(test, &tp, TOKEN(4), 13, &log);
	tcons_init(test, &tc, TOKEN(4), &log);
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
		expect_ops(test, &log, add_consumer_fails,
			   ARRAY_SIZE(add_consumer_fails));
	else if (fc->has_del_consumer)
		expect_ops(test, &log, add_producer_fails,
			   ARRAY_SIZE(add_producer_fails));
	else
		expect_ops(test, &log, add_producer_fails_no_del,
			   ARRAY_SIZE(add_producer_fails_no_del));
	KUNIT_EXPECT_NULL(test, tc.partner);
	/* Without del_consumer the producer cannot hear of the rollback. */
	KUNIT_EXPECT_PTR_EQ(test, tp.partner,
			    fc->consumer_fails && !fc->has_del_consumer ? &tc : NULL);
	tp.partner = NULL;
	/* Only the surviving registration is left. */
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs + 1);
	assert_prod_records(test, &tp, !fc->producer_last, NULL);
	assert_cons_records(test, &tc, fc->producer_last, NULL);

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
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
}

/* One producer and one consumer per token; the first pair is unaffected. */
static void token_busy(struct kunit *test)
{
	struct tprod tp1, tp2;
	struct tcons tc1, tc2;

	tprod_init(test, &tp1, TOKEN(5), 14, NULL);
	tprod_init(test, &tp2, TOKEN(5), 15, NULL);
	tcons_init(test, &tc1, TOKEN(5), NULL);
	tcons_init(test, &tc2, TOKEN(5), NULL);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc1), 0);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp2), -EBUSY);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc2), -EBUSY);
	KUNIT_EXPECT_EQ(test, tp2.stops + tc2.stops, 0);
	KUNIT_EXPECT_EQ(test, tp1.stops, 1);

	/* The refused ones are not registered: the pair survives them. */
	irq_bypass_unregister_producer(&tp2.p);
	irq_bypass_unregister_consumer(&tc2.c);
	expect_paired(test, &tp1, &tc1);
	KUNIT_EXPECT_EQ(test, tp1.dels + tc1.dels, 0);

	irq_bypass_unregister_producer(&tp1.p);
	irq_bypass_unregister_consumer(&tc1.c);
	KUNIT_EXPECT_EQ(test, tc1.dels, 1);
}

/* The same object cannot be registered twice, whatever its token. */
static void object_busy(struct kunit *test)
{
	long refs = nr_registered(test);
	struct tprod tp;
	struct tcons tc;

	tprod_init(test, &tp, TOKEN(6), 16, NULL);
	tcons_init(test, &tc, TOKEN(7), NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), IRQBP_TEST_ERR_REGISTERED);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), IRQBP_TEST_ERR_REGISTERED);

	tp.token = TOKEN(7);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), IRQBP_TEST_ERR_REGISTERED);
	KUNIT_EXPECT_NULL(test, tc.partner);
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs + 2);
#ifdef IRQBP_EVENTFD_API
	/* The refusal changed nothing the structure records. */
	KUNIT_EXPECT_PTR_EQ(test, tp.p.eventfd, TOKEN(6));
	KUNIT_EXPECT_EQ(test, tp.p.irq, 16);
	KUNIT_EXPECT_NULL(test, tp.p.consumer);
#endif

	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_consumer(&tc.c);
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
}

/*
 * Registrations take no reference on the manager's module: the modules
 * that register pin it already, through the symbols they import.
 */
static void no_module_reference(struct kunit *test)
{
	struct module *manager = NULL;
	struct module_use *use;
	struct tprod tp;
	int refs;

	/* Our usage list is fixed once we are loaded: no lock needed. */
	list_for_each_entry(use, &THIS_MODULE->target_list, target_list)
		if (!strcmp(use->target->name, "irqbypass"))
			manager = use->target;
	KUNIT_ASSERT_NOT_NULL(test, manager);
	refs = module_refcount(manager);

	tprod_init(test, &tp, TOKEN(24), 34, NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_EXPECT_EQ(test, module_refcount(manager), refs);
	irq_bypass_unregister_producer(&tp.p);
	KUNIT_EXPECT_EQ(test, module_refcount(manager), refs);
}

/*
 * Unregistration is by identity: an unregistered object with a registered
 * object's token must not remove it (the upstream 6.1 manager looks up by
 * token and unlinks the wrong node).
 */
static void unregister_by_identity(struct kunit *test)
{
	struct tprod tp, stranger;
	struct tcons tc, cstranger;

	tprod_init(test, &tp, TOKEN(8), 17, NULL);
	tprod_init(test, &stranger, TOKEN(8), 18, NULL);
	tcons_init(test, &tc, TOKEN(8), NULL);
	tcons_init(test, &cstranger, TOKEN(8), NULL);
#ifndef IRQBP_EVENTFD_API
	/* Strangers that carry the token, never registered. */
	stranger.p.token = TOKEN(8);
	cstranger.c.token = TOKEN(8);
#endif

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);

	irq_bypass_unregister_producer(&stranger.p);
	irq_bypass_unregister_consumer(&cstranger.c);
	expect_paired(test, &tp, &tc);
	KUNIT_EXPECT_EQ(test, tp.stops, 1);

#ifndef IRQBP_EVENTFD_API
	/* A producer is found even if its token changed after registration. */
	tp.p.token = TOKEN(9);
#endif
	irq_bypass_unregister_producer(&tp.p);
	KUNIT_EXPECT_NULL(test, tc.partner);
	KUNIT_EXPECT_EQ(test, tc.dels, 1);

	/* A second unregistration is a no-op. */
	irq_bypass_unregister_producer(&tp.p);
	KUNIT_EXPECT_EQ(test, tc.stops, 2);
	irq_bypass_unregister_consumer(&tc.c);
	irq_bypass_unregister_consumer(&tc.c);
	KUNIT_EXPECT_EQ(test, tc.dels, 1);
}

/* After either side leaves, a newcomer pairs with the one that stayed. */
static void repair_after_unregister(struct kunit *test)
{
	struct tprod tp1, tp2;
	struct tcons tc1, tc2;

	tprod_init(test, &tp1, TOKEN(10), 19, NULL);
	tprod_init(test, &tp2, TOKEN(10), 20, NULL);
	tcons_init(test, &tc1, TOKEN(10), NULL);
	tcons_init(test, &tc2, TOKEN(10), NULL);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc1), 0);
	irq_bypass_unregister_producer(&tp1.p);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp2), 0);
	expect_paired(test, &tp2, &tc1);

	irq_bypass_unregister_consumer(&tc1.c);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc2), 0);
	expect_paired(test, &tp2, &tc2);

	/* The first producer may come back once the token is free again. */
	irq_bypass_unregister_producer(&tp2.p);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	expect_paired(test, &tp1, &tc2);

	irq_bypass_unregister_consumer(&tc2.c);
	irq_bypass_unregister_producer(&tp1.p);
	KUNIT_EXPECT_EQ(test, tp1.adds, 2);
	KUNIT_EXPECT_EQ(test, tp1.dels, 2);
	KUNIT_EXPECT_EQ(test, tc2.adds, 2);
	KUNIT_EXPECT_EQ(test, tc2.dels, 2);
}

#define MANY 1000

static void many_tokens(struct kunit *test)
{
	long refs = nr_registered(test);
	struct tprod *tp;
	struct tcons *tc;
	int i;

	tp = kunit_kcalloc(test, MANY, sizeof(*tp), GFP_KERNEL);
	tc = kunit_kcalloc(test, MANY, sizeof(*tc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, tc);

	/* Even tokens: producer first; odd tokens: consumer first. */
	for (i = 0; i < MANY; i++) {
		tprod_init(test, &tp[i], TOKEN(i), 100 + i, NULL);
		tcons_init(test, &tc[i], TOKEN(i), NULL);
		if (i % 2)
			KUNIT_ASSERT_EQ(test, reg_cons(&tc[i]), 0);
		else
			KUNIT_ASSERT_EQ(test, reg_prod(&tp[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs + MANY);
	for (i = 0; i < MANY; i++) {
		if (i % 2)
			KUNIT_ASSERT_EQ(test, reg_prod(&tp[i]), 0);
		else
			KUNIT_ASSERT_EQ(test, reg_cons(&tc[i]), 0);
	}
	for (i = 0; i < MANY; i++)
		expect_paired(test, &tp[i], &tc[i]);

	for (i = 0; i < MANY; i++) {
		irq_bypass_unregister_producer(&tp[i].p);
		irq_bypass_unregister_consumer(&tc[i].c);
		KUNIT_EXPECT_EQ(test, tp[i].dels, 1);
		KUNIT_EXPECT_EQ(test, tc[i].dels, 1);
	}
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
}

/* A thread that registers, or unregisters, a consumer. */
struct registrar {
	struct task_struct *task;
	struct tcons *tc;
	bool unregister;
	int ret;
	struct completion done;
};

static int registrar_fn(void *data)
{
	struct registrar *r = data;

	if (r->unregister)
		irq_bypass_unregister_consumer(&r->tc->c);
	else
		r->ret = reg_cons(r->tc);
	complete(&r->done);
	return 0;
}

static void registrar_run(struct kunit *test, struct registrar *r,
			  struct tcons *tc, bool unregister)
{
	r->tc = tc;
	r->unregister = unregister;
	r->ret = 0;
	init_completion(&r->done);
	r->task = kthread_run(registrar_fn, r, "irqbp-kunit");
	KUNIT_EXPECT_FALSE(test, IS_ERR(r->task));
	if (IS_ERR(r->task)) {
		r->ret = PTR_ERR(r->task);
		complete(&r->done);
	}
}

static void registrar_start(struct kunit *test, struct registrar *r,
			    struct tcons *tc)
{
	registrar_run(test, r, tc, false);
}

static void unregistrar_start(struct kunit *test, struct registrar *r,
			      struct tcons *tc)
{
	registrar_run(test, r, tc, true);
}

/*
 * Callbacks run under the token's lock only: while a connect on one token
 * sleeps in a callback, a registration on another token completes, and a
 * registration on the same token waits for it.
 */
static void concurrent_tokens(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(block);
	DECLARE_COMPLETION_ONSTACK(entered);
	struct registrar slow, same, other;
	struct tprod tpa, tpb;
	struct tcons tca, tca2, tcb;
	unsigned long other_done;

	tprod_init(test, &tpa, TOKEN(20), 30, NULL);
	tcons_init(test, &tca, TOKEN(20), NULL);
	tcons_init(test, &tca2, TOKEN(20), NULL);
	tprod_init(test, &tpb, TOKEN(21), 31, NULL);
	tcons_init(test, &tcb, TOKEN(21), NULL);
	tpa.block = &block;
	tpa.entered = &entered;

	KUNIT_ASSERT_EQ(test, reg_prod(&tpa), 0);
	KUNIT_ASSERT_EQ(test, reg_prod(&tpb), 0);

	/* No assertion may leave a thread blocked: only expectations here. */
	registrar_start(test, &slow, &tca);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&entered, 10 * HZ), 0);

	registrar_start(test, &same, &tca2);
	registrar_start(test, &other, &tcb);
	other_done = wait_for_completion_timeout(&other.done, 10 * HZ);
	KUNIT_EXPECT_NE(test, other_done, 0);
	KUNIT_EXPECT_EQ(test, other.ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, tpb.partner, &tcb);

	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&same.done));

	complete(&block);
	wait_for_completion(&slow.done);
	wait_for_completion(&same.done);
	if (!other_done)
		wait_for_completion(&other.done);
	KUNIT_EXPECT_EQ(test, slow.ret, 0);
	KUNIT_EXPECT_EQ(test, same.ret, -EBUSY);
	expect_paired(test, &tpa, &tca);

	irq_bypass_unregister_consumer(&tca.c);
	irq_bypass_unregister_consumer(&tcb.c);
	irq_bypass_unregister_producer(&tpa.p);
	irq_bypass_unregister_producer(&tpb.p);
}

/*
 * An unregistration that races with the registration of the same object
 * waits for it, as the stock manager's global mutex makes it, and then
 * undoes it: it must not return at once and leave the object registered
 * (and connected) after its caller believes it gone.
 */
static void unregister_waits_for_registration(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(block);
	DECLARE_COMPLETION_ONSTACK(entered);
	struct registrar reg, unreg;
	struct tprod tp;
	struct tcons tc;

	tprod_init(test, &tp, TOKEN(22), 32, NULL);
	tcons_init(test, &tc, TOKEN(22), NULL);
	tp.block = &block;
	tp.entered = &entered;
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);

	/* Only expectations while a thread may be blocked. */
	registrar_start(test, &reg, &tc);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&entered, 10 * HZ), 0);
	unregistrar_start(test, &unreg, &tc);
	msleep(50);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&unreg.done),
			       "unregistration returned while the registration was running");

	complete(&block);
	wait_for_completion(&reg.done);
	wait_for_completion(&unreg.done);
	KUNIT_EXPECT_EQ(test, reg.ret, 0);
	KUNIT_EXPECT_NULL(test, tc.partner);
	KUNIT_EXPECT_NULL(test, tp.partner);
	KUNIT_EXPECT_EQ(test, tc.dels, 1);
	KUNIT_EXPECT_EQ(test, tc.stops, tc.starts);

	/* Clean up after a manager that left the consumer registered. */
	irq_bypass_unregister_consumer(&tc.c);
	irq_bypass_unregister_producer(&tp.p);
	KUNIT_EXPECT_EQ(test, tc.dels, 1);
}

/*
 * A second unregistration of an object that is being unregistered returns
 * only once the first has finished: after it returns, no callback of the
 * manager's is running on the object.
 */
static void unregister_waits_for_unregistration(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(block);
	DECLARE_COMPLETION_ONSTACK(entered);
	struct registrar first, second;
	struct tprod tp;
	struct tcons tc;

	tprod_init(test, &tp, TOKEN(23), 33, NULL);
	tcons_init(test, &tc, TOKEN(23), NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	tp.del_block = &block;
	tp.del_entered = &entered;

	unregistrar_start(test, &first, &tc);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&entered, 10 * HZ), 0);
	unregistrar_start(test, &second, &tc);
	msleep(50);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&second.done),
			       "second unregistration returned during the first");

	complete(&block);
	wait_for_completion(&first.done);
	wait_for_completion(&second.done);
	KUNIT_EXPECT_NULL(test, tc.partner);
	KUNIT_EXPECT_EQ(test, tc.dels, 1);
	KUNIT_EXPECT_EQ(test, tp.dels, 1);
	KUNIT_EXPECT_EQ(test, tp.stops, tp.starts);

	tp.del_block = NULL;
	irq_bypass_unregister_producer(&tp.p);
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
	long refs = nr_registered(test);
	struct tprod *tp;
	int *ret;
	bool injected;
	int i;

	tp = kunit_kcalloc(test, GROW, sizeof(*tp), GFP_KERNEL);
	ret = kunit_kcalloc(test, GROW, sizeof(*ret), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, ret);
	for (i = 0; i < GROW; i++)
		tprod_init(test, &tp[i], TOKEN(i), 300 + i, NULL);

	current->fail_nth = 1;
	for (i = 0; i < GROW; i++)
		ret[i] = reg_prod(&tp[i]);
	injected = !current->fail_nth;
	current->fail_nth = 0;

	KUNIT_EXPECT_FALSE_MSG(test, injected,
			       "a registration made an allocation that cannot sleep");
	for (i = 0; i < GROW; i++)
		KUNIT_EXPECT_EQ_MSG(test, ret[i], 0, "registration %d", i);
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs + GROW);

	for (i = 0; i < GROW; i++)
		if (!ret[i])
			irq_bypass_unregister_producer(&tp[i].p);
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
#else
	kunit_skip(test, "needs CONFIG_FAILSLAB");
#endif
}

/*
 * Randomized register/unregister of producers and consumers over a few
 * tokens, with injected callback failures, checked after every operation
 * against a model: which object holds each token, and who is paired. An
 * object keeps the failure it was given at its last registration attempt,
 * and a connect fails with the producer's error before the consumer's.
 */
#define STRESS_OPS 20000
#define STRESS_TOKENS 8
#define STRESS_OBJS 12

struct stress_model {
	int prod_of[STRESS_TOKENS];	/* registered producer index or -1 */
	int cons_of[STRESS_TOKENS];
	int prod_token[STRESS_OBJS];	/* token of a registered one, or -1 */
	int cons_token[STRESS_OBJS];
};

static void stress_check(struct kunit *test, const struct stress_model *m,
			 struct tprod *tp, struct tcons *tc)
{
	int i, t;

	for (i = 0; i < STRESS_OBJS; i++) {
		struct tcons *want_c = NULL;
		struct tprod *want_p = NULL;

		t = m->prod_token[i];
		if (t >= 0 && m->cons_of[t] >= 0)
			want_c = &tc[m->cons_of[t]];
		KUNIT_ASSERT_PTR_EQ(test, tp[i].partner, want_c);
		KUNIT_ASSERT_EQ(test, tp[i].stops, tp[i].starts);
		assert_prod_records(test, &tp[i], t >= 0, want_c);

		t = m->cons_token[i];
		if (t >= 0 && m->prod_of[t] >= 0)
			want_p = &tp[m->prod_of[t]];
		KUNIT_ASSERT_PTR_EQ(test, tc[i].partner, want_p);
		KUNIT_ASSERT_EQ(test, tc[i].stops, tc[i].starts);
		assert_cons_records(test, &tc[i], t >= 0, want_p);
	}
}

static void random_stress(struct kunit *test)
{
	long refs = nr_registered(test), live = 0;
	struct rnd_state rnd;
	struct stress_model *m;
	struct tprod *tp;
	struct tcons *tc;
	int n, i, t, want, ret;

	tp = kunit_kcalloc(test, STRESS_OBJS, sizeof(*tp), GFP_KERNEL);
	tc = kunit_kcalloc(test, STRESS_OBJS, sizeof(*tc), GFP_KERNEL);
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, tc);
	KUNIT_ASSERT_NOT_NULL(test, m);
	memset(m, 0xff, sizeof(*m));	/* all -1 */
	for (i = 0; i < STRESS_OBJS; i++) {
		tprod_init(test, &tp[i], NULL, 200 + i, NULL);
		tcons_init(test, &tc[i], NULL, NULL);
	}
	prandom_seed_state(&rnd, 0x1bc0de);

	for (n = 0; n < STRESS_OPS; n++) {
		u32 r = prandom_u32_state(&rnd);
		bool producer = r & 1;
		bool reg = r & 2;
		bool fail = (r >> 2) % 8 == 0;

		i = (r >> 8) % STRESS_OBJS;
		t = (r >> 16) % STRESS_TOKENS;

		if (producer && reg) {
			if (m->prod_token[i] < 0)
				tp[i].token = TOKEN(100 + t);
			else
				t = m->prod_token[i];
			tp[i].fail_add = fail ? -EIO : 0;
			if (m->prod_token[i] >= 0)
				want = IRQBP_TEST_ERR_REGISTERED;
			else if (m->prod_of[t] >= 0)
				want = -EBUSY;
			else if (m->cons_of[t] >= 0)
				want = tp[i].fail_add ?: tc[m->cons_of[t]].fail_add;
			else
				want = 0;
			ret = reg_prod(&tp[i]);
			KUNIT_ASSERT_EQ_MSG(test, ret, want, "op %d", n);
			if (!ret) {
				m->prod_token[i] = t;
				m->prod_of[t] = i;
				live++;
			}
		} else if (producer) {
			t = m->prod_token[i];
			irq_bypass_unregister_producer(&tp[i].p);
			if (t >= 0) {
				m->prod_of[t] = -1;
				m->prod_token[i] = -1;
				live--;
			}
		} else if (reg) {
			if (m->cons_token[i] < 0)
				tc[i].token = TOKEN(100 + t);
			else
				t = m->cons_token[i];
			tc[i].fail_add = fail ? -ENXIO : 0;
			if (m->cons_token[i] >= 0)
				want = IRQBP_TEST_ERR_REGISTERED;
			else if (m->cons_of[t] >= 0)
				want = -EBUSY;
			else if (m->prod_of[t] >= 0)
				want = tp[m->prod_of[t]].fail_add ?: tc[i].fail_add;
			else
				want = 0;
			ret = reg_cons(&tc[i]);
			KUNIT_ASSERT_EQ_MSG(test, ret, want, "op %d", n);
			if (!ret) {
				m->cons_token[i] = t;
				m->cons_of[t] = i;
				live++;
			}
		} else {
			t = m->cons_token[i];
			irq_bypass_unregister_consumer(&tc[i].c);
			if (t >= 0) {
				m->cons_of[t] = -1;
				m->cons_token[i] = -1;
				live--;
			}
		}
		stress_check(test, m, tp, tc);
		KUNIT_ASSERT_EQ_MSG(test, nr_registered(test), refs + live,
				    "op %d", n);
	}

	for (i = 0; i < STRESS_OBJS; i++) {
		irq_bypass_unregister_producer(&tp[i].p);
		irq_bypass_unregister_consumer(&tc[i].c);
	}
	KUNIT_EXPECT_EQ(test, nr_registered(test), refs);
	kunit_info(test, "%d random operations matched the model (%s)\n", n,
		   IRQBP_TEST_API);
}

static struct kunit_case irqbypass_cases[] = {
	KUNIT_CASE(invalid_producer),
	KUNIT_CASE(invalid_consumer),
	KUNIT_CASE(connect_producer_first),
	KUNIT_CASE(connect_consumer_first),
	KUNIT_CASE(optional_callbacks),
	KUNIT_CASE_PARAM(connect_fails, connect_fail_gen_params),
	KUNIT_CASE(token_busy),
	KUNIT_CASE(object_busy),
	KUNIT_CASE(no_module_reference),
	KUNIT_CASE(unregister_by_identity),
	KUNIT_CASE(repair_after_unregister),
	KUNIT_CASE(many_tokens),
	KUNIT_CASE(concurrent_tokens),
	KUNIT_CASE(unregister_waits_for_registration),
	KUNIT_CASE(unregister_waits_for_unregistration),
	KUNIT_CASE(registration_never_allocates_atomically),
	KUNIT_CASE(random_stress),
	{}
};

static struct kunit_suite irqbypass_suite = {
	.name = "irqbypass",
	.test_cases = irqbypass_cases,
};

kunit_test_suite(irqbypass_suite);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("KUnit tests for the IRQ bypass manager");
