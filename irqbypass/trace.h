/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of the IRQ bypass manager. Field layouts are an interface:
 * they mirror include/uapi/irqbypass/tracepoints.h, checked in manager.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM irqbypass

#if !defined(_IRQBYPASS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IRQBYPASS_TRACE_H

#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <irqbypass/tracepoints.h>

#define irqbypass_show_step(step)					\
	__print_symbolic(step,						\
			 { 0, "none" },					\
			 { IRQBYPASS_STEP_ADD_CONSUMER, "add_consumer" },	\
			 { IRQBYPASS_STEP_ADD_PRODUCER, "add_producer" })

#define irqbypass_show_side(side)					\
	__print_symbolic(side,						\
			 { 0, "none" },					\
			 { IRQBYPASS_SIDE_PRODUCER, "producer" },	\
			 { IRQBYPASS_SIDE_CONSUMER, "consumer" })

DECLARE_EVENT_CLASS(irqbypass_member,
	TP_PROTO(const void *token, const void *object, int irq, int ret),
	TP_ARGS(token, object, irq, ret),

	TP_STRUCT__entry(
		__field(const void *, token)
		__field(const void *, object)
		__field(int, irq)
		__field(int, ret)
	),

	TP_fast_assign(
		__entry->token = token;
		__entry->object = object;
		__entry->irq = irq;
		__entry->ret = ret;
	),

	TP_printk("token=%p object=%p irq=%d ret=%d",
		  __entry->token, __entry->object, __entry->irq, __entry->ret)
);

DEFINE_EVENT(irqbypass_member, irqbypass_register_producer,
	TP_PROTO(const void *token, const void *object, int irq, int ret),
	TP_ARGS(token, object, irq, ret));

DEFINE_EVENT(irqbypass_member, irqbypass_unregister_producer,
	TP_PROTO(const void *token, const void *object, int irq, int ret),
	TP_ARGS(token, object, irq, ret));

DEFINE_EVENT(irqbypass_member, irqbypass_register_consumer,
	TP_PROTO(const void *token, const void *object, int irq, int ret),
	TP_ARGS(token, object, irq, ret));

DEFINE_EVENT(irqbypass_member, irqbypass_unregister_consumer,
	TP_PROTO(const void *token, const void *object, int irq, int ret),
	TP_ARGS(token, object, irq, ret));

DECLARE_EVENT_CLASS(irqbypass_pair,
	TP_PROTO(const void *token, const void *producer, const void *consumer,
		 int irq, int ret, unsigned int step, unsigned int side),
	TP_ARGS(token, producer, consumer, irq, ret, step, side),

	TP_STRUCT__entry(
		__field(const void *, token)
		__field(const void *, producer)
		__field(const void *, consumer)
		__field(int, irq)
		__field(int, ret)
		__field(unsigned int, step)
		__field(unsigned int, side)
	),

	TP_fast_assign(
		__entry->token = token;
		__entry->producer = producer;
		__entry->consumer = consumer;
		__entry->irq = irq;
		__entry->ret = ret;
		__entry->step = step;
		__entry->side = side;
	),

	TP_printk("token=%p producer=%p consumer=%p irq=%d ret=%d step=%s side=%s",
		  __entry->token, __entry->producer, __entry->consumer,
		  __entry->irq, __entry->ret, irqbypass_show_step(__entry->step),
		  irqbypass_show_side(__entry->side))
);

DEFINE_EVENT(irqbypass_pair, irqbypass_connect,
	TP_PROTO(const void *token, const void *producer, const void *consumer,
		 int irq, int ret, unsigned int step, unsigned int side),
	TP_ARGS(token, producer, consumer, irq, ret, step, side));

DEFINE_EVENT(irqbypass_pair, irqbypass_connect_fail,
	TP_PROTO(const void *token, const void *producer, const void *consumer,
		 int irq, int ret, unsigned int step, unsigned int side),
	TP_ARGS(token, producer, consumer, irq, ret, step, side));

DEFINE_EVENT(irqbypass_pair, irqbypass_disconnect,
	TP_PROTO(const void *token, const void *producer, const void *consumer,
		 int irq, int ret, unsigned int step, unsigned int side),
	TP_ARGS(token, producer, consumer, irq, ret, step, side));

TRACE_EVENT(irqbypass_refused,
	TP_PROTO(const void *token, const void *object, const void *holder,
		 unsigned int side, int holder_pid, const char *holder_comm),
	TP_ARGS(token, object, holder, side, holder_pid, holder_comm),

	TP_STRUCT__entry(
		__field(const void *, token)
		__field(const void *, object)
		__field(const void *, holder)
		__field(int, holder_pid)
		__field(unsigned int, side)
		__array(char, holder_comm, TASK_COMM_LEN)
	),

	TP_fast_assign(
		__entry->token = token;
		__entry->object = object;
		__entry->holder = holder;
		__entry->holder_pid = holder_pid;
		__entry->side = side;
		strscpy(__entry->holder_comm, holder_comm, TASK_COMM_LEN);
	),

	TP_printk("token=%p object=%p side=%s holder=%p holder_pid=%d holder_comm=%s",
		  __entry->token, __entry->object,
		  irqbypass_show_side(__entry->side), __entry->holder,
		  __entry->holder_pid, __entry->holder_comm)
);

#endif /* _IRQBYPASS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
