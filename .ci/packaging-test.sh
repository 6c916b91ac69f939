#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Packaging smoke test, run from a configured and built tree (in-tree or
# VPATH build directory):
#
#   .ci/packaging-test.sh
#
# It makes the release tarball, compares the library ABI with the baseline
# (make check-abi), builds binary RPMs (rpmbuild -ta) and
# Debian packages (packaging/build-deb.sh, lintian must report no error)
# from it, installs libminivent0 and libminivent-dev with dpkg, builds and
# runs a program that finds the library only through pkg-config, checks
# that "man -w event_add" finds the installed page, and purges the packages
# again. It installs packages system-wide, so it is meant for a disposable
# CI machine running as root; it refuses to touch minivent packages that
# were installed before it started.
#
# Needs: rpm, dpkg-dev, debhelper, lintian, pkgconf, a C compiler, man-db,
# and the Build-Depends of packaging/debian/control (licensecheck and
# mandoc are installed with apt-get when missing).
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
		dpkg -P libminivent-dev libminivent0 >/dev/null 2>&1
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

# Build-Depends that older CI images may lack (packaging/debian/control).
for tool in licensecheck mandoc; do
	command -v "$tool" >/dev/null 2>&1 && continue
	echo "installing $tool (a Build-Depends of the Debian packaging)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"$tool" >/dev/null
done

for pkg in libminivent0 libminivent-dev; do
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

step_start "build-deb.sh + lintian"
"$srcdir/packaging/build-deb.sh" "$tarball" "$work/deb"
debs=$(cd "$work/deb" && ls -- *.deb)
step_ok "$(echo "$debs" | wc -l) debs, $(grep -c '^W:' "$work/deb/lintian.log" || true) lintian warnings"

step_start "lintian -I --pedantic"
# Everything lintian has to say, down to pedantic and info tags; the only
# tag expected is that a test upload closes no ITP bug.
lintian -I --pedantic --tag-display-limit 0 "$work"/deb/*.changes \
	> "$work/lintian-pedantic.log" 2>&1 || true
cat "$work/lintian-pedantic.log"
unexpected=$(grep -E '^[EWIPX]: ' "$work/lintian-pedantic.log" |
	grep -v ': initial-upload-closes-no-bugs ' || true)
if [ -n "$unexpected" ]; then
	echo "$0: lintian -I --pedantic reports more than the expected tag" >&2
	exit 1
fi
step_ok "only initial-upload-closes-no-bugs"

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

step_start "dpkg -P"
dpkg -P libminivent-dev libminivent0
installed=no
if dpkg-query -W libminivent0 libminivent-dev 2>/dev/null | grep -q .; then
	dpkg -l libminivent0 libminivent-dev
	echo "$0: packages still known to dpkg after purge" >&2
	exit 1
fi
[ ! -e /usr/include/minivent ] || { echo "/usr/include/minivent left behind" >&2; exit 1; }
step_ok
