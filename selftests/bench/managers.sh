# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the benchmark's scripts in the test host (run-guest.sh,
# vmm-scale.sh), with top, bench and out set: each IRQ bypass manager
# loaded and unloaded by name, and the stock modules that use one (KVM,
# vfio-pci) bound to whichever is loaded. Documentation/bench.md

# manager_load NAME, manager_unload NAME: stock, ours, v617 or baseline
# (run.sh's BENCH_BASELINE build, in $out/baseline).
manager_load() {
	case $1 in
	stock) modprobe irqbypass ;;
	ours) insmod "$top/irqbypass/irqbypass.ko" ;;
	v617) insmod "$bench/irqbypass_v617.ko" ;;
	baseline) insmod "$out/baseline/irqbypass/irqbypass.ko" ;;
	esac
}

manager_unload() {
	case $1 in
	v617) rmmod irqbypass_v617 ;;
	*) rmmod irqbypass ;;
	esac
}

# users_load MODULE...: each MODULE and its dependencies but the manager,
# in order, as modprobe would load them.
users_load() {
	local user
	for user in "$@"; do
		modprobe --show-depends "$user" | grep -v '/irqbypass\.ko' |
			while read -r cmd ko opts; do
				[ "$cmd" = insmod ] || continue
				mod=$(basename "$ko" .ko | tr - _)
				# shellcheck disable=SC2086 # options, a word each
				[ -e "/sys/module/$mod" ] || insmod "$ko" $opts
			done
	done
}

# users_unload MODULE...: removed in that order. Closed VMs release their
# irqfds from a workqueue: retry a while.
users_unload() {
	local user left
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmmod "$@" 2> /dev/null || true
		left=
		for user in "$@"; do
			[ ! -e "/sys/module/$user" ] || left="$left $user"
		done
		[ -n "$left" ] || return 0
		sleep 1
	done
	echo "bench:$left does not unload" >&2
	return 1
}
