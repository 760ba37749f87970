#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark (make bench): builds the benchmark modules and irqfd_bench,
# boots the test host once with multi-threaded TCG for the full run (so
# that two guest threads run at once) and runs run-guest.sh there, then report.py prints
# the figures and writes the plots. Results, report and plots go to
# $BUILD/bench/.
#
# usage: run.sh [full|smoke]   smoke: small sizes, for make check
# BENCH_BASELINE=<git revision>: benchmark that revision's manager too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
out=$build/bench
mode=${1:-full}
kdir=$(kdir)

say() { echo "bench: $*" >&2; }

mkdir -p "$out"
say "building the benchmark modules"
make -C "$kdir" M="$here" modules > "$out/modules.log" 2>&1 ||
	{ cat "$out/modules.log"; exit 1; }
${CC:-gcc} -O2 -Wall -Wextra -Werror -pthread -I"$top/include/uapi" \
	-o "$out/irqfd_bench" "$here/irqfd_bench.c"

# A baseline: another revision's manager, built from its own sources.
rm -rf "$out/baseline"
if [ -n "${BENCH_BASELINE:-}" ]; then
	say "building the manager of $BENCH_BASELINE as the baseline"
	mkdir -p "$out/baseline"
	git -C "$top" archive "$BENCH_BASELINE" irqbypass include | tar -x -C "$out/baseline"
	rm -rf "$out/baseline/irqbypass/tests"
	cat > "$out/baseline/Kbuild" <<-EOF
	subdir-ccflags-y += -I\$(src)/include/uapi -I\$(src)/include
	export IRQBYPASS_VERSION_FLAG := -DIRQBYPASS_VERSION='"$BENCH_BASELINE"'
	obj-y += irqbypass/
	EOF
	sed -i '/tests\//d' "$out/baseline/irqbypass/Kbuild"
	make -C "$kdir" M="$out/baseline" modules > "$out/baseline.log" 2>&1 ||
		{ cat "$out/baseline.log"; exit 1; }
fi

# The full run needs the guest's two threads to really run at once:
# multi-threaded TCG. The smoke run (make check) only checks that every
# case gives a result, so it takes single-threaded TCG, where the
# emulator's freeze on the guest's live text patching never happens
# (Documentation/bench.md).
timeout=900
tcg=multi
if [ "$mode" = smoke ]; then
	timeout=300
	tcg=single
fi
TESTHOST_TCG_THREAD=$tcg KDIR=$kdir "$top/selftests/testhost/run.sh" \
	--timeout "$timeout" -- "$here/run-guest.sh" "$mode" "$out" | tee "$out/results.txt"
python3 "$here/report.py" "$mode" "$out/results.txt" "$out" | tee "$out/report.txt"

# The scale scene (full run only): the real QEMU's MSI-X enables of
# several VMs at once, each with VMM_SCALE_VECTORS vectors, through each
# manager, in a second boot of the test host with that many NVMe
# controllers (Documentation/bench.md).
if [ "$mode" = full ]; then
	make -C "$top/selftests/vmm/soak-guest" OUT="$build/soak-guest" > "$out/soak-guest.log" 2>&1 ||
		{ cat "$out/soak-guest.log"; exit 1; }
	TESTHOST_TCG_THREAD=multi TESTHOST_NVME=${VMM_SCALE_VMS:-4} KDIR=$kdir \
		"$top/selftests/testhost/run.sh" --timeout 1200 -- "$here/vmm-scale.sh" \
		"${VMM_SCALE_VECTORS:-9}" 3 | tee "$out/vmm-scale.txt"
fi
