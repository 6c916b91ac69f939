#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# doc/examples/curl-multi, libcurl's multi_socket interface on minivent,
# fetches 50 URLs at once from tests/integration/http-server on
# 127.0.0.1; every body must arrive with its size and its checksum. curl
# removes each socket from inside that socket's own callback, which is
# what this exercises besides the example itself.
#
# Under "make check-valgrind" ($VALGRIND set) the example runs in
# valgrind. Skipped, naming the package, where configure found no
# libcurl headers.

prog=doc/examples/curl-multi
server=tests/integration/http-server
count=50
if [ ! -x "$prog" ]; then
	echo "SKIP: libcurl's headers were not found by configure (apt-get install libcurl4-openssl-dev, then rerun configure)"
	exit 77
fi
run="./libtool --mode=execute"
if [ -n "${VALGRIND:-}" ]; then
	run="$run $VALGRIND -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --suppressions=${srcdir:-.}/tests/valgrind.supp"
	echo "note: running the example under $VALGRIND"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/curl-test.XXXXXX") || exit 99
spid=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# The server lives until its standard input, our descriptor 3, closes.
mkfifo "$tmp/in" || exit 99
"$server" < "$tmp/in" > "$tmp/port" &
spid=$!
exec 3> "$tmp/in"
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
port=$(head -n 1 "$tmp/port")
[ -n "$port" ] || { echo "FAIL: the HTTP server did not start" >&2; exit 1; }

urls=
i=1
while [ $i -le $count ]; do
	urls="$urls http://127.0.0.1:$port/$i"
	i=$((i + 1))
done
rc=0
$run "$prog" $urls > "$tmp/out" 2> "$tmp/err" || rc=$?
"$server" --expect "$port" $count | sort > "$tmp/expect"
sort "$tmp/out" > "$tmp/got"
if [ $rc -ne 0 ] || ! cmp -s "$tmp/expect" "$tmp/got"; then
	echo "FAIL: curl-multi exited with $rc; differences (- expected, + got):" >&2
	diff -u "$tmp/expect" "$tmp/got" >&2
	cat "$tmp/err" >&2
	exit 1
fi
bytes=$(awk '{ n += $3 } END { print n }' "$tmp/got")
# The server reports how many connections it had at once when its input
# closes; curl-multi how often curl removed a socket in its own callback.
exec 3>&-
wait "$spid"
spid=
peak=$(sed -n 's/^peak \([0-9]*\) connections$/\1/p' "$tmp/port")
inside=$(sed -n 's/^[0-9]* sockets, \([0-9]*\) removed .*/\1/p' "$tmp/err")
echo "ok: $count transfers, $bytes bytes, sizes and checksums match;" \
	"$(grep sockets "$tmp/err");" "at most ${peak:-?} connections at once"
if [ "${peak:-0}" -lt 2 ]; then
	echo "FAIL: the transfers did not run concurrently" >&2
	exit 1
fi
if [ "${inside:-0}" -lt 1 ]; then
	echo "FAIL: curl never removed a socket from its own callback; the case is not covered" >&2
	exit 1
fi
exit 0
