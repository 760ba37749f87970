// SPDX-License-Identifier: GPL-2.0-only
// vfio_platform_producer.ko bound to the interrupt controller model's GIC
// device: binding, its char device, the VFIO device and interrupt info it
// answers, and the IRQ bypass producers its trigger eventfds register
// (seen through the manager's traced events), replaced, removed, refused.
//
// Part of vfio_platform_producer_test, run as root in the test host with
// irqbypass.ko, irqchip_model.ko and vfio_platform_producer.ko loaded (see
// selftests/testhost/participant-tests.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmsg.h"

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using PlatformProducer = PlatformProducerTest;

namespace {

// The flags GET_IRQ_INFO gives line @index of the GIC device.
std::uint32_t want_irq_flags(std::uint32_t index)
{
	std::uint32_t flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;

	return index < kEdgeLine ? flags | VFIO_IRQ_INFO_AUTOMASKED : flags;
}

} // namespace

TEST_F(PlatformProducer, BindsThroughDriverOverride)
{
	struct stat st;

	EXPECT_EQ(platform_bus().driver_of(dev_), kPlatformProducerDriver);
	EXPECT_EQ(sysfs_line(platform_bus().dir(dev_) + "/driver_override"),
		  kPlatformProducerDriver);
	ASSERT_EQ(stat(platform_producer_char_dev(dev_).c_str(), &st), 0)
		<< platform_producer_char_dev(dev_);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0600u) << "root only";
	EXPECT_EQ(st.st_uid, 0u);
	EXPECT_EQ(bypass_failures(platform_bus().dir(dev_)), 0);
	ASSERT_EQ(platform_producer_lines(dev_).size(), kModelLines);
	for (std::uint32_t i = 0; i < kModelLines; i++) {
		PlatformProducerLine l = producer_line(i);

		EXPECT_EQ(l.index, i);
		EXPECT_EQ(l.irq, irqs_[i]) << "the model line's irq";
		EXPECT_EQ(l.level, i < kEdgeLine) << "line " << i;
	}
}

TEST_F(PlatformProducer, MatchesNoDeviceByItself)
{
	ASSERT_EQ(platform_bus().unbind(dev_, kPlatformProducerDriver), 0);
	EXPECT_NE(access(platform_producer_char_dev(dev_).c_str(), F_OK), 0) << "char device gone";
	EXPECT_TRUE(platform_producer_lines(dev_).empty()) << "debugfs gone";
	ASSERT_EQ(platform_bus().set_override(dev_, ""), 0);
	EXPECT_EQ(sysfs_line(platform_bus().dir(dev_) + "/driver_override"), "(null)");
	platform_bus().probe(dev_);
	EXPECT_EQ(platform_bus().driver_of(dev_), "") << "bound without driver_override";
	EXPECT_EQ(platform_bus().bind(dev_, kPlatformProducerDriver), ENODEV)
		<< "the driver's bind file needs driver_override too";
	ASSERT_EQ(platform_bus().set_override(dev_, "some_other_driver"), 0);
	EXPECT_EQ(platform_bus().bind(dev_, kPlatformProducerDriver), ENODEV);
	EXPECT_EQ(platform_bus().driver_of(dev_), "");

	ASSERT_EQ(platform_bus().set_override(dev_, kPlatformProducerDriver), 0);
	EXPECT_EQ(platform_bus().bind(dev_, kPlatformProducerDriver), 0);
	EXPECT_EQ(platform_bus().driver_of(dev_), kPlatformProducerDriver);
	EXPECT_EQ(access(platform_producer_char_dev(dev_).c_str(), F_OK), 0);
}

// Any unbound platform device that is not the model's, until one is
// refused for having no IRQ resource; those that bind are let go.
TEST_F(PlatformProducer, RefusesDeviceWithoutIrq)
{
	std::string refused;

	for (const auto &name : platform_bus().devices()) {
		if (name.rfind("irqchip-model.", 0) == 0 || !platform_bus().driver_of(name).empty())
			continue;
		Kmsg kmsg;
		ASSERT_EQ(platform_bus().set_override(name, kPlatformProducerDriver), 0) << name;
		platform_bus().probe(name);
		bool bound = platform_bus().driver_of(name) == kPlatformProducerDriver;
		std::string log = kmsg.read_new();

		if (bound) {
			EXPECT_EQ(platform_bus().unbind(name, kPlatformProducerDriver), 0) << name;
		}
		EXPECT_EQ(platform_bus().set_override(name, ""), 0) << name;
		if (!bound && log.find(name + ": no IRQ resource") != std::string::npos) {
			EXPECT_NE(access(platform_producer_char_dev(name).c_str(), F_OK), 0);
			refused = name;
			break;
		}
	}
	if (refused.empty())
		GTEST_SKIP() << "no unbound platform device without an IRQ resource";
	std::cout << "refused " << refused << std::endl;
}

TEST_F(PlatformProducer, OneOpenerAtATime)
{
	Fd a = open_dev();
	Fd b(open(platform_producer_char_dev(dev_).c_str(), O_RDWR | O_CLOEXEC));

	EXPECT_FALSE(b);
	EXPECT_EQ(errno, EBUSY);
	a.reset();
	Fd c = open_dev();
	EXPECT_TRUE(c);
}

TEST_F(PlatformProducer, DeviceInfo)
{
	Fd dev = open_dev();
	struct vfio_device_info info;

	ASSERT_EQ(vfio_get_device_info(dev.get(), &info), 0);
	EXPECT_EQ(info.flags, (std::uint32_t)VFIO_DEVICE_FLAGS_PLATFORM);
	EXPECT_EQ(info.num_regions, 0u) << "no MMIO";
	EXPECT_EQ(info.num_irqs, kModelLines) << "one index per IRQ resource";
	EXPECT_EQ(vfio_get_device_info(dev.get(), &info, kDeviceInfoMinsz), 0)
		<< "up to num_irqs is enough";
	EXPECT_EQ(info.num_irqs, kModelLines);
	EXPECT_EQ(vfio_get_device_info(dev.get(), &info, 4096), 0) << "larger argsz is fine";
	EXPECT_EQ(info.num_irqs, kModelLines);
}

TEST_F(PlatformProducer, IrqInfo)
{
	Fd dev = open_dev();
	struct vfio_irq_info info;

	for (std::uint32_t i = 0; i < kModelLines; i++) {
		ASSERT_EQ(vfio_get_irq_info(dev.get(), i, &info), 0) << i;
		EXPECT_EQ(info.index, i);
		EXPECT_EQ(info.count, 1u) << "one irq per index";
		EXPECT_EQ(info.flags, want_irq_flags(i))
			<< "line " << i << ": automasked if level only";
	}
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kLevelLine, &info, kIrqInfoMinsz + 8), 0)
		<< "larger argsz is fine";
	EXPECT_EQ(info.flags, want_irq_flags(kLevelLine));
}

// The posting device's lines are all edge: none is automasked.
TEST_F(PlatformProducer, PostingDeviceLinesAreEdge)
{
	const std::string name = kModelPosting;
	struct vfio_device_info dinfo;
	struct vfio_irq_info info;

	ASSERT_TRUE(bind_platform_producer(name));
	{
		Fd dev(open(platform_producer_char_dev(name).c_str(), O_RDWR | O_CLOEXEC));

		ASSERT_TRUE(dev) << platform_producer_char_dev(name);
		ASSERT_EQ(vfio_get_device_info(dev.get(), &dinfo), 0);
		EXPECT_EQ(dinfo.num_irqs, kModelLines);
		for (std::uint32_t i = 0; i < dinfo.num_irqs; i++) {
			ASSERT_EQ(vfio_get_irq_info(dev.get(), i, &info), 0);
			EXPECT_EQ(info.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE)
				<< "line " << i;
		}
	}
	EXPECT_EQ(platform_bus().unbind(name, kPlatformProducerDriver), 0);
	EXPECT_EQ(platform_bus().set_override(name, ""), 0);
}

TEST_F(PlatformProducer, TriggerRegistersProducerPerLine)
{
	Fd dev = open_dev();
	std::vector<Fd> efds;
	std::vector<Registration> regs;

	for (std::uint32_t i = 0; i < kModelLines; i++) {
		efds.push_back(make_eventfd());
		regs.push_back(assign(dev.get(), i, efds[i]));
		const Registration &p = regs[i];
		std::string name =
			"vfio-platform-producer-irq[" + std::to_string(i) + "](" + dev_ + ")";

		EXPECT_EQ(p.ret, 0) << "line " << i;
		EXPECT_EQ(p.irq, irqs_[i]) << "the producer's irq is the model line's";
		EXPECT_EQ(irq_name(p.irq), name);
		EXPECT_TRUE(producer_line(i).trigger);
		EXPECT_TRUE(producer_line(i).producer);
		for (std::uint32_t j = 0; j < i; j++)
			EXPECT_NE(p.token, regs[j].token) << "one token per eventfd";
	}
	EXPECT_EQ(debugfs_lines("producers").size(), (size_t)kModelLines);
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms)) << "no consumer yet";

	/* Each way to remove a trigger unregisters its producer. */
	ASSERT_EQ(vfio_set_eventfds(dev.get(), 1, 0, { -1 }), 0) << "negative fd";
	Registration u = next_registration(IBE_UNREGISTER_PRODUCER, from_us());
	EXPECT_EQ(u.object, regs[1].object);
	EXPECT_EQ(u.token, regs[1].token);
	EXPECT_EQ(u.ret, 0);
	EXPECT_FALSE(producer_line(1).trigger);
	ASSERT_EQ(vfio_disable(dev.get(), 2), 0) << "DATA_NONE, count 0";
	EXPECT_EQ(next_registration(IBE_UNREGISTER_PRODUCER, from_us()).object, regs[2].object);
	ASSERT_EQ(vfio_trigger_none(dev.get(), 3, 1, 0), 0)
		<< "count 0: start is only checked against the lines, as VFIO";
	EXPECT_EQ(next_registration(IBE_UNREGISTER_PRODUCER, from_us()).object, regs[3].object);
	EXPECT_EQ(vfio_disable(dev.get(), 3), 0) << "removing no trigger is fine";
	EXPECT_EQ(irq_name(irqs_[3]).find("vfio-platform-producer"), std::string::npos)
		<< "the irq is freed";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);

	trace->mark();
	dev.reset();
	EXPECT_EQ(next_registration(IBE_UNREGISTER_PRODUCER, from_us()).object, regs[0].object)
		<< "close releases the last one";
	EXPECT_EQ(trace->collect(kind_is(IBE_UNREGISTER_PRODUCER), kSettle).size(), 1u)
		<< "and nothing else";
}

TEST_F(PlatformProducer, ReplaceTrigger)
{
	Fd dev = open_dev();
	Fd a = make_eventfd(), b = make_eventfd();

	Registration pa = assign(dev.get(), kEdgeLine, a);
	Registration pb = assign(dev.get(), kEdgeLine, b);
	auto u = next_event(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_TRUE(u);
	EXPECT_EQ(u->token, pa.token) << "the old eventfd's producer goes";
	EXPECT_EQ(u->producer, pa.object);
	auto r = trace->wait_for(kind_token(IBE_REGISTER_PRODUCER, pb.token), kWait);
	ASSERT_TRUE(r);
	EXPECT_LT(u->ts_ns, r->ts_ns) << "before the new one comes";
	EXPECT_NE(pb.token, pa.token);
	EXPECT_EQ(pb.ret, 0);
	EXPECT_EQ(pb.irq, irqs_[kEdgeLine]);
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);

	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(b.get()), 1u);
	EXPECT_EQ(drain_eventfd(a.get()), 0u);

	/* The same eventfd again: one producer goes, the same token comes. */
	Registration again = assign(dev.get(), kEdgeLine, b);
	EXPECT_EQ(again.ret, 0);
	EXPECT_EQ(again.token, pb.token);
	EXPECT_EQ(next_registration(IBE_UNREGISTER_PRODUCER, from_us()).token, pb.token);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(b.get()), 1u);
}

// Closing the char device releases every line: triggers, producers, irqs,
// unmask eventfds and masks.
TEST_F(PlatformProducer, CloseReleasesEverything)
{
	Fd dev = open_dev();
	Fd level = make_eventfd(), edge = make_eventfd(), unmask = make_eventfd();

	Registration pl = assign(dev.get(), kLevelLine, level);
	Registration pe = assign(dev.get(), kEdgeLine, edge);
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, unmask.get()), 0);
	ASSERT_EQ(vfio_mask(dev.get(), kEdgeLine), 0);
	ASSERT_EQ(vfio_mask(dev.get(), kEdgeLine + 1), 0) << "a line without a trigger";
	EXPECT_TRUE(producer_line(kLevelLine).unmaskfd);
	EXPECT_TRUE(producer_line(kEdgeLine + 1).masked);

	dev.reset();
	std::vector<std::uint64_t> gone;
	for (int i = 0; i < 2; i++) {
		auto u = next_event(IBE_UNREGISTER_PRODUCER, from_us());
		ASSERT_TRUE(u);
		gone.push_back(u->producer);
	}
	EXPECT_NE(std::find(gone.begin(), gone.end(), pl.object), gone.end());
	EXPECT_NE(std::find(gone.begin(), gone.end(), pe.object), gone.end());
	for (std::uint32_t i = 0; i < kModelLines; i++)
		EXPECT_EQ(irq_name(irqs_[i]).find("vfio-platform-producer"), std::string::npos);
	/* TearDown() checks that no trigger, unmask eventfd or mask is left. */
}

// One eventfd for two lines: the manager refuses the second producer,
// which is counted and logged, and its line still signals the eventfd.
TEST_F(PlatformProducer, RefusedRegistrationCounted)
{
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	int before = bypass_failures(platform_bus().dir(dev_));
	Kmsg kmsg;

	Registration pa = assign(dev.get(), kEdgeLine, efd);
	EXPECT_EQ(pa.ret, 0);
	Registration pb = assign(dev.get(), kEdgeLine + 1, efd);
	EXPECT_EQ(pb.ret, -EBUSY) << "one producer per token";
	EXPECT_EQ(pb.irq, irqs_[kEdgeLine + 1]);
	EXPECT_EQ(bypass_failures(platform_bus().dir(dev_)), before + 1);
	EXPECT_NE(kmsg.read_new().find("irq index 3: irq bypass producer registration failed: -16"),
		  std::string::npos);
	EXPECT_TRUE(producer_line(kEdgeLine + 1).trigger);
	EXPECT_FALSE(producer_line(kEdgeLine + 1).producer);
	EXPECT_TRUE(producer_line(kEdgeLine).producer);

	model_.pulse(kEdgeLine + 1);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the refused line still signals";
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);

	ASSERT_EQ(vfio_disable(dev.get(), kEdgeLine + 1), 0);
	EXPECT_TRUE(trace->none_within(
		[&](const Event &e) {
			return e.kind == IBE_UNREGISTER_PRODUCER && e.producer == pb.object;
		},
		kQuiet))
		<< "a producer that was not registered is not unregistered";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u) << "the first one stays";
	EXPECT_EQ(bypass_failures(platform_bus().dir(dev_)), before + 1);
}
