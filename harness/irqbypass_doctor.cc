// SPDX-License-Identifier: GPL-2.0-only
// irqbypass-doctor: does each vector of a passed-through device bypass the
// host, and if not, why? Reads the host's interrupt remapping, KVM's
// parameters and this manager's debugfs view; no tracing needed but to
// follow changes (--watch). Documentation/troubleshooting.md
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <getopt.h>
#include <stdexcept>
#include <unistd.h>

#include "doctor.h"
#include "trace_instance.h"

using namespace irqbypass::doctor;
using irqbypass::TraceInstance;

static volatile sig_atomic_t stop;

static void on_signal(int)
{
	stop = 1;
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--json] [--watch [--duration SECONDS]]\n"
		"\n"
		"Says, for each vector of each device registered with the IRQ bypass\n"
		"manager, whether its interrupt bypasses the host, and if not, why and\n"
		"what to do. The host's checks (interrupt remapping, its posting\n"
		"capability, the kernel command line, KVM's and VFIO's parameters) are\n"
		"made with any manager; per-vector answers need this project's manager.\n"
		"Needs root: the manager's debugfs view is root-only.\n"
		"\n"
		"  -j, --json            one JSON object instead of text\n"
		"  -w, --watch           then follow: each event of the manager, and\n"
		"                        KVM's kvm_pi_irte_update where the kernel has\n"
		"                        it, with the vectors whose verdict it changed\n"
		"                        (with --json: a JSON object a line); until\n"
		"                        interrupted. Needs tracefs and this manager.\n"
		"  -d, --duration SECS   stop watching after SECS seconds\n"
		"  -h, --help            this text\n",
		prog);
}

// Follows the manager's events in a tracefs instance of our own, and
// says after each batch which vectors' verdicts changed.
static int watch(Report report, bool json, long duration)
{
	using clock = std::chrono::steady_clock;
	const auto end = clock::now() + std::chrono::seconds(duration);
	TraceInstance trace("irqbypass-doctor-" + std::to_string(getpid()));
	struct sigaction sa = {};

	if (!trace.enable("irqbypass"))
		throw std::runtime_error("cannot enable the manager's events in " + trace.path());
	bool pi = trace.enable("kvm/kvm_pi_irte_update");
	/* No SA_RESTART: a signal ends the wait for records. */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	if (!json)
		printf("watching: the manager's events%s; Ctrl-C stops\n",
		       pi ? " and KVM's kvm_pi_irte_update" : "");
	fflush(stdout);
	while (!stop && (duration < 0 || clock::now() < end)) {
		std::vector<std::string> records = trace.read(500);

		if (records.empty())
			continue;
		for (std::string r : records) {
			r.erase(0, r.find_first_not_of(' '));
			fputs(json ? event_json(r).c_str() : ("event: " + r + "\n").c_str(),
			      stdout);
		}
		Report now = diagnose(read_host());
		for (const Change &ch : changes(report, now))
			fputs(json ? change_json(ch).c_str() : change_text(ch).c_str(), stdout);
		report = now;
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, nullptr, 'j' },
		{ "watch", no_argument, nullptr, 'w' },
		{ "duration", required_argument, nullptr, 'd' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	bool json = false, follow = false;
	long duration = -1;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "jwd:h", opts, nullptr)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'w': follow = true; break;
		case 'd':
			duration = strtol(optarg, &end, 10);
			if (!*optarg || *end || duration < 0 || duration > INT_MAX) {
				fprintf(stderr, "%s: --duration wants seconds, not '%s'\n", argv[0],
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc || (duration >= 0 && !follow)) {
		if (optind == argc)
			fprintf(stderr, "%s: --duration goes with --watch\n", argv[0]);
		else
			fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: needs root: the manager's debugfs view is root-only\n",
			argv[0]);
		return 1;
	}

	try {
		HostFacts facts = read_host();
		Report report = diagnose(facts);

		fputs(json ? to_json(report).c_str() : to_text(report).c_str(), stdout);
		/* Ours, but unreadable: said in the report, and a failure. */
		if (facts.manager == "ours" && !facts.debugfs)
			return 1;
		if (!follow)
			return 0;
		if (facts.manager != "ours") {
			fprintf(stderr, "%s: --watch follows this project's manager's events\n",
				argv[0]);
			return 1;
		}
		fflush(stdout);
		return watch(report, json, duration);
	} catch (const std::exception &ex) {
		fprintf(stderr, "%s: %s\n", argv[0], ex.what());
		return 1;
	}
}
