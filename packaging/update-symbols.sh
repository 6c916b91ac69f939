#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Rewrite, or check, the committed Debian symbols files from the linker
# version scripts:
#
#   packaging/update-symbols.sh           rewrite packaging/debian/*.symbols
#   packaging/update-symbols.sh --check   only compare (make check runs this
#                                         through tests/check-symbols.sh)
#
# The symbols files are committed, not generated during the package build:
# generated from lib/libminivent.sym, a symbol dropped from the script
# would vanish from the symbols file as well, and the package would ship
# without it under the same SONAME. Committed, dpkg-gensymbols fails the
# build when the library lacks a symbol that the file lists, and --check
# fails "make check" as soon as a version script and its symbols file
# disagree.
#
# So run this only after deciding that the change is right: an added
# symbol goes into a new version node (doc/RELEASING.md, step 2); removing
# or renaming a released symbol is an incompatible change and needs a new
# SONAME (configure.ac, MINIVENT_LT_*), which renames the library package
# (libminivent0 -> libminivent1) and its symbols file too. Before the first
# release anything may still change; commit the result with the version
# script.
#
# Exit status: 0 written or equal, 1 they differ (--check) or an error.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
check=no
case ${1:-} in
--check) check=yes ;;
'') ;;
*) echo "usage: $0 [--check]" >&2; exit 1 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/update-symbols.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
# version script, SONAME, library package, -dev package
while read -r script soname package devpackage; do
	out=$top/packaging/debian/$package.symbols
	sh "$top/packaging/gen-symbols.sh" "$top/$script" "$soname" \
		"$package" "$devpackage" > "$tmp/$package.symbols"
	if [ $check = yes ]; then
		if ! diff -u "$out" "$tmp/$package.symbols"; then
			echo "FAIL: packaging/debian/$package.symbols does not list what $script exports" >&2
			status=1
		fi
	elif ! cmp -s "$tmp/$package.symbols" "$out" 2>/dev/null; then
		cp "$tmp/$package.symbols" "$out"
		echo "wrote packaging/debian/$package.symbols"
	fi
done <<'LIBS'
lib/libminivent.sym libminivent.so.0 libminivent0 libminivent-dev
avahi/libminivent-avahi.sym libminivent-avahi.so.0 libminivent-avahi0 libminivent-avahi-dev
LIBS
if [ $status -ne 0 ]; then
	cat >&2 <<'MSG'
A removed or renamed symbol is an incompatible change: it needs a new
SONAME, not a new symbols file. Once the change is decided (see
packaging/update-symbols.sh), run packaging/update-symbols.sh and commit
the symbols files with the version script.
MSG
fi
exit $status
