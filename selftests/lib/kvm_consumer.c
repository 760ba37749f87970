// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <libbypass/assert.h>
#include <libbypass/kvm_consumer.h>

int kc_open_vm(void)
{
	int vm = open(KC_DEV, O_RDWR | O_CLOEXEC);

	return vm < 0 ? -errno : vm;
}

struct kvm_irq_routing_entry kc_msi_route(uint32_t gsi, uint32_t dest,
					  uint32_t vector)
{
	struct kvm_irq_routing_entry e = { .gsi = gsi,
					   .type = KVM_IRQ_ROUTING_MSI };

	e.u.msi.address_lo = 0xfee00000u | dest << 12;
	e.u.msi.data = vector;
	return e;
}

struct kvm_irq_routing_entry kc_level_route(uint32_t gsi, uint32_t pin)
{
	struct kvm_irq_routing_entry e = { .gsi = gsi,
					   .type = KVM_IRQ_ROUTING_IRQCHIP };

	e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	e.u.irqchip.pin = pin;
	return e;
}

int kc_set_routes(int vm, const struct kvm_irq_routing_entry *e,
		  unsigned int nr)
{
	struct {
		struct kc_routing_hdr hdr;
		struct kvm_irq_routing_entry e[];
	} *t = calloc(1, sizeof(*t) + nr * sizeof(*e));
	int ret;

	util_check(t, "allocate %u routes", nr);
	t->hdr.nr = nr;
	if (nr)
		memcpy(t->e, e, nr * sizeof(*e));
	ret = ioctl(vm, KC_SET_GSI_ROUTING, t) ? -errno : 0;
	free(t);
	return ret;
}

int kc_irqfd(int vm, int fd, uint32_t gsi, uint32_t flags, int resamplefd)
{
	struct kvm_irqfd a = { .fd = fd, .gsi = gsi, .flags = flags,
			       .resamplefd = resamplefd };

	return ioctl(vm, KC_IRQFD, &a) ? -errno : 0;
}

struct kc_gsi_state kc_get_gsi_state(int vm, uint32_t gsi)
{
	struct kc_gsi_state s = { .gsi = gsi };

	util_check(!ioctl(vm, KC_GET_GSI_STATE, &s), "KC_GET_GSI_STATE gsi %u",
		   gsi);
	return s;
}

int kc_eoi(int vm, uint32_t gsi, uint32_t flags)
{
	struct kc_guest_eoi eoi = { .gsi = gsi, .flags = flags };

	return ioctl(vm, KC_GUEST_EOI, &eoi) ? -errno : 0;
}

int kc_run_vcpu(int vm, uint32_t vcpu)
{
	struct kc_vcpu_run run = { .vcpu = vcpu };

	return ioctl(vm, KC_RUN_VCPU, &run) ? -errno : (int)run.delivered;
}
