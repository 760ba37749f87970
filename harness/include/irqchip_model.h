// SPDX-License-Identifier: GPL-2.0-only
// The interrupt controller model, irqchip_model.ko, from user space
// (Documentation/irqchip-model.md): each of its platform devices has a
// root-only debugfs directory whose ctl file takes commands on the
// device's lines and whose lines file shows their state and counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace irqbypass {

// The model's devices with its default parameters: a GIC whose lines 0
// and 1 are level and 2 and 3 edge, and a posting device of four edge
// lines.
constexpr const char *kModelGic = "irqchip-model.0";
constexpr const char *kModelPosting = "irqchip-model.1";

// One line of a model device, as its lines file shows it.
struct ModelLine {
	unsigned int line = 0;
	int irq = -1;
	bool level = false;   /* else edge */
	bool posting = false; /* the posting flavour, else the GIC one */
	bool asserted = false;
	bool pending = false;
	bool active = false;
	bool masked = false; /* at the chip */
	bool forwarded = false;
	bool posted = false;
	std::uint64_t raised = 0;
	std::uint64_t handled = 0; /* deliveries to the host's flow handler */
	std::uint64_t posted_count = 0;
	std::uint64_t notifications = 0;
	std::uint64_t coalesced = 0;
	std::uint64_t completions = 0;
	std::uint64_t masks = 0;
	std::uint64_t unmasks = 0;
	unsigned int burst_left = 0;

	// Nothing in flight: neither asserted, pending, active nor bursting.
	bool idle() const { return !asserted && !pending && !active && !burst_left; }
};

// The names of the model's devices, sorted; none if it is not loaded.
std::vector<std::string> model_devices();

// One device of the model. The commands throw std::system_error if the
// model refuses them; ctl() returns the errno instead.
class IrqchipModel {
public:
	explicit IrqchipModel(const std::string &device);
	const std::string &device() const { return device_; }

	// 0 or the errno of writing @cmd to ctl. A write returns once the
	// deliveries it caused have run.
	int ctl(const std::string &cmd) const;
	// A level line's input.
	void assert_line(unsigned int line) const;
	void deassert_line(unsigned int line) const;
	// @n interrupts: edges, or on a level line assertions dropped when
	// acknowledged.
	void pulse(unsigned int line, unsigned int n = 1) const;
	// @n pulses from a timer, one per @period_us; n 0 stops one.
	void burst(unsigned int line, unsigned int n, unsigned int period_us) const;
	// Zeroes the line's counters.
	void reset(unsigned int line) const;

	// Every line of the device; throws std::runtime_error if the file
	// cannot be read or a line does not parse.
	std::vector<ModelLine> lines() const;
	// Line @line; throws std::out_of_range if there is none.
	ModelLine line(unsigned int line) const;
	// The Linux irq of line @line.
	int irq(unsigned int line) const { return this->line(line).irq; }

private:
	void command(const std::string &cmd) const;

	std::string device_;
	std::string dir_; /* its debugfs directory */
};

} // namespace irqbypass
