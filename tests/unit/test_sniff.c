/*
 * Unit tests of the stream sniffers (preload/sniff*.c) on real traffic:
 * the protocol table on every preface and on near misses; captures of
 * curl against openssl s_server and python3's http.server, and of
 * redis-cli (sniff_captures.h), fed as recorded, a byte at a time and
 * split at random, which must all tell the same story, from the client's
 * side and from the server's; one socket's bytes held while its protocol
 * is undecided. Hand-made hostile input: test_sniff_hostile.c.
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
#include "sniff_captures.h"
#include "sniff_record.h"

static uint8_t hs_buf[SL_TLS_HS_BUF];

/* ---- Captures ---- */

enum split { WHOLE, BYTES, RANDOM };

static uint8_t chunk_buf[16384];

/* Feeds capture C as the client saw it (SERVER: as the server did),
 * whole chunks, a byte at a time, or split at random. */
static void replay(const struct capture *c, struct sl_sniff *s, struct log *l,
		   bool server, enum split how, unsigned seed)
{
	sl_sniff_init(s, hs_buf, sizeof(hs_buf));
	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < c->n; i++) {
		const struct cap_chunk *k = &c->chunks[i];
		enum sl_sniff_dir dir = (k->dir != 'R') != server ? SL_SNIFF_OUT
								  : SL_SNIFF_IN;
		size_t off = 0;

		if (k->dir == 'K') {
			l->len = 0;
			sl_sniff_skip(s, dir, k->len, record, l);
			l->chunk = i + 1;
			continue;
		}
		assert_true(k->len <= sizeof(chunk_buf));
		memcpy(chunk_buf, k->data, k->keep);
		memset(chunk_buf + k->keep, 'x', k->len - k->keep);
		while (off < k->len) {
			size_t n = k->len - off;

			if (how == BYTES)
				n = 1;
			else if (how == RANDOM)
				n = 1 + (seed = seed * 1103515245 + 12345) %
					(n < 300 ? n : 300);
			l->len = n;
			sl_sniff_feed(s, dir, chunk_buf + off, n, record, l);
			off += n;
		}
		l->chunk = i + 1;
	}
}

static const struct capture *capture(const char *name)
{
	for (size_t i = 0; i < sizeof(captures) / sizeof(*captures); i++)
		if (strcmp(captures[i].name, name) == 0)
			return &captures[i];
	fail_msg("no capture %s", name);
	return NULL;
}

static struct sl_sniff S;
static struct log L, L2;

/* curl to s_server, TLS 1.3: SNI, ALPN offered, versions, the cipher;
 * the client's Finished (69 bytes under AES_256_GCM_SHA384) is told
 * apart from its request, which ends its handshake; the server's first
 * record after it is a NewSessionTicket, reported as the end of its;
 * wget to s_server, for a cipher suite with SHA-256. */
static void test_tls13_capture(void **state)
{
	const struct sl_tls_info *i = &S.u.tls.info;

	(void)state;
	replay(capture("tls13_h11"), &S, &L, false, WHOLE, 0);
	assert_int_equal(S.proto, SL_PROTO_TLS);
	assert_string_equal(i->sni, "foo.test");
	assert_int_equal(i->alpn_n, 1);
	assert_string_equal(i->alpn[0], "http/1.1");
	assert_int_equal(i->ch_version, 0x0303);
	assert_int_equal(i->ch_max_version, 0x0304);
	assert_int_equal(i->ch_versions, 0x1e);	/* 1.0 to 1.3 */
	assert_int_equal(i->version, 0x0304);
	assert_int_equal(i->cipher, 0x1302);
	assert_true(i->flags & SL_TLS_F_ALPN_HIDDEN);
	assert_false(i->flags & (SL_TLS_F_BAD | SL_TLS_F_TRUNC |
				 SL_TLS_F_LOST | SL_TLS_F_GUESS));
	assert_string_equal(sl_tls_version_name(i->version), "1.3");
	assert_int_equal(find(&L, SL_EV_TLS_CLIENT_HELLO, SL_SNIFF_OUT)->chunk, 0);
	assert_int_equal(find(&L, SL_EV_TLS_SERVER_HELLO, SL_SNIFF_IN)->chunk, 2);
	/* The server's encrypted flight starts after its CCS (chunk 3-4). */
	assert_int_equal(find(&L, SL_EV_TLS_ENCRYPTED, SL_SNIFF_IN)->chunk, 5);
	/* CCS + Finished in chunk 13; the request is chunk 14. */
	assert_int_equal(find(&L, SL_EV_TLS_ENCRYPTED, SL_SNIFF_OUT)->chunk, 13);
	assert_int_equal(find(&L, SL_EV_TLS_ENCRYPTED, SL_SNIFF_OUT)->at, 6);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT)->chunk, 14);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT)->at, 0);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_IN)->chunk, 15);
	assert_int_equal(count(&L, SL_EV_TLS_APPDATA, -1), 2);
	/* The answer: a ticket, read after the request (sniff.h says). */
	assert_int_equal(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_IN)->chunk, 15);
	assert_true(sl_sniff_done(&S));

	/* wget reads a ticket before it sends its request: the answer
	 * skips it. AES_128_GCM_SHA256: a Finished of 53 bytes. */
	replay(capture("wget13"), &S, &L, false, WHOLE, 0);
	assert_int_equal(i->cipher, 0x1301);
	assert_string_equal(i->sni, "");
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_IN)->chunk, 15);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT)->chunk, 17);
	assert_int_equal(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_IN)->chunk, 18);
	assert_int_equal(count(&L, SL_EV_TLS_ANSWER, -1), 1);
	assert_true(sl_sniff_done(&S));
}

/* TLS 1.2: the negotiated version from the ServerHello, no ALPN chosen
 * (the server has none), each side's first type-23 record ends it. */
static void test_tls12_capture(void **state)
{
	const struct sl_tls_info *i = &S.u.tls.info;

	(void)state;
	replay(capture("tls12_h11"), &S, &L, false, WHOLE, 0);
	assert_int_equal(i->version, 0x0303);
	assert_string_equal(i->sni, "foo.test");
	assert_string_equal(i->alpn_chosen, "");
	assert_false(i->flags & SL_TLS_F_ALPN_HIDDEN);
	assert_int_equal(count(&L, SL_EV_TLS_ENCRYPTED, -1), 2);
	/* The request (chunk 14) and the response's header (chunk 15). */
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT)->chunk, 14);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_IN)->chunk, 15);
	assert_int_equal(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_IN)->chunk, 15);
	assert_true(sl_sniff_done(&S));

	replay(capture("tls12_alpn"), &S, &L, false, WHOLE, 0);
	assert_int_equal(i->version, 0x0303);
	assert_string_equal(i->alpn_chosen, "http/1.1");
}

static void test_tls13_h2_and_hrr(void **state)
{
	const struct sl_tls_info *i = &S.u.tls.info;

	(void)state;
	replay(capture("tls13_h2"), &S, &L, false, WHOLE, 0);
	assert_int_equal(i->alpn_n, 2);
	assert_string_equal(i->alpn[0], "h2");
	assert_string_equal(i->alpn[1], "http/1.1");
	assert_int_equal(i->alpn_offered, 2);
	assert_true(i->flags & SL_TLS_F_ALPN_HIDDEN);

	replay(capture("tls13_hrr"), &S, &L, false, WHOLE, 0);
	assert_true(i->flags & SL_TLS_F_HRR);
	assert_true(i->flags & SL_TLS_F_SH);
	assert_int_equal(count(&L, SL_EV_TLS_HRR, SL_SNIFF_IN), 1);
	assert_int_equal(count(&L, SL_EV_TLS_CLIENT_HELLO, SL_SNIFF_OUT), 1);
	assert_int_equal(count(&L, SL_EV_TLS_SERVER_HELLO, SL_SNIFF_IN), 1);
	assert_true(find(&L, SL_EV_TLS_HRR, SL_SNIFF_IN) <
		    find(&L, SL_EV_TLS_SERVER_HELLO, SL_SNIFF_IN));
	assert_int_equal(i->version, 0x0304);
	assert_int_equal(count(&L, SL_EV_TLS_APPDATA, -1), 2);
}

/* Every capture tells the same story fed whole, a byte at a time or cut
 * at random, and from the server's side with the directions swapped. */
static void test_captures_any_split(void **state)
{
	static struct sl_sniff s2;

	(void)state;
	for (size_t c = 0; c < sizeof(captures) / sizeof(*captures); c++) {
		for (int how = 0; how < 5; how++) {
			bool server = how == 4;

			replay(&captures[c], &S, &L, false, WHOLE, 0);
			replay(&captures[c], &s2, &L2, server,
			       how >= 2 ? RANDOM : (enum split)how, 7u + how);
			assert_int_equal(S.proto, s2.proto);
			assert_int_equal(L.n, L2.n);
			for (unsigned e = 0; e < L.n; e++) {
				assert_int_equal(L.ev[e].type, L2.ev[e].type);
				assert_int_equal(L.ev[e].dir,
						 server ? !L2.ev[e].dir
							: L2.ev[e].dir);
				assert_int_equal(L.ev[e].chunk, L2.ev[e].chunk);
				assert_int_equal(L.ev[e].status, L2.ev[e].status);
				assert_string_equal(L.ev[e].text, L2.ev[e].text);
			}
			if (S.proto == SL_PROTO_TLS)
				assert_memory_equal(&S.u.tls.info, &s2.u.tls.info,
						    sizeof(S.u.tls.info));
		}
	}
}

/* Four requests on one keep-alive connection: each one's start, end and
 * status; a chunked body, a 204 and a 304 end where they should. */
static void test_http_keepalive_capture(void **state)
{
	const struct rec *e;

	(void)state;
	replay(capture("http_ka"), &S, &L, false, WHOLE, 0);
	assert_int_equal(S.proto, SL_PROTO_HTTP1);
	assert_int_equal(count(&L, SL_EV_HTTP_BEGIN, SL_SNIFF_OUT), 4);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_OUT), 4);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 4);
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);
	assert_int_equal(S.u.http.d[SL_SNIFF_OUT].count, 4);
	assert_int_equal(S.u.http.d[SL_SNIFF_IN].count, 4);
	assert_int_equal(S.u.http.pend_n, 0);
	e = find(&L, SL_EV_HTTP_START, SL_SNIFF_OUT);
	assert_string_equal(e->text, "GET /a?x=1");
	e = find(&L, SL_EV_HTTP_START, SL_SNIFF_IN);
	assert_int_equal(e->status, 200);
	/* The chunked response: its head in chunk 3, its end in chunk 4. */
	for (unsigned i = 0, k = 0; i < L.n; i++) {
		static const uint16_t want[] = { 200, 200, 204, 304 };
		static const unsigned end_chunk[] = { 1, 4, 6, 8 };

		if (L.ev[i].type == SL_EV_HTTP_START && L.ev[i].dir == SL_SNIFF_IN)
			assert_int_equal(L.ev[i].status, want[k]);
		if (L.ev[i].type == SL_EV_HTTP_END && L.ev[i].dir == SL_SNIFF_IN) {
			assert_int_equal(L.ev[i].chunk, end_chunk[k]);
			assert_int_equal(L.ev[i].at,
					 capture("http_ka")->chunks[end_chunk[k]].len);
			k++;
		}
	}
	assert_false(sl_sniff_done(&S));
}

/* HEAD's answer has a Content-Length and no body; a POST's 12 KiB body
 * ends the request; 100 Continue is interim. */
static void test_http_head_post_100(void **state)
{
	const struct rec *e;

	(void)state;
	replay(capture("http_head"), &S, &L, false, WHOLE, 0);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 2);
	e = find(&L, SL_EV_HTTP_END, SL_SNIFF_IN);
	assert_int_equal(e->chunk, 1);		/* right after the head */
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_OUT), 2);
	assert_int_equal(L.ev[L.n - 1].type, SL_EV_HTTP_END);
	assert_int_equal(S.u.http.d[SL_SNIFF_OUT].msg.body, 12452);
	assert_int_equal(S.u.http.d[SL_SNIFF_IN].msg.length, 3000);

	replay(capture("http_100"), &S, &L, false, WHOLE, 0);
	assert_int_equal(count(&L, SL_EV_HTTP_START, SL_SNIFF_IN), 2);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_IN), 2);
	assert_int_equal(S.u.http.d[SL_SNIFF_IN].count, 2);
	assert_int_equal(S.u.http.pend_n, 0);
	/* The request ends with its body, sent after the 100. */
	assert_int_equal(find(&L, SL_EV_HTTP_END, SL_SNIFF_OUT)->chunk, 2);
}

/* nginx, recorded on its side: a TLS 1.2 server that speaks h2 (its
 * SETTINGS go before the client's first data: the answer is its first
 * record after that); plain HTTP whose bodies go by sendfile. */
static void test_nginx_captures(void **state)
{
	const struct sl_tls_info *i = &S.u.tls.info;

	(void)state;
	replay(capture("ngx_tls"), &S, &L, false, WHOLE, 0);
	assert_int_equal(L.ev[0].type, SL_EV_PROTO);
	assert_int_equal(L.ev[0].dir, SL_SNIFF_IN);
	assert_int_equal(L.ev[0].role, SL_ROLE_CLIENT);
	assert_int_equal(i->alpn_n, 2);
	assert_string_equal(i->alpn_chosen, "h2");
	assert_int_equal(i->version, 0x0303);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_OUT)->chunk, 4);
	assert_int_equal(find(&L, SL_EV_TLS_APPDATA, SL_SNIFF_IN)->chunk, 5);
	assert_int_equal(find(&L, SL_EV_TLS_ANSWER, SL_SNIFF_OUT)->chunk, 6);
	assert_true(sl_sniff_done(&S));

	replay(capture("ngx_http"), &S, &L, false, WHOLE, 0);
	assert_int_equal(count(&L, SL_EV_HTTP_END, SL_SNIFF_OUT), 2);
	assert_int_equal(find(&L, SL_EV_HTTP_END, SL_SNIFF_OUT)->chunk, 2);
	assert_int_equal(S.u.http.d[SL_SNIFF_OUT].msg.body, 6);
	assert_int_equal(count(&L, SL_EV_HTTP_GIVEUP, -1), 0);
	assert_int_equal(S.u.http.client_dir, SL_SNIFF_IN);
}

static void test_named_captures(void **state)
{
	(void)state;
	replay(capture("h2c"), &S, &L, false, WHOLE, 0);
	assert_int_equal(S.proto, SL_PROTO_H2);
	assert_int_equal(L.n, 1);
	assert_int_equal(L.ev[0].type, SL_EV_PROTO);
	assert_true(sl_sniff_done(&S));
	replay(capture("redis"), &S, &L, false, WHOLE, 0);
	assert_int_equal(S.proto, SL_PROTO_REDIS);
	assert_string_equal(sl_proto_name(S.proto), "redis");
	assert_true(sl_sniff_done(&S));
}

/* ---- The protocol table ---- */

static enum sl_proto id_of(const void *p, size_t n, bool bytewise,
			   enum sl_role *role)
{
	struct sl_sniff_id id;
	enum sl_proto r = SL_PROTO_NONE;

	memset(&id, 0, sizeof(id));
	if (!bytewise)
		r = sl_sniff_id_feed(&id, p, n);
	for (size_t i = 0; bytewise && i < n; i++)
		r = sl_sniff_id_feed(&id, (const char *)p + i, 1);
	if (role)
		*role = id.role;
	return r;
}

static void test_proto_table(void **state)
{
	static const uint8_t pg[] = { 0, 0, 0, 0x29, 0, 3, 0, 0, 'u', 's' };
	static const uint8_t pg_ssl[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	static const uint8_t mysql[] = { 0x4a, 0, 0, 0, 0x0a, '8', '.', '0',
					 '.', '3', '6', 0 };
	static const uint8_t dns[] = {
		0, 29, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
	};
	static const struct {
		const void *p;
		size_t n;
		enum sl_proto want;
		enum sl_role role;
	} cases[] = {
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, SL_PROTO_H2, SL_ROLE_CLIENT },
		{ "GET / HTTP/1.1\r\n", 16, SL_PROTO_HTTP1, SL_ROLE_CLIENT },
		{ "MKCALENDAR /x HTTP", 18, SL_PROTO_HTTP1, SL_ROLE_CLIENT },
		{ "HTTP/1.0 200 OK\r\n", 17, SL_PROTO_HTTP1, SL_ROLE_SERVER },
		{ "SSH-2.0-OpenSSH_9.2p1\r\n", 23, SL_PROTO_SSH, SL_ROLE_ANY },
		{ "*2\r\n$3\r\nGET\r\n", 13, SL_PROTO_REDIS, SL_ROLE_CLIENT },
		{ "\x16\x03\x01\x02\x00\x01", 6, SL_PROTO_TLS, SL_ROLE_CLIENT },
		{ "\x16\x03\x03\x00\x7a\x02", 6, SL_PROTO_TLS, SL_ROLE_SERVER },
		{ pg, sizeof(pg), SL_PROTO_PGSQL, SL_ROLE_CLIENT },
		{ pg_ssl, sizeof(pg_ssl), SL_PROTO_PGSQL, SL_ROLE_CLIENT },
		{ mysql, sizeof(mysql), SL_PROTO_MYSQL, SL_ROLE_SERVER },
		{ dns, sizeof(dns), SL_PROTO_DNS, SL_ROLE_CLIENT },
		/* Near misses: each is told apart. */
		{ "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", 24, SL_PROTO_UNKNOWN, 0 },
		{ "GETS / HTTP/1.1\r\n", 17, SL_PROTO_UNKNOWN, 0 },
		{ "get / HTTP/1.1\r\n", 16, SL_PROTO_UNKNOWN, 0 },
		{ "*0\r\n", 4, SL_PROTO_UNKNOWN, 0 },
		{ "+OK\r\n", 5, SL_PROTO_UNKNOWN, 0 },
		{ "\x16\x03\x05\x00\x10\x01", 6, SL_PROTO_UNKNOWN, 0 },
		{ "\x16\x03\x01\x50\x00\x01", 6, SL_PROTO_UNKNOWN, 0 },
		{ "\x17\x03\x03\x00\x10\x01", 6, SL_PROTO_UNKNOWN, 0 },
		{ "SSH-3.0-x", 9, SL_PROTO_UNKNOWN, 0 },
		{ "hello, world, this is no protocol", 33, SL_PROTO_UNKNOWN, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		for (int bw = 0; bw < 2; bw++) {
			enum sl_role role;
			enum sl_proto got = id_of(cases[i].p, cases[i].n, bw,
						  &role);

			/* A near miss that is a prefix may stay undecided. */
			if (cases[i].want == SL_PROTO_UNKNOWN &&
			    got == SL_PROTO_NONE)
				continue;
			if (got != cases[i].want)
				fail_msg("case %zu (%s): got %s", i,
					 bw ? "bytewise" : "whole",
					 sl_proto_name(got));
			if (got != SL_PROTO_UNKNOWN)
				assert_int_equal(role, cases[i].role);
		}
	}
	/* Prefixes wait; a decision is sticky. */
	assert_int_equal(id_of("PRI * HTT", 9, false, NULL), SL_PROTO_NONE);
	assert_int_equal(id_of("G", 1, false, NULL), SL_PROTO_NONE);
	assert_int_equal(id_of("", 0, false, NULL), SL_PROTO_NONE);
	assert_string_equal(sl_proto_name(SL_PROTO_COUNT), "unknown");
	assert_string_equal(sl_proto_name(SL_PROTO_PGSQL), "postgresql");
}

/* ---- One socket ---- */

/* A request line sent a byte, then the rest: the held byte reaches the
 * parser first. A direction that went by unrecognised cannot be parsed. */
static void test_sniff_held_and_lost(void **state)
{
	static const char req[] = "ET /x HTTP/1.1\r\n\r\n";
	uint8_t rec[600], e[64];
	size_t r;

	(void)state;
	sl_sniff_init(&S, NULL, 0);
	memset(&L, 0, sizeof(L));
	feed_str(&S, &L, SL_SNIFF_OUT, "G");
	assert_int_equal(L.n, 0);
	feed_str(&S, &L, SL_SNIFF_OUT, req);
	assert_int_equal(L.ev[0].type, SL_EV_PROTO);
	assert_int_equal(L.ev[1].type, SL_EV_HTTP_BEGIN);
	assert_int_equal(L.ev[1].at, 0);
	assert_string_equal(find(&L, SL_EV_HTTP_START, 0)->text, "GET /x");
	assert_int_equal(find(&L, SL_EV_HTTP_END, 0)->at, strlen(req));

	/* The server side spoke first, in an unknown tongue, at length. */
	sl_sniff_init(&S, hs_buf, sizeof(hs_buf));
	memset(&L, 0, sizeof(L));
	feed_str(&S, &L, SL_SNIFF_IN, "220 smtp.example.org ESMTP ready\r\n");
	assert_int_equal(S.proto, SL_PROTO_NONE);
	r = hello(rec, 1, e, ext_sni(e, "late.test"));
	feed(&S, &L, SL_SNIFF_OUT, rec, r);
	assert_int_equal(S.proto, SL_PROTO_TLS);
	assert_string_equal(S.u.tls.info.sni, "late.test");
	feed_str(&S, &L, SL_SNIFF_IN, "more");
	assert_string_equal(find(&L, SL_EV_TLS_BROKEN, SL_SNIFF_IN)->text,
			    "the start of this direction was not seen");

	/* Both unknown: decided. */
	sl_sniff_init(&S, NULL, 0);
	feed_str(&S, &L, SL_SNIFF_OUT, "hello, this is not a known protocol");
	assert_false(sl_sniff_done(&S));
	feed_str(&S, &L, SL_SNIFF_IN, "x");
	assert_int_equal(S.proto, SL_PROTO_NONE);	/* a length byte? */
	feed_str(&S, &L, SL_SNIFF_IN, "yz");
	assert_int_equal(S.proto, SL_PROTO_UNKNOWN);
	assert_true(sl_sniff_done(&S));
}

/* ---- The HTTP/1.x head read whole and a byte at a time ---- */

/* One stream: chunks of both directions, in order ('>' the program
 * sent it, '<' it received it). */
static const char *const http_streams[][8] = {
	{ ">GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n",
	  "<HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: t\r\n\r\nok",
	  ">GET /b HTTP/1.1\r\n\r\nHEAD /c HTTP/1.1\r\n\r\n",
	  "<HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" },
	{ ">POST /p HTTP/1.1\r\ncontent-LENGTH:  5 \r\n\r\nhello\r\n\n"
	  "GET /4 HTTP/1.0\n\n",
	  "<HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: </s>\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
	  "5;ext=1;q=\"a\"\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n",
	  "<HTTP/1.0 204\r\n\r\n" },
	{ "<GET /s HTTP/1.1\r\nContent-Lengthy: 3\r\nTransfer-Encodinx: a\r\n"
	  "Content-Length: 0\r\n\r\n",
	  ">HTTP/1.1 404 \r\nContent-Length: 3\r\n\r\nabc" },
	{ ">OPTIONSOPTIONS1 * HTTP/1.1\r\n\r\n", "<HTTP/1.1 200\n\n" },
	{ ">GET / HTTP/1.1\r\nContent-Length: 1\r2\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nBad Name: b\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n" },
	{ ">GET /a\tb HTTP/1.1\r\n\r\n" },
	{ ">GET / HTTP/1.1X\r\n\r\n" },
	{ ">GET / HTTP/1.1\rX\r\n\r\n" },
	{ ">HTTP/1.1 200 OK\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\n\r\n", "<GET / HTTP/1.1\r\n\r\n" },
	{ "<HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n",
	  "<HTTP/1.1 20 OK\r\n" },
	{ ">VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\n\r\n", "<HTTP/1.1 200OK\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\n\r\n", "<HTTP/1.1 099 OK\r\n\r\n" },
	{ ">CONNECT h:443 HTTP/1.1\r\n\r\n", "<HTTP/1.1 200 OK\r\n\r\n\x16\x03" },
	{ ">GET /u HTTP/1.1\r\nUpgrade: ws\r\n\r\n",
	  "<HTTP/1.1 101 Switching\r\nUpgrade: ws\r\n\r\n\x81\x05hello" },
	{ ">GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "a; x = y\r\n0123456789\r\n0\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" },
	{ ">POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n" },
	/* Names end at ':' (or give up at a byte at or below space) at
	 * every place in an eight-byte step; any other byte is a name's. */
	{ ">GET / HTTP/1.1\r\nX{y}@: 1\r\n\xc3\xa9t\xe9\x7f: 2\r\n"
	  "a:\r\nabcdefg:\r\nabcdefgh:x\r\nabcdefghi: y\r\n"
	  "Content-Length\xc2: 9\r\nXContent-Length: 9\r\n\r\n",
	  "<HTTP/1.1 200 OK\r\nabcdefghijklmno: 1\r\n"
	  "abcdefghijklmnop: 2\r\nContent-Length:3\r\n\r\nabc" },
	{ ">GET / HTTP/1.1\r\nabcdefgh\x01: b\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nabcdefg\t: b\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nabcdefghijk\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nabc\n\r\n" },
	{ ">GET / HTTP/1.1\r\n:b\r\n\r\n" },
	/* Targets sixteen bytes at a time (target_end()). */
	{ ">GET /0123456789abcdef0123456789abcdef?q=1 HTTP/1.1\r\n\r\n"
	  "GET /0123456789abcdef012\x7f HTTP/1.1\r\n\r\n" },
	{ ">GET /0123456789abcdef\t HTTP/1.1\r\n\r\n" },
	{ ">GET /0123456789abcde\x80\xff HTTP/1.1\r\n\r\n" },
	/* Likewise sixteen bytes at a time (line_at()'s SSE2 path). */
	{ ">GET / HTTP/1.1\r\nBad Name: bbbbbbbbbbbbbbbb\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nabcdefghijklmn\x7f\x01: bbbbbbbbbbbbbb\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\nX-Long: 0123456789abcdef0123456789abcdef"
	  "0123456789abcdef\r\nabcdefghijklmnopqrstuvwxyz: 1\r\n"
	  "Content-Length: 1\r\n\r\nx" },
	/* Content-Length values read at once (OWS, 1 to 15 digits, OWS)
	 * and those left to the byte reader. */
	{ ">POST / HTTP/1.1\r\nContent-Length:\t 02\t \r\n\r\nab"
	  "POST / HTTP/1.1\r\nContent-Length:3\r\ncontent-length: 3 \r\n\r\nabc"
	  "POST / HTTP/1.1\r\nContent-Length: 000000000000001\r\n\r\nx",
	  "<HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\n\r\n",
	  "<HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n" },
	{ ">GET / HTTP/1.1\r\n\r\n",
	  "<HTTP/1.1 200 OK\r\nContent-Length: 1000000000000001\r\n\r\n" },
	{ ">POST / HTTP/1.1\r\nContent-Length: 1 \t2\r\n\r\n" },
	{ ">POST / HTTP/1.1\r\nContent-Length: \t \r\n\r\n" },
	{ ">POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n" },
	{ ">POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n" },
};

static struct log LH;
static size_t base[2];

/* Each event, where it happened in its direction's stream, and what the
 * message said at that moment. */
static void record_at(void *ctx, const struct sl_sniff_ev *ev)
{
	const struct sl_http_msg *m = ev->http;
	struct rec *r;

	record(ctx, ev);
	r = &LH.ev[LH.n - 1];
	r->at += base[ev->dir];
	if (m)
		snprintf(r->text, sizeof(r->text), "%x %u %u %.8s %u %llu %llu",
			 m->flags, m->status, m->minor, m->target,
			 m->target_len, (unsigned long long)m->length,
			 (unsigned long long)m->body);
}

/* Stream I with each chunk cut at CUT (0: whole; 1: byte by byte). */
static void http_stream(size_t i, size_t cut, struct sl_http *h)
{
	sl_http_init(h);
	memset(&LH, 0, sizeof(LH));
	base[0] = base[1] = 0;
	for (size_t c = 0; c < 8 && http_streams[i][c]; c++) {
		const char *s = http_streams[i][c] + 1;
		enum sl_sniff_dir dir = http_streams[i][c][0] == '>' ?
						SL_SNIFF_OUT : SL_SNIFF_IN;
		size_t n = strlen(s), off = 0;

		while (off < n) {
			size_t k = cut == 1 ? 1 : cut && off < cut &&
				   cut < n ? cut - off : n - off;

			LH.len = k;
			sl_http_feed(h, dir, s + off, k, record_at, &LH);
			base[dir] += k;
			off += k;
		}
	}
}

/* The head reader that takes a whole line at once (sniff_http_line.c)
 * and the one that reads a byte at a time tell the same story, events,
 * offsets, fields and giving up, wherever the chunks are cut. */
static void test_http_lines_any_split(void **state)
{
	static struct sl_http h1, h2;
	static struct log want;

	(void)state;
	for (size_t i = 0; i < sizeof(http_streams) / sizeof(*http_streams);
	     i++) {
		http_stream(i, 1, &h1);
		want = LH;
		for (size_t cut = 0; cut < 120; cut = cut ? cut + 1 : 2) {
			http_stream(i, cut, &h2);
			if (LH.n != want.n)
				fail_msg("stream %zu cut %zu: %u events, not %u",
					 i, cut, LH.n, want.n);
			for (unsigned e = 0; e < want.n; e++) {
				assert_int_equal(LH.ev[e].type, want.ev[e].type);
				assert_int_equal(LH.ev[e].at, want.ev[e].at);
				assert_string_equal(LH.ev[e].text,
						    want.ev[e].text);
			}
			assert_int_equal(h1.dead, h2.dead);
			assert_int_equal(h1.pend_n, h2.pend_n);
		}
	}
}

/* A target kept after a longer one ends at its own length, whole or
 * a byte at a time (a message clears only the target's first byte). */
static void test_http_target_after_longer(void **state)
{
	static char big[400];
	static struct sl_http h;
	static const char two[] = "GET /b HTTP/1.1\r\n\r\n";

	(void)state;
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 300);
	strcpy(big + 305, " HTTP/1.1\r\n\r\n");
	for (int bytes = 0; bytes < 2; bytes++) {
		sl_http_init(&h);
		memset(&LH, 0, sizeof(LH));
		LH.len = sizeof(big);
		for (size_t i = 0; i < strlen(big); i += bytes ? 1 : strlen(big))
			sl_http_feed(&h, SL_SNIFF_OUT, big + i,
				     bytes ? 1 : strlen(big), record, &LH);
		assert_true(h.d[0].msg.flags & SL_HTTP_F_TARGET_CUT);
		LH.len = sizeof(big);
		for (size_t i = 0; i < sizeof(two) - 1; i += bytes ? 1 : sizeof(two))
			sl_http_feed(&h, SL_SNIFF_OUT, two + i,
				     bytes ? 1 : sizeof(two) - 1, record, &LH);
		assert_int_equal(h.d[0].msg.target_len, 2);
		assert_string_equal(h.d[0].msg.target, "/b");
		assert_false(h.d[0].msg.flags & SL_HTTP_F_TARGET_CUT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_table),
		cmocka_unit_test(test_tls13_capture),
		cmocka_unit_test(test_tls12_capture),
		cmocka_unit_test(test_tls13_h2_and_hrr),
		cmocka_unit_test(test_captures_any_split),
		cmocka_unit_test(test_http_keepalive_capture),
		cmocka_unit_test(test_http_head_post_100),
		cmocka_unit_test(test_nginx_captures),
		cmocka_unit_test(test_named_captures),
		cmocka_unit_test(test_sniff_held_and_lost),
		cmocka_unit_test(test_http_lines_any_split),
		cmocka_unit_test(test_http_target_after_longer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
