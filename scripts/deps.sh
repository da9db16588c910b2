#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what goalloc's build, demo and tests need on Debian 12 (run as root).
# Idempotent: does nothing when everything is present.
set -euo pipefail
. "$(dirname "$0")/common.sh"

want=(qemu-system-x86 qemu-utils busybox-static linux-source-6.12 bc bison flex
      libelf-dev libssl-dev cpio xz-utils kmod python3 gzip perl libc6-dev
      golang-1.19-go)
# tools/testing/goalloc/goallocctl_top_test.c runs `goallocctl top` in tmux.
want+=(tmux)
# make dkms-check (DKMS build on the stock headers), make docs-check (Sphinx).
want+=(dkms python3-sphinx)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
kver=$(stock_kver)
if [ -z "$kver" ] || [ ! -e "/boot/vmlinuz-$kver" ] || [ ! -d "/usr/src/linux-headers-$kver" ]; then
	need_kernel=1
else
	need_kernel=0
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_kernel = 1 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]} stock kernel); run 'make deps' as root"
	msg "apt-get update"
	apt-get update -qq
	if [ $need_kernel = 1 ]; then
		kver=$(stock_kver)
		[ -n "$kver" ] || die "no Debian 6.12 kernel image/headers pair found in the archive"
		missing+=("linux-image-$kver-unsigned" "linux-headers-$kver")
	fi
	msg "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
msg "stock kernel: $(stock_kver); linux-source: $(src_version)"

# Unpack the kernel source once per version into the cache.
sd=$(src_dir)
if [ ! -f "$sd/.unpacked" ]; then
	msg "unpacking linux-source $(src_version) into $sd"
	rm -rf "$sd"
	mkdir -p "$sd"
	tar -xJf "$(src_tarball)" -C "$sd" --strip-components=1
	touch "$sd/.unpacked"
fi
