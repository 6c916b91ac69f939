#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Make an installable manual page from its source:
#
#   man/man-subst.sh SRCDIR VERSION DATE PAGE.in > PAGE
#
# replaces @VERSION@ and @MAN_DATE@ (used in the .TH line), @DOCDIR@ by
# $MAN_DOCDIR (where "make install" puts the guide and the examples;
# /usr/local/share/doc/minivent if unset), and a line
#   .\" @EXAMPLE doc/examples/wakeup.c@
# by that file of the source tree, escaped for use between .EX and .EE, so
# that a program shown in a page is the very file that "make check" builds
# and runs. The SPDX comment line of the included file is left out (the
# page has its own).
set -eu

[ $# -eq 4 ] || { echo "usage: $0 SRCDIR VERSION DATE PAGE.in" >&2; exit 2; }
srcdir=$1 version=$2 date=$3 page=$4

docdir=${MAN_DOCDIR:-/usr/local/share/doc/minivent}

awk -v srcdir="$srcdir" -v version="$version" -v date="$date" -v docdir="$docdir" '
	# Tabs become spaces (to the next multiple of 8), so that the code
	# keeps its layout inside the indented example.
	function expand(line,    out, i, c) {
		out = ""
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (c == "\t")
				do out = out " "; while (length(out) % 8)
			else
				out = out c
		}
		return out
	}
	function quote(line) {
		line = expand(line)
		gsub(/\\/, "\\e", line)
		gsub(/-/, "\\-", line)
		# A leading dot or quote would be read as a request.
		if (line ~ /^[.\047]/)
			line = "\\&" line
		return line
	}
	/^\.\\" @EXAMPLE [^@]*@$/ {
		file = $0
		sub(/^\.\\" @EXAMPLE /, "", file)
		sub(/@$/, "", file)
		path = srcdir "/" file
		n = 0
		while ((getline line < path) > 0) {
			n++
			if (n == 1 && line ~ /SPDX-License-Identifier/)
				continue
			print quote(line)
		}
		if (n == 0) {
			printf "%s: cannot read %s\n", FILENAME, path > "/dev/stderr"
			exit 1
		}
		close(path)
		next
	}
	{
		gsub(/@VERSION@/, version)
		gsub(/@MAN_DATE@/, date)
		gsub(/@DOCDIR@/, docdir)
		print
	}
' "$page"
