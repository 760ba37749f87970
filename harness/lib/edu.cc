// SPDX-License-Identifier: GPL-2.0-only
#include "edu.h"

#include <thread>

#include "bus.h"
#include "fd.h"
#include "pci.h"
#include "sysfs.h"

namespace irqbypass {

std::vector<std::string> edu_devices()
{
	std::vector<std::string> out;

	for (const auto &bdf : pci_bus().devices())
		if (sysfs_line(pci_bus().dir(bdf) + "/vendor") == "0x1234" &&
		    sysfs_line(pci_bus().dir(bdf) + "/device") == "0x11e8")
			out.push_back(bdf);
	return out;
}

void raise_edu_irqs(const Bar0Write &write32, int n, std::chrono::milliseconds gap)
{
	for (int i = 0; i < n; i++) {
		write32(EDU_IRQ_RAISE, 1);
		std::this_thread::sleep_for(gap);
		write32(EDU_IRQ_ACK, 1);
	}
}

std::uint64_t raise_edu_msis(const std::string &bdf, int efd, int n)
{
	PciBar bar(bdf, 0);
	std::uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		bar.write32(EDU_IRQ_RAISE, 1);
		total += wait_eventfd(efd);
		bar.write32(EDU_IRQ_ACK, 1);
	}
	return total;
}

} // namespace irqbypass
