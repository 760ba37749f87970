// SPDX-License-Identifier: GPL-2.0-only
// A VM's interrupt side as a VMM drives it: MSI routes and irqfds, on KVM
// (<linux/kvm.h>). KcVm (kc_vm.h) offers the same on kvm-consumer.
#pragma once

#include <vector>

#include "fd.h"

namespace irqbypass {

// An MSI route: what a guest programs into the device for one vector.
struct MsiRoute {
	unsigned int gsi;
	unsigned int dest_apic;
	unsigned int vector;
};

// An IRQ chip route: a level interrupt on pin @pin of the IOAPIC, as a VMM
// routes a device's wired interrupt line.
struct IrqchipRoute {
	unsigned int gsi;
	unsigned int pin;
};

// What a VMM does with a VM's interrupts, whichever consumer backs it:
// KVM and kvm-consumer take the same structs through their own ioctls.
class IrqfdVm {
public:
	virtual ~IrqfdVm() = default;
	// Replaces the VM's routing table with @msi and @irqchip.
	void set_routes(const std::vector<MsiRoute> &msi, const std::vector<IrqchipRoute> &irqchip);
	// Replaces the VM's routing table with @routes.
	void set_msi_routes(const std::vector<MsiRoute> &routes) { set_routes(routes, {}); }
	void irqfd_assign(int eventfd, unsigned int gsi);
	// A level irqfd whose guest EOI signals @resamplefd.
	void irqfd_assign_resample(int eventfd, unsigned int gsi, int resamplefd);
	void irqfd_deassign(int eventfd, unsigned int gsi);
	int fd() const { return vm_.get(); }

protected:
	// The ioctls of a VM kind: set_routing takes a struct kvm_irq_routing,
	// irqfd a struct kvm_irqfd.
	struct Ioctls {
		unsigned long set_routing;
		const char *set_routing_name;
		unsigned long irqfd;
		const char *irqfd_name;
	};
	explicit IrqfdVm(const Ioctls &ioctls) : ioctls_(ioctls) {}

	Fd vm_;

private:
	void irqfd(int eventfd, unsigned int gsi, unsigned int flags, int resamplefd = 0);

	Ioctls ioctls_;
};

class KvmVm : public IrqfdVm {
public:
	// Creates a VM with an in-kernel irqchip and @vcpus vCPUs.
	explicit KvmVm(unsigned int vcpus = 1);

private:
	Fd kvm_;
	std::vector<Fd> vcpus_;
};

} // namespace irqbypass
