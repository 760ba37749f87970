// SPDX-License-Identifier: GPL-2.0-only
// vfio_pci_producer.ko paired with a stock KVM irqfd: both orders, real
// MSIs injected, MSI-X where a device offers it, and every teardown.
//
// Part of vfio_pci_producer_test, run as root in the test host with
// irqbypass.ko, vfio_pci_producer.ko and kvm loaded (see
// selftests/testhost/participant-tests.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <linux/pci_regs.h>
#include <memory>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using Producer = ProducerTest;

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

	Registration irqfd(KvmVm &vm, int efd)
	{
		vm.set_msi_routes({ { kGsi, 0, kVector } });
		vm.irqfd_assign(efd, kGsi);
		return next_registration(IBE_REGISTER_CONSUMER, from_us());
	}

	void expect_connected(const Registration &p, const Registration &c)
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

class KvmTeardown : public KvmPairing, public ::testing::WithParamInterface<Teardown> {};

} // namespace

TEST_F(KvmPairing, ProducerFirst)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	Registration p = assign(dev.get(), efd);

	EXPECT_EQ(p.irq, msi_irqs(bdf_).at(0));
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));
	KvmVm vm;
	Registration c = irqfd(vm, efd.get());
	expect_connected(p, c);
}

TEST_F(KvmPairing, KvmFirst)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	KvmVm vm;
	Registration c = irqfd(vm, efd.get());

	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms));
	Registration p = assign(dev.get(), efd);
	expect_connected(p, c);
}

// Real MSIs of the paired vector reach KVM, which consumes the eventfd.
TEST_F(KvmPairing, RealMsiInjected)
{
	constexpr int kRaises = 4;
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	KvmVm vm;
	Registration p = assign(dev.get(), efd);
	Registration c = irqfd(vm, efd.get());

	expect_connected(p, c);
	std::uint64_t before = irq_count(p.irq);
	trace->mark();
	{
		PciBar bar(bdf_, 0);

		raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) { bar.write32(off, val); },
			       kRaises, 50ms);
	}
	auto msis = trace->collect(
		[](const Event &e) {
			return e.kind == IBE_KVM_MSI && (e.msi_data & 0xff) == kVector;
		},
		kSettle);
	EXPECT_EQ(irq_count(p.irq) - before, (std::uint64_t)kRaises);
	EXPECT_EQ(msis.size(), (size_t)kRaises) << "MSIs KVM injected for our route";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "KVM consumed every signal";
}

// MSI-X on an unbound device that offers it (the test host's e1000e):
// several vectors, each its own producer, MSI and MSI-X exclusive, and a
// KVM irqfd on a vector other than 0.
TEST_F(KvmPairing, MsixWhereOffered)
{
	auto devs = unbound_devices(
		[](const std::string &cfg) { return find_capability(cfg, PCI_CAP_ID_MSIX) != 0; });
	if (devs.empty())
		GTEST_SKIP() << "no unbound PCI device with MSI-X on this host";
	std::string bdf = devs[0];
	std::string cfg = config_space(bdf);
	unsigned int pos = find_capability(cfg, PCI_CAP_ID_MSIX);
	std::uint32_t table =
		((unsigned char)cfg[pos + 2] | (unsigned char)cfg[pos + 3] << 8) & 0x7ff;
	struct vfio_irq_info info;

	ASSERT_TRUE(bind_producer(bdf));
	std::cout << "MSI-X on " << bdf << std::endl;
	{
		Fd dev = open_dev(bdf);
		std::vector<Fd> efds;
		std::vector<Registration> p;

		ASSERT_EQ(vfio_get_irq_info(dev.get(), kMsix, &info), 0);
		EXPECT_EQ(info.count, table + 1);
		ASSERT_GE(info.count, 3u) << "the test wants 3 vectors";
		for (int i = 0; i < 3; i++)
			efds.push_back(make_eventfd());

		ASSERT_EQ(vfio_set_eventfds(dev.get(), kMsix, 0,
					    { efds[0].get(), efds[1].get(), efds[2].get() }),
			  0);
		for (int i = 0; i < 3; i++)
			p.push_back(next_registration(IBE_REGISTER_PRODUCER, from_us()));
		std::vector<int> irqs = msi_irqs(bdf), got;
		ASSERT_EQ(irqs.size(), 3u) << "start + count vectors enabled";
		for (const auto &m : p) {
			EXPECT_EQ(m.ret, 0);
			got.push_back(m.irq);
		}
		std::sort(irqs.begin(), irqs.end());
		std::sort(got.begin(), got.end());
		EXPECT_EQ(got, irqs) << "one producer per vector, on its irq";

		ASSERT_EQ(vfio_trigger_bool(dev.get(), kMsix, 0, { 0, 1, 0 }), 0);
		EXPECT_EQ(drain_eventfd(efds[0].get()), 0u);
		EXPECT_EQ(drain_eventfd(efds[1].get()), 1u);
		EXPECT_EQ(drain_eventfd(efds[2].get()), 0u);
		ASSERT_EQ(vfio_trigger_none(dev.get(), kMsix, 1, 2), 0);
		EXPECT_EQ(drain_eventfd(efds[0].get()), 0u);
		EXPECT_EQ(drain_eventfd(efds[1].get()), 1u);
		EXPECT_EQ(drain_eventfd(efds[2].get()), 1u);

		trace->mark();
		EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsix, 3, { efds[0].get() }), EINVAL)
			<< "beyond the vectors enabled: no resize, as VFIO";
		if (find_capability(cfg, PCI_CAP_ID_MSI)) {
			EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { efds[0].get() }), EINVAL)
				<< "MSI while MSI-X is enabled";
			EXPECT_EQ(vfio_disable(dev.get(), kMsi), EINVAL);
		}
		EXPECT_TRUE(no_member_events(kQuiet));

		// KVM takes vector 1.
		KvmVm vm;
		Registration c = irqfd(vm, efds[1].get());
		auto e = trace->wait_for(kind_token(IBE_CONNECT, p[1].token), kWait);
		ASSERT_TRUE(e);
		EXPECT_EQ(e->ret, 0);
		EXPECT_EQ(e->producer, p[1].object);
		EXPECT_EQ(e->consumer, c.object);
		EXPECT_EQ(e->irq, p[1].irq);

		ASSERT_EQ(vfio_disable(dev.get(), kMsix), 0);
		for (int i = 0; i < 3; i++)
			next_registration(IBE_UNREGISTER_PRODUCER, from_us());
		EXPECT_EQ(count(IBE_DISCONNECT, p[1].token), 1u);
		EXPECT_TRUE(msi_irqs(bdf).empty());

		if (find_capability(cfg, PCI_CAP_ID_MSI)) {
			ASSERT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { efds[0].get() }), 0);
			EXPECT_EQ(next_registration(IBE_REGISTER_PRODUCER, from_us()).ret, 0);
			EXPECT_EQ(vfio_set_eventfds(dev.get(), kMsix, 0, { efds[1].get() }), EINVAL)
				<< "MSI-X while MSI is enabled";
		}
	}
	EXPECT_TRUE(msi_irqs(bdf).empty()) << "close disables";
	EXPECT_EQ(pci_bus().unbind(bdf, kProducerDriver), 0);
	EXPECT_EQ(pci_bus().set_override(bdf, ""), 0);
}

TEST_P(KvmTeardown, DisconnectsOnce)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	auto vm = std::make_unique<KvmVm>();
	Registration p = assign(dev.get(), efd);
	Registration c = irqfd(*vm, efd.get());
	unsigned int side = IRQBYPASS_SIDE_PRODUCER;
	struct vfio_irq_info info;

	expect_connected(p, c);
	switch (GetParam()) {
	case Teardown::CloseCharDevice: dev.reset(); break;
	case Teardown::Unbind:
		ASSERT_EQ(pci_bus().unbind(bdf_, kProducerDriver), 0);
		EXPECT_EQ(pci_bus().driver_of(bdf_), "");
		EXPECT_NE(access(producer_char_dev(bdf_).c_str(), F_OK), 0) << "char device gone";
		EXPECT_TRUE(msi_irqs(bdf_).empty()) << "vectors freed at unbind";
		EXPECT_EQ(vfio_get_irq_info(dev.get(), kMsi, &info), ENODEV)
			<< "the open file is dead";
		EXPECT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), ENODEV);
		break;
	case Teardown::RemoveEventfd:
		ASSERT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { -1 }), 0);
		break;
	case Teardown::DisableMsi: ASSERT_EQ(vfio_disable(dev.get(), kMsi), 0); break;
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
