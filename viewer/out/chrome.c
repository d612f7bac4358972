/*
 * The model as Trace Event Format JSON, the format Perfetto and
 * chrome://tracing open. Each process is a process (named by its argv);
 * each socket an async track named by its endpoints, holding its life as
 * one slice with its states nested in it, instants for its error (where
 * the call that failed returned), the calls it lived through that failed
 * or were cut short, hand-offs to another process and policy actions,
 * and a byte counter; each epoll instance a track of its waits.
 * A paired connection is a flow arrow from the client's connect to the
 * server's accept. Times are microseconds with nanosecond decimals.
 */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "socklens/policy.h"
#include "out/out.h"

struct out {
	FILE *f;
	bool first;
};

/* Starts an event object; the caller writes the rest and closes it. */
static void ev(struct out *o, const char *ph, const char *name, uint32_t pid,
	       uint64_t ts_ns)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
	fprintf(o->f, "{\"ph\":\"%s\",\"name\":", ph);
	sl_json_str(o->f, name, strlen(name));
	fprintf(o->f, ",\"pid\":%u,\"tid\":%u,\"ts\":%llu.%03llu", pid, pid,
		(unsigned long long)(ts_ns / 1000),
		(unsigned long long)(ts_ns % 1000));
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
	fprintf(o->f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":\"calls\"}}", p->pid, p->pid);
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

static void async_ev(struct out *o, const char *ph, const char *name,
		     const struct sl_sock *s, uint64_t ts)
{
	ev(o, ph, name, s->creator_pid, ts);
	fprintf(o->f, ",\"cat\":\"socket\",\"id\":\"s%u\"", s->id);
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
		async_ev(o, "n", sl_errno_name(in->inc->err), s, in->ts);
		fprintf(o->f, ",\"args\":{\"call\":\"%s\",\"waited_ns\":%llu,"
			"\"pid\":%u,\"tid\":%u,\"fate\":false}}",
			sl_call_name(in->inc->call),
			(unsigned long long)in->inc->dur_ns, in->inc->pid,
			in->inc->tid);
		return;
	}
	if (in->ho) {
		async_ev(o, "n", "passed", s, in->ts);
		fprintf(o->f, ",\"args\":{\"from_pid\":%u,\"to_pid\":%u,"
			"\"via\":%u}}", in->ho->from_pid, in->ho->to_pid,
			in->ho->via);
		return;
	}
	if (!in->act) {
		async_ev(o, "n", sl_errno_name(s->err), s, in->ts);
		fputs("}", o->f);
		return;
	}
	sl_policy_act_text(in->act, sl_sock_policy_path(m, s), text,
			   sizeof(text));
	async_ev(o, "n", "policy", s, in->ts);
	fputs(",\"args\":{\"action\":", o->f);
	sl_json_str(o->f, text, strlen(text));
	fputs("}}", o->f);
}

/*
 * The states, nested in the socket's slice, with its instants between
 * them in time order: Perfetto sorts by time, and ties keep file order.
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
		for (; k < n && in[k].ts < a; k++)
			instant(o, m, s, &in[k]);
		async_ev(o, "b", sl_state_name(sp->state), s, a);
		fputs("}", o->f);
		for (; k < n && in[k].ts <= b && in[k].ts < next; k++)
			instant(o, m, s, &in[k]);
		async_ev(o, "e", sl_state_name(sp->state), s, b);
		fputs("}", o->f);
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

static void sock_track(struct out *o, const struct sl_model *m,
		       const struct sl_sock *s)
{
	char title[400], caller[400];
	uint64_t end = sock_end(s);

	sock_title(s, title, sizeof(title));
	sl_sock_caller(m, s, caller, sizeof(caller));
	async_ev(o, "b", title, s, s->start_ns);
	fputs(",\"args\":{\"caller\":", o->f);
	sl_json_str(o->f, caller, strlen(caller));
	fprintf(o->f, ",\"id\":%u,\"inode\":%llu,\"family\":\"%s\","
		"\"type\":\"%s\",\"tx_bytes\":%llu,\"rx_bytes\":%llu,"
		"\"error\":\"%s\",\"peer\":%u,\"closed\":%s,"
		"\"failed_calls\":%llu,\"failed_calls_shown\":%u,"
		"\"bytes_unseen\":\"%s\"}}", s->id,
		(unsigned long long)s->inode, sl_family_name(s->family),
		sl_type_name(s->type), (unsigned long long)s->tx_bytes,
		(unsigned long long)s->rx_bytes,
		s->err ? sl_errno_name(s->err) : "", s->peer_id,
		s->closed ? "true" : "false",
		(unsigned long long)s->incs_total, s->nincs,
		s->stdio ? "stdio" : s->killed ? "killed" : "");
	states(o, m, s, end);
	async_ev(o, "e", title, s, end);
	fputs("}", o->f);
	counters(o, s);
}

/* The first recorded call CALL on S, or NULL. */
static const struct sl_evt *find_call(const struct sl_sock *s, uint16_t call,
				      uint16_t alt)
{
	for (uint32_t i = 0; i < s->nevts; i++)
		if (s->evts[i].call == call || s->evts[i].call == alt)
			return &s->evts[i];
	return NULL;
}

/* A complete slice for one call, at least a microsecond long. */
static void call_slice(struct out *o, const char *name, uint32_t pid,
		       const struct sl_evt *e)
{
	uint64_t dur = e->dur_ns < 1000 ? 1000 : e->dur_ns;

	ev(o, "X", name, pid, e->ts);
	fprintf(o->f, ",\"dur\":%llu.%03llu}", (unsigned long long)(dur / 1000),
		(unsigned long long)(dur % 1000));
}

/*
 * A flow from the client's connect to the server's accept: each end is a
 * complete slice on its process's thread, and the arrow binds to them.
 */
static void flow(struct out *o, const struct sl_model *m,
		 const struct sl_sock *c)
{
	const struct sl_sock *s = m->socks[c->peer_id - 1];
	const struct sl_evt *ce = find_call(c, SL_CALL_CONNECT, SL_CALL_CONNECT);
	const struct sl_evt *se = find_call(s, SL_CALL_ACCEPT, SL_CALL_ACCEPT4);

	if (c->role != SL_ROLE_CLIENT || !ce || !se)
		return;
	call_slice(o, "connect", c->creator_pid, ce);
	call_slice(o, "accept", s->creator_pid, se);
	ev(o, "s", "connection", c->creator_pid, ce->ts);
	fprintf(o->f, ",\"cat\":\"flow\",\"id\":%u}", c->id);
	/* The arrow lands where accept returned: a blocking accept began
	 * waiting before the client ever called connect. */
	ev(o, "f", "connection", s->creator_pid,
	   se->ts + (se->dur_ns < 1000 ? 1000 : se->dur_ns) - 1);
	fprintf(o->f, ",\"cat\":\"flow\",\"id\":%u,\"bp\":\"e\"}", c->id);
}

static void epoll_track(struct out *o, const struct sl_epoll *ep)
{
	char title[64];
	uint64_t end = ep->closed ? ep->end_ns : ep->last_ns;

	snprintf(title, sizeof(title), "epoll %u (fd %d)", ep->id, ep->fd);
	ev(o, "b", title, ep->creator_pid, ep->start_ns);
	fprintf(o->f, ",\"cat\":\"epoll\",\"id\":\"e%u\",\"args\":{\"waits\":%llu,"
		"\"events\":%llu}}", ep->id, (unsigned long long)ep->waits_total,
		(unsigned long long)ep->events_total);
	for (uint32_t i = 0; i < ep->nwaits_kept; i++) {
		const struct sl_wait *w = &ep->waits[i];
		uint64_t a = w->ts < ep->start_ns ? ep->start_ns : w->ts;
		uint64_t b = a + w->dur_ns;

		if (b > end || a > end)
			break;
		ev(o, "b", w->nready ? "wait (woken)" : "wait", ep->creator_pid, a);
		fprintf(o->f, ",\"cat\":\"epoll\",\"id\":\"e%u\",\"args\":"
			"{\"ready\":%u}}", ep->id, w->nready);
		ev(o, "e", w->nready ? "wait (woken)" : "wait", ep->creator_pid, b);
		fprintf(o->f, ",\"cat\":\"epoll\",\"id\":\"e%u\"}", ep->id);
	}
	ev(o, "e", title, ep->creator_pid, end < ep->start_ns ? ep->start_ns : end);
	fprintf(o->f, ",\"cat\":\"epoll\",\"id\":\"e%u\"}", ep->id);
}

void sl_render_chrome(FILE *f, const struct sl_model *m)
{
	struct out o = { .f = f, .first = true };
	char why[512];

	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	for (uint32_t i = 0; i < m->nprocs; i++)
		meta(&o, m->procs[i]);
	for (uint32_t i = 0; i < m->nsocks; i++)
		sock_track(&o, m, m->socks[i]);
	for (uint32_t i = 0; i < m->nsocks; i++)
		if (m->socks[i]->peer_id)
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
