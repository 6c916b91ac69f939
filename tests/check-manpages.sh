#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Keep the manual pages honest:
#  1. mandoc -Tlint (warnings and worse) finds nothing on any real page,
#     and every alias page (".so man3/X.3") points at a page that exists;
#  2. the shared library exports exactly the symbols of libminivent.sym;
#  3. every exported symbol and every public function-like macro of
#     event.h has a page of its own name;
#  4. the complete example programs in the pages still compile.
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

pages=$(ls "$mandir"/*.3 "$mandir"/*.7 2>/dev/null)
[ -n "$pages" ] || { complain "no pages in $mandir"; exit 1; }

# --- 1. lint --------------------------------------------------------------
npages=0
naliases=0
for page in $pages; do
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
		target=${body#.so }
		if [ ! -f "$mandir/$(basename "$target")" ]; then
			complain "$name: .so target $target does not exist"
		fi
		continue
		;;
	esac
	npages=$((npages + 1))
	base=${name%.*}
	sect=${name##*.}
	if ! grep -q "^\\.TH $base $sect " "$page"; then
		complain "$name: .TH does not name $base section $sect"
	fi
	out=$("$MANDOC" -Tlint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		complain "$name: mandoc -Tlint reports:"
		printf '%s\n' "$out" >&2
	fi
done
echo "linted $npages pages, checked $naliases aliases"

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
for name in $(cat "$tmp/sym" "$tmp/macros"); do
	[ -f "$mandir/$name.3" ] || complain "no manual page $name.3"
done
echo "$(cat "$tmp/sym" "$tmp/macros" | wc -l) names have pages"

# --- 4. the complete examples compile ---------------------------------------
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1; then
	nex=0
	for page in $pages; do
		awk -v out="$tmp/$(basename "$page").c" '
			/^\.EX/ { on = 1; buf = ""; next }
			/^\.EE/ { on = 0; if (buf ~ /int main\(/) printf "%s", buf > out; next }
			on { buf = buf $0 "\n" }' "$page"
		src="$tmp/$(basename "$page").c"
		[ -f "$src" ] || continue
		nex=$((nex + 1))
		sed -i 's/\\e/\\/g; s/\\-/-/g' "$src"
		if ! "$CC" -std=gnu99 -Wall -Wextra -Werror -c \
			-I"$srcdir/include" -o "$tmp/example.o" "$src" 2>"$tmp/cc.err"; then
			complain "the example of $(basename "$page") does not compile:"
			cat "$tmp/cc.err" >&2
		fi
	done
	echo "compiled $nex example programs"
else
	echo "note: no C compiler ($CC), examples not compiled"
fi

exit $fail
