// SPDX-License-Identifier: GPL-2.0-only
// A tracefs instance of one's own (instances/<name> under
// /sys/kernel/tracing): events enabled there are seen only by its reader,
// whatever else traces the host. Text records, read from its trace_pipe.
#pragma once

#include <string>
#include <vector>

#include "fd.h"

namespace irqbypass {

class TraceInstance {
public:
	// Creates instances/@name; throws std::system_error if tracefs is not
	// mounted or the instance cannot be made.
	explicit TraceInstance(const std::string &name);
	// Disables its events and removes the instance.
	~TraceInstance();
	TraceInstance(const TraceInstance &) = delete;
	TraceInstance &operator=(const TraceInstance &) = delete;

	// Enables @event ("irqbypass" for a whole system, or
	// "kvm/kvm_pi_irte_update"): false if the kernel has no such event.
	bool enable(const std::string &event);
	// The records that arrive within @timeout_ms (-1: until one does),
	// one a line; none on timeout or when a signal interrupts the wait.
	std::vector<std::string> read(int timeout_ms);
	const std::string &path() const { return path_; }

private:
	std::string path_;
	std::vector<std::string> enabled_;
	Fd pipe_;
	std::string partial_;
};

} // namespace irqbypass
