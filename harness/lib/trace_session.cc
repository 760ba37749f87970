// SPDX-License-Identifier: GPL-2.0-only
#include "trace_session.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

#include "irqbypass_trace.skel.h"

namespace irqbypass {

const char *kind_name(unsigned int kind)
{
	switch (kind) {
	case IBE_REGISTER_PRODUCER: return "register_producer";
	case IBE_UNREGISTER_PRODUCER: return "unregister_producer";
	case IBE_REGISTER_CONSUMER: return "register_consumer";
	case IBE_UNREGISTER_CONSUMER: return "unregister_consumer";
	case IBE_CONNECT: return "connect";
	case IBE_CONNECT_FAIL: return "connect_fail";
	case IBE_DISCONNECT: return "disconnect";
	case IBE_KVM_MSI: return "kvm_msi";
	case IBE_KC_MODE: return "kc_mode";
	case IBE_REFUSED: return "refused";
	}
	return "?";
}

std::string describe(const Event &e)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "%s token=%#llx producer=%#llx consumer=%#llx irq=%d ret=%d step=%u side=%u "
		 "gsi=%d pid=%u(%.16s)",
		 kind_name(e.kind), (unsigned long long)e.token, (unsigned long long)e.producer,
		 (unsigned long long)e.consumer, e.irq, e.ret, e.step, e.side, e.gsi, e.tgid,
		 e.comm);
	return buf;
}

// kvm_arch_irq_bypass_add_producer, to recognize KVM irqfd consumers.
static std::uint64_t kvm_add_producer_address()
{
	std::ifstream in("/proc/kallsyms");
	std::string line;

	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string addr, type, name;

		fields >> addr >> type >> name;
		if (name == "kvm_arch_irq_bypass_add_producer")
			return std::stoull(addr, nullptr, 16);
	}
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

TraceSession::TraceSession()
{
	int err;

	if (!exists("/sys/kernel/tracing/events/irqbypass"))
		throw std::runtime_error("no irqbypass tracepoints: is our irqbypass.ko loaded?");

	skel_ = irqbypass_trace__open();
	if (!skel_)
		throw std::runtime_error(std::string("open BPF skeleton: ") + strerror(errno));
	skel_->rodata->kvm_add_producer = kvm_add_producer_address();
	kvm_attached_ = exists("/sys/kernel/tracing/events/kvm/kvm_msi_set_irq");
	if (!kvm_attached_)
		bpf_program__set_autoload(skel_->progs.kvm_msi, false);
	kc_attached_ = exists("/sys/kernel/tracing/events/kvm_consumer/kc_mode");
	if (!kc_attached_)
		bpf_program__set_autoload(skel_->progs.kc_mode, false);

	err = irqbypass_trace__load(skel_);
	if (!err)
		err = irqbypass_trace__attach(skel_);
	if (err) {
		irqbypass_trace__destroy(skel_);
		throw std::runtime_error(std::string("load/attach BPF: ") + strerror(-err));
	}

	rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), handle, this, nullptr);
	if (!rb_) {
		irqbypass_trace__destroy(skel_);
		throw std::runtime_error("ring buffer");
	}
	poller_ = std::thread([this] { poll_loop(); });
}

TraceSession::~TraceSession()
{
	{
		std::lock_guard<std::mutex> lock(mu_);
		stop_ = true;
	}
	poller_.join();
	ring_buffer__free(rb_);
	irqbypass_trace__destroy(skel_);
}

int TraceSession::handle(void *ctx, void *data, size_t size)
{
	auto *self = static_cast<TraceSession *>(ctx);
	Event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	{
		std::lock_guard<std::mutex> lock(self->mu_);
		self->events_.push_back(e);
		self->taken_.push_back(false);
		if (self->on_event_)
			self->on_event_(e);
	}
	self->cv_.notify_all();
	return 0;
}

void TraceSession::poll_loop()
{
	for (;;) {
		{
			std::lock_guard<std::mutex> lock(mu_);
			if (stop_)
				break;
		}
		ring_buffer__poll(rb_, 50);
	}
	ring_buffer__consume(rb_);
}

void TraceSession::on_event(std::function<void(const Event &)> fn)
{
	std::lock_guard<std::mutex> lock(mu_);
	on_event_ = std::move(fn);
}

void TraceSession::mark()
{
	// Let events already in the ring buffer arrive before the mark.
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	std::lock_guard<std::mutex> lock(mu_);
	mark_ = events_.size();
}

std::optional<Event> TraceSession::find(const Pred &pred, std::chrono::milliseconds timeout,
					bool take)
{
	std::unique_lock<std::mutex> lock(mu_);
	auto deadline = Clock::now() + timeout;
	size_t seen = mark_;

	for (;;) {
		for (; seen < events_.size(); seen++) {
			if ((take && taken_[seen]) || !pred(events_[seen]))
				continue;
			if (take)
				taken_[seen] = true;
			return events_[seen];
		}
		if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
		    seen == events_.size())
			return std::nullopt;
	}
}

std::optional<Event> TraceSession::wait_for(const Pred &pred, std::chrono::milliseconds timeout)
{
	return find(pred, timeout, false);
}

std::optional<Event> TraceSession::take(const Pred &pred, std::chrono::milliseconds timeout)
{
	return find(pred, timeout, true);
}

bool TraceSession::none_within(const Pred &pred, std::chrono::milliseconds window)
{
	return !wait_for(pred, window).has_value();
}

std::vector<Event> TraceSession::collect(const Pred &pred, std::chrono::milliseconds settle)
{
	std::vector<Event> out;

	std::this_thread::sleep_for(settle);
	std::lock_guard<std::mutex> lock(mu_);
	for (size_t i = mark_; i < events_.size(); i++)
		if (pred(events_[i]))
			out.push_back(events_[i]);
	return out;
}

Pred kind_is(unsigned int kind)
{
	return [kind](const Event &e) { return e.kind == kind; };
}

Pred kind_token(unsigned int kind, std::uint64_t token)
{
	return [kind, token](const Event &e) { return e.kind == kind && e.token == token; };
}

Pred kind_pid(unsigned int kind, unsigned int pid)
{
	return [kind, pid](const Event &e) { return e.kind == kind && e.pid == pid; };
}

} // namespace irqbypass
