// SPDX-License-Identifier: GPL-2.0
// Platform devices through sysfs (/sys/bus/platform/devices/<name>):
// driver binding by driver_override, the bus's (bus.h).
#pragma once

#include <string>
#include <vector>

namespace irqbypass {

// /sys/bus/platform/devices/<name>
std::string platform_dir(const std::string &name);
// Every platform device's name, sorted.
std::vector<std::string> platform_devices();

// The name of the driver bound to @name, "" if none.
std::string platform_driver_of(const std::string &name);
// 0 or the errno of setting @name's driver_override ("" clears it).
int platform_set_override(const std::string &name, const std::string &driver);
// 0 or the errno of asking the platform bus to probe @name.
int platform_probe(const std::string &name);
// 0 or the errno of writing @name to @driver's bind file.
int platform_bind(const std::string &name, const std::string &driver);
// 0 or the errno of unbinding @name from @driver.
int platform_unbind(const std::string &name, const std::string &driver);
// Binds @name to @driver (driver_override, then a probe), unbinding it
// from its current driver; a no-op if already bound to @driver. Throws on
// a failed write; the caller checks platform_driver_of() if the probe may
// refuse.
void bind_platform_driver(const std::string &name, const std::string &driver);

} // namespace irqbypass
