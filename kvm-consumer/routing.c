// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-consumer routing: turns KVM routing entries into routes, and decides
 * how an interrupt on a route can be delivered. No device is involved, so
 * all of it is covered by KUnit.
 */

#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include <irqbypass/compat.h>

#include "kvm_consumer.h"

/*
 * Exported only for the KUnit module, in a namespace of their own that
 * nothing else imports.
 */

/* x86 MSI address: 0xfeeXXXXX, destination id in bits 19:12. */
#define KC_MSI_ADDR_BASE	0xfee00000u
#define KC_MSI_ADDR_MASK	0xfff00000u
#define KC_MSI_DEST(addr)	(((addr) >> 12) & 0xff)
#define KC_MSI_LOGICAL		BIT(2)
#define KC_MSI_BROADCAST	0xff
#define KC_IRQCHIP_PINS		24

static int kc_route_from_msi(struct kc_route *r,
			     const struct kvm_irq_routing_entry *entry)
{
	u32 addr = entry->u.msi.address_lo;
	u32 dest = KC_MSI_DEST(addr);

	if ((addr & KC_MSI_ADDR_MASK) != KC_MSI_ADDR_BASE ||
	    entry->u.msi.address_hi)
		return -EINVAL;

	r->vector = entry->u.msi.data & 0xff;
	if (dest == KC_MSI_BROADCAST) {
		r->multicast = true;
		r->vcpu = 0;
	} else if (addr & KC_MSI_LOGICAL) {
		/* Flat logical mode: one bit per destination. */
		if (!dest)
			return -EINVAL;
		r->multicast = hweight8(dest) > 1;
		r->vcpu = __ffs(dest);
	} else {
		if (dest >= KC_MAX_VCPUS)
			return -EINVAL;
		r->vcpu = dest;
	}
	return 0;
}

static int kc_route_from_irqchip(struct kc_route *r,
				 const struct kvm_irq_routing_entry *entry)
{
	if (entry->u.irqchip.irqchip > KVM_IRQCHIP_IOAPIC ||
	    entry->u.irqchip.pin >= KC_IRQCHIP_PINS)
		return -EINVAL;
	r->level = true;
	r->vector = entry->u.irqchip.pin;
	r->vcpu = 0;
	return 0;
}

static int kc_route_cmp(const void *a, const void *b)
{
	const struct kc_route *x = a, *y = b;

	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

/**
 * kc_routes_parse - build a routing table from KVM routing entries
 * @entries: @nr entries, already copied from user space
 * @nr: number of entries, at most KC_MAX_ROUTES
 *
 * Accepts KVM_IRQ_ROUTING_MSI (x86 addresses, APIC ids below KC_MAX_VCPUS)
 * and KVM_IRQ_ROUTING_IRQCHIP entries with zero flags, each GSI below
 * KC_MAX_ROUTES and present once.
 *
 * Return: the table, sorted by GSI; ERR_PTR(-EINVAL) for a bad entry,
 * ERR_PTR(-ENOMEM).
 */
struct kc_routes *kc_routes_parse(const struct kvm_irq_routing_entry *entries,
				  unsigned int nr)
{
	struct kc_routes *routes;
	unsigned int i;
	int ret = 0;

	if (nr > KC_MAX_ROUTES)
		return ERR_PTR(-EINVAL);
	routes = kzalloc(struct_size(routes, entries, nr), GFP_KERNEL_ACCOUNT);
	if (!routes)
		return ERR_PTR(-ENOMEM);
	routes->nr = nr;

	for (i = 0; i < nr && !ret; i++) {
		struct kc_route *r = &routes->entries[i];

		if (entries[i].gsi >= KC_MAX_ROUTES || entries[i].flags) {
			ret = -EINVAL;
			break;
		}
		r->gsi = entries[i].gsi;
		switch (entries[i].type) {
		case KVM_IRQ_ROUTING_MSI:
			ret = kc_route_from_msi(r, &entries[i]);
			break;
		case KVM_IRQ_ROUTING_IRQCHIP:
			ret = kc_route_from_irqchip(r, &entries[i]);
			break;
		default:
			ret = -EINVAL;
		}
	}

	if (!ret) {
		sort(routes->entries, nr, sizeof(routes->entries[0]),
		     kc_route_cmp, NULL);
		for (i = 1; i < nr; i++)
			if (routes->entries[i].gsi == routes->entries[i - 1].gsi)
				ret = -EINVAL;
	}
	if (ret) {
		kfree(routes);
		return ERR_PTR(ret);
	}
	return routes;
}
EXPORT_SYMBOL_IF_KUNIT(kc_routes_parse);

/**
 * kc_route_find - the route of a GSI
 * @routes: a table from kc_routes_parse(), or NULL
 * @gsi: the GSI
 *
 * Return: the route, or NULL if @gsi has none.
 */
const struct kc_route *kc_route_find(const struct kc_routes *routes, u32 gsi)
{
	unsigned int lo = 0, hi = routes ? routes->nr : 0;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct kc_route *r = &routes->entries[mid];

		if (r->gsi == gsi)
			return r;
		if (r->gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kc_route_find);

/*
 * The chips whose vCPU affinity argument we speak: a VT-d posting
 * descriptor (the model's posting flavour) or a GIC's forwarding to a vCPU
 * (GICv3, the model's GIC flavour). Real VT-d (INTEL-IR) takes our
 * descriptor too, but would then notify a real CPU at the descriptor's
 * vector, a protocol only a hypervisor with running vCPUs completes:
 * Documentation/kvm-consumer.md. Other chips, AMD's among them, take
 * other formats: never hand them ours.
 */
static const struct kc_known_chip {
	const char *name;
	enum kc_chip kind;
	bool own_remapping;	/* posts without an IOMMU: the model's chip */
} kc_known_chips[] = {
	{ "INTEL-IR", KC_CHIP_NOTIFIES, false },
	{ "icm-post", KC_CHIP_POSTS, true },
	{ "GICv3", KC_CHIP_FORWARDS, false },
	{ "icm-gic", KC_CHIP_FORWARDS, false },
};

/**
 * kc_chip_of_name - what a chip with a vCPU affinity does with ours
 * @name: the chip's name (struct irq_chip.name)
 * @own_remapping: set if the chip posts without an IOMMU (the model's)
 *
 * Return: the chip's kind; KC_CHIP_FOREIGN for a chip we do not know.
 */
enum kc_chip kc_chip_of_name(const char *name, bool *own_remapping)
{
	int i;

	*own_remapping = false;
	for (i = 0; i < ARRAY_SIZE(kc_known_chips); i++) {
		if (!strcmp(name, kc_known_chips[i].name)) {
			*own_remapping = kc_known_chips[i].own_remapping;
			return kc_known_chips[i].kind;
		}
	}
	return KC_CHIP_FOREIGN;
}
EXPORT_SYMBOL_IF_KUNIT(kc_chip_of_name);

/**
 * kc_route_reason - why a route cannot bypass the host
 * @route: the route, or NULL if the GSI has none
 * @posting: the interrupt remapping hardware can post interrupts
 * @chip: what the producer irq's chip does with a vCPU affinity
 *
 * A level route bypasses by forwarding, an MSI route by posting.
 *
 * Return: KC_REASON_NONE if an interrupt on @route can be forwarded (level)
 * or posted (MSI) to its vCPU, else the first reason it cannot.
 */
enum kc_reason kc_route_reason(const struct kc_route *route, bool posting,
			       enum kc_chip chip)
{
	if (!route)
		return KC_REASON_NO_ROUTE;
	if (route->level)
		return chip == KC_CHIP_FORWARDS ? KC_REASON_NONE : KC_REASON_NOT_MSI;
	if (route->multicast)
		return KC_REASON_MULTICAST;
	if (chip == KC_CHIP_FOREIGN)
		return KC_REASON_FOREIGN_CHIP;
	if (!posting)
		return KC_REASON_NO_POSTING;
	if (chip == KC_CHIP_NOTIFIES)
		return KC_REASON_HARDWARE_POSTING;
	if (chip != KC_CHIP_POSTS)
		return KC_REASON_NO_VCPU_AFFINITY;
	return KC_REASON_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(kc_route_reason);
