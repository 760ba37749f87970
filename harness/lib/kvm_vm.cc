// SPDX-License-Identifier: GPL-2.0-only
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

// A struct kvm_irq_routing of MSI, then IRQ chip, entries in the kernel's
// layout.
static std::vector<char> routing_table(const std::vector<MsiRoute> &msi,
				       const std::vector<IrqchipRoute> &irqchip)
{
	const size_t hdr = 2 * sizeof(__u32); /* nr, flags; entries follow */
	__u32 nr = msi.size() + irqchip.size();
	std::vector<char> buf(hdr + nr * sizeof(struct kvm_irq_routing_entry));
	size_t i = 0;
	auto add = [&](const struct kvm_irq_routing_entry &e) {
		memcpy(buf.data() + hdr + i++ * sizeof(e), &e, sizeof(e));
	};

	memcpy(buf.data(), &nr, sizeof(nr));
	for (const auto &r : msi) {
		struct kvm_irq_routing_entry e = {};

		/* x86 MSI address: 0xfee00000 | destination APIC id << 12. */
		e.gsi = r.gsi;
		e.type = KVM_IRQ_ROUTING_MSI;
		e.u.msi.address_lo = 0xfee00000u | (r.dest_apic << 12);
		e.u.msi.address_hi = 0;
		e.u.msi.data = r.vector;
		add(e);
	}
	for (const auto &r : irqchip) {
		struct kvm_irq_routing_entry e = {};

		e.gsi = r.gsi;
		e.type = KVM_IRQ_ROUTING_IRQCHIP;
		e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e.u.irqchip.pin = r.pin;
		add(e);
	}
	return buf;
}

void IrqfdVm::set_routes(const std::vector<MsiRoute> &msi, const std::vector<IrqchipRoute> &irqchip)
{
	std::vector<char> table = routing_table(msi, irqchip);

	if (ioctl(vm_.get(), ioctls_.set_routing, table.data()))
		throw_errno(ioctls_.set_routing_name);
}

void IrqfdVm::irqfd(int eventfd, unsigned int gsi, unsigned int flags, int resamplefd)
{
	struct kvm_irqfd irqfd = {};

	irqfd.fd = eventfd;
	irqfd.gsi = gsi;
	irqfd.flags = flags;
	irqfd.resamplefd = resamplefd;
	if (ioctl(vm_.get(), ioctls_.irqfd, &irqfd))
		throw_errno(std::string(ioctls_.irqfd_name) +
			    (flags & KVM_IRQFD_FLAG_DEASSIGN ? " deassign" : " assign"));
}

void IrqfdVm::irqfd_assign(int eventfd, unsigned int gsi)
{
	irqfd(eventfd, gsi, 0);
}

void IrqfdVm::irqfd_assign_resample(int eventfd, unsigned int gsi, int resamplefd)
{
	irqfd(eventfd, gsi, KVM_IRQFD_FLAG_RESAMPLE, resamplefd);
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
