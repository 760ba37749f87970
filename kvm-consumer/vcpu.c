// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-consumer vCPUs: each owns a posted-interrupt descriptor that posting
 * hardware writes; running a vCPU moves what its descriptor latched into
 * delivered interrupts, as a vCPU entry syncs the PIR into the virtual
 * APIC. Behaviour: Documentation/kvm-consumer.md, "Posted mode".
 */

#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kvm_consumer.h"

/* Which GSI posts @vector to @vcpu: the index into vm->vector_gsi. */
static unsigned int kc_slot(u32 vcpu, u32 vector)
{
	return vcpu * KC_NR_VECTORS + vector;
}

/**
 * kc_vcpus_init - give a VM its vCPUs
 * @vm: the VM being created
 *
 * Return: 0 or -ENOMEM.
 */
int kc_vcpus_init(struct kc_vm *vm)
{
	spin_lock_init(&vm->vcpu_lock);
	/* Physically contiguous: the hardware is handed their addresses. */
	vm->pi = kcalloc(KC_MAX_VCPUS, sizeof(*vm->pi), GFP_KERNEL_ACCOUNT);
	vm->vector_gsi = kvcalloc(KC_MAX_VCPUS * KC_NR_VECTORS,
				  sizeof(*vm->vector_gsi), GFP_KERNEL_ACCOUNT);
	if (!vm->pi || !vm->vector_gsi) {
		kc_vcpus_free(vm);
		return -ENOMEM;
	}
	return 0;
}

/**
 * kc_vcpus_free - release a VM's vCPUs
 * @vm: the VM, with no irqfd left
 */
void kc_vcpus_free(struct kc_vm *vm)
{
	kvfree(vm->vector_gsi);
	kfree(vm->pi);
}

/**
 * kc_vcpu_pi_addr - where the hardware posts to a vCPU
 * @vm: the VM
 * @vcpu: the vCPU's APIC id, below KC_MAX_VCPUS
 *
 * Return: the physical address of the vCPU's descriptor.
 */
phys_addr_t kc_vcpu_pi_addr(struct kc_vm *vm, u32 vcpu)
{
	return __pa(&vm->pi[vcpu]);
}

/**
 * kc_vcpu_claim - reserve a vCPU's vector for the posted interrupts of a GSI
 * @vm: the VM
 * @vcpu: the vCPU's APIC id, below KC_MAX_VCPUS
 * @vector: the guest vector
 * @gsi: the GSI
 *
 * Return: 0, or -EBUSY if another GSI posts to that vector: the vCPU could
 * not tell whose an interrupt is.
 */
int kc_vcpu_claim(struct kc_vm *vm, u32 vcpu, u32 vector, u32 gsi)
{
	u16 *owner = &vm->vector_gsi[kc_slot(vcpu, vector)];
	int ret = 0;

	spin_lock(&vm->vcpu_lock);
	if (*owner)
		ret = -EBUSY;
	else
		*owner = gsi + 1;
	spin_unlock(&vm->vcpu_lock);
	return ret;
}

/**
 * kc_vcpu_unclaim - end the posting of a GSI to a vCPU's vector
 * @vm: the VM
 * @vcpu: the vCPU's APIC id
 * @vector: the guest vector
 *
 * The hardware no longer posts there. What the descriptor latched for the
 * vector and no vCPU run delivered yet is taken out of it.
 *
 * Return: whether an interrupt was latched: the caller delivers it.
 */
bool kc_vcpu_unclaim(struct kc_vm *vm, u32 vcpu, u32 vector)
{
	bool latched;

	spin_lock(&vm->vcpu_lock);
	latched = test_and_clear_bit(vector, (unsigned long *)vm->pi[vcpu].pir);
	vm->vector_gsi[kc_slot(vcpu, vector)] = 0;
	spin_unlock(&vm->vcpu_lock);
	return latched;
}

/**
 * kc_vcpu_latched - whether a vCPU's descriptor holds a vector
 * @vm: the VM
 * @vcpu: the vCPU's APIC id
 * @vector: the guest vector
 *
 * Return: true if an interrupt was posted to it and not yet delivered.
 */
bool kc_vcpu_latched(struct kc_vm *vm, u32 vcpu, u32 vector)
{
	return test_bit(vector, (unsigned long *)vm->pi[vcpu].pir);
}

/**
 * kc_vcpu_run - run a vCPU once: deliver what its descriptor latched
 * @vm: the VM
 * @vcpu: the vCPU's APIC id, below KC_MAX_VCPUS
 *
 * As a vCPU entry: clear the outstanding notification first, so that an
 * interrupt posted during the sync notifies again, then take each PIR word
 * whole and count every vector in it as delivered to the GSI posting it.
 *
 * Return: the number of interrupts delivered.
 */
unsigned int kc_vcpu_run(struct kc_vm *vm, u32 vcpu)
{
	struct irqbp_pi_desc *pi = &vm->pi[vcpu];
	unsigned int i, delivered = 0;

	spin_lock(&vm->vcpu_lock);
	clear_bit(IRQBP_PI_ON, (unsigned long *)&pi->control);
	for (i = 0; i < ARRAY_SIZE(pi->pir); i++) {
		unsigned long bits = xchg(&pi->pir[i], 0);
		unsigned int bit;

		for_each_set_bit(bit, &bits, 32) {
			u16 owner = vm->vector_gsi[kc_slot(vcpu, i * 32 + bit)];

			/* Only a claimed vector is ever posted to. */
			if (WARN_ON_ONCE(!owner))
				continue;
			atomic64_inc(&vm->stats[owner - 1].posted);
			delivered++;
		}
	}
	spin_unlock(&vm->vcpu_lock);
	return delivered;
}
