// SPDX-License-Identifier: GPL-2.0-only
// QEMU's edu device (PCI 1234:11e8, docs/specs/edu.rst in QEMU), the test
// host's interrupt source: one MSI vector, raised by a register write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace irqbypass {

// The edu device's BAR0 registers.
enum : unsigned int {
	EDU_IRQ_STATUS = 0x24,
	EDU_IRQ_RAISE = 0x60, /* ORs the value into the status; interrupts */
	EDU_IRQ_ACK = 0x64,   /* clears those bits of the status */
};

// BDFs of the edu devices, sorted.
std::vector<std::string> edu_devices();

// Writes @val at @offset of the device's BAR0, however it is reached
// (VFIO's region, or sysfs through PciBar).
using Bar0Write = std::function<void(std::uint64_t offset, std::uint32_t val)>;

// Raises @n interrupts, each acknowledged after @gap.
void raise_edu_irqs(const Bar0Write &write32, int n, std::chrono::milliseconds gap);
// Raises @n MSIs on @bdf through sysfs, each acknowledged once eventfd
// @efd saw it; returns the sum of the eventfd's counts.
std::uint64_t raise_edu_msis(const std::string &bdf, int efd, int n);

} // namespace irqbypass
