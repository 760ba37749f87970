// SPDX-License-Identifier: GPL-2.0-only
#include "host_irq.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace irqbypass {

// The /proc/interrupts line of @irq: "N: c0 c1 ... chip hwirq name".
static std::string interrupts_line(int irq)
{
	std::ifstream in("/proc/interrupts");
	std::string line, want = std::to_string(irq) + ":";

	while (std::getline(in, line)) {
		std::istringstream f(line);
		std::string first;

		f >> first;
		if (first == want)
			return line;
	}
	return "";
}

std::string irq_name(int irq)
{
	std::string line = interrupts_line(irq);
	size_t end = line.find_last_not_of(" \n");
	size_t start;

	if (line.empty())
		return "";
	start = line.find_last_of(' ', end);
	return line.substr(start + 1, end - start);
}

std::uint64_t irq_count(int irq)
{
	std::istringstream f(interrupts_line(irq));
	std::string tok;
	std::uint64_t total = 0;

	f >> tok; /* "N:" */
	while (f >> tok) {
		char *end;
		unsigned long long v = strtoull(tok.c_str(), &end, 10);

		if (*end)
			break;
		total += v;
	}
	return total;
}

} // namespace irqbypass
