/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm-consumer's char device from user space: VMs, GSI routes, irqfds,
 * the guest's completions and vCPU runs (Documentation/kvm-consumer.md).
 * Each call returns 0 (or what it reads) or -errno.
 */
#ifndef LIBBYPASS_KVM_CONSUMER_H
#define LIBBYPASS_KVM_CONSUMER_H

#include <stdint.h>
#include <irqbypass/kvm_consumer.h>

#define KC_DEV	"/dev/kvm-consumer"

/* A new VM: its file descriptor, or -errno. */
int kc_open_vm(void);

/* A route of GSI @gsi to vCPU (APIC id) @dest, vector @vector. */
struct kvm_irq_routing_entry kc_msi_route(uint32_t gsi, uint32_t dest,
					  uint32_t vector);

/* A level route of GSI @gsi to pin @pin of the IOAPIC. */
struct kvm_irq_routing_entry kc_level_route(uint32_t gsi, uint32_t pin);

/* KC_SET_GSI_ROUTING: the VM's routes are @nr entries @e. */
int kc_set_routes(int vm, const struct kvm_irq_routing_entry *e,
		  unsigned int nr);

/* KC_IRQFD: eventfd @fd on GSI @gsi, as KVM_IRQFD takes them. */
int kc_irqfd(int vm, int fd, uint32_t gsi, uint32_t flags, int resamplefd);

/* KC_GET_GSI_STATE of GSI @gsi; fails the test if the call fails. */
struct kc_gsi_state kc_get_gsi_state(int vm, uint32_t gsi);

/* KC_GUEST_EOI: the guest completes (or holds, releases) GSI @gsi. */
int kc_eoi(int vm, uint32_t gsi, uint32_t flags);

/* KC_RUN_VCPU: the number of interrupts vCPU @vcpu delivered, or -errno. */
int kc_run_vcpu(int vm, uint32_t vcpu);

#endif /* LIBBYPASS_KVM_CONSUMER_H */
