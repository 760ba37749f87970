/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registrations of the IRQ bypass API as the KUnit suites make them,
 * whichever API generation the manager was built for (Kbuild picks it from
 * the target's header; selftests/kunit/run.sh builds the suites for both):
 * up to v6.16 the token and the producer's irq are members set before
 * registering, since v6.17 they are arguments and the structures record
 * the eventfd and the partner. The rules the suites check are the same;
 * what differs is said here once. Documentation/manager.md
 */
#ifndef _IRQBYPASS_TESTS_API_H
#define _IRQBYPASS_TESTS_API_H

#include <linux/errno.h>
#include <linux/irqbypass.h>

#ifdef IRQBP_EVENTFD_API

#define IRQBP_TEST_API "eventfd API, v6.17+"

/* Registering a registered object is a caller's bug, whatever the token. */
#define IRQBP_TEST_ERR_REGISTERED (-EINVAL)

static inline int irqbp_test_register_producer(struct irq_bypass_producer *p,
					       void *token, int irq)
{
	return irq_bypass_register_producer(p, token, irq);
}

static inline int irqbp_test_register_consumer(struct irq_bypass_consumer *c,
					       void *token)
{
	return irq_bypass_register_consumer(c, token);
}

/* The token an object records: set before its connect's callbacks run. */
#define irqbp_test_token(obj) ((void *)(obj)->eventfd)

#else

#define IRQBP_TEST_API "token API, up to v6.16"

#define IRQBP_TEST_ERR_REGISTERED (-EBUSY)

static inline int irqbp_test_register_producer(struct irq_bypass_producer *p,
					       void *token, int irq)
{
	if (p) {
		p->token = token;
		p->irq = irq;
	}
	return irq_bypass_register_producer(p);
}

static inline int irqbp_test_register_consumer(struct irq_bypass_consumer *c,
					       void *token)
{
	if (c)
		c->token = token;
	return irq_bypass_register_consumer(c);
}

#define irqbp_test_token(obj) ((obj)->token)

#endif /* IRQBP_EVENTFD_API */

#endif /* _IRQBYPASS_TESTS_API_H */
