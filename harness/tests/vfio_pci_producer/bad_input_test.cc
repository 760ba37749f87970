// SPDX-License-Identifier: GPL-2.0
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
#include <cstdlib>
#include <fcntl.h>
#include <random>
#include <sys/mman.h>
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

	// A valid header whose fd lies on an unreadable page.
	long page = sysconf(_SC_PAGESIZE);
	char *pages = static_cast<char *>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(pages, MAP_FAILED);
	ASSERT_EQ(mprotect(pages + page, page, PROT_NONE), 0);
	auto *hdr = reinterpret_cast<struct vfio_irq_set *>(pages + page - kIrqSetMinsz);
	*hdr = { kIrqSetMinsz + 4, efdf, kMsi, 0, 1 };
	EXPECT_EQ(ioctl_errno(dev.get(), VFIO_DEVICE_SET_IRQS, hdr), EFAULT);
	munmap(pages, 2 * page);

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
	const char *seed_env = getenv("VPP_SEED");
	unsigned int seed = seed_env ? strtoul(seed_env, nullptr, 0) : std::random_device()();
	std::mt19937 rng(seed);
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	BadFds bad;
	int issued = 0, info_calls = 0, mismatches = 0;

	RecordProperty("seed", std::to_string(seed));
	std::cout << "VPP_SEED=" << seed << std::endl;
	ASSERT_EQ(assign(dev.get(), efd).ret, 0);
	std::vector<int> irqs = msi_irqs(bdf_);
	trace->mark();

	auto pick = [&](std::initializer_list<std::uint32_t> common, unsigned int pct) {
		if (rng() % 100 < pct)
			return *(common.begin() + rng() % common.size());
		return (std::uint32_t)rng();
	};
	const std::int32_t fd_pool[] = { -1,
					 -2,
					 INT_MIN,
					 bad.closed,
					 bad.pipe_r.get(),
					 bad.pipe_w.get(),
					 bad.devnull.get(),
					 dev.get(),
					 1 << 20,
					 INT_MAX };

	while (issued < kCalls) {
		if (rng() % 8 == 0) {
			struct vfio_irq_info info = {};
			std::uint32_t argsz = pick({ 0, 1, 8, 15, 16, 32 }, 90);
			std::uint32_t index = pick({ 0, 1, 2, 3, 4, 5, 6 }, 70);

			if (argsz >= kIrqInfoMinsz && index < VFIO_PCI_NUM_IRQS)
				continue; /* valid */
			int err = vfio_get_irq_info(dev.get(), index, &info, argsz);
			if (err != EINVAL && mismatches++ < 10)
				ADD_FAILURE() << "GET_IRQ_INFO argsz " << argsz << " index "
					      << index << ": errno " << err;
			issued++;
			info_calls++;
			continue;
		}

		struct vfio_irq_set h = {};
		std::vector<std::int32_t> fds(4);
		std::uint32_t data_type = 1u << (rng() % 3);
		std::uint32_t action = VFIO_IRQ_SET_ACTION_TRIGGER;

		switch (rng() % 6) {
		case 0: action = pick({ 0, 1u << 3, 1u << 4, 3u << 3, 7u << 3 }, 100); break;
		case 1: data_type = pick({ 0, 3, 5, 6, 7 }, 100); break;
		case 2: data_type |= 1u << (6 + rng() % 26); break;
		default: break;
		}
		h.flags = data_type | action;
		h.index = pick({ 0, 1, 1, 1, 2, 3, 4, 5, 9 }, 85);
		h.start = pick({ 0, 0, 0, 1, 2, ~0u, ~0u - 1, 0x80000000u }, 85);
		h.count = pick({ 0, 1, 1, 1, 2, 3, ~0u, ~0u - 1, 0x40000000u }, 85);
		for (auto &fd : fds)
			fd = fd_pool[rng() % (sizeof(fd_pool) / sizeof(fd_pool[0]))];
		if (fds[0] == dev.get())
			fds[0] = bad.devnull.get();
		std::uint32_t exact = kIrqSetMinsz + (h.count < 4 ? h.count : 4) * 4;
		h.argsz = pick({ exact, exact, exact, 0, kIrqSetMinsz - 1, kIrqSetMinsz,
				 kIrqSetMinsz + 1, kIrqSetMinsz + 3, exact + 100 },
			       90);

		int want = vfio_verdict(h, fds, bad);
		if (!want)
			continue;
		int got = vfio_set_irqs(dev.get(), h.flags, h.index, h.start, h.count, fds.data(),
					fds.size() * sizeof(std::int32_t), h.argsz);
		if (got != want && mismatches++ < 10)
			ADD_FAILURE() << "SET_IRQS argsz " << h.argsz << " flags " << std::hex
				      << h.flags << " index " << h.index << " start " << h.start
				      << " count " << h.count << std::dec << " fd " << fds[0]
				      << ": errno " << got << ", VFIO gives " << want;
		issued++;
	}

	EXPECT_EQ(mismatches, 0);
	EXPECT_GE(issued, 10000);
	EXPECT_GT(info_calls, 0);
	EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
	EXPECT_EQ(msi_irqs(bdf_), irqs);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "nothing fired";
	ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the eventfd is still the vector's";
}
