// SPDX-License-Identifier: GPL-2.0-only
// vfio_platform_producer.ko paired with a kvm-consumer irqfd on a level
// (IRQ chip) route: the consumer forwards the model's GIC line, which then
// stays active until the guest completes it instead of being masked by the
// host; add_consumer refuses while an interrupt is in flight; unpaired,
// the line is host-masked again.
//
// Part of vfio_platform_producer_test, run as root in the test host with
// irqbypass.ko, kvm_consumer.ko, irqchip_model.ko and
// vfio_platform_producer.ko loaded (see
// selftests/testhost/participant-tests.sh).
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

constexpr unsigned int kPin = 5; /* the IOAPIC pin of the route */

class PlatformForward : public PlatformProducerTest {
protected:
	void SetUp() override
	{
		PlatformProducerTest::SetUp();
		if (HasFatalFailure())
			return;
		if (!trace->kc_attached())
			GTEST_SKIP() << "kvm_consumer is not loaded";
	}

	// An irqfd of @vm on eventfd @efd for a level route: its consumer's
	// registration.
	Registration irqfd(KcVm &vm, const Fd &efd)
	{
		vm.set_routes({}, { { kGsi, kPin } });
		vm.irqfd_assign(efd.get(), kGsi);
		return next_registration(IBE_REGISTER_CONSUMER, from_us());
	}

	// Whether the GSI's counts reach @injections and @deactivations.
	bool counts_reach(KcVm &vm, std::uint64_t injections, std::uint64_t deactivations)
	{
		return eventually([&] {
			struct kc_gsi_state st = vm.state(kGsi);

			return st.injections >= injections && st.deactivations >= deactivations;
		});
	}
};

} // namespace

TEST_F(PlatformForward, LevelLineForwarded)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	KcVm vm;

	Registration p = assign(dev.get(), kLevelLine, efd);
	Registration c = irqfd(vm, efd);
	EXPECT_EQ(c.ret, 0);
	EXPECT_EQ(c.token, p.token);
	auto e = trace->wait_for(kind_token(IBE_CONNECT, p.token), kWait);
	ASSERT_TRUE(e) << "no connect";
	EXPECT_EQ(e->ret, 0);
	EXPECT_EQ(e->producer, p.object);
	EXPECT_EQ(e->consumer, c.object);
	EXPECT_EQ(e->irq, irqs_[kLevelLine]);
	auto m = trace->take(kind_token(IBE_KC_MODE, p.token), kWait);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mode, (unsigned int)KC_MODE_FORWARDED);
	EXPECT_EQ(m->irq, irqs_[kLevelLine]);
	EXPECT_TRUE(producer_line(kLevelLine).consumer);
	EXPECT_TRUE(producer_line(kLevelLine).forwarded);
	EXPECT_TRUE(model_.line(kLevelLine).forwarded);

	/* The guest completes at once: the line is deactivated, never masked. */
	model_.pulse(kLevelLine);
	ASSERT_TRUE(counts_reach(vm, 1, 1));
	ModelLine l = model_.line(kLevelLine);
	EXPECT_EQ(l.handled, 1u);
	EXPECT_EQ(l.completions, 1u) << "the guest deactivated it";
	EXPECT_FALSE(l.active);
	EXPECT_EQ(l.masks, 0u) << "forwarded: not masked by the host";
	PlatformProducerLine pl = producer_line(kLevelLine);
	EXPECT_EQ(pl.forwarded_handled, 1u);
	EXPECT_EQ(pl.host_masked, 0u);
	EXPECT_FALSE(pl.masked);

	/* Held by the guest, the line stays active: the next pulse waits. */
	ASSERT_EQ(vm.guest_eoi(kGsi, KC_EOI_HOLD), 0);
	model_.pulse(kLevelLine);
	ASSERT_TRUE(counts_reach(vm, 2, 1));
	EXPECT_TRUE(model_.line(kLevelLine).active);
	model_.pulse(kLevelLine);
	EXPECT_EQ(model_.line(kLevelLine).handled, 2u) << "active: not delivered again";
	EXPECT_EQ(vm.state(kGsi).in_service, 1u);
	ASSERT_EQ(vm.guest_eoi(kGsi), 0);
	ASSERT_TRUE(counts_reach(vm, 3, 2)) << "completed: the waiting pulse is delivered";
	EXPECT_TRUE(model_.line(kLevelLine).active);
	ASSERT_EQ(vm.guest_eoi(kGsi, KC_EOI_RELEASE), 0);
	ASSERT_TRUE(counts_reach(vm, 3, 3));
	l = model_.line(kLevelLine);
	EXPECT_EQ(l.completions, 3u);
	EXPECT_TRUE(l.idle());
	EXPECT_EQ(producer_line(kLevelLine).forwarded_handled, 3u);
	EXPECT_EQ(producer_line(kLevelLine).deactivated, 0u) << "the guest completed them all";

	/* Unpaired, the host masks the line again. */
	vm.irqfd_deassign(efd.get(), kGsi);
	ASSERT_TRUE(trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait));
	EXPECT_FALSE(producer_line(kLevelLine).consumer);
	EXPECT_FALSE(producer_line(kLevelLine).forwarded);
	EXPECT_FALSE(model_.line(kLevelLine).forwarded);
	model_.pulse(kLevelLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	EXPECT_EQ(producer_line(kLevelLine).host_masked, 1u);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
}

// A consumer coming while the line is masked by the host, waiting for its
// unmask: add_consumer refuses, the consumer's registration fails, and it
// succeeds once the line is unmasked.
TEST_F(PlatformForward, RefusedWhileHostMasked)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();

	Registration p = assign(dev.get(), kLevelLine, efd);
	model_.pulse(kLevelLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	ASSERT_TRUE(producer_line(kLevelLine).masked);

	KcVm vm;
	Registration c = irqfd(vm, efd);
	EXPECT_EQ(c.ret, -EBUSY) << "refused at add_consumer, with no retry promised";
	auto f = trace->wait_for(kind_token(IBE_CONNECT_FAIL, p.token), kWait);
	ASSERT_TRUE(f);
	EXPECT_EQ(f->step, (unsigned int)IRQBYPASS_STEP_ADD_CONSUMER);
	EXPECT_EQ(f->ret, -EBUSY);
	EXPECT_EQ(producer_line(kLevelLine).refused, 1u);
	EXPECT_FALSE(producer_line(kLevelLine).consumer);
	EXPECT_FALSE(producer_line(kLevelLine).forwarded) << "add_producer never ran";
	EXPECT_TRUE(debugfs_lines("pairs").empty());
	EXPECT_TRUE(producer_line(kLevelLine).masked) << "still waiting for its unmask";

	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	// Nothing retries the refused pairing by itself: the VMM assigns again.
	EXPECT_FALSE(trace->wait_for(
		[&](const Event &e) {
			return e.kind == IBE_CONNECT && e.token == p.token && e.ret == 0;
		},
		kSettle));
	EXPECT_TRUE(debugfs_lines("pairs").empty());
	vm.irqfd_deassign(efd.get(), kGsi);
	Registration again = irqfd(vm, efd);
	EXPECT_EQ(again.ret, 0) << "unmasked: accepted";
	EXPECT_TRUE(trace->wait_for(
		[&](const Event &e) {
			return e.kind == IBE_CONNECT && e.token == p.token && e.ret == 0;
		},
		kWait));
	EXPECT_TRUE(producer_line(kLevelLine).forwarded);
	vm.irqfd_deassign(efd.get(), kGsi);
	ASSERT_TRUE(trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait));
}

// The producer coming second onto a masked line: its own registration is
// refused, counted in irq_bypass_failures, and the line still signals.
TEST_F(PlatformForward, ProducerRefusedWhileMasked)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	KcVm vm;

	Registration c = irqfd(vm, efd);
	EXPECT_EQ(c.ret, 0) << "waits for a producer";
	ASSERT_EQ(vfio_mask(dev.get(), kLevelLine), 0);
	Registration p = assign(dev.get(), kLevelLine, efd);
	EXPECT_EQ(p.ret, -EBUSY);
	EXPECT_EQ(sysfs_line(platform_bus().dir(dev_) + "/irq_bypass_failures"), "1");
	EXPECT_EQ(producer_line(kLevelLine).refused, 1u);
	EXPECT_TRUE(producer_line(kLevelLine).trigger);
	EXPECT_FALSE(producer_line(kLevelLine).producer);

	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	model_.pulse(kLevelLine);
	EXPECT_TRUE(counts_reach(vm, 1, 0)) << "through the host, without bypass";
	EXPECT_TRUE(producer_line(kLevelLine).masked) << "host-masked, not forwarded";
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	vm.irqfd_deassign(efd.get(), kGsi);
}

// Unbinding while the guest holds a forwarded interrupt: the pair breaks,
// the consumer completes what it held, and the line is left idle.
TEST_F(PlatformForward, UnbindWhileGuestHolds)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	KcVm vm;

	Registration p = assign(dev.get(), kLevelLine, efd);
	ASSERT_EQ(irqfd(vm, efd).ret, 0);
	ASSERT_EQ(vm.guest_eoi(kGsi, KC_EOI_HOLD), 0);
	model_.pulse(kLevelLine);
	ASSERT_TRUE(counts_reach(vm, 1, 0));
	ASSERT_TRUE(model_.line(kLevelLine).active) << "held by the guest";

	ASSERT_EQ(platform_bus().unbind(dev_, kPlatformProducerDriver), 0);
	auto d = trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait);
	ASSERT_TRUE(d);
	ModelLine l = model_.line(kLevelLine);
	EXPECT_FALSE(l.forwarded);
	EXPECT_FALSE(l.active) << "completed when the pair broke";
	EXPECT_EQ(l.completions, 1u);
	EXPECT_EQ(vm.state(kGsi).in_service, 0u);
	vm.irqfd_deassign(efd.get(), kGsi);
	dev.reset();
	ASSERT_TRUE(bind_platform_producer(dev_));
}

// Pairing and unpairing while the model pulses the level line from its
// timer, the line's unmask eventfd wired to the irqfd's resamplefd as QEMU
// does: each connect either forwards or is refused for an interrupt in
// flight, every pair is broken once, and every refusal is counted.
TEST_F(PlatformForward, PairingRacesInterrupts)
{
	constexpr int kRounds = 100;
	Fd dev = open_dev();
	Fd efd = make_eventfd(), ufd = make_eventfd();
	KcVm vm;
	std::mt19937 rng(1);

	Registration p = assign(dev.get(), kLevelLine, efd);
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, ufd.get()), 0);
	vm.set_routes({}, { { kGsi, kPin } });
	model_.burst(kLevelLine, 1000000, 200);
	for (int i = 0; i < kRounds; i++) {
		vm.irqfd_assign_resample(efd.get(), kGsi, ufd.get());
		std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
		vm.irqfd_deassign(efd.get(), kGsi);
	}
	model_.burst(kLevelLine, 0, 0);

	auto of_token = [&](unsigned int kind, bool ok) {
		return trace->collect(
			[&](const Event &e) {
				return e.kind == kind && e.token == p.token && (e.ret == 0) == ok;
			},
			kSettle);
	};
	size_t connected = of_token(IBE_CONNECT, true).size();
	size_t refused = of_token(IBE_CONNECT_FAIL, false).size();
	EXPECT_EQ(connected + refused, (size_t)kRounds) << "each assignment tried once";
	EXPECT_EQ(of_token(IBE_DISCONNECT, true).size(), connected);
	EXPECT_EQ(producer_line(kLevelLine).refused, refused);
	for (const auto &f : of_token(IBE_CONNECT_FAIL, false)) {
		EXPECT_EQ(f.step, (unsigned int)IRQBYPASS_STEP_ADD_CONSUMER);
		EXPECT_EQ(f.ret, -EBUSY);
	}
	EXPECT_GT(producer_line(kLevelLine).handled, 0u);
	RecordProperty("connected", std::to_string(connected));
	std::cout << connected << " forwarded, " << refused << " refused" << std::endl;

	dev.reset();
	settle_model(); /* the pulse latched while the line was masked */
}
