#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the build system from a git checkout. Tarballs do not need this.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --verbose
echo "Now run ./configure && make"
