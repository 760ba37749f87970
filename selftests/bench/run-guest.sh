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

managers="stock ours v617"
[ -f "$out/baseline/irqbypass/irqbypass.ko" ] && managers="$managers baseline"

load() {
	case $1 in
	stock) modprobe irqbypass ;;
	ours) insmod "$top/irqbypass/irqbypass.ko" ;;
	v617) insmod "$bench/irqbypass_v617.ko" ;;
	baseline) insmod "$out/baseline/irqbypass/irqbypass.ko" ;;
	esac
}

unload() {
	case $1 in
	v617) rmmod irqbypass_v617 ;;
	*) rmmod irqbypass ;;
	esac
}

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

# Stock KVM on whichever manager is loaded: its dependencies but the
# manager, in order, as modprobe would load them.
kvm_load() {
	modprobe --show-depends kvm_amd | grep -v '/irqbypass\.ko' |
		while read -r cmd ko opts; do
			[ "$cmd" = insmod ] || continue
			mod=$(basename "$ko" .ko | tr - _)
			[ -e "/sys/module/$mod" ] || insmod "$ko" $opts
		done
}

kvm_unload() {
	# Closed VMs release their irqfds from a workqueue: retry a while.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmmod kvm_amd 2> /dev/null || true
		rmmod kvm 2> /dev/null && return 0
		sleep 1
	done
	echo "run-guest: kvm does not unload" >&2
	return 1
}

for m in $managers; do
	load "$m"
	for n in $sizes; do
		[ "$m" = stock ] && [ "$n" -gt "$stock_max" ] && continue
		bench "$m" "$n" 1 0
		bench "$m" "$n" 2 0
	done
	bench "$m" "$slow" 1 200
	bench "$m" "$slow" 2 200
	kvm_load
	"$out/irqfd_bench" "$m" "$irqfds" "$vms"
	kvm_unload
	unload "$m"
done
