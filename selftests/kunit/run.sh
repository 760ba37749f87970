#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the irqbypass KUnit suites in User-Mode Linux.
#
# Builds (and caches under build/uml) a UML kernel from Debian's
# linux-source-6.1 with selftests/kunit/kunitconfig, builds the modules for
# it, boots it on hostfs with an init script that loads irqbypass.ko and the
# test module, checks what the manager leaves behind in debugfs, the trace
# and its reference count, and powers off. The console is parsed with
# kunit.py; the run fails on any failed case and on any kernel warning,
# BUG, KASAN or lockdep report that a bare boot (the baseline) lacks.
#
# usage: run.sh [--baseline]   --baseline rewrites console-baseline.txt
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
src=$(linux_src)
uml=$build/uml
mods=$build/uml-modules
out=$build/kunit
baseline=$here/console-baseline.txt
jobs=$(nproc)

say() { echo "kunit-uml: $*"; }

unpack_linux_source

# Fixes the 6.1 UML tree needs on today's hosts (see each patch's header).
for p in "$here"/*.patch; do
	if ! patch -d "$src" -p1 -R -s -f --dry-run < "$p" > /dev/null; then
		say "applying $(basename "$p")"
		patch -d "$src" -p1 -s -f < "$p"
	fi
done

# kunit.py rebuilds only what changed and fails if an option is dropped.
say "building the UML kernel in $uml"
(cd "$src" && python3 tools/testing/kunit/kunit.py build --arch=um \
	--kunitconfig="$here/kunitconfig" --build_dir="$uml" --jobs="$jobs") \
	> "$build/uml-build.log" 2>&1 || { tail -n 40 "$build/uml-build.log"; exit 1; }

# Kbuild builds external modules in their source tree: build a copy, so the
# UML objects never mix with the target kernel's.
say "building the modules for UML"
mkdir -p "$mods"
rsync -a --delete --delete-excluded --exclude=/build --exclude=/.git --exclude=/harness \
	--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' "$top/" "$mods/"
make -C "$uml" ARCH=um M="$mods" -j"$jobs" modules > "$build/uml-modules.log" 2>&1 ||
	{ cat "$build/uml-modules.log"; exit 1; }

rm -rf "$out"
mkdir -p "$out"

# One pointer per suite in each test module's .kunit_test_suites section.
suites=0
for ko in irqbypass/tests/irqbypass_kunit.ko irqbypass/tests/irqbypass_failslab_kunit.ko \
	kvm-consumer/tests/kvm_consumer_kunit.ko \
	selftests/irqchip-model/tests/irqchip_model_kunit.ko; do
	size=$(readelf -SW "$mods/$ko" | awk '$2 == ".kunit_test_suites" { print $6 }')
	[ -n "$size" ] || { say "no KUnit suites in $ko"; exit 1; }
	suites=$(( suites + 0x$size / 8 ))
done

# The user-space test of /dev/kvm-consumer, run in UML by the init.
selftest=$build/selftests/kvm_consumer_test
compile_selftest "$top/selftests/kvm-consumer/kvm_consumer_test.c" "$selftest"
fwdtest=$build/selftests/forwarding_test
compile_selftest "$top/selftests/vfio-platform-producer/forwarding_test.c" "$fwdtest"
posttest=$build/selftests/posting_test
compile_selftest "$top/selftests/kvm-consumer/posting_test.c" "$posttest"

if [ "${1:-}" = --baseline ]; then
	cat > "$out/init" <<-EOF
	#!/bin/sh
	mount -t proc proc /proc
	exec /bin/busybox poweroff -f
	EOF
else
	sed -e "s|@MODS@|$mods|g" -e "s|@OUT@|$out|g" -e "s|@SELFTEST@|$selftest|g" -e "s|@FWDTEST@|$fwdtest|g" \
	    -e "s|@POSTTEST@|$posttest|g" \
	    -e "s|@SUITES@|$((suites + 1))|g" "$here/uml-init.sh" > "$out/init"
fi
chmod +x "$out/init"

# With uml-xstate.patch, UML keeps only the SSE part of a process's vector
# state on hosts with AVX-512/AMX, so glibc in UML must not pick its AVX
# string functions: the tunable reaches init's environment via the command
# line, and every program inherits it.
tunables=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX2,-AVX,-AVX_Fast_Unaligned_Load

say "booting UML"
status=0
timeout 900 "$uml/linux" mem=768M rootfstype=hostfs rootflags=/ rw \
	init="$out/init" con0=fd:0,fd:1 con=null ssl=null \
	GLIBC_TUNABLES=$tunables \
	< /dev/null > "$out/console.log" 2>&1 || status=$?
[ $status -eq 0 ] || say "UML exited with status $status"

# Kernel bug reports (any fails the run, unless a bare boot of the same
# kernel prints it too: console-baseline.txt), without timestamps, stack
# entries, pids or addresses, so that one boot compares to another.
normalize() {
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | grep -vE '^ \[<' | grep -aE "$SPLAT_PATTERN" |
		sed -E 's/(PID|pid): [0-9]+/\1: ?/g; s/0x[0-9a-f]+/0x?/g; s/[0-9a-f]{8,}/?/g' |
		LC_ALL=C sort -u || true
}

if [ "${1:-}" = --baseline ]; then
	normalize < "$out/console.log" > "$baseline"
	say "baseline: $(wc -l < "$baseline") line(s) in $baseline"
	exit $status
fi

sed -n '/^# irqbypass KUnit run$/,$p' "$out/console.log" > "$out/ktap.log"
# kunit.py exits 0 on malformed KTAP ("errors"): those fail the run too.
python3 "$src/tools/testing/kunit/kunit.py" parse "$out/ktap.log" |
	tee "$out/parse.log" || status=1
grep -q '\[ERROR\]' "$out/parse.log" && status=1

# The figures the user-space tests print (storm totals, per-mode counts).
grep -h 'storm\|per [0-9]* interrupts' "$out"/*_test.log || true

normalize < "$out/console.log" > "$out/splats.txt"
new=$(LC_ALL=C comm -23 "$out/splats.txt" "$baseline")
if [ -n "$new" ]; then
	say "kernel reports not in the boot baseline:"
	printf '%s\n' "$new"
	status=1
fi

[ $status -eq 0 ] && say "PASS" || say "FAIL (console: $out/console.log)"
exit $status
