#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the irqbypass KUnit suites in User-Mode Linux.
#
# Builds (and caches, keyed by what goes into it) a UML kernel from Debian's
# linux-source-6.1 with selftests/kunit/kunitconfig, builds the modules for
# it, boots it on hostfs with an init script that loads irqbypass.ko and the
# test modules, checks what the manager leaves behind in debugfs, the trace
# and its reference count, and powers off. It boots twice: with everything
# built for the 6.1 kernel's API (token), then with the manager and its
# suites built for the v6.17+ API (eventfd) against the header of the
# newest 7.x kernel Debian unstable ships ($KUNIT_EVENTFD_KERNEL to choose
# another). Each console is parsed with kunit.py; the run fails on any
# failed case and on any kernel warning, BUG, KASAN or lockdep report that
# a bare boot (the baseline) lacks.
#
# usage: run.sh [--baseline]   --baseline rewrites console-baseline.txt
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
build=$(build_dir)
mkdir -p "$build"
src=$(linux_src)
# The UML kernel, kept in the cache (scripts/lib.sh) under a name made of
# what goes into it: the source's version, the kunitconfig, the patches.
uml=$(cache_dir)/uml-$(cat <(linux_source_version) "$here/kunitconfig" "$here"/*.patch |
	sha1sum | cut -c1-12)
mods=$build/uml-modules
mods_efd=$build/uml-modules-eventfd
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

# Kbuild builds external modules in their source tree: build in a copy, so
# the UML objects never mix with the target kernel's.
build_modules() {
	local dir=$1 log=$2
	shift 2
	mkdir -p "$dir"
	rsync -a --delete --delete-excluded --exclude=/build --exclude=/.git --exclude=/harness \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' "$top/" "$dir/"
	make -C "$uml" ARCH=um M="$dir" -j"$jobs" "$@" modules > "$log" 2>&1 ||
		{ cat "$log"; exit 1; }
}

say "building the modules for UML"
build_modules "$mods" "$build/uml-modules.log"

# The v6.17+ API: the 7.x kernel's <linux/irqbypass.h> stands in for
# 6.1's, found first through NOSTDINC_FLAGS, which Kbuild puts before the
# kernel's include path (-nostdinc is the kernel's own value); the layer is
# chosen from it as for that kernel (scripts/kernel-features.sh).
efd_kver=${KUNIT_EVENTFD_KERNEL:-$("$top/scripts/debian-kernel.sh" newest sid '7\.[0-9]+')}
efd_headers=$("$top/scripts/debian-kernel.sh" headers "$efd_kver")
efd_api=$("$top/scripts/kernel-features.sh" "$efd_headers" | grep -o -- -DIRQBP_EVENTFD_API) ||
	{ say "$efd_kver: its header has no v6.17+ API"; exit 1; }
efd_include=$build/uml-eventfd-include
mkdir -p "$efd_include/linux"
cp "$efd_headers/include/linux/irqbypass.h" "$efd_include/linux/"
say "building the manager for UML with the API of $efd_kver"
build_modules "$mods_efd" "$build/uml-modules-eventfd.log" IRQBYPASS_DIRS=irqbypass/ \
	IRQBYPASS_FEATURES="$("$top/scripts/kernel-features.sh" "$src") $efd_api" \
	NOSTDINC_FLAGS="-nostdinc -I$efd_include"

# The kselftest programs (selftests/kselftests.list), run in UML by the init.
build_kselftests "$build/selftests"

# With uml-xstate.patch, UML keeps only the SSE part of a process's vector
# state on hosts with AVX-512/AMX, so glibc in UML must not pick its AVX
# string functions: the tunable reaches init's environment via the command
# line, and every program inherits it.
tunables=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX2,-AVX,-AVX_Fast_Unaligned_Load

# Boots UML with the init $1/init; its console goes to $1/console.log.
# Past UML_TIMEOUT (900 s), its management console asks it for every
# task's stack (sysrq t) and the blocked ones (w) before it is killed.
boot() {
	local status=0 pid watchdog umid=kunit-$$
	chmod +x "$1/init"
	rm -f "$1/timed-out"
	"$uml/linux" mem=768M rootfstype=hostfs rootflags=/ rw \
		init="$1/init" con0=fd:0,fd:1 con=null ssl=null \
		umid="$umid" uml_dir="$1" GLIBC_TUNABLES=$tunables \
		< /dev/null > "$1/console.log" 2>&1 &
	pid=$!
	(
		trap 'kill $sleeper 2> /dev/null; exit 0' TERM
		sleep "${UML_TIMEOUT:-900}" &
		sleeper=$!
		wait $sleeper
		touch "$1/timed-out"
		"$here/uml-mconsole.py" "$1/$umid/mconsole" "sysrq 9" "sysrq w" \
			"sysrq t" > "$1/mconsole.log" 2>&1
		sleep 10
		kill "$pid" 2> /dev/null
	) &
	watchdog=$!
	wait "$pid" || status=$?
	kill "$watchdog" 2> /dev/null || true
	wait "$watchdog" 2> /dev/null || true
	if [ -e "$1/timed-out" ]; then
		say "UML timed out after ${UML_TIMEOUT:-900} s; every task's stack (sysrq t) is in $1/console.log"
		return 1
	fi
	[ $status -eq 0 ] || say "UML exited with status $status"
	return $status
}

# Kernel bug reports (any fails the run, unless a bare boot of the same
# kernel prints it too: console-baseline.txt), without timestamps, stack
# entries, pids or addresses, so that one boot compares to another.
normalize() {
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | grep -vE '^ \[<' | grep -aE "$SPLAT_PATTERN" |
		sed -E 's/(PID|pid): [0-9]+/\1: ?/g; s/0x[0-9a-f]+/0x?/g; s/[0-9a-f]{8,}/?/g' |
		LC_ALL=C sort -u || true
}

rm -rf "$out"
mkdir -p "$out"

if [ "${1:-}" = --baseline ]; then
	cat > "$out/init" <<-EOF
	#!/bin/sh
	mount -t proc proc /proc
	exec /bin/busybox poweroff -f
	EOF
	say "booting UML"
	status=0
	boot "$out" || status=$?
	normalize < "$out/console.log" > "$baseline"
	say "baseline: $(wc -l < "$baseline") line(s) in $baseline"
	exit $status
fi

# Boots with the modules of one API generation ($1: token or eventfd) from
# $2, which are loaded and checked by uml-init.sh, then checks the console.
run_api() {
	local api=$1 dir=$2 o=$out/$1 suites=0 ko size new status=0
	shift 2
	mkdir -p "$o"
	# One pointer per suite in each test module's .kunit_test_suites section.
	for ko in "$@"; do
		size=$(readelf -SW "$dir/$ko" | awk '$2 == ".kunit_test_suites" { print $6 }')
		[ -n "$size" ] || { say "no KUnit suites in $ko"; return 1; }
		suites=$(( suites + 0x$size / 8 ))
	done
	sed -e "s|@API@|$api|g" -e "s|@MODS@|$dir|g" -e "s|@OUT@|$o|g" \
	    -e "s|@TOP@|$top|g" -e "s|@SELFTESTS@|$build/selftests|g" \
	    -e "s|@SUITES@|$((suites + 1))|g" "$here/uml-init.sh" > "$o/init"

	say "booting UML: the $api API"
	boot "$o" || status=1

	sed -n '/^# irqbypass KUnit run$/,$p' "$o/console.log" > "$o/ktap.log"
	# kunit.py exits 0 on malformed KTAP ("errors"): those fail the run too.
	python3 "$src/tools/testing/kunit/kunit.py" parse "$o/ktap.log" |
		tee "$o/parse.log" || status=1
	grep -q '\[ERROR\]' "$o/parse.log" && status=1

	# The figures the user-space tests print (storm totals, per-mode counts).
	grep -h 'storm\|per [0-9]* interrupts' "$o"/*_test.log 2> /dev/null || true

	normalize < "$o/console.log" > "$o/splats.txt"
	new=$(LC_ALL=C comm -23 "$o/splats.txt" "$baseline")
	if [ -n "$new" ]; then
		say "kernel reports not in the boot baseline:"
		printf '%s\n' "$new"
		status=1
	fi
	[ $status -eq 0 ] || say "the $api API failed (console: $o/console.log)"
	return $status
}

status=0
run_api token "$mods" irqbypass/tests/irqbypass_kunit.ko \
	irqbypass/tests/irqbypass_failslab_kunit.ko \
	kvm-consumer/tests/kvm_consumer_kunit.ko \
	selftests/irqchip-model/tests/irqchip_model_kunit.ko || status=1
run_api eventfd "$mods_efd" irqbypass/tests/irqbypass_kunit.ko \
	irqbypass/tests/irqbypass_failslab_kunit.ko || status=1

[ $status -eq 0 ] && say "PASS" || say "FAIL"
exit $status
