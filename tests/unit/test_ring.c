/*
 * Unit tests of the shared memory's shared area (include/socklens/
 * ring.h): the preload's producer (preload/ring_writer.c) against the
 * collector's consumer
 * (viewer/intake/ring_reader.c) on one real memfd. Batches
 * round-trip intact across many laps and the padding at the end; the
 * half-full limit holds; the collector's heartbeat says when it is stale;
 * an abandoned memory counts what was never read; the consumer refuses
 * every broken rule and an unsealed, mis-sized or mis-laid-out memfd;
 * four threads writing at once while a fifth reads lose nothing and keep
 * each thread's order. The lanes have their own tests (test_lanes.c).
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

struct pair {
	struct sl_ring_hdr *r;		/* the producer's mapping */
	struct sl_ring_view v;		/* the consumer's */
	char why[128];
};

/* A memory of 128 KiB (16 lanes of 4 KiB, a shared area of 64 KiB),
 * published and mapped by the consumer. */
static void make_pair(struct pair *p)
{
	int fd;

	sl_cfg.ring_bytes = sl_ring_size("128");
	p->r = sl_ring_create(&fd);
	assert_non_null(p->r);
	assert_int_equal(p->r->shared_size, 64 * 1024);
	assert_int_equal(p->r->lanes, 16);
	assert_int_equal(p->r->lane_size, 4096);
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

static char *shared_area(struct pair *p)
{
	return (char *)p->r + sl_ring_shared_off(p->r->lanes);
}

/* A batch of LEN bytes (a multiple of 16): records of 16 bytes, the
 * first stamped TS, every byte after the headers SEED. */
static void fill(void *buf, uint32_t len, uint64_t ts, uint8_t seed)
{
	for (uint32_t off = 0; off < len; off += 16) {
		struct sl_hdr *h = (struct sl_hdr *)((char *)buf + off);

		h->size = 16;
		h->type = SL_REC_CALL;
		h->version = SL_WIRE_VERSION;
		h->tid = seed;
		h->ts_ns = off ? seed : ts;
	}
}

/* SOCKLENS_RING_KB: a power of two, clamped to the limits; else the
 * default; 0 for no memory. */
static void test_ring_size_from_env(void **state)
{
	(void)state;
	assert_int_equal(sl_ring_size(NULL), 16384 * 1024);
	assert_int_equal(sl_ring_size(""), 16384 * 1024);
	assert_int_equal(sl_ring_size("0"), 0);
	assert_int_equal(sl_ring_size("1024"), 1024 * 1024);
	assert_int_equal(sl_ring_size("100"), 16384 * 1024);
	assert_int_equal(sl_ring_size("12x"), 16384 * 1024);
	assert_int_equal(sl_ring_size("16"), SL_RING_MIN);
	assert_int_equal(sl_ring_size("1048576"), SL_RING_MAX);
}

/* SOCKLENS_LOSSLESS and SOCKLENS_LOSSLESS_MS: off unless 1, yes or on;
 * the bound 1 s by default, cut to 60 s, the default again when bad. */
static void test_lossless_wait_from_env(void **state)
{
	const uint64_t ms = 1000000;

	(void)state;
	assert_int_equal(sl_lossless_wait(NULL, NULL), 0);
	assert_int_equal(sl_lossless_wait("0", "500"), 0);
	assert_int_equal(sl_lossless_wait("", NULL), 0);
	assert_int_equal(sl_lossless_wait("1", NULL), 1000 * ms);
	assert_int_equal(sl_lossless_wait("on", ""), 1000 * ms);
	assert_int_equal(sl_lossless_wait("YES", "250"), 250 * ms);
	assert_int_equal(sl_lossless_wait("1", "999999"), 60000 * ms);
	assert_int_equal(sl_lossless_wait("1", "0"), 1000 * ms);
	assert_int_equal(sl_lossless_wait("1", "5s"), 1000 * ms);
}

/* Half for the shared area, half for at most 64 lanes of at least 4 KiB,
 * each a power of two; the layout both sides compute agrees. */
static void test_split_and_layout(void **state)
{
	static const struct {
		uint32_t kb, lanes, lane_kb, shared_kb;
	} cases[] = {
		{ 64, 8, 4, 32 }, { 128, 16, 4, 64 }, { 4096, 64, 32, 2048 },
		{ 65536, 64, 512, 32768 },
	};
	struct sl_ring_layout l = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t lanes, lane_size;
		uint64_t shared;

		sl_ring_split(cases[i].kb * 1024, &lanes, &lane_size, &shared);
		assert_int_equal(lanes, cases[i].lanes);
		assert_int_equal(lane_size, cases[i].lane_kb * 1024);
		assert_int_equal(shared, cases[i].shared_kb * 1024);
		assert_true(sl_ring_layout(lanes, lane_size, shared, &l));
		assert_int_equal(l.shared_off % SL_RING_PAGE, 0);
		assert_true(l.shared_off >= SL_RING_DATA_OFF +
			    lanes * sizeof(struct sl_lane));
		assert_int_equal(l.lane_data_off, l.shared_off + shared);
		assert_int_equal(l.data_size + SL_RING_DATA_OFF,
				 l.lane_data_off + (uint64_t)lanes * lane_size);
	}
	assert_false(sl_ring_layout(65, 4096, 65536, &l));
	assert_false(sl_ring_layout(8, 6000, 65536, &l));
	assert_false(sl_ring_layout(8, 2048, 65536, &l));
	assert_false(sl_ring_layout(8, 4096, 60000, &l));
	assert_false(sl_ring_layout(8, 4096, 0, &l));
	assert_true(sl_ring_layout(0, 0, 65536, &l));
}

static void test_roundtrip_many_laps(void **state)
{
	struct pair p;
	uint64_t in[SL_BATCH_MAX / 8], out[SL_BATCH_MAX / 8];
	uint64_t bytes = 0;

	(void)state;
	make_pair(&p);
	/* Sizes that do not divide the ring: chunks end short of the end,
	 * and padding must fill the rest. */
	for (int i = 0; i < 400; i++) {
		uint32_t len = 16 * (uint32_t)(1 + (i * 37) % 500);
		int n;

		fill(in, len, TS0, (uint8_t)i);
		assert_true(sl_ring_put(in, len, 1));
		n = sl_ring_next(&p.v, out, p.why, sizeof(p.why));
		assert_int_equal(n, (int)len);
		assert_memory_equal(in, out, len);
		assert_int_equal(sl_ring_next(&p.v, out, p.why,
					      sizeof(p.why)), 0);
		bytes += len;
	}
	assert_true(bytes > 20 * p.r->shared_size);
	assert_int_equal(p.r->head, p.r->tail);
	free_pair(&p);
}

static void test_half_limit_then_full(void **state)
{
	struct pair p;
	uint64_t in[SL_BATCH_MAX / 8], out[SL_BATCH_MAX / 8];
	int half = 0, full = 0;

	(void)state;
	make_pair(&p);
	fill(in, 4096, TS0, 1);
	while (sl_ring_put(in, 4096, 2))
		half++;
	assert_true(p.r->head - p.r->tail <= p.r->data_size / 2);
	while (sl_ring_put(in, 4096, 1))
		full++;
	assert_true(p.r->head - p.r->tail <= p.r->data_size);
	/* 4096 + 8 per chunk: 7 fit in half of 64 KiB, 15 in all of it. */
	assert_int_equal(half, 7);
	assert_int_equal(half + full, 15);
	/* Reading one makes room for one. */
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 4096);
	assert_true(sl_ring_put(in, 4096, 1));
	assert_false(sl_ring_put(in, 4096, 1));
	free_pair(&p);
}

/* A chunk that must wrap needs its padding as well as itself: eight
 * bytes short of that, it is refused, and what was unread stays whole. */
static void test_padding_counts_against_room(void **state)
{
	struct pair p;
	uint64_t in[SL_BATCH_MAX / 8], out[SL_BATCH_MAX / 8];

	(void)state;
	make_pair(&p);
	for (int i = 0; i < 15; i++) {
		fill(in, 4096, TS0, (uint8_t)i);
		assert_true(sl_ring_put(in, 4096, 1));
	}
	fill(in, 3008, TS0, 99);
	assert_true(sl_ring_put(in, 3008, 1));	/* ends 968 short of the end */
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 4096);
	/* 968 of padding + 8 + 4104 = 5080 > the 4104 freed + 968 left. */
	fill(in, 4104, TS0, 7);
	assert_false(sl_ring_put(in, 4104, 1));
	fill(in, 4096, TS0, 7);
	assert_true(sl_ring_put(in, 4096, 1));	/* exactly fits */
	for (int i = 1; i < 15; i++) {
		fill(in, 4096, TS0, (uint8_t)i);
		assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)),
				 4096);
		assert_memory_equal(in, out, 4096);
	}
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 3008);
	fill(in, 4096, TS0, 7);
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 4096);
	assert_memory_equal(in, out, 4096);
	free_pair(&p);
}

static void test_stale_heartbeat(void **state)
{
	struct pair p;

	(void)state;
	make_pair(&p);
	assert_true(sl_ring_fresh(TS0 + SL_RING_STALE_NS / 2));
	assert_true(sl_ring_fresh(TS0 - 1));
	assert_false(sl_ring_fresh(TS0 + SL_RING_STALE_NS * 2));
	sl_ring_beat(&p.v, 0);		/* the collector let it go */
	assert_false(sl_ring_fresh(TS0));
	sl_ring_beat(&p.v, TS0);
	assert_true(sl_ring_fresh(TS0));
	sl_ring_abandon();
	assert_false(sl_ring_fresh(TS0));	/* no ring at all */
	free_pair(&p);
}

static void test_abandon_counts_unread(void **state)
{
	struct pair p;
	uint64_t in[SL_BATCH_MAX / 8], out[SL_BATCH_MAX / 8];

	(void)state;
	make_pair(&p);
	fill(in, 160, TS0, 1);		/* 10 records */
	assert_true(sl_ring_put(in, 160, 1));
	assert_true(sl_ring_put(in, 160, 1));
	assert_true(sl_ring_put(in, 48, 1));
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 160);
	assert_true(sl_ring_active());
	assert_int_equal(sl_ring_abandon(), 13);
	assert_false(sl_ring_active());
	assert_false(sl_ring_put(in, 48, 1));
	assert_int_equal(sl_ring_abandon(), 0);
	free_pair(&p);
}

/* The consumer's view of a chunk header the producer wrote wrong. */
static void broken(uint32_t state, uint32_t len, uint64_t head_add,
		   const char *expect)
{
	struct pair p;
	uint64_t in[4], out[SL_BATCH_MAX / 8];
	struct sl_ring_chunk *c;

	make_pair(&p);
	fill(in, 32, TS0, 1);
	assert_true(sl_ring_put(in, 32, 1));
	c = (struct sl_ring_chunk *)shared_area(&p);
	c->state = state;
	c->len = len;
	p.r->head += head_add;
	assert_true(sl_ring_next(&p.v, out, p.why, sizeof(p.why)) < 0);
	assert_non_null(strstr(p.why, expect));
	free_pair(&p);
}

static void test_consumer_refuses_broken_rules(void **state)
{
	(void)state;
	broken(7, 32, 0, "chunk state 7");
	broken(SL_CHUNK_BATCH, SL_BATCH_MAX + 8, 0, "ring chunk of");
	broken(SL_CHUNK_BATCH, 0, 0, "ring chunk of 0");
	broken(SL_CHUNK_BATCH, 4096, 0, "ring chunk of 4096");	/* past head */
	broken(SL_CHUNK_PAD, 32, 0, "padding");
	broken(SL_CHUNK_BATCH, 32, 1ull << 40, "ring head");
}

static void test_map_refuses_bad_memfds(void **state)
{
	struct sl_ring_view v;
	char why[128];
	int fd;

	(void)state;
	/* Not sealed: the peer could shrink it under us. */
	fd = memfd_create("t", MFD_CLOEXEC);
	assert_int_equal(ftruncate(fd, SL_RING_DATA_OFF + SL_RING_MIN), 0);
	assert_true(sl_ring_map(&v, fd, SL_RING_MIN, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "sealed"));
	close(fd);
	/* Sealed, but not the size announced, and then no magic. */
	fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fd, SL_RING_DATA_OFF + SL_RING_MIN), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	assert_true(sl_ring_map(&v, fd, 2 * SL_RING_MIN, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "not a file of"));
	assert_true(sl_ring_map(&v, fd, SL_RING_MIN, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "header"));
	assert_true(sl_ring_map(&v, fd, 3 * SL_RING_MIN, why, sizeof(why)) < 0);
	assert_true(sl_ring_map(&v, fd, SL_RING_MAX * 2ull, why,
				sizeof(why)) < 0);
	close(fd);
	/* Not a file at all. */
	assert_true(sl_ring_map(&v, 0, SL_RING_MIN, why, sizeof(why)) < 0);
}

/* A sealed memfd whose header page says H, DATA bytes after it: mapped,
 * or refused with a reason that names the header. */
static int map_with_header(const struct sl_ring_hdr *h, uint64_t data,
			   char *why, size_t cap)
{
	struct sl_ring_view v;
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int err;

	assert_int_equal(ftruncate(fd, (off_t)(SL_RING_DATA_OFF + data)), 0);
	assert_int_equal(pwrite(fd, h, sizeof(*h), 0), (ssize_t)sizeof(*h));
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	err = sl_ring_map(&v, fd, data, why, cap);
	close(fd);
	if (!err)
		sl_ring_unmap(&v);
	return err;
}

/* The layout is the header's three numbers, and they must describe the
 * memfd exactly: an older preload's header, lanes beyond the limit, a
 * lane size that is no power of two, numbers that add up to another size
 * are all refused; the right ones are taken. */
static void test_map_refuses_bad_layouts(void **state)
{
	struct sl_ring_layout l = { 0 };
	struct sl_ring_hdr h = {
		.magic = SL_RING_MAGIC, .version = SL_RING_VERSION,
		.lanes = 8, .lane_size = 4096, .shared_size = 32768,
	};
	char why[128];

	(void)state;
	assert_true(sl_ring_layout(8, 4096, 32768, &l));
	h.data_size = l.data_size;
	assert_int_equal(map_with_header(&h, l.data_size, why, sizeof(why)),
			 0);
	h.version = 1;
	assert_true(map_with_header(&h, l.data_size, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "header"));
	h.version = SL_RING_VERSION;
	h.lanes = 65;
	assert_true(map_with_header(&h, l.data_size, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "header"));
	h.lanes = 8;
	h.lane_size = 4096 + 8;
	assert_true(map_with_header(&h, l.data_size, why, sizeof(why)) < 0);
	h.lane_size = 8192;	/* adds up to more than the memfd */
	assert_true(map_with_header(&h, l.data_size, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "header"));
	h.lane_size = 4096;
	h.data_size = l.data_size + SL_RING_PAGE;
	assert_true(map_with_header(&h, l.data_size, why, sizeof(why)) < 0);
}

#define WRITERS 4
#define PER_WRITER 20000

static void *writer(void *arg)
{
	uint64_t in[64];
	uint32_t w = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; i < PER_WRITER; i++) {
		uint32_t len = 16 * (1 + (i % 31));

		fill(in, len, TS0, 0);
		((struct sl_hdr *)in)->tid = w;
		/* The sequence number rides in the second word of the
		 * batch's last record. */
		((uint64_t *)((char *)in + len))[-1] = i;
		while (!sl_ring_put(in, len, 1))
			sched_yield();
	}
	return NULL;
}

static void test_threads_lose_nothing(void **state)
{
	struct pair p;
	pthread_t t[WRITERS];
	uint64_t out[SL_BATCH_MAX / 8];
	uint32_t next[WRITERS] = { 0 }, got = 0;

	(void)state;
	make_pair(&p);
	for (uintptr_t i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer,
						(void *)i), 0);
	while (got < WRITERS * PER_WRITER) {
		int n = sl_ring_next(&p.v, out, p.why, sizeof(p.why));
		uint32_t w, seq;

		assert_true(n >= 0);
		if (!n) {
			sched_yield();
			continue;
		}
		w = ((struct sl_hdr *)out)->tid;
		seq = (uint32_t)((uint64_t *)((char *)out + n))[-1];
		assert_true(w < WRITERS);
		assert_int_equal(seq, next[w]);
		assert_int_equal(n, 16 * (1 + (seq % 31)));
		next[w]++;
		got++;
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(sl_ring_next(&p.v, out, p.why, sizeof(p.why)), 0);
	free_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_size_from_env),
		cmocka_unit_test(test_lossless_wait_from_env),
		cmocka_unit_test(test_split_and_layout),
		cmocka_unit_test(test_roundtrip_many_laps),
		cmocka_unit_test(test_half_limit_then_full),
		cmocka_unit_test(test_padding_counts_against_room),
		cmocka_unit_test(test_stale_heartbeat),
		cmocka_unit_test(test_abandon_counts_unread),
		cmocka_unit_test(test_consumer_refuses_broken_rules),
		cmocka_unit_test(test_map_refuses_bad_memfds),
		cmocka_unit_test(test_map_refuses_bad_layouts),
		cmocka_unit_test(test_threads_lose_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
