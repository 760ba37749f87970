// SPDX-License-Identifier: GPL-2.0-only
// A host irq as /proc/interrupts shows it.
#pragma once

#include <cstdint>
#include <string>

namespace irqbypass {

// The action name of @irq ("vfio-msi[0](0000:00:02.0)"), "" if unknown.
std::string irq_name(int irq);
// How many times @irq was handled, summed over the CPUs.
std::uint64_t irq_count(int irq);

} // namespace irqbypass
