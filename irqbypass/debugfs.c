// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs view of the IRQ bypass manager. Files and formats:
 * Documentation/tracing.md
 *
 * Pointers print with %p, hashed as in the tracepoints' text output, so
 * that lines of both can be matched.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *irqbp_dir;

static const char * const irqbp_counter_names[IRQBP_NR_COUNTERS] = {
	[IRQBP_CNT_PRODUCER_REGISTERED] = "producer_registered",
	[IRQBP_CNT_PRODUCER_UNREGISTERED] = "producer_unregistered",
	[IRQBP_CNT_CONSUMER_REGISTERED] = "consumer_registered",
	[IRQBP_CNT_CONSUMER_UNREGISTERED] = "consumer_unregistered",
	[IRQBP_CNT_UNREGISTER_UNKNOWN] = "unregister_unknown",
	[IRQBP_CNT_REJECTED_INVALID] = "rejected_invalid",
	[IRQBP_CNT_REJECTED_BUSY] = "rejected_busy",
	[IRQBP_CNT_REJECTED_NOMEM] = "rejected_nomem",
	[IRQBP_CNT_CONNECTED] = "connected",
	[IRQBP_CNT_DISCONNECTED] = "disconnected",
	[IRQBP_CNT_FAILED_ADD_CONSUMER] = "failed_add_consumer",
	[IRQBP_CNT_FAILED_ADD_PRODUCER] = "failed_add_producer",
};

static const char *irqbp_state(const struct irqbp_view *v)
{
	return v->connected ? "connected" : "waiting";
}

/*
 * " via=<symbol> pid=<pid> comm=<comm>": the object's add callback, a
 * function of a loaded module as long as the object is registered, and the
 * comm, escaped so that it is one word.
 */
static void irqbp_show_owner(struct seq_file *m, const struct irqbp_owner *o)
{
	seq_printf(m, " via=%ps pid=%d comm=", o->via, o->pid);
	seq_escape(m, o->comm, " \t\n\\");
	seq_putc(m, '\n');
}

static void irqbp_show_producer(struct seq_file *m, const struct irqbp_view *v)
{
	if (!v->producer)
		return;
	seq_printf(m, "token=%p producer=%p irq=%d state=%s",
		   v->token, v->producer, v->irq, irqbp_state(v));
	irqbp_show_owner(m, &v->producer_owner);
}

static void irqbp_show_consumer(struct seq_file *m, const struct irqbp_view *v)
{
	if (!v->consumer)
		return;
	seq_printf(m, "token=%p consumer=%p irq=%d state=%s",
		   v->token, v->consumer, v->connected ? v->irq : -1,
		   irqbp_state(v));
	irqbp_show_owner(m, &v->consumer_owner);
}

static void irqbp_show_token(struct seq_file *m, const struct irqbp_view *v)
{
	seq_printf(m, "token=%p producer=%p consumer=%p state=%s pairs=%lu unpairs=%lu\n",
		   v->token, v->producer, v->consumer, irqbp_state(v),
		   v->pairs, v->unpairs);
}

static void irqbp_show_pair(struct seq_file *m, const struct irqbp_view *v)
{
	if (v->connected)
		seq_printf(m, "token=%p producer=%p consumer=%p irq=%d\n",
			   v->token, v->producer, v->consumer, v->irq);
}

static int producers_show(struct seq_file *m, void *unused)
{
	irqbp_show_each(m, irqbp_show_producer);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(producers);

static int consumers_show(struct seq_file *m, void *unused)
{
	irqbp_show_each(m, irqbp_show_consumer);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(consumers);

static int pairs_show(struct seq_file *m, void *unused)
{
	irqbp_show_each(m, irqbp_show_pair);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pairs);

static int tokens_show(struct seq_file *m, void *unused)
{
	irqbp_show_each(m, irqbp_show_token);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tokens);

/* One line per bucket: its bounds in microseconds, and its count. */
static int latency_show(struct seq_file *m, void *unused)
{
	unsigned int b;

	seq_printf(m, "0-1us %lu\n", irqbp_latency_read(0));
	for (b = 1; b < IRQBP_LAT_BUCKETS - 1; b++)
		seq_printf(m, "%u-%uus %lu\n", 1U << (b - 1), 1U << b,
			   irqbp_latency_read(b));
	seq_printf(m, "%u-us %lu\n", 1U << (b - 1), irqbp_latency_read(b));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(latency);

static int stats_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < IRQBP_NR_COUNTERS; i++)
		seq_printf(m, "%s %lu\n", irqbp_counter_names[i],
			   irqbp_counter_read(i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Which rule keeps handshakes apart: Documentation/manager.md. */
static int handshakes_show(struct seq_file *m, void *unused)
{
	seq_puts(m, irqbp_handshakes_serialized() ? "serialized\n" :
						    "per-token\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(handshakes);

int irqbp_debugfs_init(void)
{
	irqbp_dir = debugfs_create_dir("irqbypass", NULL);
	if (IS_ERR(irqbp_dir))
		return PTR_ERR(irqbp_dir);

	debugfs_create_file("producers", 0400, irqbp_dir, NULL,
			    &producers_fops);
	debugfs_create_file("consumers", 0400, irqbp_dir, NULL,
			    &consumers_fops);
	debugfs_create_file("pairs", 0400, irqbp_dir, NULL, &pairs_fops);
	debugfs_create_file("stats", 0400, irqbp_dir, NULL, &stats_fops);
	debugfs_create_file("tokens", 0400, irqbp_dir, NULL, &tokens_fops);
	debugfs_create_file("latency", 0400, irqbp_dir, NULL, &latency_fops);
	debugfs_create_file("handshakes", 0400, irqbp_dir, NULL,
			    &handshakes_fops);
	return 0;
}

void irqbp_debugfs_exit(void)
{
	debugfs_remove(irqbp_dir);
}
