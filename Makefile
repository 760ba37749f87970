# SPDX-License-Identifier: GPL-2.0-only
#
# The two commands users start with are `make demo` and `make check`;
# `make help` lists every target. KDIR (the kernel build tree) and BUILD
# (where everything generated goes, default build/) are found by
# selftests/lib.sh and may be set on the command line.

LIB := selftests/lib.sh
KDIR ?= $(shell $(LIB) kdir)
BUILD ?= $(CURDIR)/build
export BUILD
LINUX_SRC := $(shell BUILD=$(BUILD) $(LIB) linux_src)

# Kernel-side C: every component but the user-space harness.
KSOURCES = $(shell find irqbypass kvm-consumer vfio-pci-producer vfio-platform-producer selftests/irqchip-model selftests/bench include -name '*.[ch]' ! -name '*.mod.c' 2>/dev/null | sort)
# The harness, formatted by harness/.clang-format.
HSOURCES = $(shell find harness -name '*.cc' -o -name '*.h' -o -name '*.bpf.c' | sort)

# One build tree: its targets must not run at once (Kbuild itself still
# builds in parallel).
.NOTPARALLEL:

.PHONY: all modules kdir check-abi linux-source checkpatch sparse clang-format \
	style check-kunit harness selftests check-testhost shell check demo deps \
	bench help clean

all: modules ## the modules, built against KDIR, and their ABI check

modules: kdir ## build every module against KDIR, then check-abi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@$(MAKE) --no-print-directory check-abi

kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "No kernel build tree: install linux-headers-amd64 (make deps) or set KDIR" >&2; \
		exit 1; }

check-abi: kdir ## our four exports carry the stock module's CRCs (Documentation/manager.md)
	scripts/check-symvers.sh $(KDIR)/Module.symvers $(CURDIR)/Module.symvers

linux-source: ## unpack Debian's linux-source-6.1 under BUILD (checkpatch, UML, kselftest)
	$(LIB) unpack_linux_source

# --strict, less two checks that misfire on kernel idioms: MACRO_ARG_REUSE
# on struct field names, and the layout TRACE_EVENT() headers must have.
CHECKPATCH = perl $(LINUX_SRC)/scripts/checkpatch.pl --no-tree --strict \
	--show-types --ignore MACRO_ARG_REUSE
TRACE_HEADERS = $(filter %/trace.h,$(KSOURCES))

checkpatch: linux-source ## checkpatch --strict on the kernel C; any report fails
	$(CHECKPATCH) -f $(filter-out $(TRACE_HEADERS),$(KSOURCES))
	$(CHECKPATCH) --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE \
		-f $(TRACE_HEADERS)

# C=2 checks every file, rebuilt or not; any sparse report fails.
sparse: kdir ## sparse (C=2) on every module source; any report fails
	@mkdir -p $(BUILD)
	for m in $(CURDIR) $(CURDIR)/selftests/bench; do \
		$(MAKE) -C $(KDIR) M=$$m C=2 CF="-D__CHECK_ENDIAN__" modules || exit; \
	done > $(BUILD)/sparse.log 2>&1; st=$$?; cat $(BUILD)/sparse.log; exit $$st
	@! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(BUILD)/sparse.log

clang-format: ## the harness matches harness/.clang-format; any diff fails
	clang-format --dry-run --Werror $(HSOURCES)

style: clang-format checkpatch sparse ## every style check: clang-format, checkpatch, sparse

check-kunit: linux-source ## KUnit suites and kvm-consumer's selftest in UML (KASAN, lockdep)
	selftests/kunit/run.sh

harness: ## the C++/BPF harness: library, tools, GoogleTest suites, in BUILD/harness
	$(MAKE) -C harness OUT=$(BUILD)/harness

selftests: ## the kselftest-harness tests of the char devices, in BUILD/selftests
	$(LIB) compile_selftest selftests/kvm-consumer/kvm_consumer_test.c \
		$(BUILD)/selftests/kvm_consumer_test
	$(LIB) compile_selftest selftests/vfio-platform-producer/forwarding_test.c \
		$(BUILD)/selftests/forwarding_test
	$(LIB) compile_selftest selftests/kvm-consumer/posting_test.c \
		$(BUILD)/selftests/posting_test

TESTHOST = KDIR=$(KDIR) selftests/testhost/run.sh

check-testhost: modules harness selftests ## the harness suites in the qemu test host
	$(TESTHOST) -- selftests/testhost/stock-tests.sh
	$(TESTHOST) -- selftests/testhost/participant-tests.sh
	KDIR=$(KDIR) selftests/bench/run.sh smoke

bench: modules ## stock, our and the v6.17-design managers measured in the test host (Documentation/bench.md)
	KDIR=$(KDIR) selftests/bench/run.sh full

shell: modules harness ## a root shell in the test host, everything built loaded-ready
	$(TESTHOST) --shell

# deps first, in their own make: KDIR is only known once headers are installed.
check: deps ## every test: ABI, style, KUnit in UML, the test host suites
	$(MAKE) modules style check-kunit harness check-testhost

demo: deps ## the main job: stock VFIO and KVM paired through our manager, live
	$(MAKE) modules harness
	$(TESTHOST) --live -- selftests/testhost/demo.sh

deps: ## install the Debian packages the build and the tests need
	scripts/install-deps.sh

help: ## this list
	@echo "make [target] [KDIR=<kernel build tree>] [BUILD=<dir>]"
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  %-15s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

clean: ## remove what the build made, but the cached kernel source and UML kernel
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/bench clean
	$(MAKE) -C harness OUT=$(BUILD)/harness clean
	rm -rf $(BUILD)/uml-modules $(BUILD)/kunit $(BUILD)/testhost $(BUILD)/selftests $(BUILD)/bench
