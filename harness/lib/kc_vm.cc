// SPDX-License-Identifier: GPL-2.0-only
#include "kc_vm.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>

namespace irqbypass {

KcVm::KcVm() : IrqfdVm({ KC_SET_GSI_ROUTING, "KC_SET_GSI_ROUTING", KC_IRQFD, "KC_IRQFD" })
{
	vm_.reset(open("/dev/kvm-consumer", O_RDWR | O_CLOEXEC));
	if (!vm_)
		throw_errno("open /dev/kvm-consumer");
}

struct kc_gsi_state KcVm::state(unsigned int gsi)
{
	struct kc_gsi_state st = {};

	st.gsi = gsi;
	if (ioctl(vm_.get(), KC_GET_GSI_STATE, &st))
		throw_errno("KC_GET_GSI_STATE");
	return st;
}

int KcVm::guest_eoi(unsigned int gsi, unsigned int flags)
{
	struct kc_guest_eoi eoi = { gsi, flags };

	return ioctl(vm_.get(), KC_GUEST_EOI, &eoi) ? errno : 0;
}

} // namespace irqbypass
