#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian 12 packages the build and the tests need; a no-op when
# they are all present. Needs root (or sudo) only when something is missing.
set -eu

packages="
	build-essential bc bison flex kmod patch perl python3 rsync xz-utils
	linux-headers-amd64 linux-source-6.1 sparse busybox-static
	linux-image-amd64 qemu-system-x86 cpio gzip clang-format
	clang bpftool libbpf-dev libelf-dev zlib1g-dev libgtest-dev
	mmdebstrap dkms codespell bpftrace debhelper dh-dkms lintian
	gcc-aarch64-linux-gnu qemu-system-arm
"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "install-deps: installing$missing"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
# shellcheck disable=SC2086
$sudo apt-get install -y --no-install-recommends $missing
