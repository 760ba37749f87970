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

const char *kc_mode_name(unsigned int mode)
{
	switch (mode) {
	case KC_MODE_NONE: return "no producer";
	case KC_MODE_POSTED: return "posted";
	case KC_MODE_REMAPPED: return "remapped";
	case KC_MODE_FORWARDED: return "forwarded";
	}
	return "?";
}

const char *kc_reason_name(unsigned int reason)
{
	switch (reason) {
	case KC_REASON_NOT_MSI: return "level route, chip cannot forward";
	case KC_REASON_MULTICAST: return "multicast route";
	case KC_REASON_NO_POSTING: return "no posting capability";
	case KC_REASON_NO_VCPU_AFFINITY: return "chip without vCPU affinity";
	case KC_REASON_NO_ROUTE: return "no route";
	case KC_REASON_AFFINITY_FAILED: return "irq_set_vcpu_affinity failed";
	case KC_REASON_FOREIGN_CHIP: return "chip of another vCPU format";
	case KC_REASON_VECTOR_SHARED: return "vector posted by another GSI";
	case KC_REASON_EDGE_LINE: return "edge line, not forwarded";
	case KC_REASON_HARDWARE_POSTING: return "real VT-d, not driven";
	}
	return "none";
}

} // namespace irqbypass
