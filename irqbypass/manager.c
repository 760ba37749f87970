// SPDX-License-Identifier: GPL-2.0-only
/*
 * IRQ bypass manager: a drop-in replacement for virt/lib/irqbypass.c, built
 * from the kernel's own <linux/irqbypass.h> so that its exports keep their
 * modversions CRCs.
 *
 * Rules and locking: Documentation/manager.md
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/irqbypass.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("IRQ bypass manager utility module");
MODULE_VERSION(IRQBYPASS_VERSION);

/* The raw records must be what include/uapi/irqbypass/tracepoints.h says. */
#define IRQBP_CHECK_FIELD(raw, uapi, field)				\
	static_assert(offsetof(struct trace_event_raw_##raw, field) ==	\
		      offsetof(struct irqbypass_tp_##uapi, field) &&	\
		      sizeof_field(struct trace_event_raw_##raw, field) ==	\
		      sizeof_field(struct irqbypass_tp_##uapi, field))

static_assert(sizeof(struct trace_entry) == sizeof(struct irqbypass_tp_header));
IRQBP_CHECK_FIELD(irqbypass_member, member, token);
IRQBP_CHECK_FIELD(irqbypass_member, member, object);
IRQBP_CHECK_FIELD(irqbypass_member, member, irq);
IRQBP_CHECK_FIELD(irqbypass_member, member, ret);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, token);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, producer);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, consumer);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, irq);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, ret);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, step);
IRQBP_CHECK_FIELD(irqbypass_pair, pair, side);

struct irqbp_token {
	struct rhash_head hnode;	/* in irqbp_tokens, keyed by @token */
	struct list_head list;		/* in irqbp_token_list, for debugfs */
	void *token;
	unsigned int refs;		/* irqbp_lock */
	struct mutex lock;		/* serializes pairing on @token */
	struct irq_bypass_producer *producer;	/* @lock */
	struct irq_bypass_consumer *consumer;	/* @lock */
	int irq;			/* @producer's irq, for debugfs */
	bool connected;			/* @lock */
	struct rcu_head rcu;
};

struct irqbp_member {
	struct rhash_head hnode;	/* in irqbp_members, keyed by @object */
	const void *object;		/* the producer or consumer */
	struct irqbp_token *tok;	/* holds one reference */
	bool is_producer;
	struct rcu_head rcu;
};

static const struct rhashtable_params irqbp_token_params = {
	.key_len = sizeof(void *),
	.key_offset = offsetof(struct irqbp_token, token),
	.head_offset = offsetof(struct irqbp_token, hnode),
	.automatic_shrinking = true,
};

static const struct rhashtable_params irqbp_member_params = {
	.key_len = sizeof(void *),
	.key_offset = offsetof(struct irqbp_member, object),
	.head_offset = offsetof(struct irqbp_member, hnode),
	.automatic_shrinking = true,
};

static DEFINE_SPINLOCK(irqbp_lock);
static struct rhashtable irqbp_tokens;
static struct rhashtable irqbp_members;
static LIST_HEAD(irqbp_token_list);

atomic_long_t irqbp_counters[IRQBP_NR_COUNTERS];

/*
 * The tables are changed under irqbp_lock, so rhashtable grows a table
 * that an insert finds full with GFP_ATOMIC (-ENOMEM when that fails), and
 * refuses some inserts while a rehash is in progress (-EBUSY). Neither is
 * the caller's business: let the table's deferred worker, which allocates
 * with GFP_KERNEL, finish growing it and insert again. True if @err is
 * such a failure and another try is worth it.
 */
#define IRQBP_INSERT_TRIES 8

static bool irqbp_insert_again(struct rhashtable *ht, int err, int *tries)
{
	if ((err != -ENOMEM && err != -EBUSY) || ++*tries >= IRQBP_INSERT_TRIES)
		return false;
	flush_work(&ht->run_work);
	return true;
}

/*
 * Find the record of @token, creating it if needed, and take a reference
 * on it for the caller.
 */
static struct irqbp_token *irqbp_token_get(void *token)
{
	struct irqbp_token *tok, *fresh;
	int tries = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return ERR_PTR(-ENOMEM);
	fresh->token = token;
	fresh->irq = -1;
	mutex_init(&fresh->lock);

again:
	spin_lock(&irqbp_lock);
	tok = rhashtable_lookup_get_insert_fast(&irqbp_tokens, &fresh->hnode,
						irqbp_token_params);
	if (IS_ERR(tok)) {
		spin_unlock(&irqbp_lock);
		if (irqbp_insert_again(&irqbp_tokens, PTR_ERR(tok), &tries))
			goto again;
		mutex_destroy(&fresh->lock);
		kfree(fresh);
		return ERR_PTR(-ENOMEM);
	}
	if (!tok) {
		list_add_tail(&fresh->list, &irqbp_token_list);
		tok = fresh;
		fresh = NULL;
	}
	tok->refs++;
	spin_unlock(&irqbp_lock);

	if (fresh) {
		mutex_destroy(&fresh->lock);
		kfree(fresh);
	}
	return tok;
}

/* Drop a reference taken by irqbp_token_get(); the last frees the record. */
static void irqbp_token_put(struct irqbp_token *tok)
{
	bool last;

	spin_lock(&irqbp_lock);
	last = --tok->refs == 0;
	if (last) {
		rhashtable_remove_fast(&irqbp_tokens, &tok->hnode,
				       irqbp_token_params);
		list_del(&tok->list);
	}
	spin_unlock(&irqbp_lock);

	if (last) {
		mutex_destroy(&tok->lock);
		kfree_rcu(tok, rcu);
	}
}

/*
 * Make @m findable by its object: fails with -EBUSY if the object is
 * already registered or being registered. Called with its token's lock
 * held, and @m leaves the table before that lock is released by the
 * registration or unregistration that holds it: a member found in the
 * table is either complete or its token's lock is held, so waiting for
 * that lock waits for the registration or unregistration in progress.
 */
static int irqbp_member_insert(struct irqbp_member *m)
{
	int ret, tries = 0;

	lockdep_assert_held(&m->tok->lock);

	do {
		spin_lock(&irqbp_lock);
		ret = rhashtable_lookup_insert_fast(&irqbp_members, &m->hnode,
						    irqbp_member_params);
		spin_unlock(&irqbp_lock);
	} while (irqbp_insert_again(&irqbp_members, ret, &tries));

	if (ret == -EEXIST)
		return -EBUSY;
	return ret ? -ENOMEM : 0;
}

static void irqbp_member_remove(struct irqbp_member *m)
{
	lockdep_assert_held(&m->tok->lock);

	spin_lock(&irqbp_lock);
	rhashtable_remove_fast(&irqbp_members, &m->hnode, irqbp_member_params);
	spin_unlock(&irqbp_lock);
}

/*
 * The member of @object on its side, or NULL; if @tok is set, only one on
 * that token. With @tok NULL, a reference on the member's token is taken
 * for the caller.
 */
static struct irqbp_member *irqbp_member_find(const void *object,
					      bool is_producer,
					      struct irqbp_token *tok)
{
	struct irqbp_member *m;

	spin_lock(&irqbp_lock);
	m = rhashtable_lookup_fast(&irqbp_members, &object,
				   irqbp_member_params);
	if (m && (m->is_producer != is_producer || (tok && m->tok != tok)))
		m = NULL;
	if (m && !tok)
		m->tok->refs++;
	spin_unlock(&irqbp_lock);

	return m;
}

/*
 * Pair @prod with @cons: stop both, let the producer and then the consumer
 * set up the bypass, start both. Every stop is matched by a start, also on
 * failure, and a failed add_producer is undone with del_consumer.
 */
static int irqbp_connect(struct irqbp_token *tok,
			 struct irq_bypass_producer *prod,
			 struct irq_bypass_consumer *cons)
{
	enum irqbypass_step step = IRQBYPASS_STEP_ADD_CONSUMER;
	int ret = 0;

	lockdep_assert_held(&tok->lock);

	if (prod->stop)
		prod->stop(prod);
	if (cons->stop)
		cons->stop(cons);

	if (prod->add_consumer)
		ret = prod->add_consumer(prod, cons);

	if (!ret) {
		step = IRQBYPASS_STEP_ADD_PRODUCER;
		ret = cons->add_producer(cons, prod);
		if (ret && prod->del_consumer)
			prod->del_consumer(prod, cons);
	}

	if (cons->start)
		cons->start(cons);
	if (prod->start)
		prod->start(prod);

	if (ret) {
		irqbp_count(step == IRQBYPASS_STEP_ADD_CONSUMER ?
			    IRQBP_CNT_FAILED_ADD_CONSUMER :
			    IRQBP_CNT_FAILED_ADD_PRODUCER);
		trace_irqbypass_connect_fail(tok->token, prod, cons, prod->irq,
					     ret, step, 0);
	} else {
		irqbp_count(IRQBP_CNT_CONNECTED);
		WRITE_ONCE(tok->connected, true);
	}
	trace_irqbypass_connect(tok->token, prod, cons, prod->irq, ret,
				ret ? step : 0, 0);
	return ret;
}

/* Undo irqbp_connect() because @side is unregistering. */
static void irqbp_disconnect(struct irqbp_token *tok, enum irqbypass_side side)
{
	struct irq_bypass_producer *prod = tok->producer;
	struct irq_bypass_consumer *cons = tok->consumer;

	lockdep_assert_held(&tok->lock);

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

	WRITE_ONCE(tok->connected, false);
	irqbp_count(IRQBP_CNT_DISCONNECTED);
	trace_irqbypass_disconnect(tok->token, prod, cons, prod->irq, 0, 0,
				   side);
}

/*
 * Register one side of a pair: @prod for a producer or @cons for a
 * consumer, the other NULL. Connects to the other side if it is there.
 * On success, *@irq is the producer's irq if one is registered.
 */
static int irqbp_add(void *token, struct irq_bypass_producer *prod,
		     struct irq_bypass_consumer *cons, int *irq)
{
	void *object = prod ? (void *)prod : (void *)cons;
	struct irqbp_member *m;
	struct irqbp_token *tok;
	int ret;

	might_sleep();

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		ret = -ENOMEM;
		goto err_put_module;
	}
	m->object = object;
	m->is_producer = !!prod;

	tok = irqbp_token_get(token);
	if (IS_ERR(tok)) {
		ret = PTR_ERR(tok);
		goto err_free;
	}
	m->tok = tok;

	mutex_lock(&tok->lock);
	ret = irqbp_member_insert(m);
	if (ret)
		goto err_unlock;

	if ((prod && tok->producer) || (cons && tok->consumer))
		ret = -EBUSY;
	else if (tok->producer || tok->consumer)
		ret = irqbp_connect(tok, prod ?: tok->producer,
				    cons ?: tok->consumer);
	if (ret) {
		irqbp_member_remove(m);
		mutex_unlock(&tok->lock);
		irqbp_token_put(tok);
		kfree_rcu(m, rcu);
		goto err_put_module;
	}

	if (prod) {
		WRITE_ONCE(tok->producer, prod);
		WRITE_ONCE(tok->irq, prod->irq);
	} else {
		WRITE_ONCE(tok->consumer, cons);
	}
	*irq = tok->irq;
	mutex_unlock(&tok->lock);
	return 0;

err_unlock:
	mutex_unlock(&tok->lock);
	irqbp_token_put(tok);
err_free:
	kfree(m);
err_put_module:
	module_put(THIS_MODULE);
	return ret;
}

/*
 * Unregister @object, found by identity on its side, disconnecting it
 * first if it is paired. A registration or unregistration of @object in
 * progress is waited for. Returns -ENOENT if @object is not registered;
 * else 0, with *@irq the irq of the pair's producer, or -1.
 */
static int irqbp_remove(const void *object, bool is_producer, int *irq)
{
	enum irqbypass_side side = is_producer ? IRQBYPASS_SIDE_PRODUCER :
						 IRQBYPASS_SIDE_CONSUMER;
	struct irqbp_member *m;
	struct irqbp_token *tok;

	might_sleep();

	*irq = -1;
	if (!object)
		return -ENOENT;

	for (;;) {
		m = irqbp_member_find(object, is_producer, NULL);
		if (!m)
			return -ENOENT;
		tok = m->tok;

		/* Whoever is registering or unregistering @object holds it. */
		mutex_lock(&tok->lock);
		m = irqbp_member_find(object, is_producer, tok);
		if (m)
			break;
		mutex_unlock(&tok->lock);
		irqbp_token_put(tok);
		/* Gone, or registered again on another token meanwhile. */
	}

	WARN_ON_ONCE(object != (is_producer ? (void *)tok->producer :
					       (void *)tok->consumer));
	if (tok->producer)
		*irq = tok->producer->irq;
	if (tok->connected)
		irqbp_disconnect(tok, side);
	if (is_producer) {
		WRITE_ONCE(tok->producer, NULL);
		WRITE_ONCE(tok->irq, -1);
	} else {
		WRITE_ONCE(tok->consumer, NULL);
	}
	irqbp_member_remove(m);
	mutex_unlock(&tok->lock);

	/* The member's reference, then the one irqbp_member_find() took. */
	irqbp_token_put(tok);
	irqbp_token_put(tok);
	kfree_rcu(m, rcu);
	module_put(THIS_MODULE);
	return 0;
}

static void irqbp_count_result(int ret, enum irqbp_counter success)
{
	switch (ret) {
	case 0:
		irqbp_count(success);
		break;
	case -EINVAL:
		irqbp_count(IRQBP_CNT_REJECTED_INVALID);
		break;
	case -EBUSY:
		irqbp_count(IRQBP_CNT_REJECTED_BUSY);
		break;
	case -ENOMEM:
		irqbp_count(IRQBP_CNT_REJECTED_NOMEM);
		break;
	case -ENOENT:
		irqbp_count(IRQBP_CNT_UNREGISTER_UNKNOWN);
		break;
	}
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
 * or another producer has the token; -ENOMEM; -ENODEV if the manager is
 * being unloaded; or the error of a failed add_consumer or add_producer
 * callback. On failure nothing is registered.
 */
int irq_bypass_register_producer(struct irq_bypass_producer *producer)
{
	int irq = -1;
	int ret;

	if (!producer || !producer->token)
		ret = -EINVAL;
	else
		ret = irqbp_add(producer->token, producer, NULL, &irq);

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

	ret = irqbp_remove(producer, true, &irq);
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
 * token; -ENOMEM; -ENODEV if the manager is being unloaded; or the error
 * of a failed add_consumer or add_producer callback. On failure nothing is
 * registered.
 */
int irq_bypass_register_consumer(struct irq_bypass_consumer *consumer)
{
	int irq = -1;
	int ret;

	if (!consumer || !consumer->token || !consumer->add_producer ||
	    !consumer->del_producer)
		ret = -EINVAL;
	else
		ret = irqbp_add(consumer->token, NULL, consumer, &irq);

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

	ret = irqbp_remove(consumer, false, &irq);
	irqbp_count_result(ret, IRQBP_CNT_CONSUMER_UNREGISTERED);
	trace_irqbypass_unregister_consumer(consumer ? consumer->token : NULL,
					    consumer, irq, ret);
}
EXPORT_SYMBOL_GPL(irq_bypass_unregister_consumer);

/**
 * irqbp_show_each - call @show with a snapshot of every token in use
 * @m: the seq_file being shown
 * @show: called under irqbp_lock, so it must not sleep
 */
void irqbp_show_each(struct seq_file *m,
		     void (*show)(struct seq_file *m, const struct irqbp_view *view))
{
	struct irqbp_token *tok;
	struct irqbp_view view;

	spin_lock(&irqbp_lock);
	list_for_each_entry(tok, &irqbp_token_list, list) {
		view.token = tok->token;
		view.producer = READ_ONCE(tok->producer);
		view.consumer = READ_ONCE(tok->consumer);
		view.irq = READ_ONCE(tok->irq);
		view.connected = READ_ONCE(tok->connected);
		show(m, &view);
	}
	spin_unlock(&irqbp_lock);
}

static int __init irqbp_init(void)
{
	int ret;

	ret = rhashtable_init(&irqbp_tokens, &irqbp_token_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&irqbp_members, &irqbp_member_params);
	if (ret)
		goto err_tokens;

	/* debugfs is a view only: the manager works without it. */
	if (irqbp_debugfs_init())
		pr_warn("debugfs view not available\n");

	pr_debug("manager %s loaded\n", IRQBYPASS_VERSION);
	return 0;

err_tokens:
	rhashtable_destroy(&irqbp_tokens);
	return ret;
}

static void __exit irqbp_exit(void)
{
	irqbp_debugfs_exit();
	/* Registrations pin the module, so both tables are empty here. */
	WARN_ON(!list_empty(&irqbp_token_list));
	rhashtable_destroy(&irqbp_members);
	rhashtable_destroy(&irqbp_tokens);
}

module_init(irqbp_init);
module_exit(irqbp_exit);
