// SPDX-License-Identifier: GPL-2.0-only
// Owned file descriptors, eventfds, and the error convention of the
// harness: calls that set up a scene throw std::system_error naming the
// call; calls whose errno a test asserts return it instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace irqbypass {

// Throws std::system_error with the current errno and @what.
[[noreturn]] void throw_errno(const std::string &what);

// An owned file descriptor.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() { reset(); }
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }
	int release();
	void reset(int fd = -1);
	explicit operator bool() const { return fd_ >= 0; }

private:
	int fd_ = -1;
};

// A non-blocking eventfd.
Fd make_eventfd();
// The eventfd's counter, 0 if it was not signaled (non-blocking read).
std::uint64_t drain_eventfd(int fd);
// Adds @n to the eventfd's counter, as a device signaling it would.
void signal_eventfd(int fd, std::uint64_t n = 1);
// The eventfd's counter once it is signaled, 0 after @timeout.
std::uint64_t wait_eventfd(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(2));

} // namespace irqbypass
