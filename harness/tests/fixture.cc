// SPDX-License-Identifier: GPL-2.0-only
#include "fixture.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace irqbypass {

TraceSession *TracedTest::trace;
std::vector<std::string> EduTest::edus;

bool eventually(const std::function<bool()> &cond, std::chrono::milliseconds timeout)
{
	auto deadline = Clock::now() + timeout;

	while (!cond()) {
		if (Clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return true;
}

Pred from_pid(unsigned int tgid)
{
	return [tgid](const Event &e) { return e.tgid == tgid; };
}

Pred from_us()
{
	return from_pid(getpid());
}

int bypass_failures(const std::string &dir)
{
	std::string s = sysfs_line(dir + "/irq_bypass_failures");

	return s.empty() ? -1 : atoi(s.c_str());
}

bool bind_producer(const std::string &bdf)
{
	pci_bus().bind_driver(bdf, kProducerDriver);
	return pci_bus().driver_of(bdf) == kProducerDriver;
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

bool bind_platform_producer(const std::string &name)
{
	platform_bus().bind_driver(name, kPlatformProducerDriver);
	return platform_bus().driver_of(name) == kPlatformProducerDriver;
}

void TracedTest::start_trace()
{
	trace = new TraceSession();
}

void TracedTest::TearDownTestSuite()
{
	delete trace;
	trace = nullptr;
}

void TracedTest::SetUp()
{
	ASSERT_TRUE(trace) << "no trace session";
	trace->mark();
}

void TracedTest::TearDown()
{
	expect_manager_empty();
}

std::optional<Event> TracedTest::next_event(unsigned int kind, const Pred &pred)
{
	return trace->take([&](const Event &e) { return e.kind == kind && (!pred || pred(e)); },
			   kWait);
}

Registration TracedTest::next_registration(unsigned int kind, const Pred &pred)
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

size_t TracedTest::count(unsigned int kind, std::uint64_t token)
{
	return trace->collect(kind_token(kind, token), kSettle).size();
}

bool TracedTest::no_member_events(std::chrono::milliseconds window)
{
	return trace->none_within(
		[](const Event &e) {
			return e.kind >= IBE_REGISTER_PRODUCER && e.kind <= IBE_DISCONNECT;
		},
		window);
}

void TracedTest::expect_connected(const Registration &p, const Registration &c)
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

void EduTest::set_up_suite(void (*bind)(const std::string &bdf))
{
	edus = edu_devices();
	for (const auto &bdf : edus)
		bind(bdf);
	start_trace();
}

void EduTest::SetUp()
{
	TracedTest::SetUp();
	if (HasFatalFailure())
		return;
	ASSERT_FALSE(edus.empty()) << "no edu device (1234:11e8) on this host";
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

void PlatformProducerTest::SetUp()
{
	ASSERT_EQ(access(platform_bus().dir(dev_).c_str(), F_OK), 0)
		<< "no " << dev_ << ": irqchip_model.ko is not loaded";
	/* Bound afresh: the producer's counters start at zero. */
	if (platform_bus().driver_of(dev_) == kPlatformProducerDriver) {
		ASSERT_EQ(platform_bus().unbind(dev_, kPlatformProducerDriver), 0);
	}
	ASSERT_TRUE(bind_platform_producer(dev_))
		<< dev_ << " does not bind to " << kPlatformProducerDriver;
	irqs_.clear();
	for (const auto &l : model_.lines()) {
		model_.reset(l.line);
		irqs_.push_back(l.irq);
	}
	ASSERT_EQ(irqs_.size(), kModelLines) << dev_ << " has the model's default lines";
	TracedTest::SetUp();
}

void PlatformProducerTest::TearDown()
{
	bool settle = false;

	TracedTest::TearDown();
	for (const auto &l : platform_producer_lines(dev_)) {
		EXPECT_FALSE(l.trigger || l.producer || l.unmaskfd || l.masked)
			<< "line " << l.index << " kept a trigger, an unmask eventfd or a mask";
	}
	for (const auto &dev : model_devices()) {
		for (const auto &l : IrqchipModel(dev).lines()) {
			EXPECT_TRUE(l.idle())
				<< dev << " line " << l.line << " left busy:"
				<< " asserted " << l.asserted << " pending " << l.pending
				<< " active " << l.active << " burst " << l.burst_left;
			settle |= dev == dev_ && !l.idle();
		}
	}
	/* Spare the next tests this one's failure. */
	if (settle)
		settle_model();
}

Fd PlatformProducerTest::open_dev()
{
	std::string path = platform_producer_char_dev(dev_);
	Fd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));

	if (!fd)
		ADD_FAILURE() << "open " << path << ": " << strerror(errno);
	return fd;
}

Registration PlatformProducerTest::assign(int dev, std::uint32_t index, const Fd &efd)
{
	EXPECT_EQ(vfio_set_eventfds(dev, index, 0, { efd.get() }), 0) << "line " << index;
	return next_registration(IBE_REGISTER_PRODUCER, from_us());
}

PlatformProducerLine PlatformProducerTest::producer_line(std::uint32_t index)
{
	std::vector<PlatformProducerLine> lines = platform_producer_lines(dev_);

	if (index >= lines.size()) {
		ADD_FAILURE() << dev_ << " has no line " << index << " in the producer's debugfs";
		return PlatformProducerLine{};
	}
	return lines[index];
}

void PlatformProducerTest::settle_model()
{
	std::vector<Fd> efds;
	Fd dev;

	for (const auto &l : model_.lines()) {
		if (l.burst_left)
			model_.burst(l.line, 0, 0);
		if (l.level)
			model_.deassert_line(l.line);
		if (!model_.line(l.line).pending)
			continue;
		/* Requesting the line unmasks it, so the model delivers it. */
		if (!dev && bind_platform_producer(dev_))
			dev = open_dev();
		if (!dev)
			return;
		efds.push_back(make_eventfd());
		vfio_set_eventfds(dev.get(), l.line, 0, { efds.back().get() });
		wait_eventfd(efds.back().get());
	}
}

} // namespace irqbypass
