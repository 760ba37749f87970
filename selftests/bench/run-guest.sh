#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# In the test host, one boot: the benchmark of each IRQ bypass manager in
# turn (the stock module, ours, the v6.17 design, and a baseline build of
# ours if run.sh made one), with irqbp_bench.ko and, on stock KVM,
# irqfd_bench. Prints one "result ..." line per case.
#
# usage: run-guest.sh full|smoke <build dir of the benchmark>
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=$1
out=$2
bench=$top/selftests/bench

case $mode in
full)	sizes="1000 10000 100000"; stock_max=10000
	slow=1000; irqfds=4000; vms=4; reps=3 ;;
smoke)	sizes="100 1000"; stock_max=1000
	slow=20; irqfds=64; vms=2; reps=1 ;;
*)	echo "usage: $0 full|smoke <dir>" >&2; exit 2 ;;
esac

. "$bench/managers.sh"

managers="stock ours v617"
[ -f "$out/baseline/irqbypass/irqbypass.ko" ] && managers="$managers baseline"

# irqbp_bench.ko runs at load and fails its load when done; each case
# runs $reps times (report.py keeps the fastest: the host's other load
# only ever slows a run down).
bench() {
	for _ in $(seq "$reps"); do
		dmesg -C
		insmod "$bench/irqbp_bench.ko" label="$1" pairs="$2" threads="$3" \
			delay_us="$4" 2> /dev/null || true
		dmesg | sed -n 's/.*irqbp_bench: \(result .*\)/\1/p'
		dmesg | grep 'irqbp_bench: .*error' >&2 || true
	done
}

for m in $managers; do
	manager_load "$m"
	for n in $sizes; do
		[ "$m" = stock ] && [ "$n" -gt "$stock_max" ] && continue
		bench "$m" "$n" 1 0
		bench "$m" "$n" 2 0
	done
	bench "$m" "$slow" 1 200
	bench "$m" "$slow" 2 200
	# Stock KVM on the manager loaded.
	users_load kvm_amd
	"$out/irqfd_bench" "$m" "$irqfds" "$vms"
	users_unload kvm_amd kvm
	manager_unload "$m"
done
