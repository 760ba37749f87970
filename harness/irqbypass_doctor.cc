// SPDX-License-Identifier: GPL-2.0-only
// irqbypass-doctor: does each vector of a passed-through device bypass the
// host, and if not, why? Reads the host's interrupt remapping, KVM's
// parameters and this manager's debugfs view; no tracing needed.
// Documentation/troubleshooting.md
#include <cstdio>
#include <exception>
#include <getopt.h>
#include <unistd.h>

#include "doctor.h"

using namespace irqbypass::doctor;

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--json]\n"
		"\n"
		"Says, for each vector of each device registered with the IRQ bypass\n"
		"manager, whether its interrupt bypasses the host, and if not, why and\n"
		"what to do. The host's checks (interrupt remapping, its posting\n"
		"capability, the kernel command line, KVM's and VFIO's parameters) are\n"
		"made with any manager; per-vector answers need this project's manager.\n"
		"Needs root: the manager's debugfs view is root-only.\n"
		"\n"
		"  -j, --json   one JSON object instead of text\n"
		"  -h, --help   this text\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, nullptr, 'j' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "jh", opts, nullptr)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc) {
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
		return facts.manager == "ours" && !facts.debugfs ? 1 : 0;
	} catch (const std::exception &ex) {
		fprintf(stderr, "%s: %s\n", argv[0], ex.what());
		return 1;
	}
}
