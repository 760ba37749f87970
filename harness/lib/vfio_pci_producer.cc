// SPDX-License-Identifier: GPL-2.0-only
#include "vfio_pci_producer.h"

#include <fcntl.h>

#include "bus.h"

namespace irqbypass {

std::string producer_char_dev(const std::string &bdf)
{
	return "/dev/vfio-pci-producer-" + bdf;
}

PciProducer::PciProducer(const std::string &bdf) : IrqDevice(bdf)
{
	std::string path = producer_char_dev(bdf);

	pci_bus().bind_driver(bdf, kProducerDriver);
	device_.reset(open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!device_)
		throw_errno("open " + path);
}

} // namespace irqbypass
