// SPDX-License-Identifier: GPL-2.0-only
// vfio_platform_producer.ko given malformed VFIO device and interrupt
// ioctls: every one gets VFIO platform's errno and changes nothing, listed
// and at random.
//
// Part of vfio_platform_producer_test, run as root in the test host with
// irqbypass.ko, irqchip_model.ko and vfio_platform_producer.ko loaded (see
// selftests/testhost/participant-tests.sh).
// VPLP_SEED seeds the randomized run.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <memory>
#include <sstream>
#include <unistd.h>

#include "bad_calls.h"
#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kNone = VFIO_IRQ_SET_DATA_NONE;
constexpr std::uint32_t kBool = VFIO_IRQ_SET_DATA_BOOL;
constexpr std::uint32_t kEventfd = VFIO_IRQ_SET_DATA_EVENTFD;
constexpr std::uint32_t kMask = VFIO_IRQ_SET_ACTION_MASK;
constexpr std::uint32_t kUnmask = VFIO_IRQ_SET_ACTION_UNMASK;
constexpr std::uint32_t kTrigger = VFIO_IRQ_SET_ACTION_TRIGGER;

using BadCall = BadCallOn<kEdgeLine>;

// The scene every malformed call must leave as it is: triggers on a level
// and an edge line, an unmask eventfd on the level line, the other level
// line masked.
class PlatformBadInput : public PlatformProducerTest {
protected:
	void SetUp() override
	{
		PlatformProducerTest::SetUp();
		if (HasFatalFailure())
			return;
		dev = open_dev();
		ASSERT_TRUE(dev);
		ASSERT_EQ(assign(dev.get(), kLevelLine, level).ret, 0);
		ASSERT_EQ(assign(dev.get(), kEdgeLine, edge).ret, 0);
		ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, unmask.get()), 0);
		ASSERT_EQ(vfio_mask(dev.get(), kLevelLine + 1), 0);
		before = scene();
		/* Last: no fd opened after it may take the closed one's number. */
		bad = std::make_unique<BadFds>();
		trace->mark();
	}

	void TearDown() override
	{
		dev.reset();
		PlatformProducerTest::TearDown();
	}

	// What the producer and the model show of every line.
	std::string scene()
	{
		std::ostringstream s;

		for (const auto &l : platform_producer_lines(dev_))
			s << "line " << l.index << ": trigger " << l.trigger << " producer "
			  << l.producer << " unmaskfd " << l.unmaskfd << " masked " << l.masked
			  << " handled " << l.handled << " unmasks " << l.unmasks << "; ";
		for (const auto &l : model_.lines())
			s << "model " << l.line << ": raised " << l.raised << " handled "
			  << l.handled << " masked " << l.masked << " masks " << l.masks
			  << " unmasks " << l.unmasks << "; ";
		return s.str();
	}

	// Nothing changed, and the scene still works.
	void expect_intact()
	{
		EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
		EXPECT_EQ(scene(), before);
		EXPECT_EQ(drain_eventfd(level.get()), 0u) << "nothing fired";
		EXPECT_EQ(drain_eventfd(edge.get()), 0u) << "nothing fired";
		model_.pulse(kEdgeLine);
		EXPECT_EQ(drain_eventfd(edge.get()), 1u) << "the edge line's trigger is still its";
		model_.pulse(kLevelLine);
		EXPECT_EQ(drain_eventfd(level.get()), 1u)
			<< "the level line's trigger is still its";
		EXPECT_TRUE(producer_line(kLevelLine).masked);
		signal_eventfd(unmask.get());
		EXPECT_FALSE(producer_line(kLevelLine).masked) << "its unmask eventfd is still its";
		ASSERT_EQ(vfio_unmask(dev.get(), kLevelLine + 1), 0);
	}

	Fd dev;
	Fd level = make_eventfd(), edge = make_eventfd(), unmask = make_eventfd();
	Fd other = make_eventfd(); /* an eventfd of nobody's */
	std::unique_ptr<BadFds> bad;
	std::string before;
};

} // namespace

// Every malformed call gets VFIO platform's errno and changes nothing.
TEST_F(PlatformBadInput, ListedCallsLeaveStateIntact)
{
	const std::uint32_t minsz = kIrqSetMinsz;
	const std::uint32_t efdf = kEventfd | kTrigger, nonef = kNone | kTrigger;
	const std::uint32_t boolf = kBool | kTrigger, unmaskf = kEventfd | kUnmask;
	const std::int32_t efd = other.get();
	const std::vector<BadCall> calls = {
		{ "argsz 0", EINVAL, efdf, kEdgeLine, 0, 1, efd, 0 },
		{ "argsz 1", EINVAL, efdf, kEdgeLine, 0, 1, efd, 1 },
		{ "argsz minsz - 1", EINVAL, nonef, kEdgeLine, 0, 1, -1, minsz - 1 },
		{ "unknown flag", EINVAL, nonef | (1u << 6) },
		{ "top flag", EINVAL, nonef | (1u << 31) },
		{ "no data type", EINVAL, kTrigger },
		{ "no data type, MASK", EINVAL, kMask, kLevelLine },
		{ "NONE|BOOL", EINVAL, nonef | kBool },
		{ "BOOL|EVENTFD", EINVAL, boolf | kEventfd },
		{ "all data types", EINVAL, VFIO_IRQ_SET_DATA_TYPE_MASK | kTrigger },
		{ "no action", ENOTTY, kEventfd, kEdgeLine, 0, 1, efd },
		{ "no action, NONE", ENOTTY, kNone },
		{ "MASK|TRIGGER", ENOTTY, nonef | kMask },
		{ "MASK|UNMASK", ENOTTY, kNone | kMask | kUnmask, kLevelLine },
		{ "all actions", ENOTTY, kNone | VFIO_IRQ_SET_ACTION_TYPE_MASK },
		{ "index 4 (num_irqs)", EINVAL, nonef, kModelLines },
		{ "index 4, MASK", EINVAL, kNone | kMask, kModelLines },
		{ "index ~0", EINVAL, efdf, ~0u, 0, 1, efd },
		{ "start 4 count 0", EINVAL, nonef, kEdgeLine, kModelLines, 0 },
		{ "start 1", EINVAL, efdf, kEdgeLine, 1, 1, efd },
		{ "start 3, MASK", EINVAL, kNone | kMask, kEdgeLine, 3, 1 },
		{ "start 1, UNMASK", EINVAL, kNone | kUnmask, kLevelLine, 1, 1 },
		{ "count 2", EINVAL, efdf, kEdgeLine, 0, 2, efd },
		{ "count 4 (every line)", EINVAL, nonef, kEdgeLine, 0, kModelLines },
		{ "start 2 count 3", EINVAL, nonef, kEdgeLine, 2, 3 },
		{ "count 5", EINVAL, nonef, kEdgeLine, 0, kModelLines + 1 },
		{ "start+count wraps", EINVAL, nonef, kEdgeLine, ~0u, 1 },
		{ "start 1 count ~0", EINVAL, efdf, kEdgeLine, 1, ~0u, efd },
		{ "count ~0", EINVAL, boolf, kEdgeLine, 0, ~0u },
		{ "count 0, MASK", EINVAL, kNone | kMask, kLevelLine, 0, 0 },
		{ "count 0, UNMASK", EINVAL, kNone | kUnmask, kLevelLine + 1, 0, 0 },
		{ "count 0, BOOL trigger", EINVAL, boolf, kEdgeLine, 0, 0 },
		{ "count 0, EVENTFD trigger", EINVAL, efdf, kEdgeLine, 0, 0 },
		{ "no room for fd", EINVAL, efdf, kEdgeLine, 0, 1, efd, minsz },
		{ "fd cut short", EINVAL, efdf, kEdgeLine, 0, 1, efd, minsz + 3 },
		{ "no room for bool", EINVAL, boolf, kEdgeLine, 0, 1, -1, minsz },
		{ "no room for unmask fd", EINVAL, unmaskf, kLevelLine, 0, 1, efd, minsz + 2 },
		{ "MASK eventfd (6.1's VFIO takes one)", EINVAL, kEventfd | kMask, kLevelLine, 0, 1,
		  efd },
		{ "MASK eventfd -1", EINVAL, kEventfd | kMask, kLevelLine, 0, 1, -1 },
		{ "trigger pipe fd", EINVAL, efdf, kEdgeLine, 0, 1, bad->pipe_r.get() },
		{ "trigger /dev/null fd", EINVAL, efdf, kEdgeLine, 0, 1, bad->devnull.get() },
		{ "trigger char device fd", EINVAL, efdf, kEdgeLine, 0, 1, dev.get() },
		{ "trigger closed fd", EBADF, efdf, kEdgeLine, 0, 1, bad->closed },
		{ "trigger fd beyond the table", EBADF, efdf, kEdgeLine, 0, 1, 1 << 30 },
		{ "trigger fd INT_MAX", EBADF, efdf, kLevelLine, 0, 1, INT_MAX },
		{ "unmask pipe fd, before EBUSY", EINVAL, unmaskf, kLevelLine, 0, 1,
		  bad->pipe_w.get() },
		{ "unmask closed fd", EBADF, unmaskf, kLevelLine, 0, 1, bad->closed },
		{ "unmask pipe fd", EINVAL, unmaskf, kEdgeLine + 1, 0, 1, bad->pipe_r.get() },
		{ "second unmask eventfd", EBUSY, unmaskf, kLevelLine, 0, 1, efd },
	};
	struct vfio_irq_info info;
	struct vfio_device_info dinfo;

	for (const auto &c : calls)
		EXPECT_EQ(issue(dev.get(), c), c.want) << c.what;

	EXPECT_EQ(vfio_get_irq_info(dev.get(), kLevelLine, &info, 0), EINVAL) << "argsz 0";
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kLevelLine, &info, kIrqInfoMinsz - 1), EINVAL);
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kModelLines, &info), EINVAL);
	EXPECT_EQ(vfio_get_irq_info(dev.get(), ~0u, &info), EINVAL);
	EXPECT_EQ(vfio_get_device_info(dev.get(), &dinfo, 0), EINVAL) << "GET_INFO argsz 0";
	EXPECT_EQ(vfio_get_device_info(dev.get(), &dinfo, kDeviceInfoMinsz - 1), EINVAL);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_GET_INFO, nullptr), EFAULT);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_GET_IRQ_INFO, nullptr), EFAULT);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_SET_IRQS, nullptr), EFAULT);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_GET_REGION_INFO, &dinfo), ENOTTY) << "no MMIO";
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_RESET, nullptr), ENOTTY);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_GET_API_VERSION, nullptr), ENOTTY);

	EXPECT_EQ(set_irqs_fd_unreadable(dev.get(), efdf, kEdgeLine), EFAULT)
		<< "a valid header whose fd lies on an unreadable page";

	expect_intact();
}

namespace {

// VFIO platform's verdict on a SET_IRQS call to a device of kModelLines
// lines, given that only fds that are not eventfds are drawn: the errno,
// or 0 for a valid call, which the randomized run does not issue.
int vfio_verdict(const struct vfio_irq_set &h, std::int32_t fd, const BadFds &bad)
{
	std::uint32_t size;

	if (h.argsz < kIrqSetMinsz || h.index >= kModelLines || h.count >= UINT32_MAX - h.start ||
	    (h.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return EINVAL;
	if (h.start >= kModelLines || h.start + h.count > kModelLines)
		return EINVAL;
	switch (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case kNone: size = 0; break;
	case kBool: size = 1; break;
	case kEventfd: size = 4; break;
	default: return EINVAL;
	}
	if ((std::uint64_t)h.argsz - kIrqSetMinsz < (std::uint64_t)h.count * size)
		return EINVAL;

	std::uint32_t action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (action != kMask && action != kUnmask && action != kTrigger)
		return ENOTTY;
	if (action == kTrigger && !h.count && (h.flags & kNone))
		return 0; /* removes the trigger */
	if (h.start != 0 || h.count != 1)
		return EINVAL;
	if (!(h.flags & kEventfd) || fd < 0)
		return 0;
	if (action == kMask)
		return EINVAL;
	if (fd == bad.closed || fd >= (1 << 20))
		return EBADF;
	return EINVAL;
}

} // namespace

// At least 10,000 random malformed GET_INFO, GET_IRQ_INFO and SET_IRQS
// calls, each with the errno VFIO platform gives, and the scene as it was.
TEST_F(PlatformBadInput, RandomizedMalformedCalls)
{
	constexpr int kCalls = 12000;
	MalformedCalls fuzz("VPLP_SEED", *bad, dev.get());
	int issued = 0, info_calls = 0;

	while (issued < kCalls) {
		if (fuzz.rng() % 8 == 0) {
			struct vfio_irq_info info = {};
			struct vfio_device_info dinfo = {};
			std::uint32_t argsz = fuzz.pick({ 0, 1, 8, 15, 16, 20, 32 }, 90);
			std::uint32_t index = fuzz.pick({ 0, 1, 2, 3, 4, 5, 9 }, 70);
			bool device = fuzz.rng() % 4 == 0;
			int err;

			if (device && argsz >= kDeviceInfoMinsz)
				continue; /* valid */
			if (!device && argsz >= kIrqInfoMinsz && index < kModelLines)
				continue;
			err = device ? vfio_get_device_info(dev.get(), &dinfo, argsz)
				     : vfio_get_irq_info(dev.get(), index, &info, argsz);
			if (err != EINVAL && fuzz.mismatches++ < 10)
				ADD_FAILURE() << (device ? "GET_INFO" : "GET_IRQ_INFO") << " argsz "
					      << argsz << " index " << index << ": errno " << err;
			issued++;
			info_calls++;
			continue;
		}

		std::vector<std::int32_t> fds;
		struct vfio_irq_set h =
			fuzz.set_irqs({ { VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
					  VFIO_IRQ_SET_ACTION_TRIGGER },
					{ 0, 3u << 3, 5u << 3, 6u << 3, 7u << 3 },
					{ 0, 1, 2, 3, 3, 4, 5, ~0u },
					{ 0, 0, 0, 1, 2, 3, 4, ~0u, ~0u - 1, 0x80000000u },
					{ 0, 1, 1, 1, 2, 3, 4, 5, ~0u, ~0u - 1, 0x40000000u } },
				      fds);

		int want = vfio_verdict(h, fds[0], *bad);
		if (!want)
			continue;
		fuzz.expect_set_irqs(dev.get(), h, fds, want, "VFIO platform");
		issued++;
	}

	EXPECT_EQ(fuzz.mismatches, 0);
	EXPECT_GE(issued, 10000);
	EXPECT_GT(info_calls, 0);
	expect_intact();
}
