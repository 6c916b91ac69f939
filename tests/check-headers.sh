#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the public headers promise (README.md, "Using it"), tested exactly:
#
#  - each one compiles alone, as the first include of a file, with no
#    warnings, as strict ISO C99 (-std=c99 -pedantic, no feature-test
#    macro), as gnu99, and as C++ (the extern "C" guards);
#  - the POSIX types it uses (struct timespec, struct timeval) are complete
#    after it in strict C99 once the program asks for POSIX with
#    _POSIX_C_SOURCE >= 199309L, the macro clock_gettime() needs too.
#
# No other package's flags are added: only <minivent/avahi-poll.h>, which
# includes avahi-client's headers, is compiled with
# "pkg-config --cflags avahi-client", and only when that is installed.
set -u
srcdir=${srcdir:-.}
cc=${CC:-cc}
cxx=${CXX:-g++}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
have_cxx=yes
command -v "$cxx" >/dev/null 2>&1 || have_cxx=no
fail=0
count=0
warn="-Wall -Wextra -Werror"

check() {	# check WHAT COMPILER FLAGS... (compiles $tmp/t.c or t.cc)
	what=$1; shift
	if ! "$@" -fsyntax-only -I"$srcdir/include" $extra; then
		echo "FAIL: $name $what"; fail=1
	fi
}

for h in "$srcdir"/include/minivent/*.h; do
	name=$(basename "$h")
	extra=
	case $name in
	avahi-poll.h)
		if ! pkg-config --exists avahi-client 2>/dev/null; then
			echo "note: $name not checked (apt-get install libavahi-client-dev)"
			continue
		fi
		extra=$(pkg-config --cflags avahi-client) ;;
	esac
	printf '#include <minivent/%s>\n' "$name" > "$tmp/t.c"
	check "does not compile alone as strict C99 (-std=c99 -pedantic)" \
		$cc -std=c99 -pedantic $warn "$tmp/t.c"
	check "does not compile alone as gnu99" \
		$cc -std=gnu99 -pedantic $warn "$tmp/t.c"

	# The POSIX types of its prototypes are usable with _POSIX_C_SOURCE.
	for type in timespec timeval; do
		grep -q "struct $type\\b" "$h" || continue
		printf 'int mv_check_%s(void);\nint mv_check_%s(void) { struct %s t = { 0, 0 }; return (int)t.tv_sec; }\n' \
			"$type" "$type" "$type" >> "$tmp/t.c"
	done
	# TMO_ASAP is an expression of C and of C++ (which has no compound
	# literals to take the address of).
	asap='int mv_asap(struct event *e);\nint mv_asap(struct event *e) { return event_mod_timeout(e, TMO_ASAP); }\n'
	[ "$name" = event.h ] && printf "$asap" >> "$tmp/t.c"
	check "leaves a type of its interface incomplete with _POSIX_C_SOURCE=199309L" \
		$cc -std=c99 -pedantic -D_POSIX_C_SOURCE=199309L $warn "$tmp/t.c"
	count=$((count + 1))

	[ $have_cxx = yes ] || continue
	printf '#include <minivent/%s>\n' "$name" > "$tmp/t.cc"
	[ "$name" = event.h ] && printf "$asap" >> "$tmp/t.cc"
	check "does not compile alone as C++" $cxx $warn "$tmp/t.cc"
done
[ $count -gt 0 ] || { echo "no headers found under $srcdir/include"; exit 99; }
if [ $have_cxx = no ]; then
	echo "checked $count headers as C99 and gnu99; no C++ compiler ($cxx), C++ not checked (apt-get install g++)"
else
	echo "checked $count headers as C99, gnu99 and C++"
fi
exit $fail
