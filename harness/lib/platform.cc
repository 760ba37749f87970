// SPDX-License-Identifier: GPL-2.0
#include "platform.h"

#include "bus.h"

namespace irqbypass {

static const SysfsBus kPlatform("platform");

std::string platform_dir(const std::string &name)
{
	return kPlatform.dir(name);
}

std::vector<std::string> platform_devices()
{
	return kPlatform.devices();
}

std::string platform_driver_of(const std::string &name)
{
	return kPlatform.driver_of(name);
}

int platform_set_override(const std::string &name, const std::string &driver)
{
	return kPlatform.set_override(name, driver);
}

int platform_probe(const std::string &name)
{
	return kPlatform.probe(name);
}

int platform_bind(const std::string &name, const std::string &driver)
{
	return kPlatform.bind(name, driver);
}

int platform_unbind(const std::string &name, const std::string &driver)
{
	return kPlatform.unbind(name, driver);
}

void bind_platform_driver(const std::string &name, const std::string &driver)
{
	kPlatform.bind_driver(name, driver);
}

} // namespace irqbypass
