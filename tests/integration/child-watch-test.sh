#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# doc/examples/child-watch, the pidfd recipe of minivent(7), end to end:
# exit statuses come through, the watchdog ends a child that overstays
# with SIGTERM, SIGTERM sent to the supervisor reaches the child, and a
# child started from a callback does not inherit the blocked signals of
# the loop (it dies of SIGTERM, and its SigBlk is empty). Each case runs
# with a pidfd and with the SIGCHLD fallback.
#
# Under "make check-valgrind" ($VALGRIND set) the example runs in
# valgrind, whose 3.19 lacks pidfd_open: the fallback is taken then.

prog=doc/examples/child-watch
[ -x "$prog" ] || { echo "FAIL: $prog not built" >&2; exit 1; }
run="./libtool --mode=execute"
if [ -n "${VALGRIND:-}" ]; then
	run="$run $VALGRIND -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --suppressions=${srcdir:-.}/tests/valgrind.supp"
	echo "note: running the example under $VALGRIND"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/child-watch.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# expect RC PATTERN -- ARGS...: run child-watch, check status and output.
expect() {
	want=$1 pattern=$2
	shift 3
	rc=0
	$run "$prog" "$@" > "$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -q -- "$pattern" "$tmp/out"; then
		echo "FAIL: child-watch $*: status $rc (want $want), output:" >&2
		sed 's/^/  /' "$tmp/out" >&2
		fail=1
	else
		echo "ok: child-watch $*: $(grep -- "$pattern" "$tmp/out" | head -n 1)" \
			"($(grep -o 'watched through .*' "$tmp/out" | head -n 1))"
	fi
}

for mode in "" --sigchld; do
	expect 0 "exited with status 0" -- $mode 10 true
	expect 3 "exited with status 3" -- $mode 10 sh -c 'exit 3'
	expect 127 "exited with status 127" -- $mode 10 /nonexistent/command
	# The child's mask is the one the program started with: none blocked.
	expect 0 "^SigBlk:[[:space:]]*0*\$" -- $mode 10 grep '^SigBlk' /proc/self/status
	# sleep does not touch its mask: SIGTERM kills it only if unblocked.
	# Had it been blocked, SIGKILL would follow two seconds later (137).
	expect 143 "killed by Terminated" -- $mode 0.3 sleep 30

	# SIGTERM to the supervisor is passed on to the child.
	rm -f "$tmp/bg"
	$run "$prog" $mode 30 sleep 30 > "$tmp/bg" 2>&1 &
	pid=$!
	i=0
	while ! grep -q started "$tmp/bg" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -ne 143 ] || ! grep -q "passing it on" "$tmp/bg" ||
	   ! grep -q "killed by Terminated" "$tmp/bg"; then
		echo "FAIL: SIGTERM to child-watch $mode: status $rc, output:" >&2
		sed 's/^/  /' "$tmp/bg" >&2
		fail=1
	else
		echo "ok: SIGTERM to child-watch $mode reached the child"
	fi
done
exit $fail
