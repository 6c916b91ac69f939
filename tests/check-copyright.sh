#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# packaging/debian/copyright must tell the truth about every file:
#  1. a file with an SPDX-License-Identifier line falls (by the last
#     matching Files: stanza, as in the DEP-5 format) under the same
#     license: LGPL-2.1-or-later = LGPL-2.1+, GPL-2.0-or-later = GPL-2+;
#  2. a third-party file without one (m4/, build-aux/, ...) is not left
#     under "Files: *", and where licensecheck(1) is installed its verdict
#     equals the stanza's License;
#  3. every pattern matches at least one file (lintian calls a pattern
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

# --- 2. third-party files -----------------------------------------------------
cut -f1 "$tmp/spdx" > "$tmp/with-spdx"
grep -E '^(m4/|build-aux/|configure	|aclocal\.m4	|Makefile\.in	)' "$tmp/stanzas" |
	awk -F'\t' 'FNR == NR { skip[$0] = 1; next } !($1 in skip)' \
		"$tmp/with-spdx" - > "$tmp/third"
nthird=$(wc -l < "$tmp/third")
while IFS='	' read -r f pattern license; do
	[ "$pattern" != "*" ] ||
		complain "third-party file $f is only covered by \"Files: *\""
done < "$tmp/third"
have_licensecheck=no
if command -v licensecheck >/dev/null 2>&1 && [ -s "$tmp/third" ]; then
	have_licensecheck=yes
	(cd "$top" && cut -f1 "$tmp/third" | tr '\n' '\0' |
		xargs -0 licensecheck --shortname-scheme=debian,spdx --check='.*') |
		sed 's/: /\t/' > "$tmp/verdicts"
	while IFS='	' read -r f verdict; do
		license=$(awk -F'\t' -v f="$f" '$1 == f { print $3; exit }' "$tmp/third")
		case $verdict in
		*UNKNOWN*|*and/or*|*"generated file"*) ;;	# nothing definite
		*)
			[ "$verdict" = "$license" ] ||
				complain "$f: licensecheck says \"$verdict\", the stanza says \"$license\""
			;;
		esac
	done < "$tmp/verdicts"
fi

# --- 3. no superfluous pattern ----------------------------------------------
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
	"(licensecheck: $have_licensecheck)"
exit $fail
