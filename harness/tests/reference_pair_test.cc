// SPDX-License-Identifier: GPL-2.0-only
// The two reference participants together: the edu device bound to
// vfio-pci-producer, its MSI eventfd paired with a kvm-consumer irqfd.
// Asserted from the traced events and kvm-consumer's GSI query.
#include <gtest/gtest.h>

#include <thread>
#include <unistd.h>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

namespace {

class ReferencePair : public EduTest {
protected:
	void SetUp() override
	{
		EduTest::SetUp();
		ASSERT_TRUE(trace->kc_attached()) << "kvm_consumer is not loaded";
		ASSERT_EQ(access("/sys/bus/pci/drivers/vfio_pci_producer", F_OK), 0)
			<< "vfio_pci_producer is not loaded";
	}
};

} // namespace

TEST_F(ReferencePair, ConnectsRemappedAndInjects)
{
	constexpr int kRaises = 4;
	PciProducer dev(edus[0]);
	Fd fd = make_eventfd();
	KcVm vm;
	Event c = connect(dev, vm, fd.get());

	auto m = trace->take(kind_token(IBE_KC_MODE, c.token), kWait);
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mode, (unsigned int)KC_MODE_REMAPPED);
	EXPECT_EQ(m->reason, (unsigned int)KC_REASON_NO_POSTING)
		<< "the emulated VT-d has no posting capability";

	PciBar bar(edus[0], 0);
	std::uint64_t before = irq_count(c.irq);
	raise_edu_irqs([&](std::uint64_t off, std::uint32_t val) { bar.write32(off, val); },
		       kRaises, 50ms);
	std::this_thread::sleep_for(kSettle);
	EXPECT_EQ(irq_count(c.irq) - before, (std::uint64_t)kRaises);
	EXPECT_EQ(vm.state(kGsi).injections, (std::uint64_t)kRaises);
	RecordProperty("edu_mode", "remapped: no posting capability");
}

enum class Teardown { IrqfdDeassign, ProducerClosed, ProducerUnbound, BothClosed };

const Named<Teardown> kTeardowns[] = {
	{ Teardown::IrqfdDeassign, "IrqfdDeassign" },
	{ Teardown::ProducerClosed, "ProducerClosed" },
	{ Teardown::ProducerUnbound, "ProducerUnbound" },
	{ Teardown::BothClosed, "BothClosed" },
};

class ReferenceTeardown : public ReferencePair,
			  public ::testing::WithParamInterface<Named<Teardown>> {};

TEST_P(ReferenceTeardown, DisconnectsOnce)
{
	auto dev = std::make_unique<PciProducer>(edus[0]);
	auto vm = std::make_unique<KcVm>();
	Fd fd = make_eventfd();
	Event c = connect(*dev, *vm, fd.get());
	unsigned int side = IRQBYPASS_SIDE_PRODUCER;

	switch (GetParam().value) {
	case Teardown::IrqfdDeassign:
		vm->irqfd_deassign(fd.get(), kGsi);
		side = IRQBYPASS_SIDE_CONSUMER;
		break;
	case Teardown::ProducerClosed: dev.reset(); break;
	case Teardown::ProducerUnbound:
		bind_vfio_pci(edus[0]); /* unbinds vfio_pci_producer first */
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

INSTANTIATE_TEST_SUITE_P(Participants, ReferenceTeardown, ::testing::ValuesIn(kTeardowns),
			 param_name<Teardown>);
