// SPDX-License-Identifier: GPL-2.0
// PCI devices through sysfs: driver binding (the bus's, bus.h), MSI
// vectors, config space and BARs, whatever driver holds the device.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fd.h"

namespace irqbypass {

// /sys/bus/pci/devices/<bdf>
std::string pci_dir(const std::string &bdf);
// Every PCI device's BDF, sorted.
std::vector<std::string> pci_devices();

// The name of the driver bound to @bdf, "" if none.
std::string driver_of(const std::string &bdf);
// 0 or the errno of setting @bdf's driver_override ("" clears it).
int pci_set_override(const std::string &bdf, const std::string &driver);
// 0 or the errno of asking the PCI core to probe @bdf.
int pci_probe(const std::string &bdf);
// 0 or the errno of unbinding @bdf from @driver.
int pci_unbind(const std::string &bdf, const std::string &driver);
// Binds @bdf to @driver (driver_override, then a probe), unbinding it from
// its current driver; a no-op if already bound to @driver. Throws on a
// failed write; the caller checks driver_of() if the probe may refuse.
void bind_driver(const std::string &bdf, const std::string &driver);

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
