#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs make's test lanes side by side: each line of standard input is one
# lane, the make targets and variables of one `make` run (check-kunit,
# check-kernel KVER=...). A test host guest is single-threaded TCG, so it
# keeps one core busy; LANES_JOBS lanes (default: the number of CPUs) run
# at once, started in the order given. Each lane's output goes to
# $BUILD/lanes/<lane>.log and is printed whole when the lane ends, so the
# lanes' lines never mix. Every lane runs to its end; the run fails if one
# failed. Documentation/testhost.md
#
# usage: scripts/lanes.sh < lane-list
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
logs=$(build_dir)/lanes
jobs=${LANES_JOBS:-$(nproc)}
make=${MAKE:-make}

say() { echo "lanes: $*"; }

mapfile -t lanes < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d')
[ ${#lanes[@]} -gt 0 ] || { say "no lane given" >&2; exit 2; }
rm -rf "$logs"
mkdir -p "$logs"

# A lane's log file: its targets and variables, made a file name.
log_of() {
	echo "$logs/$(echo "$1" | tr -c 'A-Za-z0-9.+_-' '_' | sed 's/_*$//').log"
}

declare -A pid_lane=() started=()
status=0
finished=()

# Waits for any running lane, prints its log and records its result.
reap() {
	local pid lane st took
	wait -n -p pid "${!pid_lane[@]}"
	st=$?
	lane=${pid_lane[$pid]}
	took=$(($(date +%s) - started[$lane]))
	unset "pid_lane[$pid]"
	say "===== $lane ====="
	cat "$(log_of "$lane")"
	if [ $st = 0 ]; then
		finished+=("ok     $took s  $lane")
	else
		finished+=("FAILED $took s  $lane (status $st)")
		status=1
	fi
	say "$lane: ${finished[-1]%% *} after $took s"
}

say "${#lanes[@]} lanes, $jobs at a time; logs in $logs"
for lane in "${lanes[@]}"; do
	[ ${#pid_lane[@]} -lt "$jobs" ] || reap
	say "starting $lane"
	started[$lane]=$(date +%s)
	# shellcheck disable=SC2086 # a lane is words: targets and variables
	$make --no-print-directory -C "$top" $lane < /dev/null > "$(log_of "$lane")" 2>&1 &
	pid_lane[$!]=$lane
done
while [ ${#pid_lane[@]} -gt 0 ]; do
	reap
done

say "summary:"
printf '  %s\n' "${finished[@]}"
exit $status
