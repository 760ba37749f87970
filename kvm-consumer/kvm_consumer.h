/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm-consumer: internal interfaces between its files.
 *
 * routing.c  parses routing tables and decides how a route is delivered:
 *            pure functions, tested by KUnit without any device.
 * irqfd.c    irqfds: eventfd wake-ups, injection through the host,
 *            resamplefds and the guest's completions.
 * bypass.c   the IRQ bypass consumer of each irqfd: the posted, forwarded
 *            or remapped mode, programmed and kept right as routes change.
 * vcpu.c     vCPUs: their posted-interrupt descriptors, and runs that
 *            deliver what the descriptors latched.
 * main.c     the char device, one VM per open, and the ioctls.
 *
 * Locking: kc_vm.lock (mutex) serializes a VM's ioctls and its irqfd list,
 * and is held while consumers register and unregister; irqfd.mode_lock
 * (mutex) guards a consumer's producer and delivery mode. Order: kc_vm.lock,
 * then the IRQ bypass manager's token lock, then irqfd.mode_lock, then
 * kc_vm.vcpu_lock (spinlock). The eventfd's wait queue lock guards an
 * irqfd's quiesced and held, as it guards the eventfd's count. Routes are
 * read under RCU from the eventfd wake-up, which runs in atomic context.
 */
#ifndef _KVM_CONSUMER_H
#define _KVM_CONSUMER_H

#include <linux/atomic.h>
#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <irqbypass/kvm_consumer.h>
#include <irqbypass/posting.h>

#define KC_NR_VECTORS	256

/* One parsed routing entry. */
struct seq_file;

struct kc_route {
	u32 gsi;
	u32 vcpu;		/* the (first) destination APIC id */
	u32 vector;
	bool level;		/* an irqchip route: level-triggered */
	bool multicast;		/* broadcast, or several logical destinations */
};

/* A routing table, replaced as a whole under RCU. Sorted by GSI. */
struct kc_routes {
	struct rcu_head rcu;
	unsigned int nr;
	struct kc_route entries[];
};

struct kc_gsi_stats {
	atomic64_t injections;		/* through the host: by the irqfd */
	atomic64_t posted;		/* posted, then delivered by a vCPU run */
	atomic64_t coalesced;		/* signals merged into another injection */
	atomic64_t dropped;		/* signals while the GSI had no route */
	atomic64_t resamples;
	atomic64_t deactivations;
	bool hold;			/* level interrupts wait for KC_GUEST_EOI */
};

/* What the producer irq's chip does with irq_set_vcpu_affinity(). */
enum kc_chip {
	KC_CHIP_OTHER,			/* nothing, or a format we do not speak */
	KC_CHIP_POSTS,			/* VT-d posting: struct irqbp_pi_data */
	KC_CHIP_FORWARDS,		/* GIC forwarding: any vCPU pointer */
	KC_CHIP_FOREIGN,		/* a vCPU affinity of another format */
	KC_CHIP_NOTIFIES,		/* real VT-d posting: it notifies real CPUs */
};

struct kc_vm {
	struct mutex lock;		/* ioctls, @irqfds */
	struct kc_routes __rcu *routes;	/* written under @lock */
	struct list_head irqfds;	/* under @lock */
	unsigned int nr_irqfds;		/* under @lock, at most KC_MAX_IRQFDS */
	struct kc_gsi_stats *stats;	/* KC_MAX_ROUTES entries, by GSI */

	/* vcpu.c: KC_MAX_VCPUS vCPUs. */
	spinlock_t vcpu_lock;		/* @vector_gsi, vCPU runs */
	struct irqbp_pi_desc *pi;	/* their posted-interrupt descriptors */
	u16 *vector_gsi;		/* by vCPU and vector: 1 + the GSI posting */
};

struct kc_irqfd {
	struct kc_vm *vm;
	struct list_head link;		/* in vm->irqfds, under vm->lock */
	bool dead;			/* torn down; under vm->lock */
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct eventfd_ctx *resamplefd;	/* RESAMPLE irqfds only */
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;		/* the eventfd's: its lock guards the count */
	poll_table pt;
	int queued;			/* 0, or -EBUSY: another priority waiter */
	struct work_struct shutdown;	/* the eventfd was closed */
	struct work_struct resample;	/* emulated EOI of a level route */
	bool quiesced;			/* between the consumer's stop and start */
	unsigned int held;		/* wake-ups while quiesced */
	/* Level interrupts injected, not yet completed, by how they complete. */
	atomic_t unresampled;		/* by a resamplefd signal */
	atomic_t undeactivated;		/* by deactivating the forwarded irq */
	bool forwarded;			/* mode is FORWARDED; READ_ONCE outside */

	struct irq_bypass_consumer consumer;
	bool registered;		/* the manager accepted the consumer */
	struct mutex mode_lock;		/* the fields below */
	struct irq_bypass_producer *producer;
	enum kc_mode mode;
	enum kc_reason reason;
	u32 posted_vcpu;		/* POSTED: where the hardware posts */
	u32 posted_vector;
};

/* routing.c */
struct kc_routes *kc_routes_parse(const struct kvm_irq_routing_entry *entries,
				  unsigned int nr);
const struct kc_route *kc_route_find(const struct kc_routes *routes, u32 gsi);
enum kc_reason kc_route_reason(const struct kc_route *route, bool posting,
			       enum kc_chip chip);
enum kc_chip kc_chip_of_name(const char *name, bool *own_remapping);

/* irqfd.c */
int kc_irqfd_assign(struct kc_vm *vm, const struct kvm_irqfd *args);
int kc_irqfd_deassign(struct kc_vm *vm, const struct kvm_irqfd *args);
void kc_irqfd_release_all(struct kc_vm *vm);
void kc_inject(struct kc_irqfd *irqfd);
void kc_irqfds_show(struct seq_file *m);
struct kc_irqfd *kc_irqfd_find(struct kc_vm *vm, u32 gsi);
int kc_irqfd_guest_eoi(struct kc_vm *vm, const struct kc_guest_eoi *eoi);
int kc_irqfd_init(void);
void kc_irqfd_exit(void);

/* bypass.c */
int kc_add_producer(struct irq_bypass_consumer *cons,
		    struct irq_bypass_producer *prod);
void kc_del_producer(struct irq_bypass_consumer *cons,
		     struct irq_bypass_producer *prod);
void kc_deactivate(struct kc_irqfd *irqfd);
void kc_irqfd_routes_changing(struct kc_vm *vm, const struct kc_routes *routes);
void kc_irqfd_routes_changed(struct kc_vm *vm);

/* debugfs.c */
void kc_debugfs_init(void);
void kc_debugfs_exit(void);

/* vcpu.c */
int kc_vcpus_init(struct kc_vm *vm);
void kc_vcpus_free(struct kc_vm *vm);
phys_addr_t kc_vcpu_pi_addr(struct kc_vm *vm, u32 vcpu);
int kc_vcpu_claim(struct kc_vm *vm, u32 vcpu, u32 vector, u32 gsi);
bool kc_vcpu_unclaim(struct kc_vm *vm, u32 vcpu, u32 vector);
bool kc_vcpu_latched(struct kc_vm *vm, u32 vcpu, u32 vector);
unsigned int kc_vcpu_run(struct kc_vm *vm, u32 vcpu);

#endif /* _KVM_CONSUMER_H */
