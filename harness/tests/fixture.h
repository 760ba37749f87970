// SPDX-License-Identifier: GPL-2.0-only
// What every test-host suite shares: one trace session per suite, a
// manager left empty by each test, and the records and checks of a pairing
// read from the traced events; then the devices they run on: the edu
// devices bound to a driver, or the interrupt controller model's GIC
// device bound to vfio-platform-producer.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <irqbypass/tracepoints.h>

#include "bus.h"
#include "edu.h"
#include "fd.h"
#include "host_irq.h"
#include "irqchip_model.h"
#include "kc_vm.h"
#include "kvm_vm.h"
#include "pci.h"
#include "sysfs.h"
#include "trace_session.h"
#include "vfio.h"
#include "vfio_pci_producer.h"
#include "vfio_platform_producer.h"

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

// Polls @cond until it holds, up to @timeout; whether it did.
bool eventually(const std::function<bool()> &cond, std::chrono::milliseconds timeout = kWait);

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

// Registrations a producer's device had refused since it was bound: its
// irq_bypass_failures attribute under sysfs directory @dir, -1 if absent.
int bypass_failures(const std::string &dir);

// Binds @bdf to vfio_pci_producer the documented way; true if it bound.
bool bind_producer(const std::string &bdf);
// Binds platform device @name to vfio_platform_producer the documented
// way; true if it bound.
bool bind_platform_producer(const std::string &name);

// The manager's debugfs lists no producer, consumer or pair (waiting for
// asynchronous teardowns up to kWait).
void expect_manager_empty();

// One trace session per suite; each test starts at a mark of it and leaves
// the manager empty.
class TracedTest : public ::testing::Test {
protected:
	static void TearDownTestSuite();
	void SetUp() override;
	void TearDown() override;

	// Starts the suite's trace session.
	static void start_trace();

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

	static TraceSession *trace;
};

// The edu devices bound to vfio-pci.
class EduTest : public TracedTest {
protected:
	static void SetUpTestSuite() { set_up_suite(bind_vfio_pci); }
	void SetUp() override;

	// Binds every edu device with @bind and starts the trace session.
	static void set_up_suite(void (*bind)(const std::string &bdf));

	// MSI vector 0 of @dev and an irqfd of @vm on GSI kGsi both take
	// eventfd @fd; returns the connect event, checked against the
	// producer's registration and the vector's host irq.
	Event connect(IrqDevice &dev, IrqfdVm &vm, int fd);

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

// The lines of the model's GIC device, kModelGic, as the VFIO irq indexes
// of vfio-platform-producer (Documentation/irqchip-model.md).
constexpr std::uint32_t kLevelLine = 0; /* and 1 */
constexpr std::uint32_t kEdgeLine = 2;	/* and 3 */
constexpr std::uint32_t kModelLines = 4;

// The model's GIC device bound afresh to vfio_platform_producer, so that
// the producer's counters start at zero, and the model's counters of its
// lines zeroed; each test leaves no line with a trigger, an unmask eventfd
// or a host mask, and every line of the model idle.
class PlatformProducerTest : public TracedTest {
protected:
	static void SetUpTestSuite() { start_trace(); }
	void SetUp() override;
	void TearDown() override;

	// Opens the device's char device (a failure if it cannot).
	Fd open_dev();
	// Assigns trigger eventfd @efd to line @index of char device @dev: its
	// producer's registration.
	Registration assign(int dev, std::uint32_t index, const Fd &efd);
	// The producer's view of line @index.
	PlatformProducerLine producer_line(std::uint32_t index);
	// Stops bursts, deasserts level lines and delivers the edges the model
	// latched while nobody had their line requested: a test that raises
	// interrupts across an unbind or a close calls it afterwards.
	void settle_model();

	const std::string dev_ = kModelGic;
	const IrqchipModel model_{ kModelGic };
	std::vector<int> irqs_; /* each line's irq */
};

} // namespace irqbypass
