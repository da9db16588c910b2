// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_fuzz: random and malformed ioctls on /dev/goalloc, each judged
 * against a model of the ABI that include/uapi/goalloc.h documents.
 *
 * Every call is generated from a valid one by mutating some of: the command
 * number (bad number, wrong direction, random size bits, foreign magic), the
 * argument pointer (NULL, PROT_NONE, unmapped, kernel and non-canonical
 * addresses, misaligned, read-only, a struct running into an unmapped
 * page), @size (0, too small, longer with a zero or non-zero tail, a page,
 * above a page), @flags and reserved fields, handles (live, of the other
 * kind, freed, 0, random, above 32 bits), sizes, offsets and lengths
 * (overflowing ones too), user buffers, and BATCH arrays (huge counts, bad
 * pointers, valid and malformed ops mixed).
 *
 * The model knows the file's handle table (kind, size and contents of every
 * object), the quotas and the lowest-free handle numbering, so for every
 * call it computes the set of errnos the documented rules allow:
 *   - no rule broken: the call must succeed, with exactly the outputs the
 *     model predicts (new handle numbers, grown sizes, BATCH per-op results,
 *     READ contents, VERSION constants, MEMSTATS device counts, zeroed tails);
 *   - some rules broken: the call must fail with one of their errnos (the
 *     ABI does not order its checks, so any of them is fine) and change
 *     nothing, which MEMSTATS and READ probes after failures check.
 * Anything else is a failure.  The loop runs in child processes (one per
 * round, a fresh file each, closed with objects still live), so a kernel
 * that kills the caller shows as a failed round; after each round the
 * parent runs GC + DRAIN and MEMSTATS must be back at its baseline.  Every
 * 4th round runs under small per-file quotas (set by the parent, restored
 * after), so EDQUOT is predicted and met often; a last child is SIGKILLed
 * while it loops on 4096-op BATCHes (the EINTR path, thousands of handles
 * live), and MEMSTATS must come back to the baseline after that too.
 *
 * usage: goalloc_fuzz [--iters N] [--seed N] [--round N] [--allow-enomem]
 *   --iters N       fuzzed calls in total (default 5000: about 15 s in the
 *                   KASAN + TCG guest of make check)
 *   --seed N        seed (default: from the clock; always printed); round r
 *                   uses seed + r, so a failing round replays on its own with
 *                   --seed <seed + r> --iters <round>
 *   --round N       calls per child process (default 1000)
 *   --allow-enomem  ENOMEM is an acceptable outcome of allocating calls
 *                   (for runs under fault injection); without it, only
 *                   one the kernel's refusal of a block explains is
 *                   (debugfs mheap grow_fail_kernel, see enomem_explained())
 *
 * TAP (kselftest.h) on stdout; the last "# fuzz:" line has the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "goalloc_dev.h"
#include "kselftest.h"

#define PAGE		4096ULL
#define MIB		(1024ULL * 1024)
#define MAX_HANDLES	16384		/* handle numbers the model tracks */
#define BUFSZ		(GOALLOC_IOC_MAX_OBJECT_SIZE + PAGE)
#define ROSZ		(GOALLOC_IOC_BATCH_MAX * 32ULL + PAGE)
#define MAX_REPORTS	30
#define HIGH_LIVE	192		/* clean up above these... */
#define HIGH_BYTES	(16 * MIB)
#define LOW_LIVE	96		/* ...down to these */
#define LOW_BYTES	(8 * MIB)

#ifndef min
#define min(a, b)	((a) < (b) ? (a) : (b))
#endif

/* ------------------------------------------------------------ errnos */

/* The errno table of goalloc-ioctl.rst (goalloc_dev.h), as bits. */
#define NERR GDEV_NERRNOS

static int ebit(int e)
{
	unsigned int i;

	for (i = 0; i < NERR; i++)
		if (gdev_errnos[i] == e)
			return 1 << i;
	return 0;
}

static void eset_str(unsigned int set, char *buf, size_t n)
{
	unsigned int i;
	size_t len = 0;

	buf[0] = 0;
	for (i = 0; i < NERR && len + 1 < n; i++)
		if (set & (1u << i))
			len += snprintf(buf + len, n - len, "%s%s", len ? "|" : "",
					strerrorname_np(gdev_errnos[i]));
	if (!set)
		snprintf(buf, n, "success");
}

/* ------------------------------------------------------------ PRNG */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* ------------------------------------------------------- shared results */

struct results {
	uint64_t calls, succeeded, by_errno[NERR], unexpected;
	uint64_t reads_checked, reads_bad, probes, probes_bad, aux_bad;
	uint64_t rounds_done, iters_done, last_iter;
	uint64_t per_cmd[16][2];	/* calls, successes; [13]: unknown commands */
	uint64_t kill_batches;		/* BATCHes the killed child completed */
	uint64_t enomem_refused;	/* ENOMEMs a kernel refusal explained */
};

static struct results *res;	/* MAP_SHARED: the parent reads what children did */
static uint64_t reports;

static __printf(1, 2) void report(const char *fmt, ...)
{
	va_list ap;

	if (reports++ >= MAX_REPORTS)
		return;
	printf("# FAIL iter %" PRIu64 ": ", res->last_iter);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ------------------------------------------------------------ memory */

static struct {
	unsigned char *rw;	/* struct scratch, 2 pages */
	unsigned char *edge;	/* 2 RW pages, then a PROT_NONE page */
	unsigned char *buf;	/* BUFSZ RW, then a PROT_NONE page */
	unsigned char *ro;	/* ROSZ read-only, then a PROT_NONE page */
	unsigned char *none;	/* PROT_NONE */
	unsigned char *pool;	/* random bytes: WRITE sources */
} mem;

static void *map(size_t n, int prot)
{
	void *p = mmap(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

static void mem_init(void)
{
	mem.rw = map(2 * PAGE, PROT_READ | PROT_WRITE);
	mem.edge = map(3 * PAGE, PROT_READ | PROT_WRITE);
	mprotect(mem.edge + 2 * PAGE, PAGE, PROT_NONE);
	mem.buf = map(BUFSZ + PAGE, PROT_READ | PROT_WRITE);
	mprotect(mem.buf + BUFSZ, PAGE, PROT_NONE);
	mem.ro = map(ROSZ + PAGE, PROT_READ);
	mprotect(mem.ro + ROSZ, PAGE, PROT_NONE);
	mem.none = map(PAGE, PROT_NONE);
	mem.pool = map(BUFSZ + PAGE, PROT_READ | PROT_WRITE);
	for (uint64_t i = 0; i < BUFSZ + PAGE; i += 8) {
		uint64_t v = rnd();

		memcpy(mem.pool + i, &v, 8);
	}
}

enum pk { PK_OK, PK_MISALIGNED, PK_NULL, PK_NONE, PK_HOLE, PK_KERNEL, PK_NONCANON,
	  PK_TOPUSER, PK_RO, PK_EDGE, NPK };

static const char *const pk_name[NPK] = {
	"ok", "misaligned", "NULL", "PROT_NONE", "unmapped", "kernel", "non-canonical",
	"top-of-user", "read-only", "edge",
};

/* Where a struct or buffer sits: @r bytes readable and @w writable from @p. */
struct place {
	unsigned char *p;
	uint64_t r, w;
	enum pk kind;
};

static enum pk pick_pk(unsigned int bad_pct)
{
	if (!chance(bad_pct))
		return chance(85) ? PK_OK : PK_MISALIGNED;
	return PK_NULL + below(NPK - PK_NULL);
}

static unsigned char *bad_addr(enum pk k)
{
	static const uint64_t kernel[] = {
		0xffffffff81000000ULL, 0xffff888000000000ULL, 0xffffc90000000000ULL,
		0xffffea0000000000ULL, 0xfffffffffffff000ULL,
	};

	switch (k) {
	case PK_NULL:
		return NULL;
	case PK_NONE:
		return mem.none + below(PAGE);
	case PK_HOLE:	/* below mmap_min_addr: nothing can be mapped there */
		return (unsigned char *)(uintptr_t)(PAGE + below(8 * PAGE));
	case PK_KERNEL:
		return (unsigned char *)(uintptr_t)(kernel[below(ARRAY_SIZE(kernel))] +
						    below(PAGE));
	case PK_NONCANON:
		return (unsigned char *)(uintptr_t)((chance(50) ? 1ULL << 47 : 1ULL << 63) +
						    below(1 << 20));
	default:	/* PK_TOPUSER: the last user page is never mapped */
		return (unsigned char *)(uintptr_t)((1ULL << 47) - 1 - below(64));
	}
}

static void ro_fill(uint64_t off, const void *src, size_t n)
{
	mprotect(mem.ro, ROSZ, PROT_READ | PROT_WRITE);
	memcpy(mem.ro + off, src, n);
	mprotect(mem.ro, ROSZ, PROT_READ);
}

/*
 * Put @n bytes of @src (none if NULL) at a place of kind @k: in the region
 * @base of @size bytes (a guard page after it) for PK_OK/PK_MISALIGNED, in
 * the read-only region for PK_RO, and for PK_EDGE so that fewer than @n
 * bytes (at most @size) come before @base + @size.
 */
static struct place place(enum pk k, const void *src, uint64_t n, unsigned char *base,
			  uint64_t size)
{
	struct place pl = { .kind = k };
	uint64_t off;

	switch (k) {
	case PK_OK:
	case PK_MISALIGNED:
		off = k == PK_OK ? 0 : 1 + below(7);
		pl.p = base + off;
		pl.r = pl.w = size - off;
		if (src && n)
			memcpy(pl.p, src, min(n, pl.r));
		break;
	case PK_RO:
		off = chance(80) ? 0 : 1 + below(7);
		pl.p = mem.ro + off;
		pl.r = ROSZ - off;
		if (src && n)
			ro_fill(off, src, min(n, pl.r));
		break;
	case PK_EDGE:
		off = n ? below(min(n, size)) : 0;	/* readable bytes */
		pl.p = base + size - off;
		pl.r = pl.w = off;
		if (src && off)
			memcpy(pl.p, src, off);
		break;
	default:
		pl.p = bad_addr(k);
		break;
	}
	return pl;
}

/* ------------------------------------------------------------- model */

struct mobj {
	bool live, stack;
	uint64_t size;
	unsigned char *data;	/* NULL: all zero */
};

static struct {
	struct mobj h[MAX_HANDLES + 1];
	uint64_t nlive, bytes;
	uint64_t freed[64];	/* recently freed handle numbers */
	unsigned int nfreed;
	/* quotas (0: none) and what other files hold */
	uint64_t fmb, fmo, gmb, gmo, other_bytes, other_objs;
	bool allow_enomem;
	uint64_t refusals_used;	/* kernel refusals that explained an ENOMEM */
} m;

static int fd = -1;

/*
 * An ENOMEM from an allocation is expected with --allow-enomem (injected
 * failures), and otherwise only if the kernel refused the heap a block of
 * the order needed since the last one explained (debugfs mheap
 * grow_fail_kernel): a 4 MiB object needs an order-10 block, which a
 * fragmented guest may not have, as kmalloc() would not.  One refusal
 * explains one ENOMEM.
 */
static bool enomem_explained(void)
{
	uint64_t v = 0;

	if (m.allow_enomem)
		return true;
	if (gdev_mheap_read("grow_fail_kernel", &v) || v <= m.refusals_used)
		return false;
	m.refusals_used++;
	res->enomem_refused++;
	return true;
}

static struct mobj *lookup(uint64_t h)
{
	if (!h || h > MAX_HANDLES || !m.h[h].live)
		return NULL;
	return &m.h[h];
}

static uint64_t lowest_free(void)
{
	uint64_t h;

	for (h = 1; h <= MAX_HANDLES && m.h[h].live; h++)
		;
	return h;
}

static bool over(uint64_t now, uint64_t add, uint64_t max)
{
	return max && (now > max || add > max - now);
}

/* Would a new handle of @bytes (or @objs == 0: a grow by @bytes) pass a quota? */
static bool edquot(uint64_t bytes, uint64_t objs)
{
	return over(m.bytes, bytes, m.fmb) || over(m.nlive, objs, m.fmo) ||
	       over(m.bytes + m.other_bytes, bytes, m.gmb) ||
	       over(m.nlive + m.other_objs, objs, m.gmo);
}

static void m_add(uint64_t h, uint64_t size, bool stack)
{
	if (h > MAX_HANDLES)
		ksft_exit_fail_msg("handle %" PRIu64 " beyond the model's table\n", h);
	m.h[h] = (struct mobj){ .live = true, .stack = stack, .size = size };
	m.nlive++;
	m.bytes += size;
}

static void m_del(uint64_t h)
{
	struct mobj *o = &m.h[h];

	m.nlive--;
	m.bytes -= o->size;
	free(o->data);
	*o = (struct mobj){ 0 };
	m.freed[m.nfreed++ % ARRAY_SIZE(m.freed)] = h;
}

static void m_write(struct mobj *o, uint64_t off, const unsigned char *src, uint64_t n)
{
	if (!o->data) {
		o->data = calloc(1, o->size);
		if (!o->data)
			ksft_exit_fail_msg("out of memory\n");
	}
	memcpy(o->data + off, src, n);
}

static bool m_equal(const struct mobj *o, uint64_t off, const unsigned char *p, uint64_t n,
		    uint64_t *bad)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != (o->data ? o->data[off + i] : 0)) {
			*bad = off + i;
			return false;
		}
	}
	return true;
}

/* A random handle number: mostly live ones of the wanted kind. */
static uint64_t pick_handle(bool stack)
{
	uint64_t h, r = below(100), i, start = 1 + below(MAX_HANDLES);

	if (r < 60 || (r < 70 && m.nlive)) {
		bool want = r < 60 ? stack : !stack;

		for (i = 0; i < MAX_HANDLES; i++) {
			h = 1 + (start + i) % MAX_HANDLES;
			if (m.h[h].live && m.h[h].stack == want)
				return h;
		}
	}
	if (r < 80 && m.nfreed)
		return m.freed[below(min(m.nfreed, ARRAY_SIZE(m.freed)))];
	if (r < 84)
		return 0;
	if (r < 90)
		return 1 + below(512);
	if (r < 94)
		return (1ULL << 32) | below(64);
	if (r < 97)
		return UINT64_MAX;
	return rnd();
}

/* ------------------------------------------------------- clean calls */

/* MEMSTATS' device counts must be what the model holds. */
static void probe_counts(const char *after)
{
	struct goalloc_ioc_memstats s;
	int err = gdev_stats(fd, &s);

	res->probes++;
	if (err || s.dev_objects != m.nlive + m.other_objs ||
	    s.dev_bytes != m.bytes + m.other_bytes) {
		res->probes_bad++;
		report("after %s: MEMSTATS %s dev_objects %llu dev_bytes %llu, model %" PRIu64
		       " and %" PRIu64, after, err ? strerror(-err) : "ok", s.dev_objects,
		       s.dev_bytes, m.nlive + m.other_objs, m.bytes + m.other_bytes);
	}
}

/* READ [off, off + n) of live handle @h cleanly and compare with the model. */
static void probe_contents(uint64_t h, uint64_t off, uint64_t n, const char *after)
{
	struct mobj *o = lookup(h);
	uint64_t bad = 0;
	int err;

	if (!o || !n)
		return;
	err = gdev_read(fd, h, off, n, mem.buf);
	res->reads_checked++;
	if (err || !m_equal(o, off, mem.buf, n, &bad)) {
		res->reads_bad++;
		report("after %s: READ of handle %" PRIu64 " [%" PRIu64 ", +%" PRIu64 "): %s%s%"
		       PRIu64, after, h, off, n, err ? strerror(-err) : "byte differs at ",
		       err ? "" : "", err ? 0 : bad);
	}
}

/*
 * Above HIGH_*, free down to LOW_*: objects by clean BATCH frees (whose
 * every op must succeed), stacks by STACK_FREE.
 */
static void shrink_live(void)
{
	static struct goalloc_ioc_batch_op ops[GOALLOC_IOC_BATCH_MAX];
	struct goalloc_ioc_batch b;
	uint64_t h, nlive = m.nlive, bytes = m.bytes;
	uint32_t n = 0, i;
	int err;

	if (m.nlive <= HIGH_LIVE && m.bytes <= HIGH_BYTES)
		return;
	for (h = 1 + below(MAX_HANDLES); nlive > LOW_LIVE || bytes > LOW_BYTES;
	     h = h % MAX_HANDLES + 1) {
		if (!m.h[h].live || (!m.h[h].stack && n == GOALLOC_IOC_BATCH_MAX) ||
		    (!m.h[h].stack && n && ops[n - 1].handle == h))
			continue;
		nlive--;
		bytes -= m.h[h].size;
		if (!m.h[h].stack) {
			ops[n++] = (struct goalloc_ioc_batch_op){ .op = GOALLOC_IOC_BATCH_FREE,
								  .handle = h };
			continue;
		}
		err = gdev_stack_free(fd, h);
		if (err) {
			res->aux_bad++;
			report("STACK_FREE of handle %" PRIu64 " to shrink: %s", h, strerror(-err));
		}
		m_del(h);
	}
	if (n) {
		err = gdev_batch(fd, ops, n, &b);
		if (err || b.done != n) {
			res->aux_bad++;
			report("BATCH of %u frees to shrink: %s, done %u", n,
			       err ? strerror(-err) : "ok", b.done);
		}
		for (i = 0; i < n; i++)
			if (!err && !ops[i].error)
				m_del(ops[i].handle);
	}
	probe_counts("shrinking");
}

/* ------------------------------------------------------- the generator */

enum {
	C_VERSION, C_ALLOC, C_FREE, C_WRITE, C_READ, C_SALLOC, C_SFREE, C_SGROW, C_BATCH,
	C_GC, C_DRAIN, C_RELEASE, C_MEMSTATS, NCMD
};

static const struct cmdinfo {
	unsigned long cmd;
	const char *name;
	uint32_t ksize;
	bool outonly;		/* only @size and @flags are input */
	uint32_t out_end;	/* an input struct's output fields end here */
	unsigned int weight;
} cmds[NCMD] = {
	[C_VERSION] = { GOALLOC_IOC_VERSION, "VERSION", 48, true, 0, 3 },
	[C_ALLOC] = { GOALLOC_IOC_ALLOC, "ALLOC", 24, false, 24, 16 },
	[C_FREE] = { GOALLOC_IOC_FREE, "FREE", 16, false, 0, 10 },
	[C_WRITE] = { GOALLOC_IOC_WRITE, "WRITE", 40, false, 0, 12 },
	[C_READ] = { GOALLOC_IOC_READ, "READ", 40, false, 0, 12 },
	[C_SALLOC] = { GOALLOC_IOC_STACK_ALLOC, "STACK_ALLOC", 24, false, 24, 6 },
	[C_SFREE] = { GOALLOC_IOC_STACK_FREE, "STACK_FREE", 16, false, 0, 5 },
	[C_SGROW] = { GOALLOC_IOC_STACK_GROW, "STACK_GROW", 32, false, 32, 6 },
	[C_BATCH] = { GOALLOC_IOC_BATCH, "BATCH", 32, false, 28, 10 },
	[C_GC] = { GOALLOC_IOC_GC, "GC", 8, false, 0, 2 },
	[C_DRAIN] = { GOALLOC_IOC_DRAIN, "DRAIN", 8, false, 0, 2 },
	[C_RELEASE] = { GOALLOC_IOC_RELEASE, "RELEASE", 16, false, 16, 2 },
	[C_MEMSTATS] = { GOALLOC_IOC_MEMSTATS, "MEMSTATS", 192, true, 0, 4 },
};

/* Every published struct is at its first size: ver0 == sizeof. */
_Static_assert(sizeof(struct goalloc_ioc_memstats) == GOALLOC_IOC_MEMSTATS_SIZE_VER0, "ver0");
_Static_assert(sizeof(struct goalloc_ioc_batch) == GOALLOC_IOC_BATCH_SIZE_VER0, "ver0");

/* One generated call and what the model expects of it. */
struct call {
	int c;			/* index into cmds[], -1: a command nobody handles */
	unsigned long nr;	/* the command number passed */
	unsigned char img[2 * PAGE];	/* the struct as placed */
	uint32_t usize;
	struct place arg;
	unsigned int allowed;	/* errno bits; 0: must succeed */
	char what[160];		/* for reports */
	/* READ/WRITE */
	struct place buf;
	/* BATCH */
	struct place ops;
	struct goalloc_ioc_batch_op opimg[GOALLOC_IOC_BATCH_MAX];
	uint32_t nops;		/* ops placed (<= count) */
	int first_bad;		/* first malformed op, -1: none */
};

static struct call cl;

/* Allowed errnos of one batch op by the static rules; 0 if well formed. */
static unsigned int op_static(const struct goalloc_ioc_batch_op *op)
{
	unsigned int e = 0;

	if (op->reserved)
		e |= ebit(EINVAL);
	if (op->op == GOALLOC_IOC_BATCH_ALLOC) {
		if (op->flags & ~GOALLOC_IOC_F_MASK)
			e |= ebit(EINVAL);
		if (!op->bytes)
			e |= ebit(EINVAL);
		if (op->bytes > GOALLOC_IOC_MAX_OBJECT_SIZE)
			e |= ebit(E2BIG);
	} else if (op->op == GOALLOC_IOC_BATCH_FREE) {
		if (op->flags || op->bytes)
			e |= ebit(EINVAL);
	} else {
		e |= ebit(EINVAL);
	}
	return e;
}

static uint64_t gen_obj_size(void)
{
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return GOALLOC_IOC_MAX_OBJECT_SIZE + below(2) * rnd();
	case 2:
		return GOALLOC_IOC_MAX_OBJECT_SIZE + 1;
	case 3:
		return chance(50) ? UINT64_MAX : 1ULL << (32 + below(32));
	case 4:
		return 32769 + below(MIB);
	case 5:
		return chance(10) ? GOALLOC_IOC_MAX_OBJECT_SIZE : 1 + below(256 * 1024);
	default:
		return 1 + below(chance(50) ? 16 : 4096);
	}
}

static uint64_t gen_stack_size(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(2047);
	case 2:
		return GOALLOC_IOC_STACK_MIN << below(12) | (1 + below(1000));	/* not a power of two */
	case 3:
		return GOALLOC_IOC_STACK_MAX << (1 + below(40));
	case 4:
		return rnd();
	default:
		return GOALLOC_IOC_STACK_MIN << below(chance(10) ? 12 : 8);
	}
}

static uint32_t gen_flags(bool alloc)
{
	if (alloc && chance(85))
		return below(4);	/* NOSCAN | ZERO */
	if (!alloc && chance(85))
		return 0;
	return chance(50) ? 1u << below(32) : (uint32_t)rnd();
}

/* A batch's ops: valid allocs and frees, some malformed, some failing at run time. */
static void gen_ops(uint32_t n, bool malformed)
{
	uint32_t i;

	memset(cl.opimg, 0, n * sizeof(cl.opimg[0]));
	for (i = 0; i < n; i++) {
		struct goalloc_ioc_batch_op *op = &cl.opimg[i];

		if (chance(55)) {
			op->op = GOALLOC_IOC_BATCH_ALLOC;
			op->flags = below(4);
			/* big batches stay small: they are about counts, not bytes */
			op->bytes = n > 64 ? 1 + below(512) : gen_obj_size();
			if (!op->bytes || op->bytes > GOALLOC_IOC_MAX_OBJECT_SIZE)
				op->bytes = 1 + below(4096);
		} else {
			op->op = GOALLOC_IOC_BATCH_FREE;
			/* sometimes a number an earlier alloc of this batch will get */
			op->handle = chance(15) ? lowest_free() + below(4) : pick_handle(false);
		}
		op->handle = op->op == GOALLOC_IOC_BATCH_ALLOC && chance(20) ? rnd() : op->handle;
		op->error = chance(10) ? (uint32_t)rnd() : 0;	/* output: ignored on input */
		if (malformed && chance(30)) {
			switch (below(6)) {
			case 0:
				op->op = chance(50) ? 0 : 3 + below(100);
				break;
			case 1:
				op->reserved = 1 + below(100);
				break;
			case 2:
				op->op = GOALLOC_IOC_BATCH_ALLOC;
				op->bytes = gen_obj_size();
				break;
			case 3:
				op->op = GOALLOC_IOC_BATCH_ALLOC;
				op->flags = 4 << below(28);
				break;
			case 4:
				op->op = GOALLOC_IOC_BATCH_FREE;
				op->flags = 1 + below(8);
				break;
			default:
				op->op = GOALLOC_IOC_BATCH_FREE;
				op->bytes = 1 + below(64);
				break;
			}
		}
	}
}

/*
 * Build a call of command @c: a valid struct, then mutations.  Fills
 * cl.img/usize/arg/buf/ops and the static part of cl.allowed; the
 * state-dependent rules are applied by expect().
 */
static void gen(int c)
{
	const struct cmdinfo *ci = &cmds[c];
	bool mutate = chance(45);
	uint32_t ksize = ci->ksize, usize = ksize;
	uint64_t tail_nz = 0;
	enum pk k;

	memset(cl.img, 0, sizeof(cl.img));
	cl.c = c;
	cl.nr = ci->cmd;
	cl.buf = (struct place){ 0 };
	cl.ops = (struct place){ 0 };
	cl.nops = 0;
	cl.first_bad = -1;

	/* command number: random size bits are ignored */
	if (chance(5))
		cl.nr = (cl.nr & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
			(below(_IOC_SIZEMASK + 1) << _IOC_SIZESHIFT);

	/* fields, mostly valid */
	switch (c) {
	case C_VERSION:
	case C_MEMSTATS:
		if (chance(20))	/* output fields: anything on input */
			for (unsigned int i = 8; i < ksize; i++)
				cl.img[i] = rnd();
		break;
	case C_ALLOC: {
		struct goalloc_ioc_alloc *a = (void *)cl.img;

		a->flags = gen_flags(true);
		a->bytes = mutate && chance(50) ? gen_obj_size() :
			   (chance(5) ? 32769 + below(MIB) : 1 + below(chance(50) ? 16 : 8192));
		a->handle = chance(20) ? rnd() : 0;
		break;
	}
	case C_SALLOC: {
		struct goalloc_ioc_alloc *a = (void *)cl.img;

		a->flags = mutate && chance(30) ? gen_flags(false) : 0;
		a->bytes = mutate && chance(50) ? gen_stack_size() :
			   GOALLOC_IOC_STACK_MIN << below(chance(5) ? 12 : 6);
		break;
	}
	case C_FREE:
	case C_SFREE: {
		struct goalloc_ioc_free *a = (void *)cl.img;

		a->flags = mutate && chance(20) ? gen_flags(false) : 0;
		a->handle = pick_handle(c == C_SFREE);
		break;
	}
	case C_WRITE:
	case C_READ: {
		struct goalloc_ioc_rw *a = (void *)cl.img;
		struct mobj *o;
		uint64_t size;

		a->flags = mutate && chance(15) ? gen_flags(false) : 0;
		a->handle = pick_handle(chance(30));
		o = lookup(a->handle);
		size = o ? o->size : 1 + below(8192);
		if (!mutate || chance(50)) {
			a->offset = below(size);
			a->length = 1 + below(size - a->offset);
		} else {
			switch (below(8)) {
			case 0:
				a->offset = below(size);
				a->length = 0;
				break;
			case 1:
				a->offset = size;
				a->length = 1 + below(16);
				break;
			case 2:
				a->offset = below(size);
				a->length = size - a->offset + 1;
				break;
			case 3:
				a->offset = UINT64_MAX - below(16);
				a->length = 1 + below(64);
				break;
			case 4:
				a->offset = below(size);
				a->length = UINT64_MAX - below(16);
				break;
			case 5:
				a->offset = 1ULL << 63;
				a->length = 1ULL << 63;
				break;
			case 6:
				a->offset = 0;
				a->length = size + below(1ULL << 40);
				break;
			default:
				a->offset = rnd();
				a->length = rnd();
				break;
			}
		}
		/*
		 * The user buffer.  Any range the kernel would copy is at most
		 * 4 MiB, which the regions hold; WRITE sources are random bytes.
		 */
		k = pick_pk(mutate ? 35 : 3);
		cl.buf = place(k, c == C_WRITE ? mem.pool + below(PAGE) : NULL,
			       min(a->length, GOALLOC_IOC_MAX_OBJECT_SIZE), mem.buf, BUFSZ);
		a->buf = (uintptr_t)cl.buf.p;
		break;
	}
	case C_SGROW: {
		struct goalloc_ioc_stack_grow *a = (void *)cl.img;
		struct mobj *o;

		a->flags = mutate && chance(20) ? gen_flags(false) : 0;
		a->handle = pick_handle(true);
		o = lookup(a->handle);
		a->used = o ? below(o->size + 1) : below(8192);
		if (mutate && chance(40)) {
			switch (below(4)) {
			case 0:
				a->used = o ? o->size + 1 + below(64) : 1ULL << 32;
				break;
			case 1:
				a->used = UINT64_MAX;
				break;
			case 2:
				a->used = o ? o->size : 0;
				break;
			default:
				a->used = rnd();
				break;
			}
		}
		a->bytes = chance(20) ? rnd() : 0;
		break;
	}
	case C_BATCH: {
		struct goalloc_ioc_batch *a = (void *)cl.img;
		uint64_t n;

		a->flags = mutate && chance(15) ? gen_flags(false) : 0;
		a->reserved = mutate && chance(10) ? 1 + below(1000) : 0;
		a->done = chance(20) ? rnd() : 0;
		a->failed = chance(20) ? rnd() : 0;
		switch (mutate ? below(8) : 7) {
		case 0:
			a->count = 0;
			break;
		case 1:
			a->count = GOALLOC_IOC_BATCH_MAX;
			break;
		case 2:
			a->count = GOALLOC_IOC_BATCH_MAX + 1 + below(100);
			break;
		case 3:
			a->count = UINT32_MAX - below(4);
			break;
		case 4:
			a->count = rnd();
			break;
		default:
			a->count = 1 + below(chance(90) ? 32 : 512);
			break;
		}
		n = min(a->count, GOALLOC_IOC_BATCH_MAX);
		gen_ops(n, mutate && chance(40));
		cl.nops = n;
		k = pick_pk(mutate ? 30 : 3);
		cl.ops = place(k, cl.opimg, n * sizeof(cl.opimg[0]), mem.buf, BUFSZ);
		a->ops = (uintptr_t)cl.ops.p;
		break;
	}
	default:	/* GC, DRAIN, RELEASE */
		if (mutate && chance(30))
			((uint32_t *)cl.img)[1] = gen_flags(false);
		if (c == C_RELEASE && chance(20))
			memcpy(cl.img + 8, &(uint64_t){ rnd() }, 8);
		break;
	}

	/* @size and the tail */
	if (mutate && chance(40)) {
		switch (below(8)) {
		case 0:
			usize = 0;
			break;
		case 1:
			usize = below(ksize);
			break;
		case 2:
			usize = ksize + 8 * (1 + below(8));
			break;
		case 3:
			usize = ksize + 1 + below(PAGE - ksize);
			break;
		case 4:
			usize = PAGE;
			break;
		case 5:
			usize = PAGE + 1 + below(PAGE);
			break;
		case 6:
			usize = chance(50) ? UINT32_MAX : (uint32_t)rnd();
			break;
		default:
			usize = ksize + 1 + below(PAGE - ksize);
			tail_nz = ksize + below(usize - ksize);
			cl.img[tail_nz] = 1 + below(255);
			break;
		}
	}
	if (mutate && chance(15) && c != C_ALLOC && c != C_BATCH)
		((uint32_t *)cl.img)[1] = gen_flags(false);
	((uint32_t *)cl.img)[0] = usize;
	cl.usize = usize;

	/*
	 * The argument pointer.  The whole image goes in, also past @size, so
	 * no stale bytes of an earlier call sit where the kernel may look; at
	 * the edge only fewer than @size bytes are mapped.
	 */
	k = pick_pk(mutate ? 30 : 2);
	if (k == PK_EDGE)
		cl.arg = place(k, cl.img, min((uint64_t)usize, sizeof(cl.img)), mem.edge,
			       2 * PAGE);
	else
		cl.arg = place(k, cl.img, sizeof(cl.img), mem.rw, 2 * PAGE);
	snprintf(cl.what, sizeof(cl.what), "%s size %u%s arg %s", ci->name, usize,
		 tail_nz ? " (non-zero tail)" : "", pk_name[k]);
}

/* A command number no handler takes: ENOTTY whatever the argument. */
static void gen_enotty(void)
{
	/* magics the VFS answers itself (FIOCLEX, FIFREEZE, FS_IOC_*, FICLONE, ...) */
	static const unsigned int vfs_magic[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };
	unsigned int dir, type, nr, i;
	unsigned long size;
	bool vfs;

	cl.c = -1;
	size = below(_IOC_SIZEMASK + 1);
	switch (below(4)) {
	case 0:		/* our magic, a number past the last command */
		type = GOALLOC_IOC_MAGIC;
		nr = 0x0d + below(0xff - 0x0d + 1);
		dir = below(4);
		break;
	case 1: {	/* our magic and number, another direction */
		unsigned long c = cmds[below(NCMD)].cmd;

		type = GOALLOC_IOC_MAGIC;
		nr = _IOC_NR(c);
		dir = (_IOC_DIR(c) + 1 + below(3)) & 3;
		break;
	}
	default:	/* someone else's magic */
		do {
			type = below(256);
			for (vfs = false, i = 0; i < ARRAY_SIZE(vfs_magic); i++)
				vfs |= type == vfs_magic[i];
		} while (type == GOALLOC_IOC_MAGIC || vfs);
		nr = chance(50) ? below(16) : below(256);
		dir = below(4);
		break;
	}
	cl.nr = _IOC(dir, type, nr, size);
	memset(cl.img, 0, 64);
	((uint32_t *)cl.img)[0] = 64;
	cl.arg = place(pick_pk(30), cl.img, 64, mem.rw, 2 * PAGE);
	cl.allowed = ebit(ENOTTY);
	snprintf(cl.what, sizeof(cl.what), "cmd %#lx (dir %u type %#x nr %#x) arg %s", cl.nr,
		 dir, type, nr, pk_name[cl.arg.kind]);
}

/* ---------------------------------------------------------- the oracle */

/* Which rules does the call break?  Sets cl.allowed (0: it must succeed). */
static void expect(void)
{
	const struct cmdinfo *ci = &cmds[cl.c];
	unsigned int e = 0;
	uint32_t usize = cl.usize, i;
	struct mobj *o;

	/* the struct header */
	if (cl.arg.r < 4) {
		cl.allowed = ebit(EFAULT);
		return;
	}
	if (usize < ci->ksize)		/* ver0 == ksize for every struct */
		e |= ebit(EINVAL);
	if (usize > PAGE)
		e |= ebit(E2BIG);
	if (e) {
		cl.allowed = e;
		return;
	}
	if (ci->outonly) {
		if (cl.arg.r < 8)
			e |= ebit(EFAULT);
		if (((uint32_t *)cl.img)[1])
			e |= ebit(EINVAL);
		if (cl.arg.w < usize)
			e |= ebit(EFAULT);
		cl.allowed = e;
		return;
	}
	if (cl.arg.r < usize)
		e |= ebit(EFAULT);
	for (i = ci->ksize; i < usize && i < cl.arg.r; i++)
		if (cl.img[i])
			e |= ebit(E2BIG);
	if (ci->out_end && cl.arg.w < ci->out_end)
		e |= ebit(EFAULT);

	switch (cl.c) {
	case C_ALLOC: {
		struct goalloc_ioc_alloc *a = (void *)cl.img;

		if (a->flags & ~GOALLOC_IOC_F_MASK)
			e |= ebit(EINVAL);
		if (!a->bytes)
			e |= ebit(EINVAL);
		if (a->bytes > GOALLOC_IOC_MAX_OBJECT_SIZE)
			e |= ebit(E2BIG);
		else if (a->bytes && edquot(a->bytes, 1))
			e |= ebit(EDQUOT);
		break;
	}
	case C_SALLOC: {
		struct goalloc_ioc_alloc *a = (void *)cl.img;

		if (a->flags)
			e |= ebit(EINVAL);
		if (a->bytes > GOALLOC_IOC_STACK_MAX)
			e |= ebit(E2BIG);
		if (!a->bytes || a->bytes < GOALLOC_IOC_STACK_MIN || (a->bytes & (a->bytes - 1))) {
			e |= ebit(EINVAL);
		} else if (a->bytes <= GOALLOC_IOC_STACK_MAX && edquot(a->bytes, 1)) {
			/* a valid size over quota: whatever else is wrong */
			e |= ebit(EDQUOT);
		}
		break;
	}
	case C_FREE:
	case C_SFREE: {
		struct goalloc_ioc_free *a = (void *)cl.img;

		if (a->flags)
			e |= ebit(EINVAL);
		o = lookup(a->handle);
		if (!o)
			e |= ebit(ENOENT);
		else if (o->stack != (cl.c == C_SFREE))
			e |= ebit(EINVAL);
		break;
	}
	case C_WRITE:
	case C_READ: {
		struct goalloc_ioc_rw *a = (void *)cl.img;
		uint64_t end;

		if (a->flags || !a->length)
			e |= ebit(EINVAL);
		o = lookup(a->handle);
		if (!o)
			e |= ebit(ENOENT);
		if (__builtin_add_overflow(a->offset, a->length, &end))
			e |= ebit(EOVERFLOW);
		else if (o && end > o->size)
			e |= ebit(ERANGE);
		if (a->length && (cl.c == C_WRITE ? cl.buf.r : cl.buf.w) < a->length)
			e |= ebit(EFAULT);
		break;
	}
	case C_SGROW: {
		struct goalloc_ioc_stack_grow *a = (void *)cl.img;

		if (a->flags)
			e |= ebit(EINVAL);
		o = lookup(a->handle);
		if (!o)
			e |= ebit(ENOENT);
		else if (!o->stack)
			e |= ebit(EINVAL);
		else if (a->used > o->size)
			e |= ebit(EINVAL);
		else if (2 * o->size > GOALLOC_IOC_STACK_MAX)
			e |= ebit(E2BIG);
		else if (edquot(o->size, 0))
			e |= ebit(EDQUOT);
		break;
	}
	case C_BATCH: {
		struct goalloc_ioc_batch *a = (void *)cl.img;
		uint64_t len = (uint64_t)min(a->count, GOALLOC_IOC_BATCH_MAX) * 32;

		if (a->flags || a->reserved || !a->count)
			e |= ebit(EINVAL);
		if (a->count > GOALLOC_IOC_BATCH_MAX)
			e |= ebit(E2BIG);
		if (e)
			break;
		if (cl.ops.r < len || cl.ops.w < len)
			e |= ebit(EFAULT);
		for (i = 0; i < cl.nops; i++) {
			unsigned int oe = op_static(&cl.opimg[i]);

			if (oe && cl.first_bad < 0) {
				cl.first_bad = i;
				e |= oe;
			}
		}
		break;
	}
	default:
		if (((uint32_t *)cl.img)[1])
			e |= ebit(EINVAL);
		break;
	}
	cl.allowed = e;
}

/* ------------------------------------------------ checking the outcome */

static void bad(const char *fmt, ...) __printf(1, 2);
static void bad(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	res->unexpected++;
	report("%s: %s", cl.what, msg);
}

/* A successful call: check its outputs and move the model along. */
static void succeeded(void)
{
	unsigned char *p = cl.arg.p;
	uint64_t bad_at = 0, want;
	uint32_t i;

	switch (cl.c) {
	case C_VERSION: {
		struct goalloc_ioc_version v;

		memcpy(&v, p, sizeof(v));
		if (v.size != sizeof(v) || v.major != GOALLOC_IOC_ABI_MAJOR ||
		    v.minor != GOALLOC_IOC_ABI_MINOR || v.batch_max != GOALLOC_IOC_BATCH_MAX ||
		    v.alloc_flags != GOALLOC_IOC_F_MASK ||
		    v.max_object_size != GOALLOC_IOC_MAX_OBJECT_SIZE ||
		    v.stack_min != GOALLOC_IOC_STACK_MIN || v.stack_max != GOALLOC_IOC_STACK_MAX)
			bad("VERSION output differs from the header's constants");
		for (i = sizeof(v); i < cl.usize; i++)
			if (p[i])
				bad("tail byte %u not zeroed", i);
		break;
	}
	case C_MEMSTATS: {
		struct goalloc_ioc_memstats s;

		memcpy(&s, p, sizeof(s));
		res->probes++;
		if (s.size != sizeof(s) || s.dev_objects != m.nlive + m.other_objs ||
		    s.dev_bytes != m.bytes + m.other_bytes ||
		    s.heap_objects != s.mallocs - s.frees || s.alloc != s.heap_alloc ||
		    s.heap_idle != s.heap_sys - s.heap_inuse) {
			res->probes_bad++;
			bad("MEMSTATS size %u dev_objects %llu dev_bytes %llu (model %" PRIu64
			    " %" PRIu64 ") or its identities are off", s.size, s.dev_objects,
			    s.dev_bytes, m.nlive + m.other_objs, m.bytes + m.other_bytes);
		}
		for (i = sizeof(s); i < cl.usize; i++)
			if (p[i]) {
				bad("tail byte %u not zeroed", i);
				break;
			}
		break;
	}
	case C_ALLOC:
	case C_SALLOC: {
		struct goalloc_ioc_alloc a;

		memcpy(&a, p, sizeof(a));
		want = lowest_free();
		if (a.handle != want)
			bad("handle %llu, the lowest free number is %" PRIu64, a.handle, want);
		if (a.handle && a.handle <= MAX_HANDLES && !m.h[a.handle].live)
			m_add(a.handle, ((struct goalloc_ioc_alloc *)cl.img)->bytes,
			      cl.c == C_SALLOC);
		break;
	}
	case C_FREE:
	case C_SFREE:
		if (lookup(((struct goalloc_ioc_free *)cl.img)->handle))
			m_del(((struct goalloc_ioc_free *)cl.img)->handle);
		break;
	case C_WRITE: {
		struct goalloc_ioc_rw *a = (void *)cl.img;

		if (lookup(a->handle) && a->offset + a->length <= lookup(a->handle)->size)
			m_write(lookup(a->handle), a->offset, cl.buf.p, a->length);
		break;
	}
	case C_READ: {
		struct goalloc_ioc_rw *a = (void *)cl.img;

		if (!lookup(a->handle) || a->offset + a->length > lookup(a->handle)->size)
			break;
		res->reads_checked++;
		if (!m_equal(lookup(a->handle), a->offset, cl.buf.p, a->length, &bad_at)) {
			res->reads_bad++;
			bad("READ byte %" PRIu64 " differs from what was written", bad_at);
		}
		break;
	}
	case C_SGROW: {
		struct goalloc_ioc_stack_grow *a = (void *)cl.img, g;
		struct mobj *o = lookup(a->handle);
		uint64_t old;
		unsigned char *nd = NULL;

		if (!o || a->used > o->size)
			break;
		old = o->size;
		memcpy(&g, p, sizeof(g));
		if (g.bytes != 2 * old)
			bad("STACK_GROW says %llu bytes, expected %" PRIu64, g.bytes, 2 * old);
		/* the top @used bytes move to the top; the rest reads zero */
		if (o->data && a->used) {
			nd = calloc(1, 2 * old);
			if (!nd)
				ksft_exit_fail_msg("out of memory\n");
			memcpy(nd + 2 * old - a->used, o->data + old - a->used, a->used);
		}
		free(o->data);
		o->data = nd;
		o->size = 2 * old;
		m.bytes += old;
		break;
	}
	case C_BATCH: {
		struct goalloc_ioc_batch b;
		struct goalloc_ioc_batch_op *ops = (void *)cl.ops.p;
		uint32_t done = 0, failed = 0;

		memcpy(&b, p, sizeof(b));
		for (i = 0; i < cl.nops; i++) {
			struct goalloc_ioc_batch_op *in = &cl.opimg[i], out = ops[i];
			uint32_t err = 0;

			if (in->op == GOALLOC_IOC_BATCH_ALLOC) {
				err = edquot(in->bytes, 1) ? EDQUOT : 0;
				if (!err && out.error == ENOMEM && enomem_explained())
					err = ENOMEM;	/* injected, or the kernel's */
				if (!err && !out.error) {
					want = lowest_free();
					if (out.handle != want)
						bad("op %u: handle %llu, lowest free is %" PRIu64, i,
						    out.handle, want);
					if (out.handle && out.handle <= MAX_HANDLES &&
					    !m.h[out.handle].live)
						m_add(out.handle, in->bytes, false);
				}
			} else {
				struct mobj *o = lookup(in->handle);

				err = !o ? ENOENT : o->stack ? EINVAL : 0;
				if (!err && !out.error)
					m_del(in->handle);
			}
			if (out.error != err)
				bad("op %u (%s): error %u, expected %u", i,
				    in->op == GOALLOC_IOC_BATCH_ALLOC ? "alloc" : "free",
				    out.error, err);
			if (out.error)
				failed++;
			else
				done++;
		}
		if (b.done != done || b.failed != failed)
			bad("done %u failed %u, ops say %u and %u", b.done, b.failed, done, failed);
		break;
	}
	case C_RELEASE: {
		struct goalloc_ioc_release r;

		memcpy(&r, p, sizeof(r));
		if (r.released % GOALLOC_IOC_PAGE_SIZE)
			bad("released %llu: not whole heap pages", r.released);
		break;
	}
	default:
		break;
	}
}

/* A malformed BATCH ran nothing, and (if it could) marked every bad op. */
static void batch_refused(int err)
{
	struct goalloc_ioc_batch_op *ops = (void *)cl.ops.p;
	struct goalloc_ioc_batch b;
	uint32_t i, nbad = 0;

	if (cl.first_bad < 0 || err == -EFAULT)
		return;
	memcpy(&b, cl.arg.p, sizeof(b));
	for (i = 0; i < cl.nops; i++) {
		unsigned int oe = op_static(&cl.opimg[i]);

		if (oe)
			nbad++;
		if (oe ? !(ebit(ops[i].error) & oe) : ops[i].error != 0)
			bad("refused batch: op %u error %u", i, ops[i].error);
	}
	if ((uint32_t)-err != ops[cl.first_bad].error)
		bad("refused batch failed with %s, its first bad op says %u", strerrorname_np(-err),
		    ops[cl.first_bad].error);
	if (b.done || b.failed != nbad)
		bad("refused batch: done %u failed %u, expected 0 and %u", b.done, b.failed, nbad);
}

static void run_one(void)
{
	char want[128];
	int err;

	if (chance(6)) {
		gen_enotty();
	} else {
		unsigned int w = 0, total = 0, c;

		for (c = 0; c < NCMD; c++)
			total += cmds[c].weight;
		w = below(total);
		for (c = 0; w >= cmds[c].weight; c++)
			w -= cmds[c].weight;
		gen(c);
		expect();
	}
	err = gdev_ioctl(fd, cl.nr, cl.arg.p);
	res->calls++;
	res->per_cmd[cl.c < 0 ? NCMD : cl.c][0]++;
	res->per_cmd[cl.c < 0 ? NCMD : cl.c][1] += !err;
	if (!err) {
		res->succeeded++;
	} else if (ebit(-err)) {
		unsigned int i;

		for (i = 0; i < NERR; i++)
			if (gdev_errnos[i] == -err)
				res->by_errno[i]++;
	}

	if (!err && !cl.allowed) {
		succeeded();
		shrink_live();
		return;
	}
	if (err == -ENOMEM && (cl.c == C_ALLOC || cl.c == C_SALLOC || cl.c == C_SGROW) &&
	    enomem_explained()) {
		probe_counts(cl.what);
		return;
	}
	if (err && (ebit(-err) & cl.allowed)) {
		if (cl.c == C_BATCH)
			batch_refused(err);
		/* a failing call changed nothing: counts, and the target's bytes */
		if (chance(25) || cl.c == C_ALLOC || cl.c == C_BATCH || cl.c == C_SGROW)
			probe_counts(cl.what);
		if (cl.c == C_WRITE || cl.c == C_SGROW) {
			uint64_t h, n;
			struct mobj *o;

			/* both structs have the handle at offset 8 */
			memcpy(&h, cl.img + 8, sizeof(h));
			o = lookup(h);
			if (o) {
				n = min(o->size, 64 * 1024ULL);
				probe_contents(h, cl.c == C_SGROW ? o->size - n : 0, n, cl.what);
			}
		}
		return;
	}
	eset_str(cl.allowed, want, sizeof(want));
	bad("returned %s, expected %s", err ? strerrorname_np(-err) : "success", want);
	/* keep the model usable: learn what a surprise success did */
	if (!err && cl.c >= 0 && cl.arg.r >= cmds[cl.c].ksize && cl.arg.w >= cmds[cl.c].out_end &&
	    (cl.c != C_BATCH || cl.ops.w >= cl.nops * 32ULL))
		succeeded();
}

/* ----------------------------------------------------------- a round */

/* A module parameter, or @dflt if it cannot be read. */
static uint64_t param(const char *name, uint64_t dflt)
{
	uint64_t v;

	return gdev_param_read(name, &v) ? dflt : v;
}

static int round_child(uint64_t seed, uint64_t iters)
{
	struct goalloc_ioc_memstats s;
	uint64_t i, unexpected0 = res->unexpected;
	bool allow = m.allow_enomem;

	rng = seed;
	memset(&m, 0, sizeof(m));
	m.allow_enomem = allow;
	/* Refusals before this round explain nothing in it. */
	if (gdev_mheap_read("grow_fail_kernel", &m.refusals_used))
		m.refusals_used = UINT64_MAX;
	m.fmb = param("file_max_bytes", 64 * MIB);
	m.fmo = param("file_max_objects", 65536);
	m.gmb = param("global_max_bytes", 128 * MIB);
	m.gmo = param("global_max_objects", 262144);
	fd = gdev_open();
	if (fd < 0) {
		report("open " GOALLOC_DEV ": %s", strerror(errno));
		return 1;
	}
	if (gdev_stats(fd, &s)) {
		report("MEMSTATS: %s", strerror(errno));
		return 1;
	}
	m.other_objs = s.dev_objects;
	m.other_bytes = s.dev_bytes;
	for (i = 0; i < iters; i++) {
		res->last_iter = res->iters_done;
		run_one();
		res->iters_done++;
	}
	probe_counts("the last call");
	/* close with whatever is live: the release path frees it */
	close(fd);
	return res->unexpected != unexpected0 || res->probes_bad || res->reads_bad ||
	       res->aux_bad;
}

/*
 * The kill round's child: BATCHes of GOALLOC_IOC_BATCH_MAX small allocs and
 * frees until the parent SIGKILLs it, mostly inside a batch (the EINTR
 * path), with thousands of objects live.
 */
static void batch_forever(void)
{
	static struct goalloc_ioc_batch_op ops[GOALLOC_IOC_BATCH_MAX];
	struct goalloc_ioc_batch b = { .size = sizeof(b), .ops = (uintptr_t)ops,
				       .count = GOALLOC_IOC_BATCH_MAX };
	int f = gdev_open();
	uint32_t i;

	if (f < 0)
		_exit(1);
	for (;;) {
		for (i = 0; i < GOALLOC_IOC_BATCH_MAX; i++)
			ops[i] = (struct goalloc_ioc_batch_op){ .op = GOALLOC_IOC_BATCH_ALLOC,
								.bytes = 1 + below(512),
								.flags = below(4) };
		if (gdev_ioctl(f, GOALLOC_IOC_BATCH, &b))
			_exit(2);
		res->kill_batches++;
		for (i = 0; i < GOALLOC_IOC_BATCH_MAX; i++)
			ops[i] = (struct goalloc_ioc_batch_op){ .op = GOALLOC_IOC_BATCH_FREE,
								.handle = ops[i].handle };
		/* free every other batch: the table keeps growing */
		if (below(2) && gdev_ioctl(f, GOALLOC_IOC_BATCH, &b))
			_exit(3);
	}
}

static bool same_baseline(const struct goalloc_ioc_memstats *a,
			  const struct goalloc_ioc_memstats *b, uint64_t round)
{
	bool ok = a->mallocs - a->frees == b->mallocs - b->frees &&
		  a->heap_alloc == b->heap_alloc && a->heap_inuse == b->heap_inuse &&
		  a->stack_inuse == b->stack_inuse && a->dev_objects == b->dev_objects &&
		  a->dev_bytes == b->dev_bytes;

	if (!ok)
		ksft_print_msg("round %" PRIu64 ": after close + GC + DRAIN (baseline in ()):\n"
			       "#  Mallocs-Frees %llu (%llu) HeapAlloc %llu (%llu) HeapInuse %llu (%llu)\n"
			       "#  StackInuse %llu (%llu) dev_objects %llu (%llu) dev_bytes %llu (%llu)\n",
			       round, b->mallocs - b->frees, a->mallocs - a->frees,
			       b->heap_alloc, a->heap_alloc, b->heap_inuse, a->heap_inuse,
			       b->stack_inuse, a->stack_inuse, b->dev_objects, a->dev_objects,
			       b->dev_bytes, a->dev_bytes);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "round", required_argument, NULL, 'r' },
		{ "allow-enomem", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t iters = 5000, per_round = 1000, seed = 0, r, nrounds, died = 0, leaked = 0;
	uint64_t failed_rounds = 0, fmo = 0, fmb = 0;
	bool have_quota, killed_ok;
	long kill_ms = 0;
	struct goalloc_ioc_memstats base, after;
	bool seeded = false, allow = false;
	struct timespec t0, t1;
	char errs[512];
	unsigned int i;
	size_t len = 0;
	int c, pfd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iters = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'r':
			per_round = strtoull(optarg, NULL, 0);
			break;
		case 'e':
			allow = true;
			break;
		default:
			fprintf(stderr, "usage: %s [--iters N] [--seed N] [--round N] [--allow-enomem]\n",
				argv[0]);
			return 2;
		}
	}
	if (!per_round)
		per_round = 1;
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &t0);
		seed = (uint64_t)t0.tv_sec * 1000003 ^ t0.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	nrounds = (iters + per_round - 1) / per_round;

	ksft_print_header();
	ksft_set_plan(6);
	ksft_print_msg("seed %" PRIu64 " iters %" PRIu64 " in %" PRIu64 " rounds of %" PRIu64
		       "%s\n", seed, iters, nrounds, per_round, allow ? " (ENOMEM allowed)" : "");
	pfd = gdev_open();
	if (pfd < 0) {
		if (errno != ENOENT)
			ksft_exit_fail_msg("open " GOALLOC_DEV ": %s\n", strerror(errno));
		for (i = 0; i < 6; i++)
			ksft_test_result_skip(GOALLOC_DEV " missing: goalloc.ko not loaded\n");
		ksft_finished();
	}
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	mem_init();
	m.allow_enomem = allow;
	have_quota = !access(GOALLOC_PARAMS "file_max_objects", W_OK) &&
		     !access(GOALLOC_PARAMS "file_max_bytes", W_OK);
	fmo = param("file_max_objects", 65536);
	fmb = param("file_max_bytes", 64 * MIB);
	if (gdev_settle(pfd, &base))
		ksft_exit_fail_msg("baseline: %s\n", strerror(errno));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < nrounds; r++) {
		uint64_t n = min(per_round, iters - r * per_round);
		bool tight = r % 4 == 3 && have_quota;
		int status;
		pid_t pid;

		/* every 4th round: small per-file quotas, so EDQUOT paths run */
		if (tight) {
			rng = seed ^ r;
			gdev_param_write("file_max_objects", 24 + below(200));
			gdev_param_write("file_max_bytes", 64 * 1024 + below(4 * MIB));
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pid)
			_exit(round_child(seed + r, n));
		if (waitpid(pid, &status, 0) != pid)
			ksft_exit_fail_msg("waitpid: %s\n", strerror(errno));
		if (WIFSIGNALED(status)) {
			died++;
			ksft_print_msg("round %" PRIu64 " (seed %" PRIu64 "): killed by signal %d at %"
				       PRIu64 "\n", r, seed + r, WTERMSIG(status), res->last_iter);
		} else if (WEXITSTATUS(status)) {
			failed_rounds++;
			ksft_print_msg("round %" PRIu64 " failed: replay with --seed %" PRIu64
				       " --iters %" PRIu64 " --round %" PRIu64 "\n", r, seed + r,
				       n, n);
		}
		res->rounds_done++;
		if (tight) {
			gdev_param_write("file_max_objects", fmo);
			gdev_param_write("file_max_bytes", fmb);
		}
		if (gdev_settle(pfd, &after) || !same_baseline(&base, &after, r))
			leaked++;
	}

	/* a child killed inside a huge BATCH leaves nothing behind either */
	{
		struct timespec d = { 0, 0 };
		int status;
		pid_t pid;

		rng = seed ^ 0x6b696c6cULL;
		d.tv_sec = below(2);
		d.tv_nsec = (50 + below(900)) * 1000000L;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pid)
			batch_forever();
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		kill_ms = d.tv_sec * 1000 + d.tv_nsec / 1000000;
		if (waitpid(pid, &status, 0) != pid)
			ksft_exit_fail_msg("waitpid: %s\n", strerror(errno));
		killed_ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
			    !gdev_settle(pfd, &after) && same_baseline(&base, &after, nrounds);
		if (!WIFSIGNALED(status))
			ksft_print_msg("kill round: the child exited with %d before the kill\n",
				       WEXITSTATUS(status));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(pfd);

	for (i = 0; i < NERR; i++)
		if (res->by_errno[i])
			len += snprintf(errs + len, sizeof(errs) - len, " %s=%" PRIu64,
					strerrorname_np(gdev_errnos[i]), res->by_errno[i]);
	ksft_test_result(!res->unexpected && res->calls == iters,
			 "ioctls_conform: %" PRIu64 " calls, %" PRIu64 " succeeded, %" PRIu64
			 " outside the documented outcome\n", res->calls, res->succeeded,
			 res->unexpected);
	ksft_test_result(!res->reads_bad && res->reads_checked,
			 "contents: %" PRIu64 " READs matched the model, %" PRIu64 " did not\n",
			 res->reads_checked, res->reads_bad);
	ksft_test_result(!res->probes_bad && !res->aux_bad && res->probes,
			 "model_counts: MEMSTATS device counts matched the model at %" PRIu64
			 " probes (%" PRIu64 " off, %" PRIu64 " cleanup failures)\n", res->probes,
			 res->probes_bad, res->aux_bad);
	ksft_test_result(!died, "survived: %" PRIu64 " rounds, %" PRIu64 " killed\n",
			 res->rounds_done, died);
	ksft_test_result(!leaked, "no_leak: MEMSTATS back to baseline after each of %" PRIu64
			 " closes (%" PRIu64 " not)\n", nrounds, leaked);
	ksft_test_result(killed_ok, "killed_mid_batch: SIGKILL at %ld ms, %" PRIu64
			 " 4096-op BATCHes done, then MEMSTATS at baseline\n", kill_ms,
			 res->kill_batches);
	len = 0;
	for (i = 0; i <= NCMD; i++)
		len += snprintf(errs + len, sizeof(errs) - len, " %s=%" PRIu64 "/%" PRIu64,
				i < NCMD ? cmds[i].name : "unknown", res->per_cmd[i][1],
				res->per_cmd[i][0]);
	ksft_print_msg("calls (succeeded/made):%s\n", errs);
	len = 0;
	for (i = 0; i < NERR; i++)
		if (res->by_errno[i])
			len += snprintf(errs + len, sizeof(errs) - len, " %s=%" PRIu64,
					strerrorname_np(gdev_errnos[i]), res->by_errno[i]);
	ksft_print_msg("fuzz: seed=%" PRIu64 " iters=%" PRIu64 " rounds=%" PRIu64
		       " seconds=%.1f succeeded=%" PRIu64 " unexpected=%" PRIu64 " reads=%" PRIu64
		       " probes=%" PRIu64 " died=%" PRIu64 " leaked_rounds=%" PRIu64
		       " failed_rounds=%" PRIu64 " enomem_kernel_refused=%" PRIu64 " errnos:%s\n",
		       seed, res->calls, nrounds,
		       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9, res->succeeded,
		       res->unexpected, res->reads_checked, res->probes, died, leaked,
		       failed_rounds, res->enomem_refused, len ? errs : " none");
	ksft_finished();
}
