// SPDX-License-Identifier: GPL-2.0
// The two reference participants together: the edu device bound to
// vfio-pci-producer, its MSI eventfd paired with a kvm-consumer irqfd.
// Asserted from the traced events and kvm-consumer's GSI query.
#include <gtest/gtest.h>

#include <linux/vfio.h>
#include <thread>
#include <unistd.h>

#include <irqbypass/kvm_consumer.h>
#include <irqbypass/tracepoints.h>

#include "edu_fixture.h"
#include "testbed.h"
#include "trace_session.h"
#include "vmm.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

constexpr unsigned int kGsi = 50;
constexpr unsigned int kVector = 0x33;

class ReferencePair : public EduTest {
protected:
	void SetUp() override
	{
		EduTest::SetUp();
		ASSERT_TRUE(trace->kc_attached()) << "kvm_consumer is not loaded";
		ASSERT_EQ(access("/sys/bus/pci/drivers/vfio_pci_producer", F_OK), 0)
			<< "vfio_pci_producer is not loaded";
	}

	// MSI vector 0 of @dev and a kvm-consumer irqfd on @fd; the connect.
	Event pair(PciProducer &dev, KcVm &vm, int fd)
	{
		dev.set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { fd });
		auto p = trace->take(kind_is(IBE_REGISTER_PRODUCER), kWait);
		EXPECT_TRUE(p);
		vm.set_msi_routes({ { kGsi, 0, kVector } });
		vm.irqfd_assign(fd, kGsi);
		auto c = trace->wait_for(kind_is(IBE_CONNECT), kWait);
		EXPECT_TRUE(c) << "no connect";
		if (!p || !c)
			return Event{};
		EXPECT_EQ(c->ret, 0);
		EXPECT_EQ(c->token, p->token);
		EXPECT_EQ(c->irq, p->irq);
		EXPECT_EQ(c->irq, msi_irqs(dev.bdf())[0]) << "the vector's host irq";
		return *c;
	}
};

} // namespace

TEST_F(ReferencePair, ConnectsRemappedAndInjects)
{
	constexpr int kRaises = 4;
	PciProducer dev(edus[0]);
	Fd fd = make_eventfd();
	KcVm vm;
	Event c = pair(dev, vm, fd.get());

	auto m = trace->take(kind_token(IBE_KC_MODE, c.token), kWait);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mode, (unsigned int)KC_MODE_REMAPPED);
	EXPECT_EQ(m->reason, (unsigned int)KC_REASON_NO_POSTING)
		<< "the emulated VT-d has no posting capability";

	PciBar bar(edus[0], 0);
	std::uint64_t before = irq_count(c.irq);
	raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) {
		bar.write32(off, val);
	}, kRaises, 50ms);
	std::this_thread::sleep_for(kSettle);
	EXPECT_EQ(irq_count(c.irq) - before, (std::uint64_t)kRaises);
	EXPECT_EQ(vm.state(kGsi).injections, (std::uint64_t)kRaises);
	RecordProperty("edu_mode", "remapped: no posting capability");
}

enum class Teardown { IrqfdDeassign, ProducerClosed, ProducerUnbound, BothClosed };

class ReferenceTeardown : public ReferencePair,
			  public ::testing::WithParamInterface<Teardown> {};

TEST_P(ReferenceTeardown, DisconnectsOnce)
{
	auto dev = std::make_unique<PciProducer>(edus[0]);
	auto vm = std::make_unique<KcVm>();
	Fd fd = make_eventfd();
	Event c = pair(*dev, *vm, fd.get());
	unsigned int side = IRQBYPASS_SIDE_PRODUCER;

	switch (GetParam()) {
	case Teardown::IrqfdDeassign:
		vm->irqfd_deassign(fd.get(), kGsi);
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	case Teardown::ProducerClosed:
		dev.reset();
		break;
	case Teardown::ProducerUnbound:
		bind_vfio_pci(edus[0]);	/* unbinds vfio_pci_producer first */
		break;
	case Teardown::BothClosed:
		vm.reset();
		dev.reset();
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	}
	auto e = trace->wait_for(kind_token(IBE_DISCONNECT, c.token), kWait);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->side, side);
	dev.reset();
	vm.reset();
	fd.reset();
	EXPECT_EQ(trace->collect(kind_token(IBE_DISCONNECT, c.token), kSettle).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Participants, ReferenceTeardown,
			 ::testing::Values(Teardown::IrqfdDeassign, Teardown::ProducerClosed,
					   Teardown::ProducerUnbound, Teardown::BothClosed),
			 [](const auto &info) {
				 switch (info.param) {
				 case Teardown::IrqfdDeassign: return "IrqfdDeassign";
				 case Teardown::ProducerClosed: return "ProducerClosed";
				 case Teardown::ProducerUnbound: return "ProducerUnbound";
				 case Teardown::BothClosed: return "BothClosed";
				 }
				 return "unknown";
			 });
