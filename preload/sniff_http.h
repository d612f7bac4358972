/*
 * What the two files of the HTTP/1.x parser share (sniff_http.c reads
 * heads, sniff_http_body.c frames what follows and pairs responses with
 * requests); nothing outside them includes it.
 */
#ifndef SL_SNIFF_HTTP_H
#define SL_SNIFF_HTTP_H

#include "sniff.h"

#define SL_HTTP_HEAD_MAX 65536	/* bytes of one message's head */

/* Where a direction is (struct sl_http_dir.state). */
enum st {
	ST_FIRST = 0,		/* a message's first token */
	ST_TARGET,		/* a request's target */
	ST_RVERSION,		/* a request's "HTTP/1.x" */
	ST_STATUS,		/* a response's three digits */
	ST_REASON,		/* skipped to LF */
	ST_LINE,		/* the start of a header line */
	ST_NAME,
	ST_VALUE,		/* of Content-Length or Transfer-Encoding */
	ST_SKIP,		/* another header's line: skipped to LF */
	ST_BODY,		/* Content-Length bytes */
	ST_CHUNK_SIZE,
	ST_CHUNK_EXT,		/* skipped to LF */
	ST_CHUNK_DATA,
	ST_CHUNK_END,		/* the CR LF after a chunk's data */
	ST_TRAILER,		/* the start of a trailer line */
	ST_TRAILER_SKIP,	/* skipped to LF */
	ST_CLOSE,		/* a body that ends at the close */
};

/* Pending request flags, 2 bits each. */
enum { PEND_HEAD = 1, PEND_CONNECT = 2 };

/* The headers that frame a message (struct sl_http_dir.hdr; bits of
 * .seen). */
enum hdr { HDR_NONE = 0, HDR_CL = 1, HDR_TE = 2 };

/* One call's context: the connection, the direction, the callback. */
struct sl_http_run {
	struct sl_http *h;
	enum sl_sniff_dir dir;
	struct sl_http_dir *d;
	sl_sniff_cb cb;
	void *ctx;
};

/* RFC 9110 5.6.2: a token's characters, as a bitmap of ASCII (digits,
 * letters and !#$%&'*+-.^_`|~). */
static inline bool sl_http_tchar(uint8_t c)
{
	static const uint64_t lo = 0x03ff6cfa00000000ull;
	static const uint64_t hi = 0x57ffffffc7fffffeull;

	return c < 64 ? (lo >> c) & 1 : c < 128 && ((hi >> (c - 64)) & 1);
}

/* A header name's byte: anything above space but ':'. The name only
 * frames (its colon ends it, and two names are looked for); which bytes
 * RFC 9110 allows in it is no business of the traced process, and the
 * whole-line reader finds it eight bytes at a time this way. */
static inline bool sl_http_namec(uint8_t c)
{
	return c > ' ' && c != ':';
}

static inline uint8_t sl_http_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* sniff_http.c: an event of R's direction at AT; giving up, once. */
void sl_http_emit(struct sl_http_run *r, enum sl_sniff_ev_type type,
		  size_t at, const char *why);
void sl_http_giveup(struct sl_http_run *r, size_t at, const char *why);
/* sniff_http.c: a message begins at AT; one byte C of a Content-Length
 * or a Transfer-Encoding value (at AT); the value's line ended. */
void sl_http_begin_msg(struct sl_http_run *r, size_t at);
void sl_http_value_cl(struct sl_http_run *r, uint8_t c, size_t at);
void sl_http_value_te(struct sl_http_dir *d, uint8_t c);
void sl_http_value_done(struct sl_http_run *r, size_t at);
/* sniff_http_line.c: the lines at P (N bytes, AT in the chunk), from
 * where a head's line begins, at once, as long as each is whole there
 * and in its usual form: how many bytes they took; 0 when the first is
 * not (then sniff_http.c reads it a byte at a time, as it reads a
 * split line). */
size_t sl_http_lines(struct sl_http_run *r, const uint8_t *p, size_t n,
		     size_t at);
/* sniff_http_body.c: a start line, a head or a message is complete (AT:
 * the byte after it); a body's bytes at once (how many of N taken). */
void sl_http_request_line(struct sl_http_run *r, size_t at);
void sl_http_status_line(struct sl_http_run *r, size_t at);
void sl_http_head_done(struct sl_http_run *r, size_t at);
void sl_http_end_msg(struct sl_http_run *r, size_t at);
size_t sl_http_body_bytes(struct sl_http_run *r, size_t n, size_t at);

#endif
