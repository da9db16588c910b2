// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests for goalloc's span bitmaps (mod/span.c): the KUnit
 * suite's properties checked natively, plus a randomised differential test
 * that drives spans of random classes through random allocate / free /
 * sweep / re-cache sequences and compares every answer with a plain
 * bool-array model of Go's rules.  GOALLOC_SEED reseeds the random parts;
 * GOALLOC_SPAN_ROUNDS scales the differential test.
 */
#include "../../../mod/sizeclasses.c"
#include "../../../mod/span.c"

#include <stdint.h>

#include "kselftest_harness.h"
#include "harness.h"

#define BASE		(1UL << 40)	/* never dereferenced; non-zero */
#define NCLASSES	GOALLOC_NUM_SIZE_CLASSES
#define MAXOBJS		GOALLOC_MAX_OBJS_PER_SPAN

static void span_new(struct goalloc_mspan *s, u8 c, u32 npages, bool noscan)
{
	memset(s, 0xa5, sizeof(*s));	/* init must not rely on zeroed memory */
	goalloc_mspan_init(s, BASE, npages, goalloc_make_spanclass(c, noscan));
}

static void span_new_class(struct goalloc_mspan *s, u8 c)
{
	span_new(s, c, goalloc_class_to_allocnpages[c], c & 1);
}

static bool bit(const u64 *b, unsigned int i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/* goalloc_alloc()'s order: fast path, then the slow path. */
static unsigned int take(struct __test_metadata *_metadata, struct goalloc_mspan *s,
			 bool *declined)
{
	unsigned long v = goalloc_mspan_next_free_fast(s);

	*declined = !v;
	if (!v)
		return goalloc_mspan_next_free_index(s);
	ASSERT_LE(s->base, v);
	ASSERT_EQ(0, (v - s->base) % s->elemsize);
	ASSERT_GT(s->nelems, (v - s->base) / s->elemsize);
	return (v - s->base) / s->elemsize;
}

TEST(init_and_fresh_alloc)
{
	struct goalloc_mspan s;
	unsigned int c, i, declines;
	bool declined;

	for (c = 1; c < NCLASSES; c++) {
		u32 span_bytes = goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
		unsigned long off, end;

		span_new_class(&s, c);
		ASSERT_EQ(goalloc_class_to_nobjs[c], s.nelems);
		ASSERT_EQ(goalloc_class_to_size[c], s.elemsize);
		ASSERT_EQ(goalloc_class_to_divmagic[c], s.divmul);
		ASSERT_EQ(goalloc_class_to_allocnpages[c], s.npages);
		ASSERT_EQ(goalloc_make_spanclass(c, c & 1), s.spanclass);
		ASSERT_LE((u32)s.nelems * s.elemsize, span_bytes);
		ASSERT_GT((u32)(s.nelems + 1) * s.elemsize, span_bytes);
		ASSERT_EQ(0, s.freeindex);
		ASSERT_EQ(0, s.alloc_count);
		ASSERT_EQ(0, goalloc_mspan_count_alloc(&s));
		ASSERT_EQ(NULL, s.tiny);
		for (i = 0; i < DIV_ROUND_UP(s.nelems, 64); i++) {
			ASSERT_EQ(0, s.alloc_bits[i]);
			/* Only the loaded window's slots are ready to hand out. */
			ASSERT_EQ(i ? 0UL : s.nelems >= 64 ? ~0UL : (1UL << s.nelems) - 1,
				  s.gcmark_bits[i]);
		}

		declines = 0;
		for (i = 0; i < s.nelems; i++) {
			unsigned long want = BASE + (unsigned long)i * s.elemsize;
			unsigned long v = goalloc_mspan_next_free_fast(&s);

			if (!v) {
				declines++;
				ASSERT_TRUE((i + 1) % 64 == 0 && i + 1 != s.nelems)
					TH_LOG("class %u: fast path declined at %u", c, i);
				ASSERT_EQ(i, goalloc_mspan_next_free_index(&s));
				v = s.base + (unsigned long)i * s.elemsize;
			}
			ASSERT_EQ(want, v) TH_LOG("class %u slot %u", c, i);
			ASSERT_EQ(i + 1, s.freeindex);
			ASSERT_EQ(i + 1, s.alloc_count);
		}
		ASSERT_LE(declines, s.nelems / 64u);
		ASSERT_EQ(0, goalloc_mspan_next_free_fast(&s));
		ASSERT_EQ(s.nelems, goalloc_mspan_next_free_index(&s));
		ASSERT_EQ(s.nelems, goalloc_mspan_next_free_index(&s));
		ASSERT_EQ(s.nelems, s.alloc_count);

		end = (unsigned long)s.nelems * s.elemsize;
		for (off = 0; off < end; off++)
			if (goalloc_mspan_obj_index(&s, BASE + off) != off / s.elemsize) {
				TH_LOG("class %u offset %lu -> %u", c, off,
				       goalloc_mspan_obj_index(&s, BASE + off));
				ASSERT_TRUE(0);
			}

		/* The same walk again through the slow path only. */
		span_new_class(&s, c);
		for (i = 0; i < s.nelems; i++)
			ASSERT_EQ(i, goalloc_mspan_next_free_index(&s));
		ASSERT_EQ(s.nelems, goalloc_mspan_next_free_index(&s));
		(void)declined;
	}
}

/* alloc_bits patterns, as in the KUnit suite, plus random words. */
typedef bool (*pattern_fn)(unsigned int i, unsigned int n, u64 key);

static bool p_free(unsigned int i, unsigned int n, u64 k)	{ return false; }
static bool p_alloc(unsigned int i, unsigned int n, u64 k)	{ return true; }
static bool p_even(unsigned int i, unsigned int n, u64 k)	{ return !(i & 1); }
static bool p_odd(unsigned int i, unsigned int n, u64 k)	{ return i & 1; }
static bool p_one_free(unsigned int i, unsigned int n, u64 k)	{ return i != k % n; }
static bool p_last(unsigned int i, unsigned int n, u64 k)	{ return i != n - 1; }
static bool p_last_word(unsigned int i, unsigned int n, u64 k)	{ return i < round_down(n - 1, 64); }
static bool p_straddle(unsigned int i, unsigned int n, u64 k)	{ return (i + 4) % 64 >= 8; }
static bool p_stripes(unsigned int i, unsigned int n, u64 k)	{ return (i / 64) % 3 != 2; }
static bool p_b63_64(unsigned int i, unsigned int n, u64 k)
{
	return i % 64 != 63 && i % 64 != 0;
}

/* Random, with density picked by @k's low bits. */
static bool p_random(unsigned int i, unsigned int n, u64 k)
{
	u64 x = (k ^ (i * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;

	x ^= x >> 31;
	switch (k & 3) {
	case 0:
		return x & 1;
	case 1:
		return (x & 15) != 0;	/* sparse free */
	case 2:
		return (x & 15) == 0;	/* sparse allocated */
	default:
		return (x >> 7) & (x >> 3) & 1;
	}
}

static const struct {
	const char *name;
	pattern_fn fn;
} patterns[] = {
	{ "all_free", p_free }, { "all_allocated", p_alloc },
	{ "even", p_even }, { "odd", p_odd }, { "one_free", p_one_free },
	{ "free_last", p_last }, { "last_word", p_last_word },
	{ "straddle", p_straddle }, { "stripes", p_stripes },
	{ "bits_63_64", p_b63_64 }, { "random", p_random },
};

static void drain_pattern(struct __test_metadata *_metadata, u8 c, pattern_fn fn,
			  const char *name, u64 key, unsigned int fi, bool slow_only)
{
	struct goalloc_mspan s;
	u16 want[MAXOBJS];
	unsigned int i, n, nwant = 0, got = 0, pop = 0;
	bool declined;

	span_new_class(&s, c);
	n = s.nelems;
	for (i = 0; i < n; i++) {
		if (fn(i, n, key)) {
			s.alloc_bits[i / 64] |= 1ULL << (i % 64);
			pop++;
		} else if (i >= fi) {
			want[nwant++] = i;
		}
	}
	s.freeindex = fi;
	s.alloc_count = pop;
	goalloc_mspan_reset_alloc_cache(&s);
	ASSERT_EQ(pop, goalloc_mspan_count_alloc(&s));
	for (;;) {
		unsigned int idx = slow_only ? goalloc_mspan_next_free_index(&s) :
					       take(_metadata, &s, &declined);

		if (idx >= n) {
			ASSERT_EQ(n, idx);
			break;
		}
		ASSERT_LT(got, nwant) TH_LOG("class %u %s key %llx fi %u: extra slot %u",
					     c, name, (unsigned long long)key, fi, idx);
		ASSERT_EQ(want[got], idx) TH_LOG("class %u %s key %llx fi %u slow %d: #%u",
						 c, name, (unsigned long long)key, fi,
						 slow_only, got);
		ASSERT_EQ(idx + 1, s.freeindex);
		got++;
	}
	ASSERT_EQ(nwant, got) TH_LOG("class %u %s fi %u", c, name, fi);
	ASSERT_EQ(n, s.freeindex);
	ASSERT_EQ(pop + got, s.alloc_count);
	ASSERT_EQ(0, goalloc_mspan_next_free_fast(&s));
	ASSERT_EQ(pop, goalloc_mspan_count_alloc(&s));
}

TEST(alloc_cache_patterns)
{
	static const unsigned int starts[] = { 0, 1, 2, 63, 64, 65, 127, 128, 200, 1000 };
	static const u64 lone[] = { 0, 62, 63, 64, 65, 127, 128, 511 };
	uint64_t seed = harness_seed();
	unsigned int c, p, j, r;

	for (c = 1; c < NCLASSES; c++) {
		unsigned int n = goalloc_class_to_nobjs[c];

		for (p = 0; p < ARRAY_SIZE(patterns); p++) {
			unsigned int reps = patterns[p].fn == p_random ? 16 :
					    patterns[p].fn == p_one_free ? ARRAY_SIZE(lone) : 1;

			for (r = 0; r < reps; r++) {
				u64 key = patterns[p].fn == p_one_free ? lone[r] :
					  harness_rand(&seed);

				for (j = 0; j < ARRAY_SIZE(starts); j++) {
					if (starts[j] > n)
						continue;
					drain_pattern(_metadata, c, patterns[p].fn,
						      patterns[p].name, key, starts[j], false);
					drain_pattern(_metadata, c, patterns[p].fn,
						      patterns[p].name, key, starts[j], true);
				}
				drain_pattern(_metadata, c, patterns[p].fn, patterns[p].name,
					      key, n, false);
			}
		}
	}
}

TEST(free_and_sweep)
{
	uint64_t seed = harness_seed();
	struct goalloc_mspan s;
	unsigned int c, i;
	bool declined;

	for (c = 1; c < NCLASSES; c++) {
		u64 live[GOALLOC_SPAN_BITMAP_WORDS] = { 0 }, freed[GOALLOC_SPAN_BITMAP_WORDS] = { 0 };
		unsigned int n, k, nlive = 0, nfree = 0;
		u16 nfreed = 0xffff;

		span_new_class(&s, c);
		n = s.nelems;
		k = n * 2 / 3 ? n * 2 / 3 : 1;
		for (i = 0; i < k; i++)
			ASSERT_EQ(i, take(_metadata, &s, &declined));
		for (i = 0; i < k; i++) {
			if ((i == 0 || harness_rand(&seed) % 3 == 0) && (i != k - 1 || k == 1)) {
				ASSERT_EQ(0, goalloc_mspan_free_index(&s, i));
				freed[i / 64] |= 1ULL << (i % 64);
				nfree++;
			} else {
				live[i / 64] |= 1ULL << (i % 64);
				nlive++;
			}
		}
		for (i = 0; i < k; i++) {
			if (bit(freed, i))
				ASSERT_EQ(-EALREADY, goalloc_mspan_free_index(&s, i));
			ASSERT_TRUE(goalloc_mspan_is_allocated(&s, i));
		}
		for (i = k; i < n; i++) {
			ASSERT_EQ(-EINVAL, goalloc_mspan_free_index(&s, i));
			ASSERT_FALSE(goalloc_mspan_is_allocated(&s, i));
		}
		/* Handed out: set unless dead; free: set only in the loaded window. */
		for (i = 0; i < n; i++)
			ASSERT_EQ(i < k ? !bit(freed, i) : i / 64 == s.freeindex / 64,
				  test_bit(i, s.gcmark_bits));

		ASSERT_EQ(nlive, goalloc_mspan_sweep_bits(&s, &nfreed));
		ASSERT_EQ(nfree, nfreed);
		ASSERT_EQ(0, s.freeindex);
		ASSERT_EQ(nlive, s.alloc_count);
		ASSERT_EQ(nlive, goalloc_mspan_count_alloc(&s));
		for (i = 0; i < DIV_ROUND_UP(s.nelems, 64); i++) {
			ASSERT_EQ(live[i], s.alloc_bits[i]) TH_LOG("class %u word %u", c, i);
			/* Free slots stay unmarked until their window is loaded. */
			ASSERT_EQ(live[i], s.gcmark_bits[i]);
		}
		for (i = 0; i < n; i++) {
			ASSERT_EQ(bit(live, i), goalloc_mspan_is_allocated(&s, i));
			if (bit(freed, i))
				ASSERT_EQ(-EINVAL, goalloc_mspan_free_index(&s, i));
		}
		for (i = 0; i < n; i++)
			if (!bit(live, i))
				ASSERT_EQ(i, take(_metadata, &s, &declined))
					TH_LOG("class %u after sweep", c);
		ASSERT_EQ(n, take(_metadata, &s, &declined));
		ASSERT_EQ(n, s.alloc_count);

		for (i = 0; i < n; i++)
			ASSERT_EQ(0, goalloc_mspan_free_index(&s, i));
		ASSERT_EQ(0, goalloc_mspan_sweep_bits(&s, &nfreed));
		ASSERT_EQ(n, nfreed);
		ASSERT_EQ(0, goalloc_mspan_count_alloc(&s));
	}
}

TEST(large_span)
{
	static const u32 npages[] = { 1, 2, 5, 16, 17, 100, 511, 512 };
	struct goalloc_mspan s;
	unsigned int i;
	u16 nfreed;
	bool declined;

	for (i = 0; i < ARRAY_SIZE(npages); i++) {
		unsigned long bytes = (unsigned long)npages[i] * GOALLOC_PAGE_SIZE;

		span_new(&s, 0, npages[i], i & 1);
		ASSERT_EQ(1, s.nelems);
		ASSERT_EQ(bytes, s.elemsize);
		ASSERT_EQ(0, s.divmul);
		ASSERT_EQ(i & 1, s.spanclass);
		ASSERT_EQ(0, goalloc_mspan_obj_index(&s, BASE + bytes - 1));
		ASSERT_EQ(-EINVAL, goalloc_mspan_free_index(&s, 0));
		/* Handed out whole by the heap: its window loads on first use. */
		ASSERT_EQ(0, goalloc_mspan_next_free_fast(&s));
		ASSERT_EQ(0, goalloc_mspan_next_free_index(&s));
		ASSERT_EQ(0, goalloc_mspan_next_free_fast(&s));
		ASSERT_EQ(1, goalloc_mspan_next_free_index(&s));
		ASSERT_EQ(0, goalloc_mspan_free_index(&s, 0));
		ASSERT_EQ(-EALREADY, goalloc_mspan_free_index(&s, 0));
		ASSERT_EQ(0, goalloc_mspan_sweep_bits(&s, &nfreed));
		ASSERT_EQ(1, nfreed);
		ASSERT_EQ(0, take(_metadata, &s, &declined));
		ASSERT_EQ(1, take(_metadata, &s, &declined));
	}
}

/*
 * The reference model: Go's rules written out over bool arrays.
 *  alloc[i]  allocated at the last sweep
 *  dead[i]   freed since (mark bit cleared)
 *  fi        freeindex: every slot below it counts as allocated
 */
struct model {
	unsigned int n, fi, count;
	bool alloc[MAXOBJS], dead[MAXOBJS];
};

static bool model_is_allocated(const struct model *m, unsigned int i)
{
	return i < m->fi || m->alloc[i];
}

static unsigned int model_take(struct model *m)
{
	unsigned int i;

	for (i = m->fi; i < m->n; i++) {
		if (!m->alloc[i]) {
			m->fi = i + 1;
			m->count++;
			return i;
		}
	}
	m->fi = m->n;
	return m->n;
}

static int model_free(struct model *m, unsigned int i)
{
	if (!model_is_allocated(m, i))
		return -EINVAL;
	if (m->dead[i])
		return -EALREADY;
	m->dead[i] = true;
	return 0;
}

static unsigned int model_sweep(struct model *m, unsigned int *nfreed)
{
	unsigned int i, live = 0, before = 0;

	for (i = 0; i < m->n; i++) {
		bool a = model_is_allocated(m, i);

		before += a;
		m->alloc[i] = a && !m->dead[i];
		m->dead[i] = false;
		live += m->alloc[i];
	}
	m->fi = 0;
	m->count = live;
	*nfreed = before - live;
	return live;
}

static void check_model(struct __test_metadata *_metadata, const struct goalloc_mspan *s,
			const struct model *m, uint64_t seed, unsigned int round,
			unsigned int step)
{
	unsigned int i, pop = 0;

	ASSERT_EQ(m->fi, s->freeindex) TH_LOG("seed %#llx round %u step %u",
					      (unsigned long long)seed, round, step);
	ASSERT_EQ(m->count, s->alloc_count) TH_LOG("seed %#llx round %u step %u",
						   (unsigned long long)seed, round, step);
	for (i = 0; i < m->n; i++) {
		ASSERT_EQ(m->alloc[i], bit(s->alloc_bits, i))
			TH_LOG("seed %#llx round %u step %u slot %u",
			       (unsigned long long)seed, round, step, i);
		/* Handed out: set unless dead; free: set only in the loaded window. */
		ASSERT_EQ(model_is_allocated(m, i) ? !m->dead[i] :
			  test_bit(i, s->gcmark_bits) && i / 64 == m->fi / 64,
			  test_bit(i, s->gcmark_bits))
			TH_LOG("seed %#llx round %u step %u slot %u",
			       (unsigned long long)seed, round, step, i);
		ASSERT_EQ(model_is_allocated(m, i), goalloc_mspan_is_allocated(s, i));
		pop += m->alloc[i];
	}
	/* Nothing past nelems in the words that hold slots is ever set. */
	for (i = m->n; i < DIV_ROUND_UP(m->n, 64) * 64; i++)
		ASSERT_FALSE(bit(s->alloc_bits, i));
	ASSERT_EQ(pop, goalloc_mspan_count_alloc(s));
}

/*
 * Random operation sequences on spans of random classes.  The caller side
 * tracks which slots it holds, so frees are mostly of live objects, with
 * some double frees and frees of random slots mixed in.
 */
TEST(random_differential)
{
	const char *env = getenv("GOALLOC_SPAN_ROUNDS");
	unsigned int rounds = env ? strtoul(env, NULL, 0) : 10000;
	uint64_t seed0 = harness_seed(), rnd = seed0;
	static struct goalloc_mspan s;
	static struct model m;
	unsigned int round, step, ops = 0;

	TH_LOG("seed %#llx, %u rounds", (unsigned long long)seed0, rounds);
	for (round = 0; round < rounds; round++) {
		unsigned int c = 1 + harness_rand(&rnd) % (NCLASSES - 1);
		unsigned int nsteps = 50 + harness_rand(&rnd) % 400;
		/* Per-round operation mix, so some rounds fill and some empty. */
		unsigned int w_take = 1 + harness_rand(&rnd) % 8;
		unsigned int w_free = 1 + harness_rand(&rnd) % 8;
		unsigned int w_sweep = harness_rand(&rnd) % 3;

		span_new_class(&s, c);
		memset(&m, 0, sizeof(m));
		m.n = s.nelems;
		check_model(_metadata, &s, &m, seed0, round, 0);

		for (step = 1; step <= nsteps; step++) {
			unsigned int total = w_take + w_free + w_sweep + 2;
			unsigned int op = harness_rand(&rnd) % total;
			unsigned int got, want, i;
			bool declined;

			ops++;
			if (op < w_take) {
				/* Take a run of slots, by either path. */
				unsigned int run = 1 + harness_rand(&rnd) % 70;
				bool slow = harness_rand(&rnd) % 4 == 0;

				while (run--) {
					want = model_take(&m);
					got = slow ? goalloc_mspan_next_free_index(&s) :
						     take(_metadata, &s, &declined);
					ASSERT_EQ(want, got) TH_LOG("seed %#llx round %u step %u",
								    (unsigned long long)seed0,
								    round, step);
					if (got == m.n)
						break;
				}
			} else if (op < w_take + w_free) {
				/* Free: a slot below freeindex if any, else anywhere. */
				if (m.fi && harness_rand(&rnd) % 8)
					i = harness_rand(&rnd) % m.fi;
				else
					i = harness_rand(&rnd) % m.n;
				want = model_free(&m, i);
				ASSERT_EQ((int)want, goalloc_mspan_free_index(&s, i))
					TH_LOG("seed %#llx round %u step %u slot %u",
					       (unsigned long long)seed0, round, step, i);
			} else if (op < w_take + w_free + w_sweep) {
				unsigned int mf;
				u16 nf;

				want = model_sweep(&m, &mf);
				ASSERT_EQ(want, goalloc_mspan_sweep_bits(&s, &nf));
				ASSERT_EQ(mf, nf);
			} else if (op == total - 2) {
				/* Re-cached as it is: the window moves to freeindex. */
				goalloc_mspan_reset_alloc_cache(&s);
			} else {
				check_model(_metadata, &s, &m, seed0, round, step);
			}
		}
		check_model(_metadata, &s, &m, seed0, round, nsteps);
	}
	TH_LOG("%u operations", ops);
}

/*
 * goalloc_free()'s slot test: one multiply gives the slot and, in its low
 * half, whether the offset starts it, for every offset of every class's
 * span; a large span (divmul 0) has no slot start.
 */
TEST(slot_start_every_offset)
{
	struct goalloc_mspan s;
	unsigned int c, idx, bad = 0;
	unsigned long off, end;

	for (c = 1; c < NCLASSES; c++) {
		span_new_class(&s, c);
		end = (unsigned long)s.npages * GOALLOC_PAGE_SIZE;
		for (off = 0; off < end; off++) {
			bool start = goalloc_mspan_slot_start(&s, off, &idx);

			if (start != (off % s.elemsize == 0) || idx != off / s.elemsize) {
				if (!bad++)
					TH_LOG("class %u offset %lu: start %d idx %u", c, off, start, idx);
			}
		}
	}
	ASSERT_EQ(0, bad);
	span_new(&s, 0, 4, false);
	for (off = 0; off < 4 * GOALLOC_PAGE_SIZE; off += 512)
		ASSERT_FALSE(goalloc_mspan_slot_start(&s, off, &idx));
}

/*
 * A double free that validated its slot before a sweep reclaimed it and
 * clears the mark bit after (goalloc_free()'s two steps, called in that
 * order): it must be refused and must not kill the slot's next owner.
 * Slots in the first and in a later bitmap word, for a class with several.
 */
TEST(stale_free_after_sweep)
{
	static const unsigned int victims[] = { 0, 5, 70 };
	struct goalloc_mspan s;
	unsigned int v, i, n;
	bool declined;
	u16 nfreed;

	for (v = 0; v < sizeof(victims) / sizeof(victims[0]); v++) {
		unsigned int x = victims[v];

		span_new_class(&s, 2);	/* 16 B: 512 slots, 8 words */
		n = s.nelems;
		ASSERT_GT(n, x);
		for (i = 0; i < n; i++)
			ASSERT_EQ(i, take(_metadata, &s, &declined));
		ASSERT_EQ(0, goalloc_mspan_free_index(&s, x));
		/* The stale free's first step: the slot still looks allocated. */
		ASSERT_TRUE(goalloc_mspan_is_allocated_fast(&s, x));
		ASSERT_EQ(n - 1, goalloc_mspan_sweep_bits(&s, &nfreed));
		ASSERT_EQ(1, nfreed);
		/* Its second step, after the sweep: refused, nothing changed. */
		ASSERT_EQ(-EALREADY, goalloc_mspan_mark_dead(&s, x)) TH_LOG("slot %u", x);
		/* The slot's next owner survives the next sweep. */
		ASSERT_EQ(x, goalloc_mspan_next_free_index(&s));
		ASSERT_TRUE(test_bit(x, s.gcmark_bits));
		ASSERT_EQ(n, goalloc_mspan_sweep_bits(&s, &nfreed));
		ASSERT_EQ(0, nfreed);
		ASSERT_TRUE(goalloc_mspan_is_allocated(&s, x));
	}
}

TEST_HARNESS_MAIN
