# SPDX-License-Identifier: GPL-2.0
# goalloc: out-of-tree module wrapper (objects are listed in Kbuild).
#
#   make [KDIR=...] [W=1]   build goalloc.ko (+ goalloc_kunit.ko on KUnit kernels)
#   make check              everything: test kernel, harness, KUnit in QEMU, judge
#   make demo               goalloc.ko on Debian's stock 6.12 kernel in QEMU
#   make bench              benchmarks vs SLUB/vmalloc/page allocator (stock kernel)
#   make stress             long stress/hotplug/fault-injection/fuzz runs (debug guest)
#   make harness            userspace harness only (host, ASan/UBSan)
#   make checkpatch         kernel style check of mod/ include/ kunit/ bench/
#   make deps               install packages, unpack linux-source (root)
#   make clean              remove build products and build/

KDIR	?= /lib/modules/$(shell uname -r)/build
SCRIPTS	:= $(CURDIR)/scripts
# The unpacked kernel source (checkpatch.pl, kselftest_harness.h, kunit.py).
KSRC	= $(shell bash -c '. $(SCRIPTS)/common.sh && src_dir')
CHECKPATCH_FLAGS ?= --no-tree --terse

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
	@files=$$(find mod include kunit bench -name '*.[ch]' 2>/dev/null | sort); \
	[ -n "$$files" ] || { echo "checkpatch: no files"; exit 0; }; \
	rc=0; for f in $$files; do \
		perl $(KSRC)/scripts/checkpatch.pl $(CHECKPATCH_FLAGS) -f $$f || rc=1; \
	done; exit $$rc

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; else \
		find . \( -path ./build -o -path ./.git \) -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.a' \) -print | xargs -r rm -f; \
		rm -f modules.order Module.symvers; fi
	rm -rf build

.PHONY: all modules deps check demo bench stress harness checkpatch clean
