// SPDX-License-Identifier: GPL-2.0
// irqbypass-vmm: the harness's mini-VMM as a command. Assigns a PCI
// device's MSI to a new KVM VM the way QEMU does (VFIO_DEVICE_SET_IRQS with
// an eventfd, KVM_SET_GSI_ROUTING, KVM_IRQFD with the same eventfd), raises
// interrupts on an edu device, and tears everything down again.
//
// usage: irqbypass-vmm --bdf BDF [--kvm-first] [--gsi N] [--raise N]
//                      [--second-vm] [--kvm-consumer]
//
// --kvm-consumer uses /dev/kvm-consumer (the reference consumer) for the
// VMs instead of KVM.
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <linux/vfio.h>
#include <thread>

#include "testbed.h"
#include "vmm.h"

using namespace irqbypass;
using namespace std::chrono_literals;

__attribute__((format(printf, 1, 2)))
static void step(const char *fmt, ...)
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

int main(int argc, char **argv)
{
	const char *bdf = nullptr;
	bool kvm_first = false, second_vm = false, kc = false;
	unsigned int gsi = 40, raises = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bdf") && i + 1 < argc)
			bdf = argv[++i];
		else if (!strcmp(argv[i], "--kvm-first"))
			kvm_first = true;
		else if (!strcmp(argv[i], "--second-vm"))
			second_vm = true;
		else if (!strcmp(argv[i], "--kvm-consumer"))
			kc = true;
		else if (!strcmp(argv[i], "--gsi") && i + 1 < argc)
			gsi = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--raise") && i + 1 < argc)
			raises = atoi(argv[++i]);
		else
			bdf = nullptr, i = argc;
	}
	if (!bdf) {
		fprintf(stderr, "usage: %s --bdf BDF [--kvm-first] [--gsi N] [--raise N] [--second-vm] [--kvm-consumer]\n",
			argv[0]);
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

		step(kc ? "VM created (open /dev/kvm-consumer); device %s opened through VFIO" :
			  "VM created (KVM_CREATE_VM, KVM_CREATE_IRQCHIP, 1 vCPU); device %s opened through VFIO",
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
			raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) {
				dev.bar_write32(0, off, val);
			}, raises, 100ms);
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
