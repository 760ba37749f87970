// SPDX-License-Identifier: GPL-2.0-only
// vfio-pci-producer (Documentation/vfio-pci-producer.md): its driver and
// its char device, which answers VFIO's interrupt ioctls (vfio.h).
#pragma once

#include <string>

#include "vfio.h"

namespace irqbypass {

// vfio-pci-producer's driver name and char device.
constexpr const char *kProducerDriver = "vfio_pci_producer";
std::string producer_char_dev(const std::string &bdf);

// vfio-pci-producer's char device for @bdf, binding the device to it first.
class PciProducer : public IrqDevice {
public:
	explicit PciProducer(const std::string &bdf);
};

} // namespace irqbypass
