// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streams every irqbypass tracepoint, KVM's MSI injections and
 * kvm-consumer's delivery modes to user space. Consumer events of KVM irqfds also carry the irqfd's GSI and VM,
 * read with CO-RE from the kvm module's BTF.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <irqbypass/kvm_consumer.h>
#include <irqbypass/tracepoints.h>
#include "irqbypass_trace.h"

char LICENSE[] SEC("license") = "GPL";

/* Address of kvm_arch_irq_bypass_add_producer, set by user space (0: none). */
const volatile __u64 kvm_add_producer;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* The parts of the kernel's types the programs read; CO-RE finds them. */
struct irq_bypass_consumer {
	void *token;
	void *add_producer;
} __attribute__((preserve_access_index));

struct kvm_kernel_irqfd {
	void *kvm;
	int gsi;
	struct irq_bypass_consumer consumer;
} __attribute__((preserve_access_index));

struct kvm_msi_record {
	struct irqbypass_tp_header hdr;
	__u64 address;
	__u64 data;
};

static struct ibe_event *reserve(__u32 kind)
{
	struct ibe_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 id;

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->tgid = id >> 32;
	e->pid = (__u32)id;
	e->gsi = -1;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* A KVM irqfd's GSI and VM, if @consumer is one. */
static void kvm_irqfd_info(struct ibe_event *e, __u64 consumer)
{
	struct irq_bypass_consumer *c = (void *)consumer;
	struct kvm_kernel_irqfd *irqfd;
	void *add = NULL;

	/* Without kvm's BTF these are false and the reads below are dropped. */
	if (!bpf_core_type_exists(struct kvm_kernel_irqfd) ||
	    !bpf_core_type_exists(struct irq_bypass_consumer))
		return;
	if (!kvm_add_producer || !consumer)
		return;
	if (bpf_core_read(&add, sizeof(add), &c->add_producer) || (__u64)add != kvm_add_producer)
		return;
	irqfd = (void *)(consumer - bpf_core_field_offset(struct kvm_kernel_irqfd, consumer));
	bpf_core_read(&e->gsi, sizeof(e->gsi), &irqfd->gsi);
	bpf_core_read(&e->kvm, sizeof(e->kvm), &irqfd->kvm);
}

static int member(struct irqbypass_tp_member *ctx, __u32 kind, int consumer)
{
	struct ibe_event *e = reserve(kind);

	if (!e)
		return 0;
	e->token = ctx->token;
	if (consumer) {
		e->consumer = ctx->object;
		kvm_irqfd_info(e, ctx->object);
	} else {
		e->producer = ctx->object;
	}
	e->irq = ctx->irq;
	e->ret = ctx->ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static int pair(struct irqbypass_tp_pair *ctx, __u32 kind)
{
	struct ibe_event *e = reserve(kind);

	if (!e)
		return 0;
	e->token = ctx->token;
	e->producer = ctx->producer;
	e->consumer = ctx->consumer;
	e->irq = ctx->irq;
	e->ret = ctx->ret;
	e->step = ctx->step;
	e->side = ctx->side;
	kvm_irqfd_info(e, ctx->consumer);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/irqbypass/irqbypass_register_producer")
int register_producer(struct irqbypass_tp_member *ctx)
{
	return member(ctx, IBE_REGISTER_PRODUCER, 0);
}

SEC("tp/irqbypass/irqbypass_unregister_producer")
int unregister_producer(struct irqbypass_tp_member *ctx)
{
	return member(ctx, IBE_UNREGISTER_PRODUCER, 0);
}

SEC("tp/irqbypass/irqbypass_register_consumer")
int register_consumer(struct irqbypass_tp_member *ctx)
{
	return member(ctx, IBE_REGISTER_CONSUMER, 1);
}

SEC("tp/irqbypass/irqbypass_unregister_consumer")
int unregister_consumer(struct irqbypass_tp_member *ctx)
{
	return member(ctx, IBE_UNREGISTER_CONSUMER, 1);
}

SEC("tp/irqbypass/irqbypass_connect")
int connect(struct irqbypass_tp_pair *ctx)
{
	return pair(ctx, IBE_CONNECT);
}

SEC("tp/irqbypass/irqbypass_connect_fail")
int connect_fail(struct irqbypass_tp_pair *ctx)
{
	return pair(ctx, IBE_CONNECT_FAIL);
}

SEC("tp/irqbypass/irqbypass_disconnect")
int disconnect(struct irqbypass_tp_pair *ctx)
{
	return pair(ctx, IBE_DISCONNECT);
}

SEC("tp/irqbypass/irqbypass_refused")
int refused(struct irqbypass_tp_refused *ctx)
{
	struct ibe_event *e = reserve(IBE_REFUSED);

	if (!e)
		return 0;
	e->token = ctx->token;
	e->side = ctx->side;
	if (ctx->side == IRQBYPASS_SIDE_CONSUMER) {
		e->consumer = ctx->object;
		kvm_irqfd_info(e, ctx->object);
	} else {
		e->producer = ctx->object;
	}
	e->holder = ctx->holder;
	e->holder_pid = ctx->holder_pid;
	bpf_probe_read_kernel(e->holder_comm, sizeof(e->holder_comm), ctx->holder_comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/kvm/kvm_msi_set_irq")
int kvm_msi(struct kvm_msi_record *ctx)
{
	struct ibe_event *e = reserve(IBE_KVM_MSI);

	if (!e)
		return 0;
	e->msi_addr = ctx->address;
	e->msi_data = ctx->data;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/kvm_consumer/kc_mode")
int kc_mode(struct kc_tp_mode *ctx)
{
	struct ibe_event *e = reserve(IBE_KC_MODE);

	if (!e)
		return 0;
	e->token = ctx->token;
	e->irq = ctx->host_irq;
	e->gsi = ctx->gsi;
	e->vcpu = ctx->vcpu;
	e->vector = ctx->vector;
	e->mode = ctx->mode;
	e->reason = ctx->reason;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
