#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Keep the manual pages honest:
#  1. mandoc -Tlint (style messages included) finds nothing on any page made
#     from man/*.in and avahi/man/man3/*.in, every alias page (".so
#     man3/X.3") points at a page that exists, the .TH line carries the
#     package version and the date of man/release-date.sh, and the
#     sections are those of man-pages(7) in its order: NAME, LIBRARY,
#     SYNOPSIS, DESCRIPTION, ..., ATTRIBUTES (section 3), HISTORY, NOTES,
#     ..., EXAMPLES, SEE ALSO;
#  2. the shared library exports exactly the symbols of libminivent.sym;
#  3. every exported symbol and every public function-like macro of
#     event.h has a page of its own name;
#  4. every complete example program of the pages (an .EX block with a
#     main function) compiles, links against the library just built and
#     runs successfully, with a line of input on a pipe; the Avahi
#     adapter's example runs against a private avahi-daemon
#     (avahi/tests/with-avahi.sh), or only compiles and links where that
#     cannot be set up.
#
# Run by "make check" from the build directory; automake exports $srcdir.
# Exit status: 0 pass, 1 fail, 77 skip (mandoc missing).

srcdir=${srcdir:-.}
mandir=$srcdir/man
symfile=$srcdir/lib/libminivent.sym
header=$srcdir/include/minivent/event.h
lib=lib/.libs/libminivent.so
MANDOC=${MANDOC:-mandoc}
NM=${NM:-nm}

fail=0
complain() {
	echo "FAIL: $*" >&2
	fail=1
}

if ! command -v "$MANDOC" >/dev/null 2>&1; then
	echo "SKIP: $MANDOC not found, cannot lint the manual pages (apt-get install mandoc)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-manpages.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# A make variable of the build directory's Makefile.
makevar() {
	sed -n "s/^$1 = //p" Makefile 2>/dev/null | head -n 1
}
version=$(makevar PACKAGE_VERSION)
date=$(sh "$srcdir/man/release-date.sh" "$srcdir") || complain "no release date"

# The pages made in the build directory from their .in, and the alias
# pages, which are distributed as they are.
pages=
for src in "$mandir"/*.in "$srcdir"/avahi/man/man3/*.in; do
	[ -f "$src" ] || continue
	rel=${src#"$srcdir"/}
	rel=${rel%.in}
	if [ -f "$rel" ]; then
		pages="$pages $rel"
	else
		case $rel in
		avahi/*) echo "note: $rel not built (no Avahi adapter), not checked" ;;
		*) complain "$rel was not made from $rel.in" ;;
		esac
	fi
done
aliases=
for page in "$mandir"/*.3 "$srcdir"/avahi/man/man3/*.3; do
	[ -f "$page" ] || continue
	grep -q '^\.so ' "$page" && aliases="$aliases $page"
done
[ -n "$pages" ] || { complain "no pages built"; exit 1; }

# --- 1. lint, .TH and sections ---------------------------------------------
# man-pages(7), "Sections within a manual page", in its order.
order="NAME|LIBRARY|SYNOPSIS|CONFIGURATION|DESCRIPTION|OPTIONS|EXIT STATUS|\
RETURN VALUE|ERRORS|ENVIRONMENT|FILES|ATTRIBUTES|VERSIONS|STANDARDS|HISTORY|\
NOTES|CAVEATS|BUGS|EXAMPLES|AUTHORS|REPORTING BUGS|COPYRIGHT|SEE ALSO"
npages=0
naliases=0
for page in $pages $aliases; do
	name=$(basename "$page")
	if ! head -n 1 "$page" | grep -q '^\.\\" SPDX-License-Identifier: '; then
		complain "$name: first line is not an SPDX comment"
	fi
	body=$(grep -v '^\.\\"' "$page")
	case $body in
	.so\ *)
		naliases=$((naliases + 1))
		if [ "$(printf '%s\n' "$body" | wc -l)" -ne 1 ]; then
			complain "$name: an alias page holds only its .so line"
		fi
		target=$(basename "${body#.so }")
		dir=$(dirname "$page")
		dir=${dir#"$srcdir"/}
		if [ ! -f "$dir/$target" ] && [ ! -f "$srcdir/$dir/$target.in" ]; then
			complain "$name: .so target ${body#.so } does not exist"
		fi
		continue
		;;
	esac
	npages=$((npages + 1))
	base=${name%.*}
	sect=${name##*.}
	# man-pages(7): the title is written in capitals.
	title=$(printf "%s" "$base" | tr "[:lower:]" "[:upper:]")
	th="^\\.TH $title $sect $date \"minivent $version\" \"minivent Manual\"\$"
	if ! grep -q "$th" "$page"; then
		complain "$name: .TH is not: .TH $title $sect $date \"minivent $version\" \"minivent Manual\""
		grep '^\.TH' "$page" >&2
	fi
	out=$(cd "$(dirname "$page")" && "$MANDOC" -Tlint "$(basename "$page")" 2>&1)
	if [ -n "$out" ]; then
		complain "$name: mandoc -Tlint reports:"
		printf '%s\n' "$out" >&2
	fi
	sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page" > "$tmp/sections"
	need="NAME LIBRARY SYNOPSIS DESCRIPTION HISTORY SEE_ALSO"
	[ "$sect" = 3 ] && need="$need ATTRIBUTES"
	for s in $need; do
		grep -qx "$(echo "$s" | tr _ ' ')" "$tmp/sections" ||
			complain "$name: no $(echo "$s" | tr _ ' ') section"
	done
	# Each section must come after the previous one in man-pages(7) order.
	printf '%s\n' "$order" | tr -d '\\\n' | tr '|' '\n' > "$tmp/order"
	awk 'FNR == NR { rank[$0] = FNR; next }
		!($0 in rank) { printf "unknown section %s\n", $0; next }
		rank[$0] <= last { printf "%s after %s\n", $0, prev }
		{ last = rank[$0]; prev = $0 }' "$tmp/order" "$tmp/sections" > "$tmp/misplaced"
	if [ -s "$tmp/misplaced" ]; then
		complain "$name: sections out of man-pages(7) order:"
		cat "$tmp/misplaced" >&2
	fi
done
echo "linted $npages pages (dated $date, version $version), checked $naliases aliases"

# --- 2. exported symbols = version script ----------------------------------
sed -n '/global:/,/local:/p' "$symfile" |
	sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);.*/\1/p' |
	LC_ALL=C sort -u > "$tmp/sym"
[ -s "$tmp/sym" ] || complain "no symbols parsed from $symfile"

if [ -f "$lib" ]; then
	# Version nodes show up as absolute symbols (type A): not functions.
	"$NM" -D --defined-only "$lib" |
		awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
		LC_ALL=C sort -u > "$tmp/nm"
	if ! cmp -s "$tmp/sym" "$tmp/nm"; then
		complain "$lib exports differ from $symfile (< .sym, > .so):"
		diff "$tmp/sym" "$tmp/nm" >&2
	fi
	echo "$(wc -l < "$tmp/nm") symbols exported by $lib"
else
	echo "note: $lib not built (static-only build?), export check skipped"
fi

# --- 3. a page for every name -----------------------------------------------
sed -n 's/^#define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$header" |
	grep -v '_$' | LC_ALL=C sort -u > "$tmp/macros"
[ -s "$tmp/macros" ] || complain "no macros parsed from $header"
# The short names that event.h, ts-util.h and tv-util.h define for the
# prefixed ones (#define event_add minivent_event_add) are what programs
# call: each has its page too.
sed -n 's/^#define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]\{1,\}\(minivent_\|MINIVENT_\)\1\([[:space:]].*\)\{0,1\}$/\1/p' \
	"$srcdir"/include/minivent/*.h | LC_ALL=C sort -u > "$tmp/short"
[ "$(wc -l < "$tmp/short")" -ge 40 ] || complain "the short names were not parsed from the headers"
cat "$tmp/short" >> "$tmp/macros"
for name in $(cat "$tmp/sym" "$tmp/macros"); do
	[ -f "$mandir/$name.3" ] || [ -f "$mandir/$name.3.in" ] ||
		complain "no manual page $name.3"
done
echo "$(cat "$tmp/sym" "$tmp/macros" | wc -l) names have pages"

# --- 4. the complete examples build and run --------------------------------
CC=$(makevar CC)
CC=${CC:-cc}
exflags="-std=gnu99 -Wall -Wextra -Werror -pthread -I$srcdir/include \
$(makevar SANITIZER_CFLAGS) $(makevar COVERAGE_CFLAGS)"
if [ ! -x ./libtool ] || [ ! -f lib/libminivent.la ]; then
	complain "run from the build directory after make: no ./libtool or lib/libminivent.la"
	exit 1
fi
nex=0
nrun=0
for page in $pages; do
	name=$(basename "$page")
	rm -f "$tmp/$name".*.c
	awk -v out="$tmp/$name" '
		/^\.EX/ { on = 1; buf = ""; next }
		/^\.EE/ {
			on = 0
			if (buf ~ /int main\(/)
				printf "%s", buf > (out "." ++n ".c")
			next
		}
		on { buf = buf $0 "\n" }' "$page"
	for src in "$tmp/$name".*.c; do
		[ -f "$src" ] || continue
		nex=$((nex + 1))
		label="the example $(basename "$src" .c | sed 's/.*\.//') of $name"
		sed -i 's/\\e/\\/g; s/\\-/-/g; s/^\\&//; s/\\(aq/'"'"'/g' "$src"
		libs=lib/libminivent.la
		run=
		case $name in
		minivent_avahi_poll_*)
			# shellcheck disable=SC2086 # flag lists
			exflags_page="$exflags $(makevar AVAHI_CFLAGS)"
			libs="avahi/libminivent-avahi.la $libs $(makevar AVAHI_LIBS)"
			run="$srcdir/avahi/tests/with-avahi.sh"
			;;
		*) exflags_page=$exflags ;;
		esac
		exe=$tmp/example
		# shellcheck disable=SC2086 # flag lists
		if ! ./libtool --quiet --mode=link $CC $exflags_page -o "$exe" "$src" \
			$libs > "$tmp/cc.err" 2>&1; then
			complain "$label does not build:"
			cat "$tmp/cc.err" >&2
			continue
		fi
		rc=0
		# shellcheck disable=SC2086
		printf 'one line of input\n' |
			timeout 60 $run ./libtool --mode=execute "$exe" \
			> "$tmp/run.out" 2>&1 || rc=$?
		if [ $rc -eq 77 ] && [ -n "$run" ]; then
			echo "note: $label built, not run: $(tail -n 1 "$tmp/run.out")"
			continue
		fi
		if [ $rc -ne 0 ]; then
			complain "$label exits with $rc:"
			cat "$tmp/run.out" >&2
			continue
		fi
		nrun=$((nrun + 1))
	done
done
echo "built $nex example programs, ran $nrun"

exit $fail
