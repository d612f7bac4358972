/*
 * HTTP/1.x (RFC 9112) over both directions of one connection, with
 * fixed state: each message's start line (a request's method and target,
 * cut to SL_HTTP_TARGET_MAX; a response's status), and where it ends, so
 * that keep-alive requests are counted and each one's first and last
 * byte found. Bodies are skipped, never kept. This file reads heads and
 * the lines of a chunked body; sniff_http_line.c reads a head's lines
 * whole when they are whole in a chunk and in their usual form (the
 * common case, and the cheap one), sniff_http_body.c decides what
 * follows a head and pairs responses with requests.
 *
 * A direction is a sequence of messages. A head (start line and header
 * lines, 64 KiB at most) that sniff_http_line.c leaves (a line split
 * across chunks, or in an unusual or bad form) is read here a byte at a
 * time, from that line's first byte, but for runs of a
 * target's or a header name's bytes, and for the parts nobody needs (a
 * reason phrase, a header other than Content-Length and
 * Transfer-Encoding, a chunk extension, a trailer), which are skipped to
 * their line feed at once. Anything unexpected (a bad start line or
 * header, a conflicting Content-Length, obsolete line folding, a request
 * in both directions) gives up on the whole connection: its state is
 * unknown. CR LF ends a line; so does a bare LF (RFC 9112 2.2 allows it).
 */
#include <string.h>

#include "sniff_http.h"

#define CL_MAX 1000000000000000ull

static const char too_long[] = "a head longer than 64 KiB";

/* The headers that frame a message: one table, lowercase. */
static const struct {
	const char *name;
	uint8_t len;
} hdr_names[] = {
	[HDR_CL] = { "content-length", 14 },
	[HDR_TE] = { "transfer-encoding", 17 },
};
#define HDR_ALL ((1u << HDR_CL) | (1u << HDR_TE))
#define TE_BAD 0xff		/* pos when the coding is not "chunked" */

void sl_http_emit(struct sl_http_run *r, enum sl_sniff_ev_type type,
		  size_t at, const char *why)
{
	struct sl_sniff_ev ev = {
		.type = type, .dir = r->dir, .at = at, .proto = SL_PROTO_HTTP1,
		.http = why ? NULL : &r->d->msg, .why = why,
	};

	r->cb(r->ctx, &ev);
}

void sl_http_giveup(struct sl_http_run *r, size_t at, const char *why)
{
	if (r->h->dead)
		return;
	r->h->dead = 1;
	sl_http_emit(r, SL_EV_HTTP_GIVEUP, at, why);
}

/* ---- Start lines ---- */

/* The first token ended (a space at AT): a method or "HTTP/1.x". */
static void first_token(struct sl_http_run *r, size_t at)
{
	struct sl_http_dir *d = r->d;
	struct sl_http_msg *m = &d->msg;
	bool response = d->pos == 8 && memcmp(m->method, "HTTP/1.", 7) == 0 &&
			m->method[7] >= '0' && m->method[7] <= '9';
	int want = response ? !r->dir : (int)r->dir;

	if (d->pos == 0 || d->pos > SL_HTTP_METHOD_MAX ||
	    (!response && memchr(m->method, '/', d->pos))) {
		sl_http_giveup(r, at, "bad start line");
		return;
	}
	if (r->h->client_dir < 0)
		r->h->client_dir = (int8_t)want;
	if (r->h->client_dir != want) {
		sl_http_giveup(r, at,
			       "a request and a response in one direction");
		return;
	}
	d->pos = 0;
	d->num = 0;
	if (!response) {
		d->state = ST_TARGET;
		return;
	}
	m->flags |= SL_HTTP_F_RESPONSE;
	m->minor = (uint8_t)(m->method[7] - '0');
	memset(m->method, 0, sizeof(m->method));
	d->state = ST_STATUS;
}

/* ---- Header lines ---- */

void sl_http_value_done(struct sl_http_run *r, size_t at)
{
	struct sl_http_dir *d = r->d;

	if (d->hdr == HDR_TE) {
		d->te_last = d->pos == 7;
		d->seen |= 1u << HDR_TE;
		return;
	}
	if (d->pos == 0) {
		sl_http_giveup(r, at, "empty Content-Length");
		return;
	}
	if ((d->seen & (1u << HDR_CL)) && d->msg.length != d->num) {
		sl_http_giveup(r, at, "conflicting Content-Length");
		return;
	}
	d->msg.length = d->num;
	d->seen |= 1u << HDR_CL;
}

/* One byte of a Content-Length value: OWS, digits, OWS. */
void sl_http_value_cl(struct sl_http_run *r, uint8_t c, size_t at)
{
	struct sl_http_dir *d = r->d;

	if (c == ' ' || c == '\t') {
		if (d->pos == 1)
			d->pos = 2;
	} else if (c >= '0' && c <= '9' && d->pos < 2) {
		d->pos = 1;
		d->num = d->num * 10 + (c - '0');
		if (d->num > CL_MAX)
			sl_http_giveup(r, at, "Content-Length too large");
	} else {
		sl_http_giveup(r, at, "bad Content-Length");
	}
}

/* One byte of a Transfer-Encoding value: is its last coding "chunked"? */
void sl_http_value_te(struct sl_http_dir *d, uint8_t c)
{
	if (c == ',')
		d->pos = 0;
	else if (c == ' ' || c == '\t')
		return;
	else if (d->pos < 7 && sl_http_lower(c) == (uint8_t)"chunked"[d->pos])
		d->pos++;
	else
		d->pos = TE_BAD;
}

/* One byte of a header name: which framing header it may still be. */
static void name_char(struct sl_http_dir *d, uint8_t c)
{
	for (unsigned k = HDR_CL; k <= HDR_TE; k++)
		if ((d->hdr & (1u << k)) &&
		    (d->pos >= hdr_names[k].len ||
		     sl_http_lower(c) != (uint8_t)hdr_names[k].name[d->pos]))
			d->hdr &= (uint8_t)~(1u << k);
	d->pos++;
}

static void name_done(struct sl_http_dir *d)
{
	unsigned which = HDR_NONE;

	for (unsigned k = HDR_CL; k <= HDR_TE; k++)
		if ((d->hdr & (1u << k)) && d->pos == hdr_names[k].len)
			which = k;
	d->hdr = (uint8_t)which;
	d->state = which ? ST_VALUE : ST_SKIP;
	d->pos = 0;
	d->num = 0;
}

/* ---- Lines and bytes ---- */

/* A line of the current state ended; AT is the byte after its LF. */
static void line_end(struct sl_http_run *r, size_t at)
{
	struct sl_http_dir *d = r->d;

	switch (d->state) {
	case ST_RVERSION:
		if (d->pos != 8)
			break;
		d->state = ST_LINE;
		sl_http_request_line(r, at);
		return;
	case ST_STATUS:
		if (d->pos != 3)
			break;
		d->state = ST_LINE;	/* no reason phrase */
		sl_http_status_line(r, at);
		return;
	case ST_REASON:
		d->state = ST_LINE;
		sl_http_status_line(r, at);
		return;
	case ST_LINE:
		sl_http_head_done(r, at);
		return;
	case ST_VALUE:
		d->state = ST_LINE;
		sl_http_value_done(r, at);
		return;
	case ST_SKIP:
		d->state = ST_LINE;
		return;
	case ST_CHUNK_SIZE:
		if (d->pos == 0)
			break;
		d->left = d->num;
		d->state = d->num ? ST_CHUNK_DATA : ST_TRAILER;
		return;
	case ST_CHUNK_EXT:
		d->left = d->num;
		d->state = d->num ? ST_CHUNK_DATA : ST_TRAILER;
		return;
	case ST_CHUNK_END:
		d->state = ST_CHUNK_SIZE;
		d->num = 0;
		d->pos = 0;
		return;
	case ST_TRAILER:
		sl_http_end_msg(r, at);
		return;
	case ST_TRAILER_SKIP:
		d->state = ST_TRAILER;
		return;
	}
	sl_http_giveup(r, at, "a line ends where it may not");
}

void sl_http_begin_msg(struct sl_http_run *r, size_t at)
{
	struct sl_http_dir *d = r->d;

	memset(&d->msg, 0, offsetof(struct sl_http_msg, target));
	d->msg.target[0] = '\0';
	d->seen = 0;
	d->te_last = 0;
	sl_http_emit(r, SL_EV_HTTP_BEGIN, at, NULL);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sl_http_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The byte C at AT, in a state read a byte at a time. */
static void byte_in(struct sl_http_run *r, uint8_t c, size_t at)
{
	struct sl_http_dir *d = r->d;
	struct sl_http_msg *m = &d->msg;

	switch (d->state) {
	case ST_FIRST:
		if (c == ' ') {
			first_token(r, at);
		} else if ((!sl_http_tchar(c) && c != '/') ||
			   d->pos >= SL_HTTP_METHOD_MAX) {
			sl_http_giveup(r, at, "bad start line");
		} else {
			m->method[d->pos++] = (char)c;
		}
		return;
	case ST_TARGET:		/* its other bytes went through run_of() */
		if (c == ' ' && m->target_len > 0)
			d->state = ST_RVERSION;
		else
			sl_http_giveup(r, at, "bad request target");
		return;
	case ST_RVERSION:
		if (d->pos < 7 && c == (uint8_t)"HTTP/1."[d->pos])
			d->pos++;
		else if (d->pos == 7 && c >= '0' && c <= '9')
			m->minor = (uint8_t)(c - '0'), d->pos++;
		else
			sl_http_giveup(r, at, "bad HTTP version");
		return;
	case ST_STATUS:
		if (d->pos < 3 && c >= '0' && c <= '9' &&
		    (d->pos > 0 || c >= '1'))
			m->status = (uint16_t)(m->status * 10 + (c - '0')),
			d->pos++;
		else if (d->pos == 3 && c == ' ')
			d->state = ST_REASON;
		else
			sl_http_giveup(r, at, "bad status code");
		return;
	case ST_LINE:
		if (c == ' ' || c == '\t') {
			sl_http_giveup(r, at, "obsolete line folding");
			return;
		}
		if (!sl_http_namec(c)) {
			sl_http_giveup(r, at, "bad header name");
			return;
		}
		d->state = ST_NAME;
		d->hdr = HDR_ALL;
		d->pos = 0;
		name_char(d, c);
		return;
	case ST_NAME:		/* likewise */
		if (c == ':')
			name_done(d);
		else
			sl_http_giveup(r, at, "bad header name");
		return;
	case ST_VALUE:
		if (d->hdr == HDR_CL)
			sl_http_value_cl(r, c, at);
		else
			sl_http_value_te(d, c);
		return;
	case ST_CHUNK_SIZE:
		if (hexval(c) >= 0 && d->pos < 15)
			d->num = d->num * 16 + (unsigned)hexval(c), d->pos++;
		else if ((c == ';' || c == ' ' || c == '\t') && d->pos > 0)
			d->state = ST_CHUNK_EXT;
		else
			sl_http_giveup(r, at, "bad chunk size");
		return;
	case ST_TRAILER:
		if (sl_http_tchar(c))
			d->state = ST_TRAILER_SKIP;
		else
			sl_http_giveup(r, at, "bad trailer");
		return;
	default:
		sl_http_giveup(r, at, "bad chunk end");
	}
}

/* One byte of a head, a chunk-size line or a trailer, at AT. */
static void byte(struct sl_http_run *r, uint8_t c, size_t at)
{
	struct sl_http_dir *d = r->d;

	if (d->state == ST_FIRST && d->pos == 0 && !d->cr) {
		if (c == '\r' || c == '\n')
			return;		/* blank lines between messages */
		sl_http_begin_msg(r, at);
	}
	if (d->state < ST_BODY) {
		if (++d->msg.head > SL_HTTP_HEAD_MAX) {
			sl_http_giveup(r, at, too_long);
			return;
		}
	} else {
		d->msg.body++;
	}
	if (d->cr) {
		d->cr = 0;
		if (c == '\n')
			line_end(r, at + 1);
		else
			sl_http_giveup(r, at, "CR without LF");
	} else if (c == '\r') {
		d->cr = 1;
	} else if (c == '\n') {
		line_end(r, at + 1);
	} else {
		byte_in(r, c, at);
	}
}

/* States skipped to their LF at once: the skip's length, LF included,
 * or all N bytes; *EOL says whether the line ended. */
static size_t skip_line(struct sl_http_run *r, const uint8_t *p, size_t n,
			bool *eol)
{
	const uint8_t *q = memchr(p, '\n', n);
	size_t take = q ? (size_t)(q - p) + 1 : n;
	struct sl_http_msg *m = &r->d->msg;

	*eol = q != NULL;
	if (r->d->state < ST_BODY)
		m->head += (uint32_t)(take <= SL_HTTP_HEAD_MAX ? take
							       : SL_HTTP_HEAD_MAX + 1);
	else
		m->body += take;
	return take;
}

/* A run of a target's or a header name's ordinary bytes at once: how
 * many (the byte that ends the run goes through byte()). */
static size_t run_of(struct sl_http_run *r, const uint8_t *p, size_t n)
{
	struct sl_http_dir *d = r->d;
	struct sl_http_msg *m = &d->msg;
	size_t k = 0;

	if (d->state == ST_TARGET) {
		while (k < n && p[k] > ' ' && p[k] != 0x7f)
			k++;
		if (m->target_len < SL_HTTP_TARGET_MAX) {
			size_t room = SL_HTTP_TARGET_MAX - m->target_len;

			memcpy(m->target + m->target_len, p,
			       k < room ? k : room);
			m->target[m->target_len + (k < room ? k : room)] = '\0';
		}
		if (m->target_len + k > SL_HTTP_TARGET_MAX)
			m->flags |= SL_HTTP_F_TARGET_CUT;
		m->target_len += (uint32_t)k;
	} else {
		for (; k < n && d->hdr && sl_http_namec(p[k]); k++)
			name_char(d, p[k]);
		for (; k < n && sl_http_namec(p[k]); k++)
			d->pos++;
	}
	m->head += (uint32_t)k;
	return k;
}

void sl_http_init(struct sl_http *h)
{
	memset(h, 0, sizeof(*h));
	h->client_dir = -1;
}

void sl_http_feed(struct sl_http *h, enum sl_sniff_dir dir, const void *buf,
		  size_t len, sl_sniff_cb cb, void *ctx)
{
	struct sl_http_run r = { h, dir, &h->d[dir], cb, ctx };
	struct sl_http_dir *d = r.d;
	const uint8_t *p = buf;
	size_t off = 0, n;
	bool eol;

	while (off < len && !h->dead) {
		switch (d->state) {
		case ST_BODY:
		case ST_CHUNK_DATA:
		case ST_CLOSE:
			off += sl_http_body_bytes(&r, len - off, off);
			break;
		case ST_REASON:
		case ST_SKIP:
		case ST_CHUNK_EXT:
		case ST_TRAILER_SKIP:
			off += skip_line(&r, p + off, len - off, &eol);
			if (d->msg.head > SL_HTTP_HEAD_MAX)
				sl_http_giveup(&r, off, too_long);
			else if (eol)
				line_end(&r, off);
			break;
		case ST_FIRST:
		case ST_LINE:
			if ((n = sl_http_lines(&r, p + off, len - off, off))) {
				off += n;
				break;
			}
			byte(&r, p[off], off);
			off++;
			break;
		case ST_TARGET:
		case ST_NAME:
			if (!d->cr && (n = run_of(&r, p + off, len - off))) {
				off += n;
				if (d->msg.head > SL_HTTP_HEAD_MAX)
					sl_http_giveup(&r, off, too_long);
				break;
			}
			/* fall through */
		default:
			byte(&r, p[off], off);
			off++;
		}
	}
}

void sl_http_lost(struct sl_http *h, sl_sniff_cb cb, void *ctx)
{
	struct sl_http_run r = { h, SL_SNIFF_OUT, &h->d[0], cb, ctx };

	sl_http_giveup(&r, 0, "the start of a direction was not seen");
}

bool sl_http_done(const struct sl_http *h)
{
	return h->dead;
}
