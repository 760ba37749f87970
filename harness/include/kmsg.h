// SPDX-License-Identifier: GPL-2.0-only
// The kernel log from now on, for tests that assert what a module printed.
#pragma once

#include <string>

#include "fd.h"

namespace irqbypass {

class Kmsg {
public:
	// Skips every record logged so far, unless @whole_log: then the
	// first read_new() returns the log the kernel still keeps.
	explicit Kmsg(bool whole_log = false);
	// The records logged since construction or the last call.
	std::string read_new();

private:
	Fd fd_;
};

} // namespace irqbypass
