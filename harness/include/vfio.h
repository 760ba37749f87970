// SPDX-License-Identifier: GPL-2.0-only
// VFIO's device and interrupt ioctls (<linux/vfio.h>) on a VFIO device or
// on the char device of vfio-pci-producer or vfio-platform-producer, which
// answer the same ones (vfio_pci_producer.h, vfio_platform_producer.h).
// The vfio_* functions return 0 or the call's errno, for tests that
// assert it, on any such fd; the classes throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/vfio.h>
#include <optional>
#include <string>
#include <vector>

#include "fd.h"

namespace irqbypass {

// The smallest argsz VFIO takes: struct vfio_irq_set without its data,
// struct vfio_irq_info, and struct vfio_device_info up to num_irqs.
constexpr std::uint32_t kIrqSetMinsz = offsetof(struct vfio_irq_set, data);
constexpr std::uint32_t kIrqInfoMinsz = sizeof(struct vfio_irq_info);
constexpr std::uint32_t kDeviceInfoMinsz =
	offsetof(struct vfio_device_info, num_irqs) + sizeof(std::uint32_t);

// 0 or the errno of ioctl(@fd, @cmd, @arg).
int ioctl_errno(int fd, unsigned long cmd, void *arg);

// VFIO_DEVICE_GET_INFO into @info, with @argsz.
int vfio_get_device_info(int fd, struct vfio_device_info *info,
			 std::uint32_t argsz = sizeof(struct vfio_device_info));

// VFIO_DEVICE_GET_IRQ_INFO of @index into @info, with @argsz.
int vfio_get_irq_info(int fd, std::uint32_t index, struct vfio_irq_info *info,
		      std::uint32_t argsz = sizeof(struct vfio_irq_info));
// VFIO_DEVICE_SET_IRQS with @len bytes of @data after the header; @argsz
// defaults to the exact size.
int vfio_set_irqs(int fd, std::uint32_t flags, std::uint32_t index, std::uint32_t start,
		  std::uint32_t count, const void *data = nullptr, size_t len = 0,
		  std::optional<std::uint32_t> argsz = std::nullopt);
// VFIO_DEVICE_SET_IRQS of action @action (VFIO_IRQ_SET_ACTION_*) with
// each data type: none for @count irqs from @start, one bool or one fd
// per irq from @start.
int vfio_action_none(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
		     std::uint32_t count);
int vfio_action_bool(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
		     const std::vector<std::uint8_t> &bools);
int vfio_action_eventfds(int fd, std::uint32_t action, std::uint32_t index, std::uint32_t start,
			 const std::vector<std::int32_t> &fds);
// ACTION_TRIGGER with DATA_EVENTFD: @fds for vectors @start.., -1 removes.
int vfio_set_eventfds(int fd, std::uint32_t index, std::uint32_t start,
		      const std::vector<std::int32_t> &fds);
// ACTION_TRIGGER with DATA_NONE: fires @count vectors from @start; count 0
// with start 0 disables the index.
int vfio_trigger_none(int fd, std::uint32_t index, std::uint32_t start, std::uint32_t count);
// ACTION_TRIGGER with DATA_BOOL: fires the vectors whose byte is true.
int vfio_trigger_bool(int fd, std::uint32_t index, std::uint32_t start,
		      const std::vector<std::uint8_t> &bools);
// Disables @index: every trigger removed, the vectors freed.
int vfio_disable(int fd, std::uint32_t index);
// ACTION_MASK and ACTION_UNMASK with DATA_NONE of irq 0 of @index.
int vfio_mask(int fd, std::uint32_t index);
int vfio_unmask(int fd, std::uint32_t index);
// ACTION_UNMASK with DATA_EVENTFD: @efd unmasks irq 0 of @index, -1 removes.
int vfio_set_unmask_eventfd(int fd, std::uint32_t index, std::int32_t efd);

// A device fd taking VFIO's interrupt ioctls.
class IrqDevice {
public:
	explicit IrqDevice(const std::string &bdf) : bdf_(bdf) {}
	virtual ~IrqDevice() = default;
	const std::string &bdf() const { return bdf_; }
	int fd() const { return device_.get(); }
	// Vector count of an interrupt index (VFIO_PCI_MSI_IRQ_INDEX, ...).
	unsigned int irq_count(unsigned int index);
	// Trigger eventfds for vectors @start.., -1 to remove one.
	void set_triggers(unsigned int index, unsigned int start, const std::vector<int> &fds);
	// Disables the index: every trigger removed.
	void disable(unsigned int index);

protected:
	std::string bdf_;
	Fd device_;
};

// Binds @bdf to vfio-pci, loading vfio-pci if needed.
void bind_vfio_pci(const std::string &bdf);

// A device opened through VFIO (container, group, device), as QEMU does.
class VfioDevice : public IrqDevice {
public:
	explicit VfioDevice(const std::string &bdf);
	int iommu_group() const { return group_id_; }
	// PCI_COMMAND memory space and bus master: MSIs are memory writes.
	void enable_bus_master();
	void bar_write32(unsigned int bar, std::uint64_t off, std::uint32_t val);
	std::uint32_t bar_read32(unsigned int bar, std::uint64_t off);

private:
	std::uint64_t region_offset(unsigned int index);

	int group_id_ = -1;
	Fd container_, group_;
};

} // namespace irqbypass
