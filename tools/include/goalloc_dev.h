/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc_dev.h: the /dev/goalloc calls every tool makes (goallocctl, the
 * selftest, the stress program, the fuzzer): opening the device, one thin
 * wrapper per ioctl of include/uapi/goalloc.h, the errno names of its
 * table, and goalloc's module parameters.  Header-only (static inline):
 * each tool is one static binary built from one .c file.
 *
 * Every call returns 0 or -errno.  Output arguments are written only on
 * success, and may be NULL.  A tool that wants to see every ioctl (the
 * stress program counts them) defines GOALLOC_DEV_ON_IOCTL() before
 * including this file.
 */
#ifndef GOALLOC_DEV_H
#define GOALLOC_DEV_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "goalloc.h"

#define GOALLOC_DEV		"/dev/goalloc"
#define GOALLOC_PARAMS		"/sys/module/goalloc/parameters/"

#ifndef GOALLOC_DEV_ON_IOCTL
#define GOALLOC_DEV_ON_IOCTL()	do { } while (0)
#endif

/* The errnos of goalloc-ioctl.rst's table (the fuzzer's bit order). */
static const int gdev_errnos[] = {
	EPERM, EACCES, ENOTTY, EFAULT, EINVAL, E2BIG, ENOENT, EOVERFLOW, ERANGE,
	EDQUOT, ENOMEM, ENOSPC, EINTR,
};
#define GDEV_NERRNOS	(sizeof(gdev_errnos) / sizeof(gdev_errnos[0]))

/* "EINVAL" for an errno of the table (positive), "E?" for any other. */
static inline const char *gdev_errname(int e)
{
	unsigned int i;

	for (i = 0; i < GDEV_NERRNOS; i++)
		if (gdev_errnos[i] == e)
			return strerrorname_np(e);
	return "E?";
}

/* The errno of the table named @name, or 0. */
static inline int gdev_errnum(const char *name)
{
	unsigned int i;

	for (i = 0; i < GDEV_NERRNOS; i++)
		if (!strcmp(name, strerrorname_np(gdev_errnos[i])))
			return gdev_errnos[i];
	return 0;
}

/* A new open file of the device: a descriptor, or -1 with errno set. */
static inline int gdev_open(void)
{
	return open(GOALLOC_DEV, O_RDWR | O_CLOEXEC);
}

static inline int gdev_ioctl(int fd, unsigned long cmd, void *arg)
{
	GOALLOC_DEV_ON_IOCTL();
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int gdev_alloc(int fd, uint64_t bytes, uint32_t flags, uint64_t *h)
{
	struct goalloc_ioc_alloc a = { .size = sizeof(a), .flags = flags, .bytes = bytes };
	int err = gdev_ioctl(fd, GOALLOC_IOC_ALLOC, &a);

	if (!err && h)
		*h = a.handle;
	return err;
}

static inline int gdev_stack_alloc(int fd, uint64_t bytes, uint64_t *h)
{
	struct goalloc_ioc_alloc a = { .size = sizeof(a), .bytes = bytes };
	int err = gdev_ioctl(fd, GOALLOC_IOC_STACK_ALLOC, &a);

	if (!err && h)
		*h = a.handle;
	return err;
}

/* @cmd: GOALLOC_IOC_FREE or GOALLOC_IOC_STACK_FREE. */
static inline int gdev_free_cmd(int fd, unsigned long cmd, uint64_t h)
{
	struct goalloc_ioc_free a = { .size = sizeof(a), .handle = h };

	return gdev_ioctl(fd, cmd, &a);
}

static inline int gdev_free(int fd, uint64_t h)
{
	return gdev_free_cmd(fd, GOALLOC_IOC_FREE, h);
}

static inline int gdev_stack_free(int fd, uint64_t h)
{
	return gdev_free_cmd(fd, GOALLOC_IOC_STACK_FREE, h);
}

/* @cmd: GOALLOC_IOC_READ or GOALLOC_IOC_WRITE. */
static inline int gdev_rw(int fd, unsigned long cmd, uint64_t h, uint64_t off, uint64_t len,
			  void *buf)
{
	struct goalloc_ioc_rw a = {
		.size = sizeof(a), .handle = h, .offset = off, .length = len,
		.buf = (uintptr_t)buf,
	};

	return gdev_ioctl(fd, cmd, &a);
}

static inline int gdev_write(int fd, uint64_t h, uint64_t off, uint64_t len, const void *buf)
{
	return gdev_rw(fd, GOALLOC_IOC_WRITE, h, off, len, (void *)buf);
}

static inline int gdev_read(int fd, uint64_t h, uint64_t off, uint64_t len, void *buf)
{
	return gdev_rw(fd, GOALLOC_IOC_READ, h, off, len, buf);
}

/* *@bytes: the stack's new size. */
static inline int gdev_stack_grow(int fd, uint64_t h, uint64_t used, uint64_t *bytes)
{
	struct goalloc_ioc_stack_grow a = { .size = sizeof(a), .handle = h, .used = used };
	int err = gdev_ioctl(fd, GOALLOC_IOC_STACK_GROW, &a);

	if (!err && bytes)
		*bytes = a.bytes;
	return err;
}

/* The argument-less commands: GOALLOC_IOC_GC, GOALLOC_IOC_DRAIN. */
static inline int gdev_cmd(int fd, unsigned long cmd)
{
	struct goalloc_ioc_cmd a = { .size = sizeof(a) };

	return gdev_ioctl(fd, cmd, &a);
}

/* *@bytes: what went back to the kernel. */
static inline int gdev_release(int fd, uint64_t *bytes)
{
	struct goalloc_ioc_release a = { .size = sizeof(a) };
	int err = gdev_ioctl(fd, GOALLOC_IOC_RELEASE, &a);

	if (!err && bytes)
		*bytes = a.released;
	return err;
}

static inline int gdev_stats(int fd, struct goalloc_ioc_memstats *m)
{
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	return gdev_ioctl(fd, GOALLOC_IOC_MEMSTATS, m);
}

/* @n ops at @ops; *@out: the header as the kernel left it (done, failed). */
static inline int gdev_batch(int fd, struct goalloc_ioc_batch_op *ops, uint32_t n,
			     struct goalloc_ioc_batch *out)
{
	struct goalloc_ioc_batch b = {
		.size = sizeof(b), .ops = (uintptr_t)ops, .count = n,
	};
	int err = gdev_ioctl(fd, GOALLOC_IOC_BATCH, &b);

	if (out)
		*out = b;
	return err;
}

/* A full sweep and drained caches, then MemStats: the heap at rest. */
static inline int gdev_settle(int fd, struct goalloc_ioc_memstats *m)
{
	int err = gdev_cmd(fd, GOALLOC_IOC_GC);

	err = err ?: gdev_cmd(fd, GOALLOC_IOC_DRAIN);
	return err ?: gdev_stats(fd, m);
}

/* The number in file @path (sysfs, debugfs; "-1" reads as UINT64_MAX). */
static inline int gdev_read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	*v = strtoull(buf, NULL, 0);
	return 0;
}

/* Write @s to file @path in one write(). */
static inline int gdev_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(s))
		err = -EIO;
	close(fd);
	return err;
}

/* goalloc's module parameter @name (quotas, caps). */
static inline int gdev_param_read(const char *name, uint64_t *v)
{
	char path[256];

	snprintf(path, sizeof(path), GOALLOC_PARAMS "%s", name);
	return gdev_read_u64(path, v);
}

static inline int gdev_param_write(const char *name, uint64_t v)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), GOALLOC_PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
	return gdev_write_str(path, buf);
}

/*
 * The value of @key in debugfs's "mheap" view ("key value" lines), e.g.
 * grow_fail_kernel: growths the kernel refused a block of the order needed.
 */
static inline int gdev_mheap_read(const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	char line[160];
	int err = -ENOENT;
	FILE *f = fopen("/sys/kernel/debug/goalloc/mheap", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			*v = strtoull(line + klen + 1, NULL, 10);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

#endif /* GOALLOC_DEV_H */
