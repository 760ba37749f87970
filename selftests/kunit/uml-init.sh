#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the UML test kernel (run.sh fills in the @...@ values): loads
# the manager and its KUnit modules, built for one API generation (@API@:
# token, the 6.1 kernel's own, or eventfd, v6.17+); with the token API also
# kvm-consumer, the model and their suites, and runs the kselftest programs
# of selftests/kselftests.list. Then checks from user space what the suites
# leave behind, reported as one more KTAP suite, irqbypass_uml.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
api=@API@
mods=@MODS@
out=@OUT@
top=@TOP@
selftests=@SELFTESTS@
tr=/sys/kernel/tracing
dbg=/sys/kernel/debug/irqbypass

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs $tr
. $top/selftests/lib.sh

kmsg() { echo "$*" > /dev/kmsg; }

# Each check's result is kept until all are made: the plan, printed first,
# is their number.
n=0
check() {
	name=$1
	shift
	n=$((n + 1))
	if "$@" >> $out/checks.log 2>&1; then
		echo "    ok $n $name" >> $out/checks.ktap
	else
		echo "    not ok $n $name" >> $out/checks.ktap
		failed=1
	fi
}

count() { grep -c "$@" $out/trace.txt; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' $out/stats.txt; }

# The built-in executor already printed an empty "1..0" run at boot: the
# marker lets run.sh hand kunit.py only the log of this one.
kmsg "# irqbypass KUnit run"
kmsg "KTAP version 1"
kmsg "1..@SUITES@"

insmod $mods/irqbypass/irqbypass.ko
[ $api = token ] && insmod $mods/kvm-consumer/kvm_consumer.ko
echo 65536 > $tr/buffer_size_kb
echo 1 > $tr/events/irqbypass/enable
# Unloading a test module restarts KUnit's suite numbering: load all first.
insmod $mods/irqbypass/tests/irqbypass_kunit_helpers.ko
insmod $mods/irqbypass/tests/irqbypass_kunit.ko
# failslab ignores allocations that may sleep unless told otherwise; one
# line per injected failure, no stack dump.
echo N > /sys/kernel/debug/failslab/ignore-gfp-wait
echo 1 > /sys/kernel/debug/failslab/verbose
insmod $mods/irqbypass/tests/irqbypass_failslab_kunit.ko
echo Y > /sys/kernel/debug/failslab/ignore-gfp-wait
echo 0 > $tr/events/irqbypass/enable
if [ $api = token ]; then
	insmod $mods/kvm-consumer/tests/kvm_consumer_kunit.ko
	insmod $mods/selftests/irqchip-model/irqchip_model.ko
	insmod $mods/selftests/irqchip-model/tests/irqchip_model_kunit.ko
	rmmod kvm_consumer_kunit irqchip_model_kunit
fi
rmmod irqbypass_kunit irqbypass_failslab_kunit irqbypass_kunit_helpers

# What the suites left, before the untraced kselftests add to it.
cat $tr/trace > $out/trace.txt
cat $tr/per_cpu/cpu0/stats > $out/trace-stats.txt
for f in producers consumers pairs tokens stats latency handshakes; do
	cat $dbg/$f > $out/$f.txt
done

if [ $api = token ]; then
	insmod $mods/vfio-platform-producer/vfio_platform_producer.ko
	while read -r src needs uml testhost; do
		name=$(kselftest_name $src)
		run_kselftest "$uml" $selftests/$name > $out/$name.log 2>&1
		echo $? > $out/$name.status
	done <<-EOF
	$(kselftests)
	EOF
	rmmod vfio_platform_producer
	cat /sys/kernel/debug/irqchip-model/*/lines > $out/irqchip-model-lines.txt
	for f in producers consumers pairs; do
		cat $dbg/$f >> $out/after-forwarding.txt
	done
	rmmod kvm_consumer
	rmmod irqchip_model
fi

failed=0
check version_is_ours test -s /sys/module/irqbypass/version
check debugfs_root_only sh -c "test \$(ls $dbg | wc -l) = 7 && test -z \"\$(find $dbg -type f ! -perm 400)\""
check debugfs_empty_after_suite sh -c "! cat $out/producers.txt $out/consumers.txt $out/pairs.txt $out/tokens.txt | grep ."
check latency_counts_registrations test "$(awk '{ n += $2 } END { print n }' $out/latency.txt)" -ge "$(($(stat_of producer_registered) + $(stat_of consumer_registered)))"
check refusals_name_holders sh -c "test \$(grep -c 'irqbypass_refused: ' $out/trace.txt) -gt 0 && ! grep 'irqbypass_refused: ' $out/trace.txt | grep -q 'holder_pid=0 '"
# UML is no arm64: per-token handshakes, back after the suites chose.
check handshakes_rule_of_arch grep -qx per-token $out/handshakes.txt
check every_connect_disconnected test "$(stat_of connected)" -gt 0 -a "$(stat_of connected)" = "$(stat_of disconnected)"
check registrations_balanced test "$(stat_of producer_registered)" = "$(stat_of producer_unregistered)" -a "$(stat_of consumer_registered)" = "$(stat_of consumer_unregistered)"
check nomem_counted_and_traced test "$(stat_of rejected_nomem)" -gt 0 -a "$(count -E 'irqbypass_register_(producer|consumer): .* ret=-12$')" = "$(stat_of rejected_nomem)"
check failures_counted_by_step test "$(stat_of failed_add_consumer)" -gt 0 -a "$(stat_of failed_add_producer)" -gt 0
check trace_complete grep -qx "overrun: 0" $out/trace-stats.txt
check trace_matches_counters test "$(count 'irqbypass_connect: .* ret=0 ')" = "$(stat_of connected)" -a "$(count 'irqbypass_disconnect: ')" = "$(stat_of disconnected)"
check trace_names_failed_step test "$(count 'irqbypass_connect_fail: .*step=add_consumer')" = "$(stat_of failed_add_consumer)" -a "$(count 'irqbypass_connect_fail: .*step=add_producer')" = "$(stat_of failed_add_producer)"
if [ $api = token ]; then
	# One per kselftest program, named as it was before the list.
	while read -r src rest; do
		name=$(kselftest_name $src)
		check ${name%_test}_selftest test "$(cat $out/$name.status)" = 0
	done <<-EOF
	$(kselftests)
	EOF
	check kvm_consumer_unloaded test ! -e /sys/module/kvm_consumer
	check vfio_platform_producer_unloaded test ! -e /sys/module/vfio_platform_producer
	check debugfs_empty_after_forwarding sh -c "! grep . $out/after-forwarding.txt"
	check irqchip_model_lines_left_clean sh -c "test \$(grep -c . $out/irqchip-model-lines.txt) = 12 && ! grep -Eq 'asserted=1|pending=1|active=1|forwarded=1|posted=1|burst_left=[1-9]' $out/irqchip-model-lines.txt"
	check irqchip_model_unloaded test ! -e /sys/module/irqchip_model
fi
check lockdep_still_on grep -Eq "debug_locks: +1" /proc/lockdep_stats
check manager_unloads_when_idle sh -c "test \$(cat /sys/module/irqbypass/refcnt) = 0 && rmmod irqbypass"
kmsg "    KTAP version 1"
kmsg "    # Subtest: irqbypass_uml"
kmsg "    1..$n"
while IFS= read -r line; do
	kmsg "$line"
done < $out/checks.ktap
if [ $failed = 0 ]; then
	kmsg "ok $((@SUITES@)) irqbypass_uml"
else
	kmsg "not ok $((@SUITES@)) irqbypass_uml"
fi

sync
exec /bin/busybox poweroff -f
