/*
 * The model as Trace Event Format JSON, the format Perfetto, Chrome
 * DevTools' performance panel and chrome://tracing open. Each process is
 * a process (named by its argv); each socket a thread of its own in it
 * (a made-up tid above any real one, named by its endpoints), holding
 * its life as one complete slice with its states nested in it, instants
 * for its error (where the call that failed returned), the calls it lived
 * through that failed or were cut short, hand-offs to another process
 * and policy actions, and a byte counter; each epoll instance a thread of
 * its waits. Threads of complete slices, not async tracks: DevTools
 * draws only threads for a trace that is not Chrome's own. A paired
 * connection is a flow arrow from the client's connecting state to the
 * server socket's first state; a flow event carries the same ts, pid,
 * tid and category as the slice it binds to, which is how DevTools binds
 * them (Perfetto binds to the enclosing slice: the same one). A
 * connection's waterfall (its resolve, connect, TLS, request, waiting
 * and receiving) is a thread beside its socket's. Times are
 * microseconds with nanosecond decimals.
 */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "socklens/policy.h"
#include "out/out.h"

/* The made-up thread ids of sockets and epoll instances: above the
 * largest pid Linux gives (4194304), below 2^31. */
#define SOCK_TID_BASE 0x10000000u
#define EPOLL_TID_BASE 0x20000000u
#define PHASE_TID_BASE 0x30000000u

struct out {
	FILE *f;
	bool first;
};

static void ns_us(FILE *f, const char *key, uint64_t ns)
{
	fprintf(f, ",\"%s\":%llu.%03llu", key, (unsigned long long)(ns / 1000),
		(unsigned long long)(ns % 1000));
}

/* Starts an event object on thread TID of PID; the caller writes the
 * rest and closes it. */
static void ev_tid(struct out *o, const char *ph, const char *name,
		   uint32_t pid, uint32_t tid, uint64_t ts_ns)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
	fprintf(o->f, "{\"ph\":\"%s\",\"name\":", ph);
	sl_json_str(o->f, name, strlen(name));
	fprintf(o->f, ",\"pid\":%u,\"tid\":%u", pid, tid);
	ns_us(o->f, "ts", ts_ns);
}

static void ev(struct out *o, const char *ph, const char *name, uint32_t pid,
	       uint64_t ts_ns)
{
	ev_tid(o, ph, name, pid, pid, ts_ns);
}

/* A thread's name and place among its process's threads. */
static void thread_meta(struct out *o, uint32_t pid, uint32_t tid,
			const char *name, uint32_t sort)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
	fprintf(o->f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":", pid, tid);
	sl_json_str(o->f, name, strlen(name));
	fprintf(o->f, "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\","
		"\"pid\":%u,\"tid\":%u,\"args\":{\"sort_index\":%u}}", pid,
		tid, sort);
}

static void meta(struct out *o, const struct sl_proc *p)
{
	char name[SL_EXE_MAX + 64];
	size_t used = 0;

	for (uint32_t off = 0; off < p->args_len && used + 2 < sizeof(name);) {
		size_t n = strnlen(p->args + off, p->args_len - off);

		used += (size_t)snprintf(name + used, sizeof(name) - used, "%s%s",
					 off ? " " : "", p->args + off);
		off += (uint32_t)n + 1;
	}
	if (!used)
		snprintf(name, sizeof(name), "%s", p->exe[0] ? p->exe : "?");
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
	fprintf(o->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":", p->pid, p->pid);
	sl_json_str(o->f, name, strnlen(name, sizeof(name)));
	fputs("}}", o->f);
	fprintf(o->f, ",\n{\"ph\":\"M\",\"name\":\"process_sort_index\","
		"\"pid\":%u,\"tid\":%u,\"args\":{\"sort_index\":%u}}",
		p->pid, p->pid, p->index);
}

static uint64_t sock_end(const struct sl_sock *s)
{
	uint64_t end = s->closed ? s->end_ns : s->last_ns;

	return end < s->start_ns ? s->start_ns : end;
}

/* The track's name: what the socket is and where it goes. */
static void sock_title(const struct sl_sock *s, char *buf, size_t len)
{
	char l[160], r[160];

	sl_addr_format(&s->local, l, sizeof(l));
	sl_addr_format(&s->remote, r, sizeof(r));
	snprintf(buf, len, "socket %u %s %s%s%s%s", s->id, sl_role_name(s->role),
		 l[0] ? l : sl_family_name(s->family),
		 r[0] ? (s->role == SL_ROLE_SERVER ? " <- " : " -> ") : "", r,
		 s->err ? " !" : "");
}

/* A complete slice on the socket's thread, from A to B. */
static void sock_slice(struct out *o, const char *name,
		       const struct sl_sock *s, uint64_t a, uint64_t b)
{
	ev_tid(o, "X", name, s->creator_pid, SOCK_TID_BASE + s->id, a);
	ns_us(o->f, "dur", b - a);
	fputs(",\"cat\":\"socket\"", o->f);
}

/* An instant on the socket's thread. */
static void sock_instant(struct out *o, const char *name,
			 const struct sl_sock *s, uint64_t ts)
{
	ev_tid(o, "i", name, s->creator_pid, SOCK_TID_BASE + s->id, ts);
	fputs(",\"s\":\"t\",\"cat\":\"socket\"", o->f);
}

/* A moment on a socket's track: its error, an incident, a hand-off, or
 * a policy action. */
struct instant {
	uint64_t ts;
	const struct sl_policy_act *act;
	const struct sl_incident *inc;
	const struct sl_handoff *ho;	/* all NULL: the error */
};

/* The socket's instants, in time order, clamped to its life. */
static uint32_t collect_instants(const struct sl_sock *s, uint64_t end,
				 struct instant *in)
{
	uint32_t n = 0;

	if (s->err)
		in[n++] = (struct instant){ .ts = s->err_ns ? s->err_ns :
			s->nspans ? s->spans[s->nspans - 1].start_ns :
			s->start_ns };
	for (uint32_t i = 0; i < s->npacts; i++)
		in[n++] = (struct instant){ s->pacts[i].ts, &s->pacts[i],
					    NULL, NULL };
	for (uint32_t i = 0; i < s->nincs; i++)
		in[n++] = (struct instant){ s->incs[i].ts + s->incs[i].dur_ns,
					    NULL, &s->incs[i], NULL };
	for (uint32_t i = 0; i < s->nhandoffs; i++)
		in[n++] = (struct instant){ s->handoffs[i].ts, NULL, NULL,
					    &s->handoffs[i] };
	for (uint32_t i = 0; i < n; i++) {
		in[i].ts = in[i].ts < s->start_ns ? s->start_ns :
			   in[i].ts > end ? end : in[i].ts;
		for (uint32_t k = i; k > 0 && in[k].ts < in[k - 1].ts; k--) {
			struct instant t = in[k];

			in[k] = in[k - 1];
			in[k - 1] = t;
		}
	}
	return n;
}

static void instant(struct out *o, const struct sl_model *m,
		    const struct sl_sock *s, const struct instant *in)
{
	char text[512];

	if (in->inc) {
		sock_instant(o, sl_errno_name(in->inc->err), s, in->ts);
		fprintf(o->f, ",\"args\":{\"call\":\"%s\",\"waited_ns\":%llu,"
			"\"pid\":%u,\"tid\":%u,\"fate\":false}}",
			sl_call_name(in->inc->call),
			(unsigned long long)in->inc->dur_ns, in->inc->pid,
			in->inc->tid);
		return;
	}
	if (in->ho) {
		sock_instant(o, "passed", s, in->ts);
		fprintf(o->f, ",\"args\":{\"from_pid\":%u,\"to_pid\":%u,"
			"\"via\":%u}}", in->ho->from_pid, in->ho->to_pid,
			in->ho->via);
		return;
	}
	if (!in->act) {
		sock_instant(o, sl_errno_name(s->err), s, in->ts);
		fputs("}", o->f);
		return;
	}
	sl_policy_act_text(in->act, sl_sock_policy_path(m, s), text,
			   sizeof(text));
	sock_instant(o, "policy", s, in->ts);
	fputs(",\"args\":{\"action\":", o->f);
	sl_json_str(o->f, text, strlen(text));
	fputs("}}", o->f);
}

/*
 * The states, nested in the socket's slice, with its instants between
 * them in time order. A state's slice is written whole (X), so it ends
 * where the next begins and never past the socket's end.
 */
static void states(struct out *o, const struct sl_model *m,
		   const struct sl_sock *s, uint64_t end)
{
	struct instant *in = calloc((size_t)s->npacts + s->nincs +
				    s->nhandoffs + 1, sizeof(*in));
	uint32_t n = in ? collect_instants(s, end, in) : 0, k = 0;

	for (uint32_t i = 0; i < s->nspans; i++) {
		const struct sl_span *sp = &s->spans[i];
		uint64_t a = sp->start_ns < s->start_ns ? s->start_ns : sp->start_ns;
		uint64_t b = sp->end_ns ? sp->end_ns : end;
		uint64_t next = i + 1 < s->nspans ? s->spans[i + 1].start_ns :
						    UINT64_MAX;

		if (a > end)
			a = end;
		if (b > end || b < a)
			b = b < a ? a : end;
		if (next < b && next >= a)
			b = next;
		for (; k < n && in[k].ts < a; k++)
			instant(o, m, s, &in[k]);
		sock_slice(o, sl_state_name(sp->state), s, a, b);
		fputs("}", o->f);
		for (; k < n && in[k].ts <= b && in[k].ts < next; k++)
			instant(o, m, s, &in[k]);
	}
	for (; k < n; k++)
		instant(o, m, s, &in[k]);
	free(in);
}

static void counters(struct out *o, const struct sl_sock *s)
{
	char name[48];

	snprintf(name, sizeof(name), "socket %u bytes", s->id);
	for (uint32_t i = 0; i < s->nsamples; i++) {
		ev(o, "C", name, s->creator_pid, s->samples[i].ts);
		fprintf(o->f, ",\"args\":{\"tx\":%llu,\"rx\":%llu}}",
			(unsigned long long)s->samples[i].tx_bytes,
			(unsigned long long)s->samples[i].rx_bytes);
	}
}

/* One phase or exchange slice on the waterfall's thread, from A to B
 * but never before AFTER (the one before it ends there: slices of a
 * thread nest or follow, never overlap); the caller closes it. */
static uint64_t phase_slice(struct out *o, const struct sl_sock *s,
			    const char *name, uint64_t a, uint64_t b,
			    uint64_t after)
{
	a = a < after ? after : a;
	b = b < a ? a : b;
	ev_tid(o, "X", name, s->creator_pid, PHASE_TID_BASE + s->id, a);
	ns_us(o->f, "dur", b - a);
	fputs(",\"cat\":\"waterfall\"", o->f);
	return b;
}

/* The exchanges after the first (keep-alive reuse), each a slice with
 * its request, waiting and receiving nested, after the one before. */
static void more_exchanges(struct out *o, const struct sl_sock *s,
			   uint64_t after)
{
	char name[SL_WF_TARGET_MAX + 40];

	for (uint32_t i = 1; i < s->wf->nhttp; i++) {
		const struct sl_wf_http *h = &s->wf->http[i];
		uint64_t sent = h->req_end_ns ? h->req_end_ns : h->sent_ns;
		uint64_t end = h->end_ns ? h->end_ns : h->first_byte_ns ?
			       h->first_byte_ns : sent;

		if (h->server || !h->sent_ns || h->sent_ns < after)
			continue;
		snprintf(name, sizeof(name), "%s %s %u", h->method, h->target,
			 h->status);
		phase_slice(o, s, name, h->sent_ns, end, after);
		fprintf(o->f, ",\"args\":{\"index\":%u}}", h->index);
		after = phase_slice(o, s, "request", h->sent_ns, sent, after);
		fputc('}', o->f);
		if (h->first_byte_ns) {
			after = phase_slice(o, s, "waiting", sent,
					    h->first_byte_ns, after);
			fputc('}', o->f);
		}
		if (h->end_ns && h->first_byte_ns) {
			after = phase_slice(o, s, "receiving", h->first_byte_ns,
					    h->end_ns, after);
			fputc('}', o->f);
		}
		after = end > after ? end : after;
	}
}

/* The waterfall's slice: what the connection was, what held it. */
static void waterfall_args(struct out *o, const struct sl_sock *s)
{
	const struct sl_wf *wf = s->wf;

	fprintf(o->f, ",\"args\":{\"socket\":%u,\"name\":", s->id);
	sl_json_str(o->f, wf->name, strlen(wf->name));
	fputs(",\"sni\":", o->f);
	sl_json_str(o->f, wf->has_tls ? wf->tls.sni : "",
		    wf->has_tls ? strlen(wf->tls.sni) : 0);
	fprintf(o->f, ",\"requests\":%llu,\"limited_by\":\"%s\"",
		(unsigned long long)wf->http_total,
		wf->has_tcpinfo ? sl_limited_name(wf->ti.limited_by) : "");
	if (wf->has_tcpinfo)
		fprintf(o->f, ",\"rtt_us\":%u,\"retrans\":%u",
			wf->ti.rtt_us, wf->ti.retrans);
	fputs("}}", o->f);
}

/*
 * A connection's waterfall on a thread of its own beside the socket's
 * (its resolve comes before the socket was made, and its phases cross
 * the states'): one slice over it all, named by its request or host,
 * with the phases nested in it in order, then each later exchange with
 * its own phases.
 */
static void waterfall_track(struct out *o, const struct sl_sock *s)
{
	struct sl_phase_span ph[SL_PH_MAX];
	char title[400], what[SL_WF_TARGET_MAX + 40];
	uint64_t a = UINT64_MAX, b = 0, at;

	if (!s->wf || !sl_wf_phases(s, ph))
		return;
	for (unsigned int i = 0; i < SL_PH_MAX; i++)
		if (ph[i].end_ns) {
			a = ph[i].start_ns < a ? ph[i].start_ns : a;
			b = ph[i].end_ns > b ? ph[i].end_ns : b;
		}
	for (uint32_t i = 1; i < s->wf->nhttp; i++)
		if (s->wf->http[i].end_ns > b)
			b = s->wf->http[i].end_ns;
	if (sl_wf_request_text(s->wf, what, sizeof(what)) <= 0)
		snprintf(what, sizeof(what), "%s", s->wf->name[0] ?
			 s->wf->name : s->wf->has_tls ? s->wf->tls.sni :
			 s->wf->proto[0][0] ? s->wf->proto[0] : "connection");
	snprintf(title, sizeof(title), "socket %u phases %s", s->id, what);
	thread_meta(o, s->creator_pid, PHASE_TID_BASE + s->id, title,
		    1000 + s->id);
	phase_slice(o, s, what, a, b, 0);
	waterfall_args(o, s);
	at = a;
	for (unsigned int i = 0; i < SL_PH_MAX; i++) {
		if (!ph[i].end_ns)
			continue;
		at = phase_slice(o, s, sl_phase_name(i), ph[i].start_ns,
				 ph[i].end_ns, at);
		fputc('}', o->f);
	}
	more_exchanges(o, s, at);
}

static void sock_track(struct out *o, const struct sl_model *m,
		       const struct sl_sock *s)
{
	char title[400], caller[400];
	uint64_t end = sock_end(s);

	sock_title(s, title, sizeof(title));
	sl_sock_caller(m, s, caller, sizeof(caller));
	thread_meta(o, s->creator_pid, SOCK_TID_BASE + s->id, title,
		    1000 + s->id);
	sock_slice(o, title, s, s->start_ns, end);
	fputs(",\"args\":{\"caller\":", o->f);
	sl_json_str(o->f, caller, strlen(caller));
	/* inode: the kernel's when the trace knows it, else the socket's
	 * name in the trace (sock_name), as export -f sockets gives them */
	fprintf(o->f, ",\"id\":%u,\"inode\":%llu,\"sock_name\":%llu,"
		"\"family\":\"%s\","
		"\"type\":\"%s\",\"tx_bytes\":%llu,\"rx_bytes\":%llu,"
		"\"error\":\"%s\",\"peer\":%u,\"closed\":%s,"
		"\"failed_calls\":%llu,\"failed_calls_shown\":%u,"
		"\"bytes_unseen\":\"%s\"}}", s->id,
		(unsigned long long)(s->kernel_inode ? s->kernel_inode :
				     s->inode),
		(unsigned long long)s->inode, sl_family_name(s->family),
		sl_type_name(s->type), (unsigned long long)s->tx_bytes,
		(unsigned long long)s->rx_bytes,
		s->err ? sl_errno_name(s->err) : "", s->peer_id,
		s->closed ? "true" : "false",
		(unsigned long long)s->incs_total, s->nincs,
		s->stdio ? "stdio" : s->killed ? "killed" : "");
	states(o, m, s, end);
	counters(o, s);
	waterfall_track(o, s);
}

/* Where a flow binds on socket S: the start of its first span in one
 * of the states FROM..TO, clamped as states() clamps it; 0 if none. */
static uint64_t span_start(const struct sl_sock *s, int from, int to)
{
	uint64_t end = sock_end(s);

	for (uint32_t i = 0; i < s->nspans; i++) {
		uint64_t a = s->spans[i].start_ns;

		if (s->spans[i].state < from || s->spans[i].state > to)
			continue;
		a = a < s->start_ns ? s->start_ns : a;
		return a > end ? end : a;
	}
	return 0;
}

/*
 * A flow from a client's connect to the socket its server's accept
 * made: from the client's connecting (or first established) state to
 * the server socket's first state, each flow event with the same ts,
 * pid, tid and category as that state's slice.
 */
static void flow(struct out *o, const struct sl_model *m,
		 const struct sl_sock *c)
{
	const struct sl_sock *s;
	uint64_t from, to;

	if (c->role != SL_ROLE_CLIENT || c->peer_id > m->nsocks ||
	    !(s = m->socks[c->peer_id - 1]) || s->role != SL_ROLE_SERVER)
		return;
	from = span_start(c, SL_SS_CONNECTING, SL_SS_ESTABLISHED);
	to = span_start(s, 0, SL_SS_MAX - 1);
	if (!from || !to || to < from)
		return;
	ev_tid(o, "s", "connection", c->creator_pid, SOCK_TID_BASE + c->id,
	       from);
	fprintf(o->f, ",\"cat\":\"socket\",\"id\":%u}", c->id);
	ev_tid(o, "f", "connection", s->creator_pid, SOCK_TID_BASE + s->id, to);
	fprintf(o->f, ",\"cat\":\"socket\",\"id\":%u,\"bp\":\"e\"}", c->id);
}

/* An epoll instance's thread: its life, its waits nested in it. Waits
 * of several threads on one instance can overlap, which a thread's
 * slices cannot: one that begins before the last ended is counted in
 * the life slice's waits_not_drawn, with those the model did not keep. */
static void epoll_track(struct out *o, const struct sl_epoll *ep)
{
	char title[64];
	uint64_t end = ep->closed ? ep->end_ns : ep->last_ns, last = 0;
	uint32_t tid = EPOLL_TID_BASE + ep->id, drawn = 0;

	end = end < ep->start_ns ? ep->start_ns : end;
	for (uint32_t i = 0; i < ep->nwaits_kept; i++) {
		const struct sl_wait *w = &ep->waits[i];
		uint64_t a = w->ts < ep->start_ns ? ep->start_ns : w->ts;

		if (a >= last && a + w->dur_ns <= end) {
			drawn++;
			last = a + w->dur_ns;
		}
	}
	snprintf(title, sizeof(title), "epoll %u (fd %d)", ep->id, ep->fd);
	thread_meta(o, ep->creator_pid, tid, title, 100000 + ep->id);
	ev_tid(o, "X", title, ep->creator_pid, tid, ep->start_ns);
	ns_us(o->f, "dur", end - ep->start_ns);
	fprintf(o->f, ",\"cat\":\"epoll\",\"args\":{\"waits\":%llu,"
		"\"events\":%llu,\"waits_not_drawn\":%llu}}",
		(unsigned long long)ep->waits_total,
		(unsigned long long)ep->events_total,
		(unsigned long long)(ep->waits_total - drawn));
	last = 0;
	for (uint32_t i = 0; i < ep->nwaits_kept; i++) {
		const struct sl_wait *w = &ep->waits[i];
		uint64_t a = w->ts < ep->start_ns ? ep->start_ns : w->ts;

		if (a < last || a + w->dur_ns > end)
			continue;
		last = a + w->dur_ns;
		ev_tid(o, "X", w->nready ? "wait (woken)" : "wait",
		       ep->creator_pid, tid, a);
		ns_us(o->f, "dur", w->dur_ns);
		fprintf(o->f, ",\"cat\":\"epoll\",\"args\":{\"ready\":%u}}",
			w->nready);
	}
}

void sl_render_chrome(FILE *f, const struct sl_model *m)
{
	struct out o = { .f = f, .first = true };
	char why[512];

	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	for (uint32_t i = 0; i < m->nprocs; i++)
		meta(&o, m->procs[i]);
	for (uint32_t i = 0; i < m->nsocks; i++)
		if (m->socks[i])
			sock_track(&o, m, m->socks[i]);
	for (uint32_t i = 0; i < m->nsocks; i++)
		if (m->socks[i] && m->socks[i]->peer_id)
			flow(&o, m, m->socks[i]);
	for (uint32_t i = 0; i < m->nepolls; i++)
		epoll_track(&o, m->epolls[i]);
	fputs("\n]", f);
	if (sl_model_gaps(m, why, sizeof(why))) {
		fputs(",\"metadata\":{\"incomplete\":", f);
		sl_json_str(f, why, strlen(why));
		fputc('}', f);
	}
	fputs("}\n", f);
}
