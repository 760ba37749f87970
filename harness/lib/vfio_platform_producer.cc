// SPDX-License-Identifier: GPL-2.0-only
#include "vfio_platform_producer.h"

#include <stdexcept>

#include "sysfs.h"

namespace irqbypass {

std::string platform_producer_char_dev(const std::string &name)
{
	return "/dev/vfio-platform-producer-" + name;
}

// "0 irq=29 level trigger=1 producer=1 ... deactivated=0"
static PlatformProducerLine parse_platform_line(const std::string &text)
{
	KeyValues kv(text);
	PlatformProducerLine l;

	if (kv.words().size() != 2)
		throw std::runtime_error("no index and trigger type in \"" + text + "\"");
	l.index = std::stoul(kv.words()[0]);
	l.level = kv.words()[1] == "level";
	l.irq = kv.num("irq");
	l.trigger = kv.flag("trigger");
	l.producer = kv.flag("producer");
	l.consumer = kv.flag("consumer");
	l.unmaskfd = kv.flag("unmaskfd");
	l.masked = kv.flag("masked");
	l.forwarded = kv.flag("forwarded");
	l.handled = kv.num("handled");
	l.forwarded_handled = kv.num("forwarded_handled");
	l.host_masked = kv.num("host_masked");
	l.unmasks = kv.num("unmasks");
	l.refused = kv.num("refused");
	l.deactivated = kv.num("deactivated");
	return l;
}

std::vector<PlatformProducerLine> platform_producer_lines(const std::string &name)
{
	std::vector<PlatformProducerLine> out;

	for (const auto &t :
	     file_lines("/sys/kernel/debug/vfio-platform-producer/" + name + "/irqs"))
		out.push_back(parse_platform_line(t));
	return out;
}

} // namespace irqbypass
