// SPDX-License-Identifier: GPL-2.0-only
// irqbypass-trace: a live view of what the IRQ bypass manager does, from
// its tracepoints: which device vector (producer) pairs with which VM's
// irqfd (consumer), when pairs connect and disconnect, why a connect or a
// registration failed, and the MSIs KVM injects.
//
// Options: irqbypass-trace --help. Output: Documentation/tracing.md.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>

#include <irqbypass/kvm_consumer.h>
#include <irqbypass/tracepoints.h>

#include "host_irq.h"
#include "kc_vm.h"
#include "trace_session.h"

using namespace irqbypass;

namespace {

std::atomic<bool> stop{ false };

void on_signal(int)
{
	stop = true;
}

// "vfio-msi[0](0000:00:03.0)" -> "0000:00:03.0 vector 0 (irq 24, vfio-msi)".
std::string producer_name(int irq)
{
	std::string name = irq_name(irq);
	size_t lb = name.find('['), rb = name.find(']'), lp = name.find('(');
	char buf[160];

	if (name.empty())
		snprintf(buf, sizeof(buf), "irq %d", irq);
	else if (lb == std::string::npos || rb == std::string::npos || lp == std::string::npos)
		snprintf(buf, sizeof(buf), "irq %d (%s)", irq, name.c_str());
	else
		snprintf(buf, sizeof(buf), "%s vector %s (irq %d, %s)",
			 name.substr(lp + 1, name.size() - lp - 2).c_str(),
			 name.substr(lb + 1, rb - lb - 1).c_str(), irq, name.substr(0, lb).c_str());
	return buf;
}

std::string consumer_name(const Event &e)
{
	char buf[96];

	if (e.gsi >= 0)
		snprintf(buf, sizeof(buf), "VM %#llx of pid %u (%.16s) GSI %d",
			 (unsigned long long)e.kvm & 0xffffff, e.tgid, e.comm, e.gsi);
	else
		snprintf(buf, sizeof(buf), "consumer %#llx of pid %u (%.16s)",
			 (unsigned long long)e.consumer & 0xffffff, e.tgid, e.comm);
	return buf;
}

const char *step_name(unsigned int step)
{
	switch (step) {
	case IRQBYPASS_STEP_ADD_CONSUMER: return "the producer's add_consumer";
	case IRQBYPASS_STEP_ADD_PRODUCER: return "the consumer's add_producer";
	}
	return "?";
}

class View {
public:
	void print(const Event &e)
	{
		if (!t0_)
			t0_ = e.ts_ns;
		double t = (e.ts_ns - t0_) / 1e9;

		switch (e.kind) {
		case IBE_REGISTER_PRODUCER:
			if (e.ret == 0)
				producers_[e.token] = producer_name(e.irq);
			line(t, "producer +", producer_name(e.irq), e);
			break;
		case IBE_UNREGISTER_PRODUCER:
			if (e.ret == 0)
				line(t, "producer -",
				     name_of(producers_, e.token, producer_name(e.irq)), e);
			producers_.erase(e.ret == 0 ? e.token : 0);
			break;
		case IBE_REGISTER_CONSUMER:
			if (e.ret == 0)
				consumers_[e.token] = consumer_name(e);
			line(t, "consumer +", consumer_name(e), e);
			break;
		case IBE_UNREGISTER_CONSUMER:
			if (e.ret == 0)
				line(t, "consumer -",
				     name_of(consumers_, e.token, consumer_name(e)), e);
			consumers_.erase(e.ret == 0 ? e.token : 0);
			break;
		case IBE_CONNECT:
			if (e.ret == 0) {
				connects_++;
				printf("%9.3fs  CONNECTED     %s  ==>  %s\n", t,
				       name_of(producers_, e.token, producer_name(e.irq)).c_str(),
				       consumer_name(e).c_str());
			}
			break;
		case IBE_CONNECT_FAIL:
			failures_++;
			printf("%9.3fs  CONNECT FAILED %s  =/=>  %s: %s returned %s\n", t,
			       producer_name(e.irq).c_str(), consumer_name(e).c_str(),
			       step_name(e.step), strerror(-e.ret));
			break;
		case IBE_DISCONNECT:
			disconnects_++;
			printf("%9.3fs  DISCONNECTED  %s  =/=  %s (the %s unregistered)\n", t,
			       name_of(producers_, e.token, producer_name(e.irq)).c_str(),
			       name_of(consumers_, e.token, consumer_name(e)).c_str(),
			       e.side == IRQBYPASS_SIDE_PRODUCER ? "producer" : "consumer");
			break;
		case IBE_KC_MODE:
			printf("%9.3fs  MODE          kvm-consumer GSI %d (irq %d, vCPU %u, vector "
			       "%#x): %s%s%s\n",
			       t, e.gsi, e.irq, e.vcpu, e.vector, kc_mode_name(e.mode),
			       e.mode == KC_MODE_REMAPPED ? ", " : "",
			       e.mode == KC_MODE_REMAPPED ? kc_reason_name(e.reason) : "");
			break;
		case IBE_REFUSED:
			/* Said with the registration it refused, which follows. */
			held_by_[e.side == IRQBYPASS_SIDE_PRODUCER ? e.producer : e.consumer] =
				holder_name(e);
			break;
		case IBE_KVM_MSI:
			msis_++;
			/*
			 * No pid: injections run in whatever context the irq hit.
			 * The address's destination (bits 19:12) is an APIC id in
			 * physical mode, a mask of logical APIC ids when its
			 * destination-mode bit (2) is set, as Linux's flat mode
			 * (up to 8 CPUs) sets it.
			 */
			if (e.msi_addr & (1 << 2))
				printf("%9.3fs  MSI injected  vector %#llx -> logical APICs "
				       "%#llx\n",
				       t, (unsigned long long)(e.msi_data & 0xff),
				       (unsigned long long)((e.msi_addr >> 12) & 0xff));
			else
				printf("%9.3fs  MSI injected  vector %#llx -> APIC %llu\n", t,
				       (unsigned long long)(e.msi_data & 0xff),
				       (unsigned long long)((e.msi_addr >> 12) & 0xff));
			break;
		}
		fflush(stdout);
	}

	void summary() const
	{
		printf("irqbypass-trace: %u connected, %u disconnected, %u failed connects, "
		       "%u MSIs injected\n",
		       connects_, disconnects_, failures_, msis_);
	}

private:
	static std::string name_of(const std::map<std::uint64_t, std::string> &m,
				   std::uint64_t token, const std::string &fallback)
	{
		auto it = m.find(token);

		return it == m.end() ? fallback : it->second;
	}

	static std::string holder_name(const Event &e)
	{
		char buf[128];

		snprintf(buf, sizeof(buf), "%s %#llx of pid %d (%.16s)",
			 e.side == IRQBYPASS_SIDE_PRODUCER ? "producer" : "consumer",
			 (unsigned long long)e.holder, e.holder_pid, e.holder_comm);
		return buf;
	}

	void line(double t, const char *what, const std::string &who, const Event &e)
	{
		std::uint64_t object = e.kind == IBE_REGISTER_PRODUCER ? e.producer : e.consumer;
		auto held = held_by_.find(object);

		if (e.ret == 0) {
			printf("%9.3fs  %-12s  %s\n", t, what, who.c_str());
		} else if (e.ret == -EBUSY && held != held_by_.end()) {
			printf("%9.3fs  %-12s  %s: REFUSED, its eventfd is held by the %s "
			       "(EBUSY)\n",
			       t, what, who.c_str(), held->second.c_str());
		} else {
			printf("%9.3fs  %-12s  %s: REFUSED, %s\n", t, what, who.c_str(),
			       e.ret == -EBUSY	  ? "the object is already registered (EBUSY)"
			       : e.ret == -ENOENT ? "was not registered"
						  : strerror(-e.ret));
		}
		held_by_.erase(object);
	}

	std::uint64_t t0_ = 0;
	std::map<std::uint64_t, std::string> producers_, consumers_;
	std::map<std::uint64_t, std::string> held_by_; /* object refused -> its holder */
	unsigned int connects_ = 0, disconnects_ = 0, failures_ = 0, msis_ = 0;
};

} // namespace

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--duration SECONDS]\n"
		"\n"
		"Shows live what the IRQ bypass manager does: producers and consumers\n"
		"registering, pairs connecting and disconnecting, refusals and failed\n"
		"connects with their reason, KVM's MSI injections and kvm-consumer's\n"
		"delivery modes. Needs root and this project's irqbypass.ko.\n"
		"\n"
		"  -d, --duration SECONDS  stop after SECONDS (default: until ^C)\n"
		"  -h, --help              this text\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "duration", required_argument, nullptr, 'd' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	double duration = 0;
	char *end;
	View view;
	int opt;

	while ((opt = getopt_long(argc, argv, "d:h", options, nullptr)) != -1) {
		switch (opt) {
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration < 0) {
				fprintf(stderr, "%s: bad duration '%s'\n", argv[0], optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	try {
		TraceSession trace;

		trace.on_event([&](const Event &e) { view.print(e); });
		printf("irqbypass-trace: watching the IRQ bypass manager%s; ^C to stop\n",
		       trace.kvm_attached() ? " and KVM's MSI injections" : "");
		printf("%10s  %-12s  %s\n", "TIME", "EVENT", "WHAT");
		fflush(stdout);
		auto end = Clock::now() + std::chrono::milliseconds((long)(duration * 1000));
		while (!stop && (duration <= 0 || Clock::now() < end))
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
	} catch (const std::exception &ex) {
		fprintf(stderr, "irqbypass-trace: %s\n", ex.what());
		return 1;
	}
	view.summary();
	return 0;
}
