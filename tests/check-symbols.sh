#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The committed Debian symbols files (packaging/debian/*.symbols) list
# exactly the symbols of the version scripts. A symbol removed from
# lib/libminivent.sym (or renamed there) fails here, in every "make check",
# before a package build would fail on it in dpkg-gensymbols; see
# packaging/update-symbols.sh for what to do then.
exec sh "${srcdir:-.}/packaging/update-symbols.sh" --check
