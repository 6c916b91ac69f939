#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The new user's first ten minutes, in a new minimal Debian 12 chroot:
#
#   .ci/fresh-machine.sh
#
# It builds a chroot with "debootstrap --variant=minbase bookworm", installs
# only sudo, git and ca-certificates in it, clones the commit checked out
# here (HEAD) into it, and then runs, as root and exactly as written in
# README.md:
#
#   1. the quick-start line (the indented line of "## Quick start" that
#      starts with "sudo apt-get install"), which must print the greeting;
#   2. the README's test command (the next indented line, "make check");
#   3. make distcheck.
#
# Every test that make check skips must say which Debian package would
# enable it, as "apt-get install PKG" on its SKIP line, and PKG must be a
# package the chroot's apt knows.
#
# The Debian mirror is the one this machine's apt uses for bookworm, read
# from apt at run time. The finished minbase tree is kept as a tarball in
# $MINIVENT_FRESH_CACHE (default /var/cache/minivent-ci; empty: no cache)
# for a week, and the .debs downloaded inside the chroot are kept there
# too, so that a second run on the same machine downloads little; without
# a cache everything comes from the mirror. Mounts are undone and the
# chroot is removed on exit, whatever failed.
#
# Needs root, debootstrap and git on this machine.
# Exit status: 0 passed, 1 a step failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
arch=$(dpkg --print-architecture)
cache=${MINIVENT_FRESH_CACHE-/var/cache/minivent-ci}
start=$(date +%s)
root=
mounts=()

say() { printf '%s\n' "fresh-machine: $*" >&2; }
step() { printf '\n=== fresh machine: %s (%ds)\n' "$*" $(( $(date +%s) - start )); }

[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap, chroot, mount)"; exit 1; }
command -v debootstrap >/dev/null || {
	say "debootstrap not found (apt-get install debootstrap)"; exit 1; }

# Everything mounted inside the chroot, innermost last.
mount_in() {	# mount_in TARGET MOUNT-ARGS...
	local target=$root/$1; shift
	mkdir -p "$target"
	mount "$@" "$target"
	mounts+=("$target")
}

link_debs() {	# link_debs FROM TO: the .debs of FROM that TO lacks
	local deb
	for deb in "$1"/*.deb; do
		[ -e "$deb" ] && [ ! -e "$2/${deb##*/}" ] || continue
		ln "$deb" "$2/" 2>/dev/null || cp "$deb" "$2/"
	done
}

chroot_procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
	done
	return 0
}

# A signal's trap can run inside a command whose output goes to a log:
# the cleanup reports on the script's own stdout and stderr (fds 3, 4).
exec 3>&1 4>&2
cleanup() {
	local status=$? i pids
	set +e
	trap - EXIT INT TERM
	exec 1>&3 2>&4
	if [ -n "$root" ] && [ -d "$root" ]; then
		# Processes left in the chroot (a daemon a test started) would keep
		# the mounts busy.
		pids=$(chroot_procs)
		[ -z "$pids" ] || { kill $pids; sleep 1; pids=$(chroot_procs); }
		[ -z "$pids" ] || kill -9 $pids
		for (( i = ${#mounts[@]} - 1; i >= 0; i-- )); do
			umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
		done
		# Never remove a tree that still has something mounted in it.
		if grep -q " $root/" /proc/mounts; then
			say "mounts left under $root; not removing it:"
			grep " $root/" /proc/mounts >&2
			status=1
		else
			rm -rf --one-file-system "$root"
		fi
	fi
	rm -rf "${work:-}"
	step "$([ $status -eq 0 ] && echo PASS || echo FAIL), total $(( $(date +%s) - start ))s"
	exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The README's commands, taken from README.md itself so that they cannot
# drift: the indented lines of the "Quick start" section.
readme_cmds=$(sed -n '/^## Quick start/,/^## /{/^    [^ ]/s/^    //p}' "$top/README.md")
quickstart=$(printf '%s\n' "$readme_cmds" | grep -m1 '^sudo apt-get install ' || :)
testcmd=$(printf '%s\n' "$readme_cmds" | sed -n '/^sudo apt-get install /{n;p;q}')
[ -n "$quickstart" ] && [ -n "$testcmd" ] || {
	say "README.md: no quick-start line (indented, 'sudo apt-get install ...') and test command after it in '## Quick start'"
	exit 1
}
echo "quick start:  $quickstart"
echo "test command: $testcmd"

commit=$(git -C "$top" rev-parse HEAD)
git -C "$top" diff --quiet HEAD 2>/dev/null ||
	say "note: uncommitted changes here are not tested, only $commit"

# The mirror this machine's apt uses for Debian $suite main.
mirror=$(apt-get indextargets --format '$(REPO_URI) $(ORIGIN) $(CODENAME) $(COMPONENT)' \
	'Created-By: Packages' 2>/dev/null |
	awk -v s="$suite" '$2 == "Debian" && $3 == s && $4 == "main" { print $1; exit }')
[ -n "$mirror" ] || {
	say "no Debian $suite main source in this machine's apt configuration (run apt-get update?)"
	exit 1
}
echo "mirror:       $mirror"

work=$(mktemp -d /var/tmp/minivent-fresh.XXXXXX)
root=$work/root
mkdir "$root"

step "debootstrap --variant=minbase $suite"
tarball=
if [ -n "$cache" ]; then
	mkdir -p "$cache/apt-archives"
	tarball=$cache/$suite-minbase-$arch-$(printf '%s' "$mirror" | md5sum | cut -c1-8).tar.gz
	# A week old at most: apt-get update in the chroot covers the rest.
	[ -n "$(find "$tarball" -mtime -7 2>/dev/null)" ] || rm -f "$tarball"
fi
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
	echo "from cache $tarball"
	tar -C "$root" --numeric-owner -xzf "$tarball"
else
	debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
		tail -n 30 "$work/debootstrap.log"
		[ ! -f "$root/debootstrap/debootstrap.log" ] || tail -n 30 "$root/debootstrap/debootstrap.log"
		exit 1
	}
	if [ -n "$tarball" ]; then
		# Renamed into place: another run may be reading the old one.
		tar -C "$root" --numeric-owner -czf "$tarball.$$" . && mv -f "$tarball.$$" "$tarball"
	fi
fi

step "mount /proc, /sys, /dev; install sudo git ca-certificates"
mount_in proc -t proc proc
mount_in sys -t sysfs sysfs
mount_in dev --bind /dev
mount_in dev/pts --bind /dev/pts
mount_in dev/shm -t tmpfs -o mode=1777 shm
mount_in tmp -t tmpfs -o mode=1777 tmp
# The cached .debs are linked in, not mounted: apt locks its archive
# directory, and two runs on one machine must not wait for each other.
[ -z "$cache" ] || link_debs "$cache/apt-archives" "$root/var/cache/apt/archives"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# No daemon of an installed package starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# The commit under test, as a bare repository the chroot can clone.
git clone -q --bare "$top" "$root/srv/minivent.git"
git -C "$root/srv/minivent.git" update-ref refs/heads/under-test "$commit"

in_chroot() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}
in_chroot apt-get update -q >/dev/null
in_chroot apt-get install -y -q --no-install-recommends sudo git ca-certificates >/dev/null
in_chroot git clone -q --branch under-test /srv/minivent.git /root/minivent
save_debs() {	# keep what the chroot downloaded for the next run
	[ -z "$cache" ] || link_debs "$root/var/cache/apt/archives" "$cache/apt-archives"
}

# Each README command runs through the user's shell, from the clone.
run_readme() {
	in_chroot bash -c 'cd /root/minivent && eval "$1"' bash "$1"
}

step "README quick start: $quickstart"
run_readme "$quickstart" 2>&1 | tee "$work/quickstart.log" | tail -n 5
save_debs
greeting=$(tail -n 1 "$work/quickstart.log")
case $greeting in
*[Hh]ello*) echo "greeting: $greeting" ;;
*) say "the quick start did not end with the hello example's greeting"; exit 1 ;;
esac

step "README test command: $testcmd"
run_readme "$testcmd" >"$work/check.log" 2>&1 || {
	cat "$work/check.log"
	cat "$root/root/minivent/test-suite.log" 2>/dev/null
	exit 1
}
grep -E '^(PASS|SKIP|XFAIL|FAIL|XPASS|ERROR|# )' "$work/check.log"

step "every SKIP names a package"
bad=0
while IFS= read -r trs; do
	grep -qx ':test-result: SKIP' "$trs" || continue
	log=${trs%.trs}.log
	line=$(grep -m1 'SKIP' "$log" || :)
	pkg=$(printf '%s\n' "$line" | sed -n 's/.*apt-get install \([a-z0-9][a-z0-9.+-]*\).*/\1/p')
	if [ -n "$pkg" ] && in_chroot apt-cache show "$pkg" >/dev/null 2>&1; then
		echo "ok: ${log#"$root"/root/minivent/}: $line"
	else
		echo "BAD: ${log#"$root"/root/minivent/} skips without naming a Debian package: ${line:-(no SKIP line)}"
		bad=1
	fi
done < <(find "$root/root/minivent" -name '*.trs' | sort)
[ $bad -eq 0 ]

step "make distcheck"
run_readme "make distcheck" >"$work/distcheck.log" 2>&1 || {
	tail -n 60 "$work/distcheck.log"
	exit 1
}
grep -A3 'archives ready for distribution' "$work/distcheck.log" || tail -n 4 "$work/distcheck.log"
