// SPDX-License-Identifier: GPL-2.0
/*
 * Host build of goalloc's size-class tests: kunit/sizeclasses_test.c's cases
 * on mod/sizeclasses.c, plus every table compared entry by entry with Go
 * 1.19's runtime/sizeclasses.go (host only: it reads Go's source file).
 *
 * GO_SIZECLASSES overrides the path of Go's file.  A missing file fails the
 * run: the build installs Go 1.19, so its absence is a setup bug.
 */
#include "../../../mod/sizeclasses.c"
#include "../../../kunit/sizeclasses_test.c"

#include <errno.h>
#include <stdio.h>

#define GO_SIZECLASSES_DEFAULT	"/usr/lib/go-1.19/src/runtime/sizeclasses.go"
#define GO_MAX_ENTRIES		512

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
