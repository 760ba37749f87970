// SPDX-License-Identifier: GPL-2.0-only
// vfio_pci_producer.ko bound to the edu devices: binding, its char device,
// the VFIO interrupt ioctls it answers, the IRQ bypass producers it
// registers (seen through the manager's traced events), real and
// software-triggered MSIs, refused registrations, unbind and unload.
//
// Part of vfio_pci_producer_test, run as root in the test host with
// irqbypass.ko, vfio_pci_producer.ko and kvm loaded (see
// selftests/testhost/participant-tests.sh).
// VPP_MODULE=<path of vfio_pci_producer.ko> enables the unload/reload test.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include "kmsg.h"

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using Producer = ProducerTest;

TEST_F(Producer, BindsThroughDriverOverride)
{
	for (const auto &bdf : edus) {
		struct stat st;

		EXPECT_EQ(pci_bus().driver_of(bdf), kProducerDriver);
		ASSERT_EQ(stat(producer_char_dev(bdf).c_str(), &st), 0) << producer_char_dev(bdf);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		EXPECT_EQ(st.st_mode & 07777, 0600u) << "root only";
		EXPECT_EQ(st.st_uid, 0u);
		EXPECT_EQ(bypass_failures(pci_bus().dir(bdf)), 0);
	}
}

TEST_F(Producer, MatchesNoDeviceByItself)
{
	std::string bdf = edus.back();

	ASSERT_EQ(pci_bus().unbind(bdf, kProducerDriver), 0);
	EXPECT_NE(access(producer_char_dev(bdf).c_str(), F_OK), 0) << "char device gone";
	ASSERT_EQ(pci_bus().set_override(bdf, ""), 0);
	pci_bus().probe(bdf);
	EXPECT_EQ(pci_bus().driver_of(bdf), "") << "bound without driver_override";
	EXPECT_TRUE(bind_producer(bdf));
	EXPECT_EQ(access(producer_char_dev(bdf).c_str(), F_OK), 0);
}

TEST_F(Producer, RefusesDeviceWithoutMsi)
{
	auto victims = unbound_devices([](const std::string &cfg) {
		return !find_capability(cfg, PCI_CAP_ID_MSI) &&
		       !find_capability(cfg, PCI_CAP_ID_MSIX);
	});
	if (victims.empty())
		GTEST_SKIP() << "no unbound PCI device without MSI and MSI-X";
	std::string victim = victims[0];

	Kmsg kmsg;
	ASSERT_EQ(pci_bus().set_override(victim, kProducerDriver), 0);
	pci_bus().probe(victim);
	EXPECT_EQ(pci_bus().driver_of(victim), "") << victim << " has no MSI: must be refused";
	EXPECT_NE(access(producer_char_dev(victim).c_str(), F_OK), 0);
	std::string log = kmsg.read_new();
	EXPECT_NE(log.find(victim + ": no MSI or MSI-X capability"), std::string::npos) << log;
	EXPECT_EQ(pci_bus().set_override(victim, ""), 0);
	std::cout << "refused " << victim << std::endl;
}

TEST_F(Producer, OneOpenerAtATime)
{
	Fd a = open_dev(bdf_);
	Fd b(open(producer_char_dev(bdf_).c_str(), O_RDWR | O_CLOEXEC));

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

	ASSERT_EQ(vfio_get_irq_info(dev.get(), kMsi, &info), 0);
	EXPECT_EQ(info.count, 1u) << "edu has one MSI vector";
	EXPECT_EQ(info.flags, flags);
	ASSERT_EQ(vfio_get_irq_info(dev.get(), kMsix, &info), 0);
	EXPECT_EQ(info.count, 0u) << "edu has no MSI-X";
	EXPECT_EQ(info.flags, flags);
	for (std::uint32_t index :
	     { VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX }) {
		ASSERT_EQ(vfio_get_irq_info(dev.get(), index, &info), 0) << index;
		EXPECT_EQ(info.count, 0u) << index;
	}
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kMsi, &info, kIrqInfoMinsz + 8), 0)
		<< "larger argsz is fine";
	EXPECT_EQ(info.count, 1u);
}

TEST_F(Producer, AssignRegistersProducer)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Registration p = assign(dev.get(), efd);
	std::vector<int> irqs = msi_irqs(bdf_);
	ASSERT_EQ(irqs.size(), 1u);
	EXPECT_EQ(p.ret, 0);
	EXPECT_EQ(p.irq, irqs[0]) << "the producer is the vector's host irq";
	EXPECT_NE(irq_name(p.irq).find("vfio-pci-producer-msi[0]"), std::string::npos)
		<< irq_name(p.irq);
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);
	EXPECT_TRUE(trace->none_within(kind_is(IBE_CONNECT), 200ms)) << "no consumer yet";

	ASSERT_EQ(vfio_disable(dev.get(), kMsi), 0);
	Registration u = next_registration(IBE_UNREGISTER_PRODUCER, from_us());
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
	ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	ASSERT_EQ(vfio_trigger_bool(dev.get(), kMsi, 0, { 1 }), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	ASSERT_EQ(vfio_trigger_bool(dev.get(), kMsi, 0, { 0 }), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "false does not fire";
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 3u);
	EXPECT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 0), 0) << "count 0 disables";
	EXPECT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), EINVAL) << "MSI is disabled";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u);
}

TEST_F(Producer, RealMsiSignalsEventfd)
{
	constexpr int kRaises = 5;
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();
	Registration p = assign(dev.get(), efd);
	std::uint64_t before = irq_count(p.irq);

	EXPECT_EQ(raise_edu_msis(bdf_, efd.get(), kRaises), (std::uint64_t)kRaises);
	EXPECT_EQ(irq_count(p.irq) - before, (std::uint64_t)kRaises)
		<< "host irq " << p.irq << " (" << irq_name(p.irq) << ")";
}

TEST_F(Producer, ReplaceEventfd)
{
	Fd dev = open_dev(bdf_);
	Fd a = make_eventfd(), b = make_eventfd();

	Registration pa = assign(dev.get(), a);
	Registration pb = assign(dev.get(), b);
	auto u = next_event(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_TRUE(u);
	EXPECT_EQ(u->token, pa.token) << "the old eventfd's producer goes";
	EXPECT_EQ(u->producer, pa.object);
	EXPECT_LT(u->ts_ns,
		  trace->wait_for(kind_token(IBE_REGISTER_PRODUCER, pb.token), kWait)->ts_ns)
		<< "before the new one comes";
	EXPECT_NE(pb.token, pa.token);
	EXPECT_EQ(pb.ret, 0);
	EXPECT_EQ(pb.irq, pa.irq) << "same vector";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u);

	ASSERT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(b.get()), 1u);
	EXPECT_EQ(drain_eventfd(a.get()), 0u);
	EXPECT_EQ(raise_edu_msis(bdf_, b.get(), 2), 2u);
	EXPECT_EQ(drain_eventfd(a.get()), 0u);
}

TEST_F(Producer, RemoveEventfdThenDisable)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Registration p = assign(dev.get(), efd);
	ASSERT_EQ(vfio_set_eventfds(dev.get(), kMsi, 0, { -1 }), 0);
	Registration u = next_registration(IBE_UNREGISTER_PRODUCER, from_us());
	EXPECT_EQ(u.object, p.object);
	EXPECT_EQ(u.ret, 0);
	EXPECT_EQ(msi_irqs(bdf_).size(), 1u) << "MSI stays enabled";
	EXPECT_EQ(vfio_trigger_none(dev.get(), kMsi, 0, 1), 0) << "no eventfd: nothing to signal";
	EXPECT_EQ(drain_eventfd(efd.get()), 0u);

	Registration again = assign(dev.get(), efd);
	EXPECT_EQ(again.ret, 0);
	EXPECT_EQ(again.token, p.token) << "same eventfd, same token";
	ASSERT_EQ(vfio_disable(dev.get(), kMsi), 0);
	EXPECT_EQ(next_registration(IBE_UNREGISTER_PRODUCER, from_us()).object, again.object);
	EXPECT_TRUE(msi_irqs(bdf_).empty());
	EXPECT_EQ(vfio_disable(dev.get(), kMsi), EINVAL) << "already disabled, as VFIO";
}

TEST_F(Producer, CloseTearsDown)
{
	Fd dev = open_dev(bdf_);
	Fd efd = make_eventfd();

	Registration p = assign(dev.get(), efd);
	dev.reset();
	Registration u = next_registration(IBE_UNREGISTER_PRODUCER, from_us());
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
	int before = bypass_failures(pci_bus().dir(edus[1]));
	Kmsg kmsg;

	Registration pa = assign(a.get(), efd);
	EXPECT_EQ(pa.ret, 0);
	Registration pb = assign(b.get(), efd);
	EXPECT_EQ(pb.ret, -EBUSY) << "one producer per token";
	EXPECT_EQ(bypass_failures(pci_bus().dir(edus[1])), before + 1);
	EXPECT_EQ(bypass_failures(pci_bus().dir(edus[0])), 0);
	EXPECT_NE(kmsg.read_new().find("producer registration failed: -16"), std::string::npos);

	ASSERT_EQ(vfio_trigger_none(b.get(), kMsi, 0, 1), 0);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
	EXPECT_EQ(raise_edu_msis(edus[1], efd.get(), 2), 2u) << "the vector still works";

	ASSERT_EQ(vfio_disable(b.get(), kMsi), 0);
	EXPECT_TRUE(trace->none_within(
		[&](const Event &e) {
			return e.kind == IBE_UNREGISTER_PRODUCER && e.producer == pb.object;
		},
		kQuiet))
		<< "a producer that was not registered is not unregistered";
	EXPECT_EQ(debugfs_lines("producers").size(), 1u) << "the first one stays";
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

			vfio_set_eventfds(fd, kMsi, 0, { efd.get() });
			vfio_trigger_none(fd, kMsi, 0, 1);
			vfio_set_eventfds(fd, kMsi, 0, { -1 });
			vfio_get_irq_info(fd, kMsi, &info);
			if (vfio_disable(fd, kMsi) == ENODEV)
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
					Fd f(open(producer_char_dev(bdf_).c_str(),
						  O_RDWR | O_CLOEXEC));

					for (int i = 0; f && i < 20; i++)
						hammer(f.get());
				}
			});
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100 + 50 * round));
		ASSERT_EQ(pci_bus().unbind(bdf_, kProducerDriver), 0);
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

	EXPECT_NE(syscall(SYS_delete_module, kProducerDriver, O_NONBLOCK), 0) << "in use";
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) << strerror(errno);
	dev.reset();
	next_registration(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_EQ(syscall(SYS_delete_module, kProducerDriver, O_NONBLOCK), 0) << strerror(errno);
	for (const auto &bdf : edus) {
		EXPECT_EQ(pci_bus().driver_of(bdf), "");
		EXPECT_NE(access(producer_char_dev(bdf).c_str(), F_OK), 0);
	}

	Fd mod(open(ko, O_RDONLY | O_CLOEXEC));
	ASSERT_TRUE(mod) << ko;
	ASSERT_EQ(syscall(SYS_finit_module, mod.get(), "", 0), 0) << strerror(errno);
	for (const auto &bdf : edus)
		EXPECT_TRUE(bind_producer(bdf));
	dev = open_dev(bdf_);
	EXPECT_EQ(assign(dev.get(), efd).ret, 0);
}
