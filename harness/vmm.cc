// SPDX-License-Identifier: GPL-2.0
#include "vmm.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace irqbypass {

// g++ lays struct kvm_irq_routing out differently from C and the kernel
// (its zero-length entries[] at offset 16, sizeof 16, not 8), and the ioctl
// number encodes that size: spell out the kernel's number and layout.
static const unsigned long kSetGsiRouting =
	_IOC(_IOC_WRITE, KVMIO, 0x6a, 2 * sizeof(__u32));

[[noreturn]] static void fail(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

Fd &Fd::operator=(Fd &&o) noexcept
{
	reset(o.release());
	return *this;
}

int Fd::release()
{
	int fd = fd_;

	fd_ = -1;
	return fd;
}

void Fd::reset(int fd)
{
	if (fd_ >= 0)
		close(fd_);
	fd_ = fd;
}

Fd make_eventfd()
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		fail("eventfd");
	return Fd(fd);
}

std::uint64_t drain_eventfd(int fd)
{
	std::uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void write_file(const std::string &path, const std::string &s)
{
	std::ofstream out(path);

	out << s;
	out.flush();
	if (!out)
		fail("write " + path);
}

std::vector<int> msi_irqs(const std::string &bdf)
{
	std::vector<int> irqs;
	std::string dir = "/sys/bus/pci/devices/" + bdf + "/msi_irqs";
	DIR *d = opendir(dir.c_str());

	if (!d)
		return irqs;
	while (struct dirent *de = readdir(d))
		if (de->d_name[0] != '.')
			irqs.push_back(atoi(de->d_name));
	closedir(d);
	return irqs;
}

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

	f >> tok;	/* "N:" */
	while (f >> tok) {
		char *end;
		unsigned long long v = strtoull(tok.c_str(), &end, 10);

		if (*end)
			break;
		total += v;
	}
	return total;
}

std::string driver_of(const std::string &bdf)
{
	std::string link_path = "/sys/bus/pci/devices/" + bdf + "/driver";
	char link[PATH_MAX];
	ssize_t n = readlink(link_path.c_str(), link, sizeof(link) - 1);

	if (n <= 0)
		return "";
	link[n] = 0;
	return strrchr(link, '/') + 1;
}

void bind_driver(const std::string &bdf, const std::string &driver)
{
	std::string dev = "/sys/bus/pci/devices/" + bdf;
	std::string current = driver_of(bdf);

	if (current == driver)
		return;
	if (!current.empty())
		write_file(dev + "/driver/unbind", bdf);
	write_file(dev + "/driver_override", driver);
	write_file("/sys/bus/pci/drivers_probe", bdf);
}

void bind_vfio_pci(const std::string &bdf)
{
	if (system("modprobe vfio-pci") != 0)
		fail("modprobe vfio-pci");
	bind_driver(bdf, "vfio-pci");
}

VfioDevice::VfioDevice(const std::string &bdf) : IrqDevice(bdf)
{
	char link[PATH_MAX];
	std::string dev = "/sys/bus/pci/devices/" + bdf;
	ssize_t n = readlink((dev + "/iommu_group").c_str(), link, sizeof(link) - 1);
	struct vfio_group_status status = {};

	status.argsz = sizeof(status);
	if (n < 0)
		fail(bdf + " has no IOMMU group");
	link[n] = 0;
	group_id_ = atoi(strrchr(link, '/') + 1);

	container_.reset(open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
	if (!container_)
		fail("open /dev/vfio/vfio");
	if (ioctl(container_.get(), VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		fail("VFIO_GET_API_VERSION");
	group_.reset(open(("/dev/vfio/" + std::to_string(group_id_)).c_str(),
			  O_RDWR | O_CLOEXEC));
	if (!group_)
		fail("open VFIO group " + std::to_string(group_id_));
	if (ioctl(group_.get(), VFIO_GROUP_GET_STATUS, &status))
		fail("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		fail("VFIO group " + std::to_string(group_id_) + " not viable");
	}
	int cfd = container_.get();
	if (ioctl(group_.get(), VFIO_GROUP_SET_CONTAINER, &cfd))
		fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container_.get(), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		fail("VFIO_SET_IOMMU");
	device_.reset(ioctl(group_.get(), VFIO_GROUP_GET_DEVICE_FD, bdf.c_str()));
	if (!device_)
		fail("VFIO_GROUP_GET_DEVICE_FD " + bdf);
}

unsigned int IrqDevice::irq_count(unsigned int index)
{
	struct vfio_irq_info info = {};

	info.argsz = sizeof(info);
	info.index = index;

	if (ioctl(device_.get(), VFIO_DEVICE_GET_IRQ_INFO, &info))
		fail("VFIO_DEVICE_GET_IRQ_INFO");
	return info.count;
}

void IrqDevice::set_triggers(unsigned int index, unsigned int start,
			     const std::vector<int> &fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + fds.size() * sizeof(int32_t);
	std::vector<char> buf(sz);
	auto *set = reinterpret_cast<struct vfio_irq_set *>(buf.data());

	set->argsz = sz;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = index;
	set->start = start;
	set->count = fds.size();
	for (size_t i = 0; i < fds.size(); i++) {
		int32_t fd = fds[i];

		memcpy(set->data + i * sizeof(fd), &fd, sizeof(fd));
	}
	if (ioctl(device_.get(), VFIO_DEVICE_SET_IRQS, set))
		fail("VFIO_DEVICE_SET_IRQS (eventfds)");
}

void IrqDevice::disable(unsigned int index)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = index,
		.start = 0,
		.count = 0,
	};

	if (ioctl(device_.get(), VFIO_DEVICE_SET_IRQS, &set))
		fail("VFIO_DEVICE_SET_IRQS (disable)");
}

std::uint64_t VfioDevice::region_offset(unsigned int index)
{
	struct vfio_region_info info = {};

	info.argsz = sizeof(info);
	info.index = index;

	if (ioctl(device_.get(), VFIO_DEVICE_GET_REGION_INFO, &info))
		fail("VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

void VfioDevice::enable_bus_master()
{
	std::uint64_t off = region_offset(VFIO_PCI_CONFIG_REGION_INDEX) + 4;
	std::uint16_t cmd;

	if (pread(device_.get(), &cmd, sizeof(cmd), off) != sizeof(cmd))
		fail("read PCI_COMMAND");
	cmd |= 0x6;	/* memory space, bus master: MSIs are memory writes */
	if (pwrite(device_.get(), &cmd, sizeof(cmd), off) != sizeof(cmd))
		fail("write PCI_COMMAND");
}

void VfioDevice::bar_write32(unsigned int bar, std::uint64_t off, std::uint32_t val)
{
	std::uint64_t base = region_offset(VFIO_PCI_BAR0_REGION_INDEX + bar);

	if (pwrite(device_.get(), &val, sizeof(val), base + off) != sizeof(val))
		fail("BAR write");
}

std::uint32_t VfioDevice::bar_read32(unsigned int bar, std::uint64_t off)
{
	std::uint64_t base = region_offset(VFIO_PCI_BAR0_REGION_INDEX + bar);
	std::uint32_t val;

	if (pread(device_.get(), &val, sizeof(val), base + off) != sizeof(val))
		fail("BAR read");
	return val;
}

PciProducer::PciProducer(const std::string &bdf) : IrqDevice(bdf)
{
	std::string path = "/dev/vfio-pci-producer-" + bdf;

	bind_driver(bdf, "vfio_pci_producer");
	device_.reset(open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!device_)
		fail("open " + path);
}

PciBar::PciBar(const std::string &bdf, unsigned int bar)
{
	std::string path = "/sys/bus/pci/devices/" + bdf + "/resource" + std::to_string(bar);
	struct stat st;

	fd_.reset(open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC));
	if (!fd_ || fstat(fd_.get(), &st))
		fail("open " + path);
	size_ = st.st_size;
	map_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
	if (map_ == MAP_FAILED)
		fail("mmap " + path);
}

PciBar::~PciBar()
{
	munmap(map_, size_);
}

void PciBar::write32(std::uint64_t off, std::uint32_t val)
{
	*reinterpret_cast<volatile std::uint32_t *>(static_cast<char *>(map_) + off) = val;
}

KvmVm::KvmVm(unsigned int vcpus)
{
	kvm_.reset(open("/dev/kvm", O_RDWR | O_CLOEXEC));
	if (!kvm_)
		fail("open /dev/kvm");
	vm_.reset(ioctl(kvm_.get(), KVM_CREATE_VM, 0));
	if (!vm_)
		fail("KVM_CREATE_VM");
	if (ioctl(vm_.get(), KVM_CREATE_IRQCHIP))
		fail("KVM_CREATE_IRQCHIP");
	for (unsigned int i = 0; i < vcpus; i++) {
		Fd vcpu(ioctl(vm_.get(), KVM_CREATE_VCPU, i));

		if (!vcpu)
			fail("KVM_CREATE_VCPU");
		vcpus_.push_back(std::move(vcpu));
	}
}

// A routing table in the kernel's layout: nr, flags, entries at offset 8.
static std::vector<char> msi_routing_table(const std::vector<MsiRoute> &routes)
{
	const size_t hdr = 2 * sizeof(__u32);
	std::vector<char> buf(hdr + routes.size() * sizeof(struct kvm_irq_routing_entry));
	__u32 nr = routes.size();

	memcpy(buf.data(), &nr, sizeof(nr));
	for (size_t i = 0; i < routes.size(); i++) {
		struct kvm_irq_routing_entry e = {};

		e.gsi = routes[i].gsi;
		e.type = KVM_IRQ_ROUTING_MSI;
		e.u.msi.address_lo = 0xfee00000u | (routes[i].dest_apic << 12);
		e.u.msi.address_hi = 0;
		e.u.msi.data = routes[i].vector;
		memcpy(buf.data() + hdr + i * sizeof(e), &e, sizeof(e));
	}
	return buf;
}

void KvmVm::set_msi_routes(const std::vector<MsiRoute> &routes)
{
	std::vector<char> table = msi_routing_table(routes);

	if (ioctl(vm_.get(), kSetGsiRouting, table.data()))
		fail("KVM_SET_GSI_ROUTING");
}

// KVM_IRQFD and KC_IRQFD take the same struct.
static void irqfd_ioctl(int vm, unsigned long cmd, int eventfd, unsigned int gsi,
			unsigned int flags, const char *what)
{
	struct kvm_irqfd irqfd = {};

	irqfd.fd = eventfd;
	irqfd.gsi = gsi;
	irqfd.flags = flags;
	if (ioctl(vm, cmd, &irqfd))
		fail(what);
}

void KvmVm::irqfd_assign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KVM_IRQFD, eventfd, gsi, 0, "KVM_IRQFD assign");
}

void KvmVm::irqfd_deassign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KVM_IRQFD, eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN,
		    "KVM_IRQFD deassign");
}

KcVm::KcVm()
{
	vm_.reset(open("/dev/kvm-consumer", O_RDWR | O_CLOEXEC));
	if (!vm_)
		fail("open /dev/kvm-consumer");
}

void KcVm::set_msi_routes(const std::vector<MsiRoute> &routes)
{
	std::vector<char> table = msi_routing_table(routes);

	if (ioctl(vm_.get(), KC_SET_GSI_ROUTING, table.data()))
		fail("KC_SET_GSI_ROUTING");
}

void KcVm::irqfd_assign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KC_IRQFD, eventfd, gsi, 0, "KC_IRQFD assign");
}

void KcVm::irqfd_deassign(int eventfd, unsigned int gsi)
{
	irqfd_ioctl(vm_.get(), KC_IRQFD, eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN,
		    "KC_IRQFD deassign");
}

struct kc_gsi_state KcVm::state(unsigned int gsi)
{
	struct kc_gsi_state st = {};

	st.gsi = gsi;
	if (ioctl(vm_.get(), KC_GET_GSI_STATE, &st))
		fail("KC_GET_GSI_STATE");
	return st;
}

} // namespace irqbypass
