/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc_top.h: `goallocctl top`, slabtop for goalloc.  Header-only, like
 * goalloc_dev.h, so that goallocctl and the host harness's terminal test
 * (tools/testing/goalloc/goallocctl_top_test.c) run the very same code.
 *
 * A snapshot is read from goalloc's debugfs files (mod/debugfs.c; not ABI,
 * so columns are found by their header names): sizeclasses (live objects per
 * class, spans in mcentral), mcentral (partial/full per span class), mcache
 * and pagecache (per CPU), and MemStats, from the MEMSTATS ioctl when the
 * caller has the device (gtop_opts.memstats, which fills the fields by
 * name with gtop_set_stat()) or else the memstats file.
 *
 * debugfs shows how many spans each CPU caches, not of which class: the
 * MCACHE column is the least number of cached spans the class's live
 * objects need beyond its mcentral spans, ceil(live / objs per span) -
 * mcentral spans, which is exact while no span in mcentral has free slots
 * the live objects could have used; the header shows how many cached spans
 * that leaves unattributed.
 *
 * The refreshing view uses plain ANSI escapes (no curses: the tools are
 * static and the guest has no terminfo).  --once prints one frame without
 * any control code; --json one JSON document.  A hidden --replay DIR reads
 * recorded debugfs files from DIR (frame k from DIR/<k mod n>/ when DIR
 * has numbered subdirectories 0..n-1), and --record DIR saves the live ones.
 */
#ifndef GOALLOC_TOP_H
#define GOALLOC_TOP_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define GTOP_DEBUGFS		"/sys/kernel/debug/goalloc"
#define GTOP_MAX_CLASSES	128
#define GTOP_MAX_CPUS		256
#define GTOP_MAX_FILE		(1 << 20)

/* MemStats the header shows (Go's names). */
struct gtop_totals {
	uint64_t heap_alloc, heap_inuse, heap_sys, heap_released, heap_idle;
	uint64_t heap_objects, stack_inuse, stack_sys, num_gc, next_gc;
	uint64_t mallocs, frees, tiny_allocs;
	uint64_t held;		/* HeapSys + StackSys - HeapReleased */
};

struct gtop_class {
	unsigned int cls, size, span_bytes, nobjs;
	uint64_t mallocs, frees, objects, live_bytes;
	unsigned int central;	/* spans in mcentral (sizeclasses file) */
	unsigned int partial, full;	/* mcentral file, swept + unswept */
	unsigned int mcache;	/* cached spans the live objects need */
	unsigned int spans;	/* central + mcache */
	double frag;		/* %, 1 - live bytes / span bytes */
};

struct gtop_cpu {
	int cpu;
	unsigned int spans_cached, tinyoffset, mspancache, pcache_free;
	int tiny_block;
	uint64_t tiny_allocs, small_mallocs, small_frees, large_allocs, large_frees;
};

struct gtop_snap {
	struct gtop_totals t;
	int ncls, ncpu;
	struct gtop_class cls[GTOP_MAX_CLASSES];
	struct gtop_cpu cpu[GTOP_MAX_CPUS];
	uint64_t small_live, small_span_bytes;
	unsigned int cached, unattributed;
	double frag;
};

enum gtop_key { GTOP_OBJECTS, GTOP_LIVE, GTOP_SPANS, GTOP_FRAG, GTOP_CLASS, GTOP_NKEYS };
static const char *const gtop_keys[GTOP_NKEYS] = { "objects", "live", "spans", "frag", "class" };
/* The interactive key of each sort key. */
static const char gtop_keychar[GTOP_NKEYS] = { 'o', 'l', 'n', 'f', 'c' };

struct gtop_opts {
	const char *dir;	/* debugfs dir, or the --replay dir */
	int replay;
	enum gtop_key key;
	int reverse, all, once, json, frames;
	double interval;
	/* MemStats from the device (0 or -errno); NULL: the memstats file. */
	int (*memstats)(struct gtop_totals *t);
	const char *record;
};

/* ---------------- reading ---------------- */

/* The whole file @dir/@name, NUL-terminated (free() it); NULL on error. */
static inline char *gtop_slurp(const char *dir, const char *name)
{
	char path[4096], *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(GTOP_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (len < GTOP_MAX_FILE && (n = read(fd, buf + len, GTOP_MAX_FILE - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return buf;
}

/* Split @line (modified) into at most @max words; Return: how many. */
static inline int gtop_words(char *line, char **w, int max)
{
	char *save, *p;
	int n = 0;

	for (p = strtok_r(line, " \t\r", &save); p && n < max; p = strtok_r(NULL, " \t\r", &save))
		w[n++] = p;
	return n;
}

/* The column of @name in a header of @n words, or -1. */
static inline int gtop_col(char **hdr, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(hdr[i], name))
			return i;
	return -1;
}

static inline uint64_t gtop_u64(char **w, int n, int col)
{
	return col >= 0 && col < n ? strtoull(w[col], NULL, 10) : 0;
}

static inline struct gtop_class *gtop_class_of(struct gtop_snap *s, unsigned int cls)
{
	int i;

	for (i = 0; i < s->ncls; i++)
		if (s->cls[i].cls == cls)
			return &s->cls[i];
	return NULL;
}

/* sizeclasses: "class bytes/obj bytes/span objects ... live spans_in_mcentral" */
static inline int gtop_parse_sizeclasses(struct gtop_snap *s, char *text)
{
	char *line, *save, *hdr[32], *w[32];
	int nh = -1, n, c_cls = -1, c_size = -1, c_span = -1, c_objs = -1, c_mal = -1;
	int c_free = -1, c_live = -1, c_central = -1;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (nh < 0) {
			nh = gtop_words(line, hdr, 32);
			c_cls = gtop_col(hdr, nh, "class");
			c_size = gtop_col(hdr, nh, "bytes/obj");
			c_span = gtop_col(hdr, nh, "bytes/span");
			c_objs = gtop_col(hdr, nh, "objects");
			c_mal = gtop_col(hdr, nh, "mallocs");
			c_free = gtop_col(hdr, nh, "frees");
			c_live = gtop_col(hdr, nh, "live");
			c_central = gtop_col(hdr, nh, "spans_in_mcentral");
			if (c_cls < 0 || c_size < 0 || c_span < 0 || c_objs < 0 || c_live < 0)
				return -1;
			continue;
		}
		n = gtop_words(line, w, 32);
		if (n < nh || s->ncls == GTOP_MAX_CLASSES)
			continue;
		s->cls[s->ncls++] = (struct gtop_class){
			.cls = gtop_u64(w, n, c_cls), .size = gtop_u64(w, n, c_size),
			.span_bytes = gtop_u64(w, n, c_span), .nobjs = gtop_u64(w, n, c_objs),
			.mallocs = gtop_u64(w, n, c_mal), .frees = gtop_u64(w, n, c_free),
			.objects = gtop_u64(w, n, c_live), .central = gtop_u64(w, n, c_central),
		};
	}
	return s->ncls ? 0 : -1;
}

/* mcentral: "sweepgen N", a header, one row per non-empty span class. */
static inline void gtop_parse_mcentral(struct gtop_snap *s, char *text)
{
	char *line, *save, *hdr[16], *w[16];
	int nh = -1, n, c_cls = -1, c_ps = -1, c_pu = -1, c_fs = -1, c_fu = -1;
	struct gtop_class *c;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "sweepgen", 8))
			continue;
		if (nh < 0) {
			nh = gtop_words(line, hdr, 16);
			c_cls = gtop_col(hdr, nh, "class");
			c_ps = gtop_col(hdr, nh, "partial_swept");
			c_pu = gtop_col(hdr, nh, "partial_unswept");
			c_fs = gtop_col(hdr, nh, "full_swept");
			c_fu = gtop_col(hdr, nh, "full_unswept");
			continue;
		}
		n = gtop_words(line, w, 16);
		c = gtop_class_of(s, gtop_u64(w, n, c_cls));
		if (n < nh || !c)
			continue;
		c->partial += gtop_u64(w, n, c_ps) + gtop_u64(w, n, c_pu);
		c->full += gtop_u64(w, n, c_fs) + gtop_u64(w, n, c_fu);
	}
}

static inline struct gtop_cpu *gtop_cpu_of(struct gtop_snap *s, int cpu)
{
	int i;

	for (i = 0; i < s->ncpu; i++)
		if (s->cpu[i].cpu == cpu)
			return &s->cpu[i];
	if (s->ncpu == GTOP_MAX_CPUS)
		return NULL;
	s->cpu[s->ncpu] = (struct gtop_cpu){ .cpu = cpu };
	return &s->cpu[s->ncpu++];
}

/* mcache and pagecache: "cpuN key value key value ..." */
static inline void gtop_parse_percpu(struct gtop_snap *s, char *text)
{
	char *line, *save, *w[64];
	struct gtop_cpu *c;
	int n, i;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n = gtop_words(line, w, 64);
		if (n < 1 || strncmp(w[0], "cpu", 3))
			continue;
		c = gtop_cpu_of(s, atoi(w[0] + 3));
		if (!c)
			continue;
		for (i = 1; i + 1 < n; i += 2) {
			uint64_t v = strtoull(w[i + 1], NULL, 10);

			if (!strcmp(w[i], "spans_cached"))
				c->spans_cached = v;
			else if (!strcmp(w[i], "tiny_block"))
				c->tiny_block = !strcmp(w[i + 1], "yes");
			else if (!strcmp(w[i], "tinyoffset"))
				c->tinyoffset = v;
			else if (!strcmp(w[i], "tiny_allocs"))
				c->tiny_allocs = v;
			else if (!strcmp(w[i], "small_mallocs"))
				c->small_mallocs = v;
			else if (!strcmp(w[i], "small_frees"))
				c->small_frees = v;
			else if (!strcmp(w[i], "large_allocs"))
				c->large_allocs = v;
			else if (!strcmp(w[i], "large_frees"))
				c->large_frees = v;
			else if (!strcmp(w[i], "mspancache"))
				c->mspancache = v;
			else if (!strcmp(w[i], "free_pages"))
				c->pcache_free = v;
		}
	}
}

/* Set MemStats field @name (Go's name) of @t to @v; others are ignored. */
static inline void gtop_set_stat(struct gtop_totals *t, const char *name, uint64_t v)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
#define GTOP_F(n, m) { n, offsetof(struct gtop_totals, m) }
		GTOP_F("HeapAlloc", heap_alloc), GTOP_F("HeapInuse", heap_inuse),
		GTOP_F("HeapSys", heap_sys), GTOP_F("HeapReleased", heap_released),
		GTOP_F("HeapIdle", heap_idle), GTOP_F("HeapObjects", heap_objects),
		GTOP_F("StackInuse", stack_inuse), GTOP_F("StackSys", stack_sys),
		GTOP_F("NumGC", num_gc), GTOP_F("NextGC", next_gc),
		GTOP_F("Mallocs", mallocs), GTOP_F("Frees", frees),
		GTOP_F("TinyAllocs", tiny_allocs),
#undef GTOP_F
	};
	unsigned int i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(name, f[i].name))
			*(uint64_t *)((char *)t + f[i].off) = v;
}

/* memstats: "Name value" per line, Go's names. */
static inline void gtop_parse_memstats(struct gtop_totals *t, char *text)
{
	char *line, *save, *w[4];

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (gtop_words(line, w, 4) >= 2)
			gtop_set_stat(t, w[0], strtoull(w[1], NULL, 10));
}

/* Everything derived from what was read: spans, fragmentation, held. */
static inline void gtop_derive(struct gtop_snap *s)
{
	unsigned int attributed = 0, most = 2 * s->ncpu;
	int i;

	s->small_live = s->small_span_bytes = 0;
	for (i = 0; i < s->ncls; i++) {
		struct gtop_class *c = &s->cls[i];
		uint64_t need = c->nobjs ? (c->objects + c->nobjs - 1) / c->nobjs : 0;
		uint64_t sb;

		c->live_bytes = c->objects * c->size;
		c->mcache = need > c->central ? need - c->central : 0;
		/* A CPU caches one span per span class: scan and noscan. */
		if (most && c->mcache > most)
			c->mcache = most;
		c->spans = c->central + c->mcache;
		sb = (uint64_t)c->spans * c->span_bytes;
		c->frag = sb ? 100.0 * (1.0 - (double)c->live_bytes / sb) : 0;
		attributed += c->mcache;
		s->small_live += c->live_bytes;
		s->small_span_bytes += sb;
	}
	s->cached = 0;
	for (i = 0; i < s->ncpu; i++)
		s->cached += s->cpu[i].spans_cached;
	s->unattributed = s->cached > attributed ? s->cached - attributed : 0;
	s->frag = s->small_span_bytes ?
		  100.0 * (1.0 - (double)s->small_live / s->small_span_bytes) : 0;
	s->t.held = s->t.heap_sys + s->t.stack_sys - s->t.heap_released;
}

/* The directory frame @frame reads: @dir, or @dir/<frame mod n>. */
static inline void gtop_frame_dir(const char *dir, unsigned long frame, char *out, size_t len)
{
	struct stat st;
	unsigned long n;

	for (n = 0; n < 1000; n++) {
		if (snprintf(out, len, "%s/%lu", dir, n) >= (int)len ||
		    stat(out, &st) || !S_ISDIR(st.st_mode))
			break;
	}
	if (!n || snprintf(out, len, "%s/%lu", dir, frame % n) >= (int)len)
		snprintf(out, len, "%s", dir);
}

static char gtop_err[8192];

/* Read one snapshot; Return: 0, or -1 with a message in gtop_err. */
static inline int gtop_read(const struct gtop_opts *o, unsigned long frame, struct gtop_snap *s)
{
	char dir[4096], *text;
	int err;

	memset(s, 0, sizeof(*s));
	if (o->replay)
		gtop_frame_dir(o->dir, frame, dir, sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%s", o->dir);
	text = gtop_slurp(dir, "sizeclasses");
	if (!text) {
		snprintf(gtop_err, sizeof(gtop_err), "%s/sizeclasses: %s%s", dir, strerror(errno),
			 o->replay ? "" : " (is goalloc loaded, debugfs mounted, and are you root?)");
		return -1;
	}
	err = gtop_parse_sizeclasses(s, text);
	free(text);
	if (err) {
		snprintf(gtop_err, sizeof(gtop_err), "%s/sizeclasses: unknown format", dir);
		return -1;
	}
	text = gtop_slurp(dir, "mcentral");
	if (text)
		gtop_parse_mcentral(s, text);
	free(text);
	text = gtop_slurp(dir, "mcache");
	if (text)
		gtop_parse_percpu(s, text);
	free(text);
	text = gtop_slurp(dir, "pagecache");
	if (text)
		gtop_parse_percpu(s, text);
	free(text);
	if (!o->replay && o->memstats) {
		err = o->memstats(&s->t);
		if (err) {
			snprintf(gtop_err, sizeof(gtop_err), "MEMSTATS: %s", strerror(-err));
			return -1;
		}
	} else {
		text = gtop_slurp(dir, "memstats");
		if (text)
			gtop_parse_memstats(&s->t, text);
		free(text);
	}
	gtop_derive(s);
	return 0;
}

/* --record DIR: the live files (memstats as the device reports them). */
static inline int gtop_record(const struct gtop_opts *o, const struct gtop_snap *s)
{
	static const char *const files[] = { "sizeclasses", "mcentral", "mcache", "pagecache",
					     "mheap", "memstats" };
	char path[4096], *text;
	unsigned int i;
	FILE *f;

	mkdir(o->record, 0755);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", o->record, files[i]) >= (int)sizeof(path))
			return -1;
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "goallocctl top: %s: %s\n", path, strerror(errno));
			return -1;
		}
		if (!strcmp(files[i], "memstats") && o->memstats) {
			const struct gtop_totals *t = &s->t;

			fprintf(f, "Mallocs %" PRIu64 "\nFrees %" PRIu64 "\nHeapAlloc %" PRIu64
				"\nHeapSys %" PRIu64 "\nHeapIdle %" PRIu64 "\nHeapInuse %" PRIu64
				"\nHeapReleased %" PRIu64 "\nHeapObjects %" PRIu64
				"\nStackInuse %" PRIu64 "\nStackSys %" PRIu64 "\nNextGC %" PRIu64
				"\nNumGC %" PRIu64 "\nTinyAllocs %" PRIu64 "\n",
				t->mallocs, t->frees, t->heap_alloc, t->heap_sys, t->heap_idle,
				t->heap_inuse, t->heap_released, t->heap_objects, t->stack_inuse,
				t->stack_sys, t->next_gc, t->num_gc, t->tiny_allocs);
		} else {
			text = gtop_slurp(o->dir, files[i]);
			if (text)
				fputs(text, f);
			free(text);
		}
		fclose(f);
	}
	return 0;
}

/* ---------------- sorting ---------------- */

static enum gtop_key gtop_sort_key;
static int gtop_sort_reverse;

static inline int gtop_cmp3(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* Largest first (class: smallest first); ties by class. */
static inline int gtop_cmp(const void *pa, const void *pb)
{
	const struct gtop_class *a = pa, *b = pb;
	int r = 0;

	switch (gtop_sort_key) {
	case GTOP_OBJECTS:
		r = gtop_cmp3(b->objects, a->objects);
		break;
	case GTOP_LIVE:
		r = gtop_cmp3(b->live_bytes, a->live_bytes);
		break;
	case GTOP_SPANS:
		r = gtop_cmp3(b->spans, a->spans);
		break;
	case GTOP_FRAG:
		r = gtop_cmp3(b->frag, a->frag);
		break;
	default:
		break;
	}
	if (!r)
		r = gtop_cmp3(a->cls, b->cls);
	return gtop_sort_reverse ? -r : r;
}

static inline void gtop_sort(struct gtop_snap *s, enum gtop_key key, int reverse)
{
	gtop_sort_key = key;
	gtop_sort_reverse = reverse;
	qsort(s->cls, s->ncls, sizeof(s->cls[0]), gtop_cmp);
}

/* ---------------- output ---------------- */

static inline const char *gtop_size(uint64_t v, char *buf, size_t n)
{
	if (v >= 1ULL << 30)
		snprintf(buf, n, "%.1fG", (double)v / (1ULL << 30));
	else if (v >= 1ULL << 20)
		snprintf(buf, n, "%.1fM", (double)v / (1ULL << 20));
	else if (v >= 1ULL << 10)
		snprintf(buf, n, "%.1fK", (double)v / 1024);
	else
		snprintf(buf, n, "%" PRIu64 "B", v);
	return buf;
}

static inline int gtop_shown(const struct gtop_class *c, int all)
{
	return all || c->objects || c->spans || c->partial || c->full;
}

/*
 * One frame into @f: the header (heap totals, per-CPU caches), then the
 * class table, sorted, at most @rows lines in all (0: no limit).
 */
static inline void gtop_frame(FILE *f, struct gtop_snap *s, const struct gtop_opts *o,
			      unsigned long frame, int rows)
{
	char a[32], b[32], c[32], d[32], e[32];
	int i, lines = 0, shown = 0, hidden = 0;

	gtop_sort(s, o->key, o->reverse);
	if (frame) {
		fprintf(f, "goalloc top - frame %lu, every %.1fs, sort: %s%s   keys: o l n f c s r a q\n",
			frame, o->interval, gtop_keys[o->key], o->reverse ? " (reversed)" : "");
	} else {
		fprintf(f, "goalloc top - sort: %s%s\n", gtop_keys[o->key],
			o->reverse ? " (reversed)" : "");
	}
	/* At most 80 columns a line, as slabtop. */
	fprintf(f, "Heap: alloc %s  inuse %s  sys %s  released %s  held %s\n",
		gtop_size(s->t.heap_alloc, a, sizeof(a)), gtop_size(s->t.heap_inuse, b, sizeof(b)),
		gtop_size(s->t.heap_sys, c, sizeof(c)), gtop_size(s->t.heap_released, d, sizeof(d)),
		gtop_size(s->t.held, e, sizeof(e)));
	fprintf(f, "      objects %" PRIu64 "  stacks %s/%s  NumGC %" PRIu64 "  NextGC %s\n",
		s->t.heap_objects, gtop_size(s->t.stack_inuse, a, sizeof(a)),
		gtop_size(s->t.stack_sys, b, sizeof(b)), s->t.num_gc,
		gtop_size(s->t.next_gc, c, sizeof(c)));
	fprintf(f, "Small: live %s in spans %s, frag %.1f%%; %u spans cached, %u unattributed\n",
		gtop_size(s->small_live, a, sizeof(a)), gtop_size(s->small_span_bytes, b, sizeof(b)),
		s->frag, s->cached, s->unattributed);
	lines = 4;
	fprintf(f, "%-5s %5s %4s %6s %6s %10s %10s %8s %7s %7s\n", "CPU", "SPANS", "TINY",
		"MSPANC", "PCACHE", "MALLOCS", "FREES", "TINY_A", "LARGE_A", "LARGE_F");
	lines++;
	for (i = 0; i < s->ncpu; i++) {
		const struct gtop_cpu *p = &s->cpu[i];
		char cpu[16], tiny[16];

		snprintf(cpu, sizeof(cpu), "cpu%d", p->cpu);
		if (p->tiny_block)
			snprintf(tiny, sizeof(tiny), "%u", p->tinyoffset);
		else
			snprintf(tiny, sizeof(tiny), "-");
		fprintf(f, "%-5s %5u %4s %6u %6u %10" PRIu64 " %10" PRIu64 " %8" PRIu64
			" %7" PRIu64 " %7" PRIu64 "\n", cpu, p->spans_cached, tiny,
			p->mspancache, p->pcache_free, p->small_mallocs, p->small_frees,
			p->tiny_allocs, p->large_allocs, p->large_frees);
		lines++;
	}
	fprintf(f, "\n%5s %6s %10s %12s %6s %6s %7s %5s %6s\n", "CLASS", "SIZE", "OBJECTS",
		"LIVE", "SPANS", "MCACHE", "PARTIAL", "FULL", "FRAG%");
	lines += 2;
	for (i = 0; i < s->ncls; i++) {
		const struct gtop_class *k = &s->cls[i];

		if (!gtop_shown(k, o->all))
			continue;
		if (rows && lines >= rows - 1) {
			hidden++;
			continue;
		}
		fprintf(f, "%5u %6u %10" PRIu64 " %12" PRIu64 " %6u %6u %7u %5u %6.1f\n",
			k->cls, k->size, k->objects, k->live_bytes, k->spans, k->mcache,
			k->partial, k->full, k->frag);
		lines++;
		shown++;
	}
	if (hidden)
		fprintf(f, "(%d more classes)\n", hidden);
	else if (!shown)
		fprintf(f, "(no class has spans or live objects; -a shows all)\n");
}

static inline void gtop_json(FILE *f, struct gtop_snap *s, const struct gtop_opts *o)
{
	const struct gtop_totals *t = &s->t;
	int i;

	gtop_sort(s, o->key, o->reverse);
	fprintf(f, "{\"sort\": \"%s\", \"reverse\": %s,\n", gtop_keys[o->key],
		o->reverse ? "true" : "false");
	fprintf(f, " \"totals\": {\"HeapAlloc\": %" PRIu64 ", \"HeapInuse\": %" PRIu64
		", \"HeapSys\": %" PRIu64 ", \"HeapReleased\": %" PRIu64 ", \"HeapIdle\": %" PRIu64
		", \"HeapObjects\": %" PRIu64 ", \"StackInuse\": %" PRIu64 ", \"StackSys\": %" PRIu64
		", \"held\": %" PRIu64 ", \"NumGC\": %" PRIu64 ", \"NextGC\": %" PRIu64
		", \"Mallocs\": %" PRIu64 ", \"Frees\": %" PRIu64 ", \"TinyAllocs\": %" PRIu64
		", \"small_live_bytes\": %" PRIu64 ", \"small_span_bytes\": %" PRIu64
		", \"frag_pct\": %.2f, \"spans_cached\": %u, \"spans_cached_unattributed\": %u},\n",
		t->heap_alloc, t->heap_inuse, t->heap_sys, t->heap_released, t->heap_idle,
		t->heap_objects, t->stack_inuse, t->stack_sys, t->held, t->num_gc, t->next_gc,
		t->mallocs, t->frees, t->tiny_allocs, s->small_live, s->small_span_bytes, s->frag,
		s->cached, s->unattributed);
	fprintf(f, " \"cpus\": [");
	for (i = 0; i < s->ncpu; i++) {
		const struct gtop_cpu *p = &s->cpu[i];

		fprintf(f, "%s\n  {\"cpu\": %d, \"spans_cached\": %u, \"tiny_block\": %s, \"tinyoffset\": %u, \"tiny_allocs\": %" PRIu64
			", \"small_mallocs\": %" PRIu64 ", \"small_frees\": %" PRIu64
			", \"large_allocs\": %" PRIu64 ", \"large_frees\": %" PRIu64
			", \"mspancache\": %u, \"pagecache_free_pages\": %u}",
			i ? "," : "", p->cpu, p->spans_cached, p->tiny_block ? "true" : "false",
			p->tinyoffset, p->tiny_allocs, p->small_mallocs, p->small_frees,
			p->large_allocs, p->large_frees, p->mspancache, p->pcache_free);
	}
	fprintf(f, "],\n \"classes\": [");
	for (i = 0; i < s->ncls; i++) {
		const struct gtop_class *k = &s->cls[i];

		fprintf(f, "%s\n  {\"class\": %u, \"size\": %u, \"span_bytes\": %u, \"objs_per_span\": %u, \"objects\": %" PRIu64
			", \"live_bytes\": %" PRIu64 ", \"mallocs\": %" PRIu64 ", \"frees\": %" PRIu64
			", \"spans\": %u, \"mcache\": %u, \"partial\": %u, \"full\": %u, \"frag_pct\": %.2f}",
			i ? "," : "", k->cls, k->size, k->span_bytes, k->nobjs, k->objects,
			k->live_bytes, k->mallocs, k->frees, k->spans, k->mcache, k->partial, k->full,
			k->frag);
	}
	fprintf(f, "]}\n");
}

/* ---------------- the terminal ---------------- */

static struct termios gtop_saved_tio;
static int gtop_tty_raw;
static volatile sig_atomic_t gtop_stop, gtop_winch;

static inline void gtop_tty_restore(void)
{
	static const char leave[] = "\033[?25h\033[?1049l";

	if (write(STDOUT_FILENO, leave, sizeof(leave) - 1) < 0)
		return;
	if (gtop_tty_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &gtop_saved_tio);
	gtop_tty_raw = 0;
}

static inline void gtop_on_signal(int sig)
{
	if (sig == SIGWINCH)
		gtop_winch = 1;
	else
		gtop_stop = 1;
}

static inline void gtop_tty_enter(void)
{
	static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";
	struct sigaction sa = { .sa_handler = gtop_on_signal };
	struct termios t;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &gtop_saved_tio)) {
		t = gtop_saved_tio;
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		gtop_tty_raw = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	if (write(STDOUT_FILENO, enter, sizeof(enter) - 1) < 0)
		return;
}

/*
 * Draw @text (lines) at the top of the screen: each line cut to @cols and
 * its rest cleared, then everything below; one write, so no flicker.
 */
static inline void gtop_draw(const char *text, int cols)
{
	size_t cap = strlen(text) * 2 + 64, n = 0;
	char *out = malloc(cap);
	const char *p = text;

	if (!out)
		return;
	n += sprintf(out, "\033[H");
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		size_t show = cols > 0 && len > (size_t)cols ? (size_t)cols : len;

		memcpy(out + n, p, show);
		n += show;
		/* The last line: no newline, which would scroll a full screen. */
		n += sprintf(out + n, "\033[K%s", eol && eol[1] ? "\r\n" : "");
		p = eol ? eol + 1 : p + len;
	}
	n += sprintf(out + n, "\033[J");
	if (write(STDOUT_FILENO, out, n) < 0)
		n = 0;
	free(out);
}

/*
 * Wait up to @ms for a key; Return: 1 to redraw now (a key changed the
 * view, or the terminal was resized), 0 on timeout, -1 to quit.
 */
static inline int gtop_wait(struct gtop_opts *o, int ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	struct timespec t0, t1;
	char ch;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int left, r;

		if (gtop_stop)
			return -1;
		if (gtop_winch) {
			gtop_winch = 0;
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		if (!gtop_tty_raw) {
			poll(NULL, 0, left);
			continue;
		}
		r = poll(&pfd, 1, left);
		if (r <= 0)
			continue;
		if (read(STDIN_FILENO, &ch, 1) != 1) {
			gtop_tty_raw = 0;	/* EOF: no more keys */
			continue;
		}
		if (ch == 'q' || ch == 3 /* ^C without ISIG */)
			return -1;
		if (ch == 's') {
			o->key = (o->key + 1) % GTOP_NKEYS;
			return 1;
		}
		if (ch == 'r') {
			o->reverse = !o->reverse;
			return 1;
		}
		if (ch == 'a') {
			o->all = !o->all;
			return 1;
		}
		if (ch == ' ')
			return 1;
		for (i = 0; i < GTOP_NKEYS; i++)
			if (ch == gtop_keychar[i]) {
				o->key = i;
				return 1;
			}
	}
}

/* ---------------- the command ---------------- */

static inline void gtop_usage(FILE *f)
{
	fprintf(f,
		"usage: goallocctl top [-s objects|live|spans|frag|class] [-r] [-a] [-d SECS]\n"
		"                      [-n FRAMES] [--once | --json]\n"
		"  a live per-size-class view of the heap (slabtop for goalloc):\n"
		"  -s KEY    sort by KEY (default live); keys o l n f c change it live\n"
		"  -r        reverse the order        -a  all classes, even empty ones\n"
		"  -d SECS   refresh interval (default 2)\n"
		"  -n N      stop after N frames\n"
		"  --once    one plain-text frame (no terminal control codes), for scripts\n"
		"  --json    one JSON document: totals, cpus, classes\n");
}

/* Parse @argv into @o; Return: 0, or 2 for bad arguments. */
static inline int gtop_args(int argc, char **argv, struct gtop_opts *o)
{
	int i, k;

	o->dir = GTOP_DEBUGFS;
	o->key = GTOP_LIVE;
	o->interval = 2;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--once")) {
			o->once = 1;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "-r")) {
			o->reverse = 1;
		} else if (!strcmp(a, "-a")) {
			o->all = 1;
		} else if (!strcmp(a, "-s") && v) {
			for (k = 0; k < GTOP_NKEYS; k++)
				if (!strcmp(v, gtop_keys[k]) ||
				    (v[0] == gtop_keychar[k] && !v[1]))
					break;
			if (k == GTOP_NKEYS)
				return 2;
			o->key = k;
			i++;
		} else if (!strcmp(a, "-d") && v) {
			char *end;

			o->interval = strtod(v, &end);
			if (*end || !(o->interval >= 0.05 && o->interval <= 86400))
				return 2;
			i++;
		} else if (!strcmp(a, "-n") && v) {
			o->frames = atoi(v);
			if (o->frames <= 0)
				return 2;
			i++;
		} else if (!strcmp(a, "--replay") && v) {	/* hidden: tests */
			o->dir = v;
			o->replay = 1;
			i++;
		} else if (!strcmp(a, "--record") && v) {	/* hidden: fixtures */
			o->record = v;
			i++;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			gtop_usage(stdout);
			exit(0);
		} else {
			return 2;
		}
	}
	return o->once && o->json ? 2 : 0;
}

/*
 * Run `top` with parsed options: --once, --json, --record, or the view,
 * refreshing on a terminal (plain frames one after another otherwise).
 * Return: the exit status.
 */
static inline int gtop_run(struct gtop_opts *o)
{
	static struct gtop_snap s;
	unsigned long frame = 0;
	int tty = isatty(STDOUT_FILENO), ret = 0;

	if (gtop_read(o, 0, &s)) {
		fprintf(stderr, "goallocctl top: %s\n", gtop_err);
		return 1;
	}
	if (o->once || o->json || o->record) {
		if (o->record)
			return gtop_record(o, &s) ? 1 : 0;
		if (o->json)
			gtop_json(stdout, &s, o);
		else
			gtop_frame(stdout, &s, o, 0, 0);
		return fflush(stdout) ? 1 : 0;
	}
	if (tty)
		gtop_tty_enter();
	for (;;) {
		struct winsize ws = { 0 };
		char *text = NULL;
		size_t len = 0;
		FILE *f;
		int w;

		frame++;
		if (!tty) {
			gtop_frame(stdout, &s, o, frame, 0);
			printf("\n");
			fflush(stdout);
		} else {
			ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
			f = open_memstream(&text, &len);
			if (!f) {
				snprintf(gtop_err, sizeof(gtop_err), "out of memory");
				ret = 1;
				break;
			}
			gtop_frame(f, &s, o, frame, ws.ws_row);
			fclose(f);
			gtop_draw(text, ws.ws_col);
			free(text);
		}
		if (o->frames && (int)frame >= o->frames)
			break;
		/* A key that changes the view redraws at once, from a new read. */
		w = gtop_wait(o, (int)(o->interval * 1000));
		if (w < 0)
			break;
		if (gtop_read(o, frame, &s)) {
			ret = 1;
			break;
		}
	}
	if (tty)
		gtop_tty_restore();
	/* After the alternate screen is gone, so that it stays visible. */
	if (ret)
		fprintf(stderr, "goallocctl top: %s\n", gtop_err);
	return ret;
}

#endif /* GOALLOC_TOP_H */
