/*
 * Unit tests of the trace writer's checks and rotation (viewer/file/):
 * a write that fails (here a file-size limit: EFBIG) is counted, cut
 * back to the last whole frame, and recorded as a loss the reader
 * reports; writing goes on once there is room; a rotated set reads back
 * as every frame written, once, and from a later part with its
 * restatement.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "file/trace.h"

static char dir[64];

/* A frame of one record of 256 bytes, its bytes all N. */
static void frame(struct sl_writer *w, uint32_t conn, int n)
{
	uint8_t rec[256];
	struct sl_hdr *h = (struct sl_hdr *)rec;

	memset(rec, n, sizeof(rec));
	h->size = sizeof(rec);
	h->type = SL_REC_CALL;
	sl_writer_frame(w, conn, rec, sizeof(rec));
}

static int count_frames(const char *path, struct sl_reader *r)
{
	struct sl_frame fr;
	const uint8_t *p;
	int n = 0;

	assert_int_equal(sl_reader_open(r, path), 0);
	while (sl_reader_next(r, &fr, &p) > 0)
		n++;
	return n;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sl-wtest-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_failed_writes_counted_and_recorded(void **state)
{
	struct sl_writer *w = malloc(sizeof(*w));
	struct rlimit old, lim;
	struct sl_reader r;
	char path[128];
	struct stat st;
	char gaps[256];
	int read_back;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.trace", dir);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 8192;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(sl_writer_open(w, path), 0);
	for (int i = 0; i < 100; i++) {
		frame(w, 1, i);
		sl_writer_flush(w);
	}
	assert_int_equal(w->failures, 1);
	assert_int_equal(w->err, EFBIG);
	assert_true(w->lost > 0 && w->lost < 100);
	/* Cut back to whole frames: the size is a header plus frames. */
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 8192);
	/* Room again: the rest is written after the loss record. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	for (int i = 0; i < 10; i++)
		frame(w, 1, i);
	assert_int_equal(sl_writer_flush(w), 0);
	assert_int_not_equal(sl_writer_close(w), 0);	/* it lost some */
	read_back = count_frames(path, &r);
	assert_false(r.torn);
	assert_int_equal((uint64_t)read_back, 110 - w->lost);
	assert_int_equal(r.gaps.lost, w->lost);
	assert_int_equal(r.gaps.lost_err, EFBIG);
	assert_true(sl_gaps_text(&r.gaps, 0, r.gaps.lost_first_ns, gaps,
				 sizeof(gaps)));
	assert_non_null(strstr(gaps, "records lost: file too large from +0.0s"));
	sl_reader_close(&r);
	free(w);
}

static int restated;

static void restate(void *ctx, struct sl_writer *w)
{
	(void)ctx;
	frame(w, 7, 0xEE);
	restated++;
}

static void test_rotated_set_reads_as_one(void **state)
{
	struct sl_writer_opts o = { .rot_size = 16384 };
	struct sl_writer *w = malloc(sizeof(*w));
	struct sl_reader r;
	char path[128], part[160];
	struct stat st;
	uint32_t parts = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/r.trace", dir);
	restated = 0;
	assert_int_equal(sl_writer_open_opts(w, path, &o), 0);
	w->restate = restate;
	for (int i = 0; i < 300; i++)
		frame(w, 1, i);
	assert_int_equal(sl_writer_close(w), 0);
	for (;; parts++) {
		sl_part_name(part, sizeof(part), path, parts);
		if (stat(part, &st))
			break;
		assert_true(st.st_size <= 16384);
	}
	assert_true(parts >= 4);
	assert_int_equal(restated, (int)parts - 1);
	/* By the set's name: every frame once, no restatement. */
	assert_int_equal(count_frames(path, &r), 300);
	assert_false(r.torn);
	assert_false(r.gaps.first_part);
	sl_reader_close(&r);
	/* From part 2: its restatement first, parts 0-1 said gone. */
	sl_part_name(part, sizeof(part), path, 2);
	assert_true(count_frames(part, &r) > 1);
	assert_int_equal(r.gaps.first_part, 2);
	sl_reader_close(&r);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_writes_counted_and_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_set_reads_as_one, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
