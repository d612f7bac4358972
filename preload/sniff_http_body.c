/*
 * HTTP/1.x: what follows a message's head (RFC 9112 6.3). Requests not
 * yet answered are kept, 2 bits each (HEAD, CONNECT), up to 32
 * pipelined, so that a response knows what it answers: no body for 1xx,
 * 204, 304 and an answer to HEAD; 101, and 2xx to CONNECT, turn the
 * connection into a tunnel of another protocol (reported, and nothing
 * more is parsed); else chunked, Content-Length, or until the close. A
 * body's bytes, and bytes that went by unseen inside one (sendfile),
 * cost O(1) per chunk. The heads themselves: sniff_http.c.
 */
#include <string.h>

#include "sniff_http.h"

#define PEND_MAX 32

/* A request line is complete: note what its response will need. */
void sl_http_request_line(struct sl_http_run *r, size_t at)
{
	struct sl_http *h = r->h;
	struct sl_http_msg *m = &r->d->msg;
	unsigned pf = 0;

	/* The method ends in NUL within its array: fixed-size compares. */
	if (memcmp(m->method, "HEAD", 5) == 0) {
		m->flags |= SL_HTTP_F_HEAD;
		pf = PEND_HEAD;
	} else if (memcmp(m->method, "CONNECT", 8) == 0) {
		m->flags |= SL_HTTP_F_CONNECT;
		pf = PEND_CONNECT;
	}
	if (h->pend_n >= PEND_MAX) {
		sl_http_giveup(r, at, "more than 32 requests unanswered");
		return;
	}
	h->pend |= (uint64_t)pf << (2 * h->pend_n++);
	sl_http_emit(r, SL_EV_HTTP_START, at, NULL);
}

/* A status line is complete: which request it answers. */
void sl_http_status_line(struct sl_http_run *r, size_t at)
{
	struct sl_http *h = r->h;
	struct sl_http_msg *m = &r->d->msg;

	if (h->pend_n == 0)
		m->flags |= SL_HTTP_F_ORPHAN;
	else if (h->pend & PEND_HEAD)
		m->flags |= SL_HTTP_F_HEAD;
	else if (h->pend & PEND_CONNECT)
		m->flags |= SL_HTTP_F_CONNECT;
	sl_http_emit(r, SL_EV_HTTP_START, at, NULL);
}

/* ---- Message ends ---- */

void sl_http_end_msg(struct sl_http_run *r, size_t at)
{
	struct sl_http *h = r->h;
	struct sl_http_dir *d = r->d;
	struct sl_http_msg *m = &d->msg;
	bool tunnel = false;

	d->count++;
	d->state = ST_FIRST;
	d->pos = 0;
	if ((m->flags & SL_HTTP_F_RESPONSE) &&
	    !(m->flags & SL_HTTP_F_INTERIM)) {
		tunnel = m->status == 101 || ((m->flags & SL_HTTP_F_CONNECT) &&
					      m->status / 100 == 2);
		if (h->pend_n) {
			h->pend >>= 2;
			h->pend_n--;
		}
	}
	sl_http_emit(r, SL_EV_HTTP_END, at, NULL);
	if (tunnel && !h->dead) {
		h->dead = 1;
		sl_http_emit(r, SL_EV_HTTP_TUNNEL, at, NULL);
	}
}

/* The head is complete (AT: the byte after it): how the body is framed. */
void sl_http_head_done(struct sl_http_run *r, size_t at)
{
	struct sl_http_dir *d = r->d;
	struct sl_http_msg *m = &d->msg;
	bool resp = m->flags & SL_HTTP_F_RESPONSE;
	unsigned s = m->status;

	if (resp && ((s >= 100 && s < 200) || s == 204 || s == 304 ||
		     (m->flags & SL_HTTP_F_HEAD) ||
		     ((m->flags & SL_HTTP_F_CONNECT) && s / 100 == 2))) {
		if (s >= 100 && s < 200 && s != 101)
			m->flags |= SL_HTTP_F_INTERIM;
		m->flags |= SL_HTTP_F_NO_BODY;
	} else if ((d->seen & (1u << HDR_TE)) && d->te_last) {
		m->flags |= SL_HTTP_F_CHUNKED;
		d->state = ST_CHUNK_SIZE;
		d->num = 0;
		d->pos = 0;
		return;
	} else if (d->seen & (1u << HDR_TE)) {
		if (!resp) {
			sl_http_giveup(r, at,
				       "a request coded but not chunked");
			return;
		}
		m->flags |= SL_HTTP_F_UNTIL_CLOSE;
		d->state = ST_CLOSE;
		return;
	} else if ((d->seen & (1u << HDR_CL)) && m->length > 0) {
		m->flags |= SL_HTTP_F_LENGTH;
		d->left = m->length;
		d->state = ST_BODY;
		return;
	} else if (resp && !(d->seen & (1u << HDR_CL))) {
		m->flags |= SL_HTTP_F_UNTIL_CLOSE;
		d->state = ST_CLOSE;
		return;
	} else {
		if (d->seen & (1u << HDR_CL))
			m->flags |= SL_HTTP_F_LENGTH;
		m->flags |= SL_HTTP_F_NO_BODY;
	}
	sl_http_end_msg(r, at);
}

/* A body's bytes (Content-Length, a chunk, until close) at once. */
size_t sl_http_body_bytes(struct sl_http_run *r, size_t n, size_t at)
{
	struct sl_http_dir *d = r->d;
	size_t take;

	if (d->state == ST_CLOSE) {
		d->msg.body += n;
		return n;
	}
	take = d->left < n ? (size_t)d->left : n;
	d->left -= take;
	d->msg.body += take;
	if (d->left == 0) {
		if (d->state == ST_BODY)
			sl_http_end_msg(r, at + take);
		else
			d->state = ST_CHUNK_END;
	}
	return take;
}

void sl_http_eof(struct sl_http *h, enum sl_sniff_dir dir, sl_sniff_cb cb,
		 void *ctx)
{
	struct sl_http_run r = { h, dir, &h->d[dir], cb, ctx };

	if (h->dead)
		return;
	if (r.d->state == ST_CLOSE)
		sl_http_end_msg(&r, 0);
	else if (r.d->state != ST_FIRST || r.d->pos != 0)
		sl_http_giveup(&r, 0, "the stream ended inside a message");
}

void sl_http_skip(struct sl_http *h, enum sl_sniff_dir dir, uint64_t n,
		  sl_sniff_cb cb, void *ctx)
{
	struct sl_http_run r = { h, dir, &h->d[dir], cb, ctx };
	struct sl_http_dir *d = r.d;

	if (h->dead || n == 0)
		return;
	if (d->state == ST_CLOSE) {
		d->msg.body += n;
	} else if ((d->state == ST_BODY || d->state == ST_CHUNK_DATA) &&
		   n <= d->left && !d->cr) {
		d->left -= n;
		d->msg.body += n;
		if (d->left == 0 && d->state == ST_BODY)
			sl_http_end_msg(&r, 0);
		else if (d->left == 0)
			d->state = ST_CHUNK_END;
	} else {
		sl_http_giveup(&r, 0, "bytes went by unseen");
	}
}
