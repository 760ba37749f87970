// SPDX-License-Identifier: GPL-2.0-only
// A live stream of irqbypass events: loads irqbypass_trace.bpf.c, attaches
// it to the irqbypass tracepoints (and to kvm:kvm_msi_set_irq and
// kvm_consumer:kc_mode when those modules are loaded) and collects what its
// ring buffer delivers, so that tests can wait for an event or for the
// absence of one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "irqbypass_trace.h"

struct irqbypass_trace;
struct ring_buffer;

namespace irqbypass {

using Event = ibe_event;
using Pred = std::function<bool(const Event &)>;
using Clock = std::chrono::steady_clock;

const char *kind_name(unsigned int kind);
std::string describe(const Event &e);

class TraceSession {
public:
	// Throws std::runtime_error with the reason if the BPF side fails.
	TraceSession();
	~TraceSession();
	TraceSession(const TraceSession &) = delete;
	TraceSession &operator=(const TraceSession &) = delete;

	// The first event since the last mark() matching @pred, waiting for
	// it up to @timeout.
	std::optional<Event> wait_for(const Pred &pred, std::chrono::milliseconds timeout);
	// As wait_for(), but never returns the same event twice: for reading
	// a sequence of similar events one by one.
	std::optional<Event> take(const Pred &pred, std::chrono::milliseconds timeout);
	// True if no event matching @pred arrives within @window.
	bool none_within(const Pred &pred, std::chrono::milliseconds window);
	// Every event since the last mark() matching @pred, after waiting
	// @settle for stragglers.
	std::vector<Event> collect(const Pred &pred, std::chrono::milliseconds settle);
	// Later waits only see events from now on.
	void mark();
	// Called from the polling thread for every event, if set.
	void on_event(std::function<void(const Event &)> fn);
	bool kvm_attached() const { return kvm_attached_; }
	bool kc_attached() const { return kc_attached_; }

private:
	void poll_loop();
	std::optional<Event> find(const Pred &pred, std::chrono::milliseconds timeout, bool take);
	static int handle(void *ctx, void *data, size_t size);

	irqbypass_trace *skel_ = nullptr;
	::ring_buffer *rb_ = nullptr;
	bool kvm_attached_ = false;
	bool kc_attached_ = false;
	std::mutex mu_;
	std::condition_variable cv_;
	std::vector<Event> events_;
	std::vector<bool> taken_; /* by take(), parallel to events_ */
	size_t mark_ = 0;
	std::function<void(const Event &)> on_event_;
	bool stop_ = false;
	std::thread poller_;
};

// Predicates for the common cases.
Pred kind_is(unsigned int kind);
Pred kind_token(unsigned int kind, std::uint64_t token);
Pred kind_pid(unsigned int kind, unsigned int pid);

} // namespace irqbypass
