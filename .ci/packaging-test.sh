#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Packaging smoke test, run from a configured and built tree (in-tree or
# VPATH build directory):
#
#   .ci/packaging-test.sh
#
# It makes the release tarball, compares the library ABI with the baseline
# (make check-abi), builds binary RPMs (rpmbuild -ta) and Debian packages
# from it (packaging/build-deb.sh): the full build (source and binary
# packages, with the tests; lintian must report no error, and nothing but
# the expected tags with -I --pedantic), then from the same tarball each
# partial build Debian's machines make: -A (minivent-doc, as the buildds
# build it), -B (without Doxygen), -b and -S. It checks that the symbols
# file fails the build of a library that lacks one of its symbols,
# installs libminivent0 and libminivent-dev with dpkg, builds and runs a
# program that finds the library only through pkg-config, checks that
# "man -w event_add" finds the installed page, and purges the packages
# again; then autopkgtest (null runner) runs debian/tests against the
# packages, and they are purged again. It installs packages system-wide,
# so it is meant for a disposable CI machine running as root; it refuses
# to touch minivent packages that were installed before it started.
#
# Needs: rpm, rpmlint, dpkg-dev, debhelper, lintian, autopkgtest, pkgconf,
# a C compiler, man-db, and the Build-Depends of packaging/debian/control
# (licensecheck and mandoc are installed with apt-get when missing).
# Exit status: 0 all passed, 1 a step failed.
set -eu

start=$(date +%s)
builddir=$(pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)

[ -f "$builddir/Makefile" ] || {
	echo "$0: run this from a configured build directory" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || {
	echo "$0: installing packages needs root" >&2
	exit 1
}

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
tarball=$builddir/minivent-$version.tar.xz
work=$(mktemp -d "${TMPDIR:-/tmp}/minivent-pkgtest.XXXXXX")
summary=$work/summary
installed=no

step_start() {
	step=$1
	step_t0=$(date +%s)
	echo "=== $step"
}
step_ok() {
	printf '  %-34s ok   %3ss %s\n' "$step" "$(($(date +%s) - step_t0))" "${1:-}" >> "$summary"
}
step_warn() {
	printf '  %-34s WARN %3ss %s\n' "$step" "$(($(date +%s) - step_t0))" "$1" >> "$summary"
	echo "WARNING: $1" >&2
}
finish() {
	status=$?
	set +e
	if [ $installed = yes ]; then
		# Leave the machine as it was, even after a failure.
		dpkg -P $our_packages >/dev/null 2>&1
	fi
	echo
	echo "packaging test summary (minivent $version):"
	[ -f "$summary" ] && cat "$summary"
	if [ $status -ne 0 ]; then
		printf '  %-34s FAILED\n' "${step:-setup}"
	fi
	echo "  total: $(($(date +%s) - start))s, result: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
	rm -rf "$work"
	exit $status
}
trap finish EXIT
trap 'exit 1' INT TERM

# Build-Depends that older CI images may lack (packaging/debian/control),
# and the checkers this test runs; each tool is in the package of its name.
for tool in licensecheck mandoc rpmlint autopkgtest; do
	command -v "$tool" >/dev/null 2>&1 && continue
	echo "installing $tool"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"$tool" >/dev/null
done

# Everything this test may install (autopkgtest installs all of them).
our_packages="libminivent-avahi-dev libminivent-avahi0 libminivent-dev libminivent0"
for pkg in $our_packages; do
	if dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q installed; then
		echo "$0: $pkg is already installed; not touching it" >&2
		exit 1
	fi
done

step_start "make dist"
rm -f "$tarball"
make -C "$builddir" dist >"$work/dist.log" 2>&1 || { tail -n 30 "$work/dist.log"; exit 1; }
[ -f "$tarball" ]
tar -tJf "$tarball" | grep -qx "minivent-$version/minivent.spec"
step_ok "$(basename "$tarball")"

step_start "make check-abi"
# check-abi.sh reports a skip (no abigail-tools, sanitizer build) itself.
make -C "$builddir" -s check-abi
step_ok

step_start "rpmbuild -ta --nodeps"
topdir=$work/rpm
mkdir -p "$topdir"
# --nodeps: the rpm database of a Debian machine knows no BuildRequires.
rpmbuild -ta --nodeps --define "_topdir $topdir" "$tarball" >"$work/rpm.log" 2>&1 ||
	{ tail -n 40 "$work/rpm.log"; exit 1; }
# %check runs by default: the test suite's summary must be in the log.
grep -q '^# PASS: ' "$work/rpm.log" || {
	echo "$0: rpmbuild did not run make check in %check" >&2
	exit 1
}
rpms=$(find "$topdir/RPMS" -name '*.rpm' | sort)
for rpm in $rpms; do
	echo "--- $(basename "$rpm")"
	rpm -qlp "$rpm"
done
rpm -qlp "$topdir"/RPMS/*/minivent-[0-9]*.rpm | grep -q '/libminivent\.so\.0$'
rpm -qlp "$topdir"/RPMS/*/minivent-devel-*.rpm | grep -q '/minivent/event\.h$'
# The adapter's pages belong to its -devel package, the others to ours.
if ls "$topdir"/RPMS/*/minivent-avahi-devel-*.rpm >/dev/null 2>&1; then
	rpm -qlp "$topdir"/RPMS/*/minivent-avahi-devel-*.rpm |
		grep -q '/man3/minivent_avahi_poll_new\.3'
	if rpm -qlp "$topdir"/RPMS/*/minivent-devel-*.rpm | grep -q 'minivent_avahi_poll'; then
		echo "$0: minivent-devel has the adapter's pages" >&2
		exit 1
	fi
fi
step_ok "$(echo "$rpms" | wc -l) binary RPMs, %check ran"

step_start "rpmlint"
# With the filters of Fedora's rpmlint configuration that apply here (see
# packaging/rpmlint.toml): no error may remain. Until the project has a
# public home, no-url-tag and invalid-url (Source0) are expected warnings.
# shellcheck disable=SC2086 # a list of file names
rpmlint -c "$srcdir/packaging/rpmlint.toml" $rpms "$topdir"/SRPMS/*.src.rpm \
	> "$work/rpmlint.log" 2>&1 || true
grep -E ': [EW]: ' "$work/rpmlint.log" | grep -v ' manpage-not-compressed ' || true
grep -q ' packages and .* checked' "$work/rpmlint.log" || {
	cat "$work/rpmlint.log"
	echo "$0: rpmlint did not run" >&2
	exit 1
}
if grep -q ': E: ' "$work/rpmlint.log"; then
	echo "$0: rpmlint reports errors" >&2
	exit 1
fi
step_ok "no errors, $(grep -c ': W: ' "$work/rpmlint.log" || true) warnings"

# The builds may use every CPU; an explicit DEB_BUILD_OPTIONS wins.
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-parallel=$(nproc)}"

step_start "build-deb.sh (full) + lintian"
"$srcdir/packaging/build-deb.sh" "$tarball" "$work/deb"
debs=$(cd "$work/deb" && ls -- *.deb)
grep -q '^# PASS: ' "$work/deb/build.log" || {
	echo "$0: the package build did not run make check" >&2
	exit 1
}
step_ok "$(echo "$debs" | wc -l) debs + source, $(grep -c '^W:' "$work/deb/lintian.log" || true) lintian warnings"

step_start "lintian -I --pedantic"
# Everything lintian has to say about the source and binary packages, down
# to pedantic and info tags. Expected: a test upload closes no ITP bug,
# and until the project has a public home (the URL in configure.ac, see
# packaging/README.md) there is no Homepage field and no watch file.
lintian -I --pedantic --tag-display-limit 0 "$work"/deb/*.changes \
	> "$work/lintian-pedantic.log" 2>&1 || true
cat "$work/lintian-pedantic.log"
unexpected=$(grep -E '^[EWIPX]: ' "$work/lintian-pedantic.log" |
	grep -v -e ': initial-upload-closes-no-bugs ' \
		-e '^I: minivent source: debian-watch-file-is-missing$' \
		-e '^P: minivent source: no-homepage-field$' || true)
if [ -n "$unexpected" ]; then
	echo "$0: lintian -I --pedantic reports more than the expected tags" >&2
	exit 1
fi
step_ok "only the expected tags"

# The other builds of the same tarball, as Debian's machines make them.
# The packages are those the full build made and lintian saw, so the
# binary builds skip the tests and lintian; the arch:all and source
# builds are cheap and get lintian.
step_start "build-deb.sh -A, -B, -b, -S"
"$srcdir/packaging/build-deb.sh" --build=all "$tarball" "$work/deb-all" >/dev/null
[ "$(cd "$work/deb-all" && ls -- *.deb)" = "$(cd "$work/deb" && ls -- minivent-doc_*.deb)" ]
DEB_BUILD_PROFILES=nocheck DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS nocheck" \
	"$srcdir/packaging/build-deb.sh" --build=any --no-lintian "$tarball" "$work/deb-any" >/dev/null
# An arch-only build must neither need nor run Doxygen.
if grep -q 'doxygen.* doc/Doxyfile' "$work/deb-any/build.log"; then
	echo "$0: the arch-only build ran Doxygen" >&2
	exit 1
fi
archdebs=$(cd "$work/deb" && for f in *.deb; do
	case $f in *_all.deb) ;; *) echo "$f" ;; esac
done)
[ "$(cd "$work/deb-any" && ls -- *.deb)" = "$archdebs" ]
DEB_BUILD_PROFILES=nocheck DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS nocheck" \
	"$srcdir/packaging/build-deb.sh" --build=binary --no-lintian "$tarball" "$work/deb-binary" >/dev/null
[ "$(cd "$work/deb-binary" && ls -- *.deb)" = "$debs" ]
"$srcdir/packaging/build-deb.sh" --build=source "$tarball" "$work/deb-source" >/dev/null
ls "$work"/deb-source/*.dsc >/dev/null
step_ok "same packages as the full build"

step_start "package contents"
# Symbols files for both libraries, the adapter's pages with its -dev.
for lib in libminivent0 libminivent-avahi0; do
	deb=$(ls "$work"/deb/${lib}_*.deb 2>/dev/null) || continue
	dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -qx './symbols' || {
		echo "$0: $lib has no symbols file" >&2
		exit 1
	}
done
if ls "$work"/deb/libminivent-avahi-dev_*.deb >/dev/null 2>&1; then
	dpkg-deb -c "$work"/deb/libminivent-avahi-dev_*.deb |
		grep -q '/man3/minivent_avahi_poll_new\.3\.gz'
	if dpkg-deb -c "$work"/deb/libminivent-dev_*.deb | grep -q 'minivent_avahi_poll'; then
		echo "$0: libminivent-dev has the adapter's pages" >&2
		exit 1
	fi
fi
step_ok

step_start "symbols file catches a removed symbol"
# What dpkg-gensymbols does in the package build (DPKG_GENSYMBOLS_CHECK_LEVEL
# 4 in debian/rules) when the library lacks a symbol of the committed
# symbols file, e.g. after one was dropped from lib/libminivent.sym: the
# shipped library against its symbols file plus one more symbol must fail,
# against the file alone it must pass.
mkdir -p "$work/gensym"
dpkg-deb -x "$work"/deb/libminivent0_*.deb "$work/gensym/root"
dpkg-deb -e "$work"/deb/libminivent0_*.deb "$work/gensym/root/DEBIAN"
sed -n '1,2p' "$work/gensym/root/DEBIAN/symbols" > "$work/gensym/more.symbols"
# The same version node and minimal version as the first symbol there.
sed -n '3s/^ [^@]*\(@[^ ]* [^ ]*\)$/ minivent_removed_symbol\1/p' \
	"$work/gensym/root/DEBIAN/symbols" >> "$work/gensym/more.symbols"
sed -n '3,$p' "$work/gensym/root/DEBIAN/symbols" >> "$work/gensym/more.symbols"
gensym() {	# gensym SYMBOLS-FILE
	dpkg-gensymbols -c4 -plibminivent0 -v1.0.0-1 -P"$work/gensym/root" \
		-I"$1" -O"$work/gensym/out.symbols" \
		-e"$(find "$work/gensym/root" -name 'libminivent.so.0*' -type f)"
}
gensym "$srcdir/packaging/debian/libminivent0.symbols"
if gensym "$work/gensym/more.symbols" >"$work/gensym/log" 2>&1; then
	echo "$0: dpkg-gensymbols accepts a library that lacks a symbol" >&2
	exit 1
fi
grep -q 'MISSING: .* minivent_removed_symbol' "$work/gensym/log"
step_ok

step_start "dpkg -i libminivent0 libminivent-dev"
installed=yes
dpkg -i "$work"/deb/libminivent0_*.deb "$work"/deb/libminivent-dev_*.deb
step_ok

step_start "pkg-config build and run"
# Only the installed files may be used: no build-tree pkg-config path.
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR C_INCLUDE_PATH CPATH LIBRARY_PATH LD_LIBRARY_PATH
pkg-config --exists minivent || { pkg-config --print-errors minivent; exit 1; }
[ "$(pkg-config --modversion minivent)" = "$version" ] || {
	echo "$0: pkg-config finds minivent $(pkg-config --modversion minivent), not $version" >&2
	exit 1
}
cat > "$work/timer.c" <<'PROG'
/* A 10 ms timer must fire once, not before its time, with REASON_TIMEOUT. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include HEADER

static int fired;

static int on_timer(struct event *evt, uint32_t events)
{
	fired = evt->reason == REASON_TIMEOUT && events == 0 ? 1 : -1;
	return EVENTCB_REMOVE;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event timer = TIMER_EVENT_ON_STACK(on_timer, 10000);
	double t0 = now_ms(), elapsed;
	int rc;

	if (!dsp || (rc = event_add(dsp, &timer)) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	while (!fired && now_ms() - t0 < 5000)
		if ((rc = event_wait(dsp, NULL)) != 0 && rc != -EINTR) {
			fprintf(stderr, "event_wait: %d\n", rc);
			return 1;
		}
	elapsed = now_ms() - t0;
	free_dispatcher(dsp);
	printf("timer fired=%d after %.1f ms\n", fired, elapsed);
	return fired == 1 && elapsed >= 10.0 ? 0 : 1;
}
PROG
# New code says <minivent/event.h> (pkg-config minivent); code written for
# the original says "event.h" (pkg-config minivent-compat).
for pair in 'minivent <minivent/event.h>' 'minivent-compat "event.h"'; do
	module=${pair%% *}
	header=${pair#* }
	# shellcheck disable=SC2046 # pkg-config output is a list of words
	${CC:-cc} -Wall -Wextra -Werror -include errno.h -DHEADER="$header" \
		$(pkg-config --cflags "$module") -o "$work/timer" "$work/timer.c" \
		$(pkg-config --libs minivent)
	# /lib and /usr/lib are the same directory on merged-/usr systems.
	ldd "$work/timer" | grep -Eq 'libminivent\.so\.0 => (/usr)?/lib/' || {
		ldd "$work/timer"
		echo "$0: the test program does not use the installed library" >&2
		exit 1
	}
	"$work/timer" || { echo "$0: timer test failed with $header" >&2; exit 1; }
done
step_ok "$(pkg-config --cflags --libs minivent | tr -s ' ')"

step_start "man -w event_add"
if dpkg -L libminivent-dev | grep -q '/man3/'; then
	man -w event_add
	# The exported name leads to the same page.
	man -w minivent_event_add
	step_ok "$(man -w event_add)"
else
	step_warn "libminivent-dev has no man pages yet"
fi

purge() {
	# shellcheck disable=SC2086 # a list of package names
	dpkg -P $our_packages
	installed=no
	# shellcheck disable=SC2086
	if dpkg-query -W $our_packages 2>/dev/null | grep -q .; then
		dpkg -l $our_packages
		echo "$0: packages still known to dpkg after purge" >&2
		exit 1
	fi
	[ ! -e /usr/include/minivent ] || { echo "/usr/include/minivent left behind" >&2; exit 1; }
}

step_start "dpkg -P"
purge
step_ok

step_start "autopkgtest (null runner)"
# debian/tests from the source package against the packages just built;
# the null runner installs them (and their test dependencies) here.
installed=yes
status=0
autopkgtest --output-dir "$work/autopkgtest" "$work"/deb/*.dsc "$work"/deb/*.deb \
	-- null > "$work/autopkgtest.log" 2>&1 || status=$?
cat "$work/autopkgtest/summary" 2>/dev/null || true
# 0: every test passed (2 would be a skip, 4 a failure, 8 no test at all).
if [ $status -ne 0 ]; then
	tail -n 40 "$work/autopkgtest.log"
	echo "$0: autopkgtest failed ($status)" >&2
	exit 1
fi
ntests=$(grep -c ' PASS$' "$work/autopkgtest/summary" || true)
[ "$ntests" -ge 2 ] || { echo "$0: autopkgtest ran $ntests tests, not both" >&2; exit 1; }
purge
step_ok "$ntests tests passed"
