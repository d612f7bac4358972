/*
 * Unit tests of packed frames (viewer/file/pack.c, trace file version
 * 2): batches of every kind read back byte for byte, over several
 * connections, flushes at any point, a connection that ends, payloads
 * that are not records, records whose words are anything; a torn or
 * corrupt packed frame stops the reader after what came before it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "file/trace.h"

#define BATCHES 600

struct batch {
	uint32_t conn;
	size_t len;
	uint64_t buf[SL_BATCH_MAX / 8];
};

static char path[64];
static struct batch *want;
static int nwant;
static uint64_t raw_bytes;

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A call record as the preload makes them: a few sockets, a few
 * callers, times and counters that grow. */
static size_t call(uint8_t *out, uint32_t conn, uint64_t i)
{
	struct sl_rec_call c = { 0 };
	int fd = 3 + (int)(rnd() % 5);

	c.h.size = sizeof(c);
	c.h.type = SL_REC_CALL;
	c.h.version = SL_WIRE_VERSION;
	c.h.tid = 1000 + conn;
	c.h.ts_ns = 5000000000ull + i * 7919 + rnd() % 500;
	c.dur_ns = rnd() % 3 ? 0 : rnd() % 100000;
	c.caller = 0x7f0000001000ull + (rnd() % 3) * 0x4321;
	c.inode = 40000 + (uint64_t)fd;
	c.ret = (int64_t)(rnd() % 4096) - 1;
	c.err = c.ret < 0 ? 11 : 0;
	c.tx_bytes = i * 100;
	c.rx_bytes = i * 37;
	c.tx_calls = (uint32_t)i;
	c.fd = fd;
	c.call = (uint16_t)(1 + rnd() % 30);
	memcpy(out, &c, sizeof(c));
	return sizeof(c);
}

/* A record of TYPE whose words past the header are anything. */
static size_t noise(uint8_t *out, unsigned int type)
{
	size_t size = 16 + 8 * (rnd() % 40);
	struct sl_hdr h = { .size = (uint16_t)size, .type = (uint8_t)type };

	for (size_t i = 16; i < size; i += 8) {
		uint64_t v = rnd() >> (rnd() % 64);

		memcpy(out + i, &v, 8);
	}
	h.ts_ns = rnd();
	memcpy(out, &h, sizeof(h));
	return size;
}

static void make_batch(struct batch *b, uint64_t i)
{
	uint8_t *p = (uint8_t *)b->buf;
	int kind = (int)(rnd() % 20);

	b->conn = 1 + (uint32_t)(rnd() % 4);
	b->len = 0;
	if (kind == 0) {
		/* Not records: kept as they are. */
		b->len = 1 + rnd() % 200;
		for (size_t k = 0; k < b->len; k++)
			p[k] = (uint8_t)rnd();
		return;
	}
	if (kind == 1) {
		struct sl_rec_gone g = { .h = { .size = sizeof(g),
						.type = SL_REC_GONE } };

		memcpy(p, &g, sizeof(g));
		b->len = sizeof(g);
		return;
	}
	if (kind < 4) {
		b->len = noise(p, (unsigned int)(rnd() % SL_PACK_TYPES));
		return;
	}
	for (int n = 1 + (int)(rnd() % 30); n > 0; n--)
		b->len += call(p + b->len, b->conn, i);
}

static int setup(void **state)
{
	struct sl_writer *w = malloc(sizeof(*w));

	(void)state;
	strcpy(path, "/tmp/sl-pack-XXXXXX");
	close(mkstemp(path));
	want = calloc(BATCHES, sizeof(*want));
	nwant = BATCHES;
	raw_bytes = 0;
	assert_int_equal(sl_writer_open(w, path), 0);
	for (int i = 0; i < BATCHES; i++) {
		make_batch(&want[i], (uint64_t)i);
		assert_int_equal(sl_writer_frame(w, want[i].conn, want[i].buf,
						 want[i].len), 0);
		raw_bytes += sizeof(struct sl_frame) + want[i].len;
		if (rnd() % 7 == 0)
			assert_int_equal(sl_writer_flush(w), 0);
	}
	assert_int_equal(sl_writer_close(w), 0);
	free(w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	free(want);
	return 0;
}

/* Reads PATH to the end: the batches that match, in order. */
static int read_back(struct sl_reader *r)
{
	struct sl_frame fr;
	const uint8_t *p;
	int n = 0, got;

	assert_int_equal(sl_reader_open(r, path), 0);
	while ((got = sl_reader_next(r, &fr, &p)) > 0) {
		assert_true(n < nwant);
		assert_int_equal(fr.conn, want[n].conn);
		assert_int_equal(fr.len, want[n].len);
		assert_memory_equal(p, want[n].buf, want[n].len);
		n++;
	}
	assert_true(got == 0);
	return n;
}

static long file_size(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

static void rewrite(long cut, long flip)
{
	long n = file_size();
	FILE *f = fopen(path, "rb");
	char *b = malloc((size_t)n);

	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (flip >= 0)
		b[flip] ^= 0x5a;
	f = fopen(path, "wb");
	fwrite(b, 1, cut >= 0 ? (size_t)cut : (size_t)n, f);
	fclose(f);
	free(b);
}

static void test_batches_read_back(void **state)
{
	struct sl_reader r;

	(void)state;
	assert_int_equal(read_back(&r), nwant);
	assert_false(r.torn);
	sl_reader_close(&r);
	/* The call records make most of it: far smaller than plain. */
	assert_true((uint64_t)file_size() * 2 < raw_bytes);
}

static void test_torn_packed_frame_keeps_the_rest(void **state)
{
	struct sl_reader r;
	int n;

	(void)state;
	rewrite(file_size() - 30, -1);
	n = read_back(&r);
	assert_true(n > 0 && n < nwant);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "truncated frame"));
	sl_reader_close(&r);
}

static void test_corrupt_packed_frame_caught(void **state)
{
	struct sl_reader r;
	int n;

	(void)state;
	rewrite(-1, file_size() / 2);
	n = read_back(&r);
	assert_true(n > 0 && n < nwant);
	assert_true(r.torn);
	sl_reader_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batches_read_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_torn_packed_frame_keeps_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_packed_frame_caught, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
