/*
 * What a connection's bytes and the kernel told about it, kept on the
 * socket (struct sl_wf, model.h): the protocol each way, TLS's clear
 * fields, HTTP/1 exchanges, TCP_INFO and the verdict drawn from it; and
 * the waterfall every renderer draws from that and the socket's states.
 * Calls nothing else of the model (viewer/README.md, "The model"): the
 * record's socket is found above, in apply.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/lib.h"
#include "model/model_int.h"

static const char *const phase_names[SL_PH_MAX] = {
	[SL_PH_RESOLVE] = "resolve",
	[SL_PH_CONNECT] = "connect",
	[SL_PH_TLS] = "tls",
	[SL_PH_REQUEST] = "request",
	[SL_PH_WAITING] = "waiting",
	[SL_PH_RECEIVING] = "receiving",
};

static const char *const limited_names[SL_LIM_MAX] = {
	[SL_LIM_UNKNOWN] = "unknown",
	[SL_LIM_PEER_WINDOW] = "peer-window",
	[SL_LIM_SEND_BUFFER] = "send-buffer",
	[SL_LIM_NETWORK] = "network",
	[SL_LIM_APPLICATION] = "application",
};

const char *sl_phase_name(unsigned int ph)
{
	return ph < SL_PH_MAX ? phase_names[ph] : "?";
}

const char *sl_limited_name(unsigned int lim)
{
	return lim < SL_LIM_MAX ? limited_names[lim] : "?";
}

struct sl_wf *sl_wf_of(struct sl_sock *s)
{
	if (!s->wf)
		s->wf = sl_xcalloc(1, sizeof(*s->wf));
	return s->wf;
}

void sl_wf_free(struct sl_wf *wf)
{
	if (!wf)
		return;
	free(wf->http);
	free(wf);
}

/* Copies a NUL-terminated string of at most CAP - 1 bytes from a field
 * of FIELD bytes that a record may not have terminated. */
void sl_wf_copy(char *dst, size_t cap, const char *src, size_t field)
{
	size_t n = strnlen(src, field < cap - 1 ? field : cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void sl_wf_proto(struct sl_sock *s, int dir, const char *name, size_t field)
{
	if (dir != 0 && dir != 1)
		return;
	sl_wf_copy(sl_wf_of(s)->proto[dir], SL_WF_PROTO_MAX, name, field);
}

/* An exchange the preload saw: a new one, or news of one it saw before
 * (the same index: its response came, or its end). Times and fields
 * already known stay unless the news has them. */
void sl_wf_http(struct sl_sock *s, const struct sl_wf_http *h)
{
	struct sl_wf *wf = sl_wf_of(s);
	struct sl_wf_http *o = NULL;

	for (uint32_t i = wf->nhttp; i-- > 0;)
		if (wf->http[i].index == h->index &&
		    wf->http[i].server == h->server) {
			o = &wf->http[i];
			break;
		}
	if (!o) {
		wf->http_total++;
		if (wf->nhttp >= SL_WF_HTTP_KEPT)
			return;
		wf->http = sl_grow(wf->http, &wf->http_cap, wf->nhttp + 1,
				   sizeof(*wf->http));
		o = &wf->http[wf->nhttp++];
		*o = *h;
		return;
	}
	if (h->sent_ns)
		o->sent_ns = h->sent_ns;
	if (h->req_end_ns)
		o->req_end_ns = h->req_end_ns;
	if (h->first_byte_ns)
		o->first_byte_ns = h->first_byte_ns;
	if (h->end_ns)
		o->end_ns = h->end_ns;
	if (h->status)
		o->status = h->status;
	if (h->method[0])
		memcpy(o->method, h->method, sizeof(o->method));
	if (h->target[0]) {
		memcpy(o->target, h->target, sizeof(o->target));
		o->target_cut = h->target_cut;
	}
}

void sl_wf_tcpinfo(struct sl_sock *s, const struct sl_wf_tcpinfo *ti)
{
	struct sl_wf *wf = sl_wf_of(s);
	uint64_t from = s->connect_ns ? s->connect_ns : s->start_ns;

	/* The last one counts: the counters only grow. */
	if (wf->has_tcpinfo && ti->ts < wf->ti.ts)
		return;
	wf->ti = *ti;
	wf->has_tcpinfo = true;
	wf->ti.limited_by = (uint8_t)sl_wf_verdict(ti, ti->ts > from ?
						   ti->ts - from : 0);
}

/*
 * What held a TCP connection back, from the kernel's chrono counters
 * (tcpi_busy_time: time with data in flight; tcpi_rwnd_limited and
 * tcpi_sndbuf_limited: the parts of it stalled on the peer's receive
 * window and on our send buffer) and its losses, over LIFE_NS, the
 * connection's life up to the TCP_INFO. In this order, the first that
 * holds:
 *   1. nothing was ever in flight (busy 0): application;
 *   2. the peer's window held it for at least a fifth of the busy time,
 *      and at least as long as the send buffer did: peer-window;
 *   3. the send buffer held it for at least a fifth: send-buffer;
 *   4. retransmits or losses: at least 1% of the segments sent (any at
 *      all when the count sent is not known): network;
 *   5. data was in flight at least half of its life, unheld by either
 *      window: the congestion window, the path: network;
 *   6. otherwise: application (it mostly had nothing to send).
 */
enum sl_limited sl_wf_verdict(const struct sl_wf_tcpinfo *ti,
			      uint64_t life_ns)
{
	uint64_t busy = ti->busy_us, rwnd = ti->rwnd_limited_us,
		 sndbuf = ti->sndbuf_limited_us;
	uint64_t bad = (uint64_t)ti->retrans + ti->lost;

	if (!busy)
		return SL_LIM_APPLICATION;
	if (rwnd * 5 >= busy && rwnd >= sndbuf)
		return SL_LIM_PEER_WINDOW;
	if (sndbuf * 5 >= busy)
		return SL_LIM_SEND_BUFFER;
	if (bad && (!ti->segs_out || bad * 100 >= ti->segs_out))
		return SL_LIM_NETWORK;
	if (rwnd + sndbuf >= busy)
		return SL_LIM_APPLICATION;
	if (life_ns && (busy - rwnd - sndbuf) * 2000 >= life_ns)
		return SL_LIM_NETWORK;
	return SL_LIM_APPLICATION;
}

/* When the connect began and ended (established, or failed). */
static void connect_phase(const struct sl_sock *s, struct sl_phase_span *p)
{
	if (s->role != SL_ROLE_CLIENT || !s->connect_ns)
		return;
	for (uint32_t i = 0; i < s->nspans; i++)
		if (s->spans[i].state == SL_SS_ESTABLISHED &&
		    s->spans[i].start_ns >= s->connect_ns) {
			p->start_ns = s->connect_ns;
			p->end_ns = s->spans[i].start_ns;
			return;
		}
	if (s->err && s->err_ns >= s->connect_ns) {
		p->start_ns = s->connect_ns;
		p->end_ns = s->err_ns;
	}
}

/* When the socket stopped receiving: its peer closed, it shut down or
 * closed, or it was last seen. */
static uint64_t receive_end(const struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nspans; i++)
		if (s->spans[i].state >= SL_SS_SHUT_WR)
			return s->spans[i].start_ns;
	return s->closed ? s->end_ns : s->last_ns;
}

static void set(struct sl_phase_span *p, uint64_t a, uint64_t b)
{
	if (!a || !b || b < a)
		return;
	p->start_ns = a;
	p->end_ns = b;
}

/* The first exchange, client side: request (its first byte to its
 * last), waiting (to the response's first byte), receiving (to its
 * last). */
static void http_phases(const struct sl_wf_http *h,
			struct sl_phase_span ph[SL_PH_MAX])
{
	uint64_t sent = h->req_end_ns ? h->req_end_ns : h->sent_ns;

	set(&ph[SL_PH_REQUEST], h->sent_ns, sent);
	set(&ph[SL_PH_WAITING], sent, h->first_byte_ns);
	set(&ph[SL_PH_RECEIVING], h->first_byte_ns, h->end_ns);
}

/* TLS with no parsed exchange: the client's first application data is
 * its request, the server's answer the first byte. */
static void tls_phases(const struct sl_sock *s, const struct sl_wf_tls *t,
		       struct sl_phase_span ph[SL_PH_MAX])
{
	set(&ph[SL_PH_REQUEST], t->done_ns, t->done_ns);
	set(&ph[SL_PH_WAITING], t->done_ns, t->answer_ns);
	set(&ph[SL_PH_RECEIVING], t->answer_ns, receive_end(s));
}

unsigned int sl_wf_phases(const struct sl_sock *s,
			  struct sl_phase_span ph[SL_PH_MAX])
{
	const struct sl_wf *wf = s->wf;
	unsigned int n = 0;

	memset(ph, 0, SL_PH_MAX * sizeof(*ph));
	connect_phase(s, &ph[SL_PH_CONNECT]);
	if (wf && wf->name[0])
		set(&ph[SL_PH_RESOLVE], wf->resolve_ns, wf->resolve_end_ns);
	if (wf && wf->has_tls && s->role == SL_ROLE_CLIENT) {
		uint64_t from = ph[SL_PH_CONNECT].end_ns ?
				ph[SL_PH_CONNECT].end_ns : wf->tls.hello_ns;

		set(&ph[SL_PH_TLS], from, wf->tls.done_ns);
	}
	if (wf && wf->nhttp && !wf->http[0].server)
		http_phases(&wf->http[0], ph);
	else if (wf && wf->has_tls && s->role == SL_ROLE_CLIENT)
		tls_phases(s, &wf->tls, ph);
	for (unsigned int i = 0; i < SL_PH_MAX; i++)
		n += ph[i].end_ns != 0;
	return n;
}

int sl_wf_request_text(const struct sl_wf *wf, char *buf, size_t len)
{
	const struct sl_wf_http *h;
	char status[8] = "";

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!wf || !wf->nhttp)
		return 0;
	h = &wf->http[0];
	if (h->status)
		snprintf(status, sizeof(status), " %u", h->status);
	return snprintf(buf, len, "%s %s%s%s", h->method[0] ? h->method : "?",
			h->target, h->target_cut ? "..." : "", status);
}

/* ---- The records (wire.h), as apply.c hands them over ---- */

void sl_wf_sniff_rec(struct sl_sock *s, const struct sl_rec_sniff *r)
{
	const char *name = r->proto == SL_PROTO_NONE ? "" :
			   sl_proto_name(r->proto);

	sl_wf_proto(s, r->dir, name, strlen(name));
}

/* The program is the client when it sent the ClientHello: then the
 * handshake is over when it sends its first application data. */
void sl_wf_tls_rec(struct sl_sock *s, const struct sl_rec_tls *r)
{
	struct sl_wf *wf = sl_wf_of(s);
	struct sl_wf_tls *t = &wf->tls;
	unsigned int client = r->client_dir <= 1 ? r->client_dir : 0;

	wf->has_tls = true;
	t->hello_ns = r->ch_ns;
	t->done_ns = r->app_ns[client];
	t->answer_ns = r->answer_ns;
	t->version = r->version;
	t->offered_max = r->ch_max_version;
	t->alpn_hidden = (r->flags & SL_TLS_F_ALPN_HIDDEN) != 0;
	t->server = r->client_dir == 1;
	sl_wf_copy(t->sni, sizeof(t->sni), r->sni, sizeof(r->sni));
	t->alpn_n = r->alpn_n < SL_WF_ALPN_N ? r->alpn_n : SL_WF_ALPN_N;
	for (unsigned int i = 0; i < t->alpn_n; i++)
		sl_wf_copy(t->alpn[i], sizeof(t->alpn[i]), r->alpn[i],
			   sizeof(r->alpn[i]));
	sl_wf_copy(t->alpn_chosen, sizeof(t->alpn_chosen), r->alpn_chosen,
		   sizeof(r->alpn_chosen));
	if (!wf->proto[0][0] && !wf->proto[1][0])
		sl_wf_proto(s, 0, "tls", 3);
}

void sl_wf_http_rec(struct sl_sock *s, const struct sl_rec_http *r)
{
	struct sl_wf_http h = {
		.sent_ns = r->sent_ns, .req_end_ns = r->req_end_ns,
		.first_byte_ns = r->first_byte_ns, .end_ns = r->end_ns,
		.index = r->index, .status = r->status,
		.server = r->side == 1,
		.target_cut = (r->req_flags & SL_HTTP_F_TARGET_CUT) ||
			      r->target_len > SL_HTTP_TARGET_MAX,
	};

	sl_wf_copy(h.method, sizeof(h.method), r->method, sizeof(r->method));
	sl_wf_copy(h.target, sizeof(h.target), r->target, sizeof(r->target));
	sl_wf_http(s, &h);
}

void sl_wf_tcpinfo_rec(struct sl_sock *s, const struct sl_rec_tcpinfo *r)
{
	struct sl_wf_tcpinfo ti = {
		.ts = r->h.ts_ns, .rtt_us = r->rtt_us,
		.rttvar_us = r->rttvar_us, .min_rtt_us = r->min_rtt_us,
		.retrans = r->total_retrans, .lost = r->lost,
		.segs_out = r->data_segs_out ? r->data_segs_out : r->segs_out,
		.delivery_rate = r->delivery_rate, .busy_us = r->busy_us,
		.rwnd_limited_us = r->rwnd_limited_us,
		.sndbuf_limited_us = r->sndbuf_limited_us,
		.bytes_acked = r->bytes_acked,
		.bytes_received = r->bytes_received,
	};

	sl_wf_tcpinfo(s, &ti);
}
