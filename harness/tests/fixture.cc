// SPDX-License-Identifier: GPL-2.0
#include "fixture.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace irqbypass {

TraceSession *EduTest::trace;
std::vector<std::string> EduTest::edus;

Pred from_pid(unsigned int tgid)
{
	return [tgid](const Event &e) { return e.tgid == tgid; };
}

Pred from_us()
{
	return from_pid(getpid());
}

bool bind_producer(const std::string &bdf)
{
	bind_driver(bdf, kProducerDriver);
	return driver_of(bdf) == kProducerDriver;
}

void expect_manager_empty()
{
	auto deadline = Clock::now() + kWait;

	while (Clock::now() < deadline &&
	       !(debugfs_lines("producers").empty() && debugfs_lines("consumers").empty()))
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	EXPECT_TRUE(debugfs_lines("producers").empty());
	EXPECT_TRUE(debugfs_lines("consumers").empty());
	EXPECT_TRUE(debugfs_lines("pairs").empty());
}

void EduTest::set_up_suite(void (*bind)(const std::string &bdf))
{
	edus = edu_devices();
	for (const auto &bdf : edus)
		bind(bdf);
	trace = new TraceSession();
}

void EduTest::TearDownTestSuite()
{
	delete trace;
	trace = nullptr;
}

void EduTest::SetUp()
{
	ASSERT_TRUE(trace) << "no trace session";
	ASSERT_FALSE(edus.empty()) << "no edu device (1234:11e8) on this host";
	trace->mark();
}

void EduTest::TearDown()
{
	expect_manager_empty();
}

std::optional<Event> EduTest::next_event(unsigned int kind, const Pred &pred)
{
	return trace->take([&](const Event &e) { return e.kind == kind && (!pred || pred(e)); },
			   kWait);
}

Registration EduTest::next_registration(unsigned int kind, const Pred &pred)
{
	auto e = next_event(kind, pred);
	Registration r;

	if (!e) {
		ADD_FAILURE() << "no " << kind_name(kind) << " event";
		return r;
	}
	r.token = e->token;
	r.object = kind == IBE_REGISTER_PRODUCER || kind == IBE_UNREGISTER_PRODUCER ? e->producer
										    : e->consumer;
	r.irq = e->irq;
	r.ret = e->ret;
	r.gsi = e->gsi;
	return r;
}

size_t EduTest::count(unsigned int kind, std::uint64_t token)
{
	return trace->collect(kind_token(kind, token), kSettle).size();
}

bool EduTest::no_member_events(std::chrono::milliseconds window)
{
	return trace->none_within(
		[](const Event &e) {
			return e.kind >= IBE_REGISTER_PRODUCER && e.kind <= IBE_DISCONNECT;
		},
		window);
}

void EduTest::expect_connected(const Registration &p, const Registration &c)
{
	EXPECT_EQ(p.ret, 0);
	EXPECT_EQ(c.ret, 0);
	EXPECT_EQ(p.token, c.token) << "both sides registered the eventfd's context";
	auto e = trace->wait_for(kind_token(IBE_CONNECT, p.token), kWait);
	ASSERT_TRUE(e) << "no connect for token " << std::hex << p.token;
	EXPECT_EQ(e->ret, 0);
	EXPECT_EQ(e->producer, p.object);
	EXPECT_EQ(e->consumer, c.object);
	EXPECT_EQ(e->irq, p.irq) << "connect names the producer's host irq";
	EXPECT_EQ(e->gsi, (int)kGsi) << "the consumer is the irqfd of our GSI";
	EXPECT_EQ(debugfs_lines("pairs").size(), 1u);
}

Event EduTest::connect(IrqDevice &dev, IrqfdVm &vm, int fd)
{
	dev.set_triggers(VFIO_PCI_MSI_IRQ_INDEX, 0, { fd });
	auto p = next_event(IBE_REGISTER_PRODUCER, from_us());
	vm.set_msi_routes({ { kGsi, 0, kVector } });
	vm.irqfd_assign(fd, kGsi);
	auto c = trace->wait_for(kind_is(IBE_CONNECT), kWait);

	EXPECT_TRUE(p) << "no producer registered";
	EXPECT_TRUE(c) << "no connect";
	if (!p || !c)
		return Event{};
	EXPECT_EQ(c->ret, 0);
	EXPECT_EQ(c->token, p->token);
	EXPECT_EQ(c->irq, p->irq);
	EXPECT_EQ(c->irq, msi_irqs(dev.bdf()).at(0)) << "the vector's host irq";
	return *c;
}

void ProducerTest::SetUp()
{
	for (const auto &bdf : edus)
		ASSERT_TRUE(bind_producer(bdf)) << bdf << " does not bind to " << kProducerDriver;
	EduTest::SetUp();
	if (!HasFatalFailure())
		bdf_ = edus[0];
}

void ProducerTest::TearDown()
{
	EduTest::TearDown();
	for (const auto &bdf : edus)
		EXPECT_TRUE(msi_irqs(bdf).empty()) << bdf << " kept MSI vectors";
}

Fd ProducerTest::open_dev(const std::string &bdf)
{
	Fd fd(open(producer_char_dev(bdf).c_str(), O_RDWR | O_CLOEXEC));

	if (!fd)
		ADD_FAILURE() << "open " << producer_char_dev(bdf) << ": " << strerror(errno);
	return fd;
}

Registration ProducerTest::assign(int dev, const Fd &efd)
{
	EXPECT_EQ(vfio_set_eventfds(dev, VFIO_PCI_MSI_IRQ_INDEX, 0, { efd.get() }), 0);
	return next_registration(IBE_REGISTER_PRODUCER, from_us());
}

} // namespace irqbypass
