// SPDX-License-Identifier: GPL-2.0
#include "kvm_vm.h"

#include <cstring>
#include <string>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

namespace irqbypass {

// g++ lays struct kvm_irq_routing out differently from C and the kernel
// (its zero-length entries[] at offset 16, sizeof 16, not 8), and the ioctl
// number encodes that size: spell out the kernel's number and layout.
static const unsigned long kSetGsiRouting = _IOC(_IOC_WRITE, KVMIO, 0x6a, 2 * sizeof(__u32));

// A struct kvm_irq_routing of MSI entries in the kernel's layout.
static std::vector<char> msi_routing_table(const std::vector<MsiRoute> &routes)
{
	const size_t hdr = 2 * sizeof(__u32); /* nr, flags; entries follow */
	std::vector<char> buf(hdr + routes.size() * sizeof(struct kvm_irq_routing_entry));
	__u32 nr = routes.size();

	memcpy(buf.data(), &nr, sizeof(nr));
	for (size_t i = 0; i < routes.size(); i++) {
		struct kvm_irq_routing_entry e = {};

		/* x86 MSI address: 0xfee00000 | destination APIC id << 12. */
		e.gsi = routes[i].gsi;
		e.type = KVM_IRQ_ROUTING_MSI;
		e.u.msi.address_lo = 0xfee00000u | (routes[i].dest_apic << 12);
		e.u.msi.address_hi = 0;
		e.u.msi.data = routes[i].vector;
		memcpy(buf.data() + hdr + i * sizeof(e), &e, sizeof(e));
	}
	return buf;
}

void IrqfdVm::set_msi_routes(const std::vector<MsiRoute> &routes)
{
	std::vector<char> table = msi_routing_table(routes);

	if (ioctl(vm_.get(), ioctls_.set_routing, table.data()))
		throw_errno(ioctls_.set_routing_name);
}

void IrqfdVm::irqfd(int eventfd, unsigned int gsi, unsigned int flags)
{
	struct kvm_irqfd irqfd = {};

	irqfd.fd = eventfd;
	irqfd.gsi = gsi;
	irqfd.flags = flags;
	if (ioctl(vm_.get(), ioctls_.irqfd, &irqfd))
		throw_errno(std::string(ioctls_.irqfd_name) +
			    (flags & KVM_IRQFD_FLAG_DEASSIGN ? " deassign" : " assign"));
}

void IrqfdVm::irqfd_assign(int eventfd, unsigned int gsi)
{
	irqfd(eventfd, gsi, 0);
}

void IrqfdVm::irqfd_deassign(int eventfd, unsigned int gsi)
{
	irqfd(eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
}

KvmVm::KvmVm(unsigned int vcpus)
    : IrqfdVm({ kSetGsiRouting, "KVM_SET_GSI_ROUTING", KVM_IRQFD, "KVM_IRQFD" })
{
	kvm_.reset(open("/dev/kvm", O_RDWR | O_CLOEXEC));
	if (!kvm_)
		throw_errno("open /dev/kvm");
	vm_.reset(ioctl(kvm_.get(), KVM_CREATE_VM, 0));
	if (!vm_)
		throw_errno("KVM_CREATE_VM");
	if (ioctl(vm_.get(), KVM_CREATE_IRQCHIP))
		throw_errno("KVM_CREATE_IRQCHIP");
	for (unsigned int i = 0; i < vcpus; i++) {
		Fd vcpu(ioctl(vm_.get(), KVM_CREATE_VCPU, i));

		if (!vcpu)
			throw_errno("KVM_CREATE_VCPU");
		vcpus_.push_back(std::move(vcpu));
	}
}

} // namespace irqbypass
