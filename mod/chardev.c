// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/goalloc: the ioctl ABI of include/uapi/goalloc.h.
 *
 * Every open file owns a handle table (an xarray allocating ids from 1):
 * handle -> {kernel address, size, kind}.  Userspace only ever sees the
 * handles, so a stale, forged or foreign handle is a clean ENOENT rather
 * than a bad free, and closing the file (also when its process dies) frees
 * whatever the table still holds.  Quotas bound what one file and all files
 * together may hold, in bytes and in objects.
 *
 * Locking: struct goalloc_file.lock (a mutex) is held across each table
 * change together with the allocation or free it stands for, so threads
 * sharing a file can never observe a handle without its object, free one
 * object twice or race a READ with a FREE.  It is the outermost lock: the
 * heap is entered with it held and may sleep (arena growth, sweeping).
 * The global quota counters are atomics reserved with cmpxchg, so they
 * never exceed their limits, even transiently.
 *
 * The lock is never held while a user page is faulted in: a fault may take
 * forever (userfaultfd, FUSE) and would stall every thread of the file
 * behind it.  Requests are copied in before it is taken.  READ and WRITE
 * stage the data in a kernel bounce buffer, filled before the lock (WRITE,
 * so a faulting source still changes nothing) or copied out after it
 * (READ); the object itself is only touched under the lock, so a FREE on
 * another thread can never free it in the middle of a copy.  (Pinning the
 * object with a reference instead would save one memcpy of at most 4 MiB
 * but let READ, WRITE and FREE overlap on the same bytes.)  A result that
 * must reach userspace while its command can still be undone (a new
 * handle, STACK_GROW's new size) is stored under the lock with page faults
 * disabled; if its page is not there, the command is undone, the lock
 * dropped, the page faulted in and the command started again.  So the lock
 * is only held for bounded kernel work, and waiting for it is killable
 * (EINTR) anyway.  release() takes it plainly: no ioctl can be running on
 * a file whose last reference is gone, so it never waits.
 *
 * Every command validates all of its input before it changes anything and
 * undoes its own work if the result cannot be copied out, so a failing
 * command leaves the table, the quotas and the objects as they were.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <goalloc.h>
#include <uapi/goalloc.h>
#include "goalloc/chardev.h"

/* Quotas: 0 means unlimited.  Writable at run time by root. */
static unsigned long file_max_bytes = 64UL << 20;
module_param(file_max_bytes, ulong, 0644);
MODULE_PARM_DESC(file_max_bytes, "Bytes one open /dev/goalloc file may hold (0: no limit; default 64 MiB)");

static unsigned int file_max_objects = 65536;
module_param(file_max_objects, uint, 0644);
MODULE_PARM_DESC(file_max_objects, "Objects and stacks one open file may hold (0: no limit; default 65536)");

static unsigned long global_max_bytes = 128UL << 20;
module_param(global_max_bytes, ulong, 0644);
MODULE_PARM_DESC(global_max_bytes, "Bytes all open files together may hold (0: no limit; default 128 MiB)");

static unsigned int global_max_objects = 262144;
module_param(global_max_objects, uint, 0644);
MODULE_PARM_DESC(global_max_objects, "Objects and stacks all open files together may hold (0: no limit; default 262144)");

/* What every open file holds, for the global quotas and MEMSTATS. */
static atomic64_t dev_bytes = ATOMIC64_INIT(0);
static atomic64_t dev_objects = ATOMIC64_INIT(0);

enum goalloc_handle_kind {
	GOALLOC_HANDLE_OBJECT,
	GOALLOC_HANDLE_STACK,
	GOALLOC_HANDLE_ANY,	/* lookup only: READ and WRITE take both */
};

/**
 * struct goalloc_handle - one entry of a file's handle table
 * @ptr: the object or stack
 * @bytes: its size as requested (READ/WRITE bound; quota charge)
 * @kind: enum goalloc_handle_kind
 * @clean: its contents may be shown to userspace: zeroed by the allocator
 *	(GOALLOC_IOC_F_ZERO) or by us before the first READ or WRITE
 */
struct goalloc_handle {
	void *ptr;
	u64 bytes;
	u8 kind;
	bool clean;
};

/**
 * struct goalloc_file - the state of one open /dev/goalloc
 * @lock: serialises the table with the allocations it names (see the top
 *	of the file)
 * @handles: handle -> struct goalloc_handle
 * @bytes: bytes charged to this file (under @lock)
 * @objects: handles in @handles (under @lock)
 */
struct goalloc_file {
	struct mutex lock;	/* guards handles, bytes, objects */
	struct xarray handles;
	u64 bytes;
	u64 objects;
};

/* Take @add from a global counter unless that would pass @max (0: none). */
static bool reserve(atomic64_t *v, u64 add, u64 max)
{
	s64 old = atomic64_read(v);

	do {
		if (max && ((u64)old > max || add > max - (u64)old))
			return false;
	} while (!atomic64_try_cmpxchg(v, &old, old + add));
	return true;
}

static bool over(u64 now, u64 add, u64 max)
{
	return max && (now > max || add > max - now);
}

static int charge(struct goalloc_file *f, u64 bytes, u64 objects)
{
	lockdep_assert_held(&f->lock);
	if (over(f->bytes, bytes, READ_ONCE(file_max_bytes)) ||
	    over(f->objects, objects, READ_ONCE(file_max_objects)))
		return -EDQUOT;
	if (!reserve(&dev_bytes, bytes, READ_ONCE(global_max_bytes)))
		return -EDQUOT;
	if (!reserve(&dev_objects, objects, READ_ONCE(global_max_objects))) {
		atomic64_sub(bytes, &dev_bytes);
		return -EDQUOT;
	}
	f->bytes += bytes;
	f->objects += objects;
	return 0;
}

static void uncharge(struct goalloc_file *f, u64 bytes, u64 objects)
{
	lockdep_assert_held(&f->lock);
	f->bytes -= bytes;
	f->objects -= objects;
	atomic64_sub(bytes, &dev_bytes);
	atomic64_sub(objects, &dev_objects);
}

/*
 * Read an input struct by copy_struct_from_user()'s rules: @size first,
 * below the first published size is EINVAL, above a page E2BIG, a longer
 * struct with non-zero unknown bytes E2BIG.  Returns @size in *@usize.
 */
static int get_arg(void *k, size_t ksize, u32 ver0, const void __user *u,
		   u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)u))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(k, ksize, u, *usize);
}

/*
 * For output-only structs (VERSION, MEMSTATS): check @size and @flags only;
 * the rest of the caller's struct is output and may hold anything.
 */
static int get_out_header(const void __user *u, u32 ver0, u32 *usize)
{
	u32 flags;

	if (get_user(*usize, (const u32 __user *)u))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	if (get_user(flags, (const u32 __user *)u + 1))
		return -EFAULT;
	return flags ? -EINVAL : 0;
}

/* Write min(@usize, @ksize) bytes and zero a longer caller's tail. */
static int put_out(void __user *u, const void *k, size_t ksize, u32 usize)
{
	if (copy_to_user(u, k, min_t(size_t, usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(u + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/*
 * Store a result with f->lock held: page faults are disabled, so a page
 * that is not present fails at once instead of blocking under the lock.
 */
static int put_u64_locked(u64 __user *p, u64 v)
{
	return copy_to_user_nofault(p, &v, sizeof(v));
}

/*
 * Fault in an output-only field without the lock, before a retry: 0 if it
 * is writable now.  A dying task gives up rather than loop.
 */
static int fault_in_u64(u64 __user *p)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	return put_user(0, p);
}

static int lookup(struct goalloc_file *f, u64 handle, u8 kind,
		  struct goalloc_handle **hp)
{
	struct goalloc_handle *h;

	lockdep_assert_held(&f->lock);
	if (!handle || handle > U32_MAX)
		return -ENOENT;
	h = xa_load(&f->handles, handle);
	if (!h)
		return -ENOENT;
	if (kind != GOALLOC_HANDLE_ANY && h->kind != kind)
		return -EINVAL;
	*hp = h;
	return 0;
}

/* Give a handle's memory back; the handle is already out of the table. */
static void handle_destroy(struct goalloc_handle *h)
{
	int err;

	if (h->kind == GOALLOC_HANDLE_STACK)
		err = goalloc_stack_free(h->ptr, h->bytes);
	else
		err = goalloc_free(h->ptr);
	/* The table only holds live objects: a refusal is an allocator bug. */
	WARN_ONCE(err, "goalloc: freeing a %llu B %s of a handle failed: %d\n",
		  h->bytes, h->kind == GOALLOC_HANDLE_STACK ? "stack" : "object", err);
	kfree(h);
}

/* Enter @h into the table; on failure nothing of it is left. */
static int handle_insert(struct goalloc_file *f, struct goalloc_handle *h,
			 u32 *id)
{
	int err;

	err = xa_alloc(&f->handles, id, h, xa_limit_32b, GFP_KERNEL_ACCOUNT);
	return err == -EBUSY ? -ENOSPC : err;
}

/* Remove handle @id, known to map to @h, and free its memory. */
static void handle_remove(struct goalloc_file *f, u32 id,
			  struct goalloc_handle *h)
{
	xa_erase(&f->handles, id);
	uncharge(f, h->bytes, 1);
	handle_destroy(h);
}

static int check_alloc(u64 bytes, u32 flags)
{
	if (flags & ~GOALLOC_IOC_F_MASK)
		return -EINVAL;
	if (!bytes)
		return -EINVAL;
	if (bytes > GOALLOC_IOC_MAX_OBJECT_SIZE)
		return -E2BIG;
	return 0;
}

/* Allocate an object for a checked request and give it a handle. */
static int obj_alloc(struct goalloc_file *f, u64 bytes, u32 flags, u32 *id)
{
	/* The ioctl's task may sleep; userspace has no gfp, so translate. */
	gfp_t gfp = flags & GOALLOC_IOC_F_ZERO ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL;
	struct goalloc_handle *h;
	int err;

	err = charge(f, bytes, 1);
	if (err)
		return err;
	err = -ENOMEM;
	h = kmalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		goto uncharge;
	if (flags & GOALLOC_IOC_F_NOSCAN)
		h->ptr = goalloc_alloc_noscan(bytes, gfp);
	else
		h->ptr = goalloc_alloc(bytes, gfp);
	if (!h->ptr)
		goto free_h;
	h->bytes = bytes;
	h->kind = GOALLOC_HANDLE_OBJECT;
	h->clean = flags & GOALLOC_IOC_F_ZERO;
	err = handle_insert(f, h, id);
	if (!err)
		return 0;
	goalloc_free(h->ptr);
free_h:
	kfree(h);
uncharge:
	uncharge(f, bytes, 1);
	return err;
}

static int obj_free(struct goalloc_file *f, u64 handle, u8 kind)
{
	struct goalloc_handle *h;
	int err;

	err = lookup(f, handle, kind, &h);
	if (!err)
		handle_remove(f, handle, h);
	return err;
}

static long ioc_version(void __user *u)
{
	struct goalloc_ioc_version v = {
		.major = GOALLOC_IOC_ABI_MAJOR,
		.minor = GOALLOC_IOC_ABI_MINOR,
		.batch_max = GOALLOC_IOC_BATCH_MAX,
		.alloc_flags = GOALLOC_IOC_F_MASK,
		.max_object_size = GOALLOC_IOC_MAX_OBJECT_SIZE,
		.stack_min = GOALLOC_IOC_STACK_MIN,
		.stack_max = GOALLOC_IOC_STACK_MAX,
	};
	u32 usize;
	int err;

	err = get_out_header(u, GOALLOC_IOC_VERSION_SIZE_VER0, &usize);
	if (err)
		return err;
	v.size = min_t(u32, usize, sizeof(v));
	return put_out(u, &v, sizeof(v), usize);
}

static long ioc_alloc(struct goalloc_file *f, void __user *u)
{
	struct goalloc_ioc_alloc __user *ua = u;
	struct goalloc_ioc_alloc a;
	u32 usize, id;
	bool refault;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_ALLOC_SIZE_VER0, u, &usize);
	if (err)
		return err;
	err = check_alloc(a.bytes, a.flags);
	if (err)
		return err;
	do {
		if (mutex_lock_killable(&f->lock))
			return -EINTR;
		err = obj_alloc(f, a.bytes, a.flags, &id);
		refault = !err && put_u64_locked(&ua->handle, id);
		/* Nobody can name it yet: take it back, fault, start over. */
		if (refault)
			obj_free(f, id, GOALLOC_HANDLE_OBJECT);
		mutex_unlock(&f->lock);
	} while (refault && !(err = fault_in_u64(&ua->handle)));
	return err;
}

static long ioc_free(struct goalloc_file *f, void __user *u, u8 kind)
{
	struct goalloc_ioc_free a;
	u32 usize;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_FREE_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	if (mutex_lock_killable(&f->lock))
		return -EINTR;
	err = obj_free(f, a.handle, kind);
	mutex_unlock(&f->lock);
	return err;
}

/* Zero what the allocator did not, before userspace first touches it. */
static void make_clean(struct goalloc_handle *h)
{
	if (!h->clean) {
		memset(h->ptr, 0, h->bytes);
		h->clean = true;
	}
}

/* The largest object or stack: a longer READ or WRITE is ERANGE anyway. */
#define GOALLOC_RW_MAX	max(GOALLOC_IOC_MAX_OBJECT_SIZE, GOALLOC_IOC_STACK_MAX)

static long ioc_rw(struct goalloc_file *f, void __user *u, bool write)
{
	struct goalloc_handle *h;
	struct goalloc_ioc_rw a;
	void *bounce = NULL;
	void __user *buf;
	int err, uerr = 0;
	u32 usize;
	u64 end;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_RW_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags || !a.length)
		return -EINVAL;
	if (check_add_overflow(a.offset, a.length, &end))
		return -EOVERFLOW;
	buf = u64_to_user_ptr(a.buf);

	/*
	 * User memory is only touched without the lock (see the top of the
	 * file).  ENOENT and ERANGE still come before ENOMEM and EFAULT.
	 */
	if (end <= GOALLOC_RW_MAX) {
		bounce = kvmalloc(a.length, GFP_KERNEL_ACCOUNT);
		if (!bounce)
			uerr = -ENOMEM;
		else if (write && copy_from_user(bounce, buf, a.length))
			uerr = -EFAULT;
	}
	err = -EINTR;
	if (mutex_lock_killable(&f->lock))
		goto out;
	err = lookup(f, a.handle, GOALLOC_HANDLE_ANY, &h);
	if (!err && end > h->bytes)
		err = -ERANGE;
	if (!err)
		err = uerr;
	if (!err) {
		make_clean(h);
		if (write)
			memcpy(h->ptr + a.offset, bounce, a.length);
		else
			memcpy(bounce, h->ptr + a.offset, a.length);
	}
	mutex_unlock(&f->lock);
	if (!err && !write && copy_to_user(buf, bounce, a.length))
		err = -EFAULT;
out:
	kvfree(bounce);
	return err;
}

static int check_stack_size(u64 bytes)
{
	if (!bytes)
		return -EINVAL;
	if (bytes > GOALLOC_IOC_STACK_MAX)
		return -E2BIG;
	if (bytes < GOALLOC_IOC_STACK_MIN || !is_power_of_2(bytes))
		return -EINVAL;
	return 0;
}

/* Allocate a stack for a checked size and give it a handle. */
static int stack_alloc(struct goalloc_file *f, u64 bytes, u32 *id,
		       struct goalloc_handle **hp)
{
	struct goalloc_handle *h;
	void *stk;
	int err;

	err = charge(f, bytes, 1);
	if (err)
		return err;
	err = -ENOMEM;
	h = kmalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		goto uncharge;
	stk = goalloc_stack_alloc(bytes);
	if (IS_ERR(stk)) {
		err = PTR_ERR(stk);
		goto free_h;
	}
	*h = (struct goalloc_handle){ .ptr = stk, .bytes = bytes,
				      .kind = GOALLOC_HANDLE_STACK };
	err = handle_insert(f, h, id);
	if (!err) {
		*hp = h;
		return 0;
	}
	goalloc_stack_free(stk, bytes);
free_h:
	kfree(h);
uncharge:
	uncharge(f, bytes, 1);
	return err;
}

static long ioc_stack_alloc(struct goalloc_file *f, void __user *u)
{
	struct goalloc_ioc_alloc __user *ua = u;
	struct goalloc_handle *h;
	struct goalloc_ioc_alloc a;
	u32 usize, id;
	bool refault;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_ALLOC_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	err = check_stack_size(a.bytes);
	if (err)
		return err;
	do {
		if (mutex_lock_killable(&f->lock))
			return -EINTR;
		err = stack_alloc(f, a.bytes, &id, &h);
		refault = !err && put_u64_locked(&ua->handle, id);
		/* Nobody can name it yet: take it back, fault, start over. */
		if (refault)
			handle_remove(f, id, h);
		mutex_unlock(&f->lock);
	} while (refault && !(err = fault_in_u64(&ua->handle)));
	return err;
}

/* STACK_GROW under f->lock; *@refault: @bytes was not there to store. */
static int stack_grow(struct goalloc_file *f,
		      const struct goalloc_ioc_stack_grow *a,
		      struct goalloc_ioc_stack_grow __user *ua, bool *refault)
{
	struct goalloc_handle *h;
	u64 newsize;
	void *stk;
	int err;

	*refault = false;
	err = lookup(f, a->handle, GOALLOC_HANDLE_STACK, &h);
	if (err)
		return err;
	if (a->used > h->bytes)
		return -EINVAL;
	newsize = h->bytes * 2;
	if (newsize > GOALLOC_IOC_STACK_MAX)
		return -E2BIG;
	/*
	 * The old stack is gone once the grow succeeds, so store the result
	 * first: a caller that cannot take it gets EFAULT with nothing done.
	 */
	*refault = put_u64_locked(&ua->bytes, newsize);
	if (*refault)
		return -EFAULT;
	err = charge(f, newsize - h->bytes, 0);
	if (err)
		return err;
	stk = goalloc_stack_grow(h->ptr, h->bytes, a->used);
	if (IS_ERR(stk)) {
		uncharge(f, newsize - h->bytes, 0);
		return PTR_ERR(stk);
	}
	/*
	 * The top @used bytes came from the old stack; below them is old heap
	 * memory.  A clean stack stays clean; an unclean one is still zeroed
	 * as a whole before userspace sees it.
	 */
	if (h->clean)
		memset(stk, 0, newsize - a->used);
	h->ptr = stk;
	h->bytes = newsize;
	return 0;
}

static long ioc_stack_grow(struct goalloc_file *f, void __user *u)
{
	struct goalloc_ioc_stack_grow __user *ua = u;
	struct goalloc_ioc_stack_grow a;
	bool refault;
	u32 usize;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_STACK_GROW_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	do {
		if (mutex_lock_killable(&f->lock))
			return -EINTR;
		err = stack_grow(f, &a, ua, &refault);
		mutex_unlock(&f->lock);
	} while (refault && !(err = fault_in_u64(&ua->bytes)));
	return err;
}

/* Checks of one batch op that need no state; 0 or a negative errno. */
static int check_batch_op(const struct goalloc_ioc_batch_op *op)
{
	if (op->reserved)
		return -EINVAL;
	switch (op->op) {
	case GOALLOC_IOC_BATCH_ALLOC:
		return check_alloc(op->bytes, op->flags);
	case GOALLOC_IOC_BATCH_FREE:
		return op->flags || op->bytes ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static long ioc_batch(struct goalloc_file *f, void __user *u)
{
	struct goalloc_ioc_batch __user *ua = u;
	struct goalloc_ioc_batch_op *ops, *op;
	struct goalloc_ioc_batch_op __user *uops;
	struct goalloc_ioc_batch a;
	u32 usize, i, id, done = 0, failed = 0;
	size_t len;
	int err, first = 0;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_BATCH_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags || a.reserved || !a.count)
		return -EINVAL;
	if (a.count > GOALLOC_IOC_BATCH_MAX)
		return -E2BIG;
	uops = u64_to_user_ptr(a.ops);
	len = array_size(a.count, sizeof(*ops));
	ops = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!ops)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(ops, uops, len))
		goto out;

	/* A malformed op anywhere: report every bad op, run nothing. */
	for (i = 0; i < a.count; i++) {
		err = check_batch_op(&ops[i]);
		ops[i].error = -err;
		if (err) {
			failed++;
			first = first ?: err;
		}
	}
	if (failed) {
		err = first;
		if (copy_to_user(uops, ops, len) || put_user(0, &ua->done) ||
		    put_user(failed, &ua->failed))
			err = -EFAULT;
		goto out;
	}
	/* The results must be writable before anything runs. */
	err = -EFAULT;
	if (copy_to_user(uops, ops, len) || put_user(0, &ua->done) ||
	    put_user(0, &ua->failed))
		goto out;

	if (mutex_lock_killable(&f->lock)) {
		err = -EINTR;
		goto out;
	}
	err = 0;
	for (i = 0; i < a.count; i++) {
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		op = &ops[i];
		if (op->op == GOALLOC_IOC_BATCH_ALLOC) {
			op->error = -obj_alloc(f, op->bytes, op->flags, &id);
			if (!op->error)
				op->handle = id;
		} else {
			op->error = -obj_free(f, op->handle, GOALLOC_HANDLE_OBJECT);
		}
		if (op->error)
			failed++;
		else
			done++;
		cond_resched();
	}
	mutex_unlock(&f->lock);
	if (err)
		goto out;
	if (copy_to_user(uops, ops, len) || put_user(done, &ua->done) ||
	    put_user(failed, &ua->failed))
		err = -EFAULT;
out:
	kvfree(ops);
	return err;
}

static long ioc_cmd(void __user *u, void (*fn)(void))
{
	struct goalloc_ioc_cmd a;
	u32 usize;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_CMD_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	fn();
	return 0;
}

static long ioc_release(void __user *u)
{
	struct goalloc_ioc_release __user *ua = u;
	struct goalloc_ioc_release a;
	u32 usize;
	int err;

	err = get_arg(&a, sizeof(a), GOALLOC_IOC_RELEASE_SIZE_VER0, u, &usize);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	/* Make sure the answer can be delivered before giving memory back. */
	if (put_user(0, &ua->released))
		return -EFAULT;
	return put_user((u64)goalloc_release(), &ua->released);
}

static long ioc_memstats(void __user *u)
{
	struct goalloc_ioc_memstats m = {};
	struct goalloc_memstats ms;
	u32 usize;
	int err;

	err = get_out_header(u, GOALLOC_IOC_MEMSTATS_SIZE_VER0, &usize);
	if (err)
		return err;
	goalloc_read_memstats(&ms);
	m.size = min_t(u32, usize, sizeof(m));
	m.alloc = ms.alloc;
	m.total_alloc = ms.total_alloc;
	m.sys = ms.sys;
	m.mallocs = ms.mallocs;
	m.frees = ms.frees;
	m.heap_alloc = ms.heap_alloc;
	m.heap_sys = ms.heap_sys;
	m.heap_idle = ms.heap_idle;
	m.heap_inuse = ms.heap_inuse;
	m.heap_released = ms.heap_released;
	m.heap_objects = ms.heap_objects;
	m.stack_inuse = ms.stack_inuse;
	m.stack_sys = ms.stack_sys;
	m.mspan_inuse = ms.mspan_inuse;
	m.mspan_sys = ms.mspan_sys;
	m.mcache_inuse = ms.mcache_inuse;
	m.mcache_sys = ms.mcache_sys;
	m.next_gc = ms.next_gc;
	m.num_gc = ms.num_gc;
	m.tiny_allocs = ms.tiny_allocs;
	m.heap_live = ms.heap_live;
	m.dev_objects = atomic64_read(&dev_objects);
	m.dev_bytes = atomic64_read(&dev_bytes);
	return put_out(u, &m, sizeof(m), usize);
}

/* Commands are matched without their size bits: @size is authoritative. */
#define GOALLOC_CMD(c)	((c) & ~IOCSIZE_MASK)

static long goalloc_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct goalloc_file *f = file->private_data;
	void __user *u = (void __user *)arg;

	switch (GOALLOC_CMD(cmd)) {
	case GOALLOC_CMD(GOALLOC_IOC_VERSION):
		return ioc_version(u);
	case GOALLOC_CMD(GOALLOC_IOC_ALLOC):
		return ioc_alloc(f, u);
	case GOALLOC_CMD(GOALLOC_IOC_FREE):
		return ioc_free(f, u, GOALLOC_HANDLE_OBJECT);
	case GOALLOC_CMD(GOALLOC_IOC_WRITE):
		return ioc_rw(f, u, true);
	case GOALLOC_CMD(GOALLOC_IOC_READ):
		return ioc_rw(f, u, false);
	case GOALLOC_CMD(GOALLOC_IOC_STACK_ALLOC):
		return ioc_stack_alloc(f, u);
	case GOALLOC_CMD(GOALLOC_IOC_STACK_FREE):
		return ioc_free(f, u, GOALLOC_HANDLE_STACK);
	case GOALLOC_CMD(GOALLOC_IOC_STACK_GROW):
		return ioc_stack_grow(f, u);
	case GOALLOC_CMD(GOALLOC_IOC_BATCH):
		return ioc_batch(f, u);
	case GOALLOC_CMD(GOALLOC_IOC_GC):
		return ioc_cmd(u, goalloc_gc);
	case GOALLOC_CMD(GOALLOC_IOC_DRAIN):
		return ioc_cmd(u, goalloc_drain);
	case GOALLOC_CMD(GOALLOC_IOC_RELEASE):
		return ioc_release(u);
	case GOALLOC_CMD(GOALLOC_IOC_MEMSTATS):
		return ioc_memstats(u);
	default:
		return -ENOTTY;
	}
}

static int goalloc_dev_open(struct inode *inode, struct file *file)
{
	struct goalloc_file *f;

	/* The 0600 node is the first gate; a root without the capability is refused too. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xa_init_flags(&f->handles, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

/* Last reference dropped (close, exit or kill): free all the file holds. */
static int goalloc_dev_release(struct inode *inode, struct file *file)
{
	struct goalloc_file *f = file->private_data;
	struct goalloc_handle *h;
	unsigned long id;

	/* Nothing else can hold it now: a plain lock never waits. */
	mutex_lock(&f->lock);
	xa_for_each(&f->handles, id, h) {
		handle_remove(f, id, h);
		cond_resched();
	}
	WARN_ON(f->bytes || f->objects);
	mutex_unlock(&f->lock);
	xa_destroy(&f->handles);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations goalloc_fops = {
	.owner = THIS_MODULE,
	.open = goalloc_dev_open,
	.release = goalloc_dev_release,
	.unlocked_ioctl = goalloc_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice goalloc_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "goalloc",
	.fops = &goalloc_fops,
	.mode = 0600,
};

/**
 * goalloc_chardev_init() - register /dev/goalloc
 *
 * Call after the heap is up: the device may be opened at once.
 *
 * Context: module init, process context.
 * Return: 0 or the misc_register() error.
 */
int goalloc_chardev_init(void)
{
	/* The ABI's limits are the allocator's. */
	BUILD_BUG_ON(GOALLOC_IOC_MAX_OBJECT_SIZE != GOALLOC_MAX_OBJECT_SIZE);
	BUILD_BUG_ON(GOALLOC_IOC_STACK_MAX != GOALLOC_STACK_MAX);
	/* Layouts: sizes as published, multiples of 8 (compat_ptr_ioctl). */
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_version) != GOALLOC_IOC_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_alloc) != GOALLOC_IOC_ALLOC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_free) != GOALLOC_IOC_FREE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_rw) != GOALLOC_IOC_RW_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_stack_grow) !=
		     GOALLOC_IOC_STACK_GROW_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_batch) != GOALLOC_IOC_BATCH_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_batch_op) != GOALLOC_IOC_BATCH_OP_SIZE);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_cmd) != GOALLOC_IOC_CMD_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_release) != GOALLOC_IOC_RELEASE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct goalloc_ioc_memstats) != GOALLOC_IOC_MEMSTATS_SIZE_VER0);
	return misc_register(&goalloc_miscdev);
}

/**
 * goalloc_chardev_exit() - remove /dev/goalloc
 *
 * Open files pin the module (fops.owner), so none is left when this runs.
 *
 * Context: module exit, process context.
 */
void goalloc_chardev_exit(void)
{
	misc_deregister(&goalloc_miscdev);
	WARN_ON(atomic64_read(&dev_objects) || atomic64_read(&dev_bytes));
}
