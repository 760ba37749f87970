// SPDX-License-Identifier: GPL-2.0
// vfio_pci_producer.ko bound to the edu devices: its char device, the VFIO
// interrupt ioctls it answers, the IRQ bypass producers it registers (seen
// through the manager's traced events), real and software-triggered MSIs,
// pairing with a stock KVM irqfd, every teardown, and malformed input.
//
// Run as root in the test host with irqbypass.ko and vfio_pci_producer.ko
// loaded and kvm loaded. VPP_MODULE=<path of vfio_pci_producer.ko> enables
// the module unload/reload test; VPP_SEED seeds the randomized run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <limits.h>
#include <linux/vfio.h>
#include <optional>
#include <poll.h>
#include <random>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include <irqbypass/tracepoints.h>

#include "edu_fixture.h"
#include "testbed.h"
#include "trace_session.h"
#include "vmm.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

constexpr auto kQuiet = 300ms;
constexpr unsigned int kGsi = 40;
constexpr unsigned int kVector = 0x31;
constexpr const char *kDriver = "vfio_pci_producer";
constexpr std::uint32_t kSetMinsz = offsetof(struct vfio_irq_set, data);
constexpr std::uint32_t kInfoMinsz = sizeof(struct vfio_irq_info);
constexpr std::uint32_t kTrigger = VFIO_IRQ_SET_ACTION_TRIGGER;
constexpr std::uint32_t kMsi = VFIO_PCI_MSI_IRQ_INDEX;
constexpr std::uint32_t kMsix = VFIO_PCI_MSIX_IRQ_INDEX;

std::string pci_dir(const std::string &bdf)
{
	return "/sys/bus/pci/devices/" + bdf;
}

std::string char_dev(const std::string &bdf)
{
	return "/dev/vfio-pci-producer-" + bdf;
}

// 0 or the errno of writing @s to sysfs file @path.
int write_sysfs(const std::string &path, const std::string &s)
{
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s.data(), s.size()) != (ssize_t)s.size())
		err = errno;
	close(fd);
	return err;
}

// Binds @bdf to vfio_pci_producer the documented way.
bool bind_producer(const std::string &bdf)
{
	bind_driver(bdf, kDriver);
	return driver_of(bdf) == kDriver;
}

int unbind_producer(const std::string &bdf)
{
	return write_sysfs(std::string("/sys/bus/pci/drivers/") + kDriver + "/unbind", bdf);
}

Fd open_dev(const std::string &bdf)
{
	Fd fd(open(char_dev(bdf).c_str(), O_RDWR | O_CLOEXEC));

	if (!fd)
		ADD_FAILURE() << "open " << char_dev(bdf) << ": " << strerror(errno);
	return fd;
}

int bypass_failures(const std::string &bdf)
{
	std::string s = sysfs_line(pci_dir(bdf) + "/irq_bypass_failures");

	return s.empty() ? -1 : atoi(s.c_str());
}

// 0 or the errno of an ioctl.
int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

int irq_info(int fd, std::uint32_t index, struct vfio_irq_info *info,
	     std::uint32_t argsz = sizeof(struct vfio_irq_info))
{
	*info = {};
	info->argsz = argsz;
	info->index = index;
	return xioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, info);
}

// VFIO_DEVICE_SET_IRQS with @data after the header; @argsz defaults to
// the exact size.
int set_irqs(int fd, std::uint32_t flags, std::uint32_t index, std::uint32_t start,
	     std::uint32_t count, const void *data = nullptr, size_t len = 0,
	     std::optional<std::uint32_t> argsz = std::nullopt)
{
	std::vector<char> buf(kSetMinsz + len + 64);
	struct vfio_irq_set hdr = {};

	hdr.argsz = argsz.value_or(kSetMinsz + len);
	hdr.flags = flags;
	hdr.index = index;
	hdr.start = start;
	hdr.count = count;
	memcpy(buf.data(), &hdr, kSetMinsz);
	if (len)
		memcpy(buf.data() + kSetMinsz, data, len);
	return xioctl(fd, VFIO_DEVICE_SET_IRQS, buf.data());
}

int set_eventfds(int fd, std::uint32_t index, std::uint32_t start,
		 const std::vector<std::int32_t> &fds)
{
	return set_irqs(fd, VFIO_IRQ_SET_DATA_EVENTFD | kTrigger, index, start,
			fds.size(), fds.data(), fds.size() * sizeof(std::int32_t));
}

int trigger_none(int fd, std::uint32_t index, std::uint32_t start, std::uint32_t count)
{
	return set_irqs(fd, VFIO_IRQ_SET_DATA_NONE | kTrigger, index, start, count);
}

int trigger_bool(int fd, std::uint32_t index, std::uint32_t start,
		 const std::vector<std::uint8_t> &bools)
{
	return set_irqs(fd, VFIO_IRQ_SET_DATA_BOOL | kTrigger, index, start,
			bools.size(), bools.data(), bools.size());
}

int disable(int fd, std::uint32_t index)
{
	return trigger_none(fd, index, 0, 0);
}

// The eventfd's counter once it is signaled, 0 after @timeout.
std::uint64_t wait_eventfd(int fd, std::chrono::milliseconds timeout = 2000ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, timeout.count()) != 1)
		return 0;
	return drain_eventfd(fd);
}

// Raises @n MSIs on an edu device, one at a time, each acked once the
// eventfd @efd saw it; returns the sum of the eventfd's counts.
std::uint64_t raise_edu_msis(const std::string &bdf, int efd, int n)
{
	PciBar bar(bdf, 0);
	std::uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		bar.write32(EDU_IRQ_RAISE, 1);
		total += wait_eventfd(efd);
		bar.write32(EDU_IRQ_ACK, 1);
	}
	return total;
}

// New records of /dev/kmsg since construction.
class Kmsg {
public:
	Kmsg() : fd_(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC))
	{
		lseek(fd_.get(), 0, SEEK_END);
	}
	std::string read_new()
	{
		std::string out;
		char buf[8192];

		for (;;) {
			ssize_t n = read(fd_.get(), buf, sizeof(buf));

			if (n > 0)
				out.append(buf, n);
			else if (n < 0 && errno == EPIPE)
				continue;
			else
				break;
		}
		return out;
	}

private:
	Fd fd_;
};

// What a registration or unregistration said, from its traced event.
struct Member {
	std::uint64_t token = 0;
	std::uint64_t object = 0;
	int irq = -1;
	int ret = 1;
};

Pred from_us()
{
	unsigned int pid = getpid();

	return [pid](const Event &e) { return e.tgid == pid; };
}

// The edu devices bound to vfio_pci_producer, with the suite's trace
// session; each test leaves the manager empty and no vector allocated.
class Producer : public EduTest {
protected:
	// Hides EduTest's, which binds the edu devices to vfio-pci.
	static void SetUpTestSuite()
	{
		edus = edu_devices();
		for (const auto &bdf : edus)
			bind_producer(bdf);
		trace = new TraceSession();
	}

	void SetUp() override
	{
		ASSERT_TRUE(trace) << "no trace session";
		for (const auto &bdf : edus)
			ASSERT_TRUE(bind_producer(bdf)) << bdf << " does not bind to " << kDriver;
		EduTest::SetUp();
		if (!HasFatalFailure())
			bdf_ = edus[0];
	}

	void TearDown() override
	{
		EduTest::TearDown();
		for (const auto &bdf : edus)
			EXPECT_TRUE(msi_irqs(bdf).empty()) << bdf << " kept MSI vectors";
	}

	// The next event of @kind matching @pred not taken before.
	std::optional<Event> next_event(unsigned int kind, const Pred &pred = nullptr)
	{
		return trace->take([&](const Event &e) {
			return e.kind == kind && (!pred || pred(e));
		}, kWait);
	}

	Member member(unsigned int kind, const Pred &pred = nullptr)
	{
		auto e = next_event(kind, pred);
		Member m;

		if (!e) {
			ADD_FAILURE() << "no " << kind_name(kind) << " event";
			return m;
		}
		m.token = e->token;
		m.object = kind == IBE_REGISTER_PRODUCER || kind == IBE_UNREGISTER_PRODUCER ?
			   e->producer : e->consumer;
		m.irq = e->irq;
		m.ret = e->ret;
		return m;
	}

	size_t count(unsigned int kind, std::uint64_t token)
	{
		return trace->collect(kind_token(kind, token), kSettle).size();
	}

	bool no_member_events(std::chrono::milliseconds window)
	{
		return trace->none_within([](const Event &e) {
			return e.kind >= IBE_REGISTER_PRODUCER && e.kind <= IBE_DISCONNECT;
		}, window);
	}

	// Assigns a new eventfd to MSI vector 0 of @dev: its registration.
	Member assign(int dev, const Fd &efd)
	{
		EXPECT_EQ(set_eventfds(dev, kMsi, 0, { efd.get() }), 0);
		return member(IBE_REGISTER_PRODUCER, from_us());
	}

	std::string bdf_;
};

} // namespace

TEST_F(Producer, BindsThroughDriverOverride)
{
	for (const auto &bdf : edus) {
		struct stat st;

		EXPECT_EQ(driver_of(bdf), kDriver);
		ASSERT_EQ(stat(char_dev(bdf).c_str(), &st), 0) << char_dev(bdf);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(st.st_mode & 07777, 0600u) << "root only";
		EXPECT_EQ(st.st_uid, 0u);
		EXPECT_EQ(bypass_failures(bdf), 0);
	}
}

TEST_F(Producer, MatchesNoDeviceByItself)
{
	std::string bdf = edus.back();

	ASSERT_EQ(unbind_producer(bdf), 0);
	EXPECT_NE(access(char_dev(bdf).c_str(), F_OK), 0) << "char device gone";
	ASSERT_EQ(write_sysfs(pci_dir(bdf) + "/driver_override", "\n"), 0);
	write_sysfs("/sys/bus/pci/drivers_probe", bdf);
	EXPECT_EQ(driver_of(bdf), "") << "bound without driver_override";
	EXPECT_TRUE(bind_producer(bdf));
	EXPECT_EQ(access(char_dev(bdf).c_str(), F_OK), 0);
}

// Offset of capability @id in PCI config space @cfg, 0 if absent.
static unsigned int find_cap(const std::string &cfg, unsigned char id)
{
	unsigned int pos;

	if (cfg.size() < 64 || !(cfg[6] & 0x10))
		return 0;
	pos = (unsigned char)cfg[0x34];
	for (int i = 0; i < 48 && pos >= 0x40 && pos + 3 < cfg.size(); i++) {
		if ((unsigned char)cfg[pos] == id)
			return pos;
		pos = (unsigned char)cfg[pos + 1] & ~3u;
	}
	return 0;
}

static std::string config_space(const std::string &bdf)
{
	std::ifstream in(pci_dir(bdf) + "/config", std::ios::binary);

	return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr unsigned char kCapMsi = 0x05, kCapMsix = 0x11;

// PCI devices no driver holds, for which @want(config space) is true.
static std::vector<std::string> unbound_devices(bool (*want)(const std::string &))
{
	std::vector<std::string> out;
	DIR *d = opendir("/sys/bus/pci/devices");

	if (!d)
		return out;
	while (struct dirent *de = readdir(d)) {
		std::string bdf = de->d_name;

		if (bdf[0] != '.' && driver_of(bdf).empty() && want(config_space(bdf)))
			out.push_back(bdf);
	}
	closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

TEST_F(Producer, RefusesDeviceWithoutMsi)
{
	auto victims = unbound_devices([](const std::string &cfg) {
		return !find_cap(cfg, kCapMsi) && !find_cap(cfg, kCapMsix);
	});
	if (victims.empty())
		GTEST_SKIP() << "no unbound PCI device without MSI and MSI-X";
	std::string victim = victims[0];

	Kmsg kmsg;
	ASSERT_EQ(write_sysfs(pci_dir(victim) + "/driver_override", kDriver), 0);
	write_sysfs("/sys/bus/pci/drivers_probe", victim);
	EXPECT_EQ(driver_of(victim), "") << victim << " has no MSI: must be refused";
	EXPECT_NE(access(char_dev(victim).c_str(), F_OK), 0);
	std::string log = kmsg.read_new();
	EXPECT_NE(log.find(victim + ": no MSI or MSI-X capability"), std::string::npos) << log;
	EXPECT_EQ(write_sysfs(pci_dir(victim) + "/driver_override", "\n"), 0);
	std::cout << "refused " << victim << std::endl;
}

TEST_F(Producer, OneOpenerAtATime)
{
	Fd a = open_dev(bdf_);
	Fd b(open(char_dev(bdf_).c_str(), O_RDWR | O_CLOEXEC));

	EXPECT_FALSE(b);
	EXPECT_EQ(errno, EBUSY);
	a.reset();
	Fd c = open_dev(bdf_);
	EXPECT_TRUE(c);
}

TEST_F(Producer, IrqInfo)
{
	Fd dev = open_dev(bdf_);
	struct vfio_irq_info info;
	const std::uint32_t flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;

	ASSERT_EQ(irq_info(dev.get(), kMsi, &info), 0);
	EXPECT_EQ(info.count, 1u) << "edu has one MSI vector";
	EXPECT_EQ(info.flags, flags);
	ASSERT_EQ(irq_info(dev.get(), kMsix, &info), 0);
	EXPECT_EQ(info.count, 0u) << "edu has no MSI-X";
	EXPECT_EQ(info.flags, flags);
	for (std::uint32_t index : { VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_ERR_IRQ_INDEX,
				     VFIO_PCI_REQ_IRQ_INDEX }) {
		ASSERT_EQ(irq_info(dev.get(), index, &info), 0) << index;
		EXPECT_EQ(info.count, 0u) << index;
	}
	EXPECT_EQ(irq_info(dev.get(), kMsi, &info, kInfoMinsz + 8), 0) << "larger argsz is fine";
	EXPECT_EQ(info.count, 1u);
}

TEST_F(Producer, AssignRegistersProducer)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Member p = assign(dev.get(), efd);
	std::vector<int> irqs = msi_irqs(bdf_);
	ASSERT_EQ(irqs.size(), 1u);
	EXPECT_EQ(p.ret, 0);
	EXPECT_EQ(p.irq, irqs[0]) << "the producer is the vector's host irq";
	EXPECT_NE(irq_name(p.irq).find("vfio-pci-producer-msi[0]"), std::string::npos)
		<< irq_name(p.irq);
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms)) << "no consumer yet";

	ASSERT_EQ(disable(dev.get(), kMsi), 0);
	Member u = member(IBE_UNREGISTER_PRODUCER, from_us());
	EXPECT_EQ(u.object, p.object);
	EXPECT_EQ(u.token, p.token);
	EXPECT_EQ(u.ret, 0);
	EXPECT_TRUE(msi_irqs(bdf_).empty()) << "MSI disabled";
}

TEST_F(Producer, SoftwareTriggerSignalsEventfd)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	assign(dev.get(), efd);
	ASSERT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	ASSERT_EQ(trigger_bool(dev.get(), kMsi, 0, { 1 }), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	ASSERT_EQ(trigger_bool(dev.get(), kMsi, 0, { 0 }), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "false does not fire";
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 3u);
	EXPECT_EQ(trigger_none(dev.get(), kMsi, 0, 0), 0) << "count 0 disables";
	EXPECT_EQ(trigger_none(dev.get(), kMsi, 0, 1), EINVAL) << "MSI is disabled";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u);
}

TEST_F(Producer, RealMsiSignalsEventfd)
{
	constexpr int kRaises = 5;
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	Member p = assign(dev.get(), efd);
	std::uint64_t before = irq_count(p.irq);

	EXPECT_EQ(raise_edu_msis(bdf_, efd.get(), kRaises), (std::uint64_t)kRaises);
	EXPECT_EQ(irq_count(p.irq) - before, (std::uint64_t)kRaises)
		<< "host irq " << p.irq << " (" << irq_name(p.irq) << ")";
}

TEST_F(Producer, ReplaceEventfd)
{
	Fd dev = open_dev(bdf_);
	Fd a = make_eventfd(), b = make_eventfd();

	Member pa = assign(dev.get(), a);
	Member pb = assign(dev.get(), b);
	auto u = next_event(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_TRUE(u);
	EXPECT_EQ(u->token, pa.token) << "the old eventfd's producer goes";
	EXPECT_EQ(u->producer, pa.object);
	EXPECT_LT(u->ts_ns, trace->wait_for(kind_token(IBE_REGISTER_PRODUCER, pb.token),
					     kWait)->ts_ns) << "before the new one comes";
	EXPECT_NE(pb.token, pa.token);
	EXPECT_EQ(pb.ret, 0);
	EXPECT_EQ(pb.irq, pa.irq) << "same vector";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);

	ASSERT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(b.get()), 1u);
	EXPECT_EQ(drain_eventfd(a.get()), 0u);
	EXPECT_EQ(raise_edu_msis(bdf_, b.get(), 2), 2u);
	EXPECT_EQ(drain_eventfd(a.get()), 0u);
}

TEST_F(Producer, RemoveEventfdThenDisable)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Member p = assign(dev.get(), efd);
	ASSERT_EQ(set_eventfds(dev.get(), kMsi, 0, { -1 }), 0);
	Member u = member(IBE_UNREGISTER_PRODUCER, from_us());
	EXPECT_EQ(u.object, p.object);
	EXPECT_EQ(u.ret, 0);
	EXPECT_EQ(msi_irqs(bdf_).size(), 1u) << "MSI stays enabled";
	EXPECT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0) << "no eventfd: nothing to signal";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u);

	Member again = assign(dev.get(), efd);
	EXPECT_EQ(again.ret, 0);
	EXPECT_EQ(again.token, p.token) << "same eventfd, same token";
	ASSERT_EQ(disable(dev.get(), kMsi), 0);
	EXPECT_EQ(member(IBE_UNREGISTER_PRODUCER, from_us()).object, again.object);
	EXPECT_TRUE(msi_irqs(bdf_).empty());
	EXPECT_EQ(disable(dev.get(), kMsi), EINVAL) << "already disabled, as VFIO";
}

TEST_F(Producer, CloseTearsDown)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Member p = assign(dev.get(), efd);
	dev.reset();
	Member u = member(IBE_UNREGISTER_PRODUCER, from_us());
	EXPECT_EQ(u.object, p.object);
	EXPECT_TRUE(msi_irqs(bdf_).empty());
}

// One eventfd for two devices' vectors: the manager refuses the second
// producer, which is counted and still signals the eventfd.
TEST_F(Producer, FailedRegistrationCounted)
{
	if (edus.size() < 2)
		GTEST_SKIP() << "needs two edu devices";
	Fd a = open_dev(edus[0]), b = open_dev(edus[1]);
	Fd efd = make_eventfd();
	int before = bypass_failures(edus[1]);
	Kmsg kmsg;

	Member pa = assign(a.get(), efd);
	EXPECT_EQ(pa.ret, 0);
	Member pb = assign(b.get(), efd);
	EXPECT_EQ(pb.ret, -EBUSY) << "one producer per token";
	EXPECT_EQ(bypass_failures(edus[1]), before + 1);
	EXPECT_EQ(bypass_failures(edus[0]), 0);
	EXPECT_NE(kmsg.read_new().find("producer registration failed: -16"), std::string::npos);

	ASSERT_EQ(trigger_none(b.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	EXPECT_EQ(raise_edu_msis(edus[1], efd.get(), 2), 2u) << "the vector still works";

	ASSERT_EQ(disable(b.get(), kMsi), 0);
	EXPECT_TRUE(trace->none_within([&](const Event &e) {
		return e.kind == IBE_UNREGISTER_PRODUCER && e.producer == pb.object;
	}, kQuiet)) << "a producer that was not registered is not unregistered";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u) << "the first one stays";
}

namespace {

// Pairing with a stock KVM irqfd, and the ways it is torn down.
enum class Teardown {
	CloseCharDevice,
	Unbind,
	RemoveEventfd,
	DisableMsi,
	IrqfdDeassign,
	VmClosed,
};

const char *teardown_name(Teardown t)
{
	switch (t) {
	case Teardown::CloseCharDevice: return "CloseCharDevice";
	case Teardown::Unbind: return "Unbind";
	case Teardown::RemoveEventfd: return "RemoveEventfd";
	case Teardown::DisableMsi: return "DisableMsi";
	case Teardown::IrqfdDeassign: return "IrqfdDeassign";
	case Teardown::VmClosed: return "VmClosed";
	}
	return "unknown";
}

class KvmPairing : public Producer {
protected:
	void SetUp() override
	{
		Producer::SetUp();
		if (HasFatalFailure())
			return;
		ASSERT_TRUE(trace->kvm_attached()) << "kvm is not loaded";
	}

	Member irqfd(KvmVm &vm, int efd)
	{
		vm.set_msi_routes({ { kGsi, 0, kVector } });
		vm.irqfd_assign(efd, kGsi);
		return member(IBE_REGISTER_CONSUMER, from_us());
	}

	void expect_connected(const Member &p, const Member &c)
	{
		EXPECT_EQ(p.ret, 0);
		EXPECT_EQ(c.ret, 0);
		EXPECT_EQ(p.token, c.token) << "both sides registered the eventfd's context";
		auto e = trace->wait_for(kind_token(IBE_CONNECT, p.token), kWait);
		ASSERT_TRUE(e) << "no connect";
		EXPECT_EQ(e->ret, 0);
		EXPECT_EQ(e->producer, p.object);
		EXPECT_EQ(e->consumer, c.object);
		EXPECT_EQ(e->irq, p.irq) << "connect names the vector's host irq";
		EXPECT_EQ(e->gsi, (int)kGsi);
		EXPECT_EQ(debugfs_lines("pairs").size(), 1u);
	}
};

class KvmTeardown : public KvmPairing,
		    public ::testing::WithParamInterface<Teardown> {};

} // namespace

TEST_F(KvmPairing, ProducerFirst)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	Member p = assign(dev.get(), efd);

	EXPECT_EQ(p.irq, msi_irqs(bdf_).at(0));
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));
	KvmVm vm;
	Member c = irqfd(vm, efd.get());
	expect_connected(p, c);
}

TEST_F(KvmPairing, KvmFirst)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	KvmVm vm;
	Member c = irqfd(vm, efd.get());

	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));
	Member p = assign(dev.get(), efd);
	expect_connected(p, c);
}

// Real MSIs of the paired vector reach KVM, which consumes the eventfd.
TEST_F(KvmPairing, RealMsiInjected)
{
	constexpr int kRaises = 4;
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	KvmVm vm;
	Member p = assign(dev.get(), efd);
	Member c = irqfd(vm, efd.get());

	expect_connected(p, c);
	std::uint64_t before = irq_count(p.irq);
	trace->mark();
	{
		PciBar bar(bdf_, 0);

		raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) {
			bar.write32(off, val);
		}, kRaises, 50ms);
	}
	auto msis = trace->collect([](const Event &e) {
		return e.kind == IBE_KVM_MSI && (e.msi_data & 0xff) == kVector;
	}, kSettle);
	EXPECT_EQ(irq_count(p.irq) - before, (std::uint64_t)kRaises);
	EXPECT_EQ(msis.size(), (size_t)kRaises) << "MSIs KVM injected for our route";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "KVM consumed every signal";
}

// MSI-X on a device that offers it (the standard test host has none; add
// e.g. -device e1000e to qemu): several vectors, each its own producer,
// MSI and MSI-X exclusive, and a KVM irqfd on a vector other than 0.
TEST_F(KvmPairing, MsixWhereOffered)
{
	auto devs = unbound_devices([](const std::string &cfg) {
		return find_cap(cfg, kCapMsix) != 0;
	});
	if (devs.empty())
		GTEST_SKIP() << "no unbound PCI device with MSI-X on this host";
	std::string bdf = devs[0];
	std::string cfg = config_space(bdf);
	unsigned int pos = find_cap(cfg, kCapMsix);
	std::uint32_t table = ((unsigned char)cfg[pos + 2] | (unsigned char)cfg[pos + 3] << 8) & 0x7ff;
	struct vfio_irq_info info;

	ASSERT_TRUE(bind_producer(bdf));
	std::cout << "MSI-X on " << bdf << std::endl;
	{
		Fd dev = open_dev(bdf);
		std::vector<Fd> efds;
		std::vector<Member> p;

		ASSERT_EQ(irq_info(dev.get(), kMsix, &info), 0);
		EXPECT_EQ(info.count, table + 1);
		ASSERT_GE(info.count, 3u) << "the test wants 3 vectors";
		for (int i = 0; i < 3; i++)
			efds.push_back(make_eventfd());

		ASSERT_EQ(set_eventfds(dev.get(), kMsix, 0, { efds[0].get(), efds[1].get(),
							      efds[2].get() }), 0);
		for (int i = 0; i < 3; i++)
			p.push_back(member(IBE_REGISTER_PRODUCER, from_us()));
		std::vector<int> irqs = msi_irqs(bdf), got;
		ASSERT_EQ(irqs.size(), 3u) << "start + count vectors enabled";
		for (const auto &m : p) {
			EXPECT_EQ(m.ret, 0);
			got.push_back(m.irq);
		}
		std::sort(irqs.begin(), irqs.end());
		std::sort(got.begin(), got.end());
		EXPECT_EQ(got, irqs) << "one producer per vector, on its irq";

		ASSERT_EQ(trigger_bool(dev.get(), kMsix, 0, { 0, 1, 0 }), 0);
		EXPECT_EQ(drain_eventfd(efds[0].get()), 0u);
		EXPECT_EQ(drain_eventfd(efds[1].get()), 1u);
		EXPECT_EQ(drain_eventfd(efds[2].get()), 0u);
		ASSERT_EQ(trigger_none(dev.get(), kMsix, 1, 2), 0);
		EXPECT_EQ(drain_eventfd(efds[0].get()), 0u);
		EXPECT_EQ(drain_eventfd(efds[1].get()), 1u);
		EXPECT_EQ(drain_eventfd(efds[2].get()), 1u);

		trace->mark();
		EXPECT_EQ(set_eventfds(dev.get(), kMsix, 3, { efds[0].get() }), EINVAL)
			<< "beyond the vectors enabled: no resize, as VFIO";
		if (find_cap(cfg, kCapMsi)) {
			EXPECT_EQ(set_eventfds(dev.get(), kMsi, 0, { efds[0].get() }), EINVAL)
				<< "MSI while MSI-X is enabled";
			EXPECT_EQ(disable(dev.get(), kMsi), EINVAL);
		}
		EXPECT_TRUE(no_member_events(kQuiet));

		// KVM takes vector 1.
		KvmVm vm;
		Member c = irqfd(vm, efds[1].get());
		auto e = trace->wait_for(kind_token(IBE_CONNECT, p[1].token), kWait);
		ASSERT_TRUE(e);
		EXPECT_EQ(e->ret, 0);
		EXPECT_EQ(e->producer, p[1].object);
		EXPECT_EQ(e->consumer, c.object);
		EXPECT_EQ(e->irq, p[1].irq);

		ASSERT_EQ(disable(dev.get(), kMsix), 0);
		for (int i = 0; i < 3; i++)
			member(IBE_UNREGISTER_PRODUCER, from_us());
		EXPECT_EQ(count(IBE_DISCONNECT, p[1].token), 1u);
		EXPECT_TRUE(msi_irqs(bdf).empty());

		if (find_cap(cfg, kCapMsi)) {
			ASSERT_EQ(set_eventfds(dev.get(), kMsi, 0, { efds[0].get() }), 0);
			EXPECT_EQ(member(IBE_REGISTER_PRODUCER, from_us()).ret, 0);
			EXPECT_EQ(set_eventfds(dev.get(), kMsix, 0, { efds[1].get() }), EINVAL)
				<< "MSI-X while MSI is enabled";
		}
	}
	EXPECT_TRUE(msi_irqs(bdf).empty()) << "close disables";
	EXPECT_EQ(unbind_producer(bdf), 0);
	EXPECT_EQ(write_sysfs(pci_dir(bdf) + "/driver_override", "\n"), 0);
}

TEST_P(KvmTeardown, DisconnectsOnce)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	auto vm = std::make_unique<KvmVm>();
	Member p = assign(dev.get(), efd);
	Member c = irqfd(*vm, efd.get());
	unsigned int side = IRQBYPASS_SIDE_PRODUCER;
	struct vfio_irq_info info;

	expect_connected(p, c);
	switch (GetParam()) {
	case Teardown::CloseCharDevice:
		dev.reset();
		break;
	case Teardown::Unbind:
		ASSERT_EQ(unbind_producer(bdf_), 0);
		EXPECT_EQ(driver_of(bdf_), "");
		EXPECT_NE(access(char_dev(bdf_).c_str(), F_OK), 0) << "char device gone";
		EXPECT_TRUE(msi_irqs(bdf_).empty()) << "vectors freed at unbind";
		EXPECT_EQ(irq_info(dev.get(), kMsi, &info), ENODEV) << "the open file is dead";
		EXPECT_EQ(trigger_none(dev.get(), kMsi, 0, 1), ENODEV);
		break;
	case Teardown::RemoveEventfd:
		ASSERT_EQ(set_eventfds(dev.get(), kMsi, 0, { -1 }), 0);
		break;
	case Teardown::DisableMsi:
		ASSERT_EQ(disable(dev.get(), kMsi), 0);
		break;
	case Teardown::IrqfdDeassign:
		vm->irqfd_deassign(efd.get(), kGsi);
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	case Teardown::VmClosed:
		vm.reset();
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	}
	auto e = trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait);
	ASSERT_TRUE(e) << "no disconnect";
	EXPECT_EQ(e->side, side);
	EXPECT_EQ(e->producer, p.object);
	EXPECT_EQ(e->consumer, c.object);
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 1u);

	// Whatever is left goes too: still exactly one disconnect.
	dev.reset();
	vm.reset();
	efd.reset();
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 1u);
	EXPECT_TRUE(bind_producer(bdf_));
}

INSTANTIATE_TEST_SUITE_P(All, KvmTeardown,
			 ::testing::Values(Teardown::CloseCharDevice, Teardown::Unbind,
					   Teardown::RemoveEventfd, Teardown::DisableMsi,
					   Teardown::IrqfdDeassign, Teardown::VmClosed),
			 [](const auto &info) { return teardown_name(info.param); });

namespace {

// A malformed call and the errno VFIO gives for it.
struct BadCall {
	const char *what;
	int want;
	std::uint32_t flags;
	std::uint32_t index = kMsi;
	std::uint32_t start = 0;
	std::uint32_t count = 1;
	std::int32_t fd = -1;		/* DATA_EVENTFD; BOOL sends 1 */
	std::optional<std::uint32_t> argsz = std::nullopt;	/* exact */
};

int issue(int dev, const BadCall &c)
{
	std::vector<std::int32_t> fds(c.count < 8 ? c.count : 8, c.fd);
	std::vector<std::uint8_t> bools(fds.size(), 1);

	if (c.flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return set_irqs(dev, c.flags, c.index, c.start, c.count, fds.data(),
				fds.size() * sizeof(std::int32_t), c.argsz);
	if (c.flags & VFIO_IRQ_SET_DATA_BOOL)
		return set_irqs(dev, c.flags, c.index, c.start, c.count, bools.data(),
				bools.size(), c.argsz);
	return set_irqs(dev, c.flags, c.index, c.start, c.count, nullptr, 0, c.argsz);
}

// Fds that are not eventfds, and one that is closed.
struct BadFds {
	BadFds()
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC) == 0) {
			pipe_r.reset(p[0]);
			pipe_w.reset(p[1]);
		}
		devnull.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
		closed = dup(devnull.get());
		close(closed);
	}
	Fd pipe_r, pipe_w, devnull;
	int closed = -1;
};

} // namespace

// Every malformed call gets VFIO's errno and changes nothing: the vector's
// eventfd and producer stay, and no producer event is emitted.
TEST_F(Producer, BadInputLeavesStateIntact)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	BadFds bad;
	const std::uint32_t efdf = VFIO_IRQ_SET_DATA_EVENTFD | kTrigger;
	const std::uint32_t nonef = VFIO_IRQ_SET_DATA_NONE | kTrigger;
	const std::uint32_t boolf = VFIO_IRQ_SET_DATA_BOOL | kTrigger;
	const std::vector<BadCall> calls = {
		{ "argsz 0", EINVAL, efdf, kMsi, 0, 1, efd.get(), 0 },
		{ "argsz 1", EINVAL, efdf, kMsi, 0, 1, efd.get(), 1 },
		{ "argsz minsz - 1", EINVAL, nonef, kMsi, 0, 1, -1, kSetMinsz - 1 },
		{ "unknown flag", EINVAL, nonef | (1u << 6) },
		{ "top flag", EINVAL, nonef | (1u << 31) },
		{ "no data type", EINVAL, kTrigger },
		{ "NONE|BOOL", EINVAL, nonef | VFIO_IRQ_SET_DATA_BOOL },
		{ "BOOL|EVENTFD", EINVAL, boolf | VFIO_IRQ_SET_DATA_EVENTFD },
		{ "all data types", EINVAL, VFIO_IRQ_SET_DATA_TYPE_MASK | kTrigger },
		{ "no action", ENOTTY, VFIO_IRQ_SET_DATA_EVENTFD, kMsi, 0, 1, efd.get() },
		{ "action MASK", ENOTTY, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK },
		{ "action UNMASK", ENOTTY, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK },
		{ "MASK|TRIGGER", ENOTTY, nonef | VFIO_IRQ_SET_ACTION_MASK },
		{ "all actions", ENOTTY, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TYPE_MASK },
		{ "INTx index", EINVAL, efdf, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd.get() },
		{ "MSI-X index (none)", EINVAL, efdf, kMsix, 0, 1, efd.get() },
		{ "MSI-X disable", EINVAL, nonef, kMsix, 0, 0 },
		{ "ERR index", EINVAL, nonef, VFIO_PCI_ERR_IRQ_INDEX },
		{ "REQ index", EINVAL, nonef, VFIO_PCI_REQ_IRQ_INDEX },
		{ "index NUM_IRQS", EINVAL, nonef, VFIO_PCI_NUM_IRQS },
		{ "index ~0", EINVAL, efdf, ~0u, 0, 1, efd.get() },
		{ "start 1 count 0", EINVAL, nonef, kMsi, 1, 0 },
		{ "start 1", EINVAL, efdf, kMsi, 1, 1, efd.get() },
		{ "count 2", EINVAL, efdf, kMsi, 0, 2, efd.get() },
		{ "count 2 trigger", EINVAL, nonef, kMsi, 0, 2 },
		{ "start+count wraps", EINVAL, nonef, kMsi, ~0u, 1 },
		{ "start 1 count ~0", EINVAL, efdf, kMsi, 1, ~0u, efd.get() },
		{ "count ~0", EINVAL, boolf, kMsi, 0, ~0u },
		{ "count ~0 - 1", EINVAL, nonef, kMsi, 1, ~0u - 1 },
		{ "no room for fd", EINVAL, efdf, kMsi, 0, 1, efd.get(), kSetMinsz },
		{ "fd cut short", EINVAL, efdf, kMsi, 0, 1, efd.get(), kSetMinsz + 3 },
		{ "no room for bool", EINVAL, boolf, kMsi, 0, 1, -1, kSetMinsz },
		{ "pipe fd", EINVAL, efdf, kMsi, 0, 1, bad.pipe_r.get() },
		{ "/dev/null fd", EINVAL, efdf, kMsi, 0, 1, bad.devnull.get() },
		{ "closed fd", EBADF, efdf, kMsi, 0, 1, bad.closed },
		{ "fd beyond the table", EBADF, efdf, kMsi, 0, 1, 1 << 30 },
		{ "fd INT_MAX", EBADF, efdf, kMsi, 0, 1, INT_MAX },
	};
	struct vfio_irq_info info;

	Member p = assign(dev.get(), efd);
	ASSERT_EQ(p.ret, 0);
	std::vector<int> irqs = msi_irqs(bdf_);
	trace->mark();

	for (const auto &c : calls)
		EXPECT_EQ(issue(dev.get(), c), c.want) << c.what;

	EXPECT_EQ(irq_info(dev.get(), kMsi, &info, 0), EINVAL) << "GET_IRQ_INFO argsz 0";
	EXPECT_EQ(irq_info(dev.get(), kMsi, &info, kInfoMinsz - 1), EINVAL);
	EXPECT_EQ(irq_info(dev.get(), VFIO_PCI_NUM_IRQS, &info), EINVAL);
	EXPECT_EQ(irq_info(dev.get(), ~0u, &info), EINVAL);
	EXPECT_EQ(xioctl(dev.get(), VFIO_DEVICE_GET_IRQ_INFO, nullptr), EFAULT);
	EXPECT_EQ(xioctl(dev.get(), VFIO_DEVICE_SET_IRQS, nullptr), EFAULT);
	EXPECT_EQ(xioctl(dev.get(), VFIO_DEVICE_GET_INFO, &info), ENOTTY);
	EXPECT_EQ(xioctl(dev.get(), VFIO_DEVICE_RESET, nullptr), ENOTTY);
	EXPECT_EQ(xioctl(dev.get(), VFIO_GET_API_VERSION, nullptr), ENOTTY);

	// A valid header whose fd lies on an unreadable page.
	long page = sysconf(_SC_PAGESIZE);
	char *pages = static_cast<char *>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(pages, MAP_FAILED);
	ASSERT_EQ(mprotect(pages + page, page, PROT_NONE), 0);
	auto *hdr = reinterpret_cast<struct vfio_irq_set *>(pages + page - kSetMinsz);
	*hdr = { kSetMinsz + 4, efdf, kMsi, 0, 1 };
	EXPECT_EQ(xioctl(dev.get(), VFIO_DEVICE_SET_IRQS, hdr), EFAULT);
	munmap(pages, 2 * page);

	EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
	EXPECT_EQ(msi_irqs(bdf_), irqs);
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "nothing fired";
	ASSERT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the eventfd is still the vector's";
	EXPECT_EQ(raise_edu_msis(bdf_, efd.get(), 1), 1u);
}

// With MSI disabled, no malformed call leaves it enabled.
TEST_F(Producer, BadInputWhileDisabled)
{
	Fd dev = open_dev(bdf_);
	BadFds bad;
	const std::uint32_t efdf = VFIO_IRQ_SET_DATA_EVENTFD | kTrigger;

	EXPECT_EQ(set_eventfds(dev.get(), kMsi, 0, { bad.pipe_r.get() }), EINVAL);
	EXPECT_EQ(set_eventfds(dev.get(), kMsi, 0, { bad.closed }), EBADF);
	EXPECT_EQ(set_irqs(dev.get(), efdf, kMsi, 0, 0), EINVAL)
		<< "no vector to enable (VFIO: -ERANGE from the PCI core)";
	EXPECT_EQ(trigger_none(dev.get(), kMsi, 0, 1), EINVAL) << "nothing to trigger";
	EXPECT_EQ(trigger_bool(dev.get(), kMsi, 0, { 1 }), EINVAL);
	EXPECT_EQ(disable(dev.get(), kMsi), EINVAL) << "nothing to disable";
	EXPECT_TRUE(msi_irqs(bdf_).empty());
	EXPECT_TRUE(no_member_events(kQuiet));
	EXPECT_EQ(set_eventfds(dev.get(), kMsi, 0, { -1 }), 0) << "enables, assigns nothing";
	EXPECT_EQ(msi_irqs(bdf_).size(), 1u);
	EXPECT_TRUE(no_member_events(kQuiet));
}

namespace {

// VFIO's verdict on a SET_IRQS call to the edu device (one MSI vector, no
// MSI-X) whose MSI vector 0 has an eventfd: the errno, or 0 for a valid
// call, which the randomized run does not issue.
int vfio_verdict(const struct vfio_irq_set &h, const std::vector<std::int32_t> &fds,
		 const BadFds &bad)
{
	std::uint32_t max = h.index == kMsi ? 1 : 0;
	std::uint32_t size;

	if (h.argsz < kSetMinsz || h.index >= VFIO_PCI_NUM_IRQS ||
	    h.count >= UINT32_MAX - h.start ||
	    (h.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return EINVAL;
	if (h.start >= max || h.start + h.count > max)
		return EINVAL;
	switch (h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
	case VFIO_IRQ_SET_DATA_BOOL: size = 1; break;
	case VFIO_IRQ_SET_DATA_EVENTFD: size = 4; break;
	default: return EINVAL;
	}
	if ((std::uint64_t)h.argsz - kSetMinsz < (std::uint64_t)h.count * size)
		return EINVAL;
	if ((h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != kTrigger)
		return ENOTTY;
	if ((h.flags & VFIO_IRQ_SET_DATA_EVENTFD) && h.count) {
		if (fds[0] == bad.closed || fds[0] >= (1 << 20))
			return EBADF;
		if (fds[0] >= 0)
			return EINVAL;	/* only non-eventfds are drawn */
	}
	return 0;
}

} // namespace

// At least 10,000 random malformed GET_IRQ_INFO and SET_IRQS calls, each
// with the errno VFIO gives, and the device as it was at the end.
TEST_F(Producer, RandomizedMalformedCalls)
{
	constexpr int kCalls = 12000;
	const char *seed_env = getenv("VPP_SEED");
	unsigned int seed = seed_env ? strtoul(seed_env, nullptr, 0) : std::random_device()();
	std::mt19937 rng(seed);
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	BadFds bad;
	int issued = 0, info_calls = 0, mismatches = 0;

	RecordProperty("seed", std::to_string(seed));
	std::cout << "VPP_SEED=" << seed << std::endl;
	ASSERT_EQ(assign(dev.get(), efd).ret, 0);
	std::vector<int> irqs = msi_irqs(bdf_);
	trace->mark();

	auto pick = [&](std::initializer_list<std::uint32_t> common, unsigned int pct) {
		if (rng() % 100 < pct)
			return *(common.begin() + rng() % common.size());
		return (std::uint32_t)rng();
	};
	const std::int32_t fd_pool[] = { -1, -2, INT_MIN, bad.closed, bad.pipe_r.get(),
					  bad.pipe_w.get(), bad.devnull.get(), dev.get(),
					  1 << 20, INT_MAX };

	while (issued < kCalls) {
		if (rng() % 8 == 0) {
			struct vfio_irq_info info = {};
			std::uint32_t argsz = pick({ 0, 1, 8, 15, 16, 32 }, 90);
			std::uint32_t index = pick({ 0, 1, 2, 3, 4, 5, 6 }, 70);

			if (argsz >= kInfoMinsz && index < VFIO_PCI_NUM_IRQS)
				continue;	/* valid */
			int err = irq_info(dev.get(), index, &info, argsz);
			if (err != EINVAL && mismatches++ < 10)
				ADD_FAILURE() << "GET_IRQ_INFO argsz " << argsz << " index "
					      << index << ": errno " << err;
			issued++;
			info_calls++;
			continue;
		}

		struct vfio_irq_set h = {};
		std::vector<std::int32_t> fds(4);
		std::uint32_t data_type = 1u << (rng() % 3);
		std::uint32_t action = VFIO_IRQ_SET_ACTION_TRIGGER;

		switch (rng() % 6) {
		case 0: action = pick({ 0, 1u << 3, 1u << 4, 3u << 3, 7u << 3 }, 100); break;
		case 1: data_type = pick({ 0, 3, 5, 6, 7 }, 100); break;
		case 2: data_type |= 1u << (6 + rng() % 26); break;
		default: break;
		}
		h.flags = data_type | action;
		h.index = pick({ 0, 1, 1, 1, 2, 3, 4, 5, 9 }, 85);
		h.start = pick({ 0, 0, 0, 1, 2, ~0u, ~0u - 1, 0x80000000u }, 85);
		h.count = pick({ 0, 1, 1, 1, 2, 3, ~0u, ~0u - 1, 0x40000000u }, 85);
		for (auto &fd : fds)
			fd = fd_pool[rng() % (sizeof(fd_pool) / sizeof(fd_pool[0]))];
		if (fds[0] == dev.get())
			fds[0] = bad.devnull.get();
		std::uint32_t exact = kSetMinsz + (h.count < 4 ? h.count : 4) * 4;
		h.argsz = pick({ exact, exact, exact, 0, kSetMinsz - 1, kSetMinsz,
				 kSetMinsz + 1, kSetMinsz + 3, exact + 100 }, 90);

		int want = vfio_verdict(h, fds, bad);
		if (!want)
			continue;
		int got = set_irqs(dev.get(), h.flags, h.index, h.start, h.count, fds.data(),
				   fds.size() * sizeof(std::int32_t), h.argsz);
		if (got != want && mismatches++ < 10)
			ADD_FAILURE() << "SET_IRQS argsz " << h.argsz << " flags " << std::hex
				      << h.flags << " index " << h.index << " start " << h.start
				      << " count " << h.count << std::dec << " fd " << fds[0]
				      << ": errno " << got << ", VFIO gives " << want;
		issued++;
	}

	EXPECT_EQ(mismatches, 0);
	EXPECT_GE(issued, 10000);
	EXPECT_GT(info_calls, 0);
	EXPECT_TRUE(no_member_events(kQuiet)) << "no producer came or went";
	EXPECT_EQ(msi_irqs(bdf_), irqs);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "nothing fired";
	ASSERT_EQ(trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u) << "the eventfd is still the vector's";
}

// Unbinding while other threads issue ioctls on an open file (even rounds)
// or open, use and close the char device (odd rounds): nothing breaks, a
// file open across the unbind goes dead, and everything is released.
TEST_F(Producer, UnbindRacesIoctls)
{
	for (int round = 0; round < 4; round++) {
		std::atomic<bool> stop{ false };
		std::atomic<int> enodev{ 0 };
		Fd dev;
		Fd efd = make_eventfd();
		std::vector<std::thread> threads;
		auto hammer = [&](int fd) {
			struct vfio_irq_info info;

			set_eventfds(fd, kMsi, 0, { efd.get() });
			trigger_none(fd, kMsi, 0, 1);
			set_eventfds(fd, kMsi, 0, { -1 });
			irq_info(fd, kMsi, &info);
			if (disable(fd, kMsi) == ENODEV)
				enodev++;
		};

		if (round % 2 == 0)
			dev = open_dev(bdf_);
		for (int t = 0; t < 2; t++) {
			threads.emplace_back([&] {
				while (!stop) {
					if (dev) {
						hammer(dev.get());
						continue;
					}
					Fd f(open(char_dev(bdf_).c_str(), O_RDWR | O_CLOEXEC));

					for (int i = 0; f && i < 20; i++)
						hammer(f.get());
				}
			});
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100 + 50 * round));
		ASSERT_EQ(unbind_producer(bdf_), 0);
		std::this_thread::sleep_for(100ms);
		stop = true;
		for (auto &t : threads)
			t.join();
		if (dev) {
			EXPECT_GT(enodev.load(), 0) << "the open file went dead";
		}
		EXPECT_TRUE(msi_irqs(bdf_).empty());
		dev.reset();
		expect_manager_empty();
		ASSERT_TRUE(bind_producer(bdf_));
	}
}

// Loading the module again: it cannot go while a file is open, and once it
// goes every device is unbound and every producer gone.
TEST_F(Producer, ModuleUnloadAndReload)
{
	const char *ko = getenv("VPP_MODULE");

	if (!ko)
		GTEST_SKIP() << "set VPP_MODULE to the path of vfio_pci_producer.ko";
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	assign(dev.get(), efd);

	EXPECT_NE(syscall(SYS_delete_module, kDriver, O_NONBLOCK), 0) << "in use";
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) << strerror(errno);
	dev.reset();
	member(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_EQ(syscall(SYS_delete_module, kDriver, O_NONBLOCK), 0) << strerror(errno);
	for (const auto &bdf : edus) {
		EXPECT_EQ(driver_of(bdf), "");
		EXPECT_NE(access(char_dev(bdf).c_str(), F_OK), 0);
	}

	Fd mod(open(ko, O_RDONLY | O_CLOEXEC));
	ASSERT_TRUE(mod) << ko;
	ASSERT_EQ(syscall(SYS_finit_module, mod.get(), "", 0), 0) << strerror(errno);
	for (const auto &bdf : edus)
		EXPECT_TRUE(bind_producer(bdf));
	dev = open_dev(bdf_);
	EXPECT_EQ(assign(dev.get(), efd).ret, 0);
}
