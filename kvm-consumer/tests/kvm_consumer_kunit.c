// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for kvm-consumer's routing: parsing KVM routing entries and
 * deciding whether a route's interrupt can be posted, and why not.
 */

#include <kunit/test.h>

#include <irqbypass/compat.h>
#include <linux/module.h>

#include "../kvm_consumer.h"

MODULE_IMPORT_NS(IRQBP_KUNIT_NS);

static struct kvm_irq_routing_entry msi(u32 gsi, u32 dest, bool logical,
					u32 vector)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
	};

	e.u.msi.address_lo = 0xfee00000 | dest << 12 | (logical ? 4 : 0);
	e.u.msi.data = vector;
	return e;
}

static struct kvm_irq_routing_entry irqchip(u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_IRQCHIP,
	};

	e.u.irqchip.irqchip = chip;
	e.u.irqchip.pin = pin;
	return e;
}

static void parse_msi_and_irqchip(struct kunit *test)
{
	struct kvm_irq_routing_entry e[] = {
		msi(40, 3, false, 0x31),
		irqchip(5, KVM_IRQCHIP_IOAPIC, 5),
		msi(7, 0xff, false, 0x40),
		msi(9, 0x6, true, 0x41),
		msi(10, 0x4, true, 0x42),
	};
	struct kc_routes *r = kc_routes_parse(e, ARRAY_SIZE(e));
	const struct kc_route *rt;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->nr, 5u);
	/* Sorted by GSI. */
	KUNIT_EXPECT_EQ(test, r->entries[0].gsi, 5u);
	KUNIT_EXPECT_EQ(test, r->entries[4].gsi, 40u);

	rt = kc_route_find(r, 40);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rt->vcpu, 3u);
	KUNIT_EXPECT_EQ(test, rt->vector, 0x31u);
	KUNIT_EXPECT_FALSE(test, rt->level);
	KUNIT_EXPECT_FALSE(test, rt->multicast);

	rt = kc_route_find(r, 5);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_TRUE(test, rt->level);
	KUNIT_EXPECT_EQ(test, rt->vector, 5u);

	KUNIT_EXPECT_TRUE(test, kc_route_find(r, 7)->multicast);	/* broadcast */
	KUNIT_EXPECT_TRUE(test, kc_route_find(r, 9)->multicast);	/* 2 logical */
	KUNIT_EXPECT_FALSE(test, kc_route_find(r, 10)->multicast);	/* 1 logical */
	KUNIT_EXPECT_EQ(test, kc_route_find(r, 10)->vcpu, 2u);
	KUNIT_EXPECT_NULL(test, kc_route_find(r, 6));
	KUNIT_EXPECT_NULL(test, kc_route_find(r, 41));
	KUNIT_EXPECT_NULL(test, kc_route_find(NULL, 40));
	kfree(r);
}

static void parse_empty(struct kunit *test)
{
	struct kc_routes *r = kc_routes_parse(NULL, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, r->nr, 0u);
	KUNIT_EXPECT_NULL(test, kc_route_find(r, 0));
	kfree(r);
}

struct bad_case {
	const char *name;
	struct kvm_irq_routing_entry e;
};

static struct kvm_irq_routing_entry with_flags(struct kvm_irq_routing_entry e)
{
	e.flags = KVM_MSI_VALID_DEVID;
	return e;
}

static struct kvm_irq_routing_entry with_addr(u32 lo, u32 hi)
{
	struct kvm_irq_routing_entry e = msi(1, 0, false, 0x30);

	e.u.msi.address_lo = lo;
	e.u.msi.address_hi = hi;
	return e;
}

static struct kvm_irq_routing_entry of_type(u32 type)
{
	struct kvm_irq_routing_entry e = msi(1, 0, false, 0x30);

	e.type = type;
	return e;
}

static void parse_rejects(struct kunit *test)
{
	const struct bad_case cases[] = {
		{ "GSI beyond the table", msi(KC_MAX_ROUTES, 0, false, 0x30) },
		{ "entry flags", with_flags(msi(1, 0, false, 0x30)) },
		{ "not an MSI address", with_addr(0xfed00000, 0) },
		{ "64-bit MSI address", with_addr(0xfee00000, 1) },
		{ "APIC id beyond the vCPUs", msi(1, KC_MAX_VCPUS, false, 0x30) },
		{ "logical mode, no destination", msi(1, 0, true, 0x30) },
		{ "irqchip beyond the IOAPIC", irqchip(1, 3, 1) },
		{ "IOAPIC pin beyond 23", irqchip(1, KVM_IRQCHIP_IOAPIC, 24) },
		{ "S390 adapter route", of_type(KVM_IRQ_ROUTING_S390_ADAPTER) },
		{ "HV SINT route", of_type(KVM_IRQ_ROUTING_HV_SINT) },
		{ "unknown type", of_type(99) },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvm_irq_routing_entry e[] = { msi(0, 0, false, 0x30), cases[i].e };

		KUNIT_EXPECT_PTR_EQ_MSG(test, kc_routes_parse(e, 2), ERR_PTR(-EINVAL),
					"%s", cases[i].name);
	}
}

static void parse_rejects_duplicates_and_size(struct kunit *test)
{
	struct kvm_irq_routing_entry dup[] = {
		msi(3, 0, false, 0x30), msi(4, 0, false, 0x31), msi(3, 1, false, 0x32),
	};

	KUNIT_EXPECT_PTR_EQ(test, kc_routes_parse(dup, ARRAY_SIZE(dup)),
			    ERR_PTR(-EINVAL));
	KUNIT_EXPECT_PTR_EQ(test, kc_routes_parse(dup, KC_MAX_ROUTES + 1),
			    ERR_PTR(-EINVAL));
}

static void many_routes_found(struct kunit *test)
{
	struct kvm_irq_routing_entry *e;
	struct kc_routes *r;
	unsigned int i;

	e = kunit_kcalloc(test, KC_MAX_ROUTES, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* Reverse order: the parser sorts. */
	for (i = 0; i < KC_MAX_ROUTES; i++)
		e[i] = msi(KC_MAX_ROUTES - 1 - i, i % KC_MAX_VCPUS, false, i & 0xff);
	r = kc_routes_parse(e, KC_MAX_ROUTES);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	for (i = 0; i < KC_MAX_ROUTES; i++) {
		const struct kc_route *rt = kc_route_find(r, i);

		KUNIT_ASSERT_NOT_NULL(test, rt);
		KUNIT_EXPECT_EQ(test, rt->gsi, i);
		KUNIT_EXPECT_EQ(test, rt->vcpu, (KC_MAX_ROUTES - 1 - i) % KC_MAX_VCPUS);
	}
	kfree(r);
}

static void mode_decisions(struct kunit *test)
{
	struct kc_route unicast = { .gsi = 1, .vcpu = 2, .vector = 0x31 };
	struct kc_route multicast = { .gsi = 2, .multicast = true };
	struct kc_route level = { .gsi = 3, .level = true };

	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, true, KC_CHIP_POSTS),
			KC_REASON_NONE);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, false, KC_CHIP_POSTS),
			KC_REASON_NO_POSTING);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, true, KC_CHIP_OTHER),
			KC_REASON_NO_VCPU_AFFINITY);
	/* A forwarding chip does not take a posting descriptor. */
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, true, KC_CHIP_FORWARDS),
			KC_REASON_NO_VCPU_AFFINITY);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&multicast, true, KC_CHIP_POSTS),
			KC_REASON_MULTICAST);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&level, true, KC_CHIP_POSTS),
			KC_REASON_NOT_MSI);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&level, false, KC_CHIP_FORWARDS),
			KC_REASON_NONE);
	KUNIT_EXPECT_EQ(test, kc_route_reason(NULL, true, KC_CHIP_FORWARDS),
			KC_REASON_NO_ROUTE);
	/* A chip of another format is never handed ours, posting or not. */
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, true, KC_CHIP_FOREIGN),
			KC_REASON_FOREIGN_CHIP);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, false, KC_CHIP_FOREIGN),
			KC_REASON_FOREIGN_CHIP);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&level, true, KC_CHIP_FOREIGN),
			KC_REASON_NOT_MSI);
	/* The route's own reasons come before the platform's. */
	KUNIT_EXPECT_EQ(test, kc_route_reason(&level, false, KC_CHIP_OTHER),
			KC_REASON_NOT_MSI);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&multicast, false, KC_CHIP_OTHER),
			KC_REASON_MULTICAST);
}

/*
 * Whose vCPU affinity is spoken: the model's posting chip (with its own
 * remapping) and the GICs; real VT-d takes our descriptor but would
 * notify real CPUs, so it is refused with its reason; any other chip is
 * foreign and never called.
 */
static void chips_by_name(struct kunit *test)
{
	struct kc_route unicast = { .gsi = 1, .vcpu = 2, .vector = 0x40 };
	bool own;

	KUNIT_EXPECT_EQ(test, kc_chip_of_name("icm-post", &own), KC_CHIP_POSTS);
	KUNIT_EXPECT_TRUE(test, own);
	KUNIT_EXPECT_EQ(test, kc_chip_of_name("icm-gic", &own), KC_CHIP_FORWARDS);
	KUNIT_EXPECT_FALSE(test, own);
	KUNIT_EXPECT_EQ(test, kc_chip_of_name("GICv3", &own), KC_CHIP_FORWARDS);
	KUNIT_EXPECT_EQ(test, kc_chip_of_name("INTEL-IR", &own), KC_CHIP_NOTIFIES);
	KUNIT_EXPECT_FALSE(test, own);
	KUNIT_EXPECT_EQ(test, kc_chip_of_name("AMD-IR", &own), KC_CHIP_FOREIGN);
	KUNIT_EXPECT_EQ(test, kc_chip_of_name("icm-foreign", &own), KC_CHIP_FOREIGN);
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, true, KC_CHIP_NOTIFIES),
			KC_REASON_HARDWARE_POSTING);
	/* Without the posting capability, that comes first. */
	KUNIT_EXPECT_EQ(test, kc_route_reason(&unicast, false, KC_CHIP_NOTIFIES),
			KC_REASON_NO_POSTING);
}

static struct kunit_case kvm_consumer_cases[] = {
	KUNIT_CASE(parse_msi_and_irqchip),
	KUNIT_CASE(parse_empty),
	KUNIT_CASE(parse_rejects),
	KUNIT_CASE(parse_rejects_duplicates_and_size),
	KUNIT_CASE(many_routes_found),
	KUNIT_CASE(mode_decisions),
	KUNIT_CASE(chips_by_name),
	{}
};

static struct kunit_suite kvm_consumer_suite = {
	.name = "kvm_consumer_routing",
	.test_cases = kvm_consumer_cases,
};

kunit_test_suite(kvm_consumer_suite);

MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("KUnit tests for kvm-consumer's routing");
