/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the parts of irqbypass.ko: the manager proper
 * (manager.c), the exports of the target kernel's API generation
 * (abi-token.c up to v6.16, abi-eventfd.c since v6.17: Kbuild picks one
 * from the target's header) and the debugfs view (debugfs.c).
 */
#ifndef _IRQBYPASS_INTERNAL_H
#define _IRQBYPASS_INTERNAL_H

#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <irqbypass/tracepoints.h>

struct irq_bypass_consumer;
struct irq_bypass_producer;
struct module;
struct seq_file;

enum irqbp_counter {
	IRQBP_CNT_PRODUCER_REGISTERED,
	IRQBP_CNT_PRODUCER_UNREGISTERED,
	IRQBP_CNT_CONSUMER_REGISTERED,
	IRQBP_CNT_CONSUMER_UNREGISTERED,
	IRQBP_CNT_UNREGISTER_UNKNOWN,
	IRQBP_CNT_REJECTED_INVALID,
	IRQBP_CNT_REJECTED_BUSY,
	IRQBP_CNT_REJECTED_NOMEM,
	IRQBP_CNT_CONNECTED,
	IRQBP_CNT_DISCONNECTED,
	IRQBP_CNT_FAILED_ADD_CONSUMER,
	IRQBP_CNT_FAILED_ADD_PRODUCER,
	IRQBP_NR_COUNTERS
};

/*
 * Registration latency, log2 buckets of microseconds: bucket 0 is under
 * 1 us, bucket b (1 <= b < last) from 2^(b-1) to 2^b us, the last one
 * the rest.
 */
#define IRQBP_LAT_BUCKETS	21

/* Per-CPU, so that registrations on different CPUs share no cache line. */
struct irqbp_stats {
	unsigned long count[IRQBP_NR_COUNTERS];
	unsigned long latency[IRQBP_LAT_BUCKETS];
};

DECLARE_PER_CPU(struct irqbp_stats, irqbp_stats);

static inline void irqbp_count(enum irqbp_counter c)
{
	this_cpu_inc(irqbp_stats.count[c]);
}

unsigned long irqbp_counter_read(enum irqbp_counter c);
unsigned long irqbp_latency_read(unsigned int bucket);

/*
 * Who registered an object: the process (thread group) and its name, and
 * the object's add callback, which names its driver (KVM's or another).
 */
struct irqbp_owner {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	const void *via;
};

/* Counts a registration's or unregistration's result. */
void irqbp_count_result(int ret, enum irqbp_counter success);

/* manager.c: the rules, whatever the API generation. */
int irqbp_register(void *token, enum irqbypass_side side, void *object,
		   void **slot, int *irq);
int irqbp_unregister(enum irqbypass_side side, const void *object,
		     void **slot, int *irq);

/* abi-*.c: what the API says a pair records, once paired or unpaired. */
void irqbp_abi_paired(struct irq_bypass_producer *prod,
		      struct irq_bypass_consumer *cons, bool paired);

/* Producers and consumers registered; exported to the KUnit suites only. */
long irqbp_nr_registered(void);
/* The manager's module; exported to the KUnit suites only. */
struct module *irqbp_module(void);

/*
 * Whether connects and disconnects run one at a time (arm64), or only one
 * at a time per token; the KUnit suites may choose.
 */
bool irqbp_handshakes_serialized(void);
void irqbp_set_handshakes_serialized(bool serialized);

/* What debugfs may see of one token: pointers are printed, never followed. */
struct irqbp_view {
	const void *token;
	const void *producer;
	const void *consumer;
	struct irqbp_owner producer_owner;
	struct irqbp_owner consumer_owner;
	int irq;
	bool connected;
	unsigned long pairs;		/* connects on the token so far */
	unsigned long unpairs;		/* and disconnects */
};

void irqbp_show_each(struct seq_file *m,
		     void (*show)(struct seq_file *m, const struct irqbp_view *view));

int irqbp_debugfs_init(void);
void irqbp_debugfs_exit(void);

#endif /* _IRQBYPASS_INTERNAL_H */
