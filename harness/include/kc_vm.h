// SPDX-License-Identifier: GPL-2.0-only
// A kvm-consumer VM: one open of /dev/kvm-consumer, the irqfd-style
// reference consumer (Documentation/kvm-consumer.md).
#pragma once

#include <irqbypass/kvm_consumer.h>

#include "kvm_vm.h"

namespace irqbypass {

class KcVm : public IrqfdVm {
public:
	KcVm();
	// KC_GET_GSI_STATE of @gsi.
	struct kc_gsi_state state(unsigned int gsi);
	// KC_GUEST_EOI on @gsi with @flags (KC_EOI_HOLD, KC_EOI_RELEASE, or 0
	// to complete one level interrupt the guest holds): 0 or the errno.
	int guest_eoi(unsigned int gsi, unsigned int flags = 0);
};

// enum kc_mode and enum kc_reason in words.
const char *kc_mode_name(unsigned int mode);
const char *kc_reason_name(unsigned int reason);

} // namespace irqbypass
