#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lint the adapter's man pages with mandoc. The aliases are one-line .so
# pages, which mandoc always calls "fragile"; that message alone is fine,
# anything else (including a .so that does not resolve) fails.
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc not found, cannot lint the Avahi man pages (apt-get install mandoc)"; exit 77; }
cd "${srcdir:-.}/avahi/man" || exit 99
rc=0
mandoc -Tlint man3/minivent_avahi_poll_new.3 || rc=1
for page in man3/minivent_avahi_poll_get.3 man3/minivent_avahi_poll_free.3; do
	out=$(mandoc -Tlint "$page" 2>&1 | grep -v '\.so is fragile')
	[ -z "$out" ] || { echo "$out"; rc=1; }
done
exit $rc
