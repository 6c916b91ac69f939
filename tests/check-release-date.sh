#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One version and one date for a release, from NEWS (see doc/RELEASING.md
# and man/release-date.sh):
#  - the top NEWS entry is about the version configure.ac gives (AC_INIT);
#  - the top entry of packaging/debian/changelog is that version, dated
#    that day;
#  - the first %changelog entry of minivent.spec.in is that version, dated
#    that day, with the right weekday (rpmbuild warns about a bogus one).
# The manual pages take the date at build time and tests/check-manpages.sh
# checks their .TH lines.
#
# Run by "make check" from the build directory; automake exports $srcdir.
# Exit status: 0 pass, 1 fail.

srcdir=${srcdir:-.}
fail=0
complain() {
	echo "FAIL: $*" >&2
	fail=1
}

version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile 2>/dev/null)
[ -n "$version" ] || { complain "run from a configured build directory"; exit 1; }
date=$(sh "$srcdir/man/release-date.sh" "$srcdir") || exit 1

news=$(sed -n '/^\* Noteworthy changes in release /{s/^\* Noteworthy changes in release \([^ ]*\) .*/\1/p;q}' \
	"$srcdir/NEWS")
[ "$news" = "$version" ] ||
	complain "NEWS starts with release ${news:-?}, configure.ac says $version"
status="released $date"
head -n 20 "$srcdir/NEWS" | grep -q '^\* Noteworthy.*(unreleased)' &&
	status="unreleased, dated $date by the newest ChangeLog entry"

# Debian: "minivent (1.0.0-1) unstable; ..." and " -- NAME  RFC-2822 date".
deb=$srcdir/packaging/debian/changelog
debversion=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$deb")
case $debversion in
"$version"-*|*:"$version"-*) ;;
*) complain "$deb: top entry is $debversion, not $version-N" ;;
esac
debdate=$(sed -n '/^ -- /{s/^ -- .*>  //p;q}' "$deb")
debday=$(LC_ALL=C date -u -d "$debdate" +%F 2>/dev/null)
[ "$debday" = "$date" ] ||
	complain "$deb: top entry is dated '$debdate' (${debday:-unreadable}), not $date"

# RPM: "* Tue Dec 01 2026 NAME <mail> - 1.0.0-1"
spec=$srcdir/minivent.spec.in
line=$(sed -n '/^%changelog/{n;p;q}' "$spec")
specdate=$(printf '%s\n' "$line" | sed -n 's/^\* \([A-Z][a-z][a-z] [A-Z][a-z][a-z] [0-9][0-9] [0-9]\{4\}\) .*/\1/p')
want=$(LC_ALL=C date -u -d "$date" '+%a %b %d %Y')
[ "$specdate" = "$want" ] ||
	complain "$spec: first %changelog entry is dated '${specdate:-?}', not '$want'"
case $line in
*" - $version-"*) ;;
*) complain "$spec: first %changelog entry is not for $version: $line" ;;
esac

echo "minivent $version: $status; NEWS, debian/changelog and the spec agree"
exit $fail
