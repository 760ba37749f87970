// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite irqbypass_rules: the manager's rules, one case each, as its
 * users see them through the four exported functions and the callbacks:
 * bad input, both orders of registration, optional callbacks, busy tokens
 * (and the refusal naming their holder) and objects, unregistration by
 * identity, re-pairing, no module reference. Documentation/manager.md
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

#include <irqbypass/compat.h>

#include "../internal.h"
#include "../trace.h"
#include "participants.h"

static void invalid_producer(struct kunit *test)
{
	struct tprod tp;

	KUNIT_EXPECT_EQ(test, irqbp_test_register_producer(NULL, TOKEN(0), 1), -EINVAL);
	irqbp_tprod_init(test, &tp, NULL, 1, NULL);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), -EINVAL);
	irqbp_assert_prod_records(test, &tp, false, NULL);
	/* Unregistering what was refused, or NULL, is a no-op. */
	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_producer(NULL);
	KUNIT_EXPECT_EQ(test, tp.stops + tp.adds, 0);
}

static void invalid_consumer(struct kunit *test)
{
	struct tcons tc;

	KUNIT_EXPECT_EQ(test, irqbp_test_register_consumer(NULL, TOKEN(0)), -EINVAL);
	irqbp_tcons_init(test, &tc, NULL, NULL);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);

	irqbp_tcons_init(test, &tc, TOKEN(0), NULL);
	tc.c.add_producer = NULL;
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);

	irqbp_tcons_init(test, &tc, TOKEN(0), NULL);
	tc.c.del_producer = NULL;
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), -EINVAL);
	irqbp_assert_cons_records(test, &tc, false, NULL);

	irq_bypass_unregister_consumer(&tc.c);
	irq_bypass_unregister_consumer(NULL);
}

static void connect_producer_first(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;

	irqbp_tprod_init(test, &tp, TOKEN(1), 10, &log);
	irqbp_tcons_init(test, &tc, TOKEN(1), &log);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_EXPECT_EQ(test, log.n, 0);
	irqbp_assert_prod_records(test, &tp, true, NULL);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	irqbp_expect_ops(test, &log, connect_ops, ARRAY_SIZE(connect_ops));
	irqbp_expect_paired(test, &tp, &tc);

	log.n = 0;
	irq_bypass_unregister_consumer(&tc.c);
	irqbp_expect_ops(test, &log, disconnect_ops, ARRAY_SIZE(disconnect_ops));
	irqbp_assert_cons_records(test, &tc, false, NULL);
	irqbp_assert_prod_records(test, &tp, true, NULL);
	irq_bypass_unregister_producer(&tp.p);
	irqbp_assert_prod_records(test, &tp, false, NULL);
	KUNIT_EXPECT_EQ(test, log.n, (int)ARRAY_SIZE(disconnect_ops));
}

static void connect_consumer_first(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;

	irqbp_tprod_init(test, &tp, TOKEN(2), 11, &log);
	irqbp_tcons_init(test, &tc, TOKEN(2), &log);

	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_EQ(test, log.n, 0);
	irqbp_assert_cons_records(test, &tc, true, NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	irqbp_expect_ops(test, &log, connect_ops, ARRAY_SIZE(connect_ops));
	irqbp_expect_paired(test, &tp, &tc);

	log.n = 0;
	irq_bypass_unregister_producer(&tp.p);
	irqbp_expect_ops(test, &log, disconnect_ops, ARRAY_SIZE(disconnect_ops));
	KUNIT_EXPECT_NULL(test, tc.partner);
	irqbp_assert_prod_records(test, &tp, false, NULL);
	irqbp_assert_cons_records(test, &tc, true, NULL);
	irq_bypass_unregister_consumer(&tc.c);
	irqbp_assert_cons_records(test, &tc, false, NULL);
	KUNIT_EXPECT_EQ(test, log.n, (int)ARRAY_SIZE(disconnect_ops));
}

/* Only add_producer and del_producer are required. */
static void optional_callbacks(struct kunit *test)
{
	struct oplog log = {};
	struct tprod tp;
	struct tcons tc;
	static const enum op want[] = { C_ADD, C_DEL };

	irqbp_tprod_init(test, &tp, TOKEN(3), 12, &log);
	tp.p.add_consumer = NULL;
	tp.p.del_consumer = NULL;
	tp.p.stop = NULL;
	tp.p.start = NULL;
	irqbp_tcons_init(test, &tc, TOKEN(3), &log);
	tc.c.stop = NULL;
	tc.c.start = NULL;

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_PTR_EQ(test, tc.partner, &tp);
	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_consumer(&tc.c);
	irqbp_expect_ops(test, &log, want, ARRAY_SIZE(want));
}

/* One producer and one consumer per token; the first pair is unaffected. */
static void token_busy(struct kunit *test)
{
	struct tprod tp1, tp2;
	struct tcons tc1, tc2;

	irqbp_tprod_init(test, &tp1, TOKEN(5), 14, NULL);
	irqbp_tprod_init(test, &tp2, TOKEN(5), 15, NULL);
	irqbp_tcons_init(test, &tc1, TOKEN(5), NULL);
	irqbp_tcons_init(test, &tc2, TOKEN(5), NULL);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc1), 0);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp2), -EBUSY);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc2), -EBUSY);
	KUNIT_EXPECT_EQ(test, tp2.stops + tc2.stops, 0);
	KUNIT_EXPECT_EQ(test, tp1.stops, 1);

	/* The refused ones are not registered: the pair survives them. */
	irq_bypass_unregister_producer(&tp2.p);
	irq_bypass_unregister_consumer(&tc2.c);
	irqbp_expect_paired(test, &tp1, &tc1);
	KUNIT_EXPECT_EQ(test, tp1.dels + tc1.dels, 0);

	irq_bypass_unregister_producer(&tp1.p);
	irq_bypass_unregister_consumer(&tc1.c);
	KUNIT_EXPECT_EQ(test, tc1.dels, 1);
}

/* What an irqbypass_refused event said. */
struct refusal {
	int n;
	const void *token;
	const void *object;
	const void *holder;
	unsigned int side;
	int pid;
	char comm[TASK_COMM_LEN];
};

static void on_refused(void *data, const void *token, const void *object,
		       const void *holder, unsigned int side, int holder_pid,
		       const char *holder_comm)
{
	struct refusal *r = data;

	r->n++;
	r->token = token;
	r->object = object;
	r->holder = holder;
	r->side = side;
	r->pid = holder_pid;
	strscpy(r->comm, holder_comm, sizeof(r->comm));
}

/* Another process, which registers a consumer and leaves it registered. */
struct holder {
	struct tcons *tc;
	int ret;
	pid_t pid;
	struct completion done;
};

static int holder_fn(void *data)
{
	struct holder *h = data;

	h->pid = task_tgid_nr(current);
	h->ret = reg_cons(h->tc);
	complete(&h->done);
	return 0;
}

/*
 * A refusal names the holder of the token and the process that registered
 * it: a VMM that did not let go of a token is told who has it.
 */
static void refusal_names_the_holder(struct kunit *test)
{
	struct refusal r = {};
	struct task_struct *task;
	struct tcons held, late;
	struct holder h;

	irqbp_tcons_init(test, &held, TOKEN(30), NULL);
	irqbp_tcons_init(test, &late, TOKEN(30), NULL);
	h.tc = &held;
	init_completion(&h.done);
	task = kthread_run(holder_fn, &h, "irqbp-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&h.done);
	KUNIT_ASSERT_EQ(test, h.ret, 0);

	KUNIT_ASSERT_EQ(test, register_trace_irqbypass_refused(on_refused, &r), 0);
	KUNIT_EXPECT_EQ(test, reg_cons(&late), -EBUSY);
	unregister_trace_irqbypass_refused(on_refused, &r);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, r.n, 1);
	KUNIT_EXPECT_PTR_EQ(test, r.token, TOKEN(30));
	KUNIT_EXPECT_PTR_EQ(test, r.object, &late.c);
	KUNIT_EXPECT_PTR_EQ(test, r.holder, &held.c);
	KUNIT_EXPECT_EQ(test, r.side, IRQBYPASS_SIDE_CONSUMER);
	KUNIT_EXPECT_EQ(test, r.pid, h.pid);
	KUNIT_EXPECT_STREQ(test, r.comm, "irqbp-holder");

	irq_bypass_unregister_consumer(&held.c);
	KUNIT_EXPECT_EQ(test, reg_cons(&late), 0);
	irq_bypass_unregister_consumer(&late.c);
}

/* The same object cannot be registered twice, whatever its token. */
static void object_busy(struct kunit *test)
{
	long refs = irqbp_nr_registered();
	struct tprod tp;
	struct tcons tc;

	irqbp_tprod_init(test, &tp, TOKEN(6), 16, NULL);
	irqbp_tcons_init(test, &tc, TOKEN(7), NULL);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), IRQBP_TEST_ERR_REGISTERED);
	KUNIT_EXPECT_EQ(test, reg_cons(&tc), IRQBP_TEST_ERR_REGISTERED);

	tp.token = TOKEN(7);
	KUNIT_EXPECT_EQ(test, reg_prod(&tp), IRQBP_TEST_ERR_REGISTERED);
	KUNIT_EXPECT_NULL(test, tc.partner);
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs + 2);
#ifdef IRQBP_EVENTFD_API
	/* The refusal changed nothing the structure records. */
	KUNIT_EXPECT_PTR_EQ(test, tp.p.eventfd, TOKEN(6));
	KUNIT_EXPECT_EQ(test, tp.p.irq, 16);
	KUNIT_EXPECT_NULL(test, tp.p.consumer);
#endif

	irq_bypass_unregister_producer(&tp.p);
	irq_bypass_unregister_consumer(&tc.c);
	KUNIT_EXPECT_EQ(test, irqbp_nr_registered(), refs);
}

/*
 * Registrations take no reference on the manager's module: the modules
 * that register pin it already, through the symbols they import.
 */
static void no_module_reference(struct kunit *test)
{
	struct module *manager = irqbp_module();
	struct tprod tp;
	int refs;

	if (!manager)
		kunit_skip(test, "the manager is built into the kernel");
	KUNIT_ASSERT_STREQ(test, module_name(manager), "irqbypass");
	refs = module_refcount(manager);

	irqbp_tprod_init(test, &tp, TOKEN(24), 34, NULL);
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

	irqbp_tprod_init(test, &tp, TOKEN(8), 17, NULL);
	irqbp_tprod_init(test, &stranger, TOKEN(8), 18, NULL);
	irqbp_tcons_init(test, &tc, TOKEN(8), NULL);
	irqbp_tcons_init(test, &cstranger, TOKEN(8), NULL);
#ifndef IRQBP_EVENTFD_API
	/* Strangers that carry the token, never registered. */
	stranger.p.token = TOKEN(8);
	cstranger.c.token = TOKEN(8);
#endif

	KUNIT_ASSERT_EQ(test, reg_prod(&tp), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc), 0);

	irq_bypass_unregister_producer(&stranger.p);
	irq_bypass_unregister_consumer(&cstranger.c);
	irqbp_expect_paired(test, &tp, &tc);
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

	irqbp_tprod_init(test, &tp1, TOKEN(10), 19, NULL);
	irqbp_tprod_init(test, &tp2, TOKEN(10), 20, NULL);
	irqbp_tcons_init(test, &tc1, TOKEN(10), NULL);
	irqbp_tcons_init(test, &tc2, TOKEN(10), NULL);

	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc1), 0);
	irq_bypass_unregister_producer(&tp1.p);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp2), 0);
	irqbp_expect_paired(test, &tp2, &tc1);

	irq_bypass_unregister_consumer(&tc1.c);
	KUNIT_ASSERT_EQ(test, reg_cons(&tc2), 0);
	irqbp_expect_paired(test, &tp2, &tc2);

	/* The first producer may come back once the token is free again. */
	irq_bypass_unregister_producer(&tp2.p);
	KUNIT_ASSERT_EQ(test, reg_prod(&tp1), 0);
	irqbp_expect_paired(test, &tp1, &tc2);

	irq_bypass_unregister_consumer(&tc2.c);
	irq_bypass_unregister_producer(&tp1.p);
	KUNIT_EXPECT_EQ(test, tp1.adds, 2);
	KUNIT_EXPECT_EQ(test, tp1.dels, 2);
	KUNIT_EXPECT_EQ(test, tc2.adds, 2);
	KUNIT_EXPECT_EQ(test, tc2.dels, 2);
}

static struct kunit_case irqbypass_rules_cases[] = {
	KUNIT_CASE(invalid_producer),
	KUNIT_CASE(invalid_consumer),
	KUNIT_CASE(connect_producer_first),
	KUNIT_CASE(connect_consumer_first),
	KUNIT_CASE(optional_callbacks),
	KUNIT_CASE(token_busy),
	KUNIT_CASE(refusal_names_the_holder),
	KUNIT_CASE(object_busy),
	KUNIT_CASE(no_module_reference),
	KUNIT_CASE(unregister_by_identity),
	KUNIT_CASE(repair_after_unregister),
	{}
};

static struct kunit_suite irqbypass_rules_suite = {
	.name = "irqbypass_rules",
	.test_cases = irqbypass_rules_cases,
};

kunit_test_suite(irqbypass_rules_suite);

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);
MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("KUnit tests for the IRQ bypass manager");
