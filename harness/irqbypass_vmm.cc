// SPDX-License-Identifier: GPL-2.0-only
// irqbypass-vmm: the harness's mini-VMM as a command. Assigns a PCI
// device's MSI to a new KVM VM the way QEMU does (VFIO_DEVICE_SET_IRQS with
// an eventfd, KVM_SET_GSI_ROUTING, KVM_IRQFD with the same eventfd), raises
// interrupts on an edu device, and tears everything down again.
// Options: irqbypass-vmm --help.
#include <chrono>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <linux/vfio.h>
#include <thread>

#include "bus.h"
#include "edu.h"
#include "irqchip_model.h"
#include "kc_vm.h"
#include "kvm_vm.h"
#include "vfio.h"
#include "vfio_platform_producer.h"

using namespace irqbypass;
using namespace std::chrono_literals;

__attribute__((format(printf, 1, 2))) static void step(const char *fmt, ...)
{
	va_list ap;

	printf("vmm: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* After each action: lets the live view print what it caused. */
static void pause()
{
	std::this_thread::sleep_for(300ms);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s --bdf BDF [--kvm-first] [--gsi N] [--raise N] [--second-vm]\n"
		"       [--kvm-consumer] [--intx] [--then CMD]\n"
		"       %s --platform DEVICE [--line N] [--gsi N] [--raise N] [--then CMD]\n"
		"\n"
		"Assigns MSI vector 0 of PCI device BDF to a new VM as QEMU does: binds\n"
		"it to vfio-pci, VFIO_DEVICE_SET_IRQS with an eventfd, an MSI route and\n"
		"an irqfd on the same eventfd; then tears it all down. Needs root.\n"
		"With --intx, its INTx line instead, as QEMU assigns a device whose\n"
		"guest driver uses no MSI: the trigger and an unmask eventfd, a level\n"
		"irqfd on an IOAPIC route whose resamplefd is that unmask eventfd.\n"
		"With --platform, a level line of the interrupt controller model's\n"
		"DEVICE goes through vfio-platform-producer to a level irqfd of a\n"
		"kvm-consumer VM, its resamplefd the producer's unmask eventfd, as QEMU\n"
		"wires VFIO platform; interrupts are raised on the model and completed\n"
		"by the guest one by one. A line of the model's posting flavour\n"
		"(irqchip-model.1) goes to an MSI irqfd instead, routed to vCPU 1,\n"
		"which kvm-consumer posts: its interrupts never reach the host.\n"
		"\n"
		"  -b, --bdf BDF        the device (an edu device to raise interrupts)\n"
		"  -p, --platform DEV   a model device (irqchip-model.0) instead\n"
		"  -l, --line N         its line (default 0, a level line)\n"
		"  -k, --kvm-first      assign the irqfd before the VFIO trigger\n"
		"  -g, --gsi N          the route's GSI (default 40)\n"
		"  -r, --raise N        raise N interrupts on the edu device\n"
		"  -t, --then CMD       run the shell command CMD while paired, after the\n"
		"                       second VM's try; exit with its status\n"
		"  -s, --second-vm      let a second VM try an irqfd on the same eventfd\n"
		"  -c, --kvm-consumer   VMs from /dev/kvm-consumer instead of KVM\n"
		"  -i, --intx           the device's INTx line, not MSI (no --raise)\n"
		"  -h, --help           this text\n",
		prog, prog);
}

// @arg as an unsigned int, or exits with a message.
static unsigned int number(const char *prog, const char *opt, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (!*arg || *end || v > UINT_MAX) {
		fprintf(stderr, "%s: --%s wants a number, not '%s'\n", prog, opt, arg);
		exit(2);
	}
	return v;
}

// Waits until the guest holds @n level interrupts of @gsi.
static bool in_service(KcVm &vm, unsigned int gsi, unsigned int n)
{
	for (int i = 0; i < 500; i++) {
		if (vm.state(gsi).in_service == n)
			return true;
		std::this_thread::sleep_for(2ms);
	}
	return false;
}

// The IOAPIC pin of the level route (0-23).
constexpr unsigned int kPin = 5;
// Where the MSI route of a posting line points: a vCPU and a vector.
constexpr unsigned int kPostVcpu = 1;
constexpr unsigned int kPostVector = 0x45;

// Runs the shell command @cmd while a pair stands: its exit status.
static int run_then(const char *cmd)
{
	int status;

	step("running, while paired: %s", cmd);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// A level line: its trigger and its unmask eventfd, the resamplefd of a
// level irqfd; each interrupt is serviced and completed by the guest.
static void level_pair(const IrqchipModel &model, int dev, KcVm &vm, int trigger, int unmask,
		       unsigned int line, unsigned int gsi, unsigned int raises)
{
	step("VFIO_DEVICE_SET_IRQS: %s IRQ %u -> eventfd, UNMASK -> the resamplefd",
	     model.device().c_str(), line);
	if (vfio_set_eventfds(dev, line, 0, { trigger }) ||
	    vfio_set_unmask_eventfd(dev, line, unmask))
		throw_errno("VFIO_DEVICE_SET_IRQS");
	pause();
	step("KC_IRQFD: the same eventfd -> level GSI %u (IOAPIC pin %u), resamplefd; "
	     "the guest completes each interrupt itself",
	     gsi, kPin);
	vm.set_routes({}, { { gsi, kPin } });
	vm.guest_eoi(gsi, KC_EOI_HOLD);
	vm.irqfd_assign_resample(trigger, gsi, unmask);
	pause();
	if (raises)
		step("the device asserts its line %u times; each time the guest services it "
		     "and completes it",
		     raises);
	for (unsigned int i = 0; i < raises; i++) {
		model.assert_line(line);
		if (!in_service(vm, gsi, 1))
			throw std::runtime_error("the interrupt did not reach the guest");
		model.deassert_line(line);
		if (vm.guest_eoi(gsi))
			throw std::runtime_error("KC_GUEST_EOI failed");
		in_service(vm, gsi, 0);
	}
}

// An edge line of the posting flavour: an MSI irqfd to one vCPU, which
// kvm-consumer posts; each interrupt lands in that vCPU's descriptor.
static void posted_pair(const IrqchipModel &model, int dev, KcVm &vm, int trigger,
			unsigned int line, unsigned int gsi, unsigned int raises)
{
	step("VFIO_DEVICE_SET_IRQS: %s IRQ %u -> eventfd", model.device().c_str(), line);
	if (vfio_set_eventfds(dev, line, 0, { trigger }))
		throw_errno("VFIO_DEVICE_SET_IRQS");
	pause();
	step("KC_IRQFD: the same eventfd -> MSI GSI %u, vCPU %u vector 0x%x; kvm-consumer "
	     "posts it",
	     gsi, kPostVcpu, kPostVector);
	vm.set_msi_routes({ { gsi, kPostVcpu, kPostVector } });
	vm.irqfd_assign(trigger, gsi);
	pause();
	if (!raises)
		return;
	step("the device sends %u interrupts", raises);
	model.pulse(line, raises);
	ModelLine l = model.line(line);
	step("%s line %u: %llu posted, %llu coalesced in the descriptor, %llu reached the host",
	     model.device().c_str(), line, (unsigned long long)l.posted_count,
	     (unsigned long long)l.coalesced, (unsigned long long)l.handled);
	if (l.posted_count + l.coalesced != raises || l.handled)
		throw std::runtime_error("the interrupts were not all posted");
}

static int platform_vm(const char *device, unsigned int line, unsigned int gsi, unsigned int raises,
		       const char *then)
{
	int then_status = 0;

	try {
		IrqchipModel model(device);
		const bool posting = model.line(line).posting;
		platform_bus().bind_driver(device, kPlatformProducerDriver);
		std::string path = platform_producer_char_dev(device);
		Fd dev(open(path.c_str(), O_RDWR | O_CLOEXEC));
		Fd trigger = make_eventfd(), unmask = make_eventfd();
		KcVm vm;

		if (!dev)
			throw_errno("open " + path);
		step("VM created (open /dev/kvm-consumer); %s opened through "
		     "vfio-platform-producer",
		     device);
		pause();
		if (posting)
			posted_pair(model, dev.get(), vm, trigger.get(), line, gsi, raises);
		else
			level_pair(model, dev.get(), vm, trigger.get(), unmask.get(), line, gsi,
				   raises);
		if (then)
			then_status = run_then(then);
		struct kc_gsi_state st = vm.state(gsi);
		step("kvm-consumer GSI %u: %llu injected, %llu deactivated by the guest, "
		     "%llu resamples (host unmasks)",
		     gsi, (unsigned long long)st.injections, (unsigned long long)st.deactivations,
		     (unsigned long long)st.resamples);
		step("KC_IRQFD deassign");
		vm.irqfd_deassign(trigger.get(), gsi);
		pause();
		step("VFIO_DEVICE_SET_IRQS: trigger removed");
		vfio_set_eventfds(dev.get(), line, 0, { -1 });
		pause();
	} catch (const std::exception &ex) {
		fprintf(stderr, "irqbypass-vmm: %s\n", ex.what());
		return 1;
	}
	step("done");
	return then_status;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bdf", required_argument, nullptr, 'b' },
		{ "kvm-first", no_argument, nullptr, 'k' },
		{ "gsi", required_argument, nullptr, 'g' },
		{ "raise", required_argument, nullptr, 'r' },
		{ "second-vm", no_argument, nullptr, 's' },
		{ "kvm-consumer", no_argument, nullptr, 'c' },
		{ "intx", no_argument, nullptr, 'i' },
		{ "platform", required_argument, nullptr, 'p' },
		{ "line", required_argument, nullptr, 'l' },
		{ "then", required_argument, nullptr, 't' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	const char *bdf = nullptr, *platform = nullptr, *then = nullptr;
	unsigned int line = 0;
	bool kvm_first = false, second_vm = false, kc = false, intx = false;
	unsigned int gsi = 40, raises = 0;
	int opt;

	int then_status = 0;

	while ((opt = getopt_long(argc, argv, "b:kg:r:scip:l:t:h", options, nullptr)) != -1) {
		switch (opt) {
		case 'b': bdf = optarg; break;
		case 'k': kvm_first = true; break;
		case 'g': gsi = number(argv[0], "gsi", optarg); break;
		case 'r': raises = number(argv[0], "raise", optarg); break;
		case 's': second_vm = true; break;
		case 'c': kc = true; break;
		case 'i': intx = true; break;
		case 'p': platform = optarg; break;
		case 'l': line = number(argv[0], "line", optarg); break;
		case 't': then = optarg; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (!bdf == !platform || optind < argc || (intx && (platform || raises))) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (platform)
		return platform_vm(platform, line, gsi, raises, then);

	try {
		bind_vfio_pci(bdf);
		auto new_vm = [kc]() -> std::unique_ptr<IrqfdVm> {
			if (kc)
				return std::make_unique<KcVm>();
			return std::make_unique<KvmVm>();
		};
		const char *ioctl_name = kc ? "KC_IRQFD" : "KVM_IRQFD";
		VfioDevice dev(bdf);
		std::unique_ptr<IrqfdVm> vm = new_vm();
		Fd fd = make_eventfd(), unmask = make_eventfd();
		const unsigned int index = intx ? VFIO_PCI_INTX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
		auto assign_vfio = [&] {
			if (intx) {
				step("VFIO_DEVICE_SET_IRQS: %s INTx -> eventfd, UNMASK -> the "
				     "resamplefd",
				     bdf);
				dev.set_triggers(index, 0, { fd.get() });
				if (int err =
					    vfio_set_unmask_eventfd(dev.fd(), index, unmask.get()))
					throw std::system_error(err, std::generic_category(),
								"VFIO_DEVICE_SET_IRQS unmask");
			} else {
				step("VFIO_DEVICE_SET_IRQS: %s MSI vector 0 -> eventfd", bdf);
				dev.set_triggers(index, 0, { fd.get() });
			}
			pause();
		};
		auto assign_kvm = [&] {
			if (intx) {
				step("%s: the same eventfd -> level GSI %u (IOAPIC pin %u), "
				     "resamplefd",
				     ioctl_name, gsi, kPin);
				vm->set_routes({}, { { gsi, kPin } });
				vm->irqfd_assign_resample(fd.get(), gsi, unmask.get());
			} else {
				step("%s: the same eventfd -> GSI %u (MSI route to APIC 0, vector "
				     "0x31)",
				     ioctl_name, gsi);
				vm->set_msi_routes({ { gsi, 0, 0x31 } });
				vm->irqfd_assign(fd.get(), gsi);
			}
			pause();
		};

		step(kc ? "VM created (open /dev/kvm-consumer); device %s opened through VFIO"
			: "VM created (KVM_CREATE_VM, KVM_CREATE_IRQCHIP, 1 vCPU); device %s "
			  "opened through VFIO",
		     bdf);
		pause();
		if (kvm_first) {
			assign_kvm();
			assign_vfio();
		} else {
			assign_vfio();
			assign_kvm();
		}

		if (raises) {
			dev.enable_bus_master();
			step("raising %u interrupts on the edu device (BAR0 + 0x60)", raises);
			raise_edu_irqs([&](std::uint64_t off,
					   std::uint32_t val) { dev.bar_write32(0, off, val); },
				       raises, 100ms);
			pause();
			if (auto *kcvm = dynamic_cast<KcVm *>(vm.get())) {
				struct kc_gsi_state st = kcvm->state(gsi);

				step("kvm-consumer GSI %u: %llu interrupts injected, host irq %d",
				     gsi, (unsigned long long)st.injections, st.host_irq);
			}
		}

		if (second_vm) {
			std::unique_ptr<IrqfdVm> vm2 = new_vm();

			step("a second VM tries %s with the same eventfd", ioctl_name);
			vm2->set_msi_routes({ { gsi, 0, 0x31 } });
			vm2->irqfd_assign(fd.get(), gsi);
			pause();
			step("the second VM deassigns its irqfd and exits");
			vm2->irqfd_deassign(fd.get(), gsi);
			pause();
		}

		if (then)
			then_status = run_then(then);

		step("%s deassign", ioctl_name);
		vm->irqfd_deassign(fd.get(), gsi);
		pause();
		step("VFIO_DEVICE_SET_IRQS: %s disabled", intx ? "INTx" : "MSI");
		dev.disable(index);
		pause();
	} catch (const std::exception &ex) {
		fprintf(stderr, "irqbypass-vmm: %s\n", ex.what());
		return 1;
	}
	step("done");
	return then_status;
}
