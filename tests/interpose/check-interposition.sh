#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run interpose-test with libinterposer preloaded: it defines most of
# libminivent's exported names and aborts if any is called, which proves
# that the library's internal calls cannot be hijacked by another library
# exporting the same names (libevent's event_add, event_loop, ...).
set -eu
# ASan wants its runtime first in the preload list; ours comes after it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
lib=tests/interpose/.libs/libinterposer.so
prog=tests/interpose/interpose-test
# Linked statically, the library's calls are bound at link time: there is
# nothing to interpose, and no shared object to preload.
if ! ./libtool --features | grep -q '^enable shared libraries'; then
	echo "SKIP: static-only build (--disable-shared): no shared library to interpose"
	exit 77
fi
[ -f "$lib" ] || { echo "missing $lib"; exit 99; }
# Sanitizer runtimes must come first in the preload list.
case "${LD_PRELOAD:-}" in
'') preload=$PWD/$lib ;;
*) preload="$LD_PRELOAD $PWD/$lib" ;;
esac
LD_PRELOAD="$preload" ./libtool --mode=execute "$prog" 2>&1 ||
	{ echo "FAIL: a libminivent internal call went through an exported name"; exit 1; }
# The test means nothing unless the interposer is active: a direct call
# from the program must reach it and abort.
if LD_PRELOAD="$preload" ./libtool --mode=execute "$prog" --direct >/dev/null 2>&1; then
	echo "ERROR: the interposer is not active"
	exit 99
fi
echo "PASS: no internal call was interposed"
