// SPDX-License-Identifier: GPL-2.0-only
// vfio-platform-producer (Documentation/vfio-platform-producer.md): its
// driver, its char device, which answers VFIO's interrupt ioctls (vfio.h),
// and its debugfs view of each line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace irqbypass {

// vfio-platform-producer's driver name and char device.
constexpr const char *kPlatformProducerDriver = "vfio_platform_producer";
std::string platform_producer_char_dev(const std::string &name);

// One line (VFIO irq index) of a device bound to vfio-platform-producer, as
// its debugfs file irqs shows it.
struct PlatformProducerLine {
	unsigned int index = 0;
	int irq = -1;
	bool level = false; /* else edge */
	bool trigger = false;
	bool producer = false; /* registered with the manager */
	bool consumer = false; /* paired */
	bool unmaskfd = false;
	bool masked = false; /* by the host */
	bool forwarded = false;
	std::uint64_t handled = 0;
	std::uint64_t forwarded_handled = 0;
	std::uint64_t host_masked = 0;
	std::uint64_t unmasks = 0;
	std::uint64_t refused = 0;
	std::uint64_t deactivated = 0;
};

// The lines of platform device @name, none if it is not bound to
// vfio-platform-producer; throws std::runtime_error for a line that does
// not parse.
std::vector<PlatformProducerLine> platform_producer_lines(const std::string &name);

} // namespace irqbypass
