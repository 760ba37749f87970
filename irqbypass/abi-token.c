// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IRQ bypass API up to v6.16, as Debian 12's 6.1 and Debian 13's 6.12
 * have it: a registration carries its token in the structure, and the
 * manager owns the structure's node. These are the four exports, with the
 * kernel's prototypes, so that they keep its modversions CRCs.
 * Documentation/manager.md
 */

#include <linux/irqbypass.h>
#include <linux/module.h>

#include "internal.h"
#include "trace.h"

/*
 * The object's node is the manager's: node.next keeps the token the
 * object is registered with (the stock manager links the node into its
 * lists instead).
 */
static void **irqbp_slot(struct list_head *node)
{
	return (void **)&node->next;
}

/* Nothing to record: this API keeps no partner in the structures. */
void irqbp_abi_paired(struct irq_bypass_producer *prod,
		      struct irq_bypass_consumer *cons, bool paired)
{
}

/**
 * irq_bypass_register_producer - register an IRQ bypass producer
 * @producer: the producer, with @producer->token set to the shared token
 *
 * Adds @producer to the manager and, if a consumer with the same token is
 * registered, connects the two. May sleep; the callbacks of @producer and
 * of its consumer are called from this context.
 *
 * Return: 0 on success (connected or waiting for a consumer); -EINVAL if
 * @producer or its token is NULL; -EBUSY if @producer is already registered
 * or another producer has the token; -ENOMEM; or the error of a failed
 * add_consumer or add_producer callback. On failure nothing is registered.
 */
int irq_bypass_register_producer(struct irq_bypass_producer *producer)
{
	int irq = -1;
	int ret;

	if (!producer || !producer->token)
		ret = -EINVAL;
	else
		ret = irqbp_register(producer->token, IRQBYPASS_SIDE_PRODUCER,
				     producer, irqbp_slot(&producer->node), &irq);

	irqbp_count_result(ret, IRQBP_CNT_PRODUCER_REGISTERED);
	trace_irqbypass_register_producer(producer ? producer->token : NULL,
					  producer, producer ? producer->irq : -1,
					  ret);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_producer);

/**
 * irq_bypass_unregister_producer - unregister an IRQ bypass producer
 * @producer: the producer passed to irq_bypass_register_producer()
 *
 * Disconnects @producer from its consumer, if connected, and removes it.
 * The producer is found by its address, not by its token: a producer that
 * is not registered (never was, or its registration failed) is ignored and
 * another producer with the same token is never affected. May sleep.
 */
void irq_bypass_unregister_producer(struct irq_bypass_producer *producer)
{
	int irq, ret;

	ret = irqbp_unregister(IRQBYPASS_SIDE_PRODUCER, producer,
			       producer ? irqbp_slot(&producer->node) : NULL,
			       &irq);
	irqbp_count_result(ret, IRQBP_CNT_PRODUCER_UNREGISTERED);
	trace_irqbypass_unregister_producer(producer ? producer->token : NULL,
					    producer, irq, ret);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_producer);

/**
 * irq_bypass_register_consumer - register an IRQ bypass consumer
 * @consumer: the consumer, with @consumer->token set to the shared token
 *	and the add_producer and del_producer callbacks set
 *
 * Adds @consumer to the manager and, if a producer with the same token is
 * registered, connects the two. May sleep; the callbacks of @consumer and
 * of its producer are called from this context.
 *
 * Return: 0 on success (connected or waiting for a producer); -EINVAL if
 * @consumer or its token is NULL or a required callback is missing;
 * -EBUSY if @consumer is already registered or another consumer has the
 * token; -ENOMEM; or the error of a failed add_consumer or add_producer
 * callback. On failure nothing is registered.
 */
int irq_bypass_register_consumer(struct irq_bypass_consumer *consumer)
{
	int irq = -1;
	int ret;

	if (!consumer || !consumer->token || !consumer->add_producer ||
	    !consumer->del_producer)
		ret = -EINVAL;
	else
		ret = irqbp_register(consumer->token, IRQBYPASS_SIDE_CONSUMER,
				     consumer, irqbp_slot(&consumer->node), &irq);

	irqbp_count_result(ret, IRQBP_CNT_CONSUMER_REGISTERED);
	trace_irqbypass_register_consumer(consumer ? consumer->token : NULL,
					  consumer, ret ? -1 : irq, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_consumer);

/**
 * irq_bypass_unregister_consumer - unregister an IRQ bypass consumer
 * @consumer: the consumer passed to irq_bypass_register_consumer()
 *
 * Disconnects @consumer from its producer, if connected, and removes it.
 * The consumer is found by its address, not by its token: a consumer that
 * is not registered (never was, or its registration failed) is ignored and
 * another consumer with the same token is never affected. May sleep.
 */
void irq_bypass_unregister_consumer(struct irq_bypass_consumer *consumer)
{
	int irq, ret;

	ret = irqbp_unregister(IRQBYPASS_SIDE_CONSUMER, consumer,
			       consumer ? irqbp_slot(&consumer->node) : NULL,
			       &irq);
	irqbp_count_result(ret, IRQBP_CNT_CONSUMER_UNREGISTERED);
	trace_irqbypass_unregister_consumer(consumer ? consumer->token : NULL,
					    consumer, irq, ret);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_consumer);

