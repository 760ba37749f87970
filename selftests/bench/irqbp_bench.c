// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of whichever IRQ bypass manager is loaded (the stock one, ours
 * or the v6.17 design): @threads kernel threads, on disjoint tokens, each
 * register a producer and a consumer (which connect) for their share of
 * @pairs tokens, then unregister them all. Prints one line with the time
 * per pair and the memory the manager took per registered token, then
 * fails its own load, so that it can be loaded again with other
 * parameters. Memory is the growth of the slab caches (records, tables,
 * xarray nodes) while every pair is registered: a small run's figure is
 * noise. Run by selftests/bench/run-guest.sh.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqbypass.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("IRQ bypass manager benchmark");

static unsigned int pairs = 1000;
module_param(pairs, uint, 0);
MODULE_PARM_DESC(pairs, "tokens, each with a producer and a consumer");
static unsigned int threads = 1;
module_param(threads, uint, 0);
MODULE_PARM_DESC(threads, "threads registering, on disjoint tokens");
static unsigned int delay_us;
module_param(delay_us, uint, 0);
MODULE_PARM_DESC(delay_us, "busy wait in each add_producer (an IRTE update)");
static char *label = "?";
module_param(label, charp, 0);
MODULE_PARM_DESC(label, "the manager's name in the result line");

#define MAX_THREADS 8
/* Tokens stand for eventfd contexts: distinct, 64 bytes apart, unread. */
#define TOKEN_STRIDE 64

struct bench_pair {
	struct irq_bypass_producer p;
	struct irq_bypass_consumer c;
};

struct bench_thread {
	struct bench_pair *pair;
	unsigned int n;
	int ret;
	struct completion registered;
	struct completion *go_unregister;
	struct completion done;
};

static struct completion bench_go;

static int bench_add_producer(struct irq_bypass_consumer *c,
			      struct irq_bypass_producer *p)
{
	if (delay_us)
		udelay(delay_us);
	return 0;
}

static void bench_del_producer(struct irq_bypass_consumer *c,
			       struct irq_bypass_producer *p)
{
}

static int bench_fn(void *data)
{
	struct bench_thread *t = data;
	unsigned int i;

	wait_for_completion(&bench_go);
	for (i = 0; i < t->n && !t->ret; i++) {
		t->ret = irq_bypass_register_producer(&t->pair[i].p);
		if (!t->ret)
			t->ret = irq_bypass_register_consumer(&t->pair[i].c);
	}
	complete(&t->registered);
	wait_for_completion(t->go_unregister);
	while (i--) {
		irq_bypass_unregister_consumer(&t->pair[i].c);
		irq_bypass_unregister_producer(&t->pair[i].p);
	}
	complete(&t->done);
	return 0;
}

/* What slab caches hold: every manager's records, tables and xarray nodes. */
static long slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B)) * PAGE_SIZE;
}

static int __init bench_init(void)
{
	struct bench_thread t[MAX_THREADS];
	DECLARE_COMPLETION_ONSTACK(go_unregister);
	struct bench_pair *pair;
	long before, used;
	char *tokens;
	u64 start, ns;
	unsigned int i;
	int ret = 0;

	if (!pairs || !threads || threads > MAX_THREADS || pairs % threads)
		return -EINVAL;

	pair = kvcalloc(pairs, sizeof(*pair), GFP_KERNEL);
	tokens = kvmalloc_array(pairs, TOKEN_STRIDE, GFP_KERNEL);
	if (!pair || !tokens) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < pairs; i++) {
		pair[i].p.token = tokens + i * TOKEN_STRIDE;
		pair[i].p.irq = 1000 + i;
		pair[i].c.token = tokens + i * TOKEN_STRIDE;
		pair[i].c.add_producer = bench_add_producer;
		pair[i].c.del_producer = bench_del_producer;
	}

	init_completion(&bench_go);
	for (i = 0; i < threads; i++) {
		struct task_struct *task;

		t[i].pair = pair + i * (pairs / threads);
		t[i].n = pairs / threads;
		t[i].ret = 0;
		t[i].go_unregister = &go_unregister;
		init_completion(&t[i].registered);
		init_completion(&t[i].done);
		task = kthread_create(bench_fn, &t[i], "irqbp-bench/%u", i);
		if (!IS_ERR(task)) {
			/* One CPU each, as far as they go: they must run at once. */
			kthread_bind(task, i % num_online_cpus());
			wake_up_process(task);
		} else {
			/* The threads started so far run on an empty share. */
			ret = PTR_ERR(task);
			t[i].n = 0;
			threads = i;
			break;
		}
	}

	before = slab_bytes();
	start = ktime_get_ns();
	complete_all(&bench_go);
	for (i = 0; i < threads; i++)
		wait_for_completion(&t[i].registered);
	ns = ktime_get_ns() - start;
	used = slab_bytes() - before;
	start = ktime_get_ns();
	complete_all(&go_unregister);
	for (i = 0; i < threads; i++) {
		wait_for_completion(&t[i].done);
		if (t[i].ret && !ret)
			ret = t[i].ret;
	}
	ns += ktime_get_ns() - start;

	if (!ret)
		pr_info("result manager=%s pairs=%u threads=%u delay_us=%u ns_per_pair=%llu bytes_per_token=%ld\n",
			label, pairs, threads, delay_us, div_u64(ns, pairs),
			used / (long)pairs);
	else
		pr_err("manager=%s pairs=%u threads=%u: error %d\n", label,
		       pairs, threads, ret);
out:
	kvfree(tokens);
	kvfree(pair);
	/* Done: do not stay loaded. */
	return ret ?: -ECANCELED;
}

module_init(bench_init);
