/*
 * Peek's HTTP/1.x half (peek.c feeds the parser): requests and responses
 * paired in order, as HTTP/1.1 answers them, into one SL_REC_HTTP per
 * exchange (wire.h's waterfall.h) when its response ends, or at close or
 * exit unfinished. HTTP_PEND requests in flight keep their start lines;
 * those pipelined beyond are counted, and their exchanges reported
 * without them (SL_HTTP_F_LOST).
 */
#include <string.h>

#include "peek_int.h"

/* A target of LEN bytes, as far as kept: only its bytes and its NUL
 * (what follows them in SRC may be an older target's). */
static void copy_target(char *dst, const char *src, uint32_t len)
{
	size_t n = len < SL_HTTP_TARGET_MAX ? len : SL_HTTP_TARGET_MAX;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void emit_http(struct sl_peek_slot *sl, const struct sl_peek_pend *p,
		      uint64_t end_ns, uint32_t why, uint64_t ts)
{
	struct sl_rec_http *r = sl_rec_begin(sizeof(*r), SL_REC_HTTP, ts);

	if (!r)
		return;
	memset((char *)r + sizeof(r->h), 0, sizeof(*r) - sizeof(r->h));
	r->inode = sl->inode;
	r->fd = sl->fd;
	r->index = sl->done_n;
	r->side = sl->req_dir == SL_SNIFF_OUT ? 0 : 1;
	if (p) {
		r->sent_ns = p->sent_ns;
		r->req_end_ns = p->req_end_ns;
		r->req_body = p->req_body;
		r->req_flags = p->req_flags;
		r->target_len = p->target_len;
		r->minor = p->minor;
		memcpy(r->method, p->method, sizeof(r->method));
		copy_target(r->target, p->target, p->target_len);
	}
	r->req_flags |= why;
	if (sl->resp.on) {
		r->first_byte_ns = sl->resp.first_ns;
		r->status = sl->resp.final ? sl->resp.status : 0;
		r->resp_flags = sl->resp.flags;
		r->resp_body = sl->resp.body;
	}
	r->end_ns = end_ns;
	sl_rec_done(ts);
}

/* ---- HTTP: requests and responses paired in order ---- */

static struct sl_peek_pend *pend_at(struct sl_peek_slot *sl, unsigned int i)
{
	return &sl->pend[(sl->pend_head + i) % HTTP_PEND];
}

static void http_request_begin(struct sl_peek_slot *sl)
{
	struct sl_peek_pend *p;

	if (sl->skipped || sl->pend_n == HTTP_PEND) {
		sl->skipped++;
		return;
	}
	p = pend_at(sl, sl->pend_n++);
	memset(p, 0, offsetof(struct sl_peek_pend, target));
	p->target[0] = '\0';
	p->sent_ns = sl->now;
}

/* The request being sent or received: the newest kept, unless newer
 * ones went uncounted. */
static struct sl_peek_pend *current_request(struct sl_peek_slot *sl)
{
	return sl->skipped || !sl->pend_n ? NULL : pend_at(sl, sl->pend_n - 1);
}

static void http_request(struct sl_peek_slot *sl,
			 const struct sl_sniff_ev *ev)
{
	const struct sl_http_msg *m = ev->http;
	struct sl_peek_pend *p;

	if (ev->type == SL_EV_HTTP_BEGIN) {
		http_request_begin(sl);
		return;
	}
	p = current_request(sl);
	if (!p || !m)
		return;
	if (ev->type == SL_EV_HTTP_START) {
		p->req_flags = m->flags;
		p->minor = m->minor;
		p->target_len = m->target_len;
		memcpy(p->method, m->method, sizeof(p->method));
		p->method[SL_HTTP_METHOD_MAX] = '\0';
		copy_target(p->target, m->target, m->target_len);
	} else if (ev->type == SL_EV_HTTP_END) {
		p->req_end_ns = sl->now;
		p->req_body = m->body;
		p->req_flags = m->flags;
	}
}

/* The oldest exchange is answered: report it, and take it off. */
static void http_answered(struct sl_peek_slot *sl, uint64_t end_ns,
			  uint32_t why, uint64_t ts)
{
	if (sl->pend_n) {
		emit_http(sl, pend_at(sl, 0), end_ns, why, ts);
		sl->pend_head = (uint8_t)((sl->pend_head + 1) % HTTP_PEND);
		sl->pend_n--;
	} else {
		if (sl->skipped)
			sl->skipped--;
		emit_http(sl, NULL, end_ns,
			  why | (sl->resp.flags & SL_HTTP_F_ORPHAN ? 0 :
				 SL_HTTP_F_LOST), ts);
	}
	sl->done_n++;
	memset(&sl->resp, 0, sizeof(sl->resp));
}

static void http_response(struct sl_peek_slot *sl,
			  const struct sl_sniff_ev *ev)
{
	const struct sl_http_msg *m = ev->http;

	if (ev->type == SL_EV_HTTP_BEGIN) {
		if (!sl->resp.on) {
			sl->resp.on = true;
			sl->resp.first_ns = sl->now;
		}
		return;
	}
	if (!m)
		return;
	if (ev->type == SL_EV_HTTP_START && !(m->flags & SL_HTTP_F_INTERIM)) {
		sl->resp.final = true;
		sl->resp.status = m->status;
		sl->resp.flags = m->flags;
	} else if ((ev->type == SL_EV_HTTP_END ||
		    ev->type == SL_EV_HTTP_TUNNEL) &&
		   !(m->flags & SL_HTTP_F_INTERIM)) {
		sl->resp.flags = m->flags;
		sl->resp.body = m->body;
		http_answered(sl, sl->now, 0, sl->now);
	}
}

void sl__peek_http(struct sl_peek_slot *sl, const struct sl_sniff_ev *ev)
{
	if (sl->req_dir < 0)
		sl->req_dir = ev->http && (ev->http->flags &
					   SL_HTTP_F_RESPONSE) ?
				      (int8_t)!ev->dir : (int8_t)ev->dir;
	if (ev->dir == (enum sl_sniff_dir)sl->req_dir)
		http_request(sl, ev);
	else
		http_response(sl, ev);
}


/* Every exchange still untold, unfinished: WHY says when. */
void sl__peek_http_flush(struct sl_peek_slot *sl, uint32_t why, uint64_t ts)
{
	while (sl->pend_n || sl->skipped || sl->resp.on)
		http_answered(sl, 0, why, ts);
}
