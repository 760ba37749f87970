/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The ioctls and records of /dev/kvm-consumer and of the kvm_consumer:kc_mode
 * tracepoint. What they do: Documentation/kvm-consumer.md
 */
#ifndef _UAPI_IRQBYPASS_KVM_CONSUMER_H
#define _UAPI_IRQBYPASS_KVM_CONSUMER_H

#include <linux/ioctl.h>
#include <linux/kvm.h>
#include <linux/types.h>

/*
 * Per VM (per open): what it may hold, each charged to the opener's memory
 * cgroup. A VM takes about 40 KiB with its vCPUs, an irqfd under 1 KiB.
 */
#define KC_MAX_ROUTES		1024	/* GSIs 0..1023, a route each */
#define KC_MAX_VCPUS		64	/* APIC ids 0..63 */
#define KC_MAX_IRQFDS		1024	/* irqfds assigned at once: then ENOSPC */

/* KC_SET_GSI_ROUTING: struct kc_routing_hdr, then nr kvm_irq_routing_entry. */
#define KC_SET_GSI_ROUTING	_IOW('k', 0x01, struct kc_routing_hdr)

/* KC_IRQFD: struct kvm_irqfd, as for KVM_IRQFD. */
#define KC_IRQFD		_IOW('k', 0x02, struct kvm_irqfd)

/* KC_GET_GSI_STATE: struct kc_gsi_state, gsi in, the rest out. */
#define KC_GET_GSI_STATE	_IOWR('k', 0x03, struct kc_gsi_state)

/* KC_GUEST_EOI: struct kc_guest_eoi, the guest's completion of a level GSI. */
#define KC_GUEST_EOI		_IOW('k', 0x04, struct kc_guest_eoi)

/* KC_RUN_VCPU: struct kc_vcpu_run, vcpu in, delivered out. */
#define KC_RUN_VCPU		_IOWR('k', 0x05, struct kc_vcpu_run)

/* The header of KC_SET_GSI_ROUTING, laid out as struct kvm_irq_routing. */
struct kc_routing_hdr {
	__u32 nr;
	__u32 flags;
};

/* How a connected irqfd's interrupt reaches its vCPU. */
enum kc_mode {
	KC_MODE_NONE = 0,	/* no producer: injected by the irqfd */
	KC_MODE_POSTED = 1,	/* irq_set_vcpu_affinity() posts it */
	KC_MODE_REMAPPED = 2,	/* through the host, see the reason */
	KC_MODE_FORWARDED = 3,	/* a level irq forwarded: the guest deactivates it */
};

enum kc_reason {
	KC_REASON_NONE = 0,
	KC_REASON_NOT_MSI = 1,		/* a level route; the chip cannot forward */
	KC_REASON_MULTICAST = 2,	/* broadcast or several destinations */
	KC_REASON_NO_POSTING = 3,	/* no interrupt remapping with posting */
	KC_REASON_NO_VCPU_AFFINITY = 4,	/* the irq's chip cannot post */
	KC_REASON_NO_ROUTE = 5,		/* the GSI has no route */
	KC_REASON_AFFINITY_FAILED = 6,	/* irq_set_vcpu_affinity() failed */
	KC_REASON_FOREIGN_CHIP = 7,	/* the chip's vCPU format is not VT-d's */
	KC_REASON_VECTOR_SHARED = 8,	/* another GSI posts to that vector */
	KC_REASON_EDGE_LINE = 9,	/* an edge line: only level lines are forwarded */
	KC_REASON_HARDWARE_POSTING = 10, /* real VT-d: it would notify real CPUs */
};

#define KC_GSI_ROUTED		(1u << 0)
#define KC_GSI_IRQFD		(1u << 1)	/* an irqfd is assigned */
#define KC_GSI_CONNECTED	(1u << 2)	/* its consumer is paired */
#define KC_GSI_LEVEL		(1u << 3)
#define KC_GSI_RESAMPLE		(1u << 4)
#define KC_GSI_HOLD		(1u << 5)	/* completed by KC_GUEST_EOI only */
#define KC_GSI_LATCHED		(1u << 6)	/* posted, no vCPU run delivered it */
#define KC_GSI_HELD		(1u << 7)	/* signals held while its consumer is stopped */

/* kc_guest_eoi.flags; 0 completes the level interrupt the guest holds. */
#define KC_EOI_HOLD		(1u << 0)	/* from now on, hold them */
#define KC_EOI_RELEASE		(1u << 1)	/* complete at once again */

struct kc_guest_eoi {
	__u32 gsi;
	__u32 flags;
};

struct kc_gsi_state {
	__u32 gsi;		/* in */
	__u32 flags;		/* KC_GSI_* */
	__u32 vcpu;		/* destination vCPU (the APIC id) */
	__u32 vector;
	__u32 mode;		/* enum kc_mode */
	__u32 reason;		/* enum kc_reason, for KC_MODE_REMAPPED */
	__s32 host_irq;		/* the connected producer's irq, or -1 */
	__u32 pad;
	__u64 injections;	/* injected through the host (the irqfd) */
	__u64 resamples;	/* resamplefd signals (level routes) */
	__u64 deactivations;	/* forwarded irqs the guest deactivated */
	__u32 in_service;	/* level interrupts held by the guest */
	__u32 pad2;
	__u64 posted;		/* posted, then delivered by a vCPU run */
	__u64 coalesced;	/* eventfd signals merged into one injection */
	__u64 dropped;		/* eventfd signals while the GSI had no route */
};

/* KC_RUN_VCPU: deliver what the vCPU's posted-interrupt descriptor holds. */
struct kc_vcpu_run {
	__u32 vcpu;		/* in: the APIC id */
	__u32 delivered;	/* out: interrupts delivered by this run */
};

/* Raw record of the kvm_consumer:kc_mode tracepoint. */
struct kc_tp_mode {
	__u16 type;
	__u8 flags;
	__u8 preempt_count;
	__s32 pid;
	__u64 token;
	__s32 host_irq;
	__u32 gsi;
	__u32 vcpu;
	__u32 vector;
	__u32 mode;
	__u32 reason;
};

#endif /* _UAPI_IRQBYPASS_KVM_CONSUMER_H */
