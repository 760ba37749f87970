// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite irqbypass_concurrency: callbacks run under their token's
 * lock only, so registrations on other tokens go on while one sleeps; an
 * unregistration racing a registration or an unregistration of the same
 * object waits for it; with arm64's rule, connects and disconnects wait
 * for each other, whatever their tokens. Documentation/manager.md
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "../internal.h"
#include "participants.h"

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

	irqbp_tprod_init(test, &tpa, TOKEN(20), 30, NULL);
	irqbp_tcons_init(test, &tca, TOKEN(20), NULL);
	irqbp_tcons_init(test, &tca2, TOKEN(20), NULL);
	irqbp_tprod_init(test, &tpb, TOKEN(21), 31, NULL);
	irqbp_tcons_init(test, &tcb, TOKEN(21), NULL);
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
	irqbp_expect_paired(test, &tpa, &tca);

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

	irqbp_tprod_init(test, &tp, TOKEN(22), 32, NULL);
	irqbp_tcons_init(test, &tc, TOKEN(22), NULL);
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

	irqbp_tprod_init(test, &tp, TOKEN(23), 33, NULL);
	irqbp_tcons_init(test, &tc, TOKEN(23), NULL);
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

#define VM_PAIRS	4
#define VM_ROUNDS	5

/* One of a VM's eventfds, paired and unpaired again by a thread of its own. */
struct vm_pairing {
	struct tprod tp;
	struct tcons tc;
	struct completion *go;
	struct completion done;
	int ret;
};

static int vm_pairing_fn(void *data)
{
	struct vm_pairing *v = data;
	int i;

	wait_for_completion(v->go);
	for (i = 0; i < VM_ROUNDS && !v->ret; i++) {
		v->ret = reg_prod(&v->tp);
		if (v->ret)
			break;
		v->ret = reg_cons(&v->tc);
		if (v->ret) {
			irq_bypass_unregister_producer(&v->tp.p);
			break;
		}
		/* Disconnected by either side in turn. */
		if (i % 2) {
			irq_bypass_unregister_producer(&v->tp.p);
			irq_bypass_unregister_consumer(&v->tc.c);
		} else {
			irq_bypass_unregister_consumer(&v->tc.c);
			irq_bypass_unregister_producer(&v->tp.p);
		}
	}
	complete(&v->done);
	return 0;
}

/*
 * VM_PAIRS threads connect and disconnect, VM_ROUNDS times, a pair each on
 * tokens of their own from @base, whose consumers pause one VM; their
 * add_producer and del_producer sleep, so that another thread runs while
 * one is in its handshake. Returns the stops that found the VM paused.
 */
static int vm_pairings(struct kunit *test, bool serialized, int base)
{
	DECLARE_COMPLETION_ONSTACK(go);
	struct task_struct *task;
	struct vm_pairing *v;
	struct tvm vm;
	int i;

	v = kunit_kcalloc(test, VM_PAIRS, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	atomic_set(&vm.paused, 0);
	atomic_set(&vm.nested, 0);
	irqbp_set_handshakes_serialized(serialized);

	for (i = 0; i < VM_PAIRS; i++) {
		irqbp_tprod_init(test, &v[i].tp, TOKEN(base + i), 40 + i, NULL);
		irqbp_tcons_init(test, &v[i].tc, TOKEN(base + i), NULL);
		v[i].tc.vm = &vm;
		v[i].tc.sleep_us = 1000;
		v[i].go = &go;
		init_completion(&v[i].done);
		task = kthread_run(vm_pairing_fn, &v[i], "irqbp-kunit-vm");
		KUNIT_EXPECT_FALSE(test, IS_ERR(task));
		if (IS_ERR(task))
			complete(&v[i].done);
	}
	complete_all(&go);
	for (i = 0; i < VM_PAIRS; i++) {
		wait_for_completion(&v[i].done);
		KUNIT_EXPECT_EQ(test, v[i].ret, 0);
		KUNIT_EXPECT_EQ(test, v[i].tc.adds, VM_ROUNDS);
		KUNIT_EXPECT_EQ(test, v[i].tc.dels, VM_ROUNDS);
		KUNIT_EXPECT_EQ(test, v[i].tc.stops, v[i].tc.starts);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&vm.paused), 0);
	return atomic_read(&vm.nested);
}

/*
 * With arm64's rule, the handshakes of pairs on different tokens never
 * interleave: a consumer's stop never comes while another pair of the VM
 * is between its stop and its start.
 */
static void vm_handshakes_serialized(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, vm_pairings(test, true, 50), 0,
			    "a consumer's stop came while another handshake had the VM paused");
}

/*
 * Elsewhere (x86, whose KVM's stop and start do nothing), they do: this
 * shows the check above can see an interleaving, and that the concurrency
 * is kept where it is safe.
 */
static void vm_handshakes_concurrent(struct kunit *test)
{
	int nested = vm_pairings(test, false, 60);

	kunit_info(test, "%d of %d consumer stops found the VM paused\n",
		   nested, 2 * VM_PAIRS * VM_ROUNDS);
	KUNIT_EXPECT_GT_MSG(test, nested, 0,
			    "no two handshakes on different tokens overlapped");
}

/*
 * With arm64's rule only handshakes wait for each other: while a connect
 * sleeps in a callback, a registration on another token that has no
 * partner completes, and one that connects waits.
 */
static void serialized_registrations_go_on(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(block);
	DECLARE_COMPLETION_ONSTACK(entered);
	struct registrar slow, lone, pairing;
	struct tprod tpa, tpc;
	struct tcons tca, tcb, tcc;
	unsigned long lone_done;

	irqbp_set_handshakes_serialized(true);
	irqbp_tprod_init(test, &tpa, TOKEN(70), 70, NULL);
	irqbp_tcons_init(test, &tca, TOKEN(70), NULL);
	irqbp_tcons_init(test, &tcb, TOKEN(71), NULL);
	irqbp_tprod_init(test, &tpc, TOKEN(72), 72, NULL);
	irqbp_tcons_init(test, &tcc, TOKEN(72), NULL);
	tpa.block = &block;
	tpa.entered = &entered;
	KUNIT_ASSERT_EQ(test, reg_prod(&tpa), 0);
	KUNIT_ASSERT_EQ(test, reg_prod(&tpc), 0);

	/* Only expectations while a thread may be blocked. */
	registrar_start(test, &slow, &tca);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&entered, 10 * HZ), 0);
	registrar_start(test, &lone, &tcb);
	registrar_start(test, &pairing, &tcc);
	lone_done = wait_for_completion_timeout(&lone.done, 10 * HZ);
	KUNIT_EXPECT_NE(test, lone_done, 0);
	KUNIT_EXPECT_EQ(test, lone.ret, 0);
	msleep(50);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&pairing.done),
			       "a connect ran while another one was in its handshake");
	KUNIT_EXPECT_EQ(test, tcc.stops, 0);

	complete(&block);
	wait_for_completion(&slow.done);
	wait_for_completion(&pairing.done);
	if (!lone_done)
		wait_for_completion(&lone.done);
	KUNIT_EXPECT_EQ(test, slow.ret, 0);
	KUNIT_EXPECT_EQ(test, pairing.ret, 0);
	irqbp_expect_paired(test, &tpa, &tca);
	irqbp_expect_paired(test, &tpc, &tcc);

	irq_bypass_unregister_consumer(&tca.c);
	irq_bypass_unregister_consumer(&tcb.c);
	irq_bypass_unregister_consumer(&tcc.c);
	irq_bypass_unregister_producer(&tpa.p);
	irq_bypass_unregister_producer(&tpc.p);
}

/* Every case starts with the rule of the architecture, and leaves it. */
static int irqbypass_concurrency_init(struct kunit *test)
{
	test->priv = (void *)(uintptr_t)irqbp_handshakes_serialized();
	return 0;
}

static void irqbypass_concurrency_exit(struct kunit *test)
{
	irqbp_set_handshakes_serialized((uintptr_t)test->priv);
}

static struct kunit_case irqbypass_concurrency_cases[] = {
	KUNIT_CASE(concurrent_tokens),
	KUNIT_CASE(unregister_waits_for_registration),
	KUNIT_CASE(unregister_waits_for_unregistration),
	KUNIT_CASE(vm_handshakes_serialized),
	KUNIT_CASE(vm_handshakes_concurrent),
	KUNIT_CASE(serialized_registrations_go_on),
	{}
};

static struct kunit_suite irqbypass_concurrency_suite = {
	.name = "irqbypass_concurrency",
	.init = irqbypass_concurrency_init,
	.exit = irqbypass_concurrency_exit,
	.test_cases = irqbypass_concurrency_cases,
};

kunit_test_suite(irqbypass_concurrency_suite);
