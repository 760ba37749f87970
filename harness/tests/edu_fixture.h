// SPDX-License-Identifier: GPL-2.0
// The fixture of the test-host suites: the edu devices bound to vfio-pci,
// one trace session for the suite, and a manager left empty by each test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "trace_session.h"

namespace irqbypass {

constexpr auto kWait = std::chrono::seconds(10);
constexpr auto kSettle = std::chrono::milliseconds(500);

class EduTest : public ::testing::Test {
protected:
	static void SetUpTestSuite();
	static void TearDownTestSuite();
	void SetUp() override;
	void TearDown() override;

	static TraceSession *trace;
	static std::vector<std::string> edus;
};

// The manager's debugfs lists no producer, consumer or pair (waiting for
// asynchronous teardowns up to kWait).
void expect_manager_empty();

} // namespace irqbypass
