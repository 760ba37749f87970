// SPDX-License-Identifier: GPL-2.0-only
// PCI devices through sysfs: MSI vectors, config space and BARs, whatever
// driver holds the device. Binding is the bus's: pci_bus() of bus.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fd.h"

namespace irqbypass {

// The Linux irqs of @bdf's MSI/MSI-X vectors, none while disabled.
std::vector<int> msi_irqs(const std::string &bdf);

// @bdf's config space as sysfs shows it (64 bytes or more).
std::string config_space(const std::string &bdf);
// The offset of capability @id (PCI_CAP_ID_*) in @cfg, 0 if absent.
unsigned int find_capability(const std::string &cfg, unsigned char id);
// The devices no driver holds whose config space satisfies @want.
std::vector<std::string> unbound_devices(const std::function<bool(const std::string &)> &want);

// A PCI BAR mapped through sysfs (resourceN).
class PciBar {
public:
	PciBar(const std::string &bdf, unsigned int bar);
	~PciBar();
	PciBar(const PciBar &) = delete;
	PciBar &operator=(const PciBar &) = delete;
	void write32(std::uint64_t off, std::uint32_t val);
	std::uint32_t read32(std::uint64_t off);

private:
	Fd fd_;
	size_t size_ = 0;
	void *map_;
};

} // namespace irqbypass
