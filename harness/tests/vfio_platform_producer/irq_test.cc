// SPDX-License-Identifier: GPL-2.0-only
// vfio_platform_producer.ko's lines driven by the interrupt controller
// model: edges signal their trigger, a level assertion signals once and
// leaves the line masked by the host until unmasked (ACTION_UNMASK or the
// unmask eventfd), ACTION_MASK masks, and software triggers run the
// handler. Checked on the eventfds, the model's lines and the producer's
// debugfs view.
//
// Part of vfio_platform_producer_test, run as root in the test host with
// irqbypass.ko, irqchip_model.ko and vfio_platform_producer.ko loaded (see
// selftests/testhost/participant-tests.sh).
#include <gtest/gtest.h>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using PlatformProducer = PlatformProducerTest;

TEST_F(PlatformProducer, EdgePulseSignalsOnce)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	int irq = irqs_[kEdgeLine];

	assign(dev.get(), kEdgeLine, efd);
	std::uint64_t before = irq_count(irq);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "delivered before the model's write returns";
	EXPECT_EQ(irq_count(irq) - before, 1u) << "host irq " << irq;
	ModelLine l = model_.line(kEdgeLine);
	EXPECT_EQ(l.raised, 1u);
	EXPECT_EQ(l.handled, 1u);
	EXPECT_FALSE(l.masked) << "edges are never masked by the handler";
	PlatformProducerLine p = producer_line(kEdgeLine);
	EXPECT_EQ(p.handled, 1u);
	EXPECT_FALSE(p.masked);
	EXPECT_EQ(p.host_masked, 0u);
	EXPECT_EQ(wait_eventfd(efd.get(), kQuiet), 0u) << "once";

	model_.pulse(kEdgeLine, 5);
	l = model_.line(kEdgeLine);
	EXPECT_EQ(drain_eventfd(efd.get()), l.handled - 1) << "one signal per delivery";
	EXPECT_EQ(l.raised, 6u);
	EXPECT_EQ(l.raised, l.handled + l.coalesced);
	for (std::uint32_t i = 0; i < kModelLines; i++) {
		if (i != kEdgeLine) {
			EXPECT_EQ(model_.line(i).raised, 0u) << "line " << i;
		}
	}
}

// A burst from the model's timer, in hard irq context: every delivery
// signals, none is masked.
TEST_F(PlatformProducer, EdgeBurstSignalsEveryDelivery)
{
	constexpr unsigned int kPulses = 200;
	Fd dev = open_dev();
	Fd efd = make_eventfd();

	assign(dev.get(), kEdgeLine, efd);
	model_.burst(kEdgeLine, kPulses, 500);
	ASSERT_TRUE(eventually([&] { return model_.line(kEdgeLine).idle(); }, 30s))
		<< "the burst did not end";
	ModelLine l = model_.line(kEdgeLine);
	EXPECT_EQ(l.raised, kPulses);
	EXPECT_EQ(l.raised, l.handled + l.coalesced);
	EXPECT_GT(l.handled, 0u);
	EXPECT_EQ(drain_eventfd(efd.get()), l.handled);
	EXPECT_EQ(producer_line(kEdgeLine).handled, l.handled);
	EXPECT_FALSE(producer_line(kEdgeLine).masked);
}

namespace {

// The three ways to unmask a level line the host masked.
enum class Unmask { DataNone, DataBool, Eventfd };

const Named<Unmask> kUnmasks[] = {
	{ Unmask::DataNone, "DataNone" },
	{ Unmask::DataBool, "DataBool" },
	{ Unmask::Eventfd, "Eventfd" },
};

class LevelUnmask : public PlatformProducer, public ::testing::WithParamInterface<Named<Unmask>> {
protected:
	void unmask(int dev, int ufd)
	{
		switch (GetParam().value) {
		case Unmask::DataNone: ASSERT_EQ(vfio_unmask(dev, kLevelLine), 0); break;
		case Unmask::DataBool:
			ASSERT_EQ(vfio_action_bool(dev, VFIO_IRQ_SET_ACTION_UNMASK, kLevelLine, 0,
						   { 1 }),
				  0);
			break;
		case Unmask::Eventfd: signal_eventfd(ufd); break;
		}
	}
};

} // namespace

// An assertion signals once and leaves the line masked, at the model too,
// until unmasked; unmasked while still asserted, it fires again.
TEST_P(LevelUnmask, AssertionMasksUntilUnmasked)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd(), ufd = make_eventfd();

	assign(dev.get(), kLevelLine, efd);
	if (GetParam().value == Unmask::Eventfd) {
		ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, ufd.get()), 0);
	}
	model_.assert_line(kLevelLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "signals once";
	ModelLine l = model_.line(kLevelLine);
	EXPECT_TRUE(l.asserted);
	EXPECT_TRUE(l.masked) << "host-masked";
	EXPECT_FALSE(l.active);
	EXPECT_EQ(l.handled, 2u) << "delivered again after the EOI, found disabled, masked";
	EXPECT_EQ(l.masks, 1u);
	PlatformProducerLine p = producer_line(kLevelLine);
	EXPECT_TRUE(p.masked);
	EXPECT_EQ(p.host_masked, 1u);
	EXPECT_EQ(p.handled, 1u);
	EXPECT_EQ(wait_eventfd(efd.get(), kQuiet), 0u) << "nothing more while masked";

	unmask(dev.get(), ufd.get());
	EXPECT_EQ(wait_eventfd(efd.get()), 1u) << "still asserted: fires again";
	EXPECT_TRUE(eventually([&] { return model_.line(kLevelLine).masked; }));
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	EXPECT_EQ(producer_line(kLevelLine).host_masked, 2u);
	EXPECT_EQ(producer_line(kLevelLine).unmasks, 1u);

	model_.deassert_line(kLevelLine);
	EXPECT_TRUE(model_.line(kLevelLine).masked) << "deasserting does not unmask";
	unmask(dev.get(), ufd.get());
	EXPECT_FALSE(producer_line(kLevelLine).masked);
	EXPECT_EQ(producer_line(kLevelLine).unmasks, 2u);
	EXPECT_FALSE(model_.line(kLevelLine).masked);
	EXPECT_EQ(wait_eventfd(efd.get(), kQuiet), 0u) << "not asserted: nothing";

	model_.pulse(kLevelLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "a pulse on a level line is one assertion";
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	unmask(dev.get(), ufd.get());
	EXPECT_FALSE(producer_line(kLevelLine).masked);
	EXPECT_EQ(wait_eventfd(efd.get(), kQuiet), 0u) << "the pulse dropped when acknowledged";
	EXPECT_TRUE(model_.line(kLevelLine).idle());
}

INSTANTIATE_TEST_SUITE_P(Ways, LevelUnmask, ::testing::ValuesIn(kUnmasks), param_name<Unmask>);

TEST_F(PlatformProducer, UnmaskEventfd)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd(), ufd = make_eventfd(), other = make_eventfd();

	assign(dev.get(), kLevelLine, efd);
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, ufd.get()), 0);
	EXPECT_TRUE(producer_line(kLevelLine).unmaskfd);
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, other.get()), EBUSY)
		<< "one at a time";
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, -1), 0) << "negative fd removes";
	EXPECT_FALSE(producer_line(kLevelLine).unmaskfd);
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, -1), 0) << "removing none is fine";

	/* A signal already pending unmasks as soon as the eventfd is given. */
	ASSERT_EQ(vfio_mask(dev.get(), kLevelLine), 0);
	signal_eventfd(ufd.get());
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, ufd.get()), 0);
	EXPECT_FALSE(producer_line(kLevelLine).masked);
	EXPECT_EQ(producer_line(kLevelLine).unmasks, 1u);

	/* A signal on a line that is not masked does nothing. */
	signal_eventfd(ufd.get());
	EXPECT_EQ(producer_line(kLevelLine).unmasks, 1u);

	/* Closing the eventfd removes it, so another may come. */
	ufd.reset();
	EXPECT_TRUE(eventually([&] { return !producer_line(kLevelLine).unmaskfd; }));
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, other.get()), 0);
	model_.assert_line(kLevelLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	model_.deassert_line(kLevelLine);
	signal_eventfd(other.get());
	EXPECT_FALSE(producer_line(kLevelLine).masked);

	/* Edge lines take one too. */
	Fd eufd = make_eventfd();
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kEdgeLine, eufd.get()), 0);
	ASSERT_EQ(vfio_mask(dev.get(), kEdgeLine), 0);
	signal_eventfd(eufd.get());
	EXPECT_FALSE(producer_line(kEdgeLine).masked);
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kEdgeLine, -1), 0);
	EXPECT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, -1), 0);
}

// ACTION_MASK masks either kind of line, with or without a trigger, once
// however often it is masked; DATA_BOOL false does nothing.
TEST_F(PlatformProducer, MaskAction)
{
	Fd dev = open_dev();
	Fd level = make_eventfd(), edge = make_eventfd();

	assign(dev.get(), kLevelLine, level);
	ASSERT_EQ(vfio_mask(dev.get(), kLevelLine), 0);
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	model_.assert_line(kLevelLine);
	EXPECT_EQ(drain_eventfd(level.get()), 0u) << "masked: not signaled";
	EXPECT_TRUE(model_.line(kLevelLine).masked) << "genirq masked it at the chip";
	ASSERT_EQ(vfio_mask(dev.get(), kLevelLine), 0);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	EXPECT_EQ(wait_eventfd(level.get()), 1u) << "masked once however often: one unmask";
	EXPECT_TRUE(producer_line(kLevelLine).masked) << "and the handler masked it again";
	model_.deassert_line(kLevelLine);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	EXPECT_EQ(vfio_unmask(dev.get(), kLevelLine), 0) << "unmasking an unmasked line is fine";
	EXPECT_EQ(producer_line(kLevelLine).unmasks, 2u);

	ASSERT_EQ(vfio_action_bool(dev.get(), VFIO_IRQ_SET_ACTION_MASK, kLevelLine, 0, { 0 }), 0);
	EXPECT_FALSE(producer_line(kLevelLine).masked) << "false does not mask";
	ASSERT_EQ(vfio_action_bool(dev.get(), VFIO_IRQ_SET_ACTION_MASK, kLevelLine, 0, { 1 }), 0);
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);

	/* An edge while masked is not signaled; genirq replays it on unmask. */
	assign(dev.get(), kEdgeLine, edge);
	ASSERT_EQ(vfio_mask(dev.get(), kEdgeLine), 0);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(edge.get()), 0u);
	ASSERT_EQ(vfio_unmask(dev.get(), kEdgeLine), 0);
	EXPECT_EQ(wait_eventfd(edge.get()), 1u);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(edge.get()), 1u);

	/* A mask set before the trigger holds once the irq is requested. */
	Fd late = make_eventfd();
	ASSERT_EQ(vfio_mask(dev.get(), kEdgeLine + 1), 0);
	assign(dev.get(), kEdgeLine + 1, late);
	model_.pulse(kEdgeLine + 1);
	EXPECT_EQ(drain_eventfd(late.get()), 0u) << "the mask held";
	ASSERT_EQ(vfio_unmask(dev.get(), kEdgeLine + 1), 0);
	EXPECT_EQ(wait_eventfd(late.get()), 1u) << "the edge the model latched";
	EXPECT_TRUE(model_.line(kEdgeLine + 1).idle());
}

TEST_F(PlatformProducer, SoftwareTriggers)
{
	Fd dev = open_dev();
	Fd edge = make_eventfd(), level = make_eventfd();

	assign(dev.get(), kEdgeLine, edge);
	ASSERT_EQ(vfio_trigger_none(dev.get(), kEdgeLine, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(edge.get()), 1u);
	ASSERT_EQ(vfio_trigger_bool(dev.get(), kEdgeLine, 0, { 1 }), 0);
	EXPECT_EQ(drain_eventfd(edge.get()), 1u);
	ASSERT_EQ(vfio_trigger_bool(dev.get(), kEdgeLine, 0, { 0 }), 0);
	EXPECT_EQ(drain_eventfd(edge.get()), 0u) << "false does not fire";
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(vfio_trigger_none(dev.get(), kEdgeLine, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(edge.get()), 3u);
	EXPECT_EQ(producer_line(kEdgeLine).handled, 5u);
	EXPECT_FALSE(producer_line(kEdgeLine).masked);
	EXPECT_EQ(model_.line(kEdgeLine).raised, 0u) << "software does not go through the model";

	/* On a level line, the handler masks it as for a real assertion. */
	assign(dev.get(), kLevelLine, level);
	ASSERT_EQ(vfio_trigger_none(dev.get(), kLevelLine, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(level.get()), 1u);
	EXPECT_TRUE(producer_line(kLevelLine).masked);
	EXPECT_EQ(producer_line(kLevelLine).host_masked, 1u);
	ASSERT_EQ(vfio_trigger_none(dev.get(), kLevelLine, 0, 1), 0);
	ASSERT_EQ(vfio_trigger_bool(dev.get(), kLevelLine, 0, { 1 }), 0);
	EXPECT_EQ(drain_eventfd(level.get()), 0u) << "masked: not the line's interrupt";
	EXPECT_EQ(producer_line(kLevelLine).handled, 1u);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);
	EXPECT_EQ(wait_eventfd(level.get(), kQuiet), 0u) << "nothing asserted";
	ASSERT_EQ(vfio_trigger_none(dev.get(), kLevelLine, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(level.get()), 1u);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine), 0);

	/* Without a trigger there is nothing to signal, but a level line masks. */
	ASSERT_EQ(vfio_trigger_none(dev.get(), kEdgeLine + 1, 0, 1), 0);
	EXPECT_EQ(producer_line(kEdgeLine + 1).handled, 1u);
	ASSERT_EQ(vfio_trigger_none(dev.get(), kLevelLine + 1, 0, 1), 0);
	EXPECT_TRUE(producer_line(kLevelLine + 1).masked);
	ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine + 1), 0);
	EXPECT_FALSE(producer_line(kLevelLine + 1).masked);
}
