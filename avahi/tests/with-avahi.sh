#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# with-avahi.sh CMD [ARG...]: run CMD against a private, throw-away
# avahi-daemon, and exit with CMD's status.
#
# A dbus-daemon of our own listens on a socket in a temp dir, and
# DBUS_SYSTEM_BUS_ADDRESS points avahi-daemon and the test at it, so the
# host's system bus and daemon are never touched. avahi-daemon runs in new
# network and mount namespaces: it only sees lo (no mDNS on real links)
# and gets a private /run/avahi-daemon for its fixed pid file, so runs in
# parallel do not clash. Every process gets PDEATHSIG, so nothing outlives
# the script even if it is killed.
#
# Exit 77 (skip) when the environment cannot be built, with a one-line
# reason; with MINIVENT_REQUIRE_AVAHI=1 that is a failure (1) instead.
set -u

SKIP=77
PATH=/usr/sbin:/sbin:$PATH

say() { echo "with-avahi: $*" >&2; }
skip() {
	if [ "${MINIVENT_REQUIRE_AVAHI:-0}" = 1 ]; then
		say "FAIL (MINIVENT_REQUIRE_AVAHI=1): $*"
		exit 1
	fi
	say "SKIP: $*"
	exit $SKIP
}

[ $# -ge 1 ] || { say "usage: with-avahi.sh CMD [ARG...]"; exit 99; }
[ "$(id -u)" = 0 ] || skip "needs root (namespaces, avahi-daemon)"
for tool in dbus-daemon:dbus-daemon dbus-send:dbus-bin avahi-daemon:avahi-daemon \
	unshare:util-linux setpriv:util-linux ip:iproute2; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		skip "${tool%%:*} not found (apt-get install ${tool#*:})"
done
unshare --net --mount true 2>/dev/null || skip "cannot create network and mount namespaces"

# Short path: a unix socket path must fit in 108 bytes.
dir=$(mktemp -d /tmp/mv-avahi.XXXXXX) || skip "mktemp failed"
# avahi-daemon may drop root, and clients need not be root: not 0700.
chmod 0755 "$dir"

dbus_pid= avahi_pid= cmd_pid=
finish() {
	rc=$?
	trap - EXIT INT TERM
	# Our own processes only, by pid; never by name.
	for pid in $cmd_pid $avahi_pid $dbus_pid; do
		kill -TERM "$pid" 2>/dev/null || continue
		n=0
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ $rc -ne 0 ] && [ $rc -ne $SKIP ]; then
		for f in "$dir"/*.log; do
			[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
		done
	fi
	rm -rf "$dir"
	exit $rc
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A system-type bus with the stock default-deny policy, plus the avahi
# package's policy so that root may own org.freedesktop.Avahi.
cat >"$dir/bus.conf" <<BUS
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/avahi-dbus.conf</include>
</busconfig>
BUS

# lo only, IPv4 only, no wide-area DNS, nothing published but our tests.
cat >"$dir/avahi.conf" <<'CONF'
[server]
host-name=minivent-test
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-aaaa-on-ipv4=no
[reflector]
enable-reflector=no
[rlimits]
CONF

# 1. The bus, in the foreground, without pid file or user switch.
setpriv --pdeathsig TERM dbus-daemon --config-file="$dir/bus.conf" \
	--nofork --nopidfile >"$dir/dbus.log" 2>&1 &
dbus_pid=$!
n=0
until [ -S "$dir/bus.sock" ]; do
	kill -0 "$dbus_pid" 2>/dev/null || skip "dbus-daemon exited: $(tr '\n' ' ' <"$dir/dbus.log")"
	[ $n -ge 200 ] && skip "dbus-daemon socket did not appear within 10 s"
	sleep 0.05
	n=$((n + 1))
done
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus.sock
export DBUS_SYSTEM_BUS_ADDRESS

# 2. avahi-daemon in its namespaces; unshare execs in place, so $! is the
#    daemon. /run/avahi-daemon only serves as a mount point on the host.
mkdir -p /run/avahi-daemon
setpriv --pdeathsig TERM unshare --net --mount sh -c '
	set -e
	ip link set lo up
	mount -t tmpfs -o mode=0755 tmpfs /run/avahi-daemon
	exec avahi-daemon -f "$1" --no-drop-root --no-chroot --no-rlimits
' sh "$dir/avahi.conf" >"$dir/avahi.log" 2>&1 &
avahi_pid=$!

# 3. Ready: RUNNING (state 2) on the bus, with lo taken as an interface
#    (without one the daemon is RUNNING at once but finds nothing).
n=0
until dbus-send --system --print-reply --reply-timeout=500 \
		--dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetState \
		2>/dev/null | grep -q 'int32 2'; do
	kill -0 "$avahi_pid" 2>/dev/null || skip "avahi-daemon exited: $(tr '\n' ' ' <"$dir/avahi.log")"
	[ $n -ge 200 ] && skip "avahi-daemon not RUNNING within 10 s"
	sleep 0.05
	n=$((n + 1))
done
grep -q 'New relevant interface' "$dir/avahi.log" ||
	skip "avahi-daemon found no usable interface"

# 4. The command, in the background: dash runs traps only between commands.
setpriv --pdeathsig TERM "$@" &
cmd_pid=$!
wait "$cmd_pid"
rc=$?
cmd_pid=
if [ $rc -eq $SKIP ] && [ "${MINIVENT_REQUIRE_AVAHI:-0}" = 1 ]; then
	say "FAIL: the test skipped although MINIVENT_REQUIRE_AVAHI=1"
	rc=1
fi
exit $rc
