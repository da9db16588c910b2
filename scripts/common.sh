# SPDX-License-Identifier: GPL-2.0
# Shared settings for goalloc's scripts. Sourced, not run.
#
# GOALLOC_CACHE holds everything that is expensive to make and must outlive a
# clone of the repository: the unpacked linux-source tree and the built test
# kernel, keyed by the config fragment and the source package version.

GOALLOC_TOP=${GOALLOC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GOALLOC_CACHE=${GOALLOC_CACHE:-/var/cache/goalloc}
GOALLOC_OUT=${GOALLOC_OUT:-$GOALLOC_TOP/build}
GOALLOC_FRAGMENT=$GOALLOC_TOP/scripts/goalloc-test.config

die() { echo "goalloc: error: $*" >&2; exit 1; }
msg() { echo "goalloc: $*" >&2; }

# The newest Debian 6.12 kernel (ABI name such as 6.12.117+deb12-amd64) for
# which both an image and matching headers are available: the one place the
# stock kernel version is decided. Installed packages win over the archive so
# a machine that already has a pair keeps using it.
stock_kver() {
	local v
	v=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null |
	    sed 's|.*/linux-headers-||' | sort -V | while read -r k; do
		[ -e "/boot/vmlinuz-$k" ] && echo "$k"; done | tail -n 1)
	if [ -z "$v" ]; then
		v=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		    awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | while read -r k; do
			apt-cache show "linux-image-$k-unsigned" >/dev/null 2>&1 && echo "$k"; done | tail -n 1)
	fi
	echo "$v"
}

# Version of the installed linux-source-6.12 package and its tarball.
src_version() { dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null; }
src_tarball() { ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null; }

# Unpacked source tree for that version (kunit.py, checkpatch, kselftest.h).
src_dir() { echo "$GOALLOC_CACHE/src-$(src_version)"; }

# Build tree of the test kernel: key = fragment hash + source version.
kernel_key() {
	{ cat "$GOALLOC_FRAGMENT"; src_version; gcc -dumpfullversion; } | sha256sum | cut -c1-16
}
kernel_dir() { echo "$GOALLOC_CACHE/kernel-$(kernel_key)"; }

# Copy goalloc's module sources (Kbuild, mod/, include/, kunit/, bench/; no
# build products) from $1 into a fresh directory $2, for a clean out-of-tree
# build.
copy_module_source() {
	local from=$1 to=$2 d present=()
	[ -f "$from/Kbuild" ] || die "no Kbuild in module source $from"
	rm -rf "$to"
	mkdir -p "$to"
	for d in Kbuild mod include kunit bench; do
		[ -e "$from/$d" ] || continue
		present+=("$d")
		# Kbuild's -I$(src)/include must exist even if empty (W=1 warns).
		[ -d "$from/$d" ] && mkdir -p "$to/$d"
	done
	(cd "$from" && find "${present[@]}" -type f \
		\( -name Kbuild -o -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 |
		xargs -0 -r cp --parents -t "$to")
}

# Parallel make jobs for module and tool builds.
GOALLOC_JOBS=${GOALLOC_JOBS:-$(( $(nproc) + 1 ))}

# Debian's stock kernel for make demo and make bench: sets kver, hdr (its
# headers) and img (its image), or dies saying what to install.
stock_kernel() {
	kver=$(stock_kver)
	[ -n "$kver" ] || die "no stock 6.12 kernel installed; run 'make deps' as root"
	hdr=/usr/src/linux-headers-$kver
	img=/boot/vmlinuz-$kver
	[ -d "$hdr" ] || die "$hdr missing; run 'make deps'"
	[ -r "$img" ] || die "$img missing or unreadable; run 'make deps' as root"
}

# The test kernel for make check and make stress (built once, cached; see
# scripts/build-kernel.sh): sets kd (its build tree), sd (src_dir) and
# bzimage, or dies.
test_kernel() {
	kd=$("$GOALLOC_TOP/scripts/build-kernel.sh")
	# shellcheck disable=SC2034 # the caller's
	sd=$(src_dir)
	bzimage=$kd/arch/x86/boot/bzImage
	[ -f "$bzimage" ] || die "test kernel image $bzimage missing"
}

# build_modules KDIR MSRC LOG [MAKE ARGS...]: goalloc's modules in MSRC
# (a copy_module_source tree) against kernel tree KDIR, W=1, output in LOG.
# On failure the log's errors go to stderr and it returns 1.
build_modules() {
	local kdir=$1 msrc=$2 log=$3
	shift 3
	make -j"$GOALLOC_JOBS" -C "$kdir" M="$msrc" W=1 "$@" modules >"$log" 2>&1 && return 0
	grep -E 'error:|ERROR:|\*\*\*|undefined!' "$log" | head -n 40 | sed 's/^/    /' >&2 || true
	return 1
}

# build_client KDIR SYMVERS OUT LOG: examples/client as an out-of-tree user
# builds it, against goalloc's include/goalloc.h and the Module.symvers of
# the goalloc.ko it will load beside (KBUILD_EXTRA_SYMBOLS), W=1, in a fresh
# copy OUT.  On failure the log's errors go to stderr and it returns 1.
build_client() {
	local kdir=$1 symvers cout=$3 log=$4
	symvers=$(realpath -m "$2")
	rm -rf "$cout"
	mkdir -p "$cout"
	cp "$GOALLOC_TOP"/examples/client/{Kbuild,Makefile,*.c} "$cout/"
	make -C "$cout" KDIR="$kdir" GOALLOC="$GOALLOC_TOP" KBUILD_EXTRA_SYMBOLS="$symvers" W=1 \
		>"$log" 2>&1 && [ -f "$cout/goalloc_client.ko" ] && return 0
	grep -E 'error:|ERROR:|\*\*\*|undefined!' "$log" | head -n 20 | sed 's/^/    /' >&2 || true
	return 1
}

# build_tools OUT LOG [TARGETS...]: tools/ (static, for the guest) into OUT
# (default target: all), output in LOG.  On failure the log's errors go to
# stderr and it returns 1.
build_tools() {
	local out=$1 log=$2
	shift 2
	make -j"$GOALLOC_JOBS" -C "$GOALLOC_TOP/tools" KSFT="$(src_dir)/tools/testing/selftests" \
		OUT="$out" "${@:-all}" >"$log" 2>&1 && return 0
	grep -E 'error:|\*\*\*' "$log" | head -n 20 | sed 's/^/    /' >&2 || true
	return 1
}

# splat_lines LOG: the lines of a serial log that hold a kernel splat, by
# the one list scripts/judge.py judges every boot with (numbered, as grep -n).
splat_lines() {
	python3 "$GOALLOC_TOP/scripts/judge.py" --splats "$1"
}
