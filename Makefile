# SPDX-License-Identifier: GPL-2.0-only
#
# The two commands users start with are `make demo` and `make check`;
# `make help` lists every target. KDIR (the kernel build tree) and BUILD
# (where everything generated goes, default build/) are found by
# scripts/lib.sh and may be set on the command line, as IRQBYPASS_CACHE
# (what is fetched and built once, kept across clones: ~/.cache/irqbypass).

LIB := scripts/lib.sh
KDIR ?= $(shell $(LIB) kdir)
BUILD ?= $(CURDIR)/build
export BUILD
LINUX_SRC := $(shell BUILD=$(BUILD) $(LIB) linux_src)

# Kernel-side C: every component but the user-space harness.
KSOURCES = $(shell find irqbypass kvm-consumer vfio-pci-producer vfio-platform-producer selftests/irqchip-model selftests/vmm selftests/bench include -name '*.[ch]' ! -name '*.mod.c' ! -path '*/soak-guest/*' 2>/dev/null | sort)
# The kselftest programs and their library, and the soak guest (bare
# metal, its own types): C outside the kernel, in kernel style.
USOURCES = $(shell find selftests/lib selftests/kvm-consumer selftests/vfio-platform-producer selftests/vmm/soak-guest -name '*.[ch]' | sort)
# The harness, formatted by harness/.clang-format.
HSOURCES = $(shell find harness -name '*.cc' -o -name '*.h' -o -name '*.bpf.c' | sort)

# One build tree: its targets must not run at once (Kbuild itself still
# builds in parallel).
.NOTPARALLEL:

.PHONY: check-vmm check-kernel check-kernels install uninstall dkms-install dkms-uninstall deb check-deb
.PHONY: intree check-intree check-arm64 soak-guest
.PHONY: all modules kdir check-abi linux-source checkpatch sparse clang-format codespell \
	style check-kunit harness selftests check-testhost shell check demo deps \
	bench help clean clean-cache

all: modules ## the modules, built against KDIR, and their ABI check

# KVER=<Debian kernel ABI name> (e.g. 6.12.118+deb13-amd64) targets that
# kernel instead of KDIR: fetched from Debian, built for in a build root of
# its release (Documentation/kernels.md).
DK := scripts/debian-kernel.sh
# What make check covers besides the installed kernel: the newest 6.12 of
# Debian 13 and the newest 7.x of unstable, as SUITE:VERSION-REGEX.
CHECK_KERNELS ?= trixie:6\.12 sid:7\.[0-9]+
# The kernel install and dkms-install target.
INSTALL_KVER = $(or $(KVER),$(shell $(LIB) kernel_release $(KDIR)))
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

modules: ## build every module against KDIR, or for KVER=, then check-abi
ifdef KVER
	$(DK) build $(KVER)
else
	@$(MAKE) --no-print-directory kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
endif
	@$(MAKE) --no-print-directory check-abi

kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "No kernel build tree: install linux-headers-amd64 (make deps) or set KDIR" >&2; \
		exit 1; }

check-abi: ## our four exports are the stock module's, CRCs included (Documentation/manager.md)
ifdef KVER
	scripts/check-symvers.sh "$$($(DK) kdir $(KVER))/Module.symvers" \
		"$$($(DK) out $(KVER))/Module.symvers"
else
	@$(MAKE) --no-print-directory kdir
	scripts/check-symvers.sh $(KDIR)/Module.symvers $(CURDIR)/Module.symvers
endif

linux-source: ## unpack Debian's linux-source-6.1 in the cache (checkpatch, UML, kselftest)
	$(LIB) unpack_linux_source

# --strict, less two checks that misfire on kernel idioms: MACRO_ARG_REUSE
# on struct field names, and the layout TRACE_EVENT() headers must have.
CHECKPATCH = perl $(LINUX_SRC)/scripts/checkpatch.pl --no-tree --strict \
	--show-types --ignore MACRO_ARG_REUSE
TRACE_HEADERS = $(filter %/trace.h,$(KSOURCES))
# User space has not the kernel's types (u32) nor its attribute macros
# (__printf), keeps its messages whole on one line to be found with grep,
# and the spacing check misreads the harness's FIXTURE_DATA(name) *self.
USER_IGNORE = PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,LONG_LINE_STRING,SPACING

checkpatch: linux-source ## checkpatch --strict on the kernel C and the kselftests' C; any report fails
	$(CHECKPATCH) -f $(filter-out $(TRACE_HEADERS),$(KSOURCES))
	$(CHECKPATCH) --ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE \
		-f $(TRACE_HEADERS)
	$(CHECKPATCH) --ignore $(USER_IGNORE) -f $(USOURCES)

# C=2 checks every file, rebuilt or not; any sparse report fails.
sparse: kdir ## sparse (C=2) on every module source; any report fails
	@mkdir -p $(BUILD)
	for m in $(CURDIR) $(CURDIR)/selftests/bench; do \
		$(MAKE) -C $(KDIR) M=$$m C=2 CF="-D__CHECK_ENDIAN__" modules || exit; \
	done > $(BUILD)/sparse.log 2>&1; st=$$?; cat $(BUILD)/sparse.log; exit $$st
	@! grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(BUILD)/sparse.log

clang-format: ## the harness matches harness/.clang-format; any diff fails
	clang-format --dry-run --Werror $(HSOURCES)

# Every tracked file but the licence texts, which are quoted as written.
codespell: ## codespell on the tracked sources and documents; any report fails
	git ls-files -z -- . ':!LICENSES' | xargs -0 codespell

style: clang-format checkpatch sparse codespell ## every style check: clang-format, checkpatch, sparse, codespell

check-kunit: linux-source ## KUnit suites and the kselftest programs in UML (KASAN, lockdep)
	selftests/kunit/run.sh

harness: ## the C++/BPF harness: library, tools, GoogleTest suites, in BUILD/harness
	$(MAKE) -C harness OUT=$(BUILD)/harness

selftests: ## the kselftest programs of selftests/kselftests.list, in BUILD/selftests
	selftests/lib.sh build_kselftests $(BUILD)/selftests

TESTHOST = KDIR=$(KDIR) selftests/testhost/run.sh

# The packages' tests stand for the DKMS ones here: the package installs
# the manager with DKMS (check-kernel runs dkms-tests.sh on the others).
check-testhost: modules harness selftests ## the harness suites in the qemu test host
	$(TESTHOST) -- selftests/testhost/stock-tests.sh
	$(TESTHOST) -- selftests/testhost/participant-tests.sh
	$(TESTHOST) -- selftests/testhost/doctor-tests.sh
	$(TESTHOST) -- selftests/testhost/oneliner-tests.sh
	KDIR=$(KDIR) selftests/bench/run.sh smoke

# The real QEMU as the VMM in the test host: the system's (Debian 12: 7.2),
# and the newest of VMM_QEMU_SUITE matching VMM_QEMU_VERSION, fetched and
# unpacked in the cache (Documentation/testhost.md).
VMM_QEMU_SUITE ?= bookworm-backports
VMM_QEMU_VERSION ?= ^1:10\.0\.

# One vCPU in the test host: with two, TCG's nested SVM now and then
# delivers an interrupt to L2 twice, the second time with L2's interrupts
# off, and L2 hangs (Documentation/testhost.md).
soak-guest: ## the bare-metal guest of check-vmm's kill soak, in BUILD/soak-guest
	$(MAKE) -C selftests/vmm/soak-guest OUT=$(BUILD)/soak-guest

check-vmm: modules harness soak-guest ## the real QEMU (the system's, and 10.0 from bookworm-backports) passes edu and NVMe through to a guest in the test host
	qemu=$$($(DK) qemu $(VMM_QEMU_SUITE) '$(VMM_QEMU_VERSION)') && \
		TESTHOST_SMP=1 TESTHOST_NVME=1 $(TESTHOST) --timeout 3600 -- selftests/testhost/vmm-tests.sh \
		system=/ "$$(basename "$$qemu" | cut -d+ -f1)=$$qemu"

bench: modules soak-guest ## stock, our and the v6.17-design managers measured in the test host, and under the real QEMU (Documentation/bench.md)
	KDIR=$(KDIR) selftests/bench/run.sh full

shell: modules harness ## a root shell in the test host, everything built loaded-ready
	$(TESTHOST) --shell

check-kernel: harness selftests ## for KVER=: build, ABI check, the doctor, the stock pairing suite and kvm-consumer's in the test host
	@test -n "$(KVER)" || { echo "usage: make check-kernel KVER=<Debian kernel ABI name>" >&2; exit 1; }
	$(MAKE) modules KVER=$(KVER)
	KVER=$(KVER) selftests/testhost/run.sh --timeout 1500 -- selftests/testhost/kernel-tests.sh

# The lanes of check-kernels, one a line: a check-kernel for each kernel.
kernel_lanes = for k in $(CHECK_KERNELS); do \
		kver=$$($(DK) newest "$${k%%:*}" "$${k\#*:}") || exit 1; \
		echo "check-kernel KVER=$$kver"; \
	done
LANES = MAKE="$(MAKE)" scripts/lanes.sh

check-kernels: harness selftests ## check-kernel on each of CHECK_KERNELS, the newest Debian ships, side by side
	@mkdir -p $(BUILD)
	@{ $(kernel_lanes); } > $(BUILD)/kernel-lanes.txt
	$(LANES) < $(BUILD)/kernel-lanes.txt

install: modules ## irqbypass.ko into /lib/modules/<KDIR's kernel or KVER>/updates, then depmod
	install -D -m 0644 $(if $(KVER),"$$($(DK) out $(KVER))",$(CURDIR))/irqbypass/irqbypass.ko \
		$(DESTDIR)/lib/modules/$(INSTALL_KVER)/updates/irqbypass.ko
	$(if $(DESTDIR),,depmod -a $(INSTALL_KVER))

uninstall: ## remove what install put there, then depmod
	rm -f $(DESTDIR)/lib/modules/$(INSTALL_KVER)/updates/irqbypass.ko
	$(if $(DESTDIR),,depmod -a $(INSTALL_KVER))

dkms-install: ## the manager as a DKMS module (dkms.conf), for KVER= or every installed kernel
	rsync -a --delete --exclude=/build --exclude=/.git --exclude=/harness \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod*' \
		$(CURDIR)/ /usr/src/irqbypass-$(DKMS_VERSION)/
	dkms install irqbypass/$(DKMS_VERSION) $(if $(KVER),-k $(KVER))

dkms-uninstall: ## remove the DKMS module from every kernel, and its source
	dkms remove irqbypass/$(DKMS_VERSION) --all
	rm -rf /usr/src/irqbypass-$(DKMS_VERSION)

intree: ## this manager in place of virt/lib/irqbypass.c in the kernel source tree KSRC= (Documentation/kernels.md)
	@test -n "$(KSRC)" || { echo "usage: make intree KSRC=<kernel source tree>" >&2; exit 1; }
	scripts/intree.sh $(KSRC)

# An MSI delivered as a GICv4 vLPI to a nested guest, on QEMU's GICv4 (TCG),
# through this manager built into an arm64 kernel, beside Debian's stock
# arm64 kernel and a negative control (Documentation/testhost.md).
check-arm64: ## arm64: edu's MSIs reach a nested guest as vLPIs through the manager built in; stock and control beside
	selftests/arm64/run.sh

check-intree: ## intree on a copy of linux-source-6.1, virt/lib/ built in for arm64 and x86_64: exports, tracepoints
	scripts/check-intree.sh

deb: ## the Debian packages irqbypass-dkms and irqbypass-tools in BUILD/deb, then lintian
	scripts/deb.sh

# What the package tests install besides the packages, fetched for the
# offline test host: for kernel $(1), into the system at $(2).
DEBS = $(BUILD)/deb/irqbypass-dkms_*_all.deb $(BUILD)/deb/irqbypass-tools_*_amd64.deb
deb_fetch = $(DK) fetch $(1) $(2) $(DEBS) > /dev/null

# make check runs it on this kernel, as a lane of its own; on the others,
# 6 to 8 minutes each under emulation would break its budget
# (Documentation/packages.md).
check-deb: deb ## the packages installed, rebuilt for a second kernel, removed, purged, in the test host (KVER= for another kernel)
ifdef KVER
	$(MAKE) modules KVER=$(KVER)
	$(call deb_fetch,$(KVER),$$($(DK) root $(KVER)))
	KVER=$(KVER) selftests/testhost/run.sh --timeout 1800 -- selftests/testhost/deb-tests.sh
else
	$(call deb_fetch,$(INSTALL_KVER),/)
	$(TESTHOST) --timeout 1800 -- selftests/testhost/deb-tests.sh
endif

# deps first, in their own make: KDIR is only known once headers are installed.
# What is built once, then the lanes that use it, side by side
# (scripts/lanes.sh), the longest first: the real QEMU as the VMM and
# its kill soak, the package cycle, the test host on this kernel, KUnit
# in UML, the arm64 vLPI scenes, the manager built into a kernel, the
# test host on each other kernel.
check: deps ## every test: ABI, style, the packages, KUnit in UML, arm64 vLPIs, the manager built in, the test host suites, other kernels, the real VMM
	$(MAKE) modules style deb harness selftests linux-source soak-guest
	@{ echo check-vmm; echo check-deb; echo check-testhost; echo check-kunit; \
		echo check-arm64; echo check-intree; $(kernel_lanes); } \
		> $(BUILD)/check-lanes.txt
	$(LANES) < $(BUILD)/check-lanes.txt

demo: deps ## the main job: stock VFIO and KVM paired through our manager, live
	$(MAKE) modules harness
	$(TESTHOST) --live -- selftests/testhost/demo.sh

deps: ## install the Debian packages the build and the tests need
	scripts/install-deps.sh

help: ## this list
	@echo "make [target] [KDIR=<kernel build tree> | KVER=<Debian kernel ABI name>] [BUILD=<dir>]"
	@awk -F':.*## ' '/^[a-z0-9-]+:.*## / { printf "  %-15s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

clean: ## remove what the build made here; the cache stays (clean-cache)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/bench clean
	rm -rf $(BUILD)

clean-cache: ## empty the cache outside the clone: kernels, build roots, kernel source, UML
	rm -rf "$$($(LIB) cache_dir)"
