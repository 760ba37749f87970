/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events irqbypass_trace.bpf.c streams to user space through its ring
 * buffer: one per irqbypass tracepoint hit, plus KVM's MSI injections.
 * Shared by the BPF program and the C++ harness.
 */
#ifndef IRQBYPASS_TRACE_H
#define IRQBYPASS_TRACE_H

#ifdef __cplusplus
#include <cstdint>
typedef std::uint64_t ibe_u64;
typedef std::uint32_t ibe_u32;
typedef std::int32_t ibe_s32;
#else
typedef __u64 ibe_u64;
typedef __u32 ibe_u32;
typedef __s32 ibe_s32;
#endif

enum ibe_kind {
	IBE_REGISTER_PRODUCER = 1,
	IBE_UNREGISTER_PRODUCER,
	IBE_REGISTER_CONSUMER,
	IBE_UNREGISTER_CONSUMER,
	IBE_CONNECT,
	IBE_CONNECT_FAIL,
	IBE_DISCONNECT,
	IBE_KVM_MSI, /* kvm:kvm_msi_set_irq: an MSI injected */
	IBE_KC_MODE, /* kvm_consumer:kc_mode: a delivery mode set */
	IBE_REFUSED, /* irqbypass_refused: a side of the token is held */
};

#define IBE_COMM_LEN 16

struct ibe_event {
	ibe_u64 ts_ns; /* bpf_ktime_get_ns() */
	ibe_u32 kind;  /* enum ibe_kind */
	ibe_u32 tgid;  /* the task that hit the tracepoint */
	ibe_u32 pid;
	char comm[IBE_COMM_LEN];
	ibe_u64 token;
	ibe_u64 producer; /* member events: the object */
	ibe_u64 consumer;
	ibe_s32 irq;
	ibe_s32 ret;
	ibe_u32 step; /* enum irqbypass_step */
	ibe_u32 side; /* enum irqbypass_side */
	ibe_s32 gsi;  /* consumer events: the KVM irqfd's GSI, or -1 */
	ibe_u32 pad;
	ibe_u64 kvm;	  /* consumer events: the irqfd's struct kvm, or 0 */
	ibe_u64 msi_addr; /* IBE_KVM_MSI */
	ibe_u64 msi_data;
	ibe_u32 vcpu; /* IBE_KC_MODE: the route's, with gsi and irq */
	ibe_u32 vector;
	ibe_u32 mode;	    /* enum kc_mode */
	ibe_u32 reason;	    /* enum kc_reason */
	ibe_u64 holder;	    /* IBE_REFUSED: the object holding the side */
	ibe_s32 holder_pid; /* and the process that registered it */
	ibe_u32 pad2;
	char holder_comm[IBE_COMM_LEN];
};

#endif /* IRQBYPASS_TRACE_H */
