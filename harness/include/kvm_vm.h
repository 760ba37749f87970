// SPDX-License-Identifier: GPL-2.0
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

// What a VMM does with a VM's interrupts, whichever consumer backs it.
class IrqfdVm {
public:
	virtual ~IrqfdVm() = default;
	virtual void set_msi_routes(const std::vector<MsiRoute> &routes) = 0;
	virtual void irqfd_assign(int eventfd, unsigned int gsi) = 0;
	virtual void irqfd_deassign(int eventfd, unsigned int gsi) = 0;
};

// A struct kvm_irq_routing of MSI entries in the kernel's layout, which
// KVM_SET_GSI_ROUTING and KC_SET_GSI_ROUTING take.
std::vector<char> msi_routing_table(const std::vector<MsiRoute> &routes);
// KVM_IRQFD or KC_IRQFD (one struct kvm_irqfd) on @vm; throws naming @what.
void irqfd_ioctl(int vm, unsigned long cmd, int eventfd, unsigned int gsi, unsigned int flags,
		 const char *what);

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

} // namespace irqbypass
