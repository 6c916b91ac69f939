#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# doc/guide.md carries its code in the Markdown itself, so that it reads
# as it is (on a forge, in the tarball, installed). This keeps that code
# equal to the programs of doc/examples/, which make check builds and
# runs. In the guide, a line
#
#   <!-- snippet FILE NAME -->   the lines between the two "[NAME]"
#                                marker comments of doc/examples/FILE,
#                                less their common leading tabs
#   <!-- include FILE -->        all of doc/examples/FILE but its SPDX line
#
# must be followed by a fenced block ("```c" ... "```") holding exactly
# that code.
#
#   tests/check-guide.sh            check (make check; $srcdir is the tree)
#   tests/check-guide.sh --update   rewrite the blocks from the examples
#
# Exit status: 0 pass, 1 fail.
srcdir=${srcdir:-.}
guide=$srcdir/doc/guide.md
mode=check
[ "${1:-}" = --update ] && mode=update

tmp=$(mktemp "${TMPDIR:-/tmp}/check-guide.XXXXXX") || exit 99
trap 'rm -f "$tmp"' EXIT INT TERM

awk -v dir="$srcdir/doc/examples" -v mode="$mode" '
	# The code a marker line names, in code[1..n]; n, or -1 if missing.
	function load(kind, file, name,    path, line, on, n, i, min, ln) {
		path = dir "/" file
		n = 0; on = 0; ln = 0
		while ((getline line < path) > 0) {
			if (kind == "include") {
				if (++ln == 1 && line ~ /SPDX-License-Identifier/)
					continue
				code[++n] = line
				continue
			}
			if (line ~ "^[ \t]*/\\* \\[" name "\\] \\*/[ \t]*$") {
				if (on) { on = 2; break }
				on = 1
				continue
			}
			if (on == 1)
				code[++n] = line
		}
		close(path)
		if (kind == "snippet" && on != 2)
			return -1
		if (kind == "include" && n == 0)
			return -1
		if (kind == "snippet") {
			min = -1
			for (i = 1; i <= n; i++) {
				if (code[i] == "")
					continue
				match(code[i], /^\t*/)
				if (min < 0 || RLENGTH < min)
					min = RLENGTH
			}
			for (i = 1; i <= n && min > 0; i++)
				code[i] = substr(code[i], min + 1)
		}
		return n
	}
	function fail(msg) {
		printf "FAIL: doc/guide.md:%d: %s\n", FNR, msg > "/dev/stderr"
		bad = 1
	}
	state == "want_fence" {
		if ($0 != "```c") {
			fail("a ```c block must follow the marker")
			state = ""
			print
			next
		}
		print
		state = "in_block"; got = 0; same = 1
		next
	}
	state == "in_block" {
		if ($0 == "```") {
			if (mode == "update") {
				for (i = 1; i <= n; i++)
					print code[i]
			} else if (!same || got != n) {
				fail("the block before this line differs from " what)
			}
			print
			state = ""; checked++
			next
		}
		got++
		if (got > n || code[got] != $0)
			same = 0
		if (mode != "update")
			print
		next
	}
	/^<!-- (snippet|include) [^ ]+( [^ ]+)? -->$/ {
		print
		split($0, f, " ")
		kind = f[2]; file = f[3]
		name = kind == "snippet" ? f[4] : ""
		what = kind == "snippet" ? file " [" name "]" : file
		n = load(kind, file, name)
		if (n < 0) {
			fail("cannot find " what " in doc/examples")
			next
		}
		state = "want_fence"
		next
	}
	{ print }
	END {
		if (state != "")
			fail("unterminated block")
		if (checked == 0)
			fail("no code blocks found")
		printf "%d code blocks %s\n", checked, mode == "update" ? "rewritten" : "checked" > "/dev/stderr"
		exit bad
	}
' "$guide" > "$tmp" || exit 1
if [ "$mode" = update ]; then
	cat "$tmp" > "$guide"
fi
exit 0
