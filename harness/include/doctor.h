// SPDX-License-Identifier: GPL-2.0-only
// What irqbypass-doctor reads of the host and what it concludes: whether
// each vector of a passed-through device bypasses the host, and if not,
// why (Documentation/troubleshooting.md). Reading and concluding are apart
// so that the conclusions can be checked against facts made up for them.
#pragma once

#include <string>
#include <vector>

namespace irqbypass::doctor {

// A registration as the manager's debugfs shows it (Documentation/tracing.md).
struct Member {
	std::string token;
	std::string object;
	int irq = -1;
	bool connected = false;
	std::string via; // the object's add callback, e.g. kvm_arch_irq_bypass_add_producer
	int pid = 0;
	std::string comm;
};

// A registration the manager refused because its side of the token was
// held, from its kernel log line (Documentation/tracing.md).
struct Refusal {
	std::string side; // "producer" or "consumer": the refused one's
	std::string token;
	std::string holder_side;
	int holder_pid = 0;
	std::string holder_comm;
};

// An irqfd of kvm-consumer, from its debugfs (Documentation/kvm-consumer.md).
struct KcIrqfd {
	std::string token;
	std::string mode;	 // "none", "posted", "remapped", "forwarded"
	unsigned int reason = 0; // enum kc_reason
	int vcpu = -1;		 // posted: the vCPU
};

// What the host says about interrupt remapping, posting and the modules.
struct HostFacts {
	// "ours" (this project's manager, with its version), "stock", or "none".
	std::string manager;
	std::string manager_version;
	bool debugfs = false;	  // the manager's debugfs view could be read
	std::string iommu;	  // "intel", "amd" or "" (none active)
	bool remapping = false;	  // an IR- interrupt chip is in use
	bool posting_cap = false; // every IOMMU unit can post (VT-d cap.PI, AMD-Vi GA)
	std::string posting_unit; // the first unit that cannot, for the report
	std::string cmdline;
	std::string release;		     // uname -r
	std::string kvm_module;		     // "kvm_intel", "kvm_amd" or ""
	std::string apicv;		     // kvm_intel.enable_apicv or kvm_amd.avic, "" if absent
	std::string device_posted_irqs;	     // kvm.enable_device_posted_irqs, "" if absent
	std::string allow_unsafe_interrupts; // vfio_iommu_type1's, "" if absent
	std::vector<Member> producers, consumers;
	std::vector<KcIrqfd> kc_irqfds; // when kvm-consumer is loaded
	// Per producer irq: its /proc/interrupts action name.
	std::vector<std::pair<int, std::string>> irq_names;
	std::vector<Refusal> refusals; // as long as the kernel log keeps them
	// VFIO's INTx lines, which have no producer: irq and device.
	std::vector<std::pair<int, std::string>> intx;
};

// One reason a vector does not bypass the host, or a warning.
struct Finding {
	std::string id;	      // stable, for scripts: "no-posting-capability"
	std::string sentence; // what is wrong
	std::string fix;      // what to do about it
};

struct VectorReport {
	std::string device; // "0000:00:02.0", or the irq name when not a PCI vector
	std::string vector; // "msi 0", "msix 3", "intx"
	int irq = -1;
	std::string token;
	bool paired = false;
	std::string vmm;      // "pid 4242 (qemu-system-x86)" of the consumer
	std::string consumer; // "kvm" or the consumer's add callback
	// "posting-capable", "posted" (to @vcpu), "forwarded", "remapped",
	// "paired" (another consumer), "not paired", "intx" (never posted)
	std::string path;
	int vcpu = -1;
	std::vector<Finding> reasons; // why it is not posted, the first first
};

struct Report {
	std::string manager; // as HostFacts
	std::string manager_version;
	bool host_can_post = false;
	std::vector<Finding> host; // the host's reasons and warnings
	std::vector<VectorReport> vectors;
};

// Reads the facts of the running host; needs root for debugfs. Throws
// std::runtime_error on a debugfs line not as Documentation/tracing.md says.
HostFacts read_host();
// The members listed in one of the manager's debugfs files; throws
// std::runtime_error on a line that lacks a key it reads.
std::vector<Member> parse_members(const std::vector<std::string> &lines);
// What the facts mean.
Report diagnose(const HostFacts &facts);

std::string to_text(const Report &r);
std::string to_json(const Report &r);
// One vector as to_text() and to_json() show it.
std::string vector_text(const VectorReport &v);
std::string vector_json(const VectorReport &v);

// A vector that appeared or whose verdict changed (now), or that is gone.
struct Change {
	bool gone = false;
	VectorReport vector;
};
// What changed from @before to @after, vector by vector.
std::vector<Change> changes(const Report &before, const Report &after);
// A change as a text line ("  now: ...", "  gone: ..."), or as one JSON
// object on a line; a trace record likewise ({"event": ...}).
std::string change_text(const Change &c);
std::string change_json(const Change &c);
std::string event_json(const std::string &record);

} // namespace irqbypass::doctor
