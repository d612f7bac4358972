/*
 * Which protocol a TCP stream speaks, from its first bytes, and the one
 * entry point that runs the right parser on each chunk of a socket.
 *
 * The recognisers are one table (id_rows): a fixed preface, or a check
 * of a few header fields where a protocol has no fixed bytes. Each row
 * says no, yes, or "more bytes needed"; the first row that does not say
 * no decides, so a longer or stricter preface is listed before a
 * looser one that it could be taken for (h2's "PRI * HTTP/2.0" before
 * the HTTP/1 methods). Every check decides within SL_SNIFF_ID_BYTES
 * bytes; until then the first bytes are held, and when a decision
 * comes they are handed to the protocol's parser ahead of the chunk
 * that decided, so the parser sees each direction from its first byte.
 * Nothing past the decision is looked at for the protocols that have no
 * parser here (named only).
 */
#include <string.h>

#include "sniff.h"

enum id_verdict { ID_NO, ID_MORE, ID_YES };

struct id_row {
	uint8_t proto;		/* enum sl_proto */
	uint8_t role;		/* enum sl_role, unless the check says */
	const char *pfx;	/* a fixed preface, or NULL */
	uint8_t pfx_len;
	int (*check)(const uint8_t *p, size_t n, uint8_t *role);
};

#define PFX(s) .pfx = (s), .pfx_len = sizeof(s) - 1

static int be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The first N bytes of P against a fixed preface. */
static int match_prefix(const uint8_t *p, size_t n, const char *pfx,
			size_t pfx_len)
{
	size_t k = n < pfx_len ? n : pfx_len;

	if (memcmp(p, pfx, k) != 0)
		return ID_NO;
	return k < pfx_len ? ID_MORE : ID_YES;
}

/* A TLS record header carrying a ClientHello (client) or ServerHello
 * (server): type 22, version 3.0 to 3.4, a length a record may have. */
static int check_tls(const uint8_t *p, size_t n, uint8_t *role)
{
	if (n < 1)
		return ID_MORE;
	if (p[0] != 22)
		return ID_NO;
	if (n < 2)
		return ID_MORE;
	if (p[1] != 3)
		return ID_NO;
	if (n < 3)
		return ID_MORE;
	if (p[2] > 4)
		return ID_NO;
	if (n < 6)
		return ID_MORE;
	if (be16(p + 3) < 4 || be16(p + 3) > 16384 + 2048)
		return ID_NO;
	if (p[5] == 1)
		*role = SL_ROLE_CLIENT;
	else if (p[5] == 2)
		*role = SL_ROLE_SERVER;
	else
		return ID_NO;
	return ID_YES;
}

/* The methods a request line may start with (RFC 9110, WebDAV, PURGE). */
static const char *const http_methods[] = {
	"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "CONNECT ", "OPTIONS ",
	"TRACE ", "PATCH ", "PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ",
	"MOVE ", "LOCK ", "UNLOCK ", "REPORT ", "SEARCH ", "MKCALENDAR ",
	"PURGE ",
};

static int check_http_request(const uint8_t *p, size_t n, uint8_t *role)
{
	int best = ID_NO;

	for (size_t i = 0; i < sizeof(http_methods) / sizeof(*http_methods);
	     i++) {
		const char *m = http_methods[i];
		int v = match_prefix(p, n, m, strlen(m));

		if (v == ID_YES)
			return ID_YES;
		if (v == ID_MORE)
			best = ID_MORE;
	}
	return best;
}

/* A client's command: an array of bulk strings, "*<1-99999>\r\n$". */
static int check_resp(const uint8_t *p, size_t n, uint8_t *role)
{
	size_t i = 1;

	if (n < 1)
		return ID_MORE;
	if (p[0] != '*')
		return ID_NO;
	if (n < 2)
		return ID_MORE;
	if (p[1] < '1' || p[1] > '9')
		return ID_NO;
	while (i < n && i < 6 && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i == n)
		return ID_MORE;
	if (p[i] != '\r')
		return ID_NO;
	if (i + 1 == n)
		return ID_MORE;
	if (p[i + 1] != '\n')
		return ID_NO;
	if (i + 2 == n)
		return ID_MORE;
	return p[i + 2] == '$' ? ID_YES : ID_NO;
}

/* PostgreSQL's first message: a length, then protocol 3.0 (a startup
 * message) or one of the request codes with their fixed lengths. */
static int check_pgsql(const uint8_t *p, size_t n, uint8_t *role)
{
	uint32_t len, code;

	if (n >= 1 && p[0] != 0)
		return ID_NO;
	if (n >= 2 && p[1] != 0)
		return ID_NO;
	if (n < 8)
		return ID_MORE;
	len = be32(p);
	code = be32(p + 4);
	if (code == 0x00030000)		/* protocol 3.0: startup */
		return len >= 9 && len <= 10000 ? ID_YES : ID_NO;
	if (code == 80877103 || code == 80877104)	/* SSL, GSSENC */
		return len == 8 ? ID_YES : ID_NO;
	if (code == 80877102)		/* cancel */
		return len == 16 ? ID_YES : ID_NO;
	return ID_NO;
}

/* MySQL's greeting (the server speaks first): a 3-byte length, packet
 * number 0, protocol 10, a version string that starts with a digit. */
static int check_mysql(const uint8_t *p, size_t n, uint8_t *role)
{
	static const uint8_t want[] = { 0, 0, 10 };	/* from p[2] on */
	size_t k = n < 5 ? n : 5;

	if (k > 1 && p[1] > 4)		/* a length of 1 KiB at most */
		return ID_NO;
	if (k > 2 && memcmp(p + 2, want, k - 2) != 0)
		return ID_NO;
	if (n < 6)
		return ID_MORE;
	if ((p[0] | p[1] << 8) < 20 || (p[0] | p[1] << 8) > 1024)
		return ID_NO;
	return p[5] >= '0' && p[5] <= '9' ? ID_YES : ID_NO;
}

/* A DNS query over TCP: a length, then a header that asks one standard
 * query (QR 0, opcode 0, no answers, at most two additional records). */
static int check_dns(const uint8_t *p, size_t n, uint8_t *role)
{
	static const uint8_t zero[14];

	if (n >= 2 && (be16(p) < 17 || be16(p) > 4096))
		return ID_NO;
	if (n >= 5 && (p[4] & 0xfe) != 0)	/* QR, opcode, AA, TC */
		return ID_NO;
	if (n >= 6 && (p[5] & 0xcf) != 0)	/* RA, Z, RCODE */
		return ID_NO;
	if (n >= 7 && p[6] != 0)
		return ID_NO;
	if (n >= 8 && p[7] != 1)		/* QDCOUNT 1 */
		return ID_NO;
	if (n >= 8 && memcmp(p + 8, zero, (n < 12 ? n : 12) - 8) != 0)
		return ID_NO;			/* ANCOUNT, NSCOUNT 0 */
	if (n >= 13 && p[12] != 0)
		return ID_NO;
	if (n < 14)
		return ID_MORE;
	return p[13] <= 2 ? ID_YES : ID_NO;	/* ARCOUNT: EDNS, TSIG */
}

/* The table: the first row that does not say no decides. */
static const struct id_row id_rows[] = {
	{ SL_PROTO_H2, SL_ROLE_CLIENT,
	  PFX("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") },
	{ SL_PROTO_TLS, SL_ROLE_ANY, .check = check_tls },
	{ SL_PROTO_HTTP1, SL_ROLE_CLIENT, .check = check_http_request },
	{ SL_PROTO_HTTP1, SL_ROLE_SERVER, PFX("HTTP/1.") },
	{ SL_PROTO_SSH, SL_ROLE_ANY, PFX("SSH-2.0-") },
	{ SL_PROTO_SSH, SL_ROLE_ANY, PFX("SSH-1.99-") },
	{ SL_PROTO_REDIS, SL_ROLE_CLIENT, .check = check_resp },
	{ SL_PROTO_PGSQL, SL_ROLE_CLIENT, .check = check_pgsql },
	{ SL_PROTO_MYSQL, SL_ROLE_SERVER, .check = check_mysql },
	{ SL_PROTO_DNS, SL_ROLE_CLIENT, .check = check_dns },
};

/* The records carry the role with wire.h's numbers. */
_Static_assert(SL_ROLE_ANY == SL_SNIFF_ROLE_ANY &&
	       SL_ROLE_CLIENT == SL_SNIFF_ROLE_CLIENT &&
	       SL_ROLE_SERVER == SL_SNIFF_ROLE_SERVER, "sniff roles");

/* Runs the table over the first N bytes. FINAL: no more bytes will be
 * held, so "more" counts as no. */
static int id_decide(struct sl_sniff_id *id, const uint8_t *p, size_t n,
		     bool final)
{
	for (size_t i = 0; i < sizeof(id_rows) / sizeof(*id_rows); i++) {
		const struct id_row *r = &id_rows[i];
		uint8_t role = r->role;
		int v = r->check ? r->check(p, n, &role)
				 : match_prefix(p, n, r->pfx, r->pfx_len);

		if (v == ID_MORE && !final)
			return ID_MORE;
		if (v == ID_YES) {
			id->proto = r->proto;
			id->role = role;
			return ID_YES;
		}
	}
	id->proto = SL_PROTO_UNKNOWN;
	return ID_NO;
}

enum sl_proto sl_sniff_id_feed(struct sl_sniff_id *id, const void *buf,
			       size_t len)
{
	size_t take;

	if (len == 0)
		return id->proto;
	if (id->proto != SL_PROTO_NONE) {
		id->spilled = 1;
		return id->proto;
	}
	/* Enough in one chunk, the usual case: decide on it in place. */
	if (id->have == 0 && len >= SL_SNIFF_ID_BYTES) {
		id->spilled = 1;
		id_decide(id, buf, len, true);
		return id->proto;
	}
	take = SL_SNIFF_ID_BYTES - id->have;
	if (take > len)
		take = len;
	else if (take < len)
		id->spilled = 1;
	memcpy(id->buf + id->have, buf, take);
	id->have += take;
	id_decide(id, id->buf, id->have, id->have == SL_SNIFF_ID_BYTES);
	return id->proto;
}

/* ---- One socket: recognise, then parse ---- */

void sl_sniff_init(struct sl_sniff *s, void *hs_buf, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->hs_buf = hs_buf;
	s->hs_cap = hs_buf ? (cap > 65535 ? 65535 : (uint16_t)cap) : 0;
}

static bool has_parser(const struct sl_sniff *s)
{
	return s->proto == SL_PROTO_TLS || s->proto == SL_PROTO_HTTP1;
}

/* Events from held bytes belong to an earlier chunk: they come at 0. */
struct held_ctx {
	sl_sniff_cb cb;
	void *ctx;
};

static void held_cb(void *ctx, const struct sl_sniff_ev *ev)
{
	const struct held_ctx *h = ctx;
	struct sl_sniff_ev e = *ev;

	e.at = 0;
	h->cb(h->ctx, &e);
}

static void parse(struct sl_sniff *s, enum sl_sniff_dir dir, const void *buf,
		  size_t len, sl_sniff_cb cb, void *ctx)
{
	if (s->proto == SL_PROTO_TLS)
		sl_tls_feed(&s->u.tls, dir, buf, len, cb, ctx);
	else
		sl_http_feed(&s->u.http, dir, buf, len, cb, ctx);
}

/* The protocol is known from DIR's bytes: start its parser, and count
 * what each direction holds that the parser has not seen yet (for DIR,
 * the bytes held from before this chunk; BEFORE of them). */
static void decided(struct sl_sniff *s, enum sl_sniff_dir dir, size_t before,
		    sl_sniff_cb cb, void *ctx)
{
	enum sl_sniff_dir other = !dir;
	struct sl_sniff_ev ev = {
		.type = SL_EV_PROTO, .dir = dir, .at = 0,
		.proto = s->id[dir].proto, .role = s->id[dir].role,
	};

	s->proto = s->id[dir].proto;
	if (s->proto == SL_PROTO_TLS)
		sl_tls_init(&s->u.tls, s->hs_buf, s->hs_cap);
	else if (s->proto == SL_PROTO_HTTP1)
		sl_http_init(&s->u.http);
	s->held[dir] = (uint8_t)before;
	s->held[other] = s->id[other].have;
	s->lost[other] = s->id[other].spilled;
	cb(ctx, &ev);
}

/* Feeds the recogniser of DIR; true when the protocol is now known. */
static bool recognise(struct sl_sniff *s, enum sl_sniff_dir dir,
		      const void *buf, size_t len, sl_sniff_cb cb, void *ctx)
{
	struct sl_sniff_id *id = &s->id[dir];
	size_t before = id->have;
	enum sl_proto p = sl_sniff_id_feed(id, buf, len);

	if (p == SL_PROTO_NONE)
		return false;
	if (p == SL_PROTO_UNKNOWN) {
		/* Decided only when the other side, too, matched nothing. */
		if (s->id[!dir].proto != SL_PROTO_UNKNOWN)
			return false;
		s->proto = SL_PROTO_UNKNOWN;
		return false;
	}
	decided(s, dir, before, cb, ctx);
	return true;
}

/* Before DIR's next bytes: what the parser has not seen of its start
 * (held bytes), or that it never will (lost). */
static void catch_up(struct sl_sniff *s, enum sl_sniff_dir dir,
		     sl_sniff_cb cb, void *ctx)
{
	if (s->lost[dir]) {
		s->lost[dir] = 0;
		s->held[dir] = 0;
		if (s->proto == SL_PROTO_TLS)
			sl_tls_lost(&s->u.tls, dir, cb, ctx);
		else
			sl_http_lost(&s->u.http, cb, ctx);
	}
	if (s->held[dir]) {
		struct held_ctx h = { cb, ctx };

		parse(s, dir, s->id[dir].buf, s->held[dir], held_cb, &h);
		s->held[dir] = 0;
	}
}

void sl_sniff_feed(struct sl_sniff *s, enum sl_sniff_dir dir,
		   const void *buf, size_t len, sl_sniff_cb cb, void *ctx)
{
	if (len == 0 || (unsigned)dir > SL_SNIFF_IN)
		return;
	if (s->proto == SL_PROTO_NONE &&
	    !recognise(s, dir, buf, len, cb, ctx))
		return;
	if (!has_parser(s))
		return;
	if (s->lost[dir] || s->held[dir])
		catch_up(s, dir, cb, ctx);
	parse(s, dir, buf, len, cb, ctx);
}

void sl_sniff_skip(struct sl_sniff *s, enum sl_sniff_dir dir, uint64_t n,
		   sl_sniff_cb cb, void *ctx)
{
	struct sl_sniff_id *id = &s->id[dir];

	if (n == 0 || (unsigned)dir > SL_SNIFF_IN)
		return;
	if (s->proto == SL_PROTO_NONE) {
		/* This direction cannot be recognised any more. */
		id->spilled = 1;
		if (id->proto == SL_PROTO_NONE)
			id->proto = SL_PROTO_UNKNOWN;
		if (s->id[!dir].proto == SL_PROTO_UNKNOWN)
			s->proto = SL_PROTO_UNKNOWN;
		return;
	}
	if (!has_parser(s))
		return;
	catch_up(s, dir, cb, ctx);	/* what came before the gap */
	if (s->proto == SL_PROTO_TLS)
		sl_tls_skip(&s->u.tls, dir, n, cb, ctx);
	else
		sl_http_skip(&s->u.http, dir, n, cb, ctx);
}

void sl_sniff_eof(struct sl_sniff *s, enum sl_sniff_dir dir, sl_sniff_cb cb,
		  void *ctx)
{
	if (s->proto == SL_PROTO_HTTP1 && (unsigned)dir <= SL_SNIFF_IN)
		sl_http_eof(&s->u.http, dir, cb, ctx);
}

bool sl_sniff_done(const struct sl_sniff *s)
{
	if (s->proto == SL_PROTO_NONE)
		return false;
	if (s->proto == SL_PROTO_TLS)
		return sl_tls_done(&s->u.tls);
	if (s->proto == SL_PROTO_HTTP1)
		return sl_http_done(&s->u.http);
	return true;
}
