/*
 * Unit tests of the stream sniffers (preload/sniff*.c) on hand-made
 * input: hellos with bad names, too many protocols, GREASE, lengths that
 * lie, split over sends and records, cut by a small buffer or lost
 * without one; broken record framing and plaintext alerts; HTTP/1.x
 * pipelined, chunked with extensions and trailers, HEAD, interim and
 * until-close answers, tunnels, and every input it must give up on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sniff.h"
#include "sniff_record.h"

static struct log L;
static struct sl_sniff S;
static uint8_t hs_buf[SL_TLS_HS_BUF];

/* ---- Hand-made hellos ---- */

static struct sl_tls T;

static void tls_feed(enum sl_sniff_dir dir, const void *p, size_t n)
{
	L.len = n;
	sl_tls_feed(&T, dir, p, n, record, &L);
	L.chunk++;
}

static void test_tls_hostile_hellos(void **state)
{
	uint8_t e[1024], rec[1200];
	size_t n = 0, r;
	static const uint8_t vers[] = { 8, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03,
					0x7f, 0x1c };

	(void)state;
	/* Bad host_name bytes; six protocols, one too long, one GREASE. */
	n += ext_sni(e + n, "evil\001.test");
	n += ext_alpn(e + n, "h2\0http/1.1\0\x1a\x1a\0a-very-long-protocol\0"
			     "c\0d\0e\0");
	n += ext(e + n, 43, vers, sizeof(vers));
	n += ext(e + n, 42, "", 0);
	r = hello(rec, 1, e, n);
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_int_equal(count(&L, SL_EV_TLS_CLIENT_HELLO, SL_SNIFF_OUT), 1);
	assert_true(T.info.flags & SL_TLS_F_SNI_BAD);
	assert_string_equal(T.info.sni, "");
	assert_int_equal(T.info.alpn_n, 4);
	assert_int_equal(T.info.alpn_offered, 6);
	assert_string_equal(T.info.alpn[2], "c");
	assert_true(T.info.flags & SL_TLS_F_ALPN_MORE);
	assert_int_equal(T.info.ch_max_version, 0x0304);	/* not GREASE, draft */
	assert_true(T.info.flags & SL_TLS_F_EARLY_DATA);

	/* An extension longer than its block: the hello is bad. */
	n = ext_sni(e, "ok.test");
	e[3] = 200;
	r = hello(rec, 1, e, n);
	sl_tls_init(&T, NULL, 0);
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_true(T.info.flags & SL_TLS_F_BAD);
	assert_int_equal(count(&L, SL_EV_TLS_CLIENT_HELLO, -1), 1);

	/* A session id longer than 32. */
	n = ext_sni(e, "ok.test");
	r = hello(rec, 1, e, n);
	rec[9 + 34] = 33;
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_true(T.info.flags & SL_TLS_F_BAD);
	assert_int_equal(L.n, 0);

	/* A ServerHello first from the side that should say ClientHello. */
	sl_tls_init(&T, NULL, 0);
	r = hello(rec, 2, e, 0);
	tls_feed(SL_SNIFF_IN, rec, r);
	r = hello(rec, 2, e, 0);
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_true(T.info.flags & SL_TLS_F_BAD);
}

/* A hello split over sends and over records: joined in the buffer, cut
 * by a small one (the extensions that fit are kept), lost without. */
static void test_tls_split_hello(void **state)
{
	uint8_t e[600], rec[800], two[820], small[64];
	size_t n = 0, r, half;

	(void)state;
	n += ext_sni(e + n, "split.example");
	memset(e + n, 0, 4);		/* padding, type 21 */
	e[n + 1] = 21;
	put16(e + n + 2, 400);
	n += 404;
	n += ext_alpn(e + n, "h2\0");
	r = hello(rec, 1, e, n);
	half = r / 2;

	sl_tls_init(&T, hs_buf, sizeof(hs_buf));
	memset(&L, 0, sizeof(L));
	tls_feed(SL_SNIFF_OUT, rec, half);
	assert_int_equal(L.n, 0);
	tls_feed(SL_SNIFF_OUT, rec + half, r - half);
	assert_string_equal(T.info.sni, "split.example");
	assert_string_equal(T.info.alpn[0], "h2");
	assert_int_equal(find(&L, SL_EV_TLS_CLIENT_HELLO, 0)->chunk, 1);
	assert_int_equal(find(&L, SL_EV_TLS_CLIENT_HELLO, 0)->at, r - half);

	sl_tls_init(&T, NULL, 0);
	tls_feed(SL_SNIFF_OUT, rec, half);
	tls_feed(SL_SNIFF_OUT, rec + half, r - half);
	assert_true(T.info.flags & SL_TLS_F_LOST);
	assert_string_equal(T.info.sni, "");

	/* Cut to 64 bytes of body: not even the fixed part. With 100:
	 * the SNI, not the ALPN after the padding. */
	sl_tls_init(&T, small, sizeof(small));
	tls_feed(SL_SNIFF_OUT, rec, half);
	tls_feed(SL_SNIFF_OUT, rec + half, r - half);
	assert_true(T.info.flags & SL_TLS_F_TRUNC);
	sl_tls_init(&T, hs_buf, 100);
	tls_feed(SL_SNIFF_OUT, rec, half);
	tls_feed(SL_SNIFF_OUT, rec + half, r - half);
	assert_true(T.info.flags & SL_TLS_F_TRUNC);
	assert_false(T.info.flags & SL_TLS_F_BAD);
	assert_string_equal(T.info.sni, "split.example");
	assert_int_equal(T.info.alpn_n, 0);

	/* The same message in two records, in one send. */
	memcpy(two, rec, 5 + 100);
	put16(two + 3, 100);
	two[105] = 22;
	put16(two + 106, 0x0303);
	put16(two + 108, (unsigned)(r - 105));
	memcpy(two + 110, rec + 105, r - 105);
	sl_tls_init(&T, hs_buf, sizeof(hs_buf));
	tls_feed(SL_SNIFF_OUT, two, r + 5);
	assert_string_equal(T.info.sni, "split.example");
	assert_string_equal(T.info.alpn[0], "h2");
}

/* Broken framing stops a direction with a reason; a plaintext alert is
 * kept; a record header split anywhere is joined. */
static void test_tls_records(void **state)
{
	static const uint8_t bad_ver[] = { 22, 2, 0, 0, 4, 1, 0, 0, 0 };
	static const uint8_t app_hdr[] = { 23, 3, 3, 0x40, 0x00 };
	static const uint8_t too_long[] = { 22, 3, 3, 0x48, 0x01 };
	static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };
	static const uint8_t app[] = { 23, 3, 3, 0, 3, 'a', 'b', 'c' };
	static const uint8_t hb[] = { 24, 3, 3, 0, 1, 1 };

	(void)state;
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	tls_feed(SL_SNIFF_OUT, bad_ver, sizeof(bad_ver));
	assert_int_equal(L.ev[0].type, SL_EV_TLS_BROKEN);
	assert_string_equal(L.ev[0].text, "bad TLS record header");
	assert_int_equal(L.ev[0].at, 5);
	tls_feed(SL_SNIFF_OUT, bad_ver, sizeof(bad_ver));
	assert_int_equal(L.n, 1);			/* stopped */

	/* Version unknown: the first type-23 record is taken, a guess. */
	tls_feed(SL_SNIFF_IN, hb, sizeof(hb));
	tls_feed(SL_SNIFF_IN, app_hdr, 1);
	assert_int_equal(L.ev[2].type, SL_EV_TLS_APPDATA);
	assert_true(T.info.flags & SL_TLS_F_GUESS);
	assert_true(sl_tls_done(&T));

	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	for (size_t i = 0; i < sizeof(alert); i++)
		tls_feed(SL_SNIFF_IN, alert + i, 1);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].type, SL_EV_TLS_ALERT);
	assert_int_equal(L.ev[0].chunk, 6);
	assert_int_equal(T.info.alert_desc, 40);
	assert_int_equal(T.info.alert_level, 2);
	tls_feed(SL_SNIFF_IN, app, 2);
	assert_int_equal(L.ev[1].type, SL_EV_TLS_ENCRYPTED);
	assert_int_equal(L.ev[2].type, SL_EV_TLS_APPDATA);
	assert_int_equal(L.ev[2].at, 0);

	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	tls_feed(SL_SNIFF_OUT, too_long, sizeof(too_long));
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].type, SL_EV_TLS_BROKEN);
	assert_string_equal(sl_tls_version_name(0x0303), "1.2");
	assert_null(sl_tls_version_name(0x7f1c));
}

/* A hello with no extensions (TLS 1.0 style), names that cannot be
 * kept, a TLS 1.2 ServerHello's ALPN, and its version from the record. */
static void test_tls_hello_fields(void **state)
{
	uint8_t e[600], rec[800], sni[300];
	size_t n, r;

	(void)state;
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	r = hello(rec, 1, e, 0) - 2;	/* drop the empty block's length */
	put16(rec + 3, (unsigned)r - 5);
	rec[7] = (uint8_t)((r - 9) >> 8);
	rec[8] = (uint8_t)(r - 9);
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_int_equal(count(&L, SL_EV_TLS_CLIENT_HELLO, 0), 1);
	assert_int_equal(T.info.ch_max_version, 0x0303);
	assert_false(T.info.flags & SL_TLS_F_BAD);

	/* 256 bytes of name; then a name of another type, then a good one. */
	memset(sni, 'a', 256);
	sni[256] = '\0';
	n = ext_sni(e, (char *)sni);
	sl_tls_init(&T, NULL, 0);
	r = hello(rec, 1, e, n);
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_true(T.info.flags & SL_TLS_F_SNI_BAD);
	n = ext_sni(e, "xx.test");
	memmove(e + 9, e + 6, n - 6);	/* a type-1 entry "aaa" first */
	e[6] = 1, put16(e + 7, 0);
	put16(e + 2, (unsigned)n - 1);
	put16(e + 4, (unsigned)n - 3);
	sl_tls_init(&T, NULL, 0);
	r = hello(rec, 1, e, n + 3);
	tls_feed(SL_SNIFF_OUT, rec, r);
	assert_string_equal(T.info.sni, "xx.test");

	/* A TLS 1.2 answer: the version from legacy_version, ALPN chosen. */
	n = ext_alpn(e, "http/1.1\0");
	r = hello(rec, 2, e, n);
	tls_feed(SL_SNIFF_IN, rec, r);
	assert_int_equal(T.info.version, 0x0303);
	assert_int_equal(T.info.cipher, 0x1301);
	assert_string_equal(T.info.alpn_chosen, "http/1.1");
	assert_true(T.info.flags & SL_TLS_F_SH);
	assert_false(T.info.flags & SL_TLS_F_ALPN_HIDDEN);
	/* And one with a name it cannot keep. */
	sl_tls_init(&T, NULL, 0);
	n = ext_alpn(e, "a-protocol-name-too-long\0");
	r = hello(rec, 2, e, n);
	tls_feed(SL_SNIFF_IN, rec, r);
	assert_string_equal(T.info.alpn_chosen, "");
	assert_true(T.info.flags & SL_TLS_F_ALPN_MORE);
}

/* TLS 1.3 by hand: a client that offered early data has its first
 * encrypted record taken for application data; one whose Finished is
 * never seen (padded records) stops after 16 with a reason. TLS 1.2: a
 * server's answer is its first record after the client's data. */
static void test_tls_phases(void **state)
{
	static const uint8_t sv[] = { 0x03, 0x04 };
	static const uint8_t app[] = { 23, 3, 3, 0, 100 };
	uint8_t e[64], rec[200], body[100] = { 0 };
	size_t n, r;

	(void)state;
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	n = ext(e, 42, "", 0);
	r = hello(rec, 1, e, n);
	tls_feed(SL_SNIFF_OUT, rec, r);
	n = ext(e, 43, sv, sizeof(sv));
	r = hello(rec, 2, e, n);
	tls_feed(SL_SNIFF_IN, rec, r);
	assert_int_equal(T.info.version, 0x0304);
	tls_feed(SL_SNIFF_OUT, app, sizeof(app));
	assert_non_null(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT));

	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	r = hello(rec, 1, e, 0);
	tls_feed(SL_SNIFF_OUT, rec, r);
	n = ext(e, 43, sv, sizeof(sv));
	r = hello(rec, 2, e, n);
	tls_feed(SL_SNIFF_IN, rec, r);
	for (int i = 0; i < 20; i++) {
		tls_feed(SL_SNIFF_OUT, app, sizeof(app));
		tls_feed(SL_SNIFF_OUT, body, sizeof(body));
		tls_feed(SL_SNIFF_IN, app, sizeof(app));
		tls_feed(SL_SNIFF_IN, body, sizeof(body));
	}
	assert_null(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT));
	assert_string_equal(find(&L, SL_EV_TLS_BROKEN, SL_SNIFF_OUT)->text,
			    "no end of handshake found in 16 encrypted records");
	assert_int_equal(T.d[SL_SNIFF_OUT].phase, SL_TLS_PH_GAVEUP);
	assert_true(sl_tls_done(&T));

	/* TLS 1.2, a server that speaks first: its first data is not the
	 * answer; its first record after the client's first data is. */
	sl_tls_init(&T, NULL, 0);
	memset(&L, 0, sizeof(L));
	r = hello(rec, 1, e, 0);
	tls_feed(SL_SNIFF_IN, rec, r);		/* the peer is the client */
	r = hello(rec, 2, e, 0);
	tls_feed(SL_SNIFF_OUT, rec, r);
	tls_feed(SL_SNIFF_OUT, app, sizeof(app));
	tls_feed(SL_SNIFF_OUT, body, sizeof(body));
	assert_non_null(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT));
	assert_null(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_OUT));
	assert_false(sl_tls_done(&T));
	tls_feed(SL_SNIFF_IN, app, 1);
	tls_feed(SL_SNIFF_OUT, app, 3);
	assert_int_equal(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_OUT)->chunk, 5);
	assert_true(sl_tls_done(&T));
}

/* ---- Hand-made HTTP ---- */

static struct sl_http H;

static void http_feed(enum sl_sniff_dir dir, const char *p)
{
	L.len = strlen(p);
	sl_http_feed(&H, dir, p, strlen(p), record, &L);
	L.chunk++;
}

static void http_reset(void)
{
	sl_http_init(&H);
	memset(&L, 0, sizeof(L));
}

/* Pipelined requests in one send, answered in one receive: HEAD's
 * answer has no body, chunked with extensions and trailers, blank lines
 * between messages. */
static void test_http_pipelined(void **state)
{
	const char *why;

	(void)state;
	http_reset();
	http_feed(SL_SNIFF_OUT, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
				"HEAD /2 HTTP/1.1\r\n\r\n"
				"POST /3 HTTP/1.1\r\nContent-Length:  5 \r\n\r\nhello"
				"\r\nGET /4 HTTP/1.0\n\n");
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_OUT), 4);
	assert_int_equal(H.pend_n, 4);
	assert_int_equal(H.pend, 1u << 2);	/* the second is HEAD */
	http_feed(SL_SNIFF_IN, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
			       "5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"
			       "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
			       "HTTP/1.1 201 Created\r\ncontent-LENGTH: 2\r\n\r\nok"
			       "HTTP/1.0 200 OK\r\n\r\nuntil the close");
	assert_int_equal(count(&L, SL_EV_HTTP_START, SL_SNIFF_IN), 4);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 3);
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);
	assert_true(H.d[SL_SNIFF_IN].msg.flags & SL_HTTP_F_UNTIL_CLOSE);
	L.len = 0;
	sl_http_eof(&H, SL_SNIFF_IN, record, &L);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 4);
	assert_int_equal(H.d[SL_SNIFF_IN].msg.body, 15);
	assert_int_equal(H.pend_n, 0);
	sl_http_eof(&H, SL_SNIFF_OUT, record, &L);
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);

	/* A message cut by the end of the stream. */
	http_reset();
	http_feed(SL_SNIFF_IN, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
	assert_true(H.d[SL_SNIFF_IN].msg.flags & SL_HTTP_F_ORPHAN);
	sl_http_eof(&H, SL_SNIFF_IN, record, &L);
	why = find(&L, SL_EV_HTTP_GIVEUP, SL_SNIFF_IN)->text;
	assert_string_equal(why, "the stream ended inside a message");
}

/* 101 and 2xx to CONNECT end the parse where the tunnel begins; 1xx
 * other than 101 are interim. */
static void test_http_tunnels(void **state)
{
	static const char resp[] = "HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
				   "HTTP/1.1 101 Switching Protocols\r\n"
				   "Upgrade: websocket\r\n\r\n\x81\x05hello";
	const struct rec *t;

	(void)state;
	http_reset();
	http_feed(SL_SNIFF_OUT, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
	http_feed(SL_SNIFF_IN, resp);
	t = find(&L, SL_EV_HTTP_TUNNEL, SL_SNIFF_IN);
	assert_non_null(t);
	assert_int_equal(t->at, strlen(resp) - 7);
	assert_int_equal(H.d[SL_SNIFF_IN].count, 2);
	assert_true(sl_http_done(&H));
	http_feed(SL_SNIFF_OUT, "\x81\x85garbage");
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);

	http_reset();
	http_feed(SL_SNIFF_OUT, "CONNECT foo.test:443 HTTP/1.1\r\n\r\n");
	http_feed(SL_SNIFF_IN, "HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n");
	assert_false(sl_http_done(&H));
	http_feed(SL_SNIFF_OUT, "CONNECT foo.test:443 HTTP/1.1\r\n\r\n");
	http_feed(SL_SNIFF_IN, "HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03");
	assert_int_equal(find(&L, SL_EV_HTTP_TUNNEL, SL_SNIFF_IN)->at, 19);
}

/* Each hostile or unexpected input gives up, with its reason. */
static void test_http_giveup(void **state)
{
	static const struct {
		int dir;
		const char *in;
		const char *why;
	} cases[] = {
		{ 0, "GET /\r\n", "a line ends where it may not" },
		{ 0, "GET / HTTP/2.0\r\n", "bad HTTP version" },
		{ 0, "GE\x01T / HTTP/1.1\r\n", "bad start line" },
		{ 0, "VERYLONGMETHODNAME / HTTP/1.1\r\n", "bad start line" },
		{ 0, "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
		  "obsolete line folding" },
		{ 0, "GET / HTTP/1.1\r\nBad Name: b\r\n\r\n", "bad header name" },
		{ 0, "GET / HTTP/1.1\r\nContent-Length\x01: 1\r\n\r\n",
		  "bad header name" },
		{ 0, "GET / HTTP/1.1\r\n: b\r\n\r\n", "bad header name" },
		{ 0, "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
		  "conflicting Content-Length" },
		{ 0, "POST / HTTP/1.1\r\nContent-Length: 5x\r\n", "bad Content-Length" },
		{ 0, "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n", "bad Content-Length" },
		{ 0, "POST / HTTP/1.1\r\nContent-Length:\r\n", "empty Content-Length" },
		{ 0, "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n",
		  "Content-Length too large" },
		{ 0, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		  "a request coded but not chunked" },
		{ 0, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		  "bad chunk size" },
		{ 0, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab",
		  "bad chunk end" },
		{ 0, "GET / HTTP/1.1\rX", "CR without LF" },
		{ 0, "GET / HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n",
		  "a request and a response in one direction" },
		{ 1, "HTTP/1.1 20 OK\r\n", "bad status code" },
		{ 1, "HTTP/1.1 099 OK\r\n", "bad status code" },
		{ 1, "HTTP/1.1 200OK\r\n", "bad status code" },
		{ 0, "GET /a\tb HTTP/1.1\r\n", "bad request target" },
		{ 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "0\r\n:bad\r\n", "bad trailer" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct rec *g;

		http_reset();
		http_feed(cases[i].dir, cases[i].in);
		g = find(&L, SL_EV_HTTP_GIVEUP, cases[i].dir);
		if (!g)
			fail_msg("case %zu: no giving up", i);
		assert_string_equal(g->text, cases[i].why);
		assert_true(sl_http_done(&H));
	}
}

/* A status line with no reason phrase; a response coded but not
 * chunked runs until the close. */
static void test_http_response_forms(void **state)
{
	(void)state;
	http_reset();
	http_feed(SL_SNIFF_OUT, "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
	http_feed(SL_SNIFF_IN, "HTTP/1.1 204\r\n\r\nHTTP/1.1 200 OK\r\n"
			       "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabcdef");
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 1);
	assert_true(H.d[1].msg.flags & SL_HTTP_F_UNTIL_CLOSE);
	sl_http_eof(&H, SL_SNIFF_IN, record, &L);
	assert_int_equal(H.d[1].msg.body, 6);
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);
}

/* A body sent with sendfile goes by unseen: skipped, and the next
 * message is read; a gap anywhere else ends the parse. The same for a
 * TLS record's body. */
static void test_skip(void **state)
{
	static const uint8_t app[] = { 23, 3, 3, 0x10, 0 };
	struct sl_tls t;

	(void)state;
	http_reset();
	http_feed(SL_SNIFF_IN, "GET /f HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n");
	http_feed(SL_SNIFF_OUT, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
	sl_http_skip(&H, SL_SNIFF_OUT, 99000, record, &L);
	http_feed(SL_SNIFF_OUT, "x");
	sl_http_skip(&H, SL_SNIFF_OUT, 999, record, &L);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_OUT), 1);
	assert_int_equal(H.d[SL_SNIFF_OUT].msg.body, 100000);
	http_feed(SL_SNIFF_OUT, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n");
	sl_http_skip(&H, SL_SNIFF_OUT, 2, record, &L);
	assert_string_equal(find(&L, SL_EV_HTTP_GIVEUP, SL_SNIFF_OUT)->text,
			    "bytes went by unseen");

	sl_tls_init(&t, NULL, 0);
	memset(&L, 0, sizeof(L));
	sl_tls_feed(&t, SL_SNIFF_IN, app, sizeof(app), record, &L);
	sl_tls_skip(&t, SL_SNIFF_IN, 0x1000, record, &L);
	assert_int_equal(t.d[SL_SNIFF_IN].hdr_have, 0);
	sl_tls_skip(&t, SL_SNIFF_OUT, 10, record, &L);
	assert_string_equal(find(&L, SL_EV_TLS_BROKEN, SL_SNIFF_OUT)->text,
			    "bytes went by unseen");

	/* Undecided: the direction is unknown; both unknown, the socket. */
	sl_sniff_init(&S, NULL, 0);
	sl_sniff_skip(&S, SL_SNIFF_OUT, 10, record, &L);
	assert_int_equal(S.proto, SL_PROTO_NONE);
	feed_str(&S, &L, SL_SNIFF_IN, "HTTP/1.1 200 OK\r\n");
	assert_int_equal(S.proto, SL_PROTO_HTTP1);
	feed_str(&S, &L, SL_SNIFF_OUT, "GET");
	assert_non_null(find(&L, SL_EV_HTTP_GIVEUP, SL_SNIFF_OUT));
}

/* The target is kept to 256 bytes, its length counted; a head may be
 * 64 KiB at most; 32 requests may wait for their answers. */
static void test_http_bounds(void **state)
{
	static char big[70000];

	(void)state;
	http_reset();
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET /", 5);
	memcpy(big + 1000, " HTTP/1.1\r\n\r\n", 14);
	http_feed(SL_SNIFF_OUT, big);
	assert_int_equal(H.d[0].msg.target_len, 996);
	assert_int_equal(strlen(H.d[0].msg.target), 256);
	assert_true(H.d[0].msg.flags & SL_HTTP_F_TARGET_CUT);
	assert_int_equal(count(&L, SL_EV_HTTP_END, 0), 1);

	http_reset();
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	http_feed(SL_SNIFF_OUT, big);
	assert_string_equal(find(&L, SL_EV_HTTP_GIVEUP, 0)->text,
			    "a head longer than 64 KiB");

	http_reset();
	for (int i = 0; i < 33; i++)
		http_feed(SL_SNIFF_OUT, "GET / HTTP/1.1\r\n\r\n");
	assert_string_equal(find(&L, SL_EV_HTTP_GIVEUP, 0)->text,
			    "more than 32 requests unanswered");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_hostile_hellos),
		cmocka_unit_test(test_tls_split_hello),
		cmocka_unit_test(test_tls_records),
		cmocka_unit_test(test_tls_hello_fields),
		cmocka_unit_test(test_tls_phases),
		cmocka_unit_test(test_http_pipelined),
		cmocka_unit_test(test_http_tunnels),
		cmocka_unit_test(test_http_giveup),
		cmocka_unit_test(test_http_response_forms),
		cmocka_unit_test(test_http_bounds),
		cmocka_unit_test(test_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
