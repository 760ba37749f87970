// SPDX-License-Identifier: GPL-2.0
// Malformed VFIO_DEVICE_SET_IRQS calls and the fds that make them so,
// shared by the producer suites' bad-input cases.
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <linux/vfio.h>
#include <optional>
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

} // namespace irqbypass
