/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * goalloc userspace ABI: the /dev/goalloc ioctls.
 *
 * /dev/goalloc is a misc device, mode 0600; open() also requires
 * CAP_SYS_ADMIN.  Each open file owns a private table of handles: objects
 * and stacks are named by small integers (1, 2, ...), never by kernel
 * addresses, a handle means nothing on another open file, and closing the
 * file frees everything it still owns.  Objects are bounded by per-file and
 * global quotas (module parameters goalloc.file_max_bytes,
 * goalloc.file_max_objects, goalloc.global_max_bytes,
 * goalloc.global_max_objects; 0 = unlimited).
 *
 * Ioctl magic: 0xC1, which the 6.12 registry
 * (Documentation/userspace-api/ioctl/ioctl-number.rst) leaves unused.
 *
 * Every argument is a struct of __u32/__u64 fields with no holes and a size
 * that is a multiple of 8, so i386 and x86_64 layouts are identical and
 * 32-bit callers go through compat_ptr_ioctl unchanged.  Each struct starts
 * with @size (the caller sets it to the sizeof() it was compiled with) and
 * @flags.  The kernel reads @size first and follows copy_struct_from_user():
 * a shorter struct than the first published one is refused (EINVAL), one
 * longer than the kernel's is accepted only if the unknown tail is all zero
 * (E2BIG otherwise), so old binaries run on new kernels and the reverse.
 * For outputs the kernel writes min(@size, its sizeof()) bytes and zeroes
 * any tail it does not know.  The output-only structs (VERSION, MEMSTATS)
 * are the exception to the tail rule: only @size and @flags are read, so a
 * longer one is accepted whatever its unknown tail holds.  The size encoded
 * in the command number is ignored: @size is authoritative.  Fields named
 * reserved, and flag bits not defined here, must be zero (EINVAL).
 *
 * A failing command changes nothing: no handle is created or dropped, no
 * object is written, no quota is charged.  (The allocator's own counters in
 * MEMSTATS may still move: an ALLOC undone because its result could not be
 * copied out counts as one malloc and one free.)
 *
 * Errors (errno, for every command unless the command says otherwise):
 *
 *   EPERM      open() without CAP_SYS_ADMIN (EACCES comes first from the
 *              0600 mode for non-root users)
 *   ENOTTY     unknown command: wrong magic, number or direction
 *   EFAULT     the argument struct, a user buffer (READ/WRITE buf) or the
 *              BATCH ops array is not accessible as needed
 *   EINVAL     @size below the first published size; a non-zero reserved
 *              field or unknown flag; object size 0; READ/WRITE length 0;
 *              stack size 0, below GOALLOC_IOC_STACK_MIN or not a power of
 *              two; STACK_GROW with used > current size; BATCH count 0 or an
 *              unknown op; a handle of the wrong kind (an object handle given
 *              to STACK_FREE/STACK_GROW, a stack handle given to FREE or to
 *              a BATCH free op)
 *   E2BIG      @size above PAGE_SIZE, or a longer struct with non-zero bytes
 *              the kernel does not know (not VERSION, MEMSTATS: see above);
 *              object size above GOALLOC_IOC_MAX_OBJECT_SIZE; stack size
 *              (or the doubled size of STACK_GROW) above
 *              GOALLOC_IOC_STACK_MAX; BATCH count above GOALLOC_IOC_BATCH_MAX
 *   ENOENT     handle 0, never issued by this file, or already freed
 *   EOVERFLOW  READ/WRITE offset + length wraps around 2^64
 *   ERANGE     READ/WRITE range reaches past the object's end
 *   EDQUOT     the per-file or global byte or object quota would be exceeded
 *   ENOMEM     the heap is at its cap (module parameter max_heap_mb) or the
 *              kernel is out of memory (also READ/WRITE: their copy buffer)
 *   ENOSPC     this file has used up its 2^32 - 1 handle numbers
 *   EINTR      a fatal signal came while waiting for the file's lock
 *              (nothing was done), or interrupted a BATCH (the caller is
 *              dying)
 *
 * Threads sharing a file are serialised by the file's lock, which is never
 * held while user memory is accessed: a call whose buffer faults slowly
 * (userfaultfd, FUSE) delays only itself, and waiting for the lock is
 * killable.
 *
 * Contents: bytes of an object or stack that were never written read back
 * as zero, with or without GOALLOC_IOC_F_ZERO (the flag asks the allocator
 * to zero at allocation time, which is the path it exercises; without it the
 * device zeroes the object itself before the first READ or WRITE, so no old
 * kernel data can reach userspace).
 */
#ifndef _UAPI_GOALLOC_H
#define _UAPI_GOALLOC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define GOALLOC_IOC_MAGIC		0xC1

/* ABI version reported by GOALLOC_IOC_VERSION. */
#define GOALLOC_IOC_ABI_MAJOR		1
#define GOALLOC_IOC_ABI_MINOR		0

/* Limits (also reported by GOALLOC_IOC_VERSION). */
#define GOALLOC_IOC_MAX_OBJECT_SIZE	(4ULL << 20)
#define GOALLOC_IOC_STACK_MIN		2048ULL
#define GOALLOC_IOC_STACK_MAX		(4ULL << 20)
#define GOALLOC_IOC_BATCH_MAX		4096
/* The heap's page: memory is taken and given back in multiples of it. */
#define GOALLOC_IOC_PAGE_SIZE		8192ULL

/* ALLOC flags (also struct goalloc_ioc_batch_op.flags for an alloc op). */
#define GOALLOC_IOC_F_NOSCAN		0x1	/* pointer-free: Go's noscan, tiny-eligible */
#define GOALLOC_IOC_F_ZERO		0x2	/* allocator zeroes the object */
#define GOALLOC_IOC_F_MASK		(GOALLOC_IOC_F_NOSCAN | GOALLOC_IOC_F_ZERO)

/**
 * struct goalloc_ioc_version - GOALLOC_IOC_VERSION
 * @size: sizeof(struct goalloc_ioc_version)
 * @flags: must be 0
 * @major: out: GOALLOC_IOC_ABI_MAJOR (incompatible changes)
 * @minor: out: GOALLOC_IOC_ABI_MINOR (compatible additions)
 * @batch_max: out: GOALLOC_IOC_BATCH_MAX
 * @alloc_flags: out: ALLOC flags this kernel accepts
 * @max_object_size: out: largest ALLOC size
 * @stack_min: out: smallest STACK_ALLOC size
 * @stack_max: out: largest stack size
 */
struct goalloc_ioc_version {
	__u32 size;
	__u32 flags;
	__u32 major;
	__u32 minor;
	__u32 batch_max;
	__u32 alloc_flags;
	__u64 max_object_size;
	__u64 stack_min;
	__u64 stack_max;
};

/**
 * struct goalloc_ioc_alloc - GOALLOC_IOC_ALLOC and GOALLOC_IOC_STACK_ALLOC
 * @size: sizeof(struct goalloc_ioc_alloc)
 * @flags: ALLOC: GOALLOC_IOC_F_*; STACK_ALLOC: must be 0
 * @bytes: object size, 1..GOALLOC_IOC_MAX_OBJECT_SIZE; stack size, a power
 *	of two in GOALLOC_IOC_STACK_MIN..GOALLOC_IOC_STACK_MAX
 * @handle: out: the new handle (input ignored)
 */
struct goalloc_ioc_alloc {
	__u32 size;
	__u32 flags;
	__u64 bytes;
	__u64 handle;
};

/**
 * struct goalloc_ioc_free - GOALLOC_IOC_FREE and GOALLOC_IOC_STACK_FREE
 * @size: sizeof(struct goalloc_ioc_free)
 * @flags: must be 0
 * @handle: object (FREE) or stack (STACK_FREE) to free
 */
struct goalloc_ioc_free {
	__u32 size;
	__u32 flags;
	__u64 handle;
};

/**
 * struct goalloc_ioc_rw - GOALLOC_IOC_WRITE and GOALLOC_IOC_READ
 * @size: sizeof(struct goalloc_ioc_rw)
 * @flags: must be 0
 * @handle: object or stack
 * @offset: first byte of the range, from the object's start
 * @length: bytes, >= 1; offset + length <= the object's size
 * @buf: user buffer of @length bytes (source of WRITE, target of READ)
 */
struct goalloc_ioc_rw {
	__u32 size;
	__u32 flags;
	__u64 handle;
	__u64 offset;
	__u64 length;
	__u64 buf;
};

/**
 * struct goalloc_ioc_stack_grow - GOALLOC_IOC_STACK_GROW
 * @size: sizeof(struct goalloc_ioc_stack_grow)
 * @flags: must be 0
 * @handle: the stack; it names the new, doubled stack afterwards
 * @used: bytes in use at the top of the stack (stacks grow down); they are
 *	copied to the top of the new stack.  At most the current size.
 * @bytes: out: the new stack size
 */
struct goalloc_ioc_stack_grow {
	__u32 size;
	__u32 flags;
	__u64 handle;
	__u64 used;
	__u64 bytes;
};

/* struct goalloc_ioc_batch_op.op */
#define GOALLOC_IOC_BATCH_ALLOC		1
#define GOALLOC_IOC_BATCH_FREE		2

/**
 * struct goalloc_ioc_batch_op - one operation of GOALLOC_IOC_BATCH
 * @op: GOALLOC_IOC_BATCH_ALLOC or GOALLOC_IOC_BATCH_FREE
 * @flags: alloc: GOALLOC_IOC_F_*; free: must be 0
 * @bytes: alloc: object size as for ALLOC; free: must be 0
 * @handle: alloc: out, the new handle (input ignored); free: in, the
 *	object to free (may be one allocated earlier in the same batch)
 * @error: out: 0 on success, else the positive errno of this op
 * @reserved: must be 0
 */
struct goalloc_ioc_batch_op {
	__u32 op;
	__u32 flags;
	__u64 bytes;
	__u64 handle;
	__u32 error;
	__u32 reserved;
};

/**
 * struct goalloc_ioc_batch - GOALLOC_IOC_BATCH
 * @size: sizeof(struct goalloc_ioc_batch)
 * @flags: must be 0
 * @ops: user pointer to @count struct goalloc_ioc_batch_op
 * @count: 1..GOALLOC_IOC_BATCH_MAX
 * @done: out: ops that succeeded
 * @failed: out: ops that failed (their @error says why)
 * @reserved: must be 0
 *
 * The whole array is read and checked first; if any op is malformed
 * (unknown op, bad flags, reserved bits, size 0 or too large, non-zero
 * bytes on a free), nothing is executed, each bad op gets its @error, and
 * the ioctl fails with the first bad op's errno.  Otherwise the ops run in
 * order under the file's lock; an op that fails at run time (ENOENT;
 * EINVAL, a free op naming a stack; EDQUOT; ENOMEM; ENOSPC) changes
 * nothing, gets its @error and the batch goes on.
 * The ioctl then returns 0 with @done and @failed set, and every op's
 * @handle and @error written back.  (If the array stops being writable in
 * the middle of the call, EFAULT is returned although the ops ran; the
 * handles stay owned by the file.)
 */
struct goalloc_ioc_batch {
	__u32 size;
	__u32 flags;
	__u64 ops;
	__u32 count;
	__u32 done;
	__u32 failed;
	__u32 reserved;
};

/**
 * struct goalloc_ioc_cmd - GOALLOC_IOC_GC and GOALLOC_IOC_DRAIN
 * @size: sizeof(struct goalloc_ioc_cmd)
 * @flags: must be 0
 */
struct goalloc_ioc_cmd {
	__u32 size;
	__u32 flags;
};

/**
 * struct goalloc_ioc_release - GOALLOC_IOC_RELEASE
 * @size: sizeof(struct goalloc_ioc_release)
 * @flags: must be 0
 * @released: out: bytes returned to the kernel by this call
 */
struct goalloc_ioc_release {
	__u32 size;
	__u32 flags;
	__u64 released;
};

/**
 * struct goalloc_ioc_memstats - GOALLOC_IOC_MEMSTATS: Go's runtime.MemStats
 * @size: sizeof(struct goalloc_ioc_memstats)
 * @flags: must be 0
 * @alloc: Alloc: bytes of live heap objects (by slot size)
 * @total_alloc: TotalAlloc: cumulative bytes allocated
 * @sys: Sys: bytes obtained from the kernel (heap, stacks, metadata)
 * @mallocs: Mallocs: objects allocated, cumulative
 * @frees: Frees: objects freed, cumulative
 * @heap_alloc: HeapAlloc: same as @alloc
 * @heap_sys: HeapSys: the heap's address space (the 4 MiB frames its pages
 *	lie in, the released part included)
 * @heap_idle: HeapIdle: bytes in spans with no objects
 * @heap_inuse: HeapInuse: bytes in in-use spans
 * @heap_released: HeapReleased: bytes returned to the kernel
 * @heap_objects: HeapObjects: @mallocs - @frees
 * @stack_inuse: StackInuse: bytes in stack spans
 * @stack_sys: StackSys: bytes taken from the heap for stacks
 * @mspan_inuse: MSpanInuse: bytes of mspan structures in use
 * @mspan_sys: MSpanSys: bytes obtained for mspan structures
 * @mcache_inuse: MCacheInuse: bytes of mcache structures
 * @mcache_sys: MCacheSys: bytes obtained for mcache structures
 * @next_gc: NextGC: heap size at which the next sweep cycle starts
 * @num_gc: NumGC: sweep cycles started
 * @tiny_allocs: (Go's mcache.tinyAllocs) tiny objects packed into a block
 * @heap_live: (Go's gcController.heapLive) bytes in slots handed out and
 *	not yet reclaimed, every slot of a cached span counted
 * @dev_objects: live handles over all open files (the global quota's count)
 * @dev_bytes: bytes of those handles
 *
 * Only @size and @flags are read; everything else is output.  Tiny objects
 * are counted as Go counts them: a packed tiny object adds to both @mallocs
 * and @frees, so @heap_objects counts 16 B blocks, not tiny objects.
 */
struct goalloc_ioc_memstats {
	__u32 size;
	__u32 flags;
	__u64 alloc;
	__u64 total_alloc;
	__u64 sys;
	__u64 mallocs;
	__u64 frees;
	__u64 heap_alloc;
	__u64 heap_sys;
	__u64 heap_idle;
	__u64 heap_inuse;
	__u64 heap_released;
	__u64 heap_objects;
	__u64 stack_inuse;
	__u64 stack_sys;
	__u64 mspan_inuse;
	__u64 mspan_sys;
	__u64 mcache_inuse;
	__u64 mcache_sys;
	__u64 next_gc;
	__u64 num_gc;
	__u64 tiny_allocs;
	__u64 heap_live;
	__u64 dev_objects;
	__u64 dev_bytes;
};

#define GOALLOC_IOC_VERSION	_IOWR(GOALLOC_IOC_MAGIC, 0x00, struct goalloc_ioc_version)
#define GOALLOC_IOC_ALLOC	_IOWR(GOALLOC_IOC_MAGIC, 0x01, struct goalloc_ioc_alloc)
#define GOALLOC_IOC_FREE	_IOW(GOALLOC_IOC_MAGIC, 0x02, struct goalloc_ioc_free)
#define GOALLOC_IOC_WRITE	_IOW(GOALLOC_IOC_MAGIC, 0x03, struct goalloc_ioc_rw)
#define GOALLOC_IOC_READ	_IOW(GOALLOC_IOC_MAGIC, 0x04, struct goalloc_ioc_rw)
#define GOALLOC_IOC_STACK_ALLOC	_IOWR(GOALLOC_IOC_MAGIC, 0x05, struct goalloc_ioc_alloc)
#define GOALLOC_IOC_STACK_FREE	_IOW(GOALLOC_IOC_MAGIC, 0x06, struct goalloc_ioc_free)
#define GOALLOC_IOC_STACK_GROW	_IOWR(GOALLOC_IOC_MAGIC, 0x07, struct goalloc_ioc_stack_grow)
#define GOALLOC_IOC_BATCH	_IOWR(GOALLOC_IOC_MAGIC, 0x08, struct goalloc_ioc_batch)
#define GOALLOC_IOC_GC		_IOW(GOALLOC_IOC_MAGIC, 0x09, struct goalloc_ioc_cmd)
#define GOALLOC_IOC_DRAIN	_IOW(GOALLOC_IOC_MAGIC, 0x0a, struct goalloc_ioc_cmd)
#define GOALLOC_IOC_RELEASE	_IOWR(GOALLOC_IOC_MAGIC, 0x0b, struct goalloc_ioc_release)
#define GOALLOC_IOC_MEMSTATS	_IOWR(GOALLOC_IOC_MAGIC, 0x0c, struct goalloc_ioc_memstats)

/* First published struct sizes: smaller @size values get EINVAL. */
#define GOALLOC_IOC_VERSION_SIZE_VER0	48
#define GOALLOC_IOC_ALLOC_SIZE_VER0	24
#define GOALLOC_IOC_FREE_SIZE_VER0	16
#define GOALLOC_IOC_RW_SIZE_VER0	40
#define GOALLOC_IOC_STACK_GROW_SIZE_VER0 32
#define GOALLOC_IOC_BATCH_SIZE_VER0	32
#define GOALLOC_IOC_CMD_SIZE_VER0	8
#define GOALLOC_IOC_RELEASE_SIZE_VER0	16
#define GOALLOC_IOC_MEMSTATS_SIZE_VER0	192
#define GOALLOC_IOC_BATCH_OP_SIZE	32

#endif /* _UAPI_GOALLOC_H */
