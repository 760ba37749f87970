// SPDX-License-Identifier: GPL-2.0-only
#include "doctor.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "host_irq.h"
#include "kc_vm.h"
#include "kmsg.h"
#include "sysfs.h"

namespace irqbypass::doctor {

namespace {

const char kDebugfs[] = "/sys/kernel/debug/irqbypass/";
const char kKvmAddProducer[] = "kvm_arch_irq_bypass_add_producer";
const char kKcAddProducer[] = "kc_add_producer";
const char kKcIrqfds[] = "/sys/kernel/debug/kvm-consumer/irqfds";

bool exists(const std::string &path)
{
	return access(path.c_str(), F_OK) == 0;
}

// A signed value of @kv (irq is -1 while unknown): throws if not a number.
int signed_num(const KeyValues &kv, const std::string &key)
{
	const std::string &s = kv.str(key);
	char *end;
	long v = std::strtol(s.c_str(), &end, 10);

	if (s.empty() || *end)
		throw std::runtime_error(key + "=" + s + " is not a number");
	return (int)v;
}

// debugfs escapes a comm's spaces and backslashes as \ooo.
std::string unescape(const std::string &s)
{
	std::string out;

	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] == '\\' && i + 3 < s.size() && isdigit((unsigned char)s[i + 1])) {
			out += (char)std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8);
			i += 3;
		} else {
			out += s[i];
		}
	}
	return out;
}

// A register of an IOMMU unit, in hex in sysfs; false if unreadable.
bool unit_register(const std::string &path, unsigned long long *value)
{
	std::string s = sysfs_line(path);
	char *end;

	if (s.empty())
		return false;
	*value = std::strtoull(s.c_str(), &end, 16);
	return *end == '\0';
}

bool cmdline_has(const std::string &cmdline, const std::string &word)
{
	std::istringstream in(cmdline);
	std::string w;

	while (in >> w)
		if (w == word)
			return true;
	return false;
}

// Whether kernel @release is at least @major.@minor.
bool at_least(const std::string &release, int major, int minor)
{
	int ma = 0, mi = 0;

	if (sscanf(release.c_str(), "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

bool off(const std::string &param)
{
	return param == "N" || param == "0";
}

const KcIrqfd *kc_irqfd(const HostFacts &f, const std::string &token)
{
	for (const KcIrqfd &k : f.kc_irqfds)
		if (k.token == token)
			return &k;
	return nullptr;
}

std::string lookup(const std::vector<std::pair<int, std::string>> &v, int irq)
{
	for (const auto &p : v)
		if (p.first == irq)
			return p.second;
	return "";
}

Finding finding(const char *id, std::string sentence, std::string fix)
{
	return Finding{ id, std::move(sentence), std::move(fix) };
}

// The host's reasons, posting's first, then warnings; sets @can_post.
std::vector<Finding> host_findings(const HostFacts &f, bool *can_post)
{
	std::vector<Finding> out;
	bool blocked = false;

	if (f.manager == "stock")
		out.push_back(finding(
			"stock-manager",
			"The stock irqbypass module is loaded: it keeps no record of pairings, so "
			"only the host's checks are made.",
			"Per-vector answers need this project's manager: install irqbypass-dkms, "
			"then reload kvm and vfio-pci."));
	else if (f.manager == "none")
		out.push_back(
			finding("no-manager",
				"No IRQ bypass manager is loaded: nothing can pair a device's "
				"interrupt with a VM.",
				"It is loaded with kvm or vfio-pci: load them."));
	else if (!f.debugfs)
		out.push_back(finding("no-debugfs",
				      "The manager's debugfs view cannot be read: no per-vector "
				      "answer.",
				      "Run as root, with debugfs mounted on /sys/kernel/debug."));

	if (f.iommu.empty()) {
		blocked = true;
		out.push_back(finding("no-iommu",
				      "No IOMMU is active: interrupts are neither remapped nor "
				      "posted.",
				      "Enable VT-d or AMD-Vi in the firmware and boot with "
				      "intel_iommu=on (Intel) or amd_iommu=on (AMD)."));
	} else if (!f.remapping) {
		blocked = true;
		out.push_back(finding(
			"remapping-off",
			cmdline_has(f.cmdline, "intremap=off")
				? "Interrupt remapping is off: intremap=off is on the kernel "
				  "command line."
				: "Interrupt remapping is off: no IR- interrupt chip is in "
				  "/proc/interrupts.",
			"Remove intremap=off; dmesg says why remapping was not enabled "
			"(DMAR-IR or AMD-Vi lines)."));
	}
	if (cmdline_has(f.cmdline, "intremap=nopost")) {
		blocked = true;
		out.push_back(
			finding("intremap-nopost",
				"Posting is off: intremap=nopost is on the kernel command line.",
				"Remove intremap=nopost."));
	}
	if (f.iommu == "amd" && cmdline_has(f.cmdline, "amd_iommu_intr=legacy")) {
		blocked = true;
		out.push_back(
			finding("amd-iommu-intr-legacy",
				"Posting is off: amd_iommu_intr=legacy is on the kernel command "
				"line.",
				"Remove amd_iommu_intr=legacy (or set amd_iommu_intr=vapic)."));
	}
	if (!f.iommu.empty() && f.remapping && !f.posting_cap) {
		blocked = true;
		if (f.iommu == "intel")
			out.push_back(finding(
				"no-posting-capability",
				"Interrupt remapping has no posting capability: " + f.posting_unit +
					" does not set VT-d cap.PI (bit 59).",
				"Posting needs an IOMMU with posted interrupts (VT-d PI); an "
				"emulated IOMMU, and many client parts, have none. Interrupts are "
				"remapped through the host instead."));
		else
			out.push_back(finding(
				"no-posting-capability",
				"Interrupt remapping has no posting capability: " + f.posting_unit +
					" does not offer AMD-Vi guest virtual APIC (GASup).",
				"Posting needs an IOMMU with GA support; interrupts are remapped "
				"through the host instead."));
	}
	if (f.kvm_module.empty()) {
		blocked = true;
		out.push_back(finding("no-kvm", "Neither kvm_intel nor kvm_amd is loaded.",
				      "Load the one for this CPU."));
	} else if (off(f.apicv)) {
		blocked = true;
		out.push_back(finding(
			"apicv-off",
			f.kvm_module == "kvm_intel"
				? "KVM's APICv is off (kvm_intel.enable_apicv=N): it cannot post."
				: "KVM's AVIC is off (kvm_amd.avic=0): it cannot post.",
			f.kvm_module == "kvm_intel"
				? "Load kvm_intel with enable_apicv=1."
				: "Load kvm_amd with avic=1 (off by default on many kernels)."));
	}
	if (off(f.device_posted_irqs)) {
		blocked = true;
		out.push_back(finding("device-posting-off",
				      "KVM posts no device interrupt "
				      "(kvm.enable_device_posted_irqs=N).",
				      "Load kvm with enable_device_posted_irqs=1."));
	}
	if (f.allow_unsafe_interrupts == "Y")
		out.push_back(
			finding("unsafe-interrupts",
				"vfio_iommu_type1.allow_unsafe_interrupts=Y: VFIO takes devices "
				"even without "
				"interrupt remapping, where a device can inject any interrupt into "
				"the host.",
				"Remove allow_unsafe_interrupts once interrupt remapping works."));
	*can_post = !blocked;
	return out;
}

// "vfio-msi[0](0000:00:02.0)" -> device and "msi 0"; another producer's
// name is kept whole.
void name_vector(VectorReport *v, const std::string &name)
{
	size_t lb = name.find('['), rb = name.find(']'), lp = name.find('(');
	std::string kind = name.substr(0, std::min(lb, lp));

	if (lp != std::string::npos && name.back() == ')')
		v->device = name.substr(lp + 1, name.size() - lp - 2);
	else
		v->device = name.empty() ? "irq " + std::to_string(v->irq) : name;
	if (kind.compare(0, 5, "vfio-") == 0 && lb != std::string::npos && rb != std::string::npos)
		v->vector = kind.substr(5) + " " + name.substr(lb + 1, rb - lb - 1);
	else
		v->vector = kind;
}

// The VFIO INTx lines of a /proc/interrupts line: "11: ... vfio-intx(BDF)",
// several actions of a shared line separated by ", ".
void intx_lines(const std::string &l, std::vector<std::pair<int, std::string>> *out)
{
	static const std::string tag = "vfio-intx(";
	size_t colon = l.find(':'), at = 0;
	int irq;

	try {
		irq = std::stoi(l.substr(0, colon));
	} catch (const std::exception &) {
		return; /* the header, or NMI, LOC...: no line number */
	}
	while ((at = l.find(tag, at)) != std::string::npos) {
		size_t end = l.find(')', at);

		if (end == std::string::npos)
			return;
		out->emplace_back(irq, l.substr(at + tag.size(), end - at - tag.size()));
		at = end;
	}
}

// The manager's refusals the kernel log still holds: records are
// "LEVEL,SEQ,TIME,FLAGS;message" (Documentation/ABI/testing/dev-kmsg),
// the message as irqbp_refused() prints it (Documentation/tracing.md).
std::vector<Refusal> read_refusals()
{
	static const std::regex line(R"(;irqbypass: (producer|consumer) \S+ refused: token (\S+) )"
				     R"(held by (producer|consumer) \S+ of pid (\d+) \((.*)\)$)");
	std::istringstream log(Kmsg(true).read_new());
	std::vector<Refusal> out;
	std::smatch m;

	for (std::string l; std::getline(log, l);) {
		if (!std::regex_search(l, m, line))
			continue;
		out.push_back({ m[1], m[2], m[3], std::stoi(m[4]), m[5] });
	}
	return out;
}

void json_string(std::ostringstream &o, const std::string &s)
{
	o << '"';
	for (char c : s) {
		if (c == '"' || c == '\\')
			o << '\\' << c;
		else if ((unsigned char)c < 0x20)
			o << "\\u00"
			  << "0123456789abcdef"[(c >> 4) & 0xf] << "0123456789abcdef"[c & 0xf];
		else
			o << c;
	}
	o << '"';
}

void json_findings(std::ostringstream &o, const std::vector<Finding> &v)
{
	o << '[';
	for (size_t i = 0; i < v.size(); i++) {
		o << (i ? ", " : "") << "{\"id\": ";
		json_string(o, v[i].id);
		o << ", \"sentence\": ";
		json_string(o, v[i].sentence);
		o << ", \"fix\": ";
		json_string(o, v[i].fix);
		o << '}';
	}
	o << ']';
}

} // namespace

std::vector<Member> parse_members(const std::vector<std::string> &lines)
{
	std::vector<Member> out;

	for (const std::string &l : lines) {
		KeyValues kv(l);
		Member m;

		m.token = kv.str("token");
		m.object = kv.str(kv.has("producer") ? "producer" : "consumer");
		m.irq = signed_num(kv, "irq");
		m.connected = kv.str("state") == "connected";
		m.via = kv.str("via");
		m.pid = (int)kv.num("pid");
		m.comm = unescape(kv.str("comm"));
		out.push_back(m);
	}
	return out;
}

HostFacts read_host()
{
	HostFacts f;

	if (!sysfs_line("/sys/module/irqbypass/version").empty()) {
		f.manager = "ours";
		f.manager_version = sysfs_line("/sys/module/irqbypass/version");
	} else {
		f.manager = exists("/sys/module/irqbypass") ? "stock" : "none";
	}
	f.debugfs = f.manager == "ours" &&
		    access((std::string(kDebugfs) + "producers").c_str(), R_OK) == 0;

	f.posting_cap = true;
	for (const std::string &unit : dir_entries("/sys/class/iommu")) {
		std::string dir = "/sys/class/iommu/" + unit;
		unsigned long long reg = 0;
		bool can = false;

		if (unit.compare(0, 4, "dmar") == 0) {
			f.iommu = "intel";
			can = unit_register(dir + "/intel-iommu/cap", &reg) && (reg >> 59 & 1);
		} else if (unit.compare(0, 4, "ivhd") == 0) {
			f.iommu = "amd";
			can = unit_register(dir + "/amd-iommu/features", &reg) && (reg >> 7 & 1);
		} else {
			continue;
		}
		if (!can && f.posting_cap) {
			f.posting_cap = false;
			f.posting_unit = unit;
		}
	}
	if (f.iommu.empty())
		f.posting_cap = false;
	for (const std::string &l : file_lines("/proc/interrupts")) {
		if (l.find(" IR-") != std::string::npos)
			f.remapping = true;
		intx_lines(l, &f.intx);
	}
	f.cmdline = sysfs_line("/proc/cmdline");
	f.release = sysfs_line("/proc/sys/kernel/osrelease");

	if (exists("/sys/module/kvm_intel")) {
		f.kvm_module = "kvm_intel";
		f.apicv = sysfs_line("/sys/module/kvm_intel/parameters/enable_apicv");
	} else if (exists("/sys/module/kvm_amd")) {
		f.kvm_module = "kvm_amd";
		f.apicv = sysfs_line("/sys/module/kvm_amd/parameters/avic");
	}
	f.device_posted_irqs = sysfs_line("/sys/module/kvm/parameters/enable_device_posted_irqs");
	f.allow_unsafe_interrupts =
		sysfs_line("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");

	if (f.debugfs) {
		f.producers = parse_members(file_lines(std::string(kDebugfs) + "producers"));
		f.consumers = parse_members(file_lines(std::string(kDebugfs) + "consumers"));
	}
	for (const std::string &l : file_lines(kKcIrqfds)) {
		KeyValues kv(l);
		KcIrqfd k;

		k.token = kv.str("token");
		k.mode = kv.str("mode");
		k.reason = (unsigned int)kv.num("reason");
		/* Only a posted irqfd has a vCPU. */
		k.vcpu = kv.has("vcpu") ? (int)kv.num("vcpu") : -1;
		f.kc_irqfds.push_back(k);
	}
	for (const Member &p : f.producers)
		f.irq_names.emplace_back(p.irq, irq_name(p.irq));
	f.refusals = read_refusals();
	return f;
}

// Why a second registration on a vector's eventfd failed, once per
// holder and side however often the log repeats it. Only while the holder
// the log names still holds it: a token is an address, which a later
// eventfd may reuse.
static void add_refusals(const HostFacts &f, const Member &p, const Member *c, VectorReport *v)
{
	std::vector<const Refusal *> seen;

	for (const Refusal &x : f.refusals) {
		int holder_pid = x.holder_side == "producer" ? p.pid : c ? c->pid : -1;

		if (x.token != v->token || x.holder_pid != holder_pid ||
		    std::any_of(seen.begin(), seen.end(), [&x](const Refusal *s) {
			    return s->side == x.side && s->holder_pid == x.holder_pid &&
				   s->holder_comm == x.holder_comm;
		    }))
			continue;
		seen.push_back(&x);
		std::string holder = "the " + x.holder_side + " of pid " +
				     std::to_string(x.holder_pid) + " (" + x.holder_comm + ")";
		v->reasons.push_back(finding(
			"refused",
			"A second " + x.side +
				" for this vector's eventfd was refused (-EBUSY): "
				"the token is held by " +
				holder + ".",
			"One eventfd serves one VM's irqfd. If pid " +
				std::to_string(x.holder_pid) +
				" is a VMM that should be gone (a restart or a live update left "
				"it), stop it; otherwise give each irqfd its own eventfd."));
	}
}

Report diagnose(const HostFacts &f)
{
	Report r;

	r.manager = f.manager;
	r.manager_version = f.manager_version;
	r.host = host_findings(f, &r.host_can_post);

	for (const Member &p : f.producers) {
		VectorReport v;
		const Member *c = nullptr;

		v.irq = p.irq;
		v.token = p.token;
		name_vector(&v, lookup(f.irq_names, p.irq));
		for (const Member &m : f.consumers)
			if (m.token == p.token)
				c = &m;
		v.paired = c && c->connected;
		if (c) {
			v.vmm = "pid " + std::to_string(c->pid) + " (" + c->comm + ")";
			v.consumer = c->via == kKvmAddProducer ? "kvm" : c->via;
		}

		if (!c && !r.host_can_post && !f.kvm_module.empty() && at_least(f.release, 6, 10)) {
			v.path = "not paired";
			v.reasons.push_back(finding(
				"kvm-needs-posting",
				"KVM registers no IRQ bypass consumer on a host that cannot post "
				"(kernels since 6.10): this vector is remapped through the host.",
				"See why the host cannot post, above."));
			for (const Finding &h : r.host)
				if (h.id != "unsafe-interrupts" && h.id != "stock-manager")
					v.reasons.push_back(h);
		} else if (!v.paired) {
			v.path = "not paired";
			v.reasons.push_back(finding(
				"not-paired",
				"No consumer holds this vector's eventfd: the VMM has not made it "
				"a "
				"KVM irqfd, or its registration was refused.",
				"Check that the VMM assigns an irqfd to the vector (QEMU does once "
				"the guest enables it); a refusal is logged as \"irqbypass: ... "
				"refused: token ... held by ...\"."));
		} else if (v.consumer == kKcAddProducer && kc_irqfd(f, p.token)) {
			const KcIrqfd *k = kc_irqfd(f, p.token);

			v.consumer = "kvm-consumer";
			v.path = k->mode;
			v.vcpu = k->vcpu;
			if (k->mode == "remapped")
				v.reasons.push_back(finding(
					"kvm-consumer-remapped",
					std::string("kvm-consumer remaps it through the host: ") +
						kc_reason_name(k->reason) + ".",
					"See the reasons in Documentation/kvm-consumer.md."));
		} else if (v.consumer != "kvm") {
			v.path = "paired";
			v.reasons.push_back(
				finding("other-consumer",
					"The consumer is " + v.consumer +
						", not KVM: it says itself how it delivers.",
					"See the consumer's documentation or its trace events."));
		} else if (r.host_can_post) {
			v.path = "posting-capable";
		} else {
			v.path = "remapped";
			for (const Finding &h : r.host)
				if (h.id != "unsafe-interrupts" && h.id != "stock-manager")
					v.reasons.push_back(h);
		}
		add_refusals(f, p, c, &v);
		r.vectors.push_back(v);
	}
	for (const auto &[irq, device] : f.intx) {
		VectorReport v;

		v.device = device;
		v.vector = "intx";
		v.irq = irq;
		v.path = "intx";
		v.reasons.push_back(finding(
			"intx",
			"INTx cannot be posted: VFIO registers no bypass producer for a wired "
			"line. The host takes each interrupt, masks the line, and unmasks it "
			"when the guest's EOI signals KVM's resamplefd: a VM exit each time.",
			"Have the guest's driver use MSI or MSI-X: in the guest, lspci -v shows "
			"\"MSI: Enable+\" or \"MSI-X: Enable+\" once it does. A driver left on "
			"INTx may have an option for it, or MSI may be off on the guest's "
			"command line (pci=nomsi)."));
		r.vectors.push_back(v);
	}
	return r;
}

std::string vector_text(const VectorReport &v)
{
	std::ostringstream o;

	o << "  " << v.device << " " << v.vector << " (irq " << v.irq << "): " << v.path;
	if (v.paired)
		o << ", paired with " << (v.consumer == "kvm" ? "KVM" : v.consumer) << " of "
		  << v.vmm;
	o << "\n";
	if (v.path == "posted")
		o << "    posted to vCPU " << v.vcpu << "\n";
	if (v.path == "posting-capable")
		o << "    posted to the vCPU its guest route targets; a route to several "
		     "vCPUs is remapped instead\n";
	for (const Finding &f : v.reasons)
		o << "    why: " << f.sentence << "\n    fix: " << f.fix << "\n";
	return o.str();
}

std::string to_text(const Report &r)
{
	std::ostringstream o;

	o << "manager: " << r.manager << (r.manager_version.empty() ? "" : " " + r.manager_version)
	  << "\n";
	o << "host: "
	  << (r.host_can_post ? "can post device interrupts to vCPUs"
			      : "cannot post device interrupts to vCPUs")
	  << "\n";
	for (const Finding &h : r.host)
		o << "  - " << h.sentence << "\n    fix: " << h.fix << "\n";
	if (r.manager != "ours")
		return o.str();
	if (r.vectors.empty())
		o << "vectors: none registered\n";
	else
		o << "vectors:\n";
	for (const VectorReport &v : r.vectors)
		o << vector_text(v);
	return o.str();
}

std::string vector_json(const VectorReport &v)
{
	std::ostringstream o;

	o << "{\"device\": ";
	json_string(o, v.device);
	o << ", \"vector\": ";
	json_string(o, v.vector);
	o << ", \"irq\": " << v.irq << ", \"token\": ";
	json_string(o, v.token);
	o << ", \"paired\": " << (v.paired ? "true" : "false") << ", \"vmm\": ";
	json_string(o, v.vmm);
	o << ", \"consumer\": ";
	json_string(o, v.consumer);
	o << ", \"path\": ";
	json_string(o, v.path);
	o << ", \"vcpu\": " << v.vcpu;
	o << ", \"reasons\": ";
	json_findings(o, v.reasons);
	o << '}';
	return o.str();
}

std::string to_json(const Report &r)
{
	std::ostringstream o;

	o << "{\"manager\": ";
	json_string(o, r.manager);
	o << ", \"manager_version\": ";
	json_string(o, r.manager_version);
	o << ", \"host_can_post\": " << (r.host_can_post ? "true" : "false") << ", \"host\": ";
	json_findings(o, r.host);
	o << ", \"vectors\": [";
	for (size_t i = 0; i < r.vectors.size(); i++)
		o << (i ? ", " : "") << vector_json(r.vectors[i]);
	o << "]}\n";
	return o.str();
}

namespace {

// The same vector: a vector of a device, on the same irq and eventfd.
bool same_vector(const VectorReport &a, const VectorReport &b)
{
	return a.device == b.device && a.vector == b.vector && a.irq == b.irq && a.token == b.token;
}

// The same verdict: what the report says of it.
bool same_verdict(const VectorReport &a, const VectorReport &b)
{
	auto ids = [](const VectorReport &v) {
		std::vector<std::string> out;

		for (const Finding &f : v.reasons)
			out.push_back(f.id);
		return out;
	};
	return a.paired == b.paired && a.vmm == b.vmm && a.consumer == b.consumer &&
	       a.path == b.path && a.vcpu == b.vcpu && ids(a) == ids(b);
}

} // namespace

std::vector<Change> changes(const Report &before, const Report &after)
{
	std::vector<Change> out;

	for (const VectorReport &v : before.vectors)
		if (std::none_of(after.vectors.begin(), after.vectors.end(),
				 [&v](const VectorReport &a) { return same_vector(a, v); }))
			out.push_back({ true, v });
	for (const VectorReport &v : after.vectors)
		if (std::none_of(before.vectors.begin(), before.vectors.end(),
				 [&v](const VectorReport &b) {
					 return same_vector(b, v) && same_verdict(b, v);
				 }))
			out.push_back({ false, v });
	return out;
}

std::string change_text(const Change &c)
{
	if (c.gone)
		return "  gone: " + c.vector.device + " " + c.vector.vector + " (irq " +
		       std::to_string(c.vector.irq) + ")\n";
	return "  now:" + vector_text(c.vector).substr(1);
}

std::string change_json(const Change &c)
{
	return std::string("{\"change\": \"") + (c.gone ? "gone" : "now") +
	       "\", \"vector\": " + vector_json(c.vector) + "}\n";
}

std::string event_json(const std::string &record)
{
	std::ostringstream o;

	o << "{\"event\": ";
	json_string(o, record);
	o << "}\n";
	return o.str();
}

} // namespace irqbypass::doctor
