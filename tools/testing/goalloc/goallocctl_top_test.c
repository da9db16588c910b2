// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of `goallocctl top` (tools/include/goalloc_top.h, the code
 * goallocctl runs) against a recorded dump of goalloc's debugfs files,
 * written here in two frames (DIR/0, DIR/1) that --replay alternates:
 *
 *   - the --once frame and --json document for every sort key: rows,
 *     values, order, no terminal control codes, JSON that parses and adds up;
 *   - the refreshing view in a real terminal: this program runs itself as
 *     `top --replay DIR` (argv[1] "--top") in a detached tmux pane, and
 *     the captured screen must show the header, the rows sorted, a redraw
 *     with the other frame's numbers, the sort keys and reverse taking
 *     effect, and q leaving the terminal as it found it.  Skipped without
 *     tmux (scripts/deps.sh installs it).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../include/goalloc_top.h"
#include "../../include/goalloc_json.h"
#include "kselftest_harness.h"

/* ---- the recorded dump ---------------------------------------------- */

struct fx_class {
	unsigned int cls, size, span, nobjs, live, partial, full;
};

/*
 * Frame 0: spans = ceil(live / nobjs) (at least the mcentral ones), so
 * MCACHE is 1 for each class with live objects; frame 1 grows class 44
 * from 3 to 30 objects, which moves it to the top of the live order.
 */
static const struct fx_class fx0[] = {
	{ 5, 48, 8192, 170, 400, 0, 2 },	/* 3 spans, frag 21.9 */
	{ 10, 128, 8192, 64, 0, 1, 0 },		/* 1 span, frag 100.0 */
	{ 33, 1152, 8192, 7, 50, 0, 7 },	/* 8 spans, frag 12.1 */
	{ 44, 4096, 8192, 2, 3, 0, 1 },		/* 2 spans, frag 25.0 */
};

static const struct fx_class fx1[] = {
	{ 5, 48, 8192, 170, 400, 0, 2 },
	{ 10, 128, 8192, 64, 0, 1, 0 },
	{ 33, 1152, 8192, 7, 50, 0, 7 },
	{ 44, 4096, 8192, 2, 30, 0, 14 },	/* 15 spans, 122880 B */
};

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void write_frame(const char *dir, const struct fx_class *fx, int n, uint64_t heap_alloc,
			uint64_t inuse, int numgc)
{
	char buf[8192];
	size_t o;
	int i;

	mkdir(dir, 0755);
	o = snprintf(buf, sizeof(buf),
		     "class bytes/obj bytes/span objects tail_waste max_waste%% mallocs frees live spans_in_mcentral\n");
	/* A class with nothing at all, which the view leaves out. */
	o += snprintf(buf + o, sizeof(buf) - o, "%5d %9u %10u %7u %10u %7u.%02u %7u %5u %4u %17u\n",
		      1, 8, 8192, 1024, 0, 87, 50, 10, 10, 0, 0);
	for (i = 0; i < n; i++)
		o += snprintf(buf + o, sizeof(buf) - o,
			      "%5u %9u %10u %7u %10u %7u.%02u %7u %5u %4u %17u\n",
			      fx[i].cls, fx[i].size, fx[i].span, fx[i].nobjs, 0, 10, 0,
			      fx[i].live + 5, 5, fx[i].live, fx[i].partial + fx[i].full);
	put(dir, "sizeclasses", buf);
	o = snprintf(buf, sizeof(buf),
		     "sweepgen 12\nspanclass class noscan partial_swept partial_unswept full_swept full_unswept\n");
	for (i = 0; i < n; i++)
		if (fx[i].partial + fx[i].full)	/* split over swept/unswept */
			o += snprintf(buf + o, sizeof(buf) - o, "%9u %5u %6d %13u %15u %10u %12u\n",
				      fx[i].cls * 2, fx[i].cls, 0, fx[i].partial, 0,
				      fx[i].full - fx[i].full / 2, fx[i].full / 2);
	put(dir, "mcentral", buf);
	put(dir, "mcache",
	    "cpu0 spans_cached 2 tiny_block yes tinyoffset 8 tiny_allocs 11 tiny_frees 0 small_mallocs 500 small_frees 40 large_allocs 3 large_frees 1 mspancache 7\n"
	    "cpu1 spans_cached 1 tiny_block no tinyoffset 16 tiny_allocs 0 tiny_frees 0 small_mallocs 20 small_frees 2 large_allocs 0 large_frees 0 mspancache 2\n");
	put(dir, "pagecache",
	    "cpu0 base 18446612682103259136 free_pages 41 bitmap 0000ffffffffff00\n"
	    "cpu1 base 0 free_pages 0 bitmap 0000000000000000\n");
	snprintf(buf, sizeof(buf),
		 "Alloc         %" PRIu64 "\nHeapAlloc     %" PRIu64 "\nHeapSys       8388608\n"
		 "HeapIdle      %" PRIu64 "\nHeapInuse     %" PRIu64 "\nHeapReleased  4194304\n"
		 "HeapObjects   453\nStackInuse    32768\nStackSys      65536\n"
		 "NextGC        4194304\nNumGC         %d\nMallocs       520\nFrees         42\n"
		 "TinyAllocs    11\n", heap_alloc, heap_alloc, 8388608 - inuse, inuse, numgc);
	put(dir, "memstats", buf);
}

static char fxdir[PATH_MAX];

static void rm_fixture(void)
{
	char cmd[PATH_MAX + 16];

	if (fxdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fxdir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", fxdir);
	}
}

/* The two-frame dump, once per process. */
static const char *fixture(void)
{
	char d[PATH_MAX + 8];

	if (fxdir[0])
		return fxdir;
	snprintf(fxdir, sizeof(fxdir), "%s/goalloc-top-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fxdir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(d, sizeof(d), "%s/0", fxdir);
	write_frame(d, fx0, 4, 89088, 14 * 8192, 7);
	snprintf(d, sizeof(d), "%s/1", fxdir);
	write_frame(d, fx1, 4, 199680, 27 * 8192, 8);
	return fxdir;
}

/* ---- helpers ---------------------------------------------------------- */

/* Render frame @frame (0: --once) or, with @json, the JSON document. */
static char *render(enum gtop_key key, int reverse, unsigned long frame, int json)
{
	static struct gtop_snap s;
	struct gtop_opts o = { .dir = fixture(), .replay = 1, .key = key, .reverse = reverse,
			       .interval = 2 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (gtop_read(&o, frame, &s))
		return NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (json)
		gtop_json(f, &s, &o);
	else
		gtop_frame(f, &s, &o, frame, 0);
	fclose(f);
	return text;
}

/*
 * The class column of the table's rows in @screen, in order, into @cls;
 * Return: how many (-1: no table header).
 */
static int class_rows(const char *screen, unsigned int *cls, int max)
{
	const char *p = strstr(screen, "CLASS ");
	int n = 0;

	if (!p)
		return -1;
	p = strchr(p, '\n');
	while (p && p[1] && n < max) {
		unsigned int c, size;

		p++;
		if (sscanf(p, "%u %u", &c, &size) != 2)
			break;
		cls[n++] = c;
		p = strchr(p, '\n');
	}
	return n;
}

/* The row of class @cls, from its first column on, or "". */
static const char *row_of(const char *screen, unsigned int cls, char *buf, size_t len)
{
	const char *p = strstr(screen, "CLASS ");
	char want[16];

	buf[0] = 0;
	snprintf(want, sizeof(want), "%u ", cls);
	while (p && (p = strchr(p, '\n'))) {
		const char *q = ++p;

		while (*q == ' ')
			q++;
		if (!strncmp(q, want, strlen(want))) {
			size_t l = strcspn(q, "\n");

			snprintf(buf, len, "%.*s", (int)(l < len ? l : len - 1), q);
			break;
		}
	}
	return buf;
}

/* Collapse runs of spaces, so rows compare independently of widths. */
static char *squeeze(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++)
		if (*r != ' ' || (w > s && w[-1] != ' '))
			*w++ = *r;
	while (w > s && w[-1] == ' ')
		w--;
	*w = 0;
	return s;
}

/* ---- the formatted frame and the JSON --------------------------------- */

TEST(once_frame_rows_and_every_sort_key)
{
	static const unsigned int want[GTOP_NKEYS][4] = {
		[GTOP_OBJECTS] = { 5, 33, 44, 10 },
		[GTOP_LIVE] = { 33, 5, 44, 10 },
		[GTOP_SPANS] = { 33, 5, 44, 10 },
		[GTOP_FRAG] = { 10, 44, 5, 33 },
		[GTOP_CLASS] = { 5, 10, 33, 44 },
	};
	unsigned int cls[16];
	char row[256];
	int k, i;

	for (k = 0; k < GTOP_NKEYS; k++) {
		char *t = render(k, 0, 0, 0);

		ASSERT_NE(NULL, t);
		EXPECT_EQ(NULL, strchr(t, '\033')) TH_LOG("--once must print no escape codes");
		EXPECT_EQ(NULL, strstr(t, "frame")) TH_LOG("--once has no frame counter");
		ASSERT_EQ(4, class_rows(t, cls, 16)) TH_LOG("%s", t);
		for (i = 0; i < 4; i++)
			EXPECT_EQ(want[k][i], cls[i]) TH_LOG("key %s row %d\n%s", gtop_keys[k], i, t);
		free(t);
		t = render(k, 1, 0, 0);
		ASSERT_NE(NULL, t);
		ASSERT_EQ(4, class_rows(t, cls, 16));
		for (i = 0; i < 4; i++)
			EXPECT_EQ(want[k][3 - i], cls[i]) TH_LOG("key %s reversed", gtop_keys[k]);
		free(t);
	}

	char *t = render(GTOP_LIVE, 0, 0, 0);
	const char *p;

	ASSERT_NE(NULL, t);
	/* class size objects live spans mcache partial full frag% */
	EXPECT_STREQ("33 1152 50 57600 8 1 0 7 12.1", squeeze((char *)row_of(t, 33, row, sizeof(row))));
	EXPECT_STREQ("5 48 400 19200 3 1 0 2 21.9", squeeze((char *)row_of(t, 5, row, sizeof(row))));
	EXPECT_STREQ("44 4096 3 12288 2 1 0 1 25.0", squeeze((char *)row_of(t, 44, row, sizeof(row))));
	EXPECT_STREQ("10 128 0 0 1 0 1 0 100.0", squeeze((char *)row_of(t, 10, row, sizeof(row))));
	EXPECT_STREQ("", row_of(t, 1, row, sizeof(row))) TH_LOG("an empty class is shown");
	EXPECT_NE(NULL, strstr(t, "goalloc top - sort: live\n"));
	EXPECT_NE(NULL, strstr(t, "\nHeap: alloc 87.0K  inuse 112.0K  sys 8.0M  released 4.0M  held 4.1M\n"
				  "      objects 453  stacks 32.0K/64.0K  NumGC 7  NextGC 4.0M\n"
				  "Small: live 87.0K in spans 112.0K, frag 22.3%; 3 spans cached, 0 unattributed\n"))
		TH_LOG("%s", t);
	EXPECT_NE(NULL, strstr(t, "\ncpu0      2    8      7     41        500         40       11       3       1\n"
				  "cpu1      1    -      2      0         20          2        0       0       0\n"))
		TH_LOG("%s", t);
	/* slabtop's width: no line over 80 columns */
	for (p = t; *p; p += strcspn(p, "\n") + !!p[strcspn(p, "\n")])
		EXPECT_GE(80, strcspn(p, "\n")) TH_LOG("%.*s", (int)strcspn(p, "\n"), p);
	/* The frame, as TAP comments. */
	for (p = t; *p; p += strcspn(p, "\n") + !!p[strcspn(p, "\n")])
		fprintf(stderr, "# %.*s\n", (int)strcspn(p, "\n"), p);
	free(t);
}

TEST(json_parses_and_adds_up)
{
	uint64_t cached = 0, live = 0, spanb = 0;
	struct gj *j, *t, *cpus, *cls;
	char *text;
	int i;

	text = render(GTOP_OBJECTS, 0, 0, 1);
	ASSERT_NE(NULL, text);
	j = gj_parse(text);
	ASSERT_NE(NULL, j) TH_LOG("not JSON:\n%s", text);
	t = gj_get(j, "totals");
	cpus = gj_get(j, "cpus");
	cls = gj_get(j, "classes");
	ASSERT_TRUE(t && t->type == GJ_OBJ && cpus && cpus->type == GJ_ARR && cls &&
		    cls->type == GJ_ARR);
	EXPECT_STREQ("objects", gj_get(j, "sort")->text);
	EXPECT_EQ(89088, gj_u64(t, "HeapAlloc"));
	EXPECT_EQ(14 * 8192, gj_u64(t, "HeapInuse"));
	EXPECT_EQ(7, gj_u64(t, "NumGC"));
	EXPECT_EQ(4194304, gj_u64(t, "NextGC"));
	EXPECT_EQ(gj_u64(t, "HeapSys") + gj_u64(t, "StackSys") - gj_u64(t, "HeapReleased"),
		  gj_u64(t, "held"));
	EXPECT_EQ(4259840, gj_u64(t, "held"));
	ASSERT_EQ(2, cpus->n);
	for (i = 0; i < cpus->n; i++)
		cached += gj_u64(cpus->kids[i], "spans_cached");
	EXPECT_EQ(cached, gj_u64(t, "spans_cached"));
	EXPECT_EQ(41, gj_u64(cpus->kids[0], "pagecache_free_pages"));
	EXPECT_EQ(GJ_BOOL, gj_get(cpus->kids[0], "tiny_block")->type);
	/* Every class of the file, sorted; each row consistent. */
	ASSERT_EQ(5, cls->n);
	for (i = 0; i < cls->n; i++) {
		struct gj *c = cls->kids[i];
		uint64_t sb = gj_u64(c, "spans") * gj_u64(c, "span_bytes");

		if (i)
			EXPECT_GE(gj_u64(cls->kids[i - 1], "objects"), gj_u64(c, "objects"));
		EXPECT_EQ(gj_u64(c, "objects") * gj_u64(c, "size"), gj_u64(c, "live_bytes"));
		EXPECT_EQ(gj_u64(c, "partial") + gj_u64(c, "full") + gj_u64(c, "mcache"),
			  gj_u64(c, "spans"));
		if (sb) {
			double f = 100.0 * (1 - (double)gj_u64(c, "live_bytes") / sb);

			EXPECT_TRUE(gj_num(c, "frag_pct") > f - 0.01 && gj_num(c, "frag_pct") < f + 0.01);
		}
		live += gj_u64(c, "live_bytes");
		spanb += sb;
	}
	EXPECT_EQ(live, gj_u64(t, "small_live_bytes"));
	EXPECT_EQ(spanb, gj_u64(t, "small_span_bytes"));
	EXPECT_EQ(89088, live);	/* no large objects in the dump */
	gj_free(j);
	free(text);

	/* The parser itself refuses what is not JSON. */
	EXPECT_EQ(NULL, gj_parse("{\"a\": 1,}"));
	EXPECT_EQ(NULL, gj_parse("{\"a\": 01}"));
	EXPECT_EQ(NULL, gj_parse("[1] 2"));
	j = gj_parse(" {\"a\": [true, null, -1.5e3, \"x\\\"y\"]} ");
	ASSERT_NE(NULL, j);
	gj_free(j);
}

TEST(replay_alternates_frames)
{
	char *t = render(GTOP_LIVE, 0, 1, 0), row[256];
	unsigned int cls[16];

	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, "goalloc top - frame 1, every 2.0s, sort: live"));
	ASSERT_EQ(4, class_rows(t, cls, 16));
	EXPECT_EQ(44, cls[0]);
	EXPECT_STREQ("44 4096 30 122880 15 1 0 14 0.0", squeeze((char *)row_of(t, 44, row, sizeof(row))));
	free(t);
	t = render(GTOP_LIVE, 0, 2, 0);
	ASSERT_NE(NULL, t);
	ASSERT_EQ(4, class_rows(t, cls, 16));
	EXPECT_EQ(33, cls[0]);
	free(t);
}

/* ---- the refreshing view in tmux -------------------------------------- */

static char sock[64];

/* Run a tmux command on our own server; Return: its output (free it). */
static char *tmux(const char *fmt, ...)
{
	char cmd[PATH_MAX * 2], *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	va_list ap;
	FILE *p, *m;
	int o;

	o = snprintf(cmd, sizeof(cmd), "env -u TMUX tmux -L %s -f /dev/null ", sock);
	va_start(ap, fmt);
	vsnprintf(cmd + o, sizeof(cmd) - o, fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return strdup("");
	m = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, m);
	pclose(p);
	fclose(m);
	return out;
}

/* Wait up to 10 s for the pane to show @want; Return: the screen (free it). */
static char *wait_screen(const char *want)
{
	char *s = NULL;
	int i;

	for (i = 0; i < 200; i++) {
		free(s);
		s = tmux("capture-pane -p -t gtop 2>/dev/null");
		if (strstr(s, want))
			return s;
		usleep(50000);
	}
	fprintf(stderr, "# timed out waiting for '%s'; the screen:\n%s\n", want, s);
	return s;
}

static void kill_tmux(void)
{
	if (sock[0])
		free(tmux("kill-server 2>/dev/null"));
}

TEST(refreshing_view_in_tmux)
{
	char self[PATH_MAX], *s, first[256], want[256];
	unsigned long last = 0;
	unsigned int cls[16];
	ssize_t n;
	int i, k;

	if (system("command -v tmux >/dev/null 2>&1"))
		SKIP(return, "no tmux on this host (scripts/deps.sh installs it)");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = 0;
	/*
	 * 80x24, the classic terminal: every line fits.  A shell around the view reports its exit
	 * status and keeps the pane alive, to look at the terminal after q.
	 */
	free(tmux("new-session -d -s gtop -x 80 -y 24 "
		  "\"'%s' --top --replay '%s' -d 0.3; echo exit=\\$?; exec sleep 60\"",
		  self, fixture()));

	/*
	 * Two frames in a row, whichever the capture catches (a busy host may
	 * miss one): frame N shows DIR/<(N - 1) mod 2>, redrawn in place.
	 */
	s = wait_screen("frame ");
	for (k = 0; k < 2; k++) {
		unsigned long frame = 0;
		const char *p = strstr(s, "frame ");
		int odd;

		ASSERT_NE(NULL, p) TH_LOG("the view never drew a frame");
		frame = strtoul(p + 6, NULL, 10);
		ASSERT_GE(frame, 1);
		ASSERT_GT(frame, last) TH_LOG("no redraw after frame %lu:\n%s", last, s);
		odd = frame % 2;
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(s, "\n"), s);
		snprintf(want, sizeof(want), "goalloc top - frame %lu, every 0.3s, sort: live   keys: o l n f c s r a q",
			 frame);
		EXPECT_STREQ(want, first);
		EXPECT_NE(NULL, strstr(s, odd ? "Heap: alloc 87.0K  inuse 112.0K" :
					     "Heap: alloc 195.0K  inuse 216.0K")) TH_LOG("%s", s);
		EXPECT_EQ(NULL, strstr(s, odd ? "195.0K" : "87.0K")) TH_LOG("stale: %s", s);
		ASSERT_EQ(4, class_rows(s, cls, 16)) TH_LOG("%s", s);
		EXPECT_EQ(odd ? 33 : 44, cls[0]) TH_LOG("%s", s);
		EXPECT_EQ(odd ? 5 : 33, cls[1]) TH_LOG("%s", s);
		last = frame;
		free(s);
		snprintf(want, sizeof(want), "frame %lu,", frame + 1);
		s = wait_screen(want);
	}
	free(s);

	/* Keys: c sorts by class, r reverses it. */
	free(tmux("send-keys -t gtop c"));
	s = wait_screen("sort: class ");
	ASSERT_EQ(4, class_rows(s, cls, 16)) TH_LOG("%s", s);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(fx0[i].cls, cls[i]) TH_LOG("%s", s);
	free(s);
	free(tmux("send-keys -t gtop r"));
	s = wait_screen("sort: class (reversed)");
	ASSERT_EQ(4, class_rows(s, cls, 16)) TH_LOG("%s", s);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(fx0[3 - i].cls, cls[i]) TH_LOG("%s", s);
	free(s);
	/* f: by fragmentation, still reversed: least fragmented first. */
	free(tmux("send-keys -t gtop f"));
	s = wait_screen("sort: frag (reversed)");
	ASSERT_EQ(4, class_rows(s, cls, 16)) TH_LOG("%s", s);
	/* DIR/1's class 44 fills its spans exactly (0.0%); DIR/0's is at 25% */
	EXPECT_EQ(strstr(s, "alloc 195.0K") ? 44 : 33, cls[0]) TH_LOG("%s", s);
	EXPECT_EQ(10, cls[3]);
	free(s);

	/* While it runs: the alternate screen, no cursor. */
	s = tmux("display-message -p -t gtop '#{alternate_on} #{cursor_flag}'");
	EXPECT_STREQ("1 0\n", s);
	free(s);

	/* q: exit 0, the shell's screen back, the cursor shown again. */
	free(tmux("send-keys -t gtop q"));
	s = wait_screen("exit=");
	EXPECT_NE(NULL, strstr(s, "exit=0")) TH_LOG("%s", s);
	EXPECT_EQ(NULL, strstr(s, "CLASS")) TH_LOG("the view's screen was left behind:\n%s", s);
	free(s);
	s = tmux("display-message -p -t gtop '#{alternate_on} #{cursor_flag}'");
	EXPECT_STREQ("0 1\n", s);
	free(s);
}

int main(int argc, char **argv)
{
	/* The view under test, as `goallocctl top` runs it. */
	if (argc > 1 && !strcmp(argv[1], "--top")) {
		struct gtop_opts o = { 0 };

		if (gtop_args(argc - 1, argv + 1, &o)) {
			gtop_usage(stderr);
			return 2;
		}
		return gtop_run(&o);
	}
	/*
	 * The dump and the tmux server belong to this process: the harness's
	 * children _exit() (no atexit), its parent exit()s.
	 */
	fixture();
	atexit(rm_fixture);
	snprintf(sock, sizeof(sock), "goalloc-top-test-%d", getpid());
	atexit(kill_tmux);
	return test_harness_run(argc, argv);
}
