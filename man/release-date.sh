#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Print the date (YYYY-MM-DD) that the manual pages and the package
# changelogs give the current version, from the one place that records it:
#
#   man/release-date.sh [SRCDIR]
#
# The release date lives in the header of the top NEWS entry:
#   * Noteworthy changes in release 1.2.0 (2027-03-01) [stable]
# While that entry still says "(unreleased)", the version is dated by the
# newest ChangeLog entry instead (the last change that went into it), so a
# snapshot is dated by its contents, never by the day it was built.
# doc/RELEASING.md describes the rule; tests/check-release-date.sh checks
# that debian/changelog and the spec agree.
set -eu

top=${1:-.}
header=$(grep -m 1 '^\* Noteworthy changes in release ' "$top/NEWS") || {
	echo "$0: no release header in $top/NEWS" >&2
	exit 1
}
date=$(printf '%s\n' "$header" | sed -n 's/.*(\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\)).*/\1/p')
if [ -z "$date" ]; then
	case $header in
	*'(unreleased)'*) ;;
	*)
		echo "$0: NEWS header has neither a date nor (unreleased): $header" >&2
		exit 1
		;;
	esac
	date=$(sed -n '1s/^\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\) .*/\1/p' "$top/ChangeLog")
	[ -n "$date" ] || {
		echo "$0: $top/ChangeLog does not start with a dated entry" >&2
		exit 1
	}
fi
echo "$date"
