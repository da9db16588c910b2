// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for debugfs's heap map (mod/heapmap.c): a frame snapshot
 * shows the spans a case made where they are, with the right kind, class
 * and occupancy; and snapshots and whole reads of the debugfs file stay
 * well-formed while other threads allocate, free, sweep and give frames
 * back to the kernel.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <goalloc.h>
#include "goalloc/heapmap.h"
#include "goalloc/mheap.h"

#include "goalloc_kunit.h"

#define HM_PAGES	GOALLOC_ARENA_PAGES
#define HM_FILE		"/sys/kernel/debug/goalloc/heap_map"

static struct goalloc_heapmap_frame *hm_frame_new(struct kunit *test)
{
	struct goalloc_heapmap_frame *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	return f;
}

/* The record of the span starting at @off, or NULL. */
static const struct goalloc_heapmap_span *hm_span_at(const struct goalloc_heapmap_frame *f,
						     u32 off)
{
	u32 i;

	for (i = 0; i < f->nspans; i++)
		if (f->spans[i].off == off)
			return &f->spans[i];
	return NULL;
}

/* Snapshot the frame holding @s's pages; the frame must be tracked. */
static void hm_snap_span(struct kunit *test, const struct goalloc_mspan *s,
			 struct goalloc_heapmap_frame *f)
{
	u32 c = s->pageidx / HM_PAGES;

	KUNIT_ASSERT_EQ(test, goalloc_heapmap_snapshot(&c, f), 0);
	KUNIT_ASSERT_EQ(test, c, (u32)(s->pageidx / HM_PAGES));
}

/* Check @s's record: place, length, kind, class, and its pages' state. */
static const struct goalloc_heapmap_span *
hm_expect_span(struct kunit *test, const struct goalloc_heapmap_frame *f,
	       const struct goalloc_mspan *s, u8 kind)
{
	u32 off = s->pageidx % HM_PAGES, p;
	const struct goalloc_heapmap_span *r = hm_span_at(f, off);

	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "no span record at page %u", off);
	KUNIT_EXPECT_EQ(test, r->kind, kind);
	KUNIT_EXPECT_EQ(test, r->npages, s->npages);
	KUNIT_EXPECT_EQ(test, r->nelems, s->nelems);
	if (kind != GOALLOC_HEAPMAP_STACK)
		KUNIT_EXPECT_EQ(test, r->spanclass, s->spanclass);
	for (p = off; p < off + s->npages; p++)
		KUNIT_EXPECT_EQ_MSG(test, f->page[p], kind, "page %u", p);
	KUNIT_EXPECT_LE(test, r->live, r->allocated);
	KUNIT_EXPECT_LE(test, r->allocated, r->nelems);
	return r;
}

static void hm_stack_free_action(void *stk)
{
	goalloc_stack_free(stk, 64 * 1024);
}

static void goalloc_heapmap_known_spans_test(struct kunit *test)
{
	struct goalloc_heapmap_frame *f = hm_frame_new(test);
	const struct goalloc_heapmap_span *r;
	struct goalloc_mspan *ss, *sn, *sl, *sk;
	struct gk_objset *os;
	void *small, *noscan, *large, *stk;
	u32 live, off;

	gk_quiesce(test);
	/* No page goes back to the kernel under this case: frames stay put. */
	gk_keep_pages(test);
	os = gk_objset_new(test, 8);
	small = gk_alloc(os, 100, GFP_KERNEL, false);
	noscan = gk_alloc(os, 100, GFP_KERNEL, true);
	large = gk_alloc(os, 100 * 1024, GFP_KERNEL, false);
	KUNIT_ASSERT_TRUE(test, small && noscan && large);
	stk = goalloc_stack_alloc(64 * 1024);
	KUNIT_ASSERT_NOT_NULL(test, stk);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hm_stack_free_action, stk), 0);
	ss = gk_span_of(small);
	sn = gk_span_of(noscan);
	sl = gk_span_of(large);
	sk = gk_span_of(stk);
	KUNIT_ASSERT_TRUE(test, ss && sn && sl && sk);

	hm_snap_span(test, ss, f);
	r = hm_expect_span(test, f, ss, GOALLOC_HEAPMAP_SMALL);
	KUNIT_EXPECT_EQ(test, r->spanclass, goalloc_make_spanclass(gk_class_of(100), false));
	/* The heap was empty: this span holds the one object just made. */
	KUNIT_EXPECT_EQ(test, r->live, 1);
	live = r->live;
	hm_snap_span(test, sn, f);
	r = hm_expect_span(test, f, sn, GOALLOC_HEAPMAP_SMALL);
	KUNIT_EXPECT_EQ(test, r->spanclass, goalloc_make_spanclass(gk_class_of(100), true));
	hm_snap_span(test, sl, f);
	r = hm_expect_span(test, f, sl, GOALLOC_HEAPMAP_LARGE);
	KUNIT_EXPECT_EQ(test, r->npages, DIV_ROUND_UP(100 * 1024, GOALLOC_PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, r->live, 1);
	hm_snap_span(test, sk, f);
	r = hm_expect_span(test, f, sk, GOALLOC_HEAPMAP_STACK);
	KUNIT_EXPECT_EQ(test, r->allocated, 1);

	/* A freed small object stops being live at once; sweeping comes later. */
	KUNIT_ASSERT_EQ(test, gk_free(os, 0), 0);
	hm_snap_span(test, ss, f);
	r = hm_span_at(f, ss->pageidx % HM_PAGES);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->live, live - 1);

	/* A freed large span's pages are free or a page cache's, not a span's. */
	off = sl->pageidx % HM_PAGES;
	hm_snap_span(test, sl, f);
	KUNIT_ASSERT_EQ(test, gk_free(os, 2), 0);
	KUNIT_ASSERT_EQ(test, goalloc_heapmap_snapshot(&f->chunk, f), 0);
	KUNIT_EXPECT_NULL(test, hm_span_at(f, off));
	KUNIT_EXPECT_TRUE_MSG(test, f->page[off] == GOALLOC_HEAPMAP_FREE ||
			      f->page[off] == GOALLOC_HEAPMAP_CACHED, "page %u is '%c'",
			      off, f->page[off]);
	gk_free_all_gc(test, os);
}

/*
 * Everything a snapshot promises, whatever runs meanwhile: the owned count
 * matches the pages, spans are in order, inside the frame, over pages of
 * their kind, and cover all such pages; counts fit the class.
 */
static bool hm_frame_ok(struct kunit *test, const struct goalloc_heapmap_frame *f)
{
	u32 p, i, owned = 0, inspan = 0, covered = 0, end = 0;

	for (p = 0; p < HM_PAGES; p++) {
		owned += f->page[p] != GOALLOC_HEAPMAP_UNOWNED;
		inspan += !!strchr("slmn", f->page[p]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strchr("fucslmn", f->page[p]),
					  "frame %u page %u state %d", f->chunk, p, f->page[p]);
	}
	KUNIT_EXPECT_EQ_MSG(test, owned, f->owned, "frame %u", f->chunk);
	for (i = 0; i < f->nspans; i++) {
		const struct goalloc_heapmap_span *s = &f->spans[i];
		u8 c = goalloc_spanclass_sizeclass(s->spanclass);

		KUNIT_EXPECT_GE(test, s->off, end);
		KUNIT_EXPECT_LE(test, s->off + s->npages, HM_PAGES);
		end = s->off + s->npages;
		covered += s->npages;
		for (p = s->off; p < end && p < HM_PAGES; p++)
			KUNIT_EXPECT_EQ(test, f->page[p], s->kind);
		KUNIT_EXPECT_LE(test, s->live, s->nelems);
		KUNIT_EXPECT_LE(test, s->allocated, s->nelems);
		if (s->kind == GOALLOC_HEAPMAP_SMALL) {
			KUNIT_EXPECT_GT(test, c, 0);
			KUNIT_EXPECT_EQ(test, s->nelems, goalloc_class_to_nobjs[c]);
			KUNIT_EXPECT_EQ(test, s->npages, goalloc_class_to_allocnpages[c]);
		} else if (s->kind == GOALLOC_HEAPMAP_LARGE) {
			KUNIT_EXPECT_EQ(test, c, 0);
			KUNIT_EXPECT_EQ(test, s->nelems, 1);
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, covered, inspan, "frame %u", f->chunk);
	return !test->status;
}

struct hm_worker {
	struct task_struct *task;
	u32 seed;
};

#define HM_SLOTS	128

/* Churn: objects of every tier, stacks, sweeps and releases; frees all at stop. */
static int hm_worker_fn(void *arg)
{
	struct hm_worker *w = arg;
	struct rnd_state rnd;
	void *obj[HM_SLOTS] = { };
	void *stk[8] = { };
	unsigned long n;
	u32 i, r;

	prandom_seed_state(&rnd, w->seed);
	for (n = 0; !kthread_should_stop(); n++) {
		r = prandom_u32_state(&rnd);
		i = r % HM_SLOTS;
		if (obj[i]) {
			goalloc_free(obj[i]);
			obj[i] = NULL;
		} else {
			/* Mostly small, some tiny, a few large (up to 256 KiB). */
			size_t size = (r >> 8) % 16 ? 1 + (r >> 12) % 4096 :
				      32 * 1024 + (r >> 12) % (224 * 1024);

			obj[i] = gk_goalloc(size, GFP_KERNEL, (r >> 7) & 1);
		}
		i = (r >> 20) % ARRAY_SIZE(stk);
		if (!(n % 5)) {
			if (stk[i]) {
				goalloc_stack_free(stk[i], GOALLOC_FIXED_STACK << i);
				stk[i] = NULL;
			} else {
				stk[i] = goalloc_stack_alloc(GOALLOC_FIXED_STACK << i);
			}
		}
		if (!(n % 257))
			goalloc_gc();
		/* Frames come and go: the reader must cope with both. */
		if (!(n % 1031))
			goalloc_release();
		cond_resched();
	}
	for (i = 0; i < HM_SLOTS; i++)
		if (obj[i])
			goalloc_free(obj[i]);
	for (i = 0; i < ARRAY_SIZE(stk); i++)
		if (stk[i])
			goalloc_stack_free(stk[i], GOALLOC_FIXED_STACK << i);
	return 0;
}

/* Read the whole debugfs file: it must start with its version and end with "end". */
static void hm_read_file(struct kunit *test, char *buf, size_t len, unsigned int *nframes)
{
	static const char head[] = "goalloc-heapmap 1\n";
	char last[5] = { }, first[sizeof(head)] = { };
	struct file *file;
	loff_t pos = 0;
	size_t got = 0;
	ssize_t n;
	char *p;

	*nframes = 0;
	file = filp_open(HM_FILE, O_RDONLY, 0);
	/* No assertion while the workers run: they must be stopped first. */
	if (IS_ERR(file)) {
		KUNIT_FAIL(test, "open: %ld", PTR_ERR(file));
		return;
	}
	/*
	 * debugfs's proxy has no read_iter, so kernel_read() cannot read the
	 * file: read its seq_file (file->private_data, set by seq_open())
	 * directly, as read() would through the proxy.
	 */
	for (;;) {
		struct kvec kv = { .iov_base = buf, .iov_len = len - 1 };
		struct iov_iter iter;
		struct kiocb kiocb;

		init_sync_kiocb(&kiocb, file);
		kiocb.ki_pos = pos;
		iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len - 1);
		n = seq_read_iter(&kiocb, &iter);
		if (n <= 0)
			break;
		pos = kiocb.ki_pos;
		buf[n] = '\0';
		if (!got)
			memcpy(first, buf, min_t(size_t, n, sizeof(head) - 1));
		/* Frame lines: count the "\nframe " starts within this chunk. */
		for (p = buf; (p = strstr(p, "\nframe ")); p++)
			(*nframes)++;
		if (n >= 4) {
			memcpy(last, buf + n - 4, 4);
		} else {
			memmove(last, last + n, 4 - n);
			memcpy(last + 4 - n, buf, n);
		}
		got += n;
	}
	filp_close(file, NULL);
	KUNIT_EXPECT_GE(test, n, 0);
	KUNIT_EXPECT_STREQ(test, first, head);
	KUNIT_EXPECT_STREQ(test, last, "end\n");
}

static void goalloc_heapmap_concurrent_test(struct kunit *test)
{
	struct goalloc_heapmap_frame *f = hm_frame_new(test);
	struct hm_worker w[2] = { { .seed = 1 }, { .seed = 2 } };
	unsigned long frames = 0, spans = 0, reads = 0, fileframes = 0;
	unsigned int pass, nf, i;
	const size_t len = 16384;
	char *buf;
	u32 c;

	struct file *file;
	int err = 0;

	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	file = filp_open(HM_FILE, O_RDONLY, 0);
	if (IS_ERR(file))
		kunit_skip(test, "no %s (debugfs not mounted?): %ld", HM_FILE, PTR_ERR(file));
	filp_close(file, NULL);
	gk_quiesce(test);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		w[i].task = kthread_run(hm_worker_fn, &w[i], "goalloc_hm/%u", i);
		if (IS_ERR(w[i].task)) {
			err = PTR_ERR(w[i].task);
			break;
		}
	}
	/* A fixed number of passes, each over every frame: no timing. */
	for (pass = 0; pass < 60 && !err && !test->status; pass++) {
		for (c = 0; !goalloc_heapmap_snapshot(&c, f); c++) {
			frames++;
			spans += f->nspans;
			if (!hm_frame_ok(test, f))
				break;
			cond_resched();
		}
		if (pass % 4 == 0) {
			hm_read_file(test, buf, len, &nf);
			reads++;
			fileframes += nf;
		}
	}
	while (i--)
		kthread_stop(w[i].task);
	KUNIT_ASSERT_EQ(test, err, 0);
	/* The workload was seen: the passes looked at real frames and spans. */
	KUNIT_EXPECT_GT(test, frames, 0UL);
	KUNIT_EXPECT_GT(test, spans, 0UL);
	KUNIT_EXPECT_GT(test, fileframes, 0UL);
	kunit_info(test, "%lu frames, %lu spans in %u passes; %lu file reads, %lu frames",
		   frames, spans, pass, reads, fileframes);
	gk_settle();
}

static struct kunit_case goalloc_heapmap_cases[] = {
	KUNIT_CASE(goalloc_heapmap_known_spans_test),
	KUNIT_CASE(goalloc_heapmap_concurrent_test),
	{}
};

static struct kunit_suite goalloc_heapmap_suite = {
	.name = "goalloc_heapmap",
	.test_cases = goalloc_heapmap_cases,
};

kunit_test_suite(goalloc_heapmap_suite);
