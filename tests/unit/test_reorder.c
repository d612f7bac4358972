/*
 * Unit tests of the reorder stage (viewer/reorder.c): records of several
 * interleaved streams, each in order, come out in time order across many
 * of its storage blocks; a record older than the window leaves as soon as
 * a newer one shows it must; a setup record releases what is older and
 * goes at once; ties keep arrival order. (Leaks of its blocks show in
 * the sanitizer build.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reorder.h"

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

	memset(&c, 0, sizeof(c));
	c.h = (struct sl_hdr){ .size = sizeof(c), .type = SL_REC_CALL,
			       .version = SL_WIRE_VERSION, .tid = tid,
			       .ts_ns = ts };
	c.call = SL_CALL_SEND;
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

static void test_window_releases_and_setup_goes_first(void **state)
{
	struct sl_reorder r;
	struct seen s = { .ordered = true };
	struct sl_rec_hello h;

	(void)state;
	sl_reorder_init(&r, 1000, apply, &s);
	push_call(&r, 1, 5000);
	push_call(&r, 2, 5500);
	assert_int_equal(s.n, 0);		/* both within the window */
	push_call(&r, 3, 6200);			/* 5000 is now too old */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.order[0], 1);
	memset(&h, 0, sizeof(h));
	h.h = (struct sl_hdr){ .size = sizeof(h), .type = SL_REC_HELLO,
			       .version = SL_WIRE_VERSION, .tid = 9,
			       .ts_ns = 5600 };
	sl_reorder_push(&r, 2, &h.h);		/* releases 5500, then itself */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.order[1], 2);
	assert_int_equal(s.order[2], 9);
	push_call(&r, 4, 6200);			/* a tie keeps arrival order */
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.order[3], 3);
	assert_int_equal(s.order[4], 4);
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
	memset(&c, 0, sizeof(c));
	c.h = (struct sl_hdr){ .size = sizeof(c), .type = SL_REC_CONN,
			       .version = SL_WIRE_VERSION, .ts_ns = 5400 };
	sl_reorder_push(&r, 2, &c.h);
	assert_int_equal(s.n, 1);		/* only the note itself */
	push_call(&r, 2, 5200);			/* the new process's first call */
	sl_reorder_finish(&r);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.order[1], 2);	/* 5200 before 5300 */
	assert_int_equal(s.order[2], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams_merge_in_order),
		cmocka_unit_test(test_window_releases_and_setup_goes_first),
		cmocka_unit_test(test_conn_releases_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
