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
#include <linux/hash.h>
#include <linux/irqbypass.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <irqbypass/layout.h>
#include <kunit/visibility.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("IRQ bypass manager utility module");
MODULE_VERSION(IRQBYPASS_VERSION);

/* The raw records must be what include/uapi/irqbypass/tracepoints.h says. */
static_assert(sizeof(struct trace_entry) == sizeof(struct irqbypass_tp_header));
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_member, irqbypass_tp_member, token);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_member, irqbypass_tp_member, object);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_member, irqbypass_tp_member, irq);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_member, irqbypass_tp_member, ret);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, token);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, producer);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, consumer);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, irq);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, ret);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, step);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_pair, irqbypass_tp_pair, side);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, token);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, object);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, holder);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, holder_pid);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, side);
IRQBP_SAME_FIELD(trace_event_raw_irqbypass_refused, irqbypass_tp_refused, holder_comm);

/* One per token in use: the only record the manager allocates. */
struct irqbp_token {
	struct hlist_node hnode;	/* in irqbp_buckets, keyed by @token */
	struct list_head list;		/* in irqbp_token_list, for debugfs */
	void *token;
	struct irq_bypass_producer *producer;	/* @lock */
	struct irq_bypass_consumer *consumer;	/* @lock */
	struct mutex lock;		/* serializes pairing on @token */
	unsigned int refs;		/* irqbp_lock */
	int irq;			/* @producer's irq, for debugfs */
	bool connected;			/* @lock */
	/* Who registered each side, by side - 1: @lock and irqbp_lock. */
	struct irqbp_owner owner[2];
	unsigned long pairs;		/* @lock: the token's churn */
	unsigned long unpairs;		/* @lock */
};

/* The table starts at, and never shrinks below, 2^IRQBP_MIN_SHIFT buckets. */
#define IRQBP_MIN_SHIFT 6

static struct kmem_cache *irqbp_token_cache;
static DEFINE_SPINLOCK(irqbp_lock);
static struct hlist_head *irqbp_buckets;	/* irqbp_lock */
static unsigned int irqbp_shift;		/* irqbp_lock */
static unsigned int irqbp_nr_tokens;		/* irqbp_lock */
static LIST_HEAD(irqbp_token_list);		/* irqbp_lock */
/* Set once irqbp_init() has made the table (Documentation/kernels.md). */
static bool irqbp_ready;

DEFINE_PER_CPU(struct irqbp_stats, irqbp_stats);

/*
 * Whether connects and disconnects run one at a time, manager-wide, under
 * irqbp_handshake_lock: on arm64, whose KVM's stop and start pause and
 * resume the whole VM (Documentation/manager.md, "Handshakes"). The KUnit
 * suites may choose, to check both settings on any architecture.
 */
static DEFINE_MUTEX(irqbp_handshake_lock);
#if IS_ENABLED(CONFIG_KUNIT)
static bool irqbp_serialized = IS_ENABLED(CONFIG_ARM64);

bool irqbp_handshakes_serialized(void)
{
	return READ_ONCE(irqbp_serialized);
}

void irqbp_set_handshakes_serialized(bool serialized)
{
	WRITE_ONCE(irqbp_serialized, serialized);
}
EXPORT_SYMBOL_IF_KUNIT(irqbp_set_handshakes_serialized);
#else
bool irqbp_handshakes_serialized(void)
{
	return IS_ENABLED(CONFIG_ARM64);
}
#endif
EXPORT_SYMBOL_IF_KUNIT(irqbp_handshakes_serialized);

unsigned long irqbp_counter_read(enum irqbp_counter c)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(irqbp_stats, cpu).count[c];
	return sum;
}

unsigned long irqbp_latency_read(unsigned int bucket)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(irqbp_stats, cpu).latency[bucket];
	return sum;
}

static void irqbp_count_latency(u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	unsigned int bucket = us ? min_t(unsigned int, ilog2(us) + 1,
					 IRQBP_LAT_BUCKETS - 1) : 0;

	this_cpu_inc(irqbp_stats.latency[bucket]);
}

#if IS_ENABLED(CONFIG_KUNIT)
/* For the KUnit suites: how many producers and consumers are registered. */
long irqbp_nr_registered(void)
{
	return irqbp_counter_read(IRQBP_CNT_PRODUCER_REGISTERED) +
	       irqbp_counter_read(IRQBP_CNT_CONSUMER_REGISTERED) -
	       irqbp_counter_read(IRQBP_CNT_PRODUCER_UNREGISTERED) -
	       irqbp_counter_read(IRQBP_CNT_CONSUMER_UNREGISTERED);
}
EXPORT_SYMBOL_IF_KUNIT(irqbp_nr_registered);

/*
 * For the KUnit suites: the manager's module, whose reference count they
 * watch, or NULL if it is built in. They cannot find it in their own list
 * of the modules they use: struct module_use left <linux/module.h> after
 * 6.12.
 */
struct module *irqbp_module(void)
{
	return THIS_MODULE;
}
EXPORT_SYMBOL_IF_KUNIT(irqbp_module);

/* For the KUnit suites, which check what the refusal event names. */
EXPORT_TRACEPOINT_SYMBOL_GPL(irqbypass_refused);
#endif

static struct hlist_head *irqbp_bucket(const void *token)
{
	return &irqbp_buckets[hash_ptr(token, irqbp_shift)];
}

static struct irqbp_token *irqbp_lookup(const void *token)
{
	struct irqbp_token *tok;

	lockdep_assert_held(&irqbp_lock);

	hlist_for_each_entry(tok, irqbp_bucket(token), hnode)
		if (tok->token == token)
			return tok;
	return NULL;
}

/*
 * Give the table 2^@shift buckets if it still has 2^@from. The array is
 * allocated outside irqbp_lock, with GFP_KERNEL; if that fails the table
 * keeps its size: its chains are longer, no registration fails.
 */
static void irqbp_resize(unsigned int from, unsigned int shift)
{
	struct hlist_head *fresh, *old;
	struct irqbp_token *tok;
	struct hlist_node *next;
	unsigned int i;

	fresh = kvmalloc_array(1U << shift, sizeof(*fresh),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!fresh)
		return;
	for (i = 0; i < 1U << shift; i++)
		INIT_HLIST_HEAD(&fresh[i]);

	spin_lock(&irqbp_lock);
	if (irqbp_shift != from) {
		spin_unlock(&irqbp_lock);
		kvfree(fresh);
		return;
	}
	old = irqbp_buckets;
	for (i = 0; i < 1U << from; i++)
		hlist_for_each_entry_safe(tok, next, &old[i], hnode)
			hlist_add_head(&tok->hnode,
				       &fresh[hash_ptr(tok->token, shift)]);
	irqbp_buckets = fresh;
	irqbp_shift = shift;
	spin_unlock(&irqbp_lock);
	kvfree(old);
}

static void irqbp_token_free(struct irqbp_token *tok)
{
	mutex_destroy(&tok->lock);
	kmem_cache_free(irqbp_token_cache, tok);
}

/*
 * The record of @token, created if needed, with a reference for the
 * caller. The record is allocated before irqbp_lock is taken.
 */
static struct irqbp_token *irqbp_token_get(void *token)
{
	struct irqbp_token *tok, *fresh = NULL;
	unsigned int from = 0;
	bool grow = false;

	spin_lock(&irqbp_lock);
	tok = irqbp_lookup(token);
	if (!tok) {
		spin_unlock(&irqbp_lock);
		fresh = kmem_cache_alloc(irqbp_token_cache, GFP_KERNEL);
		if (!fresh)
			return ERR_PTR(-ENOMEM);
		fresh->token = token;
		fresh->producer = NULL;
		fresh->consumer = NULL;
		mutex_init(&fresh->lock);
		fresh->refs = 0;
		fresh->irq = -1;
		fresh->connected = false;
		memset(fresh->owner, 0, sizeof(fresh->owner));
		fresh->pairs = 0;
		fresh->unpairs = 0;

		spin_lock(&irqbp_lock);
		tok = irqbp_lookup(token);
		if (!tok) {
			hlist_add_head(&fresh->hnode, irqbp_bucket(token));
			list_add_tail(&fresh->list, &irqbp_token_list);
			tok = fresh;
			fresh = NULL;
			grow = ++irqbp_nr_tokens > 1U << irqbp_shift;
			from = irqbp_shift;
		}
	}
	tok->refs++;
	spin_unlock(&irqbp_lock);

	if (fresh)
		irqbp_token_free(fresh);
	if (grow)
		irqbp_resize(from, from + 1);
	return tok;
}

/* The record of @token, if there is one, with a reference for the caller. */
static struct irqbp_token *irqbp_token_find(const void *token)
{
	struct irqbp_token *tok;

	spin_lock(&irqbp_lock);
	tok = irqbp_lookup(token);
	if (tok)
		tok->refs++;
	spin_unlock(&irqbp_lock);
	return tok;
}

/* Drop a reference; the last one frees the record. */
static void irqbp_token_put(struct irqbp_token *tok)
{
	unsigned int from = 0;
	bool last, shrink = false;

	spin_lock(&irqbp_lock);
	last = --tok->refs == 0;
	if (last) {
		hlist_del(&tok->hnode);
		list_del(&tok->list);
		from = irqbp_shift;
		shrink = --irqbp_nr_tokens < 1U << (from - 3) &&
			 from > IRQBP_MIN_SHIFT;
	}
	spin_unlock(&irqbp_lock);

	if (last)
		irqbp_token_free(tok);
	if (shrink)
		irqbp_resize(from, from - 1);
}

/*
 * Which token an object is registered with is kept in a slot of the
 * object's own, one the kernel's header gives the manager (the ABI layer
 * says which: abi-token.c, abi-eventfd.c): a key that is looked up, never
 * followed. The record of that token then says whether the object is
 * registered (identity: the record holds the object), so a stale or
 * uninitialized slot is harmless, and an object whose token changed after
 * its registration is still found.
 */
static void *irqbp_slot_token(void **slot)
{
	return READ_ONCE(*slot);
}

/* What the record @tok holds on @side, or NULL. */
static void *irqbp_held(struct irqbp_token *tok, enum irqbypass_side side)
{
	return side == IRQBYPASS_SIDE_PRODUCER ?
	       (void *)READ_ONCE(tok->producer) :
	       (void *)READ_ONCE(tok->consumer);
}

/* Whether the record of @token holds @object on @side. */
static bool irqbp_holds(const void *token, enum irqbypass_side side,
			const void *object)
{
	struct irqbp_token *tok;
	bool holds;

	spin_lock(&irqbp_lock);
	tok = irqbp_lookup(token);
	holds = tok && object == irqbp_held(tok, side);
	spin_unlock(&irqbp_lock);
	return holds;
}

/*
 * The record of who registered @side of @tok, and through what: the
 * caller and @via, or, with @registering false, nobody.
 */
static void irqbp_set_owner(struct irqbp_token *tok, enum irqbypass_side side,
			    bool registering, const void *via)
{
	struct irqbp_owner *owner = &tok->owner[side - 1];

	spin_lock(&irqbp_lock);
	if (registering) {
		owner->pid = task_tgid_nr(current);
		get_task_comm(owner->comm, current);
		owner->via = via;
	} else {
		memset(owner, 0, sizeof(*owner));
	}
	spin_unlock(&irqbp_lock);
}

static void irqbp_set(struct irqbp_token *tok, enum irqbypass_side side,
		      void *object)
{
	lockdep_assert_held(&tok->lock);

	if (side == IRQBYPASS_SIDE_PRODUCER) {
		struct irq_bypass_producer *prod = object;

		irqbp_set_owner(tok, side, true, prod->add_consumer);
		WRITE_ONCE(tok->producer, prod);
		WRITE_ONCE(tok->irq, prod->irq);
	} else {
		struct irq_bypass_consumer *cons = object;

		irqbp_set_owner(tok, side, true, cons->add_producer);
		WRITE_ONCE(tok->consumer, cons);
	}
}

static void irqbp_clear(struct irqbp_token *tok, enum irqbypass_side side)
{
	lockdep_assert_held(&tok->lock);

	irqbp_set_owner(tok, side, false, NULL);
	if (side == IRQBYPASS_SIDE_PRODUCER) {
		WRITE_ONCE(tok->producer, NULL);
		WRITE_ONCE(tok->irq, -1);
	} else {
		WRITE_ONCE(tok->consumer, NULL);
	}
}

/*
 * A connect's or disconnect's callbacks, stop to start, are one handshake:
 * with the arm64 rule no two run at once, whatever their tokens. Returns
 * whether irqbp_handshake_end() must unlock; the rule is read once, so
 * that a KUnit suite changing it cannot unbalance the lock.
 */
static bool irqbp_handshake_begin(struct irqbp_token *tok)
{
	bool serialized = irqbp_handshakes_serialized();

	lockdep_assert_held(&tok->lock);

	if (serialized)
		mutex_lock(&irqbp_handshake_lock);
	return serialized;
}

static void irqbp_handshake_end(bool serialized)
{
	if (serialized)
		mutex_unlock(&irqbp_handshake_lock);
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
	bool serialized = irqbp_handshake_begin(tok);
	int ret = 0;

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
	irqbp_handshake_end(serialized);

	if (ret) {
		irqbp_count(step == IRQBYPASS_STEP_ADD_CONSUMER ?
			    IRQBP_CNT_FAILED_ADD_CONSUMER :
			    IRQBP_CNT_FAILED_ADD_PRODUCER);
		trace_irqbypass_connect_fail(tok->token, prod, cons, prod->irq,
					     ret, step, 0);
	} else {
		irqbp_count(IRQBP_CNT_CONNECTED);
		WRITE_ONCE(tok->pairs, tok->pairs + 1);
		WRITE_ONCE(tok->connected, true);
		irqbp_abi_paired(prod, cons, true);
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
	bool serialized = irqbp_handshake_begin(tok);

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
	irqbp_handshake_end(serialized);

	WRITE_ONCE(tok->unpairs, tok->unpairs + 1);
	WRITE_ONCE(tok->connected, false);
	irqbp_abi_paired(prod, cons, false);
	irqbp_count(IRQBP_CNT_DISCONNECTED);
	trace_irqbypass_disconnect(tok->token, prod, cons, prod->irq, 0, 0,
				   side);
}

static const char *irqbp_side_name(enum irqbypass_side side)
{
	return side == IRQBYPASS_SIDE_PRODUCER ? "producer" : "consumer";
}

/*
 * A registration of @object refused because @side of @tok is held: say by
 * whom, the commonest reason being a VMM that did not let go of the token
 * (Documentation/manager.md).
 */
static void irqbp_refused(struct irqbp_token *tok, enum irqbypass_side side,
			  const void *object, const void *holder)
{
	struct irqbp_owner owner;

	lockdep_assert_held(&tok->lock);

	spin_lock(&irqbp_lock);
	owner = tok->owner[side - 1];
	spin_unlock(&irqbp_lock);

	trace_irqbypass_refused(tok->token, object, holder, side, owner.pid,
				owner.comm);
	pr_info_ratelimited("%s %p refused: token %p held by %s %p of pid %d (%s)\n",
			    irqbp_side_name(side), object, tok->token,
			    irqbp_side_name(side), holder, owner.pid,
			    owner.comm);
}

/**
 * irqbp_register - register one side of a pair
 * @token: the token (the eventfd context)
 * @side: which side @object is
 * @object: the producer or the consumer
 * @slot: where the object keeps the token it is registered with
 * @irq: on success, the producer's irq if one is registered, else -1
 *
 * Connects to the other side if it is there.
 *
 * Return: 0; -EBUSY if the object is registered, or its side of @token
 * taken; -ENOMEM; or the error of a failed add_consumer or add_producer.
 */
int irqbp_register(void *token, enum irqbypass_side side, void *object,
		   void **slot, int *irq)
{
	void *old = irqbp_slot_token(slot);
	u64 start = ktime_get_ns();
	struct irqbp_token *tok;
	void *holder;
	int ret = 0;

	might_sleep();

	/* Pairs with irqbp_init(): ready, the table and cache are seen. */
	if (!smp_load_acquire(&irqbp_ready))
		return -ENODEV;
	if (old && irqbp_holds(old, side, object))
		return -EBUSY;

	tok = irqbp_token_get(token);
	if (IS_ERR(tok))
		return PTR_ERR(tok);

	mutex_lock(&tok->lock);
	holder = irqbp_held(tok, side);
	if (holder) {
		irqbp_refused(tok, side, object, holder);
		ret = -EBUSY;
		goto out;
	}
	/*
	 * Hold the object in the record first, then record the token in the
	 * object: of two registrations of one object racing on two tokens,
	 * the one whose slot changed under it backs out.
	 */
	irqbp_set(tok, side, object);
	if (cmpxchg(slot, old, token) != old) {
		irqbp_clear(tok, side);
		ret = -EBUSY;
		goto out;
	}
	if (tok->producer && tok->consumer)
		ret = irqbp_connect(tok, tok->producer, tok->consumer);
	if (ret) {
		irqbp_clear(tok, side);
		cmpxchg(slot, token, NULL);
	} else {
		*irq = tok->irq;
	}
out:
	mutex_unlock(&tok->lock);
	/* A registered object keeps its reference on the record. */
	if (ret)
		irqbp_token_put(tok);
	irqbp_count_latency(ktime_get_ns() - start);
	return ret;
}

/**
 * irqbp_unregister - unregister one side of a pair
 * @side: which side @object is
 * @object: the producer or consumer, or NULL
 * @slot: where @object keeps its token (ignored if @object is NULL)
 * @irq: the irq of the pair's producer, or -1
 *
 * @object is found by identity on its side and disconnected first if it
 * is paired. A registration or unregistration of @object in progress holds
 * its token's lock: this waits for it.
 *
 * Return: 0, or -ENOENT if @object is not registered.
 */
int irqbp_unregister(enum irqbypass_side side, const void *object,
		     void **slot, int *irq)
{
	struct irqbp_token *tok;
	void *token;

	might_sleep();

	*irq = -1;
	/* As in irqbp_register(): before irqbp_init(), nothing is registered. */
	if (!object || !smp_load_acquire(&irqbp_ready))
		return -ENOENT;
	token = irqbp_slot_token(slot);
	tok = token ? irqbp_token_find(token) : NULL;
	if (!tok)
		return -ENOENT;

	mutex_lock(&tok->lock);
	if (object != irqbp_held(tok, side)) {
		mutex_unlock(&tok->lock);
		irqbp_token_put(tok);
		return -ENOENT;
	}
	if (tok->producer)
		*irq = tok->producer->irq;
	if (tok->connected)
		irqbp_disconnect(tok, side);
	irqbp_clear(tok, side);
	cmpxchg(slot, token, NULL);
	mutex_unlock(&tok->lock);

	/* The registration's reference, then the one taken above. */
	irqbp_token_put(tok);
	irqbp_token_put(tok);
	return 0;
}

void irqbp_count_result(int ret, enum irqbp_counter success)
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
		view.producer_owner = tok->owner[IRQBYPASS_SIDE_PRODUCER - 1];
		view.consumer_owner = tok->owner[IRQBYPASS_SIDE_CONSUMER - 1];
		view.irq = READ_ONCE(tok->irq);
		view.connected = READ_ONCE(tok->connected);
		view.pairs = READ_ONCE(tok->pairs);
		view.unpairs = READ_ONCE(tok->unpairs);
		show(m, &view);
	}
	spin_unlock(&irqbp_lock);
}

static int __init irqbp_init(void)
{
	unsigned int i;

	irqbp_token_cache = KMEM_CACHE(irqbp_token, 0);
	if (!irqbp_token_cache)
		return -ENOMEM;
	irqbp_shift = IRQBP_MIN_SHIFT;
	irqbp_buckets = kvmalloc_array(1U << irqbp_shift,
				       sizeof(*irqbp_buckets), GFP_KERNEL);
	if (!irqbp_buckets) {
		kmem_cache_destroy(irqbp_token_cache);
		return -ENOMEM;
	}
	for (i = 0; i < 1U << irqbp_shift; i++)
		INIT_HLIST_HEAD(&irqbp_buckets[i]);

	/* debugfs is a view only: the manager works without it. */
	if (irqbp_debugfs_init())
		pr_warn("debugfs view not available\n");

	/* Publishes the table and cache to irqbp_register() and unregister. */
	smp_store_release(&irqbp_ready, true);
	pr_debug("manager %s loaded\n", IRQBYPASS_VERSION);
	return 0;
}

static void __exit irqbp_exit(void)
{
	irqbp_debugfs_exit();
	/* Registered objects' modules use ours, so nothing is left here. */
	WARN_ON(!list_empty(&irqbp_token_list));
	kvfree(irqbp_buckets);
	kmem_cache_destroy(irqbp_token_cache);
}

/*
 * Built into the kernel, before KVM and VFIO (device initcalls) and after
 * debugfs (a core initcall); as a module, this is module_init().
 */
subsys_initcall(irqbp_init);
module_exit(irqbp_exit);
