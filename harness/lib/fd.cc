// SPDX-License-Identifier: GPL-2.0-only
#include "fd.h"

#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace irqbypass {

void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

Fd &Fd::operator=(Fd &&o) noexcept
{
	reset(o.release());
	return *this;
}

int Fd::release()
{
	int fd = fd_;

	fd_ = -1;
	return fd;
}

void Fd::reset(int fd)
{
	if (fd_ >= 0)
		close(fd_);
	fd_ = fd;
}

Fd make_eventfd()
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		throw_errno("eventfd");
	return Fd(fd);
}

std::uint64_t drain_eventfd(int fd)
{
	std::uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

void signal_eventfd(int fd, std::uint64_t n)
{
	if (write(fd, &n, sizeof(n)) != sizeof(n))
		throw_errno("write eventfd");
}

std::uint64_t wait_eventfd(int fd, std::chrono::milliseconds timeout)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, timeout.count()) != 1)
		return 0;
	return drain_eventfd(fd);
}

} // namespace irqbypass
