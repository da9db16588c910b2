// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/goalloc/heap_map: the heap's layout, frame by frame and
 * page by page, with every span and its occupancy, for scripts/heapmap.py
 * to draw.  The format is in Documentation/goalloc.rst ("debugfs").
 *
 * The heap lock is a spinlock held on every allocation's slow path, so the
 * file is a seq_file that takes it once per frame: each step copies one
 * frame (512 page states and its spans, fixed size) into the open file's
 * buffer under the lock and formats it after dropping it.  A frame is thus
 * consistent in itself, while frames are seen at different moments; frames
 * grown or forgotten meanwhile are simply found or not.  Nothing is printed
 * by address: frames are named by chunk slot, pages by index.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <kunit/visibility.h>

#include "goalloc/heapmap.h"
#include "goalloc/proc.h"

/* Slots handed out and not freed since (see span.h's bitmap rules). */
static u16 span_live(const struct goalloc_mspan *s, u16 nelems)
{
	unsigned int fi = min_t(unsigned int, goalloc_racy(s->freeindex), nelems);
	unsigned int w, n, live = 0;
	u64 valid, below, mark, alloc;

	for (w = 0; w < DIV_ROUND_UP(nelems, 64); w++) {
		n = min_t(unsigned int, nelems - w * 64, 64);
		valid = n == 64 ? ~0ULL : (1ULL << n) - 1;
		below = fi >= (w + 1) * 64 ? ~0ULL :
			fi <= w * 64 ? 0 : (1ULL << (fi - w * 64)) - 1;
		/*
		 * Below freeindex every slot was handed out, so its mark bit
		 * says whether it is still live; above it, a set mark bit may
		 * be a loaded window's free slot, so alloc_bits must agree.
		 */
		mark = goalloc_racy(s->gcmark_bits[w]);
		alloc = goalloc_racy(s->alloc_bits[w]);
		live += hweight64(mark & valid & (below | alloc));
	}
	return live;
}

/*
 * One span's record.  Its owner (an mcache or the sweeper) changes the
 * counts without the heap lock, so they are racy reads, clamped; the table
 * run and the state are exact under the heap lock.
 */
static void span_record(struct goalloc_mspan *s, u32 off, u32 npages,
			struct goalloc_heapmap_span *r)
{
	/* Pairs with the release that publishes the span in alloc_span. */
	u8 state = smp_load_acquire(&s->state);
	u16 nelems, used;

	*r = (struct goalloc_heapmap_span){ .off = off, .npages = npages,
					     .kind = GOALLOC_HEAPMAP_NEW };
	if (state == GOALLOC_MSPAN_MANUAL) {
		/* stackpool.c sets nelems after publishing: may still be 1. */
		nelems = goalloc_racy(s->nelems);
		used = nelems - min_t(u32, goalloc_racy(s->manual_nfree), nelems);
		r->kind = GOALLOC_HEAPMAP_STACK;
		r->nelems = nelems;
		r->allocated = used;
		r->live = used;
	} else if (state == GOALLOC_MSPAN_IN_USE || state == GOALLOC_MSPAN_FREEING) {
		r->spanclass = s->spanclass;
		r->nelems = s->nelems;
		if (!goalloc_spanclass_sizeclass(s->spanclass)) {
			/* A large span's one object: FREEING means its free began. */
			r->kind = GOALLOC_HEAPMAP_LARGE;
			r->allocated = state == GOALLOC_MSPAN_IN_USE;
			r->live = r->allocated;
		} else {
			r->kind = GOALLOC_HEAPMAP_SMALL;
			r->allocated = min_t(u16, goalloc_racy(s->alloc_count), r->nelems);
			r->live = span_live(s, r->nelems);
		}
	}
}

/* Context: mheap lock held; @a tracks a frame in chunk slot @c. */
static void frame_snapshot(struct goalloc_mheap *h, struct goalloc_heap_arena *a,
			   u32 c, struct goalloc_heapmap_frame *f)
{
	const struct goalloc_palloc_data *d = &h->pages.chunks[c];
	struct goalloc_mspan *s;
	u32 p, n;

	f->chunk = c;
	f->owned = a->owned;
	f->zeroed_base = a->zeroed_base;
	f->nspans = 0;
	for (p = 0; p < GOALLOC_ARENA_PAGES; p += n) {
		n = 1;
		s = a->spans[p];
		if (!s) {
			/* A page no span holds that is in use is a page cache's. */
			if (goalloc_pagebits_get(d->scavenged, p))
				f->page[p] = GOALLOC_HEAPMAP_UNOWNED;
			else if (!goalloc_pagebits_get(d->pallocbits, p))
				f->page[p] = GOALLOC_HEAPMAP_FREE;
			else
				f->page[p] = GOALLOC_HEAPMAP_CACHED;
			continue;
		}
		/*
		 * The table run, not s->npages: a span not yet published has
		 * its table entries but maybe not its fields.  Spans never
		 * cross a frame (the page allocator is disjoint).
		 */
		while (p + n < GOALLOC_ARENA_PAGES && a->spans[p + n] == s)
			n++;
		span_record(s, p, n, &f->spans[f->nspans]);
		memset(&f->page[p], f->spans[f->nspans].kind, n);
		f->nspans++;
	}
}

/**
 * goalloc_heapmap_snapshot() - copy the first tracked frame at or after a slot
 * @chunk: in: the chunk slot to start at; out: the slot of the frame copied
 * @f: receives the frame
 *
 * Context: any context but NMI, no goalloc lock held; takes the mheap lock
 * (interrupts off, as every holder does) for one frame's copy.
 * Return: 0, or -ENOENT when no slot at or after *@chunk tracks a frame.
 */
int goalloc_heapmap_snapshot(u32 *chunk, struct goalloc_heapmap_frame *f)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_heap_arena *a;
	unsigned long flags;
	int err = -ENOENT;
	u32 c;

	spin_lock_irqsave(&h->lock, flags);
	/* Skipping untracked slots is a byte compare each: cheap under the lock. */
	for (c = *chunk; c < h->nchunks; c++) {
		a = h->arenas[c];
		if (a && h->pages.chunk_state[c] == GOALLOC_CHUNK_GROWN) {
			frame_snapshot(h, a, c, f);
			*chunk = c;
			err = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_heapmap_snapshot);

/*
 * seq_file positions: 0 is the header, c + 1 the frame of chunk slot c
 * (slots are below 2^20), HEAPMAP_END the "end" line.
 */
#define HEAPMAP_END	((loff_t)BIT_ULL(32))
static const char heapmap_end_token;
#define HEAPMAP_END_TOKEN	((void *)&heapmap_end_token)

/* The record at *pos or the next one there is; moves *pos to it. */
static void *heapmap_seek(struct seq_file *m, loff_t *pos)
{
	struct goalloc_heapmap_frame *f = m->private;
	u32 c;

	if (*pos > HEAPMAP_END)
		return NULL;
	if (*pos == HEAPMAP_END)
		return HEAPMAP_END_TOKEN;
	c = *pos - 1;
	if (goalloc_heapmap_snapshot(&c, f)) {
		*pos = HEAPMAP_END;
		return HEAPMAP_END_TOKEN;
	}
	*pos = (loff_t)c + 1;
	return f;
}

static void *heapmap_start(struct seq_file *m, loff_t *pos)
{
	return *pos ? heapmap_seek(m, pos) : SEQ_START_TOKEN;
}

static void *heapmap_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return v == HEAPMAP_END_TOKEN ? NULL : heapmap_seek(m, pos);
}

static void heapmap_stop(struct seq_file *m, void *v)
{
}

static void heapmap_header(struct seq_file *m)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long owned, inuse, manual, free;
	struct goalloc_class_info ci;
	u32 sweepgen, frames;
	int c;

	spin_lock_irq(&h->lock);
	owned = h->pages_owned;
	inuse = h->pages_inuse;
	manual = h->pages_manual;
	free = h->pages.free_pages;
	frames = h->pages.nr_chunks;
	sweepgen = h->sweepgen;
	spin_unlock_irq(&h->lock);
	seq_printf(m, "goalloc-heapmap %d\n", GOALLOC_HEAPMAP_VERSION);
	seq_printf(m, "page_bytes %lu\n", (unsigned long)GOALLOC_PAGE_SIZE);
	seq_printf(m, "frame_pages %lu\n", GOALLOC_ARENA_PAGES);
	seq_printf(m, "heap frames %u pages_owned %lu pages_inuse %lu pages_manual %lu pages_free %lu sweepgen %u\n",
		   frames, owned, inuse, manual, free, sweepgen);
	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		goalloc_class_info(c, &ci);
		seq_printf(m, "class %d %u %u %u\n", c, ci.size,
			   ci.span_bytes >> GOALLOC_PAGE_SHIFT, ci.nobjs);
	}
}

static const char *heapmap_kind(u8 kind)
{
	switch (kind) {
	case GOALLOC_HEAPMAP_SMALL:
		return "small";
	case GOALLOC_HEAPMAP_LARGE:
		return "large";
	case GOALLOC_HEAPMAP_STACK:
		return "stack";
	default:
		return "new";
	}
}

static void heapmap_frame(struct seq_file *m, const struct goalloc_heapmap_frame *f)
{
	const struct goalloc_heapmap_span *s;
	u32 p, n;

	seq_printf(m, "frame %u owned %u zeroed %u pages", f->chunk, f->owned,
		   f->zeroed_base);
	/* Run-length encoded: a state letter and a count per run. */
	for (p = 0; p < GOALLOC_ARENA_PAGES; p += n) {
		for (n = 1; p + n < GOALLOC_ARENA_PAGES && f->page[p + n] == f->page[p]; n++)
			;
		seq_printf(m, " %c%u", f->page[p], n);
	}
	seq_putc(m, '\n');
	for (s = f->spans; s < f->spans + f->nspans; s++)
		seq_printf(m, "span %u %u %u %s %u %u %u %u\n", f->chunk, s->off,
			   s->npages, heapmap_kind(s->kind), s->spanclass, s->nelems,
			   s->allocated, s->live);
}

static int heapmap_show(struct seq_file *m, void *v)
{
	if (v == SEQ_START_TOKEN)
		heapmap_header(m);
	else if (v == HEAPMAP_END_TOKEN)
		seq_puts(m, "end\n");
	else
		heapmap_frame(m, v);
	return 0;
}

static const struct seq_operations heapmap_sops = {
	.start = heapmap_start,
	.next = heapmap_next,
	.stop = heapmap_stop,
	.show = heapmap_show,
};

static int heapmap_open(struct inode *inode, struct file *file)
{
	/* The frame buffer (about 8 KiB) is the open file's own. */
	return seq_open_private(file, &heapmap_sops, sizeof(struct goalloc_heapmap_frame));
}

static const struct file_operations heapmap_fops = {
	.owner = THIS_MODULE,
	.open = heapmap_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/**
 * goalloc_heapmap_debugfs() - create debugfs's heap_map
 * @dir: goalloc's debugfs directory
 *
 * Context: module init.
 */
void goalloc_heapmap_debugfs(struct dentry *dir)
{
	debugfs_create_file("heap_map", 0400, dir, NULL, &heapmap_fops);
}
