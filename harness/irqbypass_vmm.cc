// SPDX-License-Identifier: GPL-2.0
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
#include <getopt.h>
#include <memory>
#include <linux/vfio.h>
#include <thread>

#include "edu.h"
#include "kc_vm.h"
#include "kvm_vm.h"
#include "vfio.h"

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
		"       [--kvm-consumer]\n"
		"\n"
		"Assigns MSI vector 0 of PCI device BDF to a new VM as QEMU does: binds\n"
		"it to vfio-pci, VFIO_DEVICE_SET_IRQS with an eventfd, an MSI route and\n"
		"an irqfd on the same eventfd; then tears it all down. Needs root.\n"
		"\n"
		"  -b, --bdf BDF        the device (an edu device to raise interrupts)\n"
		"  -k, --kvm-first      assign the irqfd before the VFIO trigger\n"
		"  -g, --gsi N          the route's GSI (default 40)\n"
		"  -r, --raise N        raise N interrupts on the edu device\n"
		"  -s, --second-vm      let a second VM try an irqfd on the same eventfd\n"
		"  -c, --kvm-consumer   VMs from /dev/kvm-consumer instead of KVM\n"
		"  -h, --help           this text\n",
		prog);
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

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bdf", required_argument, nullptr, 'b' },
		{ "kvm-first", no_argument, nullptr, 'k' },
		{ "gsi", required_argument, nullptr, 'g' },
		{ "raise", required_argument, nullptr, 'r' },
		{ "second-vm", no_argument, nullptr, 's' },
		{ "kvm-consumer", no_argument, nullptr, 'c' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	const char *bdf = nullptr;
	bool kvm_first = false, second_vm = false, kc = false;
	unsigned int gsi = 40, raises = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "b:kg:r:sch", options, nullptr)) != -1) {
		switch (opt) {
		case 'b': bdf = optarg; break;
		case 'k': kvm_first = true; break;
		case 'g': gsi = number(argv[0], "gsi", optarg); break;
		case 'r': raises = number(argv[0], "raise", optarg); break;
		case 's': second_vm = true; break;
		case 'c': kc = true; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (!bdf || optind < argc) {
		usage(stderr, argv[0]);
		return 2;
	}

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
		Fd fd = make_eventfd();
		auto assign_vfio = [&] {
			step("VFIO_DEVICE_SET_IRQS: %s MSI vector 0 -> eventfd", bdf);
			dev.set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { fd.get() });
			pause();
		};
		auto assign_kvm = [&] {
			step("%s: the same eventfd -> GSI %u (MSI route to APIC 0, vector 0x31)",
			     ioctl_name, gsi);
			vm->set_msi_routes({ { gsi, 0, 0x31 } });
			vm->irqfd_assign(fd.get(), gsi);
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

		step("%s deassign", ioctl_name);
		vm->irqfd_deassign(fd.get(), gsi);
		pause();
		step("VFIO_DEVICE_SET_IRQS: MSI disabled");
		dev.disable(VFIO_PCI_MSI_IRQ_INDEX);
		pause();
	} catch (const std::exception &ex) {
		fprintf(stderr, "irqbypass-vmm: %s\n", ex.what());
		return 1;
	}
	step("done");
	return 0;
}
