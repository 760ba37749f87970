# SPDX-License-Identifier: GPL-2.0-only
#
# make demo       the main job: stock VFIO and KVM paired through our manager
#                 in the qemu test host, watched live with irqbypass-trace
# make check      every test suite: ABI, checkpatch, sparse, KUnit in UML,
#                 the harness against stock VFIO/KVM in the test host
# make            build every module against KDIR and check the manager's ABI
# make harness    build the C++/BPF harness and CLIs into build/harness
# make shell      a root shell in the test host
# make deps       install the Debian packages the build and tests need
#
# KDIR defaults to the running kernel's build tree, else the newest
# installed Debian linux-headers-*-amd64.

KDIR ?= $(or $(patsubst %/Makefile,%,$(wildcard /lib/modules/$(shell uname -r)/build/Makefile)),\
	     $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
BUILD ?= $(CURDIR)/build
LINUX_SRC ?= $(BUILD)/linux-source-6.1

# Kernel-side C: every component but the user-space harness.
KSOURCES = $(shell find irqbypass kvm-consumer vfio-pci-producer include -name '*.[ch]' ! -name '*.mod.c' 2>/dev/null | sort)

# One build tree: its targets must not run at once (Kbuild itself still
# builds in parallel).
.NOTPARALLEL:

.PHONY: all modules check-abi check checkpatch sparse check-kunit deps \
	linux-source clean harness selftests check-testhost demo shell

all: modules

modules: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@$(MAKE) --no-print-directory check-abi

.PHONY: kdir
kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "No kernel build tree: install linux-headers-amd64 (make deps) or set KDIR" >&2; \
		exit 1; }

# The drop-in promise: our exports carry the stock module's CRCs.
check-abi: kdir
	scripts/check-symvers.sh $(KDIR)/Module.symvers $(CURDIR)/Module.symvers

# checkpatch.pl comes from linux-source-6.1, unpacked once under $(BUILD).
linux-source: $(LINUX_SRC)/Makefile
$(LINUX_SRC)/Makefile:
	mkdir -p $(BUILD)
	tar -C $(BUILD) -xf /usr/src/linux-source-6.1.tar.xz
	touch $@

# --strict, less two checks that misfire on kernel idioms: MACRO_ARG_REUSE
# on struct field names, and the layout TRACE_EVENT() headers must have.
CHECKPATCH = perl $(LINUX_SRC)/scripts/checkpatch.pl --no-tree --strict \
	--show-types --ignore MACRO_ARG_REUSE
TRACE_HEADERS = $(filter %/trace.h,$(KSOURCES))

checkpatch: linux-source
	$(CHECKPATCH) -f $(filter-out $(TRACE_HEADERS),$(KSOURCES))
	$(CHECKPATCH) --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE \
		-f $(TRACE_HEADERS)

# C=2 checks every file, rebuilt or not; any sparse report fails.
sparse: kdir
	@mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CF="-D__CHECK_ENDIAN__" modules \
		> $(BUILD)/sparse.log 2>&1; st=$$?; cat $(BUILD)/sparse.log; exit $$st
	@! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(BUILD)/sparse.log

check-kunit: linux-source
	selftests/kunit/run.sh

harness:
	$(MAKE) -C harness OUT=$(BUILD)/harness

# C tests of the char devices, on the kernel's kselftest harness.
SELFTEST_CFLAGS = -O2 -Wall -Werror -I$(LINUX_SRC)/tools/testing/selftests \
	-I$(CURDIR)/include/uapi
selftests: linux-source
	mkdir -p $(BUILD)/selftests
	$(CC) $(SELFTEST_CFLAGS) -o $(BUILD)/selftests/kvm_consumer_test \
		selftests/kvm-consumer/kvm_consumer_test.c

TESTHOST = KDIR=$(KDIR) BUILD=$(BUILD) selftests/testhost/run.sh

check-testhost: modules harness selftests
	$(TESTHOST) -- selftests/testhost/stock-tests.sh
	$(TESTHOST) -- selftests/testhost/participant-tests.sh

shell: modules harness
	$(TESTHOST) --shell

# deps first, in their own make: KDIR is only known once headers are installed.
check: deps
	$(MAKE) modules checkpatch sparse check-kunit harness check-testhost

demo: deps
	$(MAKE) modules harness
	$(TESTHOST) --live -- selftests/testhost/demo.sh

deps:
	scripts/install-deps.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C harness OUT=$(BUILD)/harness clean
	rm -rf $(BUILD)/uml-modules $(BUILD)/kunit $(BUILD)/testhost
