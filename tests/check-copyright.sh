#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# packaging/debian/copyright must tell the truth about every file:
#  1. a file with an SPDX-License-Identifier line falls (by the last
#     matching Files: stanza, as in the DEP-5 format) under the same
#     license, in Debian's short names (the -or-later forms are "+");
#  2. a third-party file without one (m4/, build-aux/, ...) is not left
#     under "Files: *";
#  3. where licensecheck(1) is installed, every license it finds in any
#     file is one that the file's stanza names (it may miss some, such as
#     the FSF notice of Makefile.in, but must not find one the stanza
#     leaves out): "licensecheck -r" and the copyright file agree;
#  4. every pattern matches at least one file (lintian calls a pattern
#     that matches nothing superfluous).
#
#   tests/check-copyright.sh [SOURCE-DIR]
#
# SOURCE-DIR defaults to $srcdir (automake's test driver exports it).
# Build directories inside it (with a config.status) and hidden files are
# not looked at. build-aux/ exists only after autogen.sh: its patterns are
# not required to match in a bare checkout.
# Exit status: 0 pass, 1 fail.

top=${1:-${srcdir:-.}}
copyright=$top/packaging/debian/copyright
[ -f "$copyright" ] || { echo "FAIL: no $copyright" >&2; exit 1; }

fail=0
complain() {
	echo "FAIL: $*" >&2
	fail=1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-copyright.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# One "pattern<TAB>license" line per pattern, stanzas in file order.
awk '
	/^Files:/ { infiles = 1; sub(/^Files:[ \t]*/, ""); files = $0; next }
	infiles && /^[ \t]/ { files = files " " $0; next }
	{ infiles = 0 }
	/^License:/ && files != "" {
		sub(/^License:[ \t]*/, "")
		n = split(files, p, /[ \t]+/)
		for (i = 1; i <= n; i++)
			if (p[i] != "")
				printf "%s\t%s\n", p[i], $0
		files = ""
	}
' "$copyright" > "$tmp/patterns"
[ -s "$tmp/patterns" ] || { complain "no Files: stanzas in $copyright"; exit 1; }

# Every file of the tree, relative to it, without build directories.
(
	cd "$top" || exit 1
	find . \( -name '.*' ! -name . -o -name autom4te.cache \) -prune -o \
		-type d ! -name . -exec test -f '{}/config.status' \; -prune -o \
		-type f -print | sed 's|^\./||' | LC_ALL=C sort
) > "$tmp/files"
# The source package has debian/ at its top; here it is packaging/debian.
sed -n 's|^packaging/debian/|debian/|p' "$tmp/files" > "$tmp/debfiles"

# file<TAB>pattern<TAB>license, by the last matching stanza.
awk -F'\t' '
	function glob_re(pat,    re) {
		re = pat
		gsub(/[.+^$(){}|\[\]\\]/, "\\\\&", re)
		gsub(/\*/, ".*", re)
		gsub(/\?/, ".", re)
		return "^" re "$"
	}
	FNR == NR { n++; re[n] = glob_re($1); pat[n] = $1; lic[n] = $2; next }
	{
		hit = 0
		for (i = 1; i <= n; i++)
			if ($0 ~ re[i])
				hit = i
		printf "%s\t%s\t%s\n", $0, hit ? pat[hit] : "", hit ? lic[hit] : ""
	}
' "$tmp/patterns" "$tmp/files" > "$tmp/stanzas"

# file<TAB>SPDX identifier, for the files that have one in their first lines.
(
	cd "$top" || exit 1
	tr '\n' '\0' < "$tmp/files" | xargs -0 awk '
		FNR == 1 { done = 0 }
		!done && FNR <= 5 && /SPDX-License-Identifier:/ {
			id = $0
			sub(/.*SPDX-License-Identifier: */, "", id)
			sub(/[^A-Za-z0-9.+-].*/, "", id)
			printf "%s\t%s\n", FILENAME, id
			done = 1
		}
		FNR > 5 { nextfile }'
) > "$tmp/spdx"

spdx_to_debian() {
	case $1 in
	LGPL-2.1-or-later) echo LGPL-2.1+ ;;
	LGPL-2.1-only) echo LGPL-2.1 ;;
	GPL-2.0-or-later) echo GPL-2+ ;;
	GPL-2.0-only) echo GPL-2 ;;
	GPL-3.0-or-later) echo GPL-3+ ;;
	*) echo "$1" ;;
	esac
}

# --- 1. SPDX headers ----------------------------------------------------------
nspdx=0
while IFS='	' read -r f id; do
	nspdx=$((nspdx + 1))
	line=$(awk -F'\t' -v f="$f" '$1 == f { print; exit }' "$tmp/stanzas")
	pattern=$(printf '%s\n' "$line" | cut -f2)
	license=$(printf '%s\n' "$line" | cut -f3)
	want=$(spdx_to_debian "$id")
	[ "$license" = "$want" ] ||
		complain "$f says $id, but stanza \"$pattern\" gives it ${license:-nothing}"
done < "$tmp/spdx"

# --- 2. third-party files ----------------------------------------------------
cut -f1 "$tmp/spdx" > "$tmp/with-spdx"
grep -E '^(m4/|build-aux/|configure	|aclocal\.m4	|Makefile\.in	)' "$tmp/stanzas" |
	awk -F'\t' 'FNR == NR { skip[$0] = 1; next } !($1 in skip)' \
		"$tmp/with-spdx" - > "$tmp/third"
nthird=$(wc -l < "$tmp/third")
while IFS='	' read -r f pattern license; do
	[ "$pattern" != "*" ] ||
		complain "third-party file $f is only covered by \"Files: *\""
done < "$tmp/third"

# --- 3. licensecheck ----------------------------------------------------------
# A license expression as one term per line: "(A and/or B) with X
# exception" and "A and B with X exception" both give "A" and "B with X
# exception".
terms() {
	printf '%s\n' "$1" | sed -e 's/[()]//g' -e 's/ and\/or /\n/g' \
		-e 's/ and /\n/g' -e 's/ or /\n/g'
}
have_licensecheck=no
nchecked=0
if command -v licensecheck >/dev/null 2>&1; then
	have_licensecheck=yes
	# The copyright file (packaging/debian/, or debian/ in the unpacked
	# source package) quotes every license it names, COPYING and
	# COPYING.LIB are the license texts. In a tree configured in place
	# (rpmbuild builds so), what configure and make wrote (config.log,
	# libtool, objects, ...) is no source: it is all newer than
	# config.status, the sources unpacked before are older.
	if [ -f "$top/config.status" ]; then
		(cd "$top" && find . -newer config.status -type f) |
			sed 's|^\./||' > "$tmp/built"
	fi
	: >> "$tmp/built"
	# Some environments turn on licensecheck's debug lines on stderr
	# (one per file): keep them for a failure only.
	grep -v -x -e packaging/debian/copyright -e debian/copyright \
		-e COPYING -e COPYING.LIB -e config.status "$tmp/files" |
		grep -v -x -F -f "$tmp/built" |
		(cd "$top" && tr '\n' '\0' |
		xargs -0 licensecheck --shortname-scheme=debian,spdx --check='.*') \
		2> "$tmp/licensecheck.err" |
		sed -e 's/: /\t/' -e 's/\t\*No copyright\* /\t/' > "$tmp/verdicts"
	[ -s "$tmp/verdicts" ] || { cat "$tmp/licensecheck.err" >&2; complain "licensecheck gave no verdicts"; }
	while IFS='	' read -r f verdict; do
		case $verdict in
		UNKNOWN|*"generated file"*) continue ;;	# nothing definite
		esac
		license=$(awk -F'\t' -v f="$f" '$1 == f { print $3; exit }' "$tmp/stanzas")
		terms "$license" > "$tmp/want"
		# licensecheck 3.3 reads an SPDX identifier "X-or-later" (in an
		# SPDX-License-Identifier line, which step 1 has checked, or in
		# the License field of a .pc file) as X alone. libtool.m4's
		# notice says "version 2 of of the License, or (at your option)
		# any later version", which it also reads as version 2 only.
		later=$(grep -ho '[A-Z][A-Za-z0-9.-]*-or-later' "$top/$f" |
			sort -u | while read -r id; do spdx_to_debian "$id"; done)
		[ "$f" = m4/libtool.m4 ] && later="$later GPL-2+"
		terms "$verdict" | while read -r term; do
			for l in $later; do
				case $term in
				"${l%+}"|"${l%+} with "*) term="$l${term#"${l%+}"}" ;;
				esac
			done
			grep -qxF "$term" "$tmp/want" ||
				echo "$f: licensecheck finds \"$term\", the stanza says \"$license\""
		done
	done < "$tmp/verdicts" > "$tmp/disagree"
	nchecked=$(wc -l < "$tmp/verdicts")
	if [ -s "$tmp/disagree" ]; then
		sed 's/^/FAIL: /' "$tmp/disagree" >&2
		fail=1
	fi
fi

# --- 4. no superfluous pattern ----------------------------------------------
cut -f1 "$tmp/patterns" | while read -r pattern; do
	case $pattern in
	debian/*) list=$tmp/debfiles ;;
	*) list=$tmp/files ;;
	esac
	matched=$(awk -v pat="$pattern" '
		BEGIN { re = pat; gsub(/[.+^$(){}|\[\]\\]/, "\\\\&", re)
			gsub(/\*/, ".*", re); gsub(/\?/, ".", re); re = "^" re "$" }
		$0 ~ re { print; exit }' "$list")
	if [ -z "$matched" ]; then
		case $pattern in
		build-aux/*|configure|aclocal.m4|Makefile.in|m4/lt*|m4/libtool.m4)
			[ -f "$top/configure" ] || continue ;;	# not bootstrapped
		esac
		echo "FAIL: pattern \"$pattern\" of $copyright matches no file" >&2
		echo x >> "$tmp/superfluous"
	fi
done
[ -f "$tmp/superfluous" ] && fail=1

echo "checked $nspdx files with SPDX headers and $nthird third-party files" \
	"against $(cut -f1 "$tmp/patterns" | wc -l) patterns" \
	"(licensecheck: $have_licensecheck, $nchecked files)"
exit $fail
