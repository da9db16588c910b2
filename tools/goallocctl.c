// SPDX-License-Identifier: GPL-2.0
/*
 * goallocctl: drive goalloc from userspace through /dev/goalloc.
 *
 * Handles only live while the file they were allocated on is open, and
 * every goallocctl invocation opens its own: single commands (alloc, free,
 * stack) are demonstrations; "run FILE" executes a whole script on one open
 * file; "demo" exercises every tier and shows MemStats along the way.
 * Built static (the guest has no libc).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goalloc_dev.h"
#include "goalloc_top.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIB	((uint64_t)1 << 20)

static const char *prog = "goallocctl";

/* ---------------- errors ---------------- */

/* What an errno means for goalloc, given the operation that got it. */
static const char *meaning(const char *op, int e)
{
	int stack = !strcmp(op, "stack") || !strcmp(op, "grow") || !strcmp(op, "sfree");
	int rw = !strcmp(op, "write") || !strcmp(op, "read") || !strcmp(op, "verify");

	switch (e) {
	case ENOENT:
		if (!strcmp(op, "open"))
			return GOALLOC_DEV " does not exist: is goalloc.ko loaded (insmod goalloc.ko)?";
		return "no such handle on this open file: never allocated here, already freed, or from another goallocctl run (handles die when the file is closed; use 'run FILE' for sequences)";
	case EPERM:
	case EACCES:
		return "goalloc needs root: " GOALLOC_DEV " is mode 0600 and open() requires CAP_SYS_ADMIN";
	case ENOTTY:
		return "the loaded goalloc does not know this command (module older than this tool?)";
	case EFAULT:
		return "the kernel could not access a user buffer (a goallocctl bug)";
	case EINVAL:
		if (!strcmp(op, "alloc"))
			return "object size must be at least 1 byte, and flags only noscan/zero";
		if (!strcmp(op, "stack"))
			return "stack size must be a power of two of at least 2048 bytes";
		if (!strcmp(op, "grow"))
			return "'used' is larger than the stack, or the handle is not a stack";
		if (!strcmp(op, "free"))
			return "this handle names a stack: free it with sfree";
		if (!strcmp(op, "sfree"))
			return "this handle names an object, not a stack: free it with free";
		if (rw)
			return "length must be at least 1";
		if (!strcmp(op, "batch"))
			return "a malformed batch op (see each op's error); nothing ran";
		return "invalid argument (a reserved field or flag is set)";
	case E2BIG:
		if (stack)
			return "stacks are at most 4 MiB (a 4 MiB stack cannot grow)";
		if (!strcmp(op, "batch"))
			return "too many ops in one batch (at most 4096) or an op over 4 MiB";
		return "objects are at most 4 MiB";
	case EOVERFLOW:
		return "offset + length overflows 64 bits";
	case ERANGE:
		return "the range reaches past the end of the object";
	case EDQUOT:
		return "quota exceeded: see /sys/module/goalloc/parameters/{file,global}_max_{bytes,objects}";
	case ENOMEM:
		return "the goalloc heap is at its cap (module parameter max_heap_mb) or the kernel is out of memory";
	case ENOSPC:
		return "this open file has used up its handle numbers";
	case EINTR:
		return "interrupted by a fatal signal";
	default:
		return "unexpected error";
	}
}

static void report(const char *op, const char *what, int e)
{
	fprintf(stderr, "%s: %s%s%s: %s (%s): %s\n", prog, op, what ? " " : "",
		what ? what : "", strerror(e), gdev_errname(e), meaning(op, e));
}

/* ---------------- device ---------------- */

/*
 * The open device.  Errors are positive errnos in this program (run_line()
 * keeps -1 for script errors), so the gdev_ calls' -errno are negated.
 */
static int g_fd = -1;

static int dev_open(void)
{
	struct goalloc_ioc_version v = { .size = sizeof(v) };
	int e;

	g_fd = gdev_open();
	if (g_fd < 0) {
		report("open", GOALLOC_DEV, errno);
		return -1;
	}
	e = -gdev_ioctl(g_fd, GOALLOC_IOC_VERSION, &v);
	if (e) {
		report("version", NULL, e);
		return -1;
	}
	if (v.major != GOALLOC_IOC_ABI_MAJOR) {
		fprintf(stderr, "%s: kernel ABI %u.%u, this tool speaks %u.%u\n", prog, v.major,
			v.minor, GOALLOC_IOC_ABI_MAJOR, GOALLOC_IOC_ABI_MINOR);
		return -1;
	}
	return 0;
}

/* ---------------- stats output ---------------- */

struct field {
	const char *go;		/* Go's MemStats name */
	size_t off;
	int bytes;		/* print as a size */
	const char *what;
};

#define F(go, m, b, w) { go, offsetof(struct goalloc_ioc_memstats, m), b, w }
static const struct field fields[] = {
	F("Alloc", alloc, 1, "bytes of live heap objects"),
	F("TotalAlloc", total_alloc, 1, "bytes allocated, cumulative"),
	F("Sys", sys, 1, "bytes obtained from the kernel"),
	F("Mallocs", mallocs, 0, "objects allocated, cumulative"),
	F("Frees", frees, 0, "objects freed, cumulative"),
	F("HeapAlloc", heap_alloc, 1, "= Alloc"),
	F("HeapSys", heap_sys, 1, "heap address space (4 MiB frames)"),
	F("HeapIdle", heap_idle, 1, "bytes in spans with no objects"),
	F("HeapInuse", heap_inuse, 1, "bytes in in-use spans"),
	F("HeapReleased", heap_released, 1, "bytes returned to the kernel"),
	F("HeapObjects", heap_objects, 0, "live objects (tiny blocks count once)"),
	F("StackInuse", stack_inuse, 1, "bytes in stack spans"),
	F("StackSys", stack_sys, 1, "bytes taken for stacks"),
	F("MSpanInuse", mspan_inuse, 1, "mspan structures in use"),
	F("MSpanSys", mspan_sys, 1, "mspan structures obtained"),
	F("MCacheInuse", mcache_inuse, 1, "per-CPU mcache structures"),
	F("MCacheSys", mcache_sys, 1, "per-CPU mcache structures obtained"),
	F("NextGC", next_gc, 1, "heap size that starts the next sweep cycle"),
	F("NumGC", num_gc, 0, "sweep cycles"),
	F("TinyAllocs", tiny_allocs, 0, "tiny objects packed into 16 B blocks"),
	F("HeapLive", heap_live, 1, "bytes in slots not reclaimed (pacer input)"),
	F("DevObjects", dev_objects, 0, "live /dev/goalloc handles, all files"),
	F("DevBytes", dev_bytes, 1, "bytes of those handles"),
};
#define NFIELDS ARRAY_SIZE(fields)

static uint64_t fval(const struct goalloc_ioc_memstats *m, const struct field *f)
{
	return *(const uint64_t *)((const char *)m + f->off);
}

static const char *human(uint64_t v, int bytes, char *buf, size_t n)
{
	if (!bytes)
		snprintf(buf, n, "%" PRIu64, v);
	else if (v >= 10 * MIB)
		snprintf(buf, n, "%.1f MiB", (double)v / MIB);
	else if (v >= 10 * 1024)
		snprintf(buf, n, "%.1f KiB", v / 1024.0);
	else
		snprintf(buf, n, "%" PRIu64 " B", v);
	return buf;
}

static void print_stats(const struct goalloc_ioc_memstats *m)
{
	char b[32];
	unsigned int i;

	printf("%-13s %14s  %s\n", "MemStats", "value", "");
	for (i = 0; i < NFIELDS; i++)
		printf("%-13s %14s  %s\n", fields[i].go,
		       human(fval(m, &fields[i]), fields[i].bytes, b, sizeof(b)), fields[i].what);
}

static void print_json(const struct goalloc_ioc_memstats *m)
{
	unsigned int i;

	printf("{");
	for (i = 0; i < NFIELDS; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", fields[i].go, fval(m, &fields[i]));
	printf("}\n");
}

/* Several snapshots side by side, only the fields that tell the story. */
static void print_phases(const struct goalloc_ioc_memstats *m, const char *const *names,
			 int n)
{
	static const char *const show[] = {
		"Alloc", "TotalAlloc", "Mallocs", "Frees", "HeapObjects", "TinyAllocs",
		"HeapInuse", "HeapIdle", "HeapSys", "HeapReleased", "StackInuse",
		"MSpanInuse", "NumGC", "DevObjects", "DevBytes",
	};
	unsigned int i, j;
	char b[32];
	int k;

	printf("%-13s", "");
	for (k = 0; k < n; k++)
		printf(" %12s", names[k]);
	printf("\n");
	for (i = 0; i < ARRAY_SIZE(show); i++) {
		for (j = 0; j < NFIELDS; j++)
			if (!strcmp(fields[j].go, show[i]))
				break;
		printf("%-13s", fields[j].go);
		for (k = 0; k < n; k++)
			printf(" %12s", human(fval(&m[k], &fields[j]), fields[j].bytes, b,
					      sizeof(b)));
		printf("\n");
	}
}

/* ---------------- helpers ---------------- */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = MIB, end++;
	if (*end)
		return -1;
	if (mul > 1 && x > UINT64_MAX / mul)
		return -1;
	*v = x * mul;
	return 0;
}

/* PATTERN: a byte value (0..255, e.g. 0xa5) or a word repeated cyclically. */
static void fill(unsigned char *b, uint64_t n, const char *pat)
{
	uint64_t v, i;
	size_t l;

	if (!parse_u64(pat, &v) && v <= 255) {
		memset(b, (int)v, n);
		return;
	}
	l = strlen(pat);
	for (i = 0; i < n; i++)
		b[i] = pat[i % l];
}

/* A recognisable byte pattern for the demo and `stack`. */
static void stamp(unsigned char *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 151 + i * 13 + 1);
}

/* ---------------- commands ---------------- */

static int cmd_stats(int argc, char **argv)
{
	struct goalloc_ioc_memstats m;
	int e, json = argc > 1 && !strcmp(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json))
		return 2;
	e = -gdev_stats(g_fd, &m);
	if (e) {
		report("stats", NULL, e);
		return 1;
	}
	if (json)
		print_json(&m);
	else
		print_stats(&m);
	return 0;
}

static int cmd_alloc(int argc, char **argv)
{
	uint32_t flags = 0;
	uint64_t n, h;
	int i, e;

	if (argc < 2 || parse_u64(argv[1], &n))
		return 2;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--noscan"))
			flags |= GOALLOC_IOC_F_NOSCAN;
		else if (!strcmp(argv[i], "--zero"))
			flags |= GOALLOC_IOC_F_ZERO;
		else
			return 2;
	}
	e = -gdev_alloc(g_fd, n, flags, &h);
	if (e) {
		report("alloc", argv[1], e);
		return 1;
	}
	printf("allocated %" PRIu64 " bytes%s%s: handle %" PRIu64
	       " (freed when goallocctl exits and closes " GOALLOC_DEV ")\n", n,
	       flags & GOALLOC_IOC_F_NOSCAN ? " noscan" : "",
	       flags & GOALLOC_IOC_F_ZERO ? " zeroed" : "", h);
	return 0;
}

static int cmd_free(int argc, char **argv)
{
	uint64_t h;
	int e;

	if (argc != 2 || parse_u64(argv[1], &h))
		return 2;
	e = -gdev_free(g_fd, h);
	if (e) {
		report("free", argv[1], e);
		return 1;
	}
	printf("freed handle %" PRIu64 "\n", h);
	return 0;
}

static int cmd_simple(int argc, char **argv)
{
	const char *op = argv[0];
	uint64_t rel;
	int e;

	if (argc != 1)
		return 2;
	if (!strcmp(op, "release")) {
		e = -gdev_release(g_fd, &rel);
		if (!e)
			printf("released %" PRIu64 " bytes (%" PRIu64 " pages) to the kernel\n",
			       rel, (uint64_t)(rel / GOALLOC_IOC_PAGE_SIZE));
	} else {
		e = -gdev_cmd(g_fd, !strcmp(op, "gc") ? GOALLOC_IOC_GC : GOALLOC_IOC_DRAIN);
		if (!e)
			printf("%s\n", !strcmp(op, "gc") ? "full sweep done" :
			       "per-CPU caches drained");
	}
	if (e) {
		report(op, NULL, e);
		return 1;
	}
	return 0;
}

/* Allocate a stack, mark its top, grow it, check the top moved, free it. */
static int cmd_stack(int argc, char **argv)
{
	unsigned char *w, *r;
	uint64_t n, h, nsize, used;
	int e, ok;

	if (argc != 2 || parse_u64(argv[1], &n))
		return 2;
	e = -gdev_stack_alloc(g_fd, n, &h);
	if (e) {
		report("stack", argv[1], e);
		return 1;
	}
	printf("stack of %" PRIu64 " bytes: handle %" PRIu64 "\n", n, h);
	used = n / 4 ? n / 4 : 1;
	w = malloc(used);
	r = malloc(used);
	if (!w || !r)
		return 1;
	stamp(w, used, 7);
	e = -gdev_write(g_fd, h, n - used, used, w);
	if (e) {
		report("write", NULL, e);
		return 1;
	}
	printf("wrote the top %" PRIu64 " bytes (the used part: stacks grow down)\n", used);
	e = -gdev_stack_grow(g_fd, h, used, &nsize);
	if (e) {
		report("grow", NULL, e);
	} else {
		e = -gdev_read(g_fd, h, nsize - used, used, r);
		ok = !e && !memcmp(w, r, used);
		printf("grew to %" PRIu64 " bytes: top %" PRIu64 " bytes %s\n", nsize, used,
		       ok ? "copied intact" : "DIFFER");
		if (!ok)
			return 1;
	}
	e = -gdev_stack_free(g_fd, h);
	if (e) {
		report("sfree", NULL, e);
		return 1;
	}
	printf("freed the stack\n");
	free(w);
	free(r);
	return 0;
}

/* ---------------- run FILE ---------------- */

#define MAX_NAMES 1024

struct obj {
	char name[64];
	uint64_t handle, size;
	int stack;
};

static struct obj objs[MAX_NAMES];
static int nobjs;

static struct obj *find(const char *name)
{
	int i;

	for (i = 0; i < nobjs; i++)
		if (objs[i].handle && !strcmp(objs[i].name, name))
			return &objs[i];
	return NULL;
}

static struct obj *add(const char *name)
{
	int i;

	for (i = 0; i < nobjs; i++)
		if (!objs[i].handle)
			break;
	if (i == MAX_NAMES)
		return NULL;
	if (i == nobjs)
		nobjs++;
	snprintf(objs[i].name, sizeof(objs[i].name), "%s", name);
	return &objs[i];
}

static int script_err(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%d: ", prog, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/*
 * One script line.  Returns 0, a positive errno from the device, or -1 for
 * a script error (syntax, unknown name, verify mismatch).
 */
static int run_line(const char *file, int line, int argc, char **argv)
{
	const char *op = argv[0];
	struct obj *o = NULL;
	uint64_t a = 0, b = 0, h;
	int e = 0, i;

	/* Names the ops use. */
	if (!strcmp(op, "free") || !strcmp(op, "write") || !strcmp(op, "verify") ||
	    !strcmp(op, "grow") || !strcmp(op, "sfree")) {
		if (argc < 2)
			return script_err(file, line, "%s: NAME missing", op);
		o = find(argv[1]);
		if (!o)
			return script_err(file, line, "%s: no live object named '%s'", op,
					  argv[1]);
	}

	if (!strcmp(op, "alloc") || !strcmp(op, "stack")) {
		uint32_t flags = 0;

		if (argc < 3 || parse_u64(argv[2], &a))
			return script_err(file, line, "usage: %s NAME SIZE%s", op,
					  op[0] == 'a' ? " [noscan] [zero]" : "");
		for (i = 3; i < argc && op[0] == 'a'; i++) {
			if (!strcmp(argv[i], "noscan"))
				flags |= GOALLOC_IOC_F_NOSCAN;
			else if (!strcmp(argv[i], "zero"))
				flags |= GOALLOC_IOC_F_ZERO;
			else
				return script_err(file, line, "alloc: unknown flag '%s'",
						  argv[i]);
		}
		if (op[0] == 's' && argc != 3)
			return script_err(file, line, "usage: stack NAME SIZE");
		if (find(argv[1]))
			return script_err(file, line, "%s: '%s' is already live", op, argv[1]);
		e = op[0] == 'a' ? -gdev_alloc(g_fd, a, flags, &h) : -gdev_stack_alloc(g_fd, a, &h);
		if (e)
			return e;
		o = add(argv[1]);
		if (!o)
			return script_err(file, line, "too many live names (max %d)", MAX_NAMES);
		o->handle = h;
		o->size = a;
		o->stack = op[0] == 's';
		printf("  %s %s: %" PRIu64 " bytes, handle %" PRIu64 "\n", op, o->name, a, h);
	} else if (!strcmp(op, "free") || !strcmp(op, "sfree")) {
		if (argc != 2)
			return script_err(file, line, "usage: %s NAME", op);
		e = -gdev_free_cmd(g_fd, op[0] == 'f' ? GOALLOC_IOC_FREE : GOALLOC_IOC_STACK_FREE,
				   o->handle);
		if (e)
			return e;
		printf("  %s %s\n", op, o->name);
		o->handle = 0;
	} else if (!strcmp(op, "write") || !strcmp(op, "verify")) {
		unsigned char *w, *r;

		if (argc != 5 || parse_u64(argv[2], &a) || parse_u64(argv[4], &b))
			return script_err(file, line, "usage: %s NAME OFF PATTERN LEN", op);
		if (b > 64 * MIB)
			return script_err(file, line, "%s: LEN too large", op);
		w = malloc(b ? b : 1);
		r = malloc(b ? b : 1);
		if (!w || !r)
			return script_err(file, line, "out of memory");
		fill(w, b, argv[3]);
		if (op[0] == 'w') {
			e = -gdev_write(g_fd, o->handle, a, b, w);
			if (!e)
				printf("  write %s [%" PRIu64 ", +%" PRIu64 ") '%s'\n", o->name, a,
				       b, argv[3]);
		} else {
			e = -gdev_read(g_fd, o->handle, a, b, r);
			if (!e) {
				for (h = 0; h < b && w[h] == r[h]; h++)
					;
				if (h < b) {
					script_err(file, line,
						   "verify %s: byte %" PRIu64 " is 0x%02x, expected 0x%02x",
						   o->name, a + h, r[h], w[h]);
					e = -1;
				} else {
					printf("  verify %s [%" PRIu64 ", +%" PRIu64 ") ok\n",
					       o->name, a, b);
				}
			}
		}
		free(w);
		free(r);
	} else if (!strcmp(op, "grow")) {
		if (argc != 3 || parse_u64(argv[2], &a))
			return script_err(file, line, "usage: grow NAME USED");
		e = -gdev_stack_grow(g_fd, o->handle, a, &b);
		if (e)
			return e;
		printf("  grow %s: %" PRIu64 " -> %" PRIu64 " bytes, top %" PRIu64 " kept\n",
		       o->name, o->size, b, a);
		o->size = b;
	} else if (!strcmp(op, "gc") || !strcmp(op, "drain") || !strcmp(op, "release") ||
		   !strcmp(op, "stats")) {
		if (argc != 1)
			return script_err(file, line, "usage: %s", op);
		if (!strcmp(op, "stats")) {
			struct goalloc_ioc_memstats m;

			e = -gdev_stats(g_fd, &m);
			if (!e)
				print_stats(&m);
		} else if (!strcmp(op, "release")) {
			e = -gdev_release(g_fd, &b);
			if (!e)
				printf("  release: %" PRIu64 " bytes\n", b);
		} else {
			e = -gdev_cmd(g_fd, op[0] == 'g' ? GOALLOC_IOC_GC : GOALLOC_IOC_DRAIN);
			if (!e)
				printf("  %s\n", op);
		}
	} else {
		return script_err(file, line, "unknown command '%s'", op);
	}
	return e;
}

static int cmd_run(int argc, char **argv)
{
	char buf[1024], *av[16], *p, *save;
	const char *file;
	int line = 0, ac, e, want, failed = 0;
	FILE *f;

	if (argc != 2)
		return 2;
	file = argv[1];
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
		return 1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		p = strchr(buf, '#');
		if (p)
			*p = 0;
		ac = 0;
		for (p = strtok_r(buf, " \t\r\n", &save); p && ac < 16;
		     p = strtok_r(NULL, " \t\r\n", &save))
			av[ac++] = p;
		if (!ac)
			continue;
		/* "expect ERRNO CMD ...": the command must fail with that errno. */
		want = 0;
		if (!strcmp(av[0], "expect")) {
			want = ac < 3 ? 0 : gdev_errnum(av[1]);
			if (!want) {
				script_err(file, line, "usage: expect ERRNO COMMAND ...");
				failed = 1;
				break;
			}
			memmove(av, av + 2, (ac - 2) * sizeof(av[0]));
			ac -= 2;
		}
		e = run_line(file, line, ac, av);
		if (e < 0) {
			failed = 1;
			break;
		}
		if (want) {
			if (e == want) {
				printf("  %s: %s as expected (%s)\n", av[0], gdev_errname(e),
				       meaning(av[0], e));
				continue;
			}
			script_err(file, line, "%s: expected %s, got %s", av[0], gdev_errname(want),
				   e ? gdev_errname(e) : "success");
			failed = 1;
			break;
		}
		if (e) {
			fprintf(stderr, "%s: %s:%d: ", prog, file, line);
			report(av[0], ac > 1 ? av[1] : NULL, e);
			failed = 1;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	printf("%s: %d lines, %s\n", file, line, failed ? "FAILED" : "ok");
	return failed;
}

/* ---------------- top ---------------- */

static int top_memstats(struct gtop_totals *t)
{
	struct goalloc_ioc_memstats m;
	unsigned int i;
	int e = gdev_stats(g_fd, &m);

	if (e)
		return e;
	for (i = 0; i < NFIELDS; i++)
		gtop_set_stat(t, fields[i].go, fval(&m, &fields[i]));
	return 0;
}

/*
 * slabtop for goalloc (tools/include/goalloc_top.h): debugfs for the
 * classes and CPUs, the MEMSTATS ioctl for the totals when the device
 * opens (else debugfs's memstats file).  Called without the device open.
 */
static int cmd_top(int argc, char **argv)
{
	struct gtop_opts o = { 0 };

	if (gtop_args(argc, argv, &o)) {
		gtop_usage(stderr);
		return 2;
	}
	if (!o.replay) {
		g_fd = gdev_open();
		if (g_fd >= 0)
			o.memstats = top_memstats;
	}
	return gtop_run(&o);
}

/* ---------------- demo ---------------- */

/* Report a failed demo step; true if it failed. */
static int step_failed(const char *op, int e)
{
	if (e)
		report(op, NULL, e);
	return e != 0;
}

/* Free what one BATCH of ALLOCs at @ops got; true if that failed. */
static int free_batch_failed(struct goalloc_ioc_batch_op *ops, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		ops[i] = (struct goalloc_ioc_batch_op){ .op = GOALLOC_IOC_BATCH_FREE,
							.handle = ops[i].handle };
	return step_failed("batch", -gdev_batch(g_fd, ops, n, NULL));
}

static int snap(struct goalloc_ioc_memstats *m)
{
	int e = -gdev_stats(g_fd, m);

	if (e)
		report("stats", NULL, e);
	return e;
}

#define HEAP_MAP "/sys/kernel/debug/goalloc/heap_map"

/*
 * demo --heapmap: debugfs's heap_map between "@@HEAPMAP <step>" and
 * "@@HEAPMAP_END" lines, for scripts/heapmap.py --log to draw.
 */
static void heapmap_step(int on, const char *step)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if (!on)
		return;
	fflush(stdout);
	f = fopen(HEAP_MAP, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, HEAP_MAP, strerror(errno));
		return;
	}
	printf("@@HEAPMAP %s\n", step);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	printf("@@HEAPMAP_END\n");
	fflush(stdout);
}

static int cmd_demo(int argc, char **argv)
{
	static const uint64_t small[] = { 16, 48, 128, 512, 1024, 4096, 8192, 16384, 32768 };
	static const uint64_t large[] = { 40 * 1024, 256 * 1024, 1 * MIB, 4 * MIB };
	static const uint64_t stacks[] = { 2048, 8192, 32768, 256 * 1024 };
	enum { NTINY = 1000, PER_SMALL = 200, NSMALL = 9 * PER_SMALL };
	static struct goalloc_ioc_batch_op tiny_ops[NTINY], small_ops[NSMALL];
	static const char *const names[] = { "before", "allocated", "freed", "after gc", "released" };
	struct goalloc_ioc_memstats m[5];
	struct goalloc_ioc_batch b;
	uint64_t lh[4], sh[4], ssize[4], rel;
	unsigned char *w, *r;
	unsigned int i, j;
	int e;

	int maps = argc == 2 && !strcmp(argv[1], "--heapmap");

	if (argc != 1 && !maps)
		return 2;
	w = malloc(4 * MIB);
	r = malloc(4 * MIB);
	if (!w || !r)
		return 1;
	printf("goalloc demo: every tier through " GOALLOC_DEV "\n\n");
	if (step_failed("gc", -gdev_cmd(g_fd, GOALLOC_IOC_GC)))
		return 1;
	if (snap(&m[0]))
		return 1;

	/* Tiny: pointer-free objects under 16 B share 16 B blocks. */
	for (i = 0; i < NTINY; i++)
		tiny_ops[i] = (struct goalloc_ioc_batch_op){
			.op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 1 + i % 15,
			.flags = GOALLOC_IOC_F_NOSCAN };
	e = -gdev_batch(g_fd, tiny_ops, NTINY, &b);
	if (step_failed("batch", e))
		return 1;
	printf("tiny:   %u noscan objects of 1..15 B in one BATCH (%u ok, %u failed)\n",
	       NTINY, b.done, b.failed);

	/* Small: several size classes, with and without pointers. */
	for (i = 0; i < NSMALL; i++)
		/* 16 B exactly, the others a few bytes under their class */
		small_ops[i] = (struct goalloc_ioc_batch_op){
			.op = GOALLOC_IOC_BATCH_ALLOC,
			.bytes = small[i / PER_SMALL] - (i >= PER_SMALL ? i & 7 : 0),
			.flags = i & 1 ? GOALLOC_IOC_F_NOSCAN : 0 };
	e = -gdev_batch(g_fd, small_ops, NSMALL, &b);
	if (step_failed("batch", e))
		return 1;
	printf("small:  %u objects, %u each of the classes up to", NSMALL, PER_SMALL);
	for (i = 0; i < 9; i++)
		printf(" %" PRIu64, small[i]);
	printf(" B (%u ok, %u failed)\n", b.done, b.failed);
	/* Contents of a few: written and read back. */
	for (i = 0; i < NSMALL; i += PER_SMALL) {
		uint64_t n = small_ops[i].bytes;

		stamp(w, n, i);
		if (step_failed("write", -gdev_write(g_fd, small_ops[i].handle, 0, n, w)))
			return 1;
		if (step_failed("read", -gdev_read(g_fd, small_ops[i].handle, 0, n, r)))
			return 1;
		if (memcmp(w, r, n)) {
			fprintf(stderr, "%s: demo: object of %" PRIu64 " B read back wrong\n",
				prog, n);
			return 1;
		}
	}
	printf("        one object per class written and read back: ok\n");

	/* Large: a span of their own each. */
	for (i = 0; i < 4; i++) {
		if (step_failed("alloc", -gdev_alloc(g_fd, large[i], GOALLOC_IOC_F_ZERO, &lh[i])))
			return 1;
		stamp(w, large[i], i + 100);
		if (step_failed("write", -gdev_write(g_fd, lh[i], 0, large[i], w)))
			return 1;
		if (step_failed("read", -gdev_read(g_fd, lh[i], 0, large[i], r)))
			return 1;
		if (memcmp(w, r, large[i])) {
			fprintf(stderr, "%s: demo: large object read back wrong\n", prog);
			return 1;
		}
	}
	printf("large:  40 KiB, 256 KiB, 1 MiB, 4 MiB (zeroed), filled and read back: ok\n");

	/* Stacks: each grows twice, its used top moving along. */
	printf("stacks:");
	for (i = 0; i < 4; i++) {
		uint64_t used = stacks[i] / 2;

		if (step_failed("stack", -gdev_stack_alloc(g_fd, stacks[i], &sh[i])))
			return 1;
		ssize[i] = stacks[i];
		stamp(w, used, i + 200);
		if (step_failed("write", -gdev_write(g_fd, sh[i], ssize[i] - used, used, w)))
			return 1;
		printf(" %" PRIu64, ssize[i]);
		for (j = 0; j < 2; j++) {
			if (step_failed("grow", -gdev_stack_grow(g_fd, sh[i], used, &ssize[i])))
				return 1;
			if (step_failed("read", -gdev_read(g_fd, sh[i], ssize[i] - used,
						      used, r)))
				return 1;
			if (memcmp(w, r, used)) {
				fprintf(stderr, "%s: demo: stack top lost in growth\n", prog);
				return 1;
			}
			printf("->%" PRIu64, ssize[i]);
		}
	}
	printf(" B; used tops intact after every growth\n");
	if (snap(&m[1]))
		return 1;
	heapmap_step(maps, "allocated");

	/* Free everything: batches for tiny and small. */
	if (free_batch_failed(tiny_ops, NTINY) || free_batch_failed(small_ops, NSMALL))
		return 1;
	for (i = 0; i < 4; i++) {
		if (step_failed("free", -gdev_free(g_fd, lh[i])))
			return 1;
		if (step_failed("sfree", -gdev_stack_free(g_fd, sh[i])))
			return 1;
	}
	printf("freed:  everything (small objects stay in their spans until swept)\n");
	if (snap(&m[2]))
		return 1;
	heapmap_step(maps, "freed");
	if (step_failed("gc", -gdev_cmd(g_fd, GOALLOC_IOC_GC)))
		return 1;
	if (step_failed("drain", -gdev_cmd(g_fd, GOALLOC_IOC_DRAIN)))
		return 1;
	printf("gc:     full sweep, caches drained\n");
	if (snap(&m[3]))
		return 1;
	heapmap_step(maps, "gc");
	if (step_failed("release", -gdev_release(g_fd, &rel)))
		return 1;
	printf("release: %" PRIu64 " bytes (%" PRIu64 " pages) back to the kernel\n", rel,
	       (uint64_t)(rel / GOALLOC_IOC_PAGE_SIZE));
	if (snap(&m[4]))
		return 1;
	heapmap_step(maps, "released");

	printf("\n");
	print_phases(m, names, 5);
	/* A small self-check, so the demo fails loudly if the story is wrong. */
	if (m[3].mallocs - m[3].frees != m[0].mallocs - m[0].frees ||
	    m[3].dev_objects != m[0].dev_objects) {
		fprintf(stderr, "%s: demo: live objects did not return to the start\n", prog);
		return 1;
	}
	printf("\nlive objects back to the start after gc: ok\n");
	free(w);
	free(r);
	return 0;
}

/* ---------------- main ---------------- */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [ARGS]\n"
		"  stats [--json]            MemStats (Go's field names)\n"
		"  alloc SIZE [--noscan] [--zero]\n"
		"                            allocate, print the handle (freed on exit)\n"
		"  free HANDLE               free (handles only live within one run)\n"
		"  gc | drain | release      full sweep / drain per-CPU caches / return\n"
		"                            free pages to the kernel\n"
		"  stack SIZE                allocate a stack, grow it, free it\n"
		"  run FILE|-                run a script on one open file:\n"
		"      alloc NAME SIZE [noscan] [zero] | free NAME\n"
		"      write NAME OFF PATTERN LEN | verify NAME OFF PATTERN LEN\n"
		"      stack NAME SIZE | grow NAME USED | sfree NAME\n"
		"      gc | drain | release | stats\n"
		"      expect ERRNO COMMAND...   (the command must fail with ERRNO)\n"
		"    PATTERN: a byte (0..255, e.g. 0xa5) or a word repeated; sizes\n"
		"    accept k/m suffixes; '#' starts a comment\n"
		"  demo [--heapmap]          a workload over every tier, with MemStats\n"
		"                            (--heapmap: debugfs heap_map at each step)\n"
		"  top [-s KEY] [-d SECS] [--once|--json]\n"
		"                            live per-class view (slabtop); top -h\n"
		"  version                   the kernel's ABI version and limits\n", prog);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "stats", cmd_stats }, { "alloc", cmd_alloc }, { "free", cmd_free },
		{ "gc", cmd_simple }, { "drain", cmd_simple }, { "release", cmd_simple },
		{ "stack", cmd_stack }, { "run", cmd_run }, { "demo", cmd_demo },
		{ "version", NULL }, { "top", cmd_top },
	};
	unsigned int i;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			break;
	if (i == ARRAY_SIZE(cmds)) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
		print_usage(stderr);
		return 2;
	}
	/* Line-buffered, so output interleaves sensibly with stderr on a console. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* top reads debugfs (or a recording) and opens the device itself. */
	if (cmds[i].fn == cmd_top)
		return cmd_top(argc - 1, argv + 1);
	if (dev_open())
		return 1;
	if (!cmds[i].fn) {
		struct goalloc_ioc_version v = { .size = sizeof(v) };

		if (gdev_ioctl(g_fd, GOALLOC_IOC_VERSION, &v))
			return 1;
		printf("goalloc ABI %u.%u: objects up to %llu B, stacks %llu..%llu B, batches up to %u ops, alloc flags %#x\n",
		       v.major, v.minor,
		       (unsigned long long)v.max_object_size, (unsigned long long)v.stack_min,
		       (unsigned long long)v.stack_max, v.batch_max, v.alloc_flags);
		return 0;
	}
	rc = cmds[i].fn(argc - 1, argv + 1);
	if (rc == 2) {
		fprintf(stderr, "%s: bad arguments for '%s'\n", prog, argv[1]);
		print_usage(stderr);
	}
	return rc;
}
