#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# No symbol that libminivent or libminivent-avahi exports may also be
# exported by another event library or by a library such programs load
# anyway: in one process the dynamic linker binds each name once, so a
# shared name sends one library's calls into the other (libevent's own
# event_add() calls ended up in minivent when minivent exported that name).
#
#  1. every exported name carries the minivent_ prefix (with the version
#     nodes, MINIVENT_*), whatever is installed;
#  2. the exports do not meet those of libevent (core, extra, pthreads),
#     libev, libuv, libsystemd, GLib, libavahi-common and libavahi-client,
#     each one that is installed here (the others are named, with the
#     package that brings them).
set -u
NM=${NM:-nm}
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-exports.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

exports() {	# exports LIB: the defined dynamic symbols, one a line, sorted
	"$NM" -D --defined-only "$1" | awk '{ sub(/@.*/, "", $3); print $3 }' |
		LC_ALL=C sort -u
}

ours=
for lib in lib/.libs/libminivent.so avahi/.libs/libminivent-avahi.so; do
	[ -f "$lib" ] && ours="$ours $lib"
done
if [ -z "$ours" ]; then
	echo "SKIP: no shared libminivent was built (a static-only build exports nothing)"
	exit 77
fi

for lib in $ours; do
	exports "$lib" > "$tmp/ours"
	[ -s "$tmp/ours" ] || { echo "FAIL: $lib exports nothing?"; fail=1; }
	bad=$(grep -v -e '^minivent_' -e '^MINIVENT_' "$tmp/ours")
	if [ -n "$bad" ]; then
		echo "FAIL: $lib exports names without the minivent_ prefix:" $bad
		fail=1
	fi
	cat "$tmp/ours" >> "$tmp/all"
done
LC_ALL=C sort -u "$tmp/all" -o "$tmp/all"

# The library's file name (as ldconfig knows it) and the Debian package.
checked=0
while read -r soname package; do
	path=$(ldconfig -p 2>/dev/null | awk -v n="$soname" '$1 == n { print $NF; exit }')
	if [ -z "$path" ] || [ ! -f "$path" ]; then
		echo "note: $soname not installed, not compared (apt-get install $package)"
		continue
	fi
	exports "$path" > "$tmp/theirs"
	common=$(LC_ALL=C comm -12 "$tmp/all" "$tmp/theirs")
	if [ -n "$common" ]; then
		echo "FAIL: exported by minivent and by $path:" $common
		fail=1
	fi
	checked=$((checked + 1))
done <<'LIST'
libevent_core-2.1.so.7 libevent-core-2.1-7
libevent-2.1.so.7 libevent-2.1-7
libevent_extra-2.1.so.7 libevent-extra-2.1-7
libevent_pthreads-2.1.so.7 libevent-pthreads-2.1-7
libev.so.4 libev4
libuv.so.1 libuv1
libsystemd.so.0 libsystemd0
libglib-2.0.so.0 libglib2.0-0
libavahi-common.so.3 libavahi-common3
libavahi-client.so.3 libavahi-client3
LIST

echo "compared the exports of$ours with $checked other libraries"
if [ "$checked" -eq 0 ] && [ "$fail" -eq 0 ]; then
	echo "SKIP: none of the other libraries is installed (apt-get install libevent-dev libev-dev)"
	exit 77
fi
exit $fail
