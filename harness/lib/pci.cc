// SPDX-License-Identifier: GPL-2.0-only
#include "pci.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <linux/pci_regs.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "sysfs.h"

namespace irqbypass {

std::vector<int> msi_irqs(const std::string &bdf)
{
	std::vector<int> irqs;

	for (const auto &name : dir_entries(pci_bus().dir(bdf) + "/msi_irqs"))
		irqs.push_back(atoi(name.c_str()));
	return irqs;
}

std::string config_space(const std::string &bdf)
{
	std::ifstream in(pci_bus().dir(bdf) + "/config", std::ios::binary);

	return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned int find_capability(const std::string &cfg, unsigned char id)
{
	auto byte = [&cfg](unsigned int off) { return (unsigned char)cfg[off]; };
	unsigned int pos;

	if (cfg.size() < PCI_STD_HEADER_SIZEOF || !(byte(PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = byte(PCI_CAPABILITY_LIST);
	/* At most one capability per dword of the device-specific part. */
	for (int i = 0; i < (256 - PCI_STD_HEADER_SIZEOF) / 4; i++) {
		if (pos < PCI_STD_HEADER_SIZEOF || pos + PCI_CAP_FLAGS + 1 >= cfg.size())
			break;
		if (byte(pos + PCI_CAP_LIST_ID) == id)
			return pos;
		pos = byte(pos + PCI_CAP_LIST_NEXT) & ~3u;
	}
	return 0;
}

std::vector<std::string> unbound_devices(const std::function<bool(const std::string &)> &want)
{
	std::vector<std::string> out;

	for (const auto &bdf : pci_bus().devices())
		if (pci_bus().driver_of(bdf).empty() && want(config_space(bdf)))
			out.push_back(bdf);
	return out;
}

PciBar::PciBar(const std::string &bdf, unsigned int bar)
{
	std::string path = pci_bus().dir(bdf) + "/resource" + std::to_string(bar);
	struct stat st;

	fd_.reset(open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC));
	if (!fd_ || fstat(fd_.get(), &st))
		throw_errno("open " + path);
	size_ = st.st_size;
	map_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
	if (map_ == MAP_FAILED)
		throw_errno("mmap " + path);
}

PciBar::~PciBar()
{
	munmap(map_, size_);
}

void PciBar::write32(std::uint64_t off, std::uint32_t val)
{
	*reinterpret_cast<volatile std::uint32_t *>(static_cast<char *>(map_) + off) = val;
}

std::uint32_t PciBar::read32(std::uint64_t off)
{
	return *reinterpret_cast<volatile std::uint32_t *>(static_cast<char *>(map_) + off);
}

} // namespace irqbypass
