// SPDX-License-Identifier: GPL-2.0
// What the test host offers the harness: the edu devices, the manager's
// debugfs view, and small helpers the tests and the CLIs share.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace irqbypass {

// BDFs of the QEMU edu devices (1234:11e8), sorted.
std::vector<std::string> edu_devices();
// Lines of /sys/kernel/debug/irqbypass/<file>.
std::vector<std::string> debugfs_lines(const std::string &file);
// Contents of a one-line sysfs file, "" if absent.
std::string sysfs_line(const std::string &path);
// The edu device's registers (BAR0).
enum : unsigned int {
	EDU_IRQ_RAISE = 0x60,
	EDU_IRQ_ACK = 0x64,
	EDU_IRQ_STATUS = 0x24,
};

// Raises @n interrupts on an edu device, each acknowledged after @gap,
// through @write32(offset, value) on its BAR0 (VFIO's region or sysfs).
void raise_edu_irqs(const std::function<void(std::uint64_t, std::uint32_t)> &write32,
		    int n, std::chrono::milliseconds gap);

} // namespace irqbypass
