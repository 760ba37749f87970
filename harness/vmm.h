// SPDX-License-Identifier: GPL-2.0
// A minimal VMM: what QEMU does to assign a PCI device's interrupts to a
// VM, through the real VFIO and KVM ioctls. Every failure throws
// std::system_error naming the call.
#pragma once

#include <cstdint>
#include <irqbypass/kvm_consumer.h>
#include <string>
#include <vector>

namespace irqbypass {

// An owned file descriptor.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() { reset(); }
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }
	int release();
	void reset(int fd = -1);
	explicit operator bool() const { return fd_ >= 0; }

private:
	int fd_ = -1;
};

Fd make_eventfd();
// The eventfd's counter, 0 if it was not signaled (non-blocking read).
std::uint64_t drain_eventfd(int fd);

// The Linux irqs of a PCI device's MSI/MSI-X vectors, from sysfs.
std::vector<int> msi_irqs(const std::string &bdf);
// The /proc/interrupts name and total count of @irq.
std::string irq_name(int irq);
std::uint64_t irq_count(int irq);

// Binds @bdf to vfio-pci, loading vfio-pci if needed.
void bind_vfio_pci(const std::string &bdf);

// A device fd taking VFIO's interrupt ioctls: a VFIO device, or the
// char device of vfio-pci-producer.
class IrqDevice {
public:
	explicit IrqDevice(const std::string &bdf) : bdf_(bdf) {}
	virtual ~IrqDevice() = default;
	const std::string &bdf() const { return bdf_; }
	// Vector count of an interrupt index (VFIO_PCI_MSI_IRQ_INDEX, ...).
	unsigned int irq_count(unsigned int index);
	// Trigger eventfds for vectors start.., -1 to remove one.
	void set_triggers(unsigned int index, unsigned int start,
			  const std::vector<int> &fds);
	// Disables the index: every trigger removed.
	void disable(unsigned int index);

protected:
	std::string bdf_;
	Fd device_;
};

class VfioDevice : public IrqDevice {
public:
	explicit VfioDevice(const std::string &bdf);
	int iommu_group() const { return group_id_; }
	// Config space and BAR access.
	void enable_bus_master();
	void bar_write32(unsigned int bar, std::uint64_t off, std::uint32_t val);
	std::uint32_t bar_read32(unsigned int bar, std::uint64_t off);

private:
	std::uint64_t region_offset(unsigned int index);

	int group_id_ = -1;
	Fd container_, group_;
};

// vfio-pci-producer's char device for @bdf, binding the device to it first.
class PciProducer : public IrqDevice {
public:
	explicit PciProducer(const std::string &bdf);
};

// The name of the driver bound to @bdf, "" if none.
std::string driver_of(const std::string &bdf);
// Binds @bdf to @driver (driver_override + drivers_probe), unbinding it from
// its current driver; a no-op if already bound to @driver.
void bind_driver(const std::string &bdf, const std::string &driver);

// A PCI BAR mapped through sysfs (resourceN), whatever the driver.
class PciBar {
public:
	PciBar(const std::string &bdf, unsigned int bar);
	~PciBar();
	PciBar(const PciBar &) = delete;
	PciBar &operator=(const PciBar &) = delete;
	void write32(std::uint64_t off, std::uint32_t val);

private:
	Fd fd_;
	size_t size_ = 0;
	void *map_;
};

// An MSI route: what a guest programs into the device for one vector.
struct MsiRoute {
	unsigned int gsi;
	unsigned int dest_apic;
	unsigned int vector;
};

// What a VMM does with a VM's interrupts, whichever consumer backs it.
class IrqfdVm {
public:
	virtual ~IrqfdVm() = default;
	virtual void set_msi_routes(const std::vector<MsiRoute> &routes) = 0;
	virtual void irqfd_assign(int eventfd, unsigned int gsi) = 0;
	virtual void irqfd_deassign(int eventfd, unsigned int gsi) = 0;
};

class KvmVm : public IrqfdVm {
public:
	// Creates a VM with an in-kernel irqchip and @vcpus vCPUs.
	explicit KvmVm(unsigned int vcpus = 1);
	void set_msi_routes(const std::vector<MsiRoute> &routes) override;
	void irqfd_assign(int eventfd, unsigned int gsi) override;
	void irqfd_deassign(int eventfd, unsigned int gsi) override;
	int fd() const { return vm_.get(); }

private:
	Fd kvm_, vm_;
	std::vector<Fd> vcpus_;
};

// A kvm-consumer VM: /dev/kvm-consumer, the irqfd-style reference consumer.
class KcVm : public IrqfdVm {
public:
	KcVm();
	void set_msi_routes(const std::vector<MsiRoute> &routes) override;
	void irqfd_assign(int eventfd, unsigned int gsi) override;
	void irqfd_deassign(int eventfd, unsigned int gsi) override;
	struct kc_gsi_state state(unsigned int gsi);
	int fd() const { return vm_.get(); }

private:
	Fd vm_;
};

} // namespace irqbypass
