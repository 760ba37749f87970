// SPDX-License-Identifier: GPL-2.0-only
#include "vfio.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bus.h"

namespace irqbypass {

int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

int vfio_get_device_info(int fd, struct vfio_device_info *info, std::uint32_t argsz)
{
	*info = {};
	info->argsz = argsz;
	return ioctl_errno(fd, VFIO_DEVICE_GET_INFO, info);
}

int vfio_get_irq_info(int fd, std::uint32_t index, struct vfio_irq_info *info, std::uint32_t argsz)
{
	*info = {};
	info->argsz = argsz;
	info->index = index;
	return ioctl_errno(fd, VFIO_DEVICE_GET_IRQ_INFO, info);
}

int vfio_set_irqs(int fd, std::uint32_t flags, std::uint32_t index, std::uint32_t start,
		  std::uint32_t count, const void *data, size_t len,
		  std::optional<std::uint32_t> argsz)
{
	/* Slack after the data, for argsz values larger than the call. */
	std::vector<char> buf(kIrqSetMinsz + len + 64);
	struct vfio_irq_set hdr = {};

	hdr.argsz = argsz.value_or(kIrqSetMinsz + len);
	hdr.flags = flags;
	hdr.index = index;
	hdr.start = start;
	hdr.count = count;
	memcpy(buf.data(), &hdr, kIrqSetMinsz);
	if (len)
		memcpy(buf.data() + kIrqSetMinsz, data, len);
	return ioctl_errno(fd, VFIO_DEVICE_SET_IRQS, buf.data());
}

int vfio_action_none(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
		     std::uint32_t count)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_NONE | action, index, start, count);
}

int vfio_action_bool(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
		     const std::vector<std::uint8_t> &bools)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_BOOL | action, index, start, bools.size(),
			     bools.data(), bools.size());
}

int vfio_action_eventfds(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
			 const std::vector<std::int32_t> &fds)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_EVENTFD | action, index, start, fds.size(),
			     fds.data(), fds.size() * sizeof(std::int32_t));
}

int vfio_set_eventfds(int fd, std::uint32_t index, std::uint32_t start,
		      const std::vector<std::int32_t> &fds)
{
	return vfio_action_eventfds(fd, VFIO_IRQ_SET_ACTION_TRIGGER, index, start, fds);
}

int vfio_trigger_none(int fd, std::uint32_t index, std::uint32_t start, std::uint32_t count)
{
	return vfio_action_none(fd, VFIO_IRQ_SET_ACTION_TRIGGER, index, start, count);
}

int vfio_trigger_bool(int fd, std::uint32_t index, std::uint32_t start,
		      const std::vector<std::uint8_t> &bools)
{
	return vfio_action_bool(fd, VFIO_IRQ_SET_ACTION_TRIGGER, index, start, bools);
}

int vfio_disable(int fd, std::uint32_t index)
{
	return vfio_trigger_none(fd, index, 0, 0);
}

int vfio_mask(int fd, std::uint32_t index)
{
	return vfio_action_none(fd, VFIO_IRQ_SET_ACTION_MASK, index, 0, 1);
}

int vfio_unmask(int fd, std::uint32_t index)
{
	return vfio_action_none(fd, VFIO_IRQ_SET_ACTION_UNMASK, index, 0, 1);
}

int vfio_set_unmask_eventfd(int fd, std::uint32_t index, std::int32_t efd)
{
	return vfio_action_eventfds(fd, VFIO_IRQ_SET_ACTION_UNMASK, index, 0, { efd });
}

// Throws for a failed call of the class interface.
static void check(int err, const char *what)
{
	if (err) {
		errno = err;
		throw_errno(what);
	}
}

unsigned int IrqDevice::irq_count(unsigned int index)
{
	struct vfio_irq_info info;

	check(vfio_get_irq_info(device_.get(), index, &info), "VFIO_DEVICE_GET_IRQ_INFO");
	return info.count;
}

void IrqDevice::set_triggers(unsigned int index, unsigned int start, const std::vector<int> &fds)
{
	check(vfio_set_eventfds(device_.get(), index, start,
				std::vector<std::int32_t>(fds.begin(), fds.end())),
	      "VFIO_DEVICE_SET_IRQS (eventfds)");
}

void IrqDevice::disable(unsigned int index)
{
	check(vfio_disable(device_.get(), index), "VFIO_DEVICE_SET_IRQS (disable)");
}

void bind_vfio_pci(const std::string &bdf)
{
	if (system("modprobe vfio-pci") != 0)
		throw_errno("modprobe vfio-pci");
	pci_bus().bind_driver(bdf, "vfio-pci");
}

VfioDevice::VfioDevice(const std::string &bdf) : IrqDevice(bdf)
{
	char link[PATH_MAX];
	ssize_t n = readlink((pci_bus().dir(bdf) + "/iommu_group").c_str(), link, sizeof(link) - 1);
	struct vfio_group_status status = {};

	status.argsz = sizeof(status);
	if (n < 0)
		throw_errno(bdf + " has no IOMMU group");
	link[n] = 0;
	group_id_ = atoi(strrchr(link, '/') + 1);

	container_.reset(open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
	if (!container_)
		throw_errno("open /dev/vfio/vfio");
	if (ioctl(container_.get(), VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		throw_errno("VFIO_GET_API_VERSION");
	group_.reset(open(("/dev/vfio/" + std::to_string(group_id_)).c_str(), O_RDWR | O_CLOEXEC));
	if (!group_)
		throw_errno("open VFIO group " + std::to_string(group_id_));
	if (ioctl(group_.get(), VFIO_GROUP_GET_STATUS, &status))
		throw_errno("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		throw_errno("VFIO group " + std::to_string(group_id_) + " not viable");
	}
	int cfd = container_.get();
	if (ioctl(group_.get(), VFIO_GROUP_SET_CONTAINER, &cfd))
		throw_errno("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container_.get(), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		throw_errno("VFIO_SET_IOMMU");
	device_.reset(ioctl(group_.get(), VFIO_GROUP_GET_DEVICE_FD, bdf.c_str()));
	if (!device_)
		throw_errno("VFIO_GROUP_GET_DEVICE_FD " + bdf);
}

std::uint64_t VfioDevice::region_offset(unsigned int index)
{
	struct vfio_region_info info = {};

	info.argsz = sizeof(info);
	info.index = index;
	check(ioctl_errno(device_.get(), VFIO_DEVICE_GET_REGION_INFO, &info),
	      "VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

void VfioDevice::enable_bus_master()
{
	std::uint64_t off = region_offset(VFIO_PCI_CONFIG_REGION_INDEX) + PCI_COMMAND;
	std::uint16_t cmd;

	if (pread(device_.get(), &cmd, sizeof(cmd), off) != sizeof(cmd))
		throw_errno("read PCI_COMMAND");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(device_.get(), &cmd, sizeof(cmd), off) != sizeof(cmd))
		throw_errno("write PCI_COMMAND");
}

void VfioDevice::bar_write32(unsigned int bar, std::uint64_t off, std::uint32_t val)
{
	std::uint64_t base = region_offset(VFIO_PCI_BAR0_REGION_INDEX + bar);

	if (pwrite(device_.get(), &val, sizeof(val), base + off) != sizeof(val))
		throw_errno("BAR write");
}

std::uint32_t VfioDevice::bar_read32(unsigned int bar, std::uint64_t off)
{
	std::uint64_t base = region_offset(VFIO_PCI_BAR0_REGION_INDEX + bar);
	std::uint32_t val;

	if (pread(device_.get(), &val, sizeof(val), base + off) != sizeof(val))
		throw_errno("BAR read");
	return val;
}

} // namespace irqbypass
