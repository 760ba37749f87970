// SPDX-License-Identifier: GPL-2.0-only
// vfio_platform_producer.ko going away under its users: unbinding with the
// char device open, unbinding while other threads issue ioctls, raise
// interrupts and read debugfs, and unloading and reloading the module.
//
// Part of vfio_platform_producer_test, run as root in the test host with
// irqbypass.ko, irqchip_model.ko and vfio_platform_producer.ko loaded (see
// selftests/testhost/participant-tests.sh).
// VPLP_MODULE=<path of vfio_platform_producer.ko> enables the
// unload/reload test.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <stdexcept>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include "fixture.h"

using namespace irqbypass;
using namespace std::chrono_literals;

using PlatformProducer = PlatformProducerTest;

// Unbinding releases every line at once; the open file goes dead.
TEST_F(PlatformProducer, UnbindReleasesLinesAtOnce)
{
	Fd dev = open_dev();
	Fd level = make_eventfd(), edge = make_eventfd(), unmask = make_eventfd();
	struct vfio_irq_info info;
	struct vfio_device_info dinfo;

	Registration pl = assign(dev.get(), kLevelLine, level);
	Registration pe = assign(dev.get(), kEdgeLine, edge);
	ASSERT_EQ(vfio_set_unmask_eventfd(dev.get(), kLevelLine, unmask.get()), 0);
	ASSERT_EQ(platform_bus().unbind(dev_, kPlatformProducerDriver), 0);
	for (int i = 0; i < 2; i++) {
		auto u = next_event(IBE_UNREGISTER_PRODUCER, from_us());
		ASSERT_TRUE(u) << "unbinding unregisters both producers";
		EXPECT_TRUE(u->producer == pl.object || u->producer == pe.object);
	}
	expect_manager_empty();
	for (std::uint32_t i = 0; i < kModelLines; i++)
		EXPECT_EQ(irq_name(irqs_[i]).find("vfio-platform-producer"), std::string::npos);

	EXPECT_EQ(vfio_set_eventfds(dev.get(), kEdgeLine, 0, { edge.get() }), ENODEV);
	EXPECT_EQ(vfio_trigger_none(dev.get(), kEdgeLine, 0, 1), ENODEV);
	EXPECT_EQ(vfio_unmask(dev.get(), kLevelLine), ENODEV);
	EXPECT_EQ(vfio_get_irq_info(dev.get(), kLevelLine, &info), ENODEV);
	EXPECT_EQ(vfio_get_device_info(dev.get(), &dinfo), ENODEV);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(edge.get()), 0u) << "the line is no longer requested";
	signal_eventfd(unmask.get());
	trace->mark();
	dev.reset();
	EXPECT_TRUE(no_member_events(kQuiet)) << "closing the dead file releases nothing more";

	ASSERT_TRUE(bind_platform_producer(dev_));
	settle_model(); /* the edge the model latched */
	for (const auto &l : model_.lines())
		EXPECT_TRUE(l.idle()) << "line " << l.line;
}

// Unbinding while other threads issue ioctls on an open file (even rounds)
// or open, use and close the char device (odd rounds), while the model
// raises interrupts on every line and debugfs is read: nothing breaks, a
// file open across the unbind goes dead, and everything is released.
TEST_F(PlatformProducer, UnbindRacesIoctls)
{
	for (int round = 0; round < 4; round++) {
		std::atomic<bool> stop{ false };
		std::atomic<int> enodev{ 0 }, unparsed{ 0 };
		Fd dev;
		Fd efds[2] = { make_eventfd(), make_eventfd() };
		Fd ufd = make_eventfd();
		std::vector<std::thread> threads;
		auto hammer = [&](int fd, int efd, std::uint32_t line) {
			struct vfio_irq_info info;
			std::uint64_t one = 1;

			vfio_set_eventfds(fd, line, 0, { efd });
			vfio_set_unmask_eventfd(fd, line, ufd.get());
			vfio_trigger_none(fd, line, 0, 1);
			vfio_mask(fd, line);
			vfio_unmask(fd, line);
			if (write(ufd.get(), &one, sizeof(one)) != sizeof(one))
				return;
			vfio_set_unmask_eventfd(fd, line, -1);
			vfio_get_irq_info(fd, line, &info);
			if (vfio_disable(fd, line) == ENODEV)
				enodev++;
		};

		if (round % 2 == 0)
			dev = open_dev();
		for (unsigned int t = 0; t < 2; t++) {
			threads.emplace_back([&, t] {
				std::mt19937 rng(round * 2 + t);

				while (!stop) {
					if (dev) {
						hammer(dev.get(), efds[t].get(),
						       rng() % kModelLines);
						continue;
					}
					Fd f(open(platform_producer_char_dev(dev_).c_str(),
						  O_RDWR | O_CLOEXEC));

					for (int i = 0; f && i < 20; i++)
						hammer(f.get(), efds[t].get(), rng() % kModelLines);
				}
			});
		}
		threads.emplace_back([&] {
			for (unsigned int i = 0; !stop; i++)
				model_.ctl("pulse " + std::to_string(i % kModelLines));
		});
		threads.emplace_back([&] {
			while (!stop) {
				try {
					platform_producer_lines(dev_);
				} catch (const std::runtime_error &) {
					unparsed++;
				}
			}
		});
		std::this_thread::sleep_for(std::chrono::milliseconds(100 + 50 * round));
		int unbound = platform_bus().unbind(dev_, kPlatformProducerDriver);
		std::this_thread::sleep_for(100ms);
		stop = true;
		for (auto &t : threads)
			t.join();
		ASSERT_EQ(unbound, 0);
		EXPECT_EQ(unparsed.load(), 0) << "debugfs read whole lines";
		if (dev) {
			EXPECT_GT(enodev.load(), 0) << "the open file went dead";
		}
		dev.reset();
		expect_manager_empty();
		ASSERT_TRUE(bind_platform_producer(dev_));
		settle_model();
		for (const auto &l : model_.lines())
			EXPECT_TRUE(l.idle()) << "round " << round << " line " << l.line;
	}
}

// Loading the module again: it cannot go while a file is open, and once it
// goes every device is unbound and every producer gone; loaded again, it
// binds the devices whose driver_override names it.
TEST_F(PlatformProducer, ModuleUnloadAndReload)
{
	const char *ko = getenv("VPLP_MODULE");

	if (!ko)
		GTEST_SKIP() << "set VPLP_MODULE to the path of vfio_platform_producer.ko";
	const std::vector<std::string> names = { kModelGic, kModelPosting };
	ASSERT_TRUE(bind_platform_producer(kModelPosting));
	Fd dev = open_dev();
	Fd efd = make_eventfd();
	assign(dev.get(), kEdgeLine, efd);

	EXPECT_NE(syscall(SYS_delete_module, kPlatformProducerDriver, O_NONBLOCK), 0) << "in use";
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) << strerror(errno);
	dev.reset();
	next_registration(IBE_UNREGISTER_PRODUCER, from_us());
	ASSERT_EQ(syscall(SYS_delete_module, kPlatformProducerDriver, O_NONBLOCK), 0)
		<< strerror(errno);
	for (const auto &name : names) {
		EXPECT_EQ(platform_bus().driver_of(name), "");
		EXPECT_NE(access(platform_producer_char_dev(name).c_str(), F_OK), 0);
	}
	EXPECT_NE(access("/sys/kernel/debug/vfio-platform-producer", F_OK), 0);

	Fd mod(open(ko, O_RDONLY | O_CLOEXEC));
	ASSERT_TRUE(mod) << ko;
	ASSERT_EQ(syscall(SYS_finit_module, mod.get(), "", 0), 0) << strerror(errno);
	for (const auto &name : names)
		EXPECT_EQ(platform_bus().driver_of(name), kPlatformProducerDriver)
			<< name << ": bound again through its driver_override";
	EXPECT_EQ(platform_bus().unbind(kModelPosting, kPlatformProducerDriver), 0);
	EXPECT_EQ(platform_bus().set_override(kModelPosting, ""), 0);

	ASSERT_TRUE(bind_platform_producer(dev_));
	dev = open_dev();
	EXPECT_EQ(assign(dev.get(), kEdgeLine, efd).ret, 0);
	model_.pulse(kEdgeLine);
	EXPECT_EQ(drain_eventfd(efd.get()), 1u);
}
