/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test producer and consumer every KUnit suite of the manager pairs:
 * they log the calls the manager makes to them, check the handshake's
 * rules as it runs (a start after each stop, the partner passed to add is
 * the one passed to del), and can fail or block their add callback.
 * Built once, in irqbypass_kunit_helpers.ko (participants.c), as the
 * kernel's drm_kunit_helpers.ko is. Documentation/manager.md
 */
#ifndef _IRQBYPASS_TESTS_PARTICIPANTS_H
#define _IRQBYPASS_TESTS_PARTICIPANTS_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/irqbypass.h>

#include "irqbypass_api.h"

/*
 * KUnit's speed attribute (6.6): a case marked slow is left out of a run
 * filtered on speed. Kernels before it have no attributes to carry.
 */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name)	KUNIT_CASE(test_name)
#endif

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

/*
 * A VM whose consumers' stop and start pause and resume all of it, as
 * arm64 KVM's do (kvm_arm_halt_guest()): they count the handshakes between
 * a stop and its start, and a stop made while another is there.
 */
struct tvm {
	atomic_t paused;		/* consumers stopped, not yet started */
	atomic_t nested;		/* stops that found the VM paused */
};

struct tcons {
	struct irq_bypass_consumer c;
	void *token;
	struct kunit *test;
	struct oplog *log;
	struct tprod *partner;		/* set by add_producer, cleared by del */
	int stops, starts, adds, dels;
	int fail_add;			/* returned by add_producer */
	struct tvm *vm;			/* its stop and start pause it, if set */
	unsigned int sleep_us;		/* add_producer and del_producer sleep */
};

/* Distinct tokens that are never dereferenced, as with an eventfd_ctx. */
#define IRQBP_TEST_TOKENS 1024
extern char irqbp_test_tokens[IRQBP_TEST_TOKENS];
#define TOKEN(i) ((void *)&irqbp_test_tokens[(i)])

void irqbp_tprod_init(struct kunit *test, struct tprod *tp, void *token, int irq,
		      struct oplog *log);
void irqbp_tcons_init(struct kunit *test, struct tcons *tc, void *token,
		      struct oplog *log);

static inline int reg_prod(struct tprod *tp)
{
	return irqbp_test_register_producer(&tp->p, tp->token, tp->irq);
}

static inline int reg_cons(struct tcons *tc)
{
	return irqbp_test_register_consumer(&tc->c, tc->token);
}

/* The calls of a connect and of a disconnect, in the manager's order. */
static const enum op connect_ops[] = {
	P_STOP, C_STOP, P_ADD, C_ADD, C_START, P_START,
};

static const enum op disconnect_ops[] = {
	P_STOP, C_STOP, C_DEL, P_DEL, C_START, P_START,
};

void irqbp_expect_ops(struct kunit *test, const struct oplog *log,
		      const enum op *want, int n);

/*
 * What the structures record of a registration since v6.17, as the
 * kernel's header documents it: the eventfd (and the producer's irq) while
 * registered, the partner while paired. Up to v6.16 they record nothing:
 * the node is the manager's own.
 */
void irqbp_assert_prod_records(struct kunit *test, const struct tprod *tp,
			       bool registered, const struct tcons *partner);
void irqbp_assert_cons_records(struct kunit *test, const struct tcons *tc,
			       bool registered, const struct tprod *partner);

void irqbp_expect_paired(struct kunit *test, struct tprod *tp, struct tcons *tc);

#endif /* _IRQBYPASS_TESTS_PARTICIPANTS_H */
