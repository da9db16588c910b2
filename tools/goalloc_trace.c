// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc's tracepoints, seen through tracefs: kselftest harness, TAP on
 * stdout.  Needs root, goalloc.ko and tracefs (mounted here if it is not);
 * skips without them.
 *
 * Each test enables events in a tracefs instance of its own, drives a
 * workload through /dev/goalloc, turns the events off and reads the
 * instance's buffer back:
 *   - goalloc_alloc/goalloc_free: exactly one event per allocation and
 *     free the workload made, on every tier (tiny, small, large), each
 *     with its request, a bytes_alloc of Go's size class (whole pages for
 *     large objects, the request or 16 B for tiny ones), the gfp and noscan
 *     bits of its flags and a call site outside goalloc's own entry
 *     points; every free's ptr is a live alloc's; and the per-CPU detour
 *     (debugfs mcache "traced") is on exactly while the event is;
 *   - the tiers underneath: heap grow, span cached/uncached, sweep cycle
 *     start/end and scavenge, forced by RELEASE, DRAIN and GC;
 *   - stack alloc/free/grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goalloc_dev.h"
#include "kselftest_harness.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/goalloc_trace_test"
#define MCACHE_DEBUGFS	"/sys/kernel/debug/goalloc/mcache"
#define TINY		16
#define PAGE8K		8192
#define MAXEV		8192
#define MAXKV		12

/* One event of the buffer: its name and key=value fields, in order. */
struct ev {
	char name[32];
	int nkv;
	char key[MAXKV][16];
	char val[MAXKV][80];
};

static struct ev evs[MAXEV];

static const char *ev_get(const struct ev *e, const char *key)
{
	int i;

	for (i = 0; i < e->nkv; i++)
		if (!strcmp(e->key[i], key))
			return e->val[i];
	return NULL;
}

static uint64_t ev_u64(const struct ev *e, const char *key)
{
	const char *v = ev_get(e, key);

	return v ? strtoull(v, NULL, 10) : UINT64_MAX;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/*
 * Parse "task-pid [cpu] flags ts: goalloc_X: k=v k=v ..." lines.  A value
 * may hold a space ("call_site=obj_alloc+0x4b/0x120 [goalloc]"): words
 * without '=' belong to the value before them.  Return: events read, or -1
 * if the buffer lost events (the exact counts below would be void).
 */
static int read_events(const char *inst)
{
	char path[256], line[1024], *p, *w, *save;
	int n = 0, lost = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", inst);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < MAXEV) {
		struct ev *e = &evs[n];

		if (strstr(line, "LOST"))
			lost = 1;
		if (line[0] == '#')
			continue;
		/* After the timestamp: the task name may start with goalloc_ too. */
		p = strstr(line, ": goalloc_");
		if (!p)
			continue;
		p++;
		w = strchr(p + 1, ':');
		if (!w)
			continue;
		*w = 0;
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", p + 1);
		e->nkv = 0;
		for (w = strtok_r(w + 1, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
			char *eq = strchr(w, '=');

			if (!eq) {
				if (e->nkv) {
					size_t l = strlen(e->val[e->nkv - 1]);

					snprintf(e->val[e->nkv - 1] + l, sizeof(e->val[0]) - l,
						 " %s", w);
				}
				continue;
			}
			if (e->nkv == MAXKV)
				break;
			*eq = 0;
			snprintf(e->key[e->nkv], sizeof(e->key[0]), "%s", w);
			snprintf(e->val[e->nkv], sizeof(e->val[0]), "%s", eq + 1);
			e->nkv++;
		}
		n++;
	}
	fclose(f);
	return lost ? -1 : n;
}

/* 1 if every CPU's mcache reads "traced yes", 0 if every one "no", else -1. */
static int mcache_traced(void)
{
	char line[512];
	int yes = 0, no = 0;
	FILE *f = fopen(MCACHE_DEBUGFS, "r");

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " traced yes"))
			yes++;
		else if (strstr(line, " traced no"))
			no++;
	}
	fclose(f);
	if (yes && !no)
		return 1;
	if (no && !yes)
		return 0;
	return -1;
}

FIXTURE(trace) {
	int fd;
	char events[256];
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	self->fd = gdev_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, GOALLOC_DEV " missing: goalloc.ko not loaded");
	ASSERT_LE(0, self->fd) TH_LOG("open " GOALLOC_DEV ": %s", strerror(errno));
	if (stat(TRACEFS "/instances", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		SKIP(return, "no tracefs at " TRACEFS ": %s", strerror(errno));
	if (stat(TRACEFS "/events/goalloc", &st))
		SKIP(return, "no goalloc events in " TRACEFS);
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0755)) TH_LOG("mkdir %s: %s", INSTANCE, strerror(errno));
	ASSERT_EQ(0, write_str(INSTANCE "/buffer_size_kb", "4096"));
	snprintf(self->events, sizeof(self->events), "%s/events/goalloc", INSTANCE);
	/* Start from an empty heap: the first allocation has to grow it. */
	ASSERT_EQ(0, gdev_release(self->fd, NULL));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd < 0)
		return;
	write_str(INSTANCE "/events/goalloc/enable", "0");
	rmdir(INSTANCE);
	close(self->fd);
}

static int enable(struct __test_metadata *_metadata, const char *dir, const char *ev, int on)
{
	char path[384];

	snprintf(path, sizeof(path), "%s/%s%senable", dir, ev, *ev ? "/" : "");
	return write_str(path, on ? "1" : "0");
}

/*
 * The workload's requests: Go 1.19's size classes (runtime/sizeclasses.go)
 * give the expected bytes_alloc; 0 means "tiny": the request itself when
 * the object shares a block, 16 when it got a slot of its own.
 */
static const struct req {
	uint64_t bytes;
	uint32_t flags;
	uint64_t alloc;
} reqs[] = {
	{ 1, 0, 8 }, { 24, 0, 24 }, { 64, 0, 64 }, { 64, GOALLOC_IOC_F_ZERO, 64 },
	{ 100, 0, 112 }, { 1000, 0, 1024 }, { 5000, 0, 5376 }, { 32768, 0, 32768 },
	{ 20, GOALLOC_IOC_F_NOSCAN, 24 }, { 700, GOALLOC_IOC_F_NOSCAN, 704 },
	{ 1, GOALLOC_IOC_F_NOSCAN, 0 }, { 4, GOALLOC_IOC_F_NOSCAN, 0 },
	{ 8, GOALLOC_IOC_F_NOSCAN, 0 }, { 12, GOALLOC_IOC_F_NOSCAN | GOALLOC_IOC_F_ZERO, 0 },
	{ 15, GOALLOC_IOC_F_NOSCAN, 0 },
	{ 40000, 0, 5 * PAGE8K }, { 65536, GOALLOC_IOC_F_NOSCAN, 8 * PAGE8K },
};

#define NREQ	ARRAY_SIZE(reqs)
#define REPS	12

static int req_matches(const struct req *r, const struct ev *e)
{
	const char *gfp = ev_get(e, "gfp_flags");

	return ev_u64(e, "bytes_req") == r->bytes &&
	       ev_u64(e, "noscan") == !!(r->flags & GOALLOC_IOC_F_NOSCAN) &&
	       gfp && !!strstr(gfp, "__GFP_ZERO") == !!(r->flags & GOALLOC_IOC_F_ZERO);
}

/* A call site must be the device's code, not one of goalloc's entry points. */
static int call_site_ok(const char *cs)
{
	static const char *const inner[] = {
		"goalloc_alloc+", "goalloc_free+", "goalloc_stack", "alloc_", "free_", "0x",
	};
	unsigned int i;

	if (!cs || !strstr(cs, "[goalloc]"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(inner); i++)
		if (!strncmp(cs, inner[i], strlen(inner[i])))
			return 0;
	return 1;
}

TEST_F_TIMEOUT(trace, alloc_free_every_tier, 120)
{
	static uint64_t h[NREQ][REPS];
	char live[NREQ * REPS][24];
	int n, i, j, k, nlive = 0, nalloc = 0, nfree = 0;
	unsigned int r, count[NREQ] = { 0 };

	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_alloc", 1));
	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_free", 1));
	if (mcache_traced() != -2)
		EXPECT_EQ(1, mcache_traced()) TH_LOG("a CPU's fast path is not detoured");
	for (j = 0; j < REPS; j++)
		for (r = 0; r < NREQ; r++)
			ASSERT_EQ(0, gdev_alloc(self->fd, reqs[r].bytes, reqs[r].flags, &h[r][j]));
	for (j = 0; j < REPS; j++)
		for (r = 0; r < NREQ; r++)
			ASSERT_EQ(0, gdev_free(self->fd, h[r][j]));
	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_alloc", 0));
	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_free", 0));
	if (mcache_traced() != -2)
		EXPECT_EQ(0, mcache_traced()) TH_LOG("a CPU's fast path is still detoured");
	/* Off again: more work adds no event. */
	ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h[0][0]));
	ASSERT_EQ(0, gdev_free(self->fd, h[0][0]));

	n = read_events(INSTANCE);
	ASSERT_LE(0, n) TH_LOG("trace buffer unreadable or lost events");
	for (i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		const char *ptr = ev_get(e, "ptr");

		ASSERT_NE(NULL, ptr);
		if (!strcmp(e->name, "goalloc_alloc")) {
			uint64_t req = ev_u64(e, "bytes_req"), got = ev_u64(e, "bytes_alloc");

			nalloc++;
			EXPECT_TRUE(call_site_ok(ev_get(e, "call_site")))
				TH_LOG("alloc call_site=%s", ev_get(e, "call_site"));
			EXPECT_NE(NULL, strstr(ev_get(e, "gfp_flags") ?: "", "GFP_KERNEL"));
			EXPECT_LE(req, got);
			for (r = 0; r < NREQ && !req_matches(&reqs[r], e); r++)
				;
			EXPECT_LT(r, NREQ) TH_LOG("alloc of %llu B not made by the test",
						  (unsigned long long)req);
			if (r == NREQ)
				continue;
			count[r]++;
			/* The harness's EXPECTs are statements of their own: braces. */
			if (reqs[r].alloc) {
				EXPECT_EQ(reqs[r].alloc, got)
					TH_LOG("bytes_req=%llu", (unsigned long long)req);
			} else {
				EXPECT_TRUE(got == req || got == TINY)
					TH_LOG("tiny %llu B: bytes_alloc=%llu",
					       (unsigned long long)req, (unsigned long long)got);
			}
			ASSERT_LT(nlive, NREQ * REPS);
			snprintf(live[nlive++], sizeof(live[0]), "%s", ptr);
		} else if (!strcmp(e->name, "goalloc_free")) {
			nfree++;
			EXPECT_TRUE(call_site_ok(ev_get(e, "call_site")))
				TH_LOG("free call_site=%s", ev_get(e, "call_site"));
			for (k = 0; k < nlive && strcmp(live[k], ptr); k++)
				;
			EXPECT_LT(k, nlive) {
				TH_LOG("free of ptr=%s: no live alloc", ptr);
			}
			if (k < nlive)
				memcpy(live[k], live[--nlive], sizeof(live[0]));
		} else {
			EXPECT_TRUE(0) TH_LOG("event %s was not enabled", e->name);
		}
	}
	/* Exactly one event per allocation and free: none escaped the detour. */
	EXPECT_EQ(NREQ * REPS, nalloc);
	EXPECT_EQ(NREQ * REPS, nfree);
	EXPECT_EQ(0, nlive);
	for (r = 0; r < NREQ; r++)
		EXPECT_EQ(REPS, count[r]) TH_LOG("%llu B flags %u",
						 (unsigned long long)reqs[r].bytes, reqs[r].flags);
}

static int find(int n, const char *name, int from)
{
	int i;

	for (i = from; i < n; i++)
		if (!strcmp(evs[i].name, name))
			return i;
	return -1;
}

TEST_F_TIMEOUT(trace, tier_events, 120)
{
	uint64_t h[64], released;
	int n, i, s, e;

	ASSERT_EQ(0, enable(_metadata, self->events, "", 1));
	/* Grows the emptied heap; small spans come from their mcentrals. */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, gdev_alloc(self->fd, i % 2 ? 3000 : 100000, 0, &h[i]));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, gdev_free(self->fd, h[i]));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_DRAIN));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_release(self->fd, &released));
	ASSERT_EQ(0, enable(_metadata, self->events, "", 0));
	EXPECT_LT(0, released);

	n = read_events(INSTANCE);
	ASSERT_LE(0, n) TH_LOG("trace buffer unreadable or lost events");

	i = find(n, "goalloc_heap_grow", 0);
	ASSERT_LE(0, i) TH_LOG("no heap_grow");
	EXPECT_LE(PAGE8K, ev_u64(&evs[i], "bytes"));
	EXPECT_EQ(0, ev_u64(&evs[i], "bytes") % 4096);
	EXPECT_LE(ev_u64(&evs[i], "npages") * PAGE8K, ev_u64(&evs[i], "bytes"));
	EXPECT_LE(ev_u64(&evs[i], "bytes") / PAGE8K, ev_u64(&evs[i], "pages_owned"));

	i = find(n, "goalloc_span_cached", 0);
	ASSERT_LE(0, i) TH_LOG("no span_cached");
	for (; i >= 0; i = find(n, "goalloc_span_cached", i + 1)) {
		EXPECT_LT(0, ev_u64(&evs[i], "nelems"));
		/* Cached spans have a free slot. */
		EXPECT_LT(ev_u64(&evs[i], "nalloc"), ev_u64(&evs[i], "nelems"));
		EXPECT_LE(1, ev_u64(&evs[i], "npages"));
		EXPECT_LE(1, ev_u64(&evs[i], "sizeclass"));
	}
	i = find(n, "goalloc_span_uncached", 0);
	ASSERT_LE(0, i) TH_LOG("no span_uncached after DRAIN");
	EXPECT_LE(ev_u64(&evs[i], "nalloc"), ev_u64(&evs[i], "nelems"));

	/* GC: a cycle that starts and ends at one sweepgen, in order. */
	s = find(n, "goalloc_sweep_start", 0);
	ASSERT_LE(0, s) TH_LOG("no sweep_start after GC");
	e = find(n, "goalloc_sweep_end", s);
	ASSERT_LE(0, e) TH_LOG("no sweep_end after sweep_start");
	EXPECT_EQ(ev_u64(&evs[s], "sweepgen"), ev_u64(&evs[e], "sweepgen"));
	EXPECT_EQ(0, ev_u64(&evs[s], "sweepgen") % 2);

	/* RELEASE: every free page back, so the last scavenge leaves nothing. */
	i = find(n, "goalloc_scavenge", 0);
	ASSERT_LE(0, i) TH_LOG("no scavenge after RELEASE");
	for (; i >= 0; i = find(n, "goalloc_scavenge", i + 1))
		EXPECT_LT(0, ev_u64(&evs[i], "npages"));
}

TEST_F_TIMEOUT(trace, stack_events, 120)
{
	static const uint64_t sizes[] = { 2048, 16384, 65536 };
	uint64_t h[3], grown;
	int n, i, g, k;

	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_stack_alloc", 1));
	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_stack_free", 1));
	ASSERT_EQ(0, enable(_metadata, self->events, "goalloc_stack_grow", 1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, gdev_stack_alloc(self->fd, sizes[i], &h[i]));
	ASSERT_EQ(0, gdev_stack_grow(self->fd, h[0], 100, &grown));
	EXPECT_EQ(4096, grown);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, gdev_stack_free(self->fd, h[i]));
	ASSERT_EQ(0, enable(_metadata, self->events, "", 0));

	n = read_events(INSTANCE);
	ASSERT_LE(0, n) TH_LOG("trace buffer unreadable or lost events");
	/* The three stacks in order, then the grow's new stack and old one's free. */
	for (i = 0, k = -1; i < 3; i++) {
		k = find(n, "goalloc_stack_alloc", k + 1);
		ASSERT_LE(0, k);
		EXPECT_EQ(sizes[i], ev_u64(&evs[k], "bytes"));
		EXPECT_TRUE(call_site_ok(ev_get(&evs[k], "call_site")))
			TH_LOG("call_site=%s", ev_get(&evs[k], "call_site"));
	}
	g = find(n, "goalloc_stack_grow", 0);
	ASSERT_LE(0, g);
	EXPECT_EQ(2048, ev_u64(&evs[g], "bytes"));
	EXPECT_EQ(100, ev_u64(&evs[g], "used"));
	/* k: the third stack's alloc; the first one's ptr is the grow's old. */
	EXPECT_STREQ(ev_get(&evs[find(n, "goalloc_stack_alloc", 0)], "ptr"),
		     ev_get(&evs[g], "old"));
	/* The grow allocated its new stack (4 KiB) and freed the old one. */
	k = find(n, "goalloc_stack_alloc", k + 1);
	ASSERT_LE(0, k);
	ASSERT_LT(k, g);
	EXPECT_EQ(4096, ev_u64(&evs[k], "bytes"));
	EXPECT_STREQ(ev_get(&evs[k], "ptr"), ev_get(&evs[g], "new"));
	i = find(n, "goalloc_stack_free", 0);
	ASSERT_LE(0, i);
	ASSERT_LT(i, g);
	EXPECT_STREQ(ev_get(&evs[g], "old"), ev_get(&evs[i], "ptr"));
	EXPECT_EQ(2048, ev_u64(&evs[i], "bytes"));
	/* Then the three frees: the grown stack and the two others. */
	for (k = 0; (i = find(n, "goalloc_stack_free", i + 1)) >= 0; k++)
		EXPECT_EQ(k ? sizes[k] : 4096, ev_u64(&evs[i], "bytes"));
	EXPECT_EQ(3, k);
}

TEST_HARNESS_MAIN
