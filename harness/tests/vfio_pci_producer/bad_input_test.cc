// SPDX-License-Identifier: GPL-2.0-only
// vfio_pci_producer.ko given malformed VFIO interrupt ioctls: every one
// gets VFIO's errno and changes nothing, listed and at random.
//
// Part of vfio_pci_producer_test, run as root in the test host with
// irqbypass.ko, vfio_pci_producer.ko and kvm loaded (see
// selftests/testhost/participant-tests.sh).
// VPP_SEED seeds the randomized run.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <unistd.h>

#include "bad_calls.h"
#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using Producer = ProducerTest;

namespace {

constexpr std::uint32_t kTrigger = VFIO_IRQ_SET_ACTION_TRIGGER;

using BadCall = BadCallOn<kMsi>;

} // namespace

// Every malformed call gets VFIO's errno and changes nothing: the vector's
// eventfd and producer stay, and no producer event is emitted.
TEST_F(Producer, BadInputLeavesStateIntact)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	BadFds bad;
	const std::uint32_t efdf = VFIO_IRQ_SET_DATA_EVENTFD | kTrigger;
	const std::uint32_t nonef = VFIO_IRQ_SET_DATA_NONE | kTrigger;
	const std::uint32_t boolf = VFIO_IRQ_SET_DATA_BOOL | kTrigger;
	const std::vector<BadCall> calls = {
		{ "argsz 0", EINVAL, efdf, kMsi, 0, 1, efd.get(), 0 },
		{ "argsz 1", EINVAL, efdf, kMsi, 0, 1, efd.get(), 1 },
		{ "argsz minsz - 1", EINVAL, nonef, kMsi, 0, 1, -1, kIrqSetMinsz - 1 },
		{ "unknown flag", EINVAL, nonef | (1u << 6) },
		{ "top flag", EINVAL, nonef | (1u << 31) },
		{ "no data type", EINVAL, kTrigger },
		{ "NONE|BOOL", EINVAL, nonef | VFIO_IRQ_SET_DATA_BOOL },
		{ "BOOL|EVENTFD", EINVAL, boolf | VFIO_IRQ_SET_DATA_EVENTFD },
		{ "all data types", EINVAL, VFIO_IRQ_SET_DATA_TYPE_MASK | kTrigger },
		{ "no action", ENOTTY, VFIO_IRQ_SET_DATA_EVENTFD, kMsi, 0, 1, efd.get() },
		{ "action MASK", ENOTTY, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK },
		{ "action UNMASK", ENOTTY, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK },
		{ "MASK|TRIGGER", ENOTTY, nonef | VFIO_IRQ_SET_ACTION_MASK },
		{ "all actions", ENOTTY, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TYPE_MASK },
		{ "INTx index", EINVAL, efdf, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd.get() },
		{ "MSI-X index (none)", EINVAL, efdf, kMsix, 0, 1, efd.get() },
		{ "MSI-X disable", EINVAL, nonef, kMsix, 0, 0 },
		{ "ERR index", EINVAL, nonef, VFIO_PCI_ERR_IRQ_INDEX },
		{ "REQ index", EINVAL, nonef, VFIO_PCI_REQ_IRQ_INDEX },
		{ "index NUM_IRQS", EINVAL, nonef, VFIO_PCI_NUM_IRQS },
		{ "index ~0", EINVAL, efdf, ~0u, 0, 1, efd.get() },
		{ "start 1 count 0", EINVAL, nonef, kMsi, 1, 0 },
		{ "start 1", EINVAL, efdf, kMsi, 1, 1, efd.get() },
		{ "count 2", EINVAL, efdf, kMsi, 0, 2, efd.get() },
		{ "count 2 trigger", EINVAL, nonef, kMsi, 0, 2 },
		{ "start+count wraps", EINVAL, nonef, kMsi, ~0u, 1 },
		{ "start 1 count ~0", EINVAL, efdf, kMsi, 1, ~0u, efd.get() },
		{ "count ~0", EINVAL, boolf, kMsi, 0, ~0u },
		{ "count ~0 - 1", EINVAL, nonef, kMsi, 1, ~0u - 1 },
		{ "no room for fd", EINVAL, efdf, kMsi, 0, 1, efd.get(), kIrqSetMinsz },
		{ "fd cut short", EINVAL, efdf, kMsi, 0, 1, efd.get(), kIrqSetMinsz + 3 },
		{ "no room for bool", EINVAL, boolf, kMsi, 0, 1, -1, kIrqSetMinsz },
		{ "pipe fd", EINVAL, efdf, kMsi, 0, 1, bad.pipe_r.get() },
		{ "/dev/null fd", EINVAL, efdf, kMsi, 0, 1, bad.devnull.get() },
		{ "closed fd", EBADF, efdf, kMsi, 0, 1, bad.closed },
		{ "fd beyond the table", EBADF, efdf, kMsi, 0, 1, 1 << 30 },
		{ "fd INT_MAX", EBADF, efdf, kMsi, 0, 1, INT_MAX },
	};
	struct vfio_irq_info info;

	Registration p = assign(dev.get(), efd);
	ASSERT_EQ(p.ret, 0);
	std::vector<int> irqs = msi_irqs(bdf_);
	trace->mark();

	for (const auto &c : calls)
		EXPECT_EQ(issue(dev.get(), c), c.want) << c.what;

	EXPECT_EQ(vfio_get_irq_info(dev.get(), kMsi, &info, 0), EINVAL) << "GET_IRQ_INFO argsz 0";
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kMsi, &info, kIrqInfoMinsz - 1), EINVAL);
	EXPECT_EQ(vfio_get_irq_info(dev.get(), VFIO_PCI_NUM_IRQS, &info), EINVAL);
	EXPECT_EQ(vfio_get_irq_info(dev.get(), ~0u, &info), EINVAL);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_GET_IRQ_INFO, nullptr), EFAULT);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_SET_IRQS, nullptr), EFAULT);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_GET_INFO, &info), ENOTTY);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_RESET, nullptr), ENOTTY);
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_GET_API_VERSION, nullptr), ENOTTY);

	EXPECT_EQ(set_irqs_fd_unreadable(dev.get(), efdf, kMsi), EFAULT)
		<< "a valid header whose fd lies on an unreadable page";

	EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
	EXPECT_EQ(msi_irqs(bdf_), irqs);
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "nothing fired";
	ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the eventfd is still the vector's";
	EXPECT_EQ(raise_edu_msis(bdf_, efd.get(), 1), 1u);
}

// With MSI disabled, no malformed call leaves it enabled.
TEST_F(Producer, BadInputWhileDisabled)
{
	Fd dev = open_dev(bdf_);
	BadFds bad;
	const std::uint32_t efdf = VFIO_IRQ_SET_DATA_EVENTFD | kTrigger;

	EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { bad.pipe_r.get() }), EINVAL);
	EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { bad.closed }), EBADF);
	EXPECT_EQ(vfio_set_irqs(dev.get(), efdf, kMsi, 0, 0), EINVAL)
		<< "no vector to enable (VFIO: -ERANGE from the PCI core)";
	EXPECT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), EINVAL) << "nothing to trigger";
	EXPECT_EQ(vfio_trigger_bool(dev.get(), kMsi, 0, { 1 }), EINVAL);
	EXPECT_EQ(vfio_disable(dev.get(), kMsi), EINVAL) << "nothing to disable";
	EXPECT_TRUE(msi_irqs(bdf_).empty());
	EXPECT_TRUE(no_member_events(kQuiet));
	EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { -1 }), 0) << "enables, assigns nothing";
	EXPECT_EQ(msi_irqs(bdf_).size(), 1u);
	EXPECT_TRUE(no_member_events(kQuiet));
}

namespace {

// VFIO's verdict on a SET_IRQS call to the edu device (one MSI vector, no
// MSI-X) whose MSI vector 0 has an eventfd: the errno, or 0 for a valid
// call, which the randomized run does not issue.
int vfio_verdict(const struct vfio_irq_set &h, const std::vector<std::int32_t> &fds,
		 const BadFds &bad)
{
	std::uint32_t max = h.index == kMsi ? 1 : 0;
	std::uint32_t size;

	if (h.argsz < kIrqSetMinsz || h.index >= VFIO_PCI_NUM_IRQS ||
	    h.count >= UINT32_MAX - h.start ||
	    (h.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return EINVAL;
	if (h.start >= max || h.start + h.count > max)
		return EINVAL;
	switch (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
	case VFIO_IRQ_SET_DATA_BOOL: size = 1; break;
	case VFIO_IRQ_SET_DATA_EVENTFD: size = 4; break;
	default: return EINVAL;
	}
	if ((std::uint64_t)h.argsz - kIrqSetMinsz < (std::uint64_t)h.count * size)
		return EINVAL;
	if ((h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != kTrigger)
		return ENOTTY;
	if ((h.flags & VFIO_IRQ_SET_DATA_EVENTFD) && h.count) {
		if (fds[0] == bad.closed || fds[0] >= (1 << 20))
			return EBADF;
		if (fds[0] >= 0)
			return EINVAL; /* only non-eventfds are drawn */
	}
	return 0;
}

} // namespace

// At least 10,000 random malformed GET_IRQ_INFO and SET_IRQS calls, each
// with the errno VFIO gives, and the device as it was at the end.
TEST_F(Producer, RandomizedMalformedCalls)
{
	constexpr int kCalls = 12000;
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	BadFds bad;
	MalformedCalls fuzz("VPP_SEED", bad, dev.get());
	int issued = 0, info_calls = 0;

	ASSERT_EQ(assign(dev.get(), efd).ret, 0);
	std::vector<int> irqs = msi_irqs(bdf_);
	trace->mark();

	while (issued < kCalls) {
		if (fuzz.rng() % 8 == 0) {
			struct vfio_irq_info info = {};
			std::uint32_t argsz = fuzz.pick({ 0, 1, 8, 15, 16, 32 }, 90);
			std::uint32_t index = fuzz.pick({ 0, 1, 2, 3, 4, 5, 6 }, 70);

			if (argsz >= kIrqInfoMinsz && index < VFIO_PCI_NUM_IRQS)
				continue; /* valid */
			int err = vfio_get_irq_info(dev.get(), index, &info, argsz);
			if (err != EINVAL && fuzz.mismatches++ < 10)
				ADD_FAILURE() << "GET_IRQ_INFO argsz " << argsz << " index "
					      << index << ": errno " << err;
			issued++;
			info_calls++;
			continue;
		}

		std::vector<std::int32_t> fds;
		struct vfio_irq_set h =
			fuzz.set_irqs({ { VFIO_IRQ_SET_ACTION_TRIGGER },
					{ 0, 1u << 3, 1u << 4, 3u << 3, 7u << 3 },
					{ 0, 1, 1, 1, 2, 3, 4, 5, 9 },
					{ 0, 0, 0, 1, 2, ~0u, ~0u - 1, 0x80000000u },
					{ 0, 1, 1, 1, 2, 3, ~0u, ~0u - 1, 0x40000000u } },
				      fds);

		int want = vfio_verdict(h, fds, bad);
		if (!want)
			continue;
		fuzz.expect_set_irqs(dev.get(), h, fds, want, "VFIO");
		issued++;
	}

	EXPECT_EQ(fuzz.mismatches, 0);
	EXPECT_GE(issued, 10000);
	EXPECT_GT(info_calls, 0);
	EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
	EXPECT_EQ(msi_irqs(bdf_), irqs);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "nothing fired";
	ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the eventfd is still the vector's";
}
