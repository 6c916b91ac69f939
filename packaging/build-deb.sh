#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build Debian packages from a release tarball and check them.
#
#   packaging/build-deb.sh [--build=TYPE] [--no-lintian] minivent-X.Y.Z.tar.xz [OUTDIR]
#
# TYPE is what dpkg-buildpackage builds, as Debian's machines build it:
#   full    source package and all binary packages (the default; how a
#           maintainer uploads)
#   binary  all binary packages (dpkg-buildpackage -b)
#   any     the architecture-dependent ones (-B: the libraries and -dev
#           packages, as the buildds build them; no Doxygen)
#   all     the architecture-independent one (-A: minivent-doc)
#   source  the source package only (-S)
#
# The tarball is what distributions start from, so the packages are built
# from it and not from the git tree: a file missing from "make dist" shows
# up here. The tarball is unpacked in a temporary directory next to a link
# to it named as the orig tarball, the debian/ directory next to this
# script is copied in, and dpkg-buildpackage builds the packages. The
# .debs, the source package (.dsc, .debian.tar.xz and the orig tarball),
# .buildinfo, .changes and the build log end up in OUTDIR (default:
# ./build-deb), then lintian checks the .changes, source package included,
# and any lintian error fails the script (--no-lintian: not run, for a
# second build of packages that lintian has already seen).
#
# Optional parts are switched by build profiles, chosen from what the
# tarball contains: pkg.minivent.noavahi when it has no Avahi adapter,
# pkg.minivent.nohtml when it has no Doxygen rules. More profiles
# (nocheck, ...) can be given in DEB_BUILD_PROFILES, extra options in
# DEB_BUILD_OPTIONS.
set -eu

build=full
lintian=yes
while [ $# -gt 0 ]; do
	case $1 in
	--build=*) build=${1#--build=}; shift ;;
	--no-lintian) lintian=no; shift ;;
	*) break ;;
	esac
done
case $build in
full) buildopt= ;;
binary) buildopt=-b ;;
any) buildopt=-B ;;
all) buildopt=-A ;;
source) buildopt=-S ;;
*) echo "$0: unknown build type $build (full, binary, any, all, source)" >&2; exit 2 ;;
esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 [--build=full|binary|any|all|source] [--no-lintian] TARBALL [OUTDIR]" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
outdir=${2:-build-deb}

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "$0: $tool not found (apt-get install dpkg-dev debhelper lintian)" >&2
		exit 1
	}
done
[ -r "$tarball" ] || { echo "$0: cannot read $tarball" >&2; exit 1; }

# minivent-1.0.0.tar.xz -> name minivent, version 1.0.0
base=$(basename "$tarball")
base=${base%.tar.*}
name=${base%-*}
version=${base##*-}

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/minivent-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

tar -xf "$tarball" -C "$work"
src=$work/$base
[ -d "$src" ] || { echo "$0: $tarball does not unpack into $base/" >&2; exit 1; }
# 3.0 (quilt) wants the upstream tarball beside the source tree.
ln -s "$tarball" "$work/${name}_${version}.orig.tar.${tarball##*.tar.}"
cp -r "$here/debian" "$src/debian"
# The contact address and the project URL live in one place, AC_INIT in
# configure.ac (packaging/README.md): the debian/ files say
# @PACKAGE_BUGREPORT@ and @PACKAGE_URL@, filled in here from the tarball's
# configure. Without a URL (no public home yet) the Homepage field goes.
bugreport=$(sed -n "s/^PACKAGE_BUGREPORT='\(.*\)'\$/\1/p" "$src/configure")
url=$(sed -n "s/^PACKAGE_URL='\(.*\)'\$/\1/p" "$src/configure")
[ -n "$bugreport" ] || { echo "$0: $base/configure has no PACKAGE_BUGREPORT" >&2; exit 1; }
for f in control changelog copyright; do
	sed -i -e "s|@PACKAGE_BUGREPORT@|$bugreport|g" \
		-e "${url:+s|@PACKAGE_URL@|$url|g}" \
		-e '/^[A-Za-z-]*: *@PACKAGE_URL@$/d' "$src/debian/$f"
done
if grep -rn '@PACKAGE_[A-Z]*@' "$src/debian"; then
	echo "$0: debian/ has placeholders that configure does not fill in" >&2
	exit 1
fi

# A changelog that names another upstream version would give packages a
# version that does not match their contents: say so instead.
debversion=$(cd "$src" && dpkg-parsechangelog -SVersion)
case $debversion in
"$version"-*|*:"$version"-*) ;;
*)
	echo "$0: packaging/debian/changelog is at $debversion but the tarball is $version;" >&2
	echo "  add a changelog entry for $version first (dch -v $version-1)." >&2
	exit 1
	;;
esac

profiles=${DEB_BUILD_PROFILES:-}
[ -f "$src/include/minivent/avahi-poll.h" ] ||
	profiles="$profiles pkg.minivent.noavahi"
# Not "nodoc": with it debhelper drops the man pages too.
grep -q '@ENABLE_DOXYGEN_TRUE@' "$src/Makefile.in" ||
	profiles="$profiles pkg.minivent.nohtml"
# Word splitting on purpose: it drops the extra blanks before joining.
# shellcheck disable=SC2086
profiles=$(echo $profiles | tr ' ' ',')

echo "building $name $debversion ($build) from $(basename "$tarball") (profiles: ${profiles:-none})"
status=0
# shellcheck disable=SC2086 # $buildopt is empty or one option
(cd "$src" && dpkg-buildpackage -us -uc $buildopt ${profiles:+-P"$profiles"}) \
	> "$outdir/build.log" 2>&1 || status=$?
if [ $status -ne 0 ]; then
	# dpkg-gensymbols prints its diff on a mismatch, above the last lines.
	grep -A20 'dpkg-gensymbols: ' "$outdir/build.log" >&2 || true
	tail -n 60 "$outdir/build.log" >&2
	echo "$0: dpkg-buildpackage failed ($status), full log: $outdir/build.log" >&2
	exit 1
fi

rm -f "$outdir"/*.deb "$outdir"/*.changes "$outdir"/*.buildinfo \
	"$outdir"/*.dsc "$outdir"/*.debian.tar.* "$outdir"/*.orig.tar.*
for f in "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo \
	"$work"/*.dsc "$work"/*.debian.tar.*; do
	[ -e "$f" ] && cp "$f" "$outdir/"
done
# lintian reads every file a .changes lists, the orig tarball too.
if ls "$outdir"/*.dsc >/dev/null 2>&1; then
	cp -L "$work/${name}_${version}.orig.tar.${tarball##*.tar.}" "$outdir/"
fi

echo "packages in $outdir:"
for f in "$outdir"/*.deb "$outdir"/*.dsc; do
	[ -e "$f" ] || continue
	case $f in
	*.deb) printf '  %s (%s files)\n' "$(basename "$f")" \
		"$(dpkg-deb -c "$f" | grep -vc '/$')" ;;
	*) printf '  %s\n' "$(basename "$f")" ;;
	esac
done

[ $lintian = yes ] || exit 0
changes=$(ls "$outdir"/*.changes)
status=0
# initial-upload-closes-no-bugs is about the ITP bug of a real Debian
# upload; these test builds never close one.
lintian --fail-on error --display-info --tag-display-limit 0 \
	--suppress-tags initial-upload-closes-no-bugs \
	"$changes" > "$outdir/lintian.log" 2>&1 || status=$?
cat "$outdir/lintian.log"
printf 'lintian: %s errors, %s warnings, %s info\n' \
	"$(grep -c '^E:' "$outdir/lintian.log" || true)" \
	"$(grep -c '^W:' "$outdir/lintian.log" || true)" \
	"$(grep -c '^I:' "$outdir/lintian.log" || true)"
if [ $status -ne 0 ]; then
	echo "$0: lintian failed ($status)" >&2
	exit 1
fi
