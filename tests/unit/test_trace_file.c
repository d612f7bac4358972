/*
 * Unit tests of the trace file (viewer/file/): plain frames read back as
 * written; a torn or corrupt tail stops the reader with a reason after
 * everything before it; what is not a trace is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "file/trace.h"
#include "intake/intake.h"

static char path[64];

/* Plain frames (version 1; a version 2 file may hold them too): their
 * layout is what the cuts and flips below aim at. test_trace_pack.c
 * tests packed frames. */
static int setup(void **state)
{
	static const struct sl_writer_opts v1 = { .v1 = true };
	struct sl_writer *w = malloc(sizeof(*w));
	char payload[300];

	(void)state;
	strcpy(path, "/tmp/sl-test-XXXXXX");
	close(mkstemp(path));
	assert_int_equal(sl_writer_open_opts(w, path, &v1), 0);
	for (int i = 0; i < 5; i++) {
		memset(payload, 'a' + i, sizeof(payload));
		assert_int_equal(sl_writer_frame(w, (uint32_t)i + 1, payload,
						 100 + (size_t)i * 40), 0);
	}
	assert_int_equal(sl_writer_close(w), 0);
	free(w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Reads PATH to the end: the number of good frames. */
static int count_frames(struct sl_reader *r)
{
	struct sl_frame fr;
	const uint8_t *p;
	int n = 0, got;

	assert_int_equal(sl_reader_open(r, path), 0);
	while ((got = sl_reader_next(r, &fr, &p)) > 0) {
		assert_int_equal(fr.conn, (uint32_t)n + 1);
		assert_int_equal(fr.len, 100 + n * 40);
		assert_int_equal(p[0], 'a' + n);
		n++;
	}
	assert_true(got == 0);
	return n;
}

static void rewrite(long cut, long flip)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 16);
	size_t n = fread(b, 1, 1 << 16, f);

	fclose(f);
	if (flip >= 0)
		b[flip] ^= 0x5a;
	f = fopen(path, "wb");
	fwrite(b, 1, cut >= 0 ? (size_t)cut : n, f);
	fclose(f);
	free(b);
}

static long file_size(void)
{
	FILE *f = fopen(path, "rb");
	long n;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

static void test_frames_read_back(void **state)
{
	struct sl_reader r;

	(void)state;
	assert_int_equal(count_frames(&r), 5);
	assert_false(r.torn);
	sl_reader_close(&r);
}

static void test_torn_frame_keeps_the_rest(void **state)
{
	struct sl_reader r;

	(void)state;
	rewrite(file_size() - 50, -1);
	assert_int_equal(count_frames(&r), 4);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "truncated frame"));
	sl_reader_close(&r);
}

static void test_torn_header_keeps_the_rest(void **state)
{
	struct sl_reader r;
	long size = file_size();

	(void)state;
	/* the last frame is 16 + 260 bytes; leave 7 bytes of its header */
	rewrite(size - 260 - 16 + 7, -1);
	assert_int_equal(count_frames(&r), 4);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "frame header"));
	sl_reader_close(&r);
}

static void test_corrupt_byte_caught_by_crc(void **state)
{
	struct sl_reader r;

	(void)state;
	/* inside the third frame's payload */
	rewrite(-1, 32 + (16 + 100) + (16 + 140) + 16 + 10);
	assert_int_equal(count_frames(&r), 2);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "checksum"));
	sl_reader_close(&r);
}

/* The connection number is checked too: records must not move to
 * another process unseen. */
static void test_corrupt_conn_caught(void **state)
{
	struct sl_reader r;

	(void)state;
	rewrite(-1, 32 + 16 + 100 + 12);
	assert_int_equal(count_frames(&r), 1);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "checksum"));
	sl_reader_close(&r);
}

static void test_bad_marker_caught(void **state)
{
	struct sl_reader r;

	(void)state;
	rewrite(-1, 32 + 16 + 100);
	assert_int_equal(count_frames(&r), 1);
	assert_true(r.torn);
	assert_non_null(strstr(r.why, "marker"));
	sl_reader_close(&r);
}

static void test_not_a_trace_refused(void **state)
{
	struct sl_reader r;

	(void)state;
	rewrite(-1, 0);
	assert_int_not_equal(sl_reader_open(&r, path), 0);
	assert_non_null(strstr(r.why, "not a socklens trace"));
	rewrite(0, -1);
	assert_int_not_equal(sl_reader_open(&r, path), 0);
}

static void test_newer_version_refused(void **state)
{
	struct sl_reader r;

	(void)state;
	rewrite(-1, 8);
	assert_int_not_equal(sl_reader_open(&r, path), 0);
	assert_non_null(strstr(r.why, "version"));
}

/* The byte-at-a-time definition, to check the sliced one against. */
static uint32_t crc32_ref(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	while (len--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xFFFFFFFFu;
}

/* Every length to 300 at every misalignment, whole and split in two. */
static void test_crc32_sliced_matches_bytewise(void **state)
{
	static uint8_t buf[512];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= 300; len++) {
			const uint8_t *p = buf + off;
			size_t cut = len / 3;

			assert_int_equal(sl_crc32(p, len), crc32_ref(p, len));
			assert_int_equal(sl_crc32_update(sl_crc32(p, cut),
							 p + cut, len - cut),
					 crc32_ref(p, len));
		}
}

static void test_crc32_known_value(void **state)
{
	(void)state;
	/* The standard check value of CRC-32/ISO-HDLC. */
	assert_int_equal(sl_crc32("123456789", 9), 0xCBF43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frames_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_frame_keeps_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_header_keeps_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_byte_caught_by_crc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_conn_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_marker_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_trace_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test(test_crc32_known_value),
		cmocka_unit_test(test_crc32_sliced_matches_bytewise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
