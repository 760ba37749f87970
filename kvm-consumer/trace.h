/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm-consumer tracepoints: how a connected irqfd delivers its interrupt.
 * The record layout is struct kc_tp_mode of
 * include/uapi/irqbypass/kvm_consumer.h, checked in irqfd.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_consumer

#if !defined(_KVM_CONSUMER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVM_CONSUMER_TRACE_H

#include <linux/tracepoint.h>
#include <irqbypass/kvm_consumer.h>

TRACE_EVENT(kc_mode,
	TP_PROTO(const void *token, int host_irq, u32 gsi, u32 vcpu,
		 u32 vector, u32 mode, u32 reason),
	TP_ARGS(token, host_irq, gsi, vcpu, vector, mode, reason),

	TP_STRUCT__entry(
		__field(const void *, token)
		__field(int, host_irq)
		__field(u32, gsi)
		__field(u32, vcpu)
		__field(u32, vector)
		__field(u32, mode)
		__field(u32, reason)
	),

	TP_fast_assign(
		__entry->token = token;
		__entry->host_irq = host_irq;
		__entry->gsi = gsi;
		__entry->vcpu = vcpu;
		__entry->vector = vector;
		__entry->mode = mode;
		__entry->reason = reason;
	),

	TP_printk("token=%p host_irq=%d gsi=%u vcpu=%u vector=%#x mode=%s reason=%s",
		  __entry->token, __entry->host_irq, __entry->gsi,
		  __entry->vcpu, __entry->vector,
		  __print_symbolic(__entry->mode,
				   { KC_MODE_NONE, "none" },
				   { KC_MODE_POSTED, "posted" },
				   { KC_MODE_REMAPPED, "remapped" },
				   { KC_MODE_FORWARDED, "forwarded" }),
		  __print_symbolic(__entry->reason,
				   { KC_REASON_NONE, "none" },
				   { KC_REASON_NOT_MSI, "non-MSI route" },
				   { KC_REASON_MULTICAST, "multicast route" },
				   { KC_REASON_NO_POSTING, "no posting capability" },
				   { KC_REASON_NO_VCPU_AFFINITY, "chip without vCPU affinity" },
				   { KC_REASON_NO_ROUTE, "no route" },
				   { KC_REASON_AFFINITY_FAILED, "vCPU affinity failed" },
				   { KC_REASON_FOREIGN_CHIP, "chip of another vCPU format" },
				   { KC_REASON_VECTOR_SHARED, "vector posted by another GSI" },
				   { KC_REASON_EDGE_LINE, "edge line, not forwarded" },
				   { KC_REASON_HARDWARE_POSTING, "real VT-d, not driven" }))
);

#endif /* _KVM_CONSUMER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
