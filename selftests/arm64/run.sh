#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-arm64 (Documentation/testhost.md, "arm64"): a device's MSI
# delivered to a nested guest as a GICv4 vLPI, through this manager built
# into an arm64 kernel, on QEMU's own GICv4 emulation. QEMU (TCG, virt,
# gic-version=4, EL2, SMMUv3, an edu device) runs an L1 arm64 host; L1
# binds edu to vfio-pci and runs Debian's arm64 qemu-system-aarch64 under
# KVM as the VMM of an L2 guest, which has edu raise N MSIs
# (selftests/arm64/l1-init.sh, selftests/vmm/l2-init.sh); then two L2s at
# once, each with a two-queue virtio disk passed through, read from both
# its CPUs, the second killed. Scenes, each one boot of L1:
#   stock    Debian's arm64 kernel, the stock manager built in: the
#            baseline, telling QEMU's or KVM's limits from this manager's
#   ours     a kernel of linux-source-6.1 with this manager built in
#            (scripts/intree.sh), selftests/arm64/kernel.config
#   control  ours with kvm-arm.vgic_v4_enable=0: the manager still pairs
#            each MSI with KVM's irqfd, but KVM maps no vLPI, so the host
#            handles every MSI; shows the test tells bypass from none
# Prints TAP; exits non-zero on any failed check.
#
# usage: run.sh [SCENE...]     (all three by default)
# env:   ARM64_IRQS (MSIs L2 raises, 50), ARM64_TIMEOUT (seconds a boot of
#        L1 may take, 900), ARM64_QEMU (the outer QEMU binary)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"

say() { echo "check-arm64: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

n_irqs=${ARM64_IRQS:-50}
timeout=${ARM64_TIMEOUT:-900}
outer=${ARM64_QEMU:-qemu-system-aarch64}
suite=bookworm
out=$(build_dir)/arm64
cross=aarch64-linux-gnu-
command -v "${cross}gcc" > /dev/null || die "no ${cross}gcc (make deps)"
command -v "$outer" > /dev/null || die "no $outer (make deps)"

# The kernel of L1 and L2, built from the tree scripts/check-intree.sh
# keeps (the manager in place) in a build tree of its own in the cache:
# configured again when kernel.config changed, else make rebuilds only
# what changed.
build_kernel() {
	local cfg=$top/selftests/arm64/kernel.config tree obj line
	local -a kmake jobs

	read -ra jobs <<< "${KMAKEFLAGS:--j$(nproc)}"
	tree=$("$top/scripts/check-intree.sh" --tree)
	obj=$(dirname "$tree")/arm64-virt
	kmake=(make -s -C "$tree" O="$obj" ARCH=arm64 CROSS_COMPILE=$cross)
	mkdir -p "$obj"
	if ! cmp -s "$cfg" "$obj/kernel.config"; then
		say "configuring the arm64 kernel: allnoconfig with $cfg"
		rm -f "$obj/kernel.config"
		KCONFIG_ALLCONFIG=$cfg "${kmake[@]}" allnoconfig
		cp "$cfg" "$obj/kernel.config"
	fi
	while read -r line; do
		grep -qx "$line" "$obj/.config" || die "$obj/.config lacks $line"
	done < <(grep '^CONFIG_' "$cfg")
	say "building the arm64 kernel in $obj"
	"${kmake[@]}" "${jobs[@]}" Image modules
	kobj=$obj

	# edu's L2 driver, built in a copy: its x86 objects live beside it.
	mkdir -p "$out/edu-guest"
	cp -p "$top/selftests/vmm/edu-guest/Kbuild" \
		"$top/selftests/vmm/edu-guest/edu_guest.c" "$out/edu-guest/"
	"${kmake[@]}" M="$out/edu-guest" modules
}

# The shared libraries ELF file $1 of the arm64 root needs, and theirs,
# as paths in the root.
libs_of() {
	local todo=("$1") seen=" " f lib p d

	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $("${cross}readelf" -d "$root/$f" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			p=
			for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
				[ -e "$root/$d/$lib" ] && { p=$d/$lib; break; }
			done
			[ -n "$p" ] || die "$f needs $lib, not in $root"
			echo "$p"
			todo+=("$p")
		done
	done
}

# Module file of module name $1 among Debian's arm64 modules, and the
# names of those it depends on, dependencies first, once each.
mods_order() {
	local m p
	for m in "$@"; do
		p=$(find "$moddir" -name "$m.ko" -o -name "${m//_/-}.ko" | head -n 1)
		[ -n "$p" ] || die "no module $m in $moddir"
		# shellcheck disable=SC2046 # one word per dependency
		mods_order $(modinfo -F depends "$p" | tr , ' ')
		echo "${p#"$moddir"/}"
	done
}

# gen_init_cpio's list of the L1 initramfs: busybox, the VMM and what it
# needs, L2's kernel and initramfs, Debian's vfio modules.
l1_list() {
	local f m d
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in /bin /sbin /proc /sys /tmp /lib /lib/aarch64-linux-gnu /usr \
		/usr/bin /l2 /modules; do
		echo "dir $d 0755 0 0"
	done
	echo "file /init $top/selftests/arm64/l1-init.sh 0755 0 0"
	echo "file /bin/busybox $root/bin/busybox 0755 0 0"
	echo "file /usr/bin/qemu-system-aarch64 $root/usr/bin/qemu-system-aarch64 0755 0 0"
	echo "file /lib/ld-linux-aarch64.so.1 $(realpath "$root/lib/ld-linux-aarch64.so.1") 0755 0 0"
	for f in $(libs_of usr/bin/qemu-system-aarch64 | sort -u); do
		echo "file /lib/aarch64-linux-gnu/$(basename "$f") $(realpath "$root/$f") 0755 0 0"
	done
	echo "file /l2/Image $kobj/arch/arm64/boot/Image 0644 0 0"
	echo "file /l2/l2.cpio $out/l2.cpio 0644 0 0"
	m=$(mods_order vfio_iommu_type1 vfio_pci | awk '!seen[$0]++')
	for f in $m; do
		echo "file /modules/$(basename "$f") $moddir/$f 0644 0 0"
	done
	basename -a $m > "$out/modules.order"
	echo "file /modules/order $out/modules.order 0644 0 0"
}

l2_list() {
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in /bin /proc /sys; do
		echo "dir $d 0755 0 0"
	done
	echo "file /init $top/selftests/vmm/l2-init.sh 0755 0 0"
	echo "file /bin/busybox $root/bin/busybox 0755 0 0"
	echo "file /edu_guest.ko $out/edu-guest/edu_guest.ko 0644 0 0"
}

# One boot of L1 for scene $1 with kernel $2 and command line $3; its
# console in $out/$1/console.log, QEMU's GIC trace in $out/$1/gic-trace.log.
# edu and two virtio disks (modern, behind the SMMU, two queues each).
boot() {
	local scene=$1 kernel=$2 append=$3 d=$out/$1 rc=0 i
	local -a disks=()
	rm -rf "$d"
	mkdir -p "$d"
	for i in 0 1; do
		truncate -s 8M "$d/disk$i.img"
		disks+=(-drive "if=none,id=disk$i,format=raw,file=$d/disk$i.img"
			-device "virtio-blk-pci,drive=disk$i,num-queues=2,iommu_platform=on,disable-legacy=on")
	done
	say "$scene: booting L1 ($(basename "$kernel"), $append)"
	timeout --foreground -k 10 "$timeout" "$outer" \
		-M virt,gic-version=4,its=on,virtualization=on,iommu=smmuv3 \
		-cpu cortex-a72 -smp 2 -m 1G -nodefaults -nographic -no-reboot \
		-serial stdio -device edu "${disks[@]}" \
		-kernel "$kernel" -initrd "$out/l1.cpio" \
		-append "console=ttyAMA0 panic=-1 $append arm64_irqs=$n_irqs arm64_timeout=$((timeout / 3))" \
		-D "$d/gic-trace.log" -trace 'gicv3_its_cmd_vmap*' \
		-trace 'gicv3_its_cmd_vmovi' -trace 'gicv3_its_cmd_vmovp' \
		< /dev/null > "$d/console.log" 2>&1 || rc=$?
	[ $rc = 0 ] || say "$scene: QEMU exited $rc$([ $rc = 124 ] && echo ", past $timeout s")"
	grep -a '^l1: ' "$d/console.log" | grep -av '^l1: [a-z0-9]* \(|\|trace |\|debugfs \)' >&2 || true
}

# Value of "l1: ... key=value" in scene $1's console; empty if missing.
value() {
	{ grep -ao "^l1: .*\b$2=[^ ]*" "$out/$1/console.log" || true; } | tail -n 1 |
		sed "s/.*\b$2=//" | tr -d '\r'
}

# The line of L2 $2 in scene $1 that starts with "l2: $3 ".
l2_line() {
	{ grep -a "^l1: $2 | l2: $3 " "$out/$1/console.log" || true; } | head -n 1 | tr -d '\r'
}

# VMAPTI commands QEMU's ITS ran in scene $1 for the PCI devices $2...
# (their DeviceID is their requester ID: bus, device, function).
vmaptis() {
	local s=$1 bdf b d f ids="" n
	shift
	for bdf in "$@"; do
		IFS=':.' read -r _ b d f <<< "$bdf"
		ids="$ids|$(printf '0x%x' $((0x$b << 8 | 0x$d << 3 | 0x$f)))"
	done
	n=$(grep -cE "gicv3_its_cmd_vmapti .* DeviceID (${ids#|}) " "$out/$s/gic-trace.log" || true)
	echo "${n:-0}"
}

t=0
failed=0
check() {
	local what=$1
	shift
	t=$((t + 1))
	if "$@"; then
		echo "ok $t - $what"
	else
		echo "not ok $t - $what"
		failed=$((failed + 1))
	fi
}
# Integer comparisons that fail, not pass, on a missing value.
is() { [[ $1 =~ ^[0-9]+$ ]] && test "$1" "$2" "$3"; }

# Whether phase $2 of console $1 traced every connect's token registered
# by a producer and by a consumer.
registered_both() {
	local token tokens
	tokens=$(grep -a "^l1: $2 trace | .* irqbypass_connect: " "$1" |
		sed -n 's/.* token=\([0-9a-f]*\) .*/\1/p')
	[ -n "$tokens" ] || return 1
	for token in $tokens; do
		grep -aq "^l1: $2 trace | .* irqbypass_register_producer: token=$token " "$1" &&
			grep -aq "^l1: $2 trace | .* irqbypass_register_consumer: token=$token " "$1" ||
			return 1
	done
}

# Whether phase $2 of console $1 shows this manager's debugfs with no
# producer, consumer or pair left.
left_nothing() {
	grep -aq "^l1: $2 debugfs stats | " "$1" &&
		! grep -aqE "^l1: $2 debugfs (producers|consumers|pairs) \| " "$1"
}

no_splats() {
	! splats "$1"
}

# Every queue vector ("virtioN-req.Q=count") of $1 has fired, and there
# are at least $2 of them. The config vector fires only on a change of
# the device's configuration, which none makes here.
queues_fired() {
	local v count=0
	for v in $1; do
		case $v in *-req.*) ;; *) continue ;; esac
		is "${v#*=}" -gt 0 || return 1
		count=$((count + 1))
	done
	[ $count -ge "$2" ]
}

# The manager's checks of phase $2 in scene $1: at least $3 pairs.
assert_manager() {
	local s=$1 p=$2 c=$out/$1/console.log conn disc
	conn=$(value "$s" "${p}_event_connect")
	disc=$(value "$s" "${p}_event_disconnect")
	check "$s: $p: this manager connected $conn pairs (at least $3)" is "$conn" -ge "$3"
	check "$s: $p: each pair's token registered by a producer and a consumer" \
		registered_both "$c" "$p"
	check "$s: $p: no connect failed" is "$(value "$s" "${p}_event_connect_fail")" -eq 0
	check "$s: $p: as many disconnects as connects after the VMs' end ($disc of $conn)" \
		is "$disc" -eq "${conn:-x}"
	check "$s: $p: nothing left registered (debugfs producers, consumers, pairs)" \
		left_nothing "$c" "$p"
}

# The checks of one scene: $1 the scene, $2 whether its MSIs must bypass
# the host, $3 whether it runs this manager.
assert_scene() {
	local s=$1 bypass=$2 ours=$3 c=$out/$1/console.log
	local bound edu blk l2 handled host vm vectors maps hosts="" total=0

	bound=$({ grep -ao '^l1: device=[^ ]* driver=vfio-pci' "$c" || true; } |
		sed 's/.*device=\([^ ]*\) .*/\1/')
	# QEMU puts edu first, at slot 1.
	edu=$(grep ':01\.0$' <<< "$bound" || true)
	blk=$(grep -v ':01\.0$' <<< "$bound" | paste -sd ' ' || true)
	check "$s: L1 reached its end" grep -q '^l1: done' "$c"
	check "$s: edu and two virtio disks bound to vfio-pci ($edu, $blk)" \
		[ -n "$edu" -a "$(wc -w <<< "$blk")" = 2 ]
	if [ "$bypass" = yes ]; then
		check "$s: KVM reports GICv4 enabled" is "$(value "$s" gicv4)" -ge 1
	else
		check "$s: KVM reports GICv4 disabled" is "$(value "$s" gicv4)" -eq 0
	fi

	# edu: N MSIs raised one at a time.
	l2=$(l2_line "$s" edu edu)
	handled=$(sed -n 's/.* handled=\([0-9]*\).*/\1/p' <<< "$l2")
	host=$(value "$s" edu_host_vfio_irqs)
	maps=$(vmaptis "$s" $edu)
	say "$s: edu: L2 handled ${handled:-?} of $n_irqs MSIs; L1's host took ${host:-?};" \
		"$(value "$s" edu_host_doorbells) vPE doorbells; QEMU's ITS: $maps VMAPTI"
	check "$s: edu: L2 handled $n_irqs of $n_irqs MSIs (${handled:-none})" is "$handled" -eq "$n_irqs"
	if [ "$bypass" = yes ]; then
		check "$s: edu: QEMU's ITS mapped its MSI as a vLPI (VMAPTI: $maps)" is "$maps" -ge 1
		check "$s: edu: L1's host took none of them (${host:-none})" is "$host" -eq 0
	else
		check "$s: edu: QEMU's ITS mapped no vLPI (VMAPTI: $maps)" is "$maps" -eq 0
		check "$s: edu: L1's host took all $n_irqs (${host:-none})" is "$host" -ge "$n_irqs"
	fi
	if [ "$ours" = yes ]; then
		# arm64 KVM's stop and start pause the VM (Documentation/manager.md).
		check "$s: the manager serializes handshakes on arm64" \
			grep -aq '^l1: edu debugfs handshakes | serialized' "$c"
		assert_manager "$s" edu 1
	fi

	# blk: two VMs at once, three MSI-X vectors each; the second killed.
	for vm in blk0 blk1; do
		l2=$(l2_line "$s" $vm blk)
		vectors=$({ grep -o 'virtio[^ ]*=[0-9]*' <<< "$l2" || true; } | paste -sd ' ')
		say "$s: $vm: L2's vectors: ${vectors:-none}"
		check "$s: $vm: L2's two queues' vectors both fired (${vectors:-none})" \
			queues_fired "$vectors" 2
		total=$((total + $(wc -w <<< "$vectors")))
	done
	check "$s: blk1: killed (exit $(value "$s" blk1_exit))" [ "$(value "$s" blk1_exit)" = 137 ]
	host=$(value "$s" blk_host_vfio_irqs)
	maps=$(vmaptis "$s" $blk)
	say "$s: blk: L1's host took ${host:-?} MSIs; $(value "$s" blk_host_doorbells)" \
		"vPE doorbells; QEMU's ITS: $maps VMAPTI for $total vectors"
	if [ "$bypass" = yes ]; then
		check "$s: blk: QEMU's ITS mapped each vector as a vLPI ($maps for $total)" \
			is "$maps" -ge "$total"
		check "$s: blk: L1's host took none of their MSIs (${host:-none})" is "$host" -eq 0
	else
		check "$s: blk: QEMU's ITS mapped no vLPI ($maps)" is "$maps" -eq 0
		check "$s: blk: L1's host took their MSIs (${host:-none})" is "$host" -gt 0
	fi
	[ "$ours" = no ] || assert_manager "$s" blk "$total"

	for d in $edu $blk; do
		hosts="$hosts$(grep -aq "^l1: unbound=$d" "$c" && echo "$d ")"
	done
	check "$s: every device unbound from vfio-pci after its VM's end (${hosts:-none})" \
		[ "$(wc -w <<< "$hosts")" = 3 ]
	check "$s: L1's console has no kernel bug report" no_splats "$c"
}

root=$("$top/scripts/debian-kernel.sh" arm64 "$suite")
stock=$(ls "$root"/boot/vmlinuz-*-arm64 | sort -V | tail -n 1)
moddir=$root/lib/modules/$(basename "$stock" | sed 's/^vmlinuz-//')
build_kernel
mkdir -p "$out"
l2_list > "$out/l2.list"
"$kobj/usr/gen_init_cpio" "$out/l2.list" > "$out/l2.cpio"
l1_list > "$out/l1.list"
"$kobj/usr/gen_init_cpio" "$out/l1.list" > "$out/l1.cpio"
say "L1 initramfs: $(du -h "$out/l1.cpio" | cut -f 1); outer QEMU: $("$outer" --version | head -n 1)"

scenes=("$@")
[ ${#scenes[@]} -gt 0 ] || scenes=(stock ours control)
for s in "${scenes[@]}"; do
	case $s in
	stock) boot stock "$stock" "kvm-arm.vgic_v4_enable=1" ;;
	ours) boot ours "$kobj/arch/arm64/boot/Image" "kvm-arm.vgic_v4_enable=1" ;;
	control) boot control "$kobj/arch/arm64/boot/Image" "kvm-arm.vgic_v4_enable=0" ;;
	*) die "no scene $s (stock, ours, control)" ;;
	esac
done
echo "TAP version 13"
for s in "${scenes[@]}"; do
	case $s in
	stock) assert_scene stock yes no ;;
	ours) assert_scene ours yes yes ;;
	control) assert_scene control no yes ;;
	esac
done
echo "1..$t"
say "$((t - failed)) of $t checks passed; consoles and QEMU's GIC traces in $out/<scene>/"
[ $failed = 0 ]
