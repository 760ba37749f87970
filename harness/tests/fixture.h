// SPDX-License-Identifier: GPL-2.0
// What every test-host suite shares: the edu devices bound to a driver,
// one trace session per suite, a manager left empty by each test, and the
// records and checks of a pairing read from the traced events.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include <irqbypass/tracepoints.h>

#include "edu.h"
#include "fd.h"
#include "host_irq.h"
#include "kc_vm.h"
#include "kvm_vm.h"
#include "pci.h"
#include "sysfs.h"
#include "trace_session.h"
#include "vfio.h"

namespace irqbypass {

constexpr auto kWait = std::chrono::seconds(10);	 /* for an event that must come */
constexpr auto kSettle = std::chrono::milliseconds(500); /* for stragglers */
constexpr auto kQuiet = std::chrono::milliseconds(300);	 /* for an event that must not */

// The route the suites program: GSI kGsi to APIC 0, vector kVector.
constexpr unsigned int kGsi = 40;
constexpr unsigned int kVector = 0x31;

// The VFIO interrupt indexes the suites use (<linux/vfio.h>).
constexpr std::uint32_t kMsi = VFIO_PCI_MSI_IRQ_INDEX;
constexpr std::uint32_t kMsix = VFIO_PCI_MSIX_IRQ_INDEX;

// What one side's registration or unregistration said, from its event.
struct Registration {
	std::uint64_t token = 0;
	std::uint64_t object = 0; /* the producer or the consumer */
	int irq = -1;
	int ret = 1;
	int gsi = -1;
};

// Events of process @tgid.
Pred from_pid(unsigned int tgid);
// Events of this process.
Pred from_us();

// A parameter that names its test case: INSTANTIATE_TEST_SUITE_P(...,
// ::testing::ValuesIn(array of Named<E>), param_name<E>).
template <typename E>
struct Named {
	E value;
	const char *name;
};

template <typename E>
std::string param_name(const ::testing::TestParamInfo<Named<E>> &info)
{
	return info.param.name;
}

template <typename E>
void PrintTo(const Named<E> &n, std::ostream *os)
{
	*os << n.name;
}

// Binds @bdf to vfio_pci_producer the documented way; true if it bound.
bool bind_producer(const std::string &bdf);

// The manager's debugfs lists no producer, consumer or pair (waiting for
// asynchronous teardowns up to kWait).
void expect_manager_empty();

// The edu devices bound to vfio-pci.
class EduTest : public ::testing::Test {
protected:
	static void SetUpTestSuite() { set_up_suite(bind_vfio_pci); }
	static void TearDownTestSuite();
	void SetUp() override;
	void TearDown() override;

	// Binds every edu device with @bind and starts the trace session.
	static void set_up_suite(void (*bind)(const std::string &bdf));

	// The next event of @kind matching @pred, one not taken before.
	std::optional<Event> next_event(unsigned int kind, const Pred &pred = nullptr);
	// The next (un)registration of @kind matching @pred, not taken before.
	Registration next_registration(unsigned int kind, const Pred &pred = nullptr);
	// Events of @kind on @token since the test's mark, after kSettle.
	size_t count(unsigned int kind, std::uint64_t token);
	// No producer or consumer came or went, nor paired, within @window.
	bool no_member_events(std::chrono::milliseconds window);
	// @p and @c, registered on one token, connected on GSI kGsi.
	void expect_connected(const Registration &p, const Registration &c);
	// MSI vector 0 of @dev and an irqfd of @vm on GSI kGsi both take
	// eventfd @fd; returns the connect event, checked against the
	// producer's registration and the vector's host irq.
	Event connect(IrqDevice &dev, IrqfdVm &vm, int fd);

	static TraceSession *trace;
	static std::vector<std::string> edus;
};

// The edu devices bound to vfio_pci_producer; each test leaves no vector
// allocated.
class ProducerTest : public EduTest {
protected:
	static void SetUpTestSuite()
	{
		set_up_suite([](const std::string &bdf) { bind_producer(bdf); });
	}
	void SetUp() override;
	void TearDown() override;

	// Opens @bdf's char device (a failure if it cannot).
	Fd open_dev(const std::string &bdf);
	// Assigns eventfd @efd to MSI vector 0 of char device @dev: its
	// producer's registration.
	Registration assign(int dev, const Fd &efd);

	std::string bdf_; /* edus[0] */
};

} // namespace irqbypass
