# SPDX-License-Identifier: GPL-2.0
# goalloc: out-of-tree module wrapper (objects are listed in Kbuild).
#
#   make [KDIR=...] [W=1]   build goalloc.ko (+ goalloc_kunit.ko on KUnit kernels)
#   make check              everything: test kernel, harness, KUnit in QEMU, judge
#   make demo               goalloc.ko on Debian's stock 6.12 kernel in QEMU
#   make bench              benchmarks vs SLUB/vmalloc/page allocator (stock kernel)
#   make stress             long stress/hotplug/fault-injection/fuzz runs (debug guest)
#   make harness            userspace harness only (host, ASan/UBSan)
#   make checkpatch         kernel style check of mod/ include/ kunit/ bench/ examples/
#   make install            goalloc.ko into /lib/modules/<kver>/updates, depmod,
#                           header + Module.symvers into /usr/src/goalloc-<ver>
#   make dkms-src           the DKMS source tree /usr/src/goalloc-<ver>
#   make dkms-check         dkms build against the stock headers, load in QEMU
#   make docs-check         Sphinx + kernel-doc render of Documentation/ (-W)
#   make deps               install packages, unpack linux-source (root)
#   make clean              remove build products and build/

KDIR	?= /lib/modules/$(shell uname -r)/build
SCRIPTS	:= $(CURDIR)/scripts
# The unpacked kernel source (checkpatch.pl, kselftest_harness.h, kunit.py).
KSRC	= $(shell bash -c '. $(SCRIPTS)/common.sh && src_dir')
CHECKPATCH_FLAGS ?= --no-tree --terse
# The one version number: dkms.conf's.
VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
KVER	= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
# Where other modules find goalloc's header and exports (as OpenZFS does):
# $(SDK)/include/goalloc.h and $(SDK)/<kver>/Module.symvers.
SDK	= $(DESTDIR)/usr/src/goalloc-$(VERSION)

all: modules

# make check builds in build/check/src against the test kernel and make demo
# in build/demo/src against the stock headers (see scripts/check.sh), so
# this in-tree build never mixes objects with theirs.
modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) modules

deps:
	$(SCRIPTS)/deps.sh

check: deps
	$(SCRIPTS)/check.sh

demo: deps
	$(SCRIPTS)/demo.sh

# Longer stress, hotplug, fault-injection and fuzz runs in the debug guest.
stress: deps
	$(SCRIPTS)/stress.sh

# goalloc against SLUB, vmalloc and the page allocator on the stock kernel.
bench: deps
	$(SCRIPTS)/bench.sh

harness: deps
	$(MAKE) -C tools/testing/goalloc KSFT=$(KSRC)/tools/testing/selftests run

checkpatch: deps
	@files=$$(find mod include kunit bench examples -name '*.[ch]' 2>/dev/null | sort); \
	[ -n "$$files" ] || { echo "checkpatch: no files"; exit 0; }; \
	rc=0; for f in $$files; do \
		perl $(KSRC)/scripts/checkpatch.pl $(CHECKPATCH_FLAGS) -f $$f || rc=1; \
	done; exit $$rc

# Without DKMS: goalloc.ko alone (no KUnit, no test-only checks) into
# /lib/modules/<kver>/updates, then depmod, so 'modprobe goalloc' finds it;
# the header and this build's Module.symvers go to $(SDK).
install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) GOALLOC_KUNIT=0 GOALLOC_DEBUG=0 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -D -m 644 include/goalloc.h $(SDK)/include/goalloc.h
	install -D -m 644 Module.symvers $(SDK)/$(KVER)/Module.symvers

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/goalloc.ko*
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	rm -rf $(SDK)/$(KVER)

# The source tree DKMS builds from (dkms.conf); then dkms add/build/install.
DKMS_FILES = dkms.conf Kbuild scripts/dkms-post-build.sh \
	$(shell find mod include -type f -name '*.[chS]' | sort)
dkms-src:
	rm -rf $(SDK)
	for f in $(DKMS_FILES); do install -D -m $$(test -x $$f && echo 755 || echo 644) \
		$$f $(SDK)/$$f || exit 1; done

# dkms add + build in a private tree under build/dkms against Debian's stock
# headers, then the stock kernel in QEMU loads what DKMS built.
dkms-check: deps
	$(SCRIPTS)/dkms-check.sh

# Documentation/*.rst and include/goalloc.h's kernel-doc through Sphinx with
# the kernel's kerneldoc extension; any warning fails.
docs-check: deps
	$(SCRIPTS)/docs-check.sh

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; else \
		find . \( -path ./build -o -path ./.git \) -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.a' \) -print | xargs -r rm -f; \
		rm -f modules.order Module.symvers; fi
	rm -rf build

.PHONY: all modules deps check demo bench stress harness checkpatch clean install uninstall \
	dkms-src dkms-check docs-check
