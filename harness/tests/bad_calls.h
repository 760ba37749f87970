// SPDX-License-Identifier: GPL-2.0-only
// Malformed VFIO_DEVICE_SET_IRQS calls and the fds that make them so,
// shared by the producer suites' bad-input cases.
#pragma once

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <iostream>
#include <linux/vfio.h>
#include <optional>
#include <random>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "fd.h"
#include "vfio.h"

namespace irqbypass {

// A malformed call and the errno VFIO gives for it; @Index is the suite's
// usual irq index.
template <std::uint32_t Index>
struct BadCallOn {
	const char *what;
	int want;
	std::uint32_t flags;
	std::uint32_t index = Index;
	std::uint32_t start = 0;
	std::uint32_t count = 1;
	std::int32_t fd = -1;				   /* DATA_EVENTFD; BOOL sends 1 */
	std::optional<std::uint32_t> argsz = std::nullopt; /* exact */
};

// Issues @c on @dev: 0 or the errno.
template <std::uint32_t Index>
int issue(int dev, const BadCallOn<Index> &c)
{
	std::vector<std::int32_t> fds(c.count < 8 ? c.count : 8, c.fd);
	std::vector<std::uint8_t> bools(fds.size(), 1);

	if (c.flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vfio_set_irqs(dev, c.flags, c.index, c.start, c.count, fds.data(),
				     fds.size() * sizeof(std::int32_t), c.argsz);
	if (c.flags & VFIO_IRQ_SET_DATA_BOOL)
		return vfio_set_irqs(dev, c.flags, c.index, c.start, c.count, bools.data(),
				     bools.size(), c.argsz);
	return vfio_set_irqs(dev, c.flags, c.index, c.start, c.count, nullptr, 0, c.argsz);
}

// Issues a valid SET_IRQS header (@flags on @index, one fd) whose fd lies
// on a page that cannot be read: the errno (EFAULT from VFIO), or -1 if
// the pages could not be made.
inline int set_irqs_fd_unreadable(int dev, std::uint32_t flags, std::uint32_t index)
{
	long page = sysconf(_SC_PAGESIZE);
	void *map =
		mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = -1;

	if (map == MAP_FAILED)
		return -1;
	char *pages = static_cast<char *>(map);
	if (mprotect(pages + page, page, PROT_NONE) == 0) {
		auto *hdr = reinterpret_cast<struct vfio_irq_set *>(pages + page - kIrqSetMinsz);
		*hdr = { kIrqSetMinsz + 4, flags, index, 0, 1 };
		err = ioctl_errno(dev, VFIO_DEVICE_SET_IRQS, hdr);
	}
	munmap(map, 2 * page);
	return err;
}

// Fds that are not eventfds, and one that is closed.
struct BadFds {
	BadFds()
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC) == 0) {
			pipe_r.reset(p[0]);
			pipe_w.reset(p[1]);
		}
		devnull.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
		closed = dup(devnull.get());
		close(closed);
	}
	Fd pipe_r, pipe_w, devnull;
	int closed = -1;
};

// The random part of the producer suites' fuzz cases: values drawn mostly
// from the suite's pools of likely mistakes, sometimes any 32 bits, seeded
// from $<seed_var> if set, else at random and printed, so that a failure
// can be replayed.
class MalformedCalls {
public:
	MalformedCalls(const char *seed_var, const BadFds &bad, int dev)
	    : fd_pool_{ -1,
			-2,
			INT_MIN,
			bad.closed,
			bad.pipe_r.get(),
			bad.pipe_w.get(),
			bad.devnull.get(),
			dev,
			1 << 20,
			INT_MAX }
	{
		const char *env = getenv(seed_var);

		seed = env ? strtoul(env, nullptr, 0) : std::random_device()();
		rng.seed(seed);
		::testing::Test::RecordProperty("seed", std::to_string(seed));
		std::cout << seed_var << "=" << seed << std::endl;
	}

	// One of @common, @pct percent of the time; else any value.
	std::uint32_t pick(const std::vector<std::uint32_t> &common, unsigned int pct)
	{
		if (rng() % 100 < pct)
			return common[rng() % common.size()];
		return static_cast<std::uint32_t>(rng());
	}

	// What a VFIO_DEVICE_SET_IRQS header takes its values from: one of
	// @actions most of the time, else one of @bad_actions; a data type,
	// sometimes with an unknown flag; index, start and count from their
	// pools.
	struct SetIrqsPools {
		std::vector<std::uint32_t> actions, bad_actions, indices, starts, counts;
	};

	// A header with an argsz mostly exact for up to 4 fds, and its 4 fds.
	struct vfio_irq_set set_irqs(const SetIrqsPools &p, std::vector<std::int32_t> &fds)
	{
		struct vfio_irq_set h = {};
		std::uint32_t data_type = 1u << (rng() % 3);
		std::uint32_t action = pick(p.actions, 100);

		switch (rng() % 6) {
		case 0: action = pick(p.bad_actions, 100); break;
		case 1: data_type = pick({ 0, 3, 5, 6, 7 }, 100); break;
		case 2: data_type |= 1u << (6 + rng() % 26); break;
		default: break;
		}
		h.flags = data_type | action;
		h.index = pick(p.indices, 85);
		h.start = pick(p.starts, 85);
		h.count = pick(p.counts, 85);
		fds.resize(4);
		for (auto &fd : fds)
			fd = fd_pool_[rng() % fd_pool_.size()];
		std::uint32_t exact = kIrqSetMinsz + (h.count < 4 ? h.count : 4) * 4;
		h.argsz = pick({ exact, exact, exact, 0, kIrqSetMinsz - 1, kIrqSetMinsz,
				 kIrqSetMinsz + 1, kIrqSetMinsz + 3, exact + 100 },
			       90);
		return h;
	}

	// Issues @h with @fds on @dev: false, and the test fails for the first
	// ten, if the errno is not @want (VFIO's, as @who gives it).
	bool expect_set_irqs(int dev, const struct vfio_irq_set &h,
			     const std::vector<std::int32_t> &fds, int want, const char *who)
	{
		int got = vfio_set_irqs(dev, h.flags, h.index, h.start, h.count, fds.data(),
					fds.size() * sizeof(std::int32_t), h.argsz);

		if (got == want)
			return true;
		if (mismatches++ < 10)
			ADD_FAILURE() << "SET_IRQS argsz " << h.argsz << " flags " << std::hex
				      << h.flags << " index " << h.index << " start " << h.start
				      << " count " << h.count << std::dec << " fd " << fds[0]
				      << ": errno " << got << ", " << who << " gives " << want;
		return false;
	}

	std::mt19937 rng;
	unsigned int seed;
	int mismatches = 0;

private:
	std::vector<std::int32_t> fd_pool_;
};

} // namespace irqbypass
