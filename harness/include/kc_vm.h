// SPDX-License-Identifier: GPL-2.0
// A kvm-consumer VM: one open of /dev/kvm-consumer, the irqfd-style
// reference consumer (Documentation/kvm-consumer.md).
#pragma once

#include <irqbypass/kvm_consumer.h>

#include "kvm_vm.h"

namespace irqbypass {

class KcVm : public IrqfdVm {
public:
	KcVm();
	void set_msi_routes(const std::vector<MsiRoute> &routes) override;
	void irqfd_assign(int eventfd, unsigned int gsi) override;
	void irqfd_deassign(int eventfd, unsigned int gsi) override;
	// KC_GET_GSI_STATE of @gsi.
	struct kc_gsi_state state(unsigned int gsi);
	int fd() const { return vm_.get(); }

private:
	Fd vm_;
};

} // namespace irqbypass
