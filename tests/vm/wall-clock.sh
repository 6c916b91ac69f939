#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Set the wall clock under pending minivent timeouts, for real: in a
# virtual machine (qemu, TCG: no KVM needed), never on the machine that
# runs the tests. The guest is a Debian cloud kernel and an initramfs
# whose /init is tests/vm/wall-clock-guest.c, built statically from the
# library's sources; its results come back on the serial console.
#
# Needs qemu-system-x86 and cpio, and a kernel: $MINIVENT_VM_KERNEL (a
# vmlinuz), else one cached in $MINIVENT_VM_CACHE or installed as
# /boot/vmlinuz-*-cloud-amd64, else the
# linux-image-*-cloud-amd64 package that "apt-get download" fetches into
# that cache (by default /var/cache/minivent-vm where writable, else
# ~/.cache/minivent-vm: outside the build tree, which distcheck wants
# clean and every new build would fetch again). Skips (77), naming the
# package, only when one of these cannot be had; with
# MINIVENT_REQUIRE_VM=1 (CI) that is a failure instead.
set -u
srcdir=${srcdir:-.}
cc=${CC:-cc}
skip() {
	if [ "${MINIVENT_REQUIRE_VM:-0}" = 1 ]; then
		echo "FAIL (MINIVENT_REQUIRE_VM=1): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

case $(uname -m) in
x86_64) ;;
*) skip "the guest kernel is x86-64 and this is $(uname -m)" ;;
esac
qemu=$(command -v qemu-system-x86_64) ||
	skip "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
command -v cpio >/dev/null 2>&1 || skip "cpio not found: apt-get install cpio"

cache=${MINIVENT_VM_CACHE:-}
if [ -z "$cache" ]; then
	for dir in /var/cache/minivent-vm "${HOME:-/nonexistent}/.cache/minivent-vm"; do
		if mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ]; then
			cache=$dir
			break
		fi
	done
	[ -n "$cache" ] || skip "no writable cache for the kernel: set MINIVENT_VM_CACHE"
fi

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# The kernel.
find_kernel() {
	for k in "$cache"/vmlinuz-* /boot/vmlinuz-*-cloud-amd64; do
		[ -r "$k" ] && { echo "$k"; return 0; }
	done
	return 1
}
kernel=${MINIVENT_VM_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(find_kernel)
fi
if [ -z "$kernel" ]; then
	meta=linux-image-cloud-amd64
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
	      sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] ||
		skip "no guest kernel: apt-get install $meta (or set MINIVENT_VM_KERNEL)"
	(cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) ||
		skip "no guest kernel, apt-get download $pkg failed: apt-get install $meta (or set MINIVENT_VM_KERNEL)"
	for deb in "$cache"/"$pkg"_*.deb; do
		dpkg-deb --fsys-tarfile "$deb" | (cd "$tmp" && tar -xf - ./boot) &&
			cp "$tmp"/boot/vmlinuz-* "$cache"/ && rm -f "$deb"
	done
	kernel=$(find_kernel) ||
		skip "no vmlinuz in $pkg: apt-get install $meta (or set MINIVENT_VM_KERNEL)"
fi

# The guest program, as /init of the initramfs.
mkdir -p "$tmp/root/dev" "$tmp/root/proc" || exit 99
echo 'int main(void) { return 0; }' >"$tmp/t.c"
$cc -static -o "$tmp/t" "$tmp/t.c" 2>/dev/null ||
	skip "cannot link a static program: apt-get install libc6-dev"
if ! $cc -static -O2 -std=gnu99 -I. -I"$srcdir/include/minivent" \
	-I"$srcdir/lib" -o "$tmp/root/init" \
	"$srcdir/tests/vm/wall-clock-guest.c" "$srcdir"/lib/*.c; then
	echo "FAIL: cannot build the guest program"
	exit 99
fi
(cd "$tmp/root" && find . | cpio -o -H newc --quiet) >"$tmp/initrd" || exit 99

# -no-reboot: a panic (init died) ends qemu too. The timeout is a last
# resort; the guest takes about 10 s of its own time.
timeout 300 "$qemu" -accel tcg -m 256 -smp 1 -nodefaults -no-reboot \
	-display none -serial stdio -monitor none \
	-kernel "$kernel" -initrd "$tmp/initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" \
	</dev/null >"$tmp/console" 2>&1
rc=$?
tr -d '\r' <"$tmp/console" | grep '^vm-test:'
if ! grep -q '^vm-test: done' "$tmp/console"; then
	echo "FAIL: the guest did not finish (qemu exit status $rc); its console:"
	tail -n 40 "$tmp/console"
	exit 1
fi
grep -q '^vm-test: done 0' "$tmp/console" || exit 1
exit 0
