// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests for goalloc's size classes: the generator's promises
 * checked natively over every size and every span offset, and every table
 * compared entry by entry with Go 1.19's runtime/sizeclasses.go.
 *
 * GO_SIZECLASSES overrides the path of Go's file.  A missing file fails the
 * run: the build installs Go 1.19, so its absence is a setup bug.
 */
#include "../../../mod/sizeclasses.c"

#include <linux/log2.h>

#include "../../../kunit/sizeclasses_go_table.h"

#include <errno.h>
#include <stdint.h>

#include "kselftest_harness.h"

#define GO_SIZECLASSES_DEFAULT	"/usr/lib/go-1.19/src/runtime/sizeclasses.go"
#define GO_MAX_ENTRIES		512

static u32 sc_size(unsigned int c)
{
	return goalloc_class_to_size[c];
}

static u32 sc_span(unsigned int c)
{
	return goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
}

static unsigned int sc_smallest_fit(u32 size)
{
	unsigned int c;

	for (c = 0; c < GOALLOC_NUM_SIZE_CLASSES; c++)
		if (sc_size(c) >= size)
			return c;
	return GOALLOC_NUM_SIZE_CLASSES;
}

static u32 sc_walk_align(u32 size)
{
	if (size < 32)
		return 8;
	return min_t(u32, max_t(u32, (1U << ilog2(size)) / 8, 16), 256);
}

TEST(constants)
{
	EXPECT_EQ(1U << GOALLOC_PAGE_SHIFT, GOALLOC_PAGE_SIZE);
	EXPECT_EQ(GOALLOC_NUM_SIZE_CLASSES * 2, GOALLOC_NUM_SPAN_CLASSES);
	EXPECT_EQ(GOALLOC_MAX_SMALL_SIZE, sc_size(GOALLOC_NUM_SIZE_CLASSES - 1));
	EXPECT_EQ(GOALLOC_TINY_SIZE, sc_size(GOALLOC_TINY_SIZE_CLASS));
	EXPECT_EQ(GOALLOC_MAX_OBJS_PER_SPAN, goalloc_class_to_nobjs[1]);
	EXPECT_EQ(0, sc_size(0));
	EXPECT_EQ(0, goalloc_class_to_allocnpages[0]);
	EXPECT_EQ(0, goalloc_class_to_nobjs[0]);
	EXPECT_EQ(0, goalloc_class_to_divmagic[0]);
	EXPECT_EQ(0, goalloc_obj_index(123456, 0));
}

TEST(lookup_every_size)
{
	unsigned int want = 1;
	u32 size;

	for (size = 1; size <= GOALLOC_MAX_SMALL_SIZE; size++) {
		unsigned int c = goalloc_size_to_class(size);

		while (sc_size(want) < size)
			want++;
		ASSERT_EQ(want, c) TH_LOG("size %u", size);
	}
	/* Go reaches these through unsigned wrap-around. */
	for (size = 1017; size <= 1024; size++)
		EXPECT_EQ(1024, sc_size(goalloc_size_to_class(size)));
}

TEST(lookup_tables)
{
	unsigned int i;

	for (i = 0; i < GOALLOC_SIZE_TO_CLASS8_LEN; i++)
		EXPECT_EQ(sc_smallest_fit(i * GOALLOC_SMALL_SIZE_DIV), goalloc_size_to_class8[i])
			TH_LOG("size_to_class8[%u]", i);
	for (i = 0; i < GOALLOC_SIZE_TO_CLASS128_LEN; i++)
		EXPECT_EQ(sc_smallest_fit(GOALLOC_SMALL_SIZE_MAX + i * GOALLOC_LARGE_SIZE_DIV),
			  goalloc_size_to_class128[i])
			TH_LOG("size_to_class128[%u]", i);
}

TEST(order_and_alignment)
{
	unsigned int c;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		u32 size = sc_size(c), span = sc_span(c);
		u32 widest = (span / (span / size)) & ~(GOALLOC_LARGE_SIZE_DIV - 1);

		EXPECT_GT(size, sc_size(c - 1)) TH_LOG("class %u", c);
		EXPECT_EQ(0, size % 8) TH_LOG("class %u", c);
		if (size >= 32)
			EXPECT_EQ(0, size % 16) TH_LOG("class %u", c);
		if (size > GOALLOC_SMALL_SIZE_MAX)
			EXPECT_EQ(0, size % GOALLOC_LARGE_SIZE_DIV) TH_LOG("class %u", c);
		EXPECT_TRUE(size % sc_walk_align(size) == 0 || size == widest)
			TH_LOG("class %u size %u", c, size);
		EXPECT_LE(widest, size) TH_LOG("class %u", c);
		if (c > 1)
			EXPECT_FALSE(goalloc_class_to_allocnpages[c] ==
				     goalloc_class_to_allocnpages[c - 1] &&
				     goalloc_class_to_nobjs[c] == goalloc_class_to_nobjs[c - 1])
				TH_LOG("class %u", c);
	}
}

TEST(span_geometry)
{
	unsigned int c;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		u32 size = sc_size(c), span = sc_span(c), nobjs = goalloc_class_to_nobjs[c];
		u32 tail = span - nobjs * size;
		u32 worst = (size - sc_size(c - 1) - 1) * nobjs + tail;
		struct goalloc_class_info info;
		int64_t err;

		EXPECT_GE(goalloc_class_to_allocnpages[c], 1) TH_LOG("class %u", c);
		EXPECT_EQ(span / size, nobjs) TH_LOG("class %u", c);
		EXPECT_GE(nobjs, 1) TH_LOG("class %u", c);
		EXPECT_LE(nobjs, GOALLOC_MAX_OBJS_PER_SPAN) TH_LOG("class %u", c);
		EXPECT_LE(tail, span / 8) TH_LOG("class %u", c);

		goalloc_class_info(c, &info);
		EXPECT_EQ(size, info.size);
		EXPECT_EQ(span, info.span_bytes);
		EXPECT_EQ(nobjs, info.nobjs);
		EXPECT_EQ(tail, info.tail_waste);
		err = (int64_t)info.max_waste * span - (int64_t)worst * 10000;
		EXPECT_LE(2 * llabs(err), (int64_t)span) TH_LOG("class %u", c);
		EXPECT_TRUE(is_power_of_2(info.min_align));
		EXPECT_EQ(0, size % info.min_align);
		EXPECT_TRUE(info.min_align == GOALLOC_PAGE_SIZE ||
			    (size / info.min_align) % 2 == 1) TH_LOG("class %u", c);
	}
}

TEST(class_info_large)
{
	struct goalloc_class_info info, zero = { 0 };

	memset(&info, 0xa5, sizeof(info));
	goalloc_class_info(0, &info);
	EXPECT_EQ(0, memcmp(&info, &zero, sizeof(info)));
}

TEST(divmagic_every_offset)
{
	unsigned int c;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		u32 size = sc_size(c), span = sc_span(c), nobjs = goalloc_class_to_nobjs[c];
		u32 off = 0, idx;

		EXPECT_EQ(UINT32_MAX / size + 1, goalloc_class_to_divmagic[c]);
		for (idx = 0; idx <= nobjs; idx++) {
			u32 end = min(off + size, span + 1);

			for (; off < end; off++)
				ASSERT_EQ(idx, goalloc_obj_index(off, c))
					TH_LOG("class %u offset %u", c, off);
		}
		EXPECT_EQ(span + 1, off);
	}
}

TEST(spanclass)
{
	unsigned int c, noscan;

	for (c = 0; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		for (noscan = 0; noscan < 2; noscan++) {
			goalloc_spanclass_t sc = goalloc_make_spanclass(c, noscan);

			EXPECT_LT(sc, GOALLOC_NUM_SPAN_CLASSES);
			EXPECT_EQ(c * 2 + noscan, sc);
			EXPECT_EQ(c, goalloc_spanclass_sizeclass(sc));
			EXPECT_EQ(!!noscan, goalloc_spanclass_noscan(sc));
		}
	}
}

/* ---- Go's runtime/sizeclasses.go ------------------------------------- */

struct go_row {
	unsigned int cls, size, span, objs, tail, waste, align;
};

struct go_file {
	long max_small, small_div, small_max, large_div, nclasses, page_shift;
	u32 class_to_size[GO_MAX_ENTRIES];
	u32 class_to_allocnpages[GO_MAX_ENTRIES];
	u32 class_to_divmagic[GO_MAX_ENTRIES];
	u32 size_to_class8[GO_MAX_ENTRIES];
	u32 size_to_class128[GO_MAX_ENTRIES];
	int n_size, n_npages, n_divmagic, n_class8, n_class128;
	struct go_row rows[GO_MAX_ENTRIES];
	int nrows;
};

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

/* Read "var NAME = [...]T{a, b, ...}"; Return: entry count, -1 on error. */
static int go_table(const char *text, const char *name, u32 *out)
{
	char key[64];
	const char *p;
	int n = 0;

	snprintf(key, sizeof(key), "\nvar %s ", name);
	p = strstr(text, key);
	if (!p)
		return -1;
	p = strchr(p, '{');
	if (!p)
		return -1;
	p++;
	for (;;) {
		unsigned long v;
		char *end;

		p = skip_space(p);
		if (*p == '}')
			return n;
		if (n == GO_MAX_ENTRIES)
			return -1;
		if (!strncmp(p, "^uint32(0)", 10)) {
			/* Go spells the divisor magic as ^uint32(0)/size + 1. */
			p = skip_space(p + 10);
			if (*p++ != '/')
				return -1;
			v = strtoul(p, &end, 10);
			if (end == p || v < 2)
				return -1;
			p = skip_space(end);
			if (*p++ != '+')
				return -1;
			p = skip_space(p);
			if (*p++ != '1')
				return -1;
			v = UINT32_MAX / v + 1;
		} else {
			v = strtoul(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		out[n++] = v;
		p = skip_space(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
}

static long go_const(const char *text, const char *name)
{
	const char *block = strstr(text, "\nconst (");
	const char *p;
	size_t len = strlen(name);

	if (!block)
		return -1;
	for (p = strchr(block + 1, '\n'); p && p[1] != ')'; p = strchr(p + 1, '\n')) {
		const char *q = skip_space(p + 1);

		if (!strncmp(q, name, len) && (q[len] == ' ' || q[len] == '=')) {
			q = skip_space(q + len);
			if (*q != '=')
				return -1;
			return strtol(q + 1, NULL, 10);
		}
	}
	return -1;
}

/* "// class bytes/obj bytes/span objects tail max% align" lines. */
static int go_rows(const char *text, struct go_row *rows)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		struct go_row r;
		unsigned int whole, frac;

		if (sscanf(line, "// %u %u %u %u %u %u.%2u%% %u", &r.cls, &r.size, &r.span,
			   &r.objs, &r.tail, &whole, &frac, &r.align) == 8) {
			if (n == GO_MAX_ENTRIES)
				return -1;
			r.waste = whole * 100 + frac;
			rows[n++] = r;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	len = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (len < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = calloc(1, len + 2);
	/* A leading newline lets "\nvar" and "\nconst" match line starts. */
	if (buf && fread(buf + 1, 1, len, f) == (size_t)len) {
		buf[0] = '\n';
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

FIXTURE(go) {
	struct go_file *go;
};

FIXTURE_SETUP(go)
{
	const char *path = getenv("GO_SIZECLASSES");
	struct go_file *g;
	char *text;

	if (!path || !*path)
		path = GO_SIZECLASSES_DEFAULT;
	text = read_file(path);
	ASSERT_NE(NULL, text) TH_LOG("cannot read %s: %s (set GO_SIZECLASSES)", path,
				     strerror(errno));
	g = calloc(1, sizeof(*g));
	ASSERT_NE(NULL, g);
	self->go = g;

	g->max_small = go_const(text, "_MaxSmallSize");
	g->small_div = go_const(text, "smallSizeDiv");
	g->small_max = go_const(text, "smallSizeMax");
	g->large_div = go_const(text, "largeSizeDiv");
	g->nclasses = go_const(text, "_NumSizeClasses");
	g->page_shift = go_const(text, "_PageShift");
	g->n_size = go_table(text, "class_to_size", g->class_to_size);
	g->n_npages = go_table(text, "class_to_allocnpages", g->class_to_allocnpages);
	g->n_divmagic = go_table(text, "class_to_divmagic", g->class_to_divmagic);
	g->n_class8 = go_table(text, "size_to_class8", g->size_to_class8);
	g->n_class128 = go_table(text, "size_to_class128", g->size_to_class128);
	g->nrows = go_rows(text, g->rows);
	free(text);
}

FIXTURE_TEARDOWN(go)
{
	free(self->go);
}

TEST_F(go, constants)
{
	struct go_file *g = self->go;

	EXPECT_EQ(GOALLOC_MAX_SMALL_SIZE, g->max_small);
	EXPECT_EQ(GOALLOC_SMALL_SIZE_DIV, g->small_div);
	EXPECT_EQ(GOALLOC_SMALL_SIZE_MAX, g->small_max);
	EXPECT_EQ(GOALLOC_LARGE_SIZE_DIV, g->large_div);
	EXPECT_EQ(GOALLOC_NUM_SIZE_CLASSES, g->nclasses);
	EXPECT_EQ(GOALLOC_PAGE_SHIFT, g->page_shift);
}

TEST_F(go, class_tables)
{
	struct go_file *g = self->go;
	int c;

	ASSERT_EQ(GOALLOC_NUM_SIZE_CLASSES, g->n_size);
	ASSERT_EQ(GOALLOC_NUM_SIZE_CLASSES, g->n_npages);
	ASSERT_EQ(GOALLOC_NUM_SIZE_CLASSES, g->n_divmagic);
	for (c = 0; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		EXPECT_EQ(g->class_to_size[c], goalloc_class_to_size[c]) TH_LOG("class %d", c);
		EXPECT_EQ(g->class_to_allocnpages[c], goalloc_class_to_allocnpages[c])
			TH_LOG("class %d", c);
		EXPECT_EQ(g->class_to_divmagic[c], goalloc_class_to_divmagic[c])
			TH_LOG("class %d", c);
	}
}

TEST_F(go, lookup_tables)
{
	struct go_file *g = self->go;
	int i;

	ASSERT_EQ(GOALLOC_SIZE_TO_CLASS8_LEN, g->n_class8);
	ASSERT_EQ(GOALLOC_SIZE_TO_CLASS128_LEN, g->n_class128);
	for (i = 0; i < g->n_class8; i++)
		EXPECT_EQ(g->size_to_class8[i], goalloc_size_to_class8[i]) TH_LOG("index %d", i);
	for (i = 0; i < g->n_class128; i++)
		EXPECT_EQ(g->size_to_class128[i], goalloc_size_to_class128[i])
			TH_LOG("index %d", i);
}

/* Go's table comment against goalloc_class_info(), column by column. */
TEST_F(go, class_info)
{
	struct go_file *g = self->go;
	int i;

	ASSERT_EQ(GOALLOC_NUM_SIZE_CLASSES - 1, g->nrows);
	for (i = 0; i < g->nrows; i++) {
		const struct go_row *r = &g->rows[i];
		struct goalloc_class_info info;

		ASSERT_EQ(i + 1, r->cls);
		goalloc_class_info(r->cls, &info);
		EXPECT_EQ(r->size, info.size) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->span, info.span_bytes) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->objs, info.nobjs) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->objs, goalloc_class_to_nobjs[r->cls]) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->tail, info.tail_waste) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->waste, info.max_waste) TH_LOG("class %u", r->cls);
		EXPECT_EQ(r->align, info.min_align) TH_LOG("class %u", r->cls);
	}
}

TEST_HARNESS_MAIN
