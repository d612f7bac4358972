/*
 * Unit tests of the lanes (include/socklens/ring.h): the preload's real
 * record path (preload/buffer.c, sl_rec_begin and sl_rec_done) against
 * the collector's consumer (viewer/intake/ring_reader.c) on one real memfd of 128 KiB
 * (16 lanes of 4 KiB, a shared area of 64 KiB).
 *
 * A thread claims the lowest free lane with its first record; a record is
 * invisible until sl_rec_done publishes it; records wrap the lane with a
 * pad, lap after lap; a full lane is given back for another with room,
 * and with none left records go to the shared area; a record begun inside another (a signal
 * handler) goes to the shared area; a thread's lane is given back when
 * it ends and the next thread continues at its head; threads beyond the
 * lanes use the shared area; an abandoned memory counts what its lanes
 * held; eight threads at once lose nothing and keep their order; and the
 * consumer refuses every lie a process can write into a lane.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <socklens/ring.h>

#include "preload.h"
#include "intake/intake.h"

#define TS0 (1000ull * 1000 * 1000 * 1000)
#define LANE 4096u

struct pair {
	struct sl_ring_hdr *r;		/* the producer's mapping */
	struct sl_ring_view v;		/* the consumer's */
	char why[128];
};

static void make_pair(struct pair *p)
{
	int fd;

	sl_cfg.collect = true;
	sl_cfg.ring_bytes = sl_ring_size("128");
	p->r = sl_ring_create(&fd);
	assert_non_null(p->r);
	assert_int_equal(p->r->lanes, 16);
	assert_int_equal(p->r->lane_size, LANE);
	assert_int_equal(sl_ring_map(&p->v, fd, p->r->data_size, p->why,
				     sizeof(p->why)), 0);
	close(fd);
	sl_ring_beat(&p->v, TS0);
	sl_ring_publish(p->r);
}

static void free_pair(struct pair *p)
{
	sl_ring_abandon();
	sl_ring_after_fork();	/* unmaps it, forgets the abandoned count */
	/* As a fork child does: this thread's lane was in it. (The next
	 * memory may be mapped at the same address.) */
	sl_buffer_after_fork();
	sl_ring_unmap(&p->v);
}

static struct sl_lane *lane(struct pair *p, uint32_t i)
{
	return (struct sl_lane *)((char *)p->r + SL_RING_DATA_OFF) + i;
}

static char *lane_area(struct pair *p, uint32_t i)
{
	return (char *)p->r + sl_ring_shared_off(p->r->lanes) +
	       p->r->shared_size + (uint64_t)i * LANE;
}

/* One record of SIZE bytes (a multiple of 8, at least 24) carrying SEQ
 * after its header, through the real record path, stamped within a few
 * milliseconds of the collector's heartbeat (TS0). */
static void record_at(size_t size, uint64_t seq, uint64_t ts)
{
	char *r = sl_rec_begin(size, SL_REC_CALL, ts);

	assert_non_null(r);
	memcpy(r + 16, &seq, sizeof(seq));
	memset(r + 24, (int)(seq & 0xff), size - 24);
	sl_rec_done(ts);
}

static void record(size_t size, uint64_t seq)
{
	record_at(size, seq, TS0 + (seq & 0xffff));
}

/* Every record the consumer has now, in order, checked whole: their
 * count; their seqs into SEQS (room for CAP), their tids into TIDS. */
static int read_all(struct pair *p, uint64_t *seqs, uint32_t *tids, int cap)
{
	uint64_t buf[SL_BATCH_MAX / 8];
	int n, got = 0;

	while ((n = sl_ring_next(&p->v, buf, p->why, sizeof(p->why))) > 0) {
		for (int off = 0; off < n;) {
			struct sl_hdr *h = (struct sl_hdr *)((char *)buf + off);
			uint64_t seq;

			assert_true(h->size >= 24 && off + h->size <= n);
			assert_int_equal(h->version, SL_WIRE_VERSION);
			memcpy(&seq, (char *)h + 16, sizeof(seq));
			for (int i = 24; i < h->size; i++)
				assert_int_equal(((uint8_t *)h)[i], seq & 0xff);
			assert_true(got < cap);
			seqs[got] = seq;
			if (tids)
				tids[got] = h->tid;
			got++;
			off += h->size;
		}
	}
	assert_int_equal(n, 0);
	return got;
}

/* The first record claims lane 0; it is not there until published. */
static void test_claim_and_publish(void **state)
{
	struct pair p;
	uint64_t seqs[4];
	char *r;

	(void)state;
	make_pair(&p);
	r = sl_rec_begin(120, SL_REC_CALL, TS0);
	assert_non_null(r);
	memset(r + 16, 0, 120 - 16);
	assert_int_equal(lane(&p, 0)->owner, (uint32_t)sl_gettid());
	assert_int_equal(p.r->lanes_used, 1);
	assert_int_equal(read_all(&p, seqs, NULL, 4), 0);
	sl_rec_done(TS0);
	assert_int_equal(lane(&p, 0)->head, 120);
	assert_int_equal(read_all(&p, seqs, NULL, 4), 1);
	assert_int_equal(lane(&p, 0)->tail, 120);
	free_pair(&p);
}

/* Sizes that do not divide the lane: pads at the ends, twenty laps, every
 * record whole and in order. */
static void test_wrap_with_pads(void **state)
{
	struct pair p;
	uint64_t seqs[8];
	uint64_t seq = 0;
	bool padded = false;

	(void)state;
	make_pair(&p);
	while (lane(&p, 0)->head < 20 * LANE) {
		for (int i = 0; i < 5; i++, seq++) {
			uint64_t before = lane(&p, 0)->head;
			size_t size = seq % 3 ? 120 : 376;

			record(size, seq);
			padded |= lane(&p, 0)->head - before != size;
		}
		assert_int_equal(read_all(&p, seqs, NULL, 8), 5);
		for (int i = 0; i < 5; i++)
			assert_int_equal(seqs[i], seq - 5 + (uint64_t)i);
	}
	assert_true(padded);
	assert_int_equal(lane(&p, 0)->tail, lane(&p, 0)->head);
	free_pair(&p);
}

/* A record that ends exactly at the end of the lane's area needs no
 * pad: the next starts the next lap, and the consumer reads across. */
static void test_record_ends_at_lap_end(void **state)
{
	struct pair p;
	uint64_t seqs[40];

	(void)state;
	make_pair(&p);
	for (uint64_t s = 0; s < 31; s++)
		record(128, s);
	assert_int_equal(read_all(&p, seqs, NULL, 40), 31);
	record(128, 31);	/* ends at 4096 */
	record(128, 32);	/* at 0 of the next lap */
	/* What lies past the end of the area (the next lane's records) is
	 * not read as this lane's. */
	((struct sl_hdr *)lane_area(&p, 1))->size = 120;
	((struct sl_hdr *)lane_area(&p, 1))->type = SL_REC_CALL;
	assert_int_equal(lane(&p, 0)->head, LANE + 128);
	assert_int_equal(read_all(&p, seqs, NULL, 40), 2);
	assert_int_equal(seqs[0], 31);
	assert_int_equal(seqs[1], 32);
	free_pair(&p);
}

/* With the collector not reading, a full lane is given back and the
 * thread moves to the next free lane with room; with none left, records
 * go to the shared area. Nothing is lost, and once the collector has read
 * them the lanes take records again. */
static void test_full_lane_moves_on_then_shared(void **state)
{
	enum { PER_LANE = LANE / 120, N = 16 * PER_LANE + 50 };
	static uint64_t seqs[N + 1];
	struct pair p;
	int n;

	(void)state;
	make_pair(&p);
	for (uint64_t s = 0; s < N; s++)
		record(120, s);
	for (uint32_t i = 0; i < 16; i++) {
		assert_int_equal(lane(&p, i)->head, PER_LANE * 120);
		assert_int_equal(lane(&p, i)->owner, 0);
	}
	assert_true(p.r->head >= 50 * 128);	/* the shared area took 50 */
	n = read_all(&p, seqs, NULL, N + 1);
	assert_int_equal(n, N);
	/* The shared area is read first: the latest records come first. */
	assert_int_equal(seqs[0], 16 * PER_LANE);
	assert_int_equal(seqs[50], 0);
	/* The thread looks for a lane again at its next look (10 ms on):
	 * lane 0, a pad to the end of its lap, then the record. */
	record_at(120, N, TS0 + 20 * 1000 * 1000);
	assert_int_equal(lane(&p, 0)->head, LANE + 120);
	assert_int_equal(read_all(&p, seqs, NULL, N + 1), 1);
	assert_int_equal(seqs[0], N);
	free_pair(&p);
}

/* A record begun while this thread writes one (a signal handler) does
 * not touch the lane: it goes through the shared area, whole. */
static void test_nested_record_goes_shared(void **state)
{
	struct pair p;
	uint64_t seqs[4], seq = 1;
	char *outer;

	(void)state;
	make_pair(&p);
	outer = sl_rec_begin(120, SL_REC_CALL, TS0);
	assert_non_null(outer);
	memcpy(outer + 16, &seq, sizeof(seq));
	memset(outer + 24, 1, 120 - 24);
	record(64, 2);			/* the handler's */
	assert_int_equal(lane(&p, 0)->head, 0);
	assert_true(p.r->head > 0);
	sl_rec_done(TS0);
	assert_int_equal(lane(&p, 0)->head, 120);
	assert_int_equal(read_all(&p, seqs, NULL, 4), 2);
	assert_int_equal(seqs[0], 2);
	assert_int_equal(seqs[1], 1);
	free_pair(&p);
}

struct job {
	uint64_t first, count;
	pthread_barrier_t *hold;	/* wait here before ending, if set */
	uint64_t *read;			/* if set: how many the reader has;
					 * stay at most 20 ahead of it */
};

static void *writer(void *arg)
{
	struct job *j = arg;

	for (uint64_t s = j->first; s < j->first + j->count; s++) {
		while (j->read && s - j->first -
		       __atomic_load_n(j->read, __ATOMIC_ACQUIRE) > 20)
			sched_yield();
		record(120, s);
	}
	if (j->hold)
		pthread_barrier_wait(j->hold);
	return NULL;
}

static void run_thread(struct job *j)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, writer, j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* A thread that ends gives its lane back; the next thread claims it (the
 * lowest free) and continues at its head: the consumer reads on without
 * a gap. */
static void test_give_back_and_reuse(void **state)
{
	struct job a = { 1000, 3, NULL, NULL }, b = { 2000, 2, NULL, NULL };
	struct pair p;
	uint64_t seqs[8];
	uint32_t tids[8];

	(void)state;
	make_pair(&p);
	record(120, 1);			/* this thread: lane 0 */
	run_thread(&a);
	assert_int_equal(lane(&p, 1)->owner, 0);
	assert_int_equal(lane(&p, 1)->head, 360);
	run_thread(&b);
	assert_int_equal(lane(&p, 1)->owner, 0);
	assert_int_equal(lane(&p, 1)->head, 600);
	assert_int_equal(p.r->lanes_used, 2);
	assert_int_equal(read_all(&p, seqs, tids, 8), 6);
	assert_int_equal(seqs[0], 1);
	for (int i = 1; i < 4; i++)
		assert_int_equal(seqs[i], 1000 + (uint64_t)i - 1);
	assert_int_equal(seqs[4], 2000);
	assert_int_equal(seqs[5], 2001);
	assert_true(tids[1] != tids[4]);
	free_pair(&p);
}

/* More threads than lanes: the one without a lane writes into the shared
 * area, and nothing is lost. */
static void test_threads_beyond_lanes(void **state)
{
	enum { N = 17 };
	struct job jobs[N];
	pthread_t t[N];
	pthread_barrier_t hold;
	struct pair p;
	uint64_t seqs[N * 2];

	(void)state;
	make_pair(&p);
	assert_int_equal(pthread_barrier_init(&hold, NULL, N + 1), 0);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){ 100 * (uint64_t)i, 2, &hold, NULL };
		assert_int_equal(pthread_create(&t[i], NULL, writer, &jobs[i]),
				 0);
	}
	pthread_barrier_wait(&hold);	/* all have written, none ended */
	assert_int_equal(p.r->lanes_used, 16);
	assert_true(p.r->head > 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(read_all(&p, seqs, NULL, N * 2), N * 2);
	pthread_barrier_destroy(&hold);
	free_pair(&p);
}

/* What the lanes held unread is counted when the memory is abandoned. */
static void test_abandon_counts_lanes(void **state)
{
	struct job a = { 10, 4, NULL, NULL };
	struct pair p;
	uint64_t seqs[8];

	(void)state;
	make_pair(&p);
	record(120, 1);
	record(120, 2);
	assert_int_equal(read_all(&p, seqs, NULL, 8), 2);
	record(120, 3);
	run_thread(&a);
	assert_int_equal(sl_ring_abandon(), 5);
	free_pair(&p);
}

#define WRITERS 8
#define PER_WRITER 20000

static void test_threads_lose_nothing(void **state)
{
	struct job jobs[WRITERS];
	pthread_t t[WRITERS];
	uint64_t next[WRITERS], read[WRITERS] = { 0 };
	struct pair p;
	uint64_t got = 0;

	(void)state;
	make_pair(&p);
	for (int i = 0; i < WRITERS; i++) {
		next[i] = (uint64_t)i << 32;
		jobs[i] = (struct job){ next[i], PER_WRITER, NULL, &read[i] };
		assert_int_equal(pthread_create(&t[i], NULL, writer, &jobs[i]),
				 0);
	}
	while (got < WRITERS * PER_WRITER) {
		uint64_t buf[SL_BATCH_MAX / 8];
		int n = sl_ring_next(&p.v, buf, p.why, sizeof(p.why));

		assert_true(n >= 0);
		if (!n) {
			/* Keep the heartbeat fresh for the writers. */
			sl_ring_beat(&p.v, TS0);
			sched_yield();
			continue;
		}
		for (int off = 0; off < n; got++) {
			struct sl_hdr *h = (struct sl_hdr *)((char *)buf + off);
			uint64_t seq;
			unsigned int w;

			memcpy(&seq, (char *)h + 16, sizeof(seq));
			w = (unsigned int)(seq >> 32);
			assert_true(w < WRITERS);
			assert_int_equal(seq, next[w]);
			next[w]++;
			__atomic_add_fetch(&read[w], 1, __ATOMIC_RELEASE);
			off += h->size;
		}
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	free_pair(&p);
}

/* The consumer's view of a lane a process scribbled on: refused, with a
 * reason that names it. */
static void lied(void (*scribble)(struct pair *), const char *expect)
{
	struct pair p;
	uint64_t buf[SL_BATCH_MAX / 8];

	make_pair(&p);
	record(120, 1);
	record(120, 2);
	scribble(&p);
	assert_true(sl_ring_next(&p.v, buf, p.why, sizeof(p.why)) < 0);
	if (!strstr(p.why, expect))
		fail_msg("'%s' does not say '%s'", p.why, expect);
	free_pair(&p);
}

static void head_too_far(struct pair *p) { lane(p, 0)->head = LANE + 8; }
static void head_behind(struct pair *p) { lane(p, 0)->head = (uint64_t)-8; }
static void size_zero(struct pair *p)
{
	((struct sl_hdr *)lane_area(p, 0))->size = 0;
}
static void size_odd(struct pair *p)
{
	((struct sl_hdr *)lane_area(p, 0))->size = 124;
}
static void size_huge(struct pair *p)
{
	((struct sl_hdr *)lane_area(p, 0))->size = SL_LANE_REC_MAX + 8;
}
static void size_past_head(struct pair *p)
{
	((struct sl_hdr *)lane_area(p, 0))->size = 248;
}
static void pad_short(struct pair *p)
{
	((struct sl_hdr *)lane_area(p, 0))->type = SL_LANE_PAD;
}
/* Valid records of 512 bytes from 240 to 3824, then one of 280 bytes
 * where 272 are left before the end. */
static void crosses_end(struct pair *p)
{
	uint64_t at = 240;

	for (; at + 512 <= LANE - 272; at += 512) {
		struct sl_hdr *h = (struct sl_hdr *)(lane_area(p, 0) + at);

		h->size = 512;
		h->type = SL_REC_CALL;
		h->version = SL_WIRE_VERSION;
	}
	((struct sl_hdr *)(lane_area(p, 0) + at))->size = 280;
	((struct sl_hdr *)(lane_area(p, 0) + at))->type = SL_REC_CALL;
	lane(p, 0)->head = LANE;
}

static void test_consumer_refuses_lying_lanes(void **state)
{
	(void)state;
	lied(head_too_far, "lane 0 head");
	lied(head_behind, "lane 0 head");
	lied(size_zero, "record of 0 bytes");
	lied(size_odd, "record of 124 bytes");
	lied(size_huge, "record of 520 bytes");
	lied(size_past_head, "record of 248 bytes");
	lied(pad_short, "pad of 120 bytes");
	lied(crosses_end, "record of 280 bytes at 3824");
}

/* What the consumer took at map time holds, whatever the process writes
 * into its header later: more lanes said used than exist are not read,
 * and a rewritten layout changes nothing. */
static void test_consumer_keeps_its_layout(void **state)
{
	struct pair p;
	uint64_t seqs[4];

	(void)state;
	make_pair(&p);
	record(120, 7);
	p.r->lanes = 1000;
	p.r->lane_size = 3;
	p.r->shared_size = 1;
	p.r->lanes_used = 1u << 30;
	assert_int_equal(read_all(&p, seqs, NULL, 4), 1);
	assert_int_equal(seqs[0], 7);
	p.r->lanes = 16;
	p.r->lane_size = LANE;
	p.r->shared_size = 64 * 1024;
	free_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_and_publish),
		cmocka_unit_test(test_wrap_with_pads),
		cmocka_unit_test(test_record_ends_at_lap_end),
		cmocka_unit_test(test_full_lane_moves_on_then_shared),
		cmocka_unit_test(test_nested_record_goes_shared),
		cmocka_unit_test(test_give_back_and_reuse),
		cmocka_unit_test(test_threads_beyond_lanes),
		cmocka_unit_test(test_abandon_counts_lanes),
		cmocka_unit_test(test_threads_lose_nothing),
		cmocka_unit_test(test_consumer_refuses_lying_lanes),
		cmocka_unit_test(test_consumer_keeps_its_layout),
	};

	sl_buffer_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
