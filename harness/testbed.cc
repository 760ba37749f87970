// SPDX-License-Identifier: GPL-2.0
#include "testbed.h"

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <thread>

namespace irqbypass {

std::string sysfs_line(const std::string &path)
{
	std::ifstream in(path);
	std::string s;

	std::getline(in, s);
	return s;
}

std::vector<std::string> edu_devices()
{
	std::vector<std::string> out;
	DIR *d = opendir("/sys/bus/pci/devices");

	if (!d)
		return out;
	while (struct dirent *de = readdir(d)) {
		std::string dev = std::string("/sys/bus/pci/devices/") + de->d_name;

		if (de->d_name[0] == '.')
			continue;
		if (sysfs_line(dev + "/vendor") == "0x1234" &&
		    sysfs_line(dev + "/device") == "0x11e8")
			out.push_back(de->d_name);
	}
	closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<std::string> debugfs_lines(const std::string &file)
{
	std::ifstream in("/sys/kernel/debug/irqbypass/" + file);
	std::vector<std::string> out;
	std::string s;

	while (std::getline(in, s))
		if (!s.empty())
			out.push_back(s);
	return out;
}

void raise_edu_irqs(const std::function<void(std::uint64_t, std::uint32_t)> &write32,
		    int n, std::chrono::milliseconds gap)
{
	for (int i = 0; i < n; i++) {
		write32(EDU_IRQ_RAISE, 1);
		std::this_thread::sleep_for(gap);
		write32(EDU_IRQ_ACK, 1);
	}
}

} // namespace irqbypass
