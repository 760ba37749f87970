// SPDX-License-Identifier: GPL-2.0-only
#include "irqchip_model.h"

#include <cerrno>
#include <stdexcept>

#include "fd.h"
#include "sysfs.h"

namespace irqbypass {

static const std::string kModelDebugfs = "/sys/kernel/debug/irqchip-model/";

std::vector<std::string> model_devices()
{
	return dir_entries(kModelDebugfs);
}

IrqchipModel::IrqchipModel(const std::string &device)
    : device_(device), dir_(kModelDebugfs + device + "/")
{
}

int IrqchipModel::ctl(const std::string &cmd) const
{
	return sysfs_write(dir_ + "ctl", cmd);
}

void IrqchipModel::command(const std::string &cmd) const
{
	int err = ctl(cmd);

	if (err) {
		errno = err;
		throw_errno(device_ + " ctl \"" + cmd + "\"");
	}
}

void IrqchipModel::assert_line(unsigned int line) const
{
	command("assert " + std::to_string(line));
}

void IrqchipModel::deassert_line(unsigned int line) const
{
	command("deassert " + std::to_string(line));
}

void IrqchipModel::pulse(unsigned int line, unsigned int n) const
{
	command("pulse " + std::to_string(line) + " " + std::to_string(n));
}

void IrqchipModel::burst(unsigned int line, unsigned int n, unsigned int period_us) const
{
	command("burst " + std::to_string(line) + " " + std::to_string(n) + " " +
		std::to_string(period_us));
}

void IrqchipModel::reset(unsigned int line) const
{
	command("reset " + std::to_string(line));
}

// "line=0 irq=29 type=level flavour=gic asserted=0 ... burst_left=0"
static ModelLine parse_line(const std::string &text)
{
	KeyValues kv(text);
	ModelLine l;

	l.line = kv.num("line");
	l.irq = kv.num("irq");
	l.level = kv.str("type") == "level";
	l.posting = kv.str("flavour") == "posting";
	l.asserted = kv.flag("asserted");
	l.pending = kv.flag("pending");
	l.active = kv.flag("active");
	l.masked = kv.flag("masked");
	l.forwarded = kv.flag("forwarded");
	l.posted = kv.flag("posted");
	l.raised = kv.num("raised");
	l.handled = kv.num("handled");
	l.posted_count = kv.num("posted_count");
	l.notifications = kv.num("notifications");
	l.coalesced = kv.num("coalesced");
	l.completions = kv.num("completions");
	l.masks = kv.num("masks");
	l.unmasks = kv.num("unmasks");
	l.burst_left = kv.num("burst_left");
	return l;
}

std::vector<ModelLine> IrqchipModel::lines() const
{
	std::vector<std::string> text = file_lines(dir_ + "lines");
	std::vector<ModelLine> out;

	if (text.empty())
		throw std::runtime_error("cannot read " + dir_ + "lines");
	for (const auto &t : text)
		out.push_back(parse_line(t));
	return out;
}

ModelLine IrqchipModel::line(unsigned int line) const
{
	std::vector<ModelLine> all = lines();

	if (line >= all.size())
		throw std::out_of_range(device_ + " has no line " + std::to_string(line));
	return all[line];
}

} // namespace irqbypass
