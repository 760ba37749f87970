#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The modules' MODULE_VERSION: the release, and in a git checkout the
# commit it was built from, e.g. 0.1.0+g1a2b3c4d5e6f or ...-dirty; a tag
# v<version> on the commit names the release itself. Kbuild runs this once
# per build; IRQBYPASS_VERSION on the make command line overrides it.
release=0.1.0

cd "$(dirname "$0")/.." || exit 1
desc=$(git describe --tags --match 'v[0-9]*' --always --dirty --abbrev=12 2>/dev/null) ||
	desc=
case $desc in
"") echo "$release" ;;
v[0-9]*) echo "${desc#v}" ;;
*) echo "$release+g$desc" ;;
esac
