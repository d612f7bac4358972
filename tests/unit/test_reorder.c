/*
 * Unit tests of the reorder stage (viewer/order/reorder.c): records of several
 * interleaved streams, each in order, come out in time order across many
 * of its storage blocks; a record older than the window leaves as soon as
 * a newer one shows it must; ties keep arrival order; a hello sets a floor
 * for the calls its connection had buffered, and sorts at its image's
 * start; a module record sorts by its time and releases nothing. (Leaks
 * of its blocks show in the sanitizer build.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "order/reorder.h"
#include "records.h"

struct seen {
	uint64_t n;
	uint64_t last_ts;
	bool ordered;
	uint64_t order[16];	/* the first records' tids */
};

static void apply(void *ctx, uint32_t conn, const struct sl_hdr *h)
{
	struct seen *s = ctx;

	(void)conn;
	if (h->ts_ns < s->last_ts)
		s->ordered = false;
	s->last_ts = h->ts_ns;
	if (s->n < 16)
		s->order[s->n] = h->tid;
	s->n++;
}

static void push_call(struct sl_reorder *r, uint32_t tid, uint64_t ts)
{
	struct sl_rec_call c;

	rec_call(&c, SL_CALL_SEND, 0, 0, 0, ts);
	c.h.tid = tid;
	sl_reorder_push(r, 1, &c.h);
}

/* 8 streams, each in time order, interleaved in bursts as batches of
 * threads arrive: 400k records, about 48 MB, across many blocks. */
static void test_streams_merge_in_order(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };
	uint64_t next[8];

	(void)state;
	for (int t = 0; t < 8; t++)
		next[t] = 1000 + (uint64_t)t;
	sl_reorder_init(&r, SL_REORDER_WINDOW_NS, apply, &s);
	srand(7);
	for (int sent = 0; sent < 400000;) {
		int t = rand() % 8, burst = 1 + rand() % 64;

		for (int i = 0; i < burst && sent < 400000; i++, sent++) {
			push_call(&r, (uint32_t)t, next[t]);
			next[t] += 8 * (uint64_t)(1 + rand() % 100);
		}
	}
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 400000);
	assert_true(s.ordered);
}

static void push_call_on(struct sl_reorder *r, uint32_t conn, uint32_t tid,
			 uint64_t ts)
{
	struct sl_rec_call c;

	rec_call(&c, SL_CALL_SEND, 0, 0, 0, ts);
	c.h.tid = tid;
	sl_reorder_push(r, conn, &c.h);
}

static void push_hello(struct sl_reorder *r, uint32_t conn, uint32_t tid,
		       uint64_t ts, uint64_t mono, uint32_t flags)
{
	struct sl_rec_hello h;

	rec_hello(&h, 1, 0, flags, ts);
	h.h.tid = tid;
	h.mono_ns = mono;
	sl_reorder_push(r, conn, &h.h);
}

static void test_window_releases_ties_keep_order(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_call(&r, 1, 5000);
	push_call(&r, 2, 5500);
	assert_int_equal(s.n, 0);		/* both within the window */
	push_call(&r, 3, 6200);			/* 5000 is now too old */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.order[0], 1);
	push_call(&r, 4, 6200);			/* a tie keeps arrival order */
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.order[1], 2);
	assert_int_equal(s.order[2], 3);
	assert_int_equal(s.order[3], 4);
}

/*
 * A fork child's hello (5600) comes before the calls its threads had
 * buffered while it connected (5200): they go after it, and after another
 * process's call of 5500, but nothing is released early for it. A new
 * program's hello sorts at its image's start (mono_ns), so its first
 * calls keep their own times.
 */
static void test_hello_floors_its_connection(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_call_on(&r, 1, 1, 5500);
	push_hello(&r, 2, 9, 5600, 10, SL_HELLO_FORKED);
	assert_int_equal(s.n, 0);		/* nothing goes early */
	push_call_on(&r, 2, 2, 5200);		/* buffered while connecting */
	push_hello(&r, 3, 8, 5700, 5100, 0);	/* a new program */
	push_call_on(&r, 3, 3, 5150);
	push_call_on(&r, 1, 4, 5300);		/* late, within the window */
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.order[0], 8);	/* 5100: the new program */
	assert_int_equal(s.order[1], 3);	/* 5150 */
	assert_int_equal(s.order[2], 4);	/* 5300 */
	assert_int_equal(s.order[3], 1);	/* 5500 */
	assert_int_equal(s.order[4], 9);	/* 5600: the child's hello */
	assert_int_equal(s.order[5], 2);	/* ... then its buffered call */
}

/*
 * A module record after a dlopen is stamped when it is sent, ahead of the
 * batch whose calls it names: it sorts by its time like a call and
 * releases nothing, so another thread's older record still arriving goes
 * in order (it used to release 5000 and 5500 before 5100 came).
 */
static void test_module_releases_nothing(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };
	struct sl_rec_module md;

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_call_on(&r, 1, 1, 5000);
	push_call_on(&r, 1, 2, 5500);
	rec_module(&md, 0x1000, 0x2000, 5600, "/lib/x.so");
	md.h.tid = 9;
	sl_reorder_push(&r, 1, &md.h);
	assert_int_equal(s.n, 0);
	push_call_on(&r, 1, 3, 5100);		/* another thread, late */
	push_call_on(&r, 1, 9, 5400);		/* the batch the map names */
	sl_reorder_finish(&r);
	assert_true(s.ordered);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.order[1], 3);
	assert_int_equal(s.order[2], 9);
	assert_int_equal(s.order[4], 9);	/* the module, at 5600 */
}

/* The collector's note of a new connection carries the collector's time,
 * later than the process's first calls: it goes at once and releases
 * nothing, so a call it would have jumped stays in order. */
static void test_conn_releases_nothing(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };
	struct sl_rec_conn c;

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_call(&r, 1, 5300);			/* another process's call */
	rec_conn(&c, 20);
	c.h.ts_ns = 5400;
	sl_reorder_push(&r, 2, &c.h);
	assert_int_equal(s.n, 1);		/* only the note itself */
	push_call(&r, 2, 5200);			/* the new process's first call */
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.order[1], 2);	/* 5200 before 5300 */
	assert_int_equal(s.order[2], 1);
}

/* The module map sent with a hello (stamped with its time) is part of
 * the introduction: it sorts with the hello, before the calls the
 * process made before it connected, which it names. */
static void test_intro_module_sorts_with_hello(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = false };
	struct sl_rec_module md;

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_hello(&r, 1, 9, 5600, 5000, 0);
	rec_module(&md, 0x1000, 0x2000, 5600, "/lib/x.so");
	md.h.tid = 8;
	sl_reorder_push(&r, 1, &md.h);
	push_call_on(&r, 1, 1, 5200);
	push_call_on(&r, 1, 2, 5590);
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.order[0], 9);
	assert_int_equal(s.order[1], 8);
	assert_int_equal(s.order[2], 1);
	assert_int_equal(s.order[3], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams_merge_in_order),
		cmocka_unit_test(test_window_releases_ties_keep_order),
		cmocka_unit_test(test_hello_floors_its_connection),
		cmocka_unit_test(test_module_releases_nothing),
		cmocka_unit_test(test_intro_module_sorts_with_hello),
		cmocka_unit_test(test_conn_releases_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
