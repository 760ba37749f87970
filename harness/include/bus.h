// SPDX-License-Identifier: GPL-2.0-only
// Devices of a bus through sysfs (/sys/bus/<bus>/): the driver holding
// one, and binding by driver_override, the same on every bus, and the
// buses the harness drives.
#pragma once

#include <string>
#include <vector>

namespace irqbypass {

class SysfsBus {
public:
	// @bus as sysfs names it: "pci", "platform".
	explicit SysfsBus(const std::string &bus);
	// /sys/bus/<bus>/devices/<dev>
	std::string dir(const std::string &dev) const;
	// Every device of the bus, sorted.
	std::vector<std::string> devices() const;
	// The name of the driver bound to @dev, "" if none.
	std::string driver_of(const std::string &dev) const;
	// 0 or the errno of setting @dev's driver_override ("" clears it).
	int set_override(const std::string &dev, const std::string &driver) const;
	// 0 or the errno of asking the bus to probe @dev (drivers_probe).
	int probe(const std::string &dev) const;
	// 0 or the errno of binding @dev to @driver through the driver's bind
	// file, which still requires the bus to match them.
	int bind(const std::string &dev, const std::string &driver) const;
	// 0 or the errno of unbinding @dev from @driver.
	int unbind(const std::string &dev, const std::string &driver) const;
	// Binds @dev to @driver (driver_override, then a probe), unbinding it
	// from its current driver; a no-op if already bound to @driver.
	// Throws on a failed write; the caller checks driver_of() if the
	// probe may refuse.
	void bind_driver(const std::string &dev, const std::string &driver) const;

private:
	std::string driver_file(const std::string &driver, const char *file) const;

	std::string root_; /* /sys/bus/<bus>/ */
};

// The PCI bus and the platform bus.
const SysfsBus &pci_bus();
const SysfsBus &platform_bus();

} // namespace irqbypass
