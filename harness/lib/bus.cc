// SPDX-License-Identifier: GPL-2.0-only
#include "bus.h"

#include <climits>
#include <cstring>
#include <unistd.h>

#include "sysfs.h"

namespace irqbypass {

SysfsBus::SysfsBus(const std::string &bus) : root_("/sys/bus/" + bus + "/") {}

std::string SysfsBus::dir(const std::string &dev) const
{
	return root_ + "devices/" + dev;
}

std::vector<std::string> SysfsBus::devices() const
{
	return dir_entries(root_ + "devices");
}

std::string SysfsBus::driver_of(const std::string &dev) const
{
	std::string link_path = dir(dev) + "/driver";
	char link[PATH_MAX];
	ssize_t n = readlink(link_path.c_str(), link, sizeof(link) - 1);

	if (n <= 0)
		return "";
	link[n] = 0;
	return strrchr(link, '/') + 1;
}

int SysfsBus::set_override(const std::string &dev, const std::string &driver) const
{
	/* An empty write is refused: a lone newline clears the override. */
	return sysfs_write(dir(dev) + "/driver_override", driver.empty() ? "\n" : driver);
}

int SysfsBus::probe(const std::string &dev) const
{
	return sysfs_write(root_ + "drivers_probe", dev);
}

std::string SysfsBus::driver_file(const std::string &driver, const char *file) const
{
	return root_ + "drivers/" + driver + "/" + file;
}

int SysfsBus::bind(const std::string &dev, const std::string &driver) const
{
	return sysfs_write(driver_file(driver, "bind"), dev);
}

int SysfsBus::unbind(const std::string &dev, const std::string &driver) const
{
	return sysfs_write(driver_file(driver, "unbind"), dev);
}

void SysfsBus::bind_driver(const std::string &dev, const std::string &driver) const
{
	std::string current = driver_of(dev);

	if (current == driver)
		return;
	if (!current.empty())
		sysfs_write_or_throw(driver_file(current, "unbind"), dev);
	sysfs_write_or_throw(dir(dev) + "/driver_override", driver);
	sysfs_write_or_throw(root_ + "drivers_probe", dev);
}

const SysfsBus &pci_bus()
{
	static const SysfsBus bus("pci");

	return bus;
}

const SysfsBus &platform_bus()
{
	static const SysfsBus bus("platform");

	return bus;
}

} // namespace irqbypass
