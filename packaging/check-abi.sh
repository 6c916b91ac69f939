#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Compare the ABI of a freshly built library with the recorded baseline.
#
#   packaging/check-abi.sh BASELINE LIBRARY HEADERS-DIR
#   packaging/check-abi.sh --update BASELINE LIBRARY HEADERS-DIR
#
# e.g. packaging/check-abi.sh abi/libminivent.abi lib/.libs/libminivent.so include/minivent
# ("make check-abi" and "make abi-baseline" pass these).
#
# Exit status: 0 same ABI, 1 the ABI changed (or an error), 77 the check
# cannot run here (reason printed), as for automake tests.
#
# Any difference fails, added symbols included: an addition needs a new
# node in lib/libminivent.sym and an AGE++ in -version-info, a removal or a
# change of a type the applications see (struct event is embedded in their
# own structures, so its size and layout are ABI) needs CURRENT++ and
# AGE = 0, that is a new SONAME. So the baseline moves only together with
# -version-info, at a release:
#   1. update MINIVENT_LT_CURRENT/REVISION/AGE in configure.ac (see the
#      rules there) and, for additions, the version script;
#   2. rebuild with debug info and without sanitizers (plain ./configure,
#      CFLAGS default to -g -O2);
#   3. make abi-baseline, and commit abi/libminivent.abi together with the
#      configure.ac change, naming both in the commit message.
# Never refresh the baseline just to make this check pass.
#
# The baseline is an abidw dump restricted to the types the public headers
# declare (--headers-dir, --drop-private-types), without the build paths, so
# it does not depend on where the tree was built. It keeps short source
# locations (file:line): abidiff needs them to tell public types from
# private ones, and without them it silently filters out every change to
# struct event. Line numbers are not compared.
set -eu

update=no
if [ "${1:-}" = --update ]; then
	update=yes
	shift
fi
if [ $# -ne 3 ]; then
	echo "usage: $0 [--update] BASELINE LIBRARY HEADERS-DIR" >&2
	exit 1
fi
baseline=$1 lib=$2 headers=$3

skip() {
	echo "SKIP: check-abi: $*"
	exit 77
}

if ! command -v abidw >/dev/null 2>&1 || ! command -v abidiff >/dev/null 2>&1; then
	skip "abidw/abidiff not installed (apt-get install abigail-tools)"
fi
[ -f "$lib" ] || { echo "$0: $lib not built" >&2; exit 1; }
[ -d "$headers" ] || { echo "$0: no header directory $headers" >&2; exit 1; }

# Without DWARF there are only symbol names to compare; with sanitizers the
# instrumentation changes the debug info. Neither is a build to judge.
if command -v readelf >/dev/null 2>&1; then
	readelf -S "$lib" | grep -q '\.debug_info' ||
		skip "$lib has no debug info (build with -g)"
	readelf --dyn-syms -W "$lib" | grep -q '__asan_\|__ubsan_\|__tsan_' &&
		skip "$lib is built with sanitizers; use a plain build"
fi

if [ $update = yes ]; then
	abidw --no-corpus-path --no-comp-dir-path --short-locs \
		--headers-dir "$headers" --drop-private-types \
		--out-file "$baseline" "$lib"
	echo "wrote $baseline; commit it together with the -version-info change"
	exit 0
fi

[ -f "$baseline" ] || { echo "$0: no baseline $baseline" >&2; exit 1; }

status=0
abidiff --headers-dir2 "$headers" --drop-private-types --fail-no-debug-info \
	"$baseline" "$lib" || status=$?
# abidiff exit status is a bit mask: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change.
if [ $status -eq 0 ]; then
	echo "PASS: check-abi: $lib matches $baseline"
	exit 0
fi
if [ $((status & 3)) -ne 0 ]; then
	echo "FAIL: check-abi: abidiff could not compare (status $status)" >&2
	exit 1
fi
echo "FAIL: check-abi: the ABI of $lib differs from $baseline (abidiff status $status)." >&2
echo "  If this is intended, it is a release decision: see the comment in $0." >&2
exit 1
