// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of `goallocctl top` on the live module (TAP on stdout), run in
 * the guest by make check: it allocates known objects through /dev/goalloc
 * and runs the real goallocctl (the guest's /bin/goallocctl, or
 * $GOALLOCCTL, or the one next to this program) with --once, --json and
 * the hidden --record/--replay, and checks the class it allocated from:
 * objects and live bytes move by exactly what it allocated and freed, the
 * JSON parses and adds up (spans, fragmentation, held, CPUs) and agrees
 * with the MEMSTATS ioctl, and the frame has no terminal control codes.
 * Needs root, goalloc.ko and debugfs; skips without the device or debugfs.
 * tools/testing/goalloc/goallocctl_top_test.c tests the refreshing view.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "goalloc_dev.h"
#include "goalloc_json.h"
#include "kselftest_harness.h"

#define DEBUGFS		"/sys/kernel/debug/goalloc"
/* 1152 B: class 33, 7 objects per 8 KiB span; nothing in the guest uses it. */
#define OBJ_SIZE	1152
#define OBJ_CLASS	33
#define OBJ_PER_SPAN	7
#define NOBJ		50

static char ctl[PATH_MAX];

/* Where goallocctl is; "" if nowhere. */
static const char *find_ctl(void)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (getenv("GOALLOCCTL")) {
		snprintf(ctl, sizeof(ctl), "%s", getenv("GOALLOCCTL"));
		return ctl;
	}
	if (!access("/bin/goallocctl", X_OK)) {
		snprintf(ctl, sizeof(ctl), "/bin/goallocctl");
		return ctl;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(ctl, sizeof(ctl), "%.*s/goallocctl", PATH_MAX - 16, self);
			if (!access(ctl, X_OK))
				return ctl;
		}
	}
	ctl[0] = 0;
	return ctl;
}

/*
 * Run goallocctl with @args (NULL-terminated, after "goallocctl"); *@out:
 * its stdout (free it).  Return: its exit status, or -1.
 */
static int run_ctl_q(char **out, const char *const *args, int quiet)
{
	const char *argv[16] = { ctl };
	size_t len = 0, cap = 1 << 16;
	int pfd[2], st, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	*out = malloc(cap);
	if (!*out || pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, STDERR_FILENO);
		}
		close(pfd[0]);
		close(pfd[1]);
		execv(ctl, (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 1 == cap) {
			char *more = realloc(*out, cap * 2);

			if (!more)
				break;
			*out = more;
			cap *= 2;
		}
		n = read(pfd[0], *out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	(*out)[len] = 0;
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_ctl(char **out, const char *const *args)
{
	return run_ctl_q(out, args, 0);
}

/* @text as TAP comment lines (TH_LOG prefixes only its first line). */
static void log_lines(const char *title, const char *text)
{
	const char *p = text;

	fprintf(stderr, "# %s\n", title);
	while (*p) {
		int len = strcspn(p, "\n");

		fprintf(stderr, "# %.*s\n", len, p);
		p += len + !!p[len];
	}
}

/* `top --json` parsed; the class @cls's entry in *@cls_out. */
static struct gj *top_json(struct __test_metadata *_metadata, unsigned int cls,
			   struct gj **cls_out)
{
	static const char *const args[] = { "top", "--json", NULL };
	struct gj *j, *classes;
	char *out;
	int i;

	*cls_out = NULL;
	EXPECT_EQ(0, run_ctl(&out, args));
	j = gj_parse(out);
	EXPECT_NE(NULL, j) TH_LOG("top --json is not JSON:\n%s", out);
	free(out);
	if (!j)
		return NULL;
	classes = gj_get(j, "classes");
	if (classes && classes->type == GJ_ARR)
		for (i = 0; i < classes->n; i++)
			if (gj_u64(classes->kids[i], "class") == cls)
				*cls_out = classes->kids[i];
	return j;
}

/* The columns of class @cls's row in a --once frame; 0 if not found. */
static int once_row(const char *frame, unsigned int cls, uint64_t *objects, uint64_t *live,
		    unsigned int *spans)
{
	const char *p = strstr(frame, "\nCLASS ");

	while (p && (p = strchr(p + 1, '\n'))) {
		unsigned int c, size;

		if (sscanf(p + 1, "%u %u %" SCNu64 " %" SCNu64 " %u", &c, &size, objects, live,
			   spans) == 5 && c == cls)
			return 1;
	}
	return 0;
}

FIXTURE(top) {
	int fd;
	uint64_t h[NOBJ];
	int n;
};

FIXTURE_SETUP(top)
{
	struct stat st;

	self->n = 0;
	self->fd = gdev_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, GOALLOC_DEV " missing: goalloc.ko not loaded");
	ASSERT_LE(0, self->fd) TH_LOG("open " GOALLOC_DEV ": %s", strerror(errno));
	if (stat(DEBUGFS "/sizeclasses", &st))
		SKIP(return, DEBUGFS " missing: debugfs not mounted");
	ASSERT_NE(0, find_ctl()[0]) TH_LOG("no goallocctl: set GOALLOCCTL");
}

FIXTURE_TEARDOWN(top)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Allocate NOBJ objects of class OBJ_CLASS, half of them noscan. */
static void alloc_objs(struct __test_metadata *_metadata, FIXTURE_DATA(top) *self)
{
	struct goalloc_ioc_batch_op ops[NOBJ];
	struct goalloc_ioc_batch b;
	int i;

	for (i = 0; i < NOBJ; i++)
		ops[i] = (struct goalloc_ioc_batch_op){
			.op = GOALLOC_IOC_BATCH_ALLOC, .bytes = OBJ_SIZE - (i % 3),
			.flags = i & 1 ? GOALLOC_IOC_F_NOSCAN : 0 };
	ASSERT_EQ(0, gdev_batch(self->fd, ops, NOBJ, &b));
	ASSERT_EQ(NOBJ, b.done);
	for (i = 0; i < NOBJ; i++)
		self->h[i] = ops[i].handle;
	self->n = NOBJ;
}

TEST_F(top, json_counts_what_was_allocated)
{
	struct gj *j0, *j, *c0, *c, *t, *cpus, *classes;
	uint64_t o0, live = 0, spanb = 0, cached = 0;
	struct goalloc_ioc_memstats m;
	int i;

	/*
	 * Drained caches: the class's cached span is the one we fill.  And no
	 * free page left, so the scavenger has nothing to give back between
	 * the two snapshots below (RELEASE drains, sweeps and returns them).
	 */
	ASSERT_EQ(0, gdev_release(self->fd, NULL));
	j0 = top_json(_metadata, OBJ_CLASS, &c0);
	ASSERT_NE(NULL, c0);
	o0 = gj_u64(c0, "objects");
	alloc_objs(_metadata, self);

	j = top_json(_metadata, OBJ_CLASS, &c);
	ASSERT_EQ(0, gdev_stats(self->fd, &m));
	ASSERT_NE(NULL, c);
	t = gj_get(j, "totals");
	cpus = gj_get(j, "cpus");
	classes = gj_get(j, "classes");
	ASSERT_TRUE(t && t->type == GJ_OBJ && cpus && cpus->type == GJ_ARR && classes &&
		    classes->type == GJ_ARR);
	EXPECT_EQ(OBJ_SIZE, gj_u64(c, "size"));
	EXPECT_EQ(OBJ_PER_SPAN, gj_u64(c, "objs_per_span"));
	EXPECT_EQ(o0 + NOBJ, gj_u64(c, "objects"));
	EXPECT_EQ((o0 + NOBJ) * OBJ_SIZE, gj_u64(c, "live_bytes"));
	EXPECT_EQ(gj_u64(c0, "mallocs") + NOBJ, gj_u64(c, "mallocs"));
	EXPECT_GE(gj_u64(c, "spans"), (o0 + NOBJ + OBJ_PER_SPAN - 1) / OBJ_PER_SPAN);
	/* Nothing else allocates in the guest now: the ioctl agrees. */
	EXPECT_EQ(m.heap_alloc, gj_u64(t, "HeapAlloc"));
	EXPECT_EQ(m.heap_inuse, gj_u64(t, "HeapInuse"));
	EXPECT_EQ(m.heap_sys, gj_u64(t, "HeapSys"));
	EXPECT_EQ(m.heap_released, gj_u64(t, "HeapReleased"));
	EXPECT_EQ(m.num_gc, gj_u64(t, "NumGC"));
	EXPECT_EQ(m.next_gc, gj_u64(t, "NextGC"));
	EXPECT_EQ(m.heap_sys + m.stack_sys - m.heap_released, gj_u64(t, "held"));
	EXPECT_EQ(get_nprocs_conf(), cpus->n);
	for (i = 0; i < cpus->n; i++)
		cached += gj_u64(cpus->kids[i], "spans_cached");
	EXPECT_EQ(cached, gj_u64(t, "spans_cached"));
	EXPECT_GE(cached, 1);
	for (i = 0; i < classes->n; i++) {
		struct gj *k = classes->kids[i];
		uint64_t sb = gj_u64(k, "spans") * gj_u64(k, "span_bytes");

		EXPECT_EQ(gj_u64(k, "objects") * gj_u64(k, "size"), gj_u64(k, "live_bytes"));
		EXPECT_EQ(gj_u64(k, "partial") + gj_u64(k, "full") + gj_u64(k, "mcache"),
			  gj_u64(k, "spans"));
		if (sb) {
			double f = 100.0 * (1 - (double)gj_u64(k, "live_bytes") / sb);

			EXPECT_TRUE(gj_num(k, "frag_pct") > f - 0.01 &&
				    gj_num(k, "frag_pct") < f + 0.01) TH_LOG("class %u", i);
		}
		/* sorted by live bytes, the default */
		if (i)
			EXPECT_GE(gj_u64(classes->kids[i - 1], "live_bytes"),
				  gj_u64(k, "live_bytes"));
		live += gj_u64(k, "live_bytes");
		spanb += sb;
	}
	EXPECT_EQ(live, gj_u64(t, "small_live_bytes"));
	EXPECT_EQ(spanb, gj_u64(t, "small_span_bytes"));
	/* Small objects are part of HeapAlloc, and live within HeapInuse. */
	EXPECT_LE(live, m.heap_alloc);
	EXPECT_LE(spanb, m.heap_inuse);
	gj_free(j);

	/* Freed: the class is back where it was. */
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(0, gdev_free(self->fd, self->h[i]));
	self->n = 0;
	j = top_json(_metadata, OBJ_CLASS, &c);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(o0, gj_u64(c, "objects"));
	EXPECT_EQ(gj_u64(c0, "frees") + NOBJ, gj_u64(c, "frees"));
	gj_free(j);
	gj_free(j0);
}

TEST_F(top, once_frame_shows_the_class)
{
	static const char *const by_objects[] = { "top", "--once", "-s", "objects", NULL };
	uint64_t objects0 = 0, live0 = 0, objects, live, prev = UINT64_MAX;
	unsigned int spans;
	char *out;
	const char *p;

	ASSERT_EQ(0, run_ctl(&out, by_objects));
	/* The class may have no row when nothing of it is live. */
	once_row(out, OBJ_CLASS, &objects0, &live0, &spans);
	free(out);
	alloc_objs(_metadata, self);

	ASSERT_EQ(0, run_ctl(&out, by_objects));
	EXPECT_EQ(NULL, strchr(out, '\033')) TH_LOG("--once printed a control code");
	EXPECT_EQ(0, strncmp(out, "goalloc top - sort: objects\nHeap: alloc ", 40)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\ncpu0 "));
	ASSERT_TRUE(once_row(out, OBJ_CLASS, &objects, &live, &spans)) TH_LOG("%s", out);
	EXPECT_EQ(objects0 + NOBJ, objects);
	EXPECT_EQ(live0 + NOBJ * OBJ_SIZE, live);
	EXPECT_GE(spans, (objects + OBJ_PER_SPAN - 1) / OBJ_PER_SPAN);
	/* rows by objects, most first */
	for (p = strstr(out, "\nCLASS "); p && (p = strchr(p + 1, '\n'));) {
		unsigned int c, size;
		uint64_t o;

		if (sscanf(p + 1, "%u %u %" SCNu64, &c, &size, &o) != 3)
			break;
		EXPECT_GE(prev, o);
		prev = o;
	}
	/* What it looks like, for the log. */
	log_lines("goallocctl top --once -s objects, with the test's 50 objects of 1152 B:", out);
	free(out);
}

TEST_F(top, record_and_replay)
{
	static const char *const rec[] = { "top", "--record", "/tmp/goalloc-top-rec", NULL };
	static const char *const rep[] = { "top", "--replay", "/tmp/goalloc-top-rec", "--once",
					   NULL };
	uint64_t objects0 = 0, live0 = 0, objects = 0, live = 0;
	unsigned int spans;
	char *out;

	alloc_objs(_metadata, self);
	ASSERT_EQ(0, run_ctl(&out, (const char *const[]){ "top", "--once", NULL }));
	ASSERT_TRUE(once_row(out, OBJ_CLASS, &objects0, &live0, &spans));
	free(out);
	ASSERT_EQ(0, run_ctl(&out, rec));
	free(out);
	ASSERT_EQ(0, run_ctl(&out, rep));
	ASSERT_TRUE(once_row(out, OBJ_CLASS, &objects, &live, &spans)) TH_LOG("%s", out);
	EXPECT_EQ(objects0, objects);
	EXPECT_EQ(live0, live);
	free(out);
	if (system("rm -rf /tmp/goalloc-top-rec"))
		TH_LOG("could not remove /tmp/goalloc-top-rec");
}

TEST_F(top, bad_arguments)
{
	static const char *const bad[][4] = {
		{ "top", "-s", "bogus", NULL },
		{ "top", "--once", "--json", NULL },
		{ "top", "-d", "0", NULL },
		{ "top", "--frobnicate", NULL },
	};
	unsigned int i;
	char *out;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(2, run_ctl_q(&out, bad[i], 1)) TH_LOG("%s %s", bad[i][1], bad[i][2] ?: "");
		free(out);
	}
}

TEST_HARNESS_MAIN
