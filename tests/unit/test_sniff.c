/*
 * Unit tests of the stream sniffers (preload/sniff*.c): the protocol
 * table on every preface and on near misses; real captures (curl against
 * openssl s_server and python3's http.server, redis-cli; see
 * sniff_captures.h) fed as recorded, one byte at a time, and split at
 * random, which must all tell the same story, from the client's side and
 * from the server's; and hand-made hellos and HTTP messages that are
 * split, cut short or hostile.
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

#define MAX_EV 256

struct rec {
	enum sl_sniff_ev_type type;
	enum sl_sniff_dir dir;
	size_t at;
	unsigned chunk;		/* which fed chunk it came with */
	uint16_t status;
	char text[64];		/* method and target, or why */
};

struct log {
	struct rec ev[MAX_EV];
	unsigned n;
	unsigned chunk;
	size_t len;		/* of the chunk being fed */
};

static void record(void *ctx, const struct sl_sniff_ev *ev)
{
	struct log *l = ctx;
	struct rec *r;

	assert_true(ev->at <= l->len);
	assert_true(l->n < MAX_EV);
	r = &l->ev[l->n++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->dir = ev->dir;
	r->at = ev->at;
	r->chunk = l->chunk;
	if (ev->type == SL_EV_HTTP_START) {
		r->status = ev->http->status;
		snprintf(r->text, sizeof(r->text), "%s %.30s", ev->http->method,
			 ev->http->target);
	}
	if (ev->why)
		snprintf(r->text, sizeof(r->text), "%.47s", ev->why);
}

/* The number of events of TYPE (in DIR, or either for -1). */
static unsigned count(const struct log *l, enum sl_sniff_ev_type type,
		      int dir)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->n; i++)
		n += l->ev[i].type == type && (dir < 0 || (int)l->ev[i].dir == dir);
	return n;
}

/* The first event of TYPE in DIR, or NULL. */
static const struct rec *find(const struct log *l, enum sl_sniff_ev_type type,
			      int dir)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->ev[i].type == type && (int)l->ev[i].dir == dir)
			return &l->ev[i];
	return NULL;
}

static void feed(struct sl_sniff *s, struct log *l, enum sl_sniff_dir dir,
		 const void *p, size_t n)
{
	l->len = n;
	sl_sniff_feed(s, dir, p, n, record, l);
	l->chunk++;
}

static void feed_str(struct sl_sniff *s, struct log *l, enum sl_sniff_dir dir,
		     const char *str)
{
	feed(s, l, dir, str, strlen(str));
}

/* ---- Captures ---- */

enum split { WHOLE, BYTES, RANDOM };

static uint8_t hs_buf[SL_TLS_HS_BUF];
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
		enum sl_sniff_dir dir = (k->dir == 'S') != server ? SL_SNIFF_OUT
								  : SL_SNIFF_IN;
		size_t off = 0;

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
 * record after it is a NewSessionTicket, reported as the end of its. */
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

/* ---- Hand-made hellos ---- */

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* An extension: type, then its body. */
static size_t ext(uint8_t *p, unsigned type, const void *body, size_t n)
{
	put16(p, type);
	put16(p + 2, (unsigned)n);
	memcpy(p + 4, body, n);
	return 4 + n;
}

static size_t ext_sni(uint8_t *p, const char *name)
{
	uint8_t b[300];
	size_t n = strlen(name);

	put16(b, (unsigned)n + 3);
	b[2] = 0;
	put16(b + 3, (unsigned)n);
	memcpy(b + 5, name, n);
	return ext(p, 0, b, n + 5);
}

/* ALPN from a NUL-separated list ending in an empty name. */
static size_t ext_alpn(uint8_t *p, const char *names)
{
	uint8_t b[300];
	size_t n = 2;

	for (const char *s = names; *s; s += strlen(s) + 1) {
		b[n++] = (uint8_t)strlen(s);
		memcpy(b + n, s, strlen(s));
		n += strlen(s);
	}
	put16(b, (unsigned)n - 2);
	return ext(p, 16, b, n);
}

/* A record with a hello of TYPE (1 or 2) and the extensions EXTS. */
static size_t hello(uint8_t *out, int type, const uint8_t *exts, size_t n)
{
	uint8_t *b = out + 9;
	size_t k = 0;

	k += put16(b, 0x0303);
	memset(b + k, 0x42, 32);
	k += 32;
	b[k++] = 0;			/* session id */
	if (type == 1) {
		k += put16(b + k, 2);
		k += put16(b + k, 0x1301);
		b[k++] = 1;
		b[k++] = 0;
	} else {
		k += put16(b + k, 0x1301);
		b[k++] = 0;
	}
	k += put16(b + k, (unsigned)n);
	memcpy(b + k, exts, n);
	k += n;
	out[0] = 22;
	put16(out + 1, 0x0301);
	put16(out + 3, (unsigned)k + 4);
	out[5] = (uint8_t)type;
	out[6] = 0;
	put16(out + 7, (unsigned)k);
	return k + 9;
}

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
		cmocka_unit_test(test_named_captures),
		cmocka_unit_test(test_tls_hostile_hellos),
		cmocka_unit_test(test_tls_split_hello),
		cmocka_unit_test(test_tls_records),
		cmocka_unit_test(test_http_pipelined),
		cmocka_unit_test(test_http_tunnels),
		cmocka_unit_test(test_http_giveup),
		cmocka_unit_test(test_http_bounds),
		cmocka_unit_test(test_sniff_held_and_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
