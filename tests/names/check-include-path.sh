#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What pkg-config puts on the include path must not change what another
# package's header names mean: libevent installs /usr/include/event.h, and
# minivent's own event.h lives in $(includedir)/minivent/.
#
#  - with `pkg-config --cflags minivent`, #include <event.h> finds another
#    event.h (a stand-in here, and libevent's real one where installed),
#    and #include <minivent/event.h> finds minivent's;
#  - with `pkg-config --cflags minivent-compat` (for code written for the
#    original), #include "event.h" finds minivent's and #include <event.h>
#    still finds the other one;
#  - MINIVENT_PREFIXED_ONLY hides the short names, so one translation unit
#    can include libevent's <event.h> and <minivent/event.h> together.
#
# The installed layout is rebuilt in a temporary directory: includedir/
# minivent/ holds the source headers, and the .pc files of the build are
# read with that includedir.
set -u
srcdir=${srcdir:-.}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-include-path.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

command -v pkg-config >/dev/null 2>&1 || {
	echo "SKIP: pkg-config not found (apt-get install pkg-config)"; exit 77; }
for pc in minivent.pc minivent-compat.pc; do
	[ -f "$pc" ] || { echo "ERROR: run from the build directory ($pc missing)"; exit 99; }
done

mkdir -p "$tmp/inc/minivent" "$tmp/other"
cp "$srcdir"/include/minivent/*.h "$tmp/inc/minivent/"
printf '#define OTHER_EVENT_H 1\n' > "$tmp/other/event.h"

flags() {	# flags MODULE: its --cflags with includedir in $tmp/inc
	PKG_CONFIG_PATH=$PWD PKG_CONFIG_SYSTEM_INCLUDE_PATH= \
		pkg-config --define-variable=includedir="$tmp/inc" --cflags "$1"
}
mv_flags=$(flags minivent) || { echo "FAIL: pkg-config minivent"; exit 1; }
compat_flags=$(flags minivent-compat) || { echo "FAIL: pkg-config minivent-compat"; exit 1; }
echo "pkg-config --cflags minivent: $mv_flags"
echo "pkg-config --cflags minivent-compat: $compat_flags"

compiles() {	# compiles WHAT SOURCE FLAGS...: the source compiles, no warning
	what=$1 src=$2
	shift 2
	printf '%s\n' "$src" > "$tmp/t.c"
	# shellcheck disable=SC2068 # word splitting of the flag lists is meant
	if ! $cc -std=gnu99 -Wall -Wextra -Werror -c -o "$tmp/t.o" "$tmp/t.c" $@ 2> "$tmp/err"; then
		echo "FAIL: $what"
		sed 's/^/  /' "$tmp/err"
		fail=1
	fi
}
is_other='#include <event.h>
#ifndef OTHER_EVENT_H
#error <event.h> is not the other package header
#endif'
is_minivent='#ifndef MINIVENT_EVENT_H
#error not the minivent event.h
#endif
int f(struct event *e);
int f(struct event *e) { return event_remove(e); }'

# The program's own -I comes after pkg-config's, as in most Makefiles:
# pkg-config's flags must not win for <event.h>.
compiles "<event.h> resolves to minivent's header with pkg-config --cflags minivent" \
	"$is_other" $mv_flags -I"$tmp/other"
compiles "<minivent/event.h> is not found with pkg-config --cflags minivent" \
	"#include <minivent/event.h>
$is_minivent" $mv_flags
compiles "\"event.h\" does not find minivent's header with pkg-config --cflags minivent-compat" \
	"#include \"event.h\"
$is_minivent" $compat_flags
compiles "<event.h> resolves to minivent's header with pkg-config --cflags minivent-compat" \
	"$is_other" $compat_flags -I"$tmp/other"

# The same with libevent's real header, where libevent-dev is installed.
if printf '#include <event.h>\n' | $cc -E -x c - >/dev/null 2>&1 &&
	printf '#include <event.h>\n' | $cc -E -x c - | grep -q event_base_new; then
	uses_libevent='struct event_base *g(void);
struct event_base *g(void) { return event_base_new(); }'
	compiles "libevent's <event.h> is shadowed by pkg-config --cflags minivent" \
		"#include <event.h>
$uses_libevent" $mv_flags
	compiles "libevent's <event.h> is shadowed by pkg-config --cflags minivent-compat" \
		"#include <event.h>
$uses_libevent" $compat_flags
	compiles "libevent's <event.h> and <minivent/event.h> do not mix with MINIVENT_PREFIXED_ONLY" \
		"#define MINIVENT_PREFIXED_ONLY
#include <event.h>
#include <minivent/event.h>
#include <minivent/ts-util.h>
$uses_libevent
int h(struct minivent_dispatcher *d, struct minivent_event *e);
int h(struct minivent_dispatcher *d, struct minivent_event *e)
{
	e->flags = MINIVENT_TMO_ABS;
	minivent_ts_normalize(&e->tmo);
	return minivent_event_add(d, e) == MINIVENT_EVENTCB_CONTINUE;
}" $mv_flags
	echo "checked libevent's real <event.h> too"
else
	echo "note: libevent's <event.h> not installed, checked with a stand-in only (apt-get install libevent-dev)"
fi

# MINIVENT_PREFIXED_ONLY leaves no short name behind (a few samples of
# each kind: function, data, constant, type, initializer, time helper).
compiles "a short name is defined with MINIVENT_PREFIXED_ONLY" \
	"#define MINIVENT_PREFIXED_ONLY
#include <minivent/event.h>
#include <minivent/ts-util.h>
#include <minivent/tv-util.h>
#if defined(event_add) || defined(reason_str) || defined(EVENT_ON_STACK) || defined(ts_add) || defined(tv_add) || defined(minivent_event)
#error a short name is a macro
#endif
enum { event_add, reason_str, TMO_ABS, REASON_TIMEOUT, EVENTCB_CLEANUP, ELOOP_QUIT };
typedef int cb_fn, cleanup_fn, timer_cb;
struct event { int x; };
struct dispatcher { int y; };
struct minivent_event e0 = MINIVENT_TIMER_EVENT_ON_STACK(0, 1000);
int k(void);
int k(void) { return sizeof(e0) > sizeof(struct event) + event_add; }" $mv_flags

exit $fail
