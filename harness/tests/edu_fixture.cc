// SPDX-License-Identifier: GPL-2.0
#include "edu_fixture.h"

#include <thread>

#include "testbed.h"
#include "vmm.h"

namespace irqbypass {

TraceSession *EduTest::trace;
std::vector<std::string> EduTest::edus;

void EduTest::SetUpTestSuite()
{
	edus = edu_devices();
	for (const auto &bdf : edus)
		bind_vfio_pci(bdf);
	trace = new TraceSession();
}

void EduTest::TearDownTestSuite()
{
	delete trace;
	trace = nullptr;
}

void EduTest::SetUp()
{
	ASSERT_FALSE(edus.empty()) << "no edu device (1234:11e8) on this host";
	trace->mark();
}

void EduTest::TearDown()
{
	expect_manager_empty();
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

} // namespace irqbypass
