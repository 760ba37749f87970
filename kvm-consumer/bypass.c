// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-consumer's IRQ bypass consumer: for each irqfd paired with a
 * producer, the mode its route and the producer's chip allow (posted,
 * forwarded or remapped, with the reason), programmed through the
 * kernel's irq_set_vcpu_affinity(), and kept right as routes change; as
 * KVM's kvm_arch_irq_bypass_*() are beside its irqfds. Behaviour, modes
 * and reasons: Documentation/kvm-consumer.md
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#ifdef CONFIG_IRQ_REMAP
#include <asm/irq_remapping.h>
#endif

#include <irqbypass/layout.h>

#include "kvm_consumer.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The tracepoint record must be what the uapi header says. */
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, token);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, host_irq);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, gsi);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, vcpu);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, vector);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, mode);
IRQBP_SAME_FIELD(trace_event_raw_kc_mode, kc_tp_mode, reason);

/*
 * The kind of the chip on @irq's hierarchy that takes a vCPU affinity.
 * *@posting: the chip can post now.
 */
static enum kc_chip kc_chip_kind(int irq, bool *posting)
{
	struct irq_data *data = irq_get_irq_data(irq);
	bool own_remapping;
	enum kc_chip kind;

#ifdef CONFIG_IRQ_REMAP
	*posting = irq_remapping_cap(IRQ_POSTING_CAP);
#else
	*posting = false;
#endif
	while (data && !(data->chip && data->chip->irq_set_vcpu_affinity)) {
#ifdef CONFIG_IRQ_DOMAIN_HIERARCHY
		data = data->parent_data;
#else
		data = NULL;
#endif
	}
	if (!data)
		return KC_CHIP_OTHER;
	kind = kc_chip_of_name(data->chip->name, &own_remapping);
	*posting |= own_remapping;
	if (kind == KC_CHIP_FOREIGN)
		pr_info_once("irq %d: chip %s takes a vCPU affinity we do not speak: not posted\n",
			     irq, data->chip->name);
	return kind;
}

static void kc_set_mode(struct kc_irqfd *irqfd, const struct kc_route *route,
			enum kc_mode mode, enum kc_reason reason)
{
	lockdep_assert_held(&irqfd->mode_lock);

	if (irqfd->mode == mode && irqfd->reason == reason)
		return;
	irqfd->mode = mode;
	irqfd->reason = reason;
	trace_kc_mode(irqfd->eventfd,
		      irqfd->producer ? irqfd->producer->irq : -1, irqfd->gsi,
		      route ? route->vcpu : 0, route ? route->vector : 0,
		      mode, reason);
}

/**
 * kc_deactivate - the guest's completion of a forwarded level interrupt
 * @irqfd: the irqfd, with its mode_lock held
 *
 * If the pair broke since the injection, the producer deactivated the
 * line itself: the completion is counted all the same, once.
 */
void kc_deactivate(struct kc_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->mode_lock);

	if (irqfd->mode == KC_MODE_FORWARDED)
		WARN_ON(irq_set_irqchip_state(irqfd->producer->irq,
					      IRQCHIP_STATE_ACTIVE, false));
	atomic64_inc(&irqfd->vm->stats[irqfd->gsi].deactivations);
}

/*
 * Leave posted or forwarded mode: the producer's irq goes back to host
 * delivery. A forwarded interrupt the guest has not completed yet is
 * completed now: nobody would deactivate it once unforwarded. A posted
 * one the vCPU has not run to yet moves to the host path, once the
 * hardware has stopped posting: nothing latched is lost.
 */
static void kc_leave_bypass(struct kc_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->mode_lock);

	if (irqfd->mode == KC_MODE_FORWARDED) {
		while (atomic_dec_if_positive(&irqfd->undeactivated) >= 0)
			kc_deactivate(irqfd);
		WRITE_ONCE(irqfd->forwarded, false);
	}
	if (irqfd->mode == KC_MODE_POSTED || irqfd->mode == KC_MODE_FORWARDED)
		WARN_ON(irq_set_vcpu_affinity(irqfd->producer->irq, NULL));
	if (irqfd->mode == KC_MODE_POSTED &&
	    kc_vcpu_unclaim(irqfd->vm, irqfd->posted_vcpu, irqfd->posted_vector))
		kc_inject(irqfd);
}

/* Post @route's interrupts to its vCPU: KC_REASON_NONE, or why not. */
static enum kc_reason kc_post(struct kc_irqfd *irqfd,
			      const struct kc_route *route)
{
	struct kc_vm *vm = irqfd->vm;
	struct irqbp_pi_data vd = {
		.pi_desc_addr = kc_vcpu_pi_addr(vm, route->vcpu),
		.vector = route->vector,
	};

	if (kc_vcpu_claim(vm, route->vcpu, route->vector, irqfd->gsi))
		return KC_REASON_VECTOR_SHARED;
	if (irq_set_vcpu_affinity(irqfd->producer->irq, &vd)) {
		kc_vcpu_unclaim(vm, route->vcpu, route->vector);
		return KC_REASON_AFFINITY_FAILED;
	}
	irqfd->posted_vcpu = route->vcpu;
	irqfd->posted_vector = route->vector;
	return KC_REASON_NONE;
}

/* Whether @irq is level-triggered: only those are forwarded. */
static bool kc_irq_is_level(int irq)
{
	struct irq_data *data = irq_get_irq_data(irq);

	return data && (irqd_is_level_type(data) ||
			(irqd_get_trigger_type(data) & IRQ_TYPE_LEVEL_MASK));
}

/*
 * Program the bypass of a connected irqfd for its route in @routes, the
 * published table or, on a route change, the one about to be.
 */
static void kc_update_mode(struct kc_irqfd *irqfd,
			   const struct kc_routes *routes)
{
	const struct kc_route *route;
	enum kc_reason reason;
	enum kc_chip chip;
	bool posting;

	lockdep_assert_held(&irqfd->mode_lock);

	if (!irqfd->producer) {
		kc_set_mode(irqfd, NULL, KC_MODE_NONE, KC_REASON_NONE);
		return;
	}

	route = kc_route_find(routes, irqfd->gsi);
	chip = kc_chip_kind(irqfd->producer->irq, &posting);
	reason = kc_route_reason(route, posting, chip);
	/* An edge needs no completion: forwarded, it would stay active. */
	if (reason == KC_REASON_NONE && route->level &&
	    !kc_irq_is_level(irqfd->producer->irq))
		reason = KC_REASON_EDGE_LINE;
	if (reason == KC_REASON_NONE && route->level) {
		if (irqfd->mode == KC_MODE_FORWARDED)
			return;
		kc_leave_bypass(irqfd);
		/* Any non-NULL vCPU: this irqfd stands for the route's. */
		if (irq_set_vcpu_affinity(irqfd->producer->irq, irqfd)) {
			kc_set_mode(irqfd, route, KC_MODE_REMAPPED,
				    KC_REASON_AFFINITY_FAILED);
			return;
		}
		WRITE_ONCE(irqfd->forwarded, true);
		kc_set_mode(irqfd, route, KC_MODE_FORWARDED, KC_REASON_NONE);
		return;
	}
	if (reason == KC_REASON_NONE) {
		if (irqfd->mode == KC_MODE_POSTED &&
		    irqfd->posted_vcpu == route->vcpu &&
		    irqfd->posted_vector == route->vector)
			return;
		kc_leave_bypass(irqfd);
		reason = kc_post(irqfd, route);
		kc_set_mode(irqfd, route, reason ? KC_MODE_REMAPPED : KC_MODE_POSTED,
			    reason);
		return;
	}
	kc_leave_bypass(irqfd);
	kc_set_mode(irqfd, route, KC_MODE_REMAPPED, reason);
}

/* The routes as published; @irqfd's VM's lock or mode_lock held. */
static const struct kc_routes *kc_routes(struct kc_irqfd *irqfd)
{
	return rcu_dereference_check(irqfd->vm->routes,
				     lockdep_is_held(&irqfd->vm->lock) ||
				     lockdep_is_held(&irqfd->mode_lock));
}

/**
 * kc_add_producer - the consumer's add_producer: enter the route's bypass
 * @cons: an irqfd's consumer
 * @prod: its producer
 *
 * Return: 0; a bypass refused leaves the irqfd remapped, with the reason.
 */
int kc_add_producer(struct irq_bypass_consumer *cons,
		    struct irq_bypass_producer *prod)
{
	struct kc_irqfd *irqfd = container_of(cons, struct kc_irqfd, consumer);

	mutex_lock(&irqfd->mode_lock);
	irqfd->producer = prod;
	kc_update_mode(irqfd, kc_routes(irqfd));
	mutex_unlock(&irqfd->mode_lock);
	return 0;
}

/**
 * kc_del_producer - the consumer's del_producer: leave any bypass
 * @cons: an irqfd's consumer
 * @prod: its producer
 */
void kc_del_producer(struct irq_bypass_consumer *cons,
		     struct irq_bypass_producer *prod)
{
	struct kc_irqfd *irqfd = container_of(cons, struct kc_irqfd, consumer);

	mutex_lock(&irqfd->mode_lock);
	WARN_ON(irqfd->producer != prod);
	kc_leave_bypass(irqfd);
	kc_set_mode(irqfd, NULL, KC_MODE_NONE, KC_REASON_NONE);
	irqfd->producer = NULL;
	mutex_unlock(&irqfd->mode_lock);
}

/*
 * Re-program a connected irqfd for @routes with its producer paused, as
 * the manager pauses it around a handshake: no interrupt fires while the
 * irq enters or leaves forwarding, so each one that fired is counted in
 * the mode it fired in.
 */
static void kc_reprogram(struct kc_irqfd *irqfd, const struct kc_routes *routes)
{
	struct irq_bypass_producer *prod = irqfd->producer;

	lockdep_assert_held(&irqfd->mode_lock);

	if (prod->stop)
		prod->stop(prod);
	kc_update_mode(irqfd, routes);
	if (prod->start)
		prod->start(prod);
}

/**
 * kc_irqfd_routes_changing - leave forwarding before new routes are published
 * @vm: the VM, with its lock held
 * @routes: the routes about to be published
 *
 * A forwarded irq's interrupts stay active until completed, which only a
 * level route does: irqfds whose new route is not one leave forwarding
 * while their old route still stands.
 */
void kc_irqfd_routes_changing(struct kc_vm *vm, const struct kc_routes *routes)
{
	const struct kc_route *route;
	struct kc_irqfd *irqfd;

	lockdep_assert_held(&vm->lock);
	list_for_each_entry(irqfd, &vm->irqfds, link) {
		mutex_lock(&irqfd->mode_lock);
		route = kc_route_find(routes, irqfd->gsi);
		if (irqfd->mode == KC_MODE_FORWARDED && !(route && route->level))
			kc_reprogram(irqfd, routes);
		mutex_unlock(&irqfd->mode_lock);
	}
}

/**
 * kc_irqfd_routes_changed - re-program connected irqfds for new routes
 * @vm: the VM, with its lock held and its new routes published
 */
void kc_irqfd_routes_changed(struct kc_vm *vm)
{
	struct kc_irqfd *irqfd;

	lockdep_assert_held(&vm->lock);
	list_for_each_entry(irqfd, &vm->irqfds, link) {
		mutex_lock(&irqfd->mode_lock);
		if (irqfd->producer)
			kc_reprogram(irqfd, kc_routes(irqfd));
		mutex_unlock(&irqfd->mode_lock);
	}
}
