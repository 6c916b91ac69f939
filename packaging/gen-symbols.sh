#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Write a Debian symbols file for a library from its linker version script.
#
#   gen-symbols.sh VERSION-SCRIPT SONAME PACKAGE DEV-PACKAGE > PACKAGE.symbols
#   e.g. gen-symbols.sh lib/libminivent.sym libminivent.so.0 libminivent0 libminivent-dev
#
# The version script is the single list of what the library exports, so the
# symbols file is derived from it instead of being kept by hand: a symbol
# added to lib/libminivent.sym can never be forgotten here, and
# dpkg-gensymbols then fails the package build if the built library and the
# script disagree.
#
# Each node NAME_X.Y is taken to have first appeared in upstream release
# X.Y.0, which is the minimal version recorded for its symbols (MINIVENT_1.0
# gives "1.0.0"). That matches the rule in the version script header: a
# release that adds symbols adds a new node named after itself.
set -eu

if [ $# -ne 4 ]; then
	echo "usage: $0 VERSION-SCRIPT SONAME PACKAGE DEV-PACKAGE" >&2
	exit 2
fi
script=$1 soname=$2 package=$3 devpackage=$4

[ -r "$script" ] || { echo "$0: cannot read $script" >&2; exit 1; }

printf '%s %s #MINVER#\n' "$soname" "$package"
printf '* Build-Depends-Package: %s\n' "$devpackage"

# Comments are removed first (they may span lines), then every "{", "}"
# and ";" is put on a line of its own and the tokens are read in order:
# "NODE {" opens a node, "global:"/"local:" switch sections, "}" closes it
# (a parent node name after it is ignored: it only names an older node).
sed -e ':a' -e '/\/\*/{' -e '/\*\//!{N;ba' -e '}' -e 's|/\*.*\*/||' -e '}' \
	-e 's|#.*$||' "$script" |
sed -e 's/[{};]/\n&\n/g' |
awk -v script="$script" '
	function minver(node,    v) {
		v = node
		sub(/^.*_/, "", v)
		if (v !~ /^[0-9]+(\.[0-9]+)*$/) {
			printf "%s: node %s does not end in a version\n", script, node > "/dev/stderr"
			exit 1
		}
		if (v !~ /\..*\./)
			v = v ".0"
		return v
	}
	{ gsub(/[ \t]+/, " "); sub(/^ /, ""); sub(/ $/, "") }
	$0 == "" || $0 == "{" { next }
	$0 == "}" { node = ""; section = ""; closed = 1; next }
	$0 == ";" { closed = 0; next }
	closed { next }
	node == "" && /^[A-Za-z_][A-Za-z0-9_.]*$/ {
		node = $0; ver = minver(node); section = ""
		# dpkg-gensymbols lists the version definition as a symbol too.
		printf " %s@%s %s\n", node, node, ver
		nodes++
		next
	}
	/^global:/ { section = "global"; sub(/^global: ?/, "") }
	/^local:/  { section = "local";  sub(/^local: ?/, "") }
	$0 == "" { next }
	section == "global" {
		if ($0 ~ /[*?\[]/) {
			printf "%s: wildcard %s cannot go into a symbols file\n", script, $0 > "/dev/stderr"
			exit 1
		}
		printf " %s@%s %s\n", $0, node, ver
		next
	}
	# Local patterns, and the parent node named after "}", need nothing.
	{ next }
	END { if (!nodes) { printf "%s: no version node found\n", script > "/dev/stderr"; exit 1 } }
'
