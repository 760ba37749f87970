/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Raw records of the irqbypass tracepoints (events/irqbypass/), as a BPF
 * program attached with SEC("tp/irqbypass/<event>") sees them. The kernel
 * module asserts at build time that its TRACE_EVENT layouts match these,
 * so user space can rely on them.
 */
#ifndef _UAPI_IRQBYPASS_TRACEPOINTS_H
#define _UAPI_IRQBYPASS_TRACEPOINTS_H

#include <linux/types.h>

/* Step of the connect handshake that failed (irqbypass_connect_fail.step). */
enum irqbypass_step {
	IRQBYPASS_STEP_ADD_CONSUMER = 1,	/* producer->add_consumer() */
	IRQBYPASS_STEP_ADD_PRODUCER = 2,	/* consumer->add_producer() */
};

/* Side whose unregistration broke a pair (irqbypass_disconnect.side). */
enum irqbypass_side {
	IRQBYPASS_SIDE_PRODUCER = 1,
	IRQBYPASS_SIDE_CONSUMER = 2,
};

/* struct trace_entry, the header every record starts with. */
struct irqbypass_tp_header {
	__u16 type;
	__u8 flags;
	__u8 preempt_count;
	__s32 pid;
};

/*
 * irqbypass_register_producer, irqbypass_unregister_producer,
 * irqbypass_register_consumer, irqbypass_unregister_consumer.
 * @irq: the producer's irq; for a consumer, its connected producer's irq;
 * -1 where none is known. @ret: 0, or the negative errno returned to the
 * caller; -ENOENT for an unregister of an object that was not registered.
 */
struct irqbypass_tp_member {
	struct irqbypass_tp_header hdr;
	__u64 token;
	__u64 object;
	__s32 irq;
	__s32 ret;
};

/*
 * irqbypass_connect: @ret is 0 once paired, else the error of @step.
 * irqbypass_disconnect: @side says which unregistration broke the pair.
 * irqbypass_connect_fail: emitted before irqbypass_connect when a step fails.
 */
struct irqbypass_tp_pair {
	struct irqbypass_tp_header hdr;
	__u64 token;
	__u64 producer;
	__u64 consumer;
	__s32 irq;
	__s32 ret;
	__u32 step;
	__u32 side;
};

/*
 * irqbypass_refused: a registration of @object refused with -EBUSY because
 * @side of @token is held, by @holder, which the process @holder_pid
 * (@holder_comm, NUL-terminated) registered.
 */
struct irqbypass_tp_refused {
	struct irqbypass_tp_header hdr;
	__u64 token;
	__u64 object;
	__u64 holder;
	__s32 holder_pid;
	__u32 side;
	char holder_comm[16];
};

#endif /* _UAPI_IRQBYPASS_TRACEPOINTS_H */
