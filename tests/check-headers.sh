#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every public header must compile on its own, as the first include of a
# file, in strict C99 and as C++ (the extern "C" guards), with no
# warnings.
set -u
srcdir=${srcdir:-.}
cc=${CC:-cc}
cxx=${CXX:-g++}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
extra=$(pkg-config --cflags avahi-client 2>/dev/null || :)
have_cxx=yes
command -v "$cxx" >/dev/null 2>&1 || have_cxx=no
fail=0
count=0
for h in "$srcdir"/include/minivent/*.h; do
	name=$(basename "$h")
	case $name in
	avahi-poll.h) pkg-config --exists avahi-client 2>/dev/null || continue ;;
	esac
	printf '#include <minivent/%s>\n' "$name" > "$tmp/t.c"
	if ! $cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-I"$srcdir/include" $extra "$tmp/t.c"; then
		echo "FAIL: $name does not compile alone as C99"; fail=1
	fi
	count=$((count + 1))
	[ $have_cxx = yes ] || continue
	cp "$tmp/t.c" "$tmp/t.cc"
	if ! $cxx -Wall -Wextra -Werror -fsyntax-only -I"$srcdir/include" \
		$extra "$tmp/t.cc"; then
		echo "FAIL: $name does not compile alone as C++"; fail=1
	fi
done
[ $count -gt 0 ] || { echo "no headers found under $srcdir/include"; exit 99; }
if [ $have_cxx = no ]; then
	echo "checked $count headers as C99; no C++ compiler ($cxx), C++ not checked"
else
	echo "checked $count headers as C99 and C++"
fi
exit $fail
