// SPDX-License-Identifier: GPL-2.0-only
// The stock, unmodified vfio-pci and kvm modules bound to our irqbypass.ko:
// a mini-VMM assigns the edu device's MSI to a KVM VM through the real
// ioctls, and every assertion is made from the manager's traced events.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <linux/vfio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

// Since 6.10 KVM on x86 registers an irqfd's IRQ bypass consumer only
// when it can post (APICv or AVIC, and an IOMMU with the posting
// capability): the test host's TCG has neither, so on those kernels the
// stock KVM never pairs, here. Documentation/kernels.md
constexpr const char *kNoKvmConsumer =
	"this kernel's stock KVM registers no IRQ bypass consumer without posted-interrupt "
	"hardware (kvm_arch_has_irq_bypass): pairing is covered by kvm_consumer_test";

class StockPairing : public EduTest {
protected:
	static void SetUpTestSuite()
	{
		EduTest::SetUpTestSuite();
		kvm_consumes = probe_kvm_consumer();
	}

	void SetUp() override
	{
		EduTest::SetUp();
		ASSERT_TRUE(trace->kvm_attached()) << "kvm is not loaded";
		if (!kvm_consumes)
			GTEST_SKIP() << kNoKvmConsumer;
	}

	// Whether the stock KVM registers a consumer for an irqfd; waits for
	// the probe's irqfd to be gone again.
	static bool probe_kvm_consumer()
	{
		Fd fd = make_eventfd();
		bool registered;

		trace->mark();
		{
			KvmVm vm;

			vm.set_msi_routes({ { kGsi, 0, kVector } });
			vm.irqfd_assign(fd.get(), kGsi);
			registered =
				trace->wait_for(kind_is(IBE_REGISTER_CONSUMER), kWait).has_value();
		}
		if (registered)
			trace->wait_for(kind_is(IBE_UNREGISTER_CONSUMER), kWait);
		return registered;
	}

	static bool kvm_consumes;

	// VFIO's MSI vector 0 of @dev gets @fd; the producer's registration.
	Registration vfio_trigger(VfioDevice &dev, int fd)
	{
		dev.set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { fd });
		return next_registration(IBE_REGISTER_PRODUCER, from_us());
	}

	Registration assign_irqfd(KvmVm &vm, int fd)
	{
		vm.set_msi_routes({ { kGsi, 0, kVector } });
		vm.irqfd_assign(fd, kGsi);
		return next_registration(IBE_REGISTER_CONSUMER, from_us());
	}
};

bool StockPairing::kvm_consumes;

} // namespace

TEST(Manager, IsOursAndHeldByStockModules)
{
	std::string version = sysfs_line("/sys/module/irqbypass/version");

	EXPECT_FALSE(version.empty()) << "the stock irqbypass has no version";
	const char *want = getenv("IRQBYPASS_SRCVERSION");

	ASSERT_NE(want, nullptr) << "set IRQBYPASS_SRCVERSION to our module's srcversion";
	EXPECT_EQ(sysfs_line("/sys/module/irqbypass/srcversion"), want)
		<< "the loaded irqbypass is not the one built here";
	EXPECT_EQ(access("/sys/module/irqbypass/holders/kvm", F_OK), 0);
	EXPECT_EQ(access("/sys/module/irqbypass/holders/vfio_pci_core", F_OK), 0);
}

TEST_F(StockPairing, MsiVfioFirst)
{
	VfioDevice dev(edus[0]);
	Fd fd = make_eventfd();

	ASSERT_GE(dev.irq_count(VFIO_PCI_MSI_IRQ_INDEX), 1u);
	Registration p = vfio_trigger(dev, fd.get());
	std::vector<int> irqs = msi_irqs(edus[0]);
	ASSERT_EQ(irqs.size(), 1u);
	EXPECT_EQ(p.irq, irqs[0]) << "the producer is the vector's host irq";
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));

	KvmVm vm;
	Registration c = assign_irqfd(vm, fd.get());
	expect_connected(p, c);
}

TEST_F(StockPairing, MsiKvmFirst)
{
	VfioDevice dev(edus[0]);
	Fd fd = make_eventfd();
	KvmVm vm;

	Registration c = assign_irqfd(vm, fd.get());
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));
	Registration p = vfio_trigger(dev, fd.get());
	expect_connected(p, c);
}

TEST_F(StockPairing, MsixWhereOffered)
{
	VfioDevice dev(edus[0]);

	if (dev.irq_count(VFIO_PCI_MSIX_IRQ_INDEX) == 0)
		GTEST_SKIP() << "the edu device offers no MSI-X: only MSI is tested";
	FAIL() << "edu grew MSI-X: extend this test";
}

// Every way a VMM tears a pair down yields exactly one disconnect.
enum class Teardown {
	IrqfdDeassign,
	VfioTriggerRemoved,
	VfioDisabled,
	FdsClosed,
};

const Named<Teardown> kTeardowns[] = {
	{ Teardown::IrqfdDeassign, "IrqfdDeassign" },
	{ Teardown::VfioTriggerRemoved, "VfioTriggerRemoved" },
	{ Teardown::VfioDisabled, "VfioDisabled" },
	{ Teardown::FdsClosed, "FdsClosed" },
};

class TeardownTest : public StockPairing, public ::testing::WithParamInterface<Named<Teardown>> {};

TEST_P(TeardownTest, DisconnectsOnce)
{
	auto dev = std::make_unique<VfioDevice>(edus[0]);
	auto vm = std::make_unique<KvmVm>();
	Fd fd = make_eventfd();
	Registration p = vfio_trigger(*dev, fd.get());
	Registration c = assign_irqfd(*vm, fd.get());
	unsigned int side = IRQBYPASS_SIDE_PRODUCER;

	expect_connected(p, c);
	switch (GetParam().value) {
	case Teardown::IrqfdDeassign:
		vm->irqfd_deassign(fd.get(), kGsi);
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	case Teardown::VfioTriggerRemoved:
		dev->set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { -1 });
		break;
	case Teardown::VfioDisabled: dev->disable(VFIO_PCI_MSI_IRQ_INDEX); break;
	case Teardown::FdsClosed:
		dev.reset(); /* vfio releases the device first */
		break;
	}
	auto e = trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->side, side);
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 1u);

	dev.reset();
	vm.reset();
	fd.reset();
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 1u);
}

INSTANTIATE_TEST_SUITE_P(Vmm, TeardownTest, ::testing::ValuesIn(kTeardowns), param_name<Teardown>);

// A VMM process that pairs the edu device and then exits or is killed.
class VmmProcessTest : public StockPairing, public ::testing::WithParamInterface<int> {};

TEST_P(VmmProcessTest, DisconnectsOnce)
{
	int sig = GetParam();
	int to_child[2];

	ASSERT_EQ(pipe(to_child), 0);
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		dup2(to_child[0], 0);
		close(to_child[1]);
		execl("/proc/self/exe", "vmm", "--vmm-child", edus[0].c_str(), nullptr);
		_exit(127);
	}
	close(to_child[0]);

	Registration p = next_registration(IBE_REGISTER_PRODUCER, from_pid(pid));
	Registration c = next_registration(IBE_REGISTER_CONSUMER, from_pid(pid));
	expect_connected(p, c);

	if (sig)
		kill(pid, sig);
	close(to_child[1]); /* EOF: the child exits normally */
	int status;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (sig) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig);
	} else {
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	ASSERT_TRUE(trace->wait_for(kind_token(IBE_DISCONNECT, p.token), kWait));
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 1u);
}

INSTANTIATE_TEST_SUITE_P(Vmm, VmmProcessTest, ::testing::Values(0, SIGKILL),
			 [](const auto &info) { return info.param ? "Killed" : "Exits"; });

// The refusal of @refused, which names @holder and this process as the one
// that registered it.
static void expect_refusal_names(TraceSession &trace, std::uint64_t refused, std::uint64_t holder,
				 unsigned int side)
{
	auto r = trace.wait_for(
		[&](const Event &e) {
			return e.kind == IBE_REFUSED && e.side == side &&
			       (side == IRQBYPASS_SIDE_PRODUCER ? e.producer : e.consumer) ==
				       refused;
		},
		kWait);
	ASSERT_TRUE(r) << "no irqbypass_refused event";
	EXPECT_EQ(r->holder, holder);
	EXPECT_EQ(r->holder_pid, getpid());
	EXPECT_EQ(std::string(r->holder_comm, strnlen(r->holder_comm, IBE_COMM_LEN)),
		  sysfs_line("/proc/self/comm"));
}

// One eventfd for the vectors of two devices: the second producer is
// refused, naming the first, the first pair stays, and removing the
// refused one is harmless.
TEST_F(StockPairing, EventfdReusedByTwoVfioVectors)
{
	if (edus.size() < 2)
		GTEST_SKIP() << "needs two edu devices";
	VfioDevice a(edus[0]), b(edus[1]);
	Fd fd = make_eventfd();
	KvmVm vm;

	Registration pa = vfio_trigger(a, fd.get());
	Registration c = assign_irqfd(vm, fd.get());
	expect_connected(pa, c);

	Registration pb = vfio_trigger(b, fd.get());
	EXPECT_EQ(pb.ret, -EBUSY) << "one producer per token";
	EXPECT_EQ(pb.token, pa.token);
	expect_refusal_names(*trace, pb.object, pa.object, IRQBYPASS_SIDE_PRODUCER);

	b.disable(VFIO_PCI_MSI_IRQ_INDEX);
	auto u = trace->wait_for(
		[&](const Event &e) {
			return e.kind == IBE_UNREGISTER_PRODUCER && e.producer == pb.object;
		},
		kWait);
	ASSERT_TRUE(u);
	EXPECT_EQ(u->ret, -ENOENT) << "the refused producer was never registered";
	EXPECT_EQ(count(IBE_DISCONNECT, pa.token), 0u) << "the first pair survives";
	EXPECT_EQ(debugfs_lines("pairs").size(), 1u);
}

// One eventfd for irqfds in two VMs: the second consumer is refused,
// naming the first.
TEST_F(StockPairing, EventfdReusedByTwoVms)
{
	VfioDevice dev(edus[0]);
	Fd fd = make_eventfd();
	auto vm1 = std::make_unique<KvmVm>();
	auto vm2 = std::make_unique<KvmVm>();

	Registration p = vfio_trigger(dev, fd.get());
	Registration c1 = assign_irqfd(*vm1, fd.get());
	expect_connected(p, c1);

	Registration c2 = assign_irqfd(*vm2, fd.get());
	EXPECT_EQ(c2.ret, -EBUSY) << "one consumer per token";
	expect_refusal_names(*trace, c2.object, c1.object, IRQBYPASS_SIDE_CONSUMER);

	vm2->irqfd_deassign(fd.get(), kGsi);
	vm2.reset();
	EXPECT_EQ(count(IBE_DISCONNECT, p.token), 0u) << "the first pair survives";
	EXPECT_EQ(debugfs_lines("pairs").size(), 1u);
}

// A real MSI from the edu device reaches the VM through the paired irqfd.
TEST_F(StockPairing, RealMsiDelivered)
{
	constexpr int kRaises = 5;
	VfioDevice dev(edus[0]);
	Fd fd = make_eventfd();
	KvmVm vm;

	Registration p = vfio_trigger(dev, fd.get());
	Registration c = assign_irqfd(vm, fd.get());
	expect_connected(p, c);

	dev.enable_bus_master();
	std::uint64_t before = irq_count(p.irq);
	trace->mark();
	raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) { dev.bar_write32(0, off, val); },
		       kRaises, 50ms);
	auto msis = trace->collect(
		[](const Event &e) {
			return e.kind == IBE_KVM_MSI && (e.msi_data & 0xff) == kVector;
		},
		kSettle);
	EXPECT_EQ(irq_count(p.irq) - before, (std::uint64_t)kRaises)
		<< "host irq " << p.irq << " (" << irq_name(p.irq) << ")";
	EXPECT_EQ(msis.size(), (size_t)kRaises) << "MSIs KVM injected for our route";
	EXPECT_EQ(drain_eventfd(fd.get()), 0u) << "KVM consumed every signal";
}

// Child mode for VmmProcessTest: pair the device, then wait for EOF.
static int vmm_child(const char *bdf)
{
	VfioDevice dev(bdf);
	Fd fd = make_eventfd();
	KvmVm vm;
	char c;

	dev.set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { fd.get() });
	vm.set_msi_routes({ { kGsi, 0, kVector } });
	vm.irqfd_assign(fd.get(), kGsi);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && std::string(argv[1]) == "--vmm-child")
		return vmm_child(argv[2]);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
