// SPDX-License-Identifier: GPL-2.0
#include "kc_vm.h"

#include <fcntl.h>
#include <sys/ioctl.h>

namespace irqbypass {

KcVm::KcVm()
{
	vm_.reset(open("/dev/kvm-consumer", O_RDWR | O_CLOEXEC));
	if (!vm_)
		throw_errno("open /dev/kvm-consumer");
}

void KcVm::set_msi_routes(const std::vector<MsiRoute> &routes)
{
	std::vector<char> table = msi_routing_table(routes);

	if (ioctl(vm_.get(), KC_SET_GSI_ROUTING, table.data()))
		throw_errno("KC_SET_GSI_ROUTING");
}

void KcVm::irqfd_assign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KC_IRQFD, eventfd, gsi, 0, "KC_IRQFD assign");
}

void KcVm::irqfd_deassign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KC_IRQFD, eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN,
		    "KC_IRQFD deassign");
}

struct kc_gsi_state KcVm::state(unsigned int gsi)
{
	struct kc_gsi_state st = {};

	st.gsi = gsi;
	if (ioctl(vm_.get(), KC_GET_GSI_STATE, &st))
		throw_errno("KC_GET_GSI_STATE");
	return st;
}

} // namespace irqbypass
