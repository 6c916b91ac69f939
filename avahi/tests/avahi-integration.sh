#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check entry: run the Avahi integration program (built in the build
# tree, where automake runs tests) against a private avahi-daemon.
srcdir=${srcdir:-.}
exec sh "$srcdir/avahi/tests/with-avahi.sh" ./avahi/tests/avahi-integration
