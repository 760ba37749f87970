// SPDX-License-Identifier: GPL-2.0-only
/*
 * For the benchmark only, never installed: the design of upstream's v6.17
 * IRQ bypass manager on the 6.1 ABI. Two xarrays of producers and
 * consumers keyed by token, one global mutex held across every callback,
 * an object's identity checked against the pointer stored for its token,
 * no module reference. Built from the kernel's <linux/irqbypass.h>, so it
 * exports the four symbols with the stock CRCs and loads in place of
 * irqbypass.ko.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqbypass.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("IRQ bypass manager, upstream v6.17 design, for benchmarks");

static DEFINE_MUTEX(v617_lock);
static DEFINE_XARRAY(v617_producers);
static DEFINE_XARRAY(v617_consumers);

static int v617_connect(struct irq_bypass_producer *prod,
			struct irq_bypass_consumer *cons)
{
	int ret = 0;

	if (prod->stop)
		prod->stop(prod);
	if (cons->stop)
		cons->stop(cons);
	if (prod->add_consumer)
		ret = prod->add_consumer(prod, cons);
	if (!ret) {
		ret = cons->add_producer(cons, prod);
		if (ret && prod->del_consumer)
			prod->del_consumer(prod, cons);
	}
	if (cons->start)
		cons->start(cons);
	if (prod->start)
		prod->start(prod);
	return ret;
}

static void v617_disconnect(struct irq_bypass_producer *prod,
			    struct irq_bypass_consumer *cons)
{
	if (prod->stop)
		prod->stop(prod);
	if (cons->stop)
		cons->stop(cons);
	cons->del_producer(cons, prod);
	if (prod->del_consumer)
		prod->del_consumer(prod, cons);
	if (cons->start)
		cons->start(cons);
	if (prod->start)
		prod->start(prod);
}

/**
 * irq_bypass_register_producer - register an IRQ bypass producer
 * @producer: the producer, with its token set
 *
 * Return: 0, -EINVAL, -EBUSY if the token has a producer, -ENOMEM, or a
 * failed connect's error.
 */
int irq_bypass_register_producer(struct irq_bypass_producer *producer)
{
	unsigned long index = (unsigned long)producer->token;
	struct irq_bypass_consumer *cons;
	int ret;

	if (!producer->token)
		return -EINVAL;

	mutex_lock(&v617_lock);
	ret = xa_insert(&v617_producers, index, producer, GFP_KERNEL);
	if (!ret) {
		cons = xa_load(&v617_consumers, index);
		if (cons)
			ret = v617_connect(producer, cons);
		if (ret)
			xa_erase(&v617_producers, index);
	}
	mutex_unlock(&v617_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_producer);

/**
 * irq_bypass_unregister_producer - unregister an IRQ bypass producer
 * @producer: the producer; ignored unless it is the one stored for its token
 */
void irq_bypass_unregister_producer(struct irq_bypass_producer *producer)
{
	unsigned long index = (unsigned long)producer->token;
	struct irq_bypass_consumer *cons;

	mutex_lock(&v617_lock);
	if (xa_load(&v617_producers, index) == producer) {
		cons = xa_load(&v617_consumers, index);
		if (cons)
			v617_disconnect(producer, cons);
		xa_erase(&v617_producers, index);
	}
	mutex_unlock(&v617_lock);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_producer);

/**
 * irq_bypass_register_consumer - register an IRQ bypass consumer
 * @consumer: the consumer, with its token and add/del_producer set
 *
 * Return: 0, -EINVAL, -EBUSY if the token has a consumer, -ENOMEM, or a
 * failed connect's error.
 */
int irq_bypass_register_consumer(struct irq_bypass_consumer *consumer)
{
	unsigned long index = (unsigned long)consumer->token;
	struct irq_bypass_producer *prod;
	int ret;

	if (!consumer->token || !consumer->add_producer ||
	    !consumer->del_producer)
		return -EINVAL;

	mutex_lock(&v617_lock);
	ret = xa_insert(&v617_consumers, index, consumer, GFP_KERNEL);
	if (!ret) {
		prod = xa_load(&v617_producers, index);
		if (prod)
			ret = v617_connect(prod, consumer);
		if (ret)
			xa_erase(&v617_consumers, index);
	}
	mutex_unlock(&v617_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(irq_bypass_register_consumer);

/**
 * irq_bypass_unregister_consumer - unregister an IRQ bypass consumer
 * @consumer: the consumer; ignored unless it is the one stored for its token
 */
void irq_bypass_unregister_consumer(struct irq_bypass_consumer *consumer)
{
	unsigned long index = (unsigned long)consumer->token;
	struct irq_bypass_producer *prod;

	mutex_lock(&v617_lock);
	if (xa_load(&v617_consumers, index) == consumer) {
		prod = xa_load(&v617_producers, index);
		if (prod)
			v617_disconnect(prod, consumer);
		xa_erase(&v617_consumers, index);
	}
	mutex_unlock(&v617_lock);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_consumer);
