// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IRQ bypass API since v6.17, as unstable's 7.x has it: the eventfd,
 * and a producer's irq, are arguments of the registration; the structures
 * keep the eventfd once registered and the partner while paired, as the
 * kernel's header documents them. The four exports, with the kernel's
 * prototypes. Documentation/manager.md
 */

#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/module.h>

#include "internal.h"
#include "trace.h"

/*
 * The eventfd member is the object's slot: set while registered, NULL
 * otherwise, so that unregistering a failed or repeated registration is a
 * no-op, as the header promises.
 */
#define irqbp_slot(obj)	((void **)&(obj)->eventfd)

void irqbp_abi_paired(struct irq_bypass_producer *prod,
		      struct irq_bypass_consumer *cons, bool paired)
{
	WRITE_ONCE(prod->consumer, paired ? cons : NULL);
	WRITE_ONCE(cons->producer, paired ? prod : NULL);
}

/**
 * irq_bypass_register_producer - register an IRQ bypass producer
 * @producer: the producer, not registered (its eventfd NULL)
 * @eventfd: the eventfd context it shares with its consumer
 * @irq: the producer's host irq
 *
 * Sets @producer's irq, adds @producer to the manager and, if a consumer
 * with the same eventfd is registered, connects the two. @producer's
 * eventfd is set before the callbacks run and reset if the registration
 * fails. May sleep; the callbacks of @producer and of its consumer are
 * called from this context.
 *
 * Return: 0 on success (connected or waiting for a consumer); -EINVAL if
 * @producer or @eventfd is NULL or @producer is registered already;
 * -EBUSY if another producer has @eventfd; -ENOMEM; or the error of a
 * failed add_consumer or add_producer callback. On failure nothing is
 * registered.
 */
int irq_bypass_register_producer(struct irq_bypass_producer *producer,
				 struct eventfd_ctx *eventfd, int irq)
{
	int pair_irq = -1;
	int ret;

	if (!producer || !eventfd || READ_ONCE(producer->eventfd)) {
		ret = -EINVAL;
	} else {
		producer->irq = irq;
		ret = irqbp_register(eventfd, IRQBYPASS_SIDE_PRODUCER,
				     producer, irqbp_slot(producer), &pair_irq);
	}

	irqbp_count_result(ret, IRQBP_CNT_PRODUCER_REGISTERED);
	trace_irqbypass_register_producer(eventfd, producer, irq, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_producer);

/**
 * irq_bypass_unregister_producer - unregister an IRQ bypass producer
 * @producer: the producer passed to irq_bypass_register_producer()
 *
 * Disconnects @producer from its consumer, if connected, and removes it;
 * its eventfd is NULL again. A producer that is not registered (never was,
 * or its registration failed) is ignored. May sleep.
 */
void irq_bypass_unregister_producer(struct irq_bypass_producer *producer)
{
	struct eventfd_ctx *eventfd = producer ? READ_ONCE(producer->eventfd) : NULL;
	int irq, ret;

	ret = irqbp_unregister(IRQBYPASS_SIDE_PRODUCER, producer,
			       producer ? irqbp_slot(producer) : NULL,
			       &irq);
	irqbp_count_result(ret, IRQBP_CNT_PRODUCER_UNREGISTERED);
	trace_irqbypass_unregister_producer(eventfd, producer, irq, ret);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_producer);

/**
 * irq_bypass_register_consumer - register an IRQ bypass consumer
 * @consumer: the consumer, not registered (its eventfd NULL), with the
 *	add_producer and del_producer callbacks set
 * @eventfd: the eventfd context it shares with its producer
 *
 * Adds @consumer to the manager and, if a producer with the same eventfd
 * is registered, connects the two. @consumer's eventfd is set before the
 * callbacks run and reset if the registration fails. May sleep; the
 * callbacks of @consumer and of its producer are called from this context.
 *
 * Return: 0 on success (connected or waiting for a producer); -EINVAL if
 * @consumer or @eventfd is NULL, a required callback is missing or
 * @consumer is registered already; -EBUSY if another consumer has
 * @eventfd; -ENOMEM; or the error of a failed add_consumer or add_producer
 * callback. On failure nothing is registered.
 */
int irq_bypass_register_consumer(struct irq_bypass_consumer *consumer,
				 struct eventfd_ctx *eventfd)
{
	int irq = -1;
	int ret;

	if (!consumer || !eventfd || !consumer->add_producer ||
	    !consumer->del_producer || READ_ONCE(consumer->eventfd))
		ret = -EINVAL;
	else
		ret = irqbp_register(eventfd, IRQBYPASS_SIDE_CONSUMER,
				     consumer, irqbp_slot(consumer), &irq);

	irqbp_count_result(ret, IRQBP_CNT_CONSUMER_REGISTERED);
	trace_irqbypass_register_consumer(eventfd, consumer, ret ? -1 : irq,
					  ret);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_consumer);

/**
 * irq_bypass_unregister_consumer - unregister an IRQ bypass consumer
 * @consumer: the consumer passed to irq_bypass_register_consumer()
 *
 * Disconnects @consumer from its producer, if connected, and removes it;
 * its eventfd is NULL again. A consumer that is not registered (never was,
 * or its registration failed) is ignored. May sleep.
 */
void irq_bypass_unregister_consumer(struct irq_bypass_consumer *consumer)
{
	struct eventfd_ctx *eventfd = consumer ? READ_ONCE(consumer->eventfd) : NULL;
	int irq, ret;

	ret = irqbp_unregister(IRQBYPASS_SIDE_CONSUMER, consumer,
			       consumer ? irqbp_slot(consumer) : NULL,
			       &irq);
	irqbp_count_result(ret, IRQBP_CNT_CONSUMER_UNREGISTERED);
	trace_irqbypass_unregister_consumer(eventfd, consumer, irq, ret);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_consumer);
