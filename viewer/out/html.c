/*
 * The model as one self-contained HTML page: the page itself
 * (viewer/out/html/page.html, built into the binary as sl_page_html) with the
 * trace's data in it as JSON. Every string is written with '<', '>' and
 * '&' escaped, so nothing in a trace can end the script element; the page
 * then only ever puts strings into textContent or onto the canvas.
 *
 * Times are nanoseconds from the trace's start. Per socket the page gets
 * its states, its error's time, up to MARKS readiness ticks, its
 * incidents (calls it lived through that failed or were cut short, with
 * their waits), its hand-offs, its policy actions and its kept calls;
 * per epoll instance up to WAITS waits: the file grows with sockets, not
 * with every event of a long trace. What is cut is counted beside it
 * (calls, ticks, incidents, waits), and the page says so where it cuts.
 * The page also gets the summary tables of `view --summary` and the
 * span where the sockets were busy, which its Fit shows; and per
 * connection its waterfall (html_waterfall.c).
 */
#include <string.h>

#include "model/model.h"
#include "out/out.h"

#define MARKS 1000
#define WAITS 20000

extern const unsigned char sl_page_html[];
extern const unsigned int sl_page_html_len;

struct page {
	FILE *f;
	uint64_t t0;
};

static void str(struct page *pg, const char *key, const char *s)
{
	fprintf(pg->f, ",\"%s\":", key);
	sl_json_write(pg->f, s, strlen(s), true);
}

static uint64_t rel(const struct page *pg, uint64_t t)
{
	return t > pg->t0 ? t - pg->t0 : 0;
}

static void addr(struct page *pg, const char *key, const struct sl_addr *a)
{
	char buf[256];

	sl_addr_format(a, buf, sizeof(buf));
	str(pg, key, buf);
}

static void sock_states(struct page *pg, const struct sl_sock *s)
{
	fputs(",\"sp\":[", pg->f);
	for (uint32_t i = 0; i < s->nspans; i++) {
		fprintf(pg->f, "%s[%u,%llu,", i ? "," : "", s->spans[i].state,
			(unsigned long long)rel(pg, s->spans[i].start_ns));
		if (s->spans[i].end_ns)
			fprintf(pg->f, "%llu]",
				(unsigned long long)rel(pg, s->spans[i].end_ns));
		else
			fputs("null]", pg->f);
	}
	/* At most MARKS ticks, evenly spread over those the model kept. */
	fputs("],\"m\":[", pg->f);
	for (uint32_t k = 0, n = s->nmarks < MARKS ? s->nmarks : MARKS; k < n; k++)
		fprintf(pg->f, "%s%llu", k ? "," : "",
			(unsigned long long)rel(pg,
				s->marks[(uint64_t)k * s->nmarks / n].ts));
	fprintf(pg->f, "],\"mt\":%llu", (unsigned long long)s->ready_events);
}

/* The socket's byte counters at time TS, where a sample was taken then
 * (a counters record, a close): ",tx,rx", or ",null,null". */
static void bytes_at(struct page *pg, const struct sl_sock *s, uint64_t ts,
		     uint32_t *k)
{
	while (*k < s->nsamples && s->samples[*k].ts < ts)
		(*k)++;
	if (*k < s->nsamples && s->samples[*k].ts == ts)
		fprintf(pg->f, ",%llu,%llu",
			(unsigned long long)s->samples[*k].tx_bytes,
			(unsigned long long)s->samples[*k].rx_bytes);
	else
		fputs(",null,null", pg->f);
}

static void sock_events(struct page *pg, const struct sl_model *m,
			const struct sl_sock *s)
{
	char text[512];

	fputs(",\"pa\":[", pg->f);
	for (uint32_t i = 0; i < s->npacts; i++) {
		sl_policy_act_text(&s->pacts[i], sl_sock_policy_path(m, s),
				   text, sizeof(text));
		fputs(i ? "," : "", pg->f);
		sl_json_write(pg->f, text, strlen(text), true);
	}
	fputs("],\"ev\":[", pg->f);
	for (uint32_t i = 0, k = 0; i < s->nevts; i++) {
		const struct sl_evt *e = &s->evts[i];

		fprintf(pg->f, "%s[%llu,%u,%lld,", i ? "," : "",
			(unsigned long long)rel(pg, e->ts), e->call,
			(long long)e->ret);
		if (e->ret < 0 && e->err)
			fprintf(pg->f, "\"%s\"", sl_errno_name(e->err));
		else
			fputs("null", pg->f);
		fprintf(pg->f, ",%llu,%u,%d", (unsigned long long)e->dur_ns,
			e->pid, e->fd);
		bytes_at(pg, s, e->ts, &k);
		/* What an option call set or asked, by name, or null. */
		if (sl_evt_sockopt_text(e, text, sizeof(text)) > 0) {
			fputc(',', pg->f);
			sl_json_write(pg->f, text, strlen(text), true);
		} else {
			fputs(",null", pg->f);
		}
		fputc(']', pg->f);
	}
	fprintf(pg->f, "],\"more\":%llu",
		(unsigned long long)(s->evts_total - s->nevts));
}

/* Incidents [start, waited, errno, call, pid, tid] (and how many more
 * the model counted but did not keep) and hand-offs [received, from pid,
 * to pid, sent on (socket id), sent] (0: not seen). */
static void sock_moments(struct page *pg, const struct sl_sock *s)
{
	fputs(",\"in\":[", pg->f);
	for (uint32_t i = 0; i < s->nincs; i++) {
		const struct sl_incident *in = &s->incs[i];

		fprintf(pg->f, "%s[%llu,%llu,\"%s\",%u,%u,%u]", i ? "," : "",
			(unsigned long long)rel(pg, in->ts),
			(unsigned long long)in->dur_ns, sl_errno_name(in->err),
			in->call, in->pid, in->tid);
	}
	fprintf(pg->f, "],\"im\":%llu,\"ho\":[",
		(unsigned long long)(s->incs_total - s->nincs));
	for (uint32_t i = 0; i < s->nhandoffs; i++) {
		const struct sl_handoff *h = &s->handoffs[i];

		fprintf(pg->f, "%s[%llu,%u,%u,%u,%llu]", i ? "," : "",
			(unsigned long long)rel(pg, h->ts), h->from_pid,
			h->to_pid, h->via,
			(unsigned long long)(h->sent_ns ? rel(pg, h->sent_ns) : 0));
	}
	fputc(']', pg->f);
}

static void pid_list(struct page *pg, const char *key, const uint32_t *pids,
		     uint32_t n)
{
	fprintf(pg->f, ",\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++)
		fprintf(pg->f, "%s%u", i ? "," : "", pids[i]);
	fputc(']', pg->f);
}

/* "cb", "eb": who closed it last, or exited holding it; several when
 * their lets overlapped. */
static void closed_by(struct page *pg, const struct sl_sock *s)
{
	uint32_t pids[SL_LASTS_KEPT];

	pid_list(pg, "cb", pids, sl_sock_closed_by(s, pids, SL_LASTS_KEPT));
	pid_list(pg, "eb", pids, sl_sock_exited_by(s, pids, SL_LASTS_KEPT));
}

static void sock(struct page *pg, const struct sl_model *m,
		 const struct sl_sock *s)
{
	char caller[400];
	uint64_t err_at = s->err_ns ? s->err_ns : s->nspans ?
			  s->spans[s->nspans - 1].start_ns : s->start_ns;

	fprintf(pg->f, "{\"i\":%u,\"p\":%u,\"img\":%u", s->id, s->proc_index,
		s->image);
	str(pg, "f", sl_family_name(s->family));
	str(pg, "ty", sl_type_name(s->type));
	str(pg, "r", sl_role_name(s->role));
	addr(pg, "l", &s->local);
	addr(pg, "re", &s->remote);
	fprintf(pg->f, ",\"s\":%llu,\"last\":%llu,\"e\":",
		(unsigned long long)rel(pg, s->start_ns),
		(unsigned long long)rel(pg, s->last_ns));
	if (s->closed)
		fprintf(pg->f, "%llu", (unsigned long long)rel(pg, s->end_ns));
	else
		fputs("null", pg->f);
	closed_by(pg, s);
	fprintf(pg->f, ",\"x\":%s,\"err\":", s->open_at_exit ? "true" : "false");
	if (s->err)
		fprintf(pg->f, "\"%s\",\"ea\":%llu", sl_errno_name(s->err),
			(unsigned long long)rel(pg, err_at));
	else
		fputs("null", pg->f);
	fprintf(pg->f, ",\"un\":%s", s->stdio ? "\"stdio\"" :
		s->killed ? "\"killed\"" : "false");
	fprintf(pg->f, ",\"tx\":%llu,\"rx\":%llu,\"peer\":%u,\"c2a\":",
		(unsigned long long)s->tx_bytes, (unsigned long long)s->rx_bytes,
		s->peer_id);
	if (s->peer_id)
		fprintf(pg->f, "%llu", (unsigned long long)s->connect_to_accept_ns);
	else
		fputs("null", pg->f);
	fprintf(pg->f, ",\"cs\":%llu,\"nb\":%s,\"li\":%u,\"pid\":%u",
		(unsigned long long)(s->connect_ns ? rel(pg, s->connect_ns) : 0),
		s->nonblocking ? "true" : "false", s->listener_id,
		s->creator_pid);
	sl_sock_caller(m, s, caller, sizeof(caller));
	str(pg, "ca", caller);
	sock_states(pg, s);
	sock_moments(pg, s);
	sock_events(pg, m, s);
	sl_html_sock_waterfall(pg->f, pg->t0, s);
	fputc('}', pg->f);
}

static void epoll(struct page *pg, const struct sl_epoll *ep)
{
	uint32_t n;

	fprintf(pg->f, "{\"i\":%u,\"p\":%u,\"fd\":%d,\"n\":%llu,\"ev\":%llu,"
		"\"bl\":%llu,\"w\":[", ep->id, ep->proc_index, ep->fd,
		(unsigned long long)ep->waits_total,
		(unsigned long long)ep->events_total,
		(unsigned long long)ep->blocked_ns);
	n = ep->nwaits_kept < WAITS ? ep->nwaits_kept : WAITS;
	for (uint32_t i = 0; i < n; i++)
		fprintf(pg->f, "%s[%llu,%llu,%u]", i ? "," : "",
			(unsigned long long)rel(pg, ep->waits[i].ts),
			(unsigned long long)ep->waits[i].dur_ns,
			ep->waits[i].nready);
	/* The waits not drawn, and where the drawn ones stop. */
	fprintf(pg->f, "],\"wm\":%llu,\"e\":%llu}",
		(unsigned long long)(ep->waits_total - n),
		(unsigned long long)rel(pg, ep->closed ? ep->end_ns :
					    ep->last_ns));
}

static void procs(struct page *pg, const struct sl_model *m)
{
	fputs(",\"procs\":[", pg->f);
	for (uint32_t i = 0; i < m->nprocs; i++) {
		const struct sl_proc *p = m->procs[i];

		fprintf(pg->f, "%s{\"pid\":%u,\"ppid\":%u,\"images\":[", i ? "," : "",
			p->pid, p->ppid);
		for (uint32_t k = 0; k < p->nimages; k++) {
			fputs(k ? "," : "", pg->f);
			sl_json_write(pg->f, p->images[k], strlen(p->images[k]),
				      true);
		}
		fputs("]}", pg->f);
	}
	fputc(']', pg->f);
}

static void names(struct page *pg)
{
	fputs(",\"states\":[", pg->f);
	for (unsigned int i = 0; i < SL_SS_MAX; i++)
		fprintf(pg->f, "%s\"%s\"", i ? "," : "", sl_state_name(i));
	fputs("],\"calls\":[", pg->f);
	for (unsigned int i = 0; i < SL_CALL_MAX; i++)
		fprintf(pg->f, "%s\"%s\"", i ? "," : "", sl_call_name(i));
	fputc(']', pg->f);
	sl_html_phase_names(pg->f);
}

/* A duration in ns, or null for none. */
static void dur_or_null(struct page *pg, const struct sl_durs *d, unsigned p)
{
	if (d->n)
		fprintf(pg->f, ",%llu", (unsigned long long)sl_summary_pct(d, p));
	else
		fputs(",null", pg->f);
}

/* view --summary's tables: [name, sockets, connects ok, failed,
 * accepts, tx, rx, life p50, p99, max, c2a p50, p99, failed by errno]. */
static void summary_tables(struct page *pg, const struct sl_model *m)
{
	struct sl_summary sum;
	char errs[200];

	sl_summary_build(&sum, m, NULL);
	for (int k = 0; k < 2; k++) {
		const struct sl_sum_table *t = k ? &sum.ends : &sum.procs;

		fprintf(pg->f, k ? "],\"ends\":[" : ",\"sum\":{\"procs\":[");
		for (uint32_t i = 0; i < t->n; i++) {
			const struct sl_sum_row *r = &t->rows[i];

			fputs(i ? ",[" : "[", pg->f);
			sl_json_write(pg->f, r->name, strlen(r->name), true);
			fprintf(pg->f, ",%u,%u,%u,%u,%llu,%llu", r->socks,
				r->conn_ok, r->conn_fail, r->accepts,
				(unsigned long long)r->tx,
				(unsigned long long)r->rx);
			dur_or_null(pg, &r->life, 50);
			dur_or_null(pg, &r->life, 99);
			dur_or_null(pg, &r->life, 101);
			dur_or_null(pg, &r->c2a, 50);
			dur_or_null(pg, &r->c2a, 99);
			sl_summary_errs(errs, sizeof(errs), r);
			fputc(',', pg->f);
			sl_json_write(pg->f, errs, strlen(errs), true);
			fputc(']', pg->f);
		}
	}
	fputs("]}", pg->f);
	sl_summary_free(&sum);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void data(struct page *pg, const struct sl_model *m, uint64_t t1,
		 const uint64_t fit[2])
{
	char summary[1024], dur[32], gaps[512];

	sl_fmt_dur(dur, sizeof(dur), m->last_ns - m->first_ns);
	snprintf(summary, sizeof(summary), "%u %s, %u %s, %u epoll %s, %llu "
		 "%s, %llu dropped, over %s", m->nprocs,
		 plural(m->nprocs, "process", "processes"), m->nsocks,
		 plural(m->nsocks, "socket", "sockets"), m->nepolls,
		 plural(m->nepolls, "instance", "instances"),
		 (unsigned long long)m->events,
		 plural(m->events, "event", "events"),
		 (unsigned long long)m->dropped, dur);
	fprintf(pg->f, "{\"t0\":%llu,\"t1\":%llu,\"fit\":[%llu,%llu]",
		(unsigned long long)pg->t0, (unsigned long long)t1,
		(unsigned long long)rel(pg, fit[0]),
		(unsigned long long)rel(pg, fit[1]));
	if (sl_model_gaps(m, gaps, sizeof(gaps))) {
		/* In the summary too: the page shows it. */
		size_t at = strlen(summary);

		snprintf(summary + at, sizeof(summary) - at,
			 "; TRACE INCOMPLETE: %s", gaps);
		str(pg, "incomplete", gaps);
	}
	str(pg, "summary", summary);
	summary_tables(pg, m);
	names(pg);
	procs(pg, m);
	fputs(",\"socks\":[", pg->f);
	for (uint32_t i = 0; i < m->nsocks; i++) {
		fputs(i ? ",\n" : "\n", pg->f);
		sock(pg, m, m->socks[i]);
	}
	fputs("],\"epolls\":[", pg->f);
	for (uint32_t i = 0; i < m->nepolls; i++) {
		fputs(i ? ",\n" : "\n", pg->f);
		epoll(pg, m->epolls[i]);
	}
	fputs("]}", pg->f);
}

/* The time axis: from the first socket or epoll instance to the last
 * moment any was seen (a shell's start-up is not worth the width). */
static void span(const struct sl_model *m, uint64_t *t0, uint64_t *t1)
{
	*t0 = UINT64_MAX;
	*t1 = 0;
	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];
		uint64_t end = s->closed && s->end_ns > s->last_ns ? s->end_ns :
								      s->last_ns;
		uint64_t from = sl_html_waterfall_start(s);

		*t0 = from < *t0 ? from : *t0;
		*t1 = end > *t1 ? end : *t1;
		/* Open when the trace ended: open to its end. */
		if (!s->closed && !s->open_at_exit && m->last_ns > *t1)
			*t1 = m->last_ns;
	}
	for (uint32_t i = 0; i < m->nepolls; i++) {
		*t0 = m->epolls[i]->start_ns < *t0 ? m->epolls[i]->start_ns : *t0;
		*t1 = m->epolls[i]->last_ns > *t1 ? m->epolls[i]->last_ns : *t1;
	}
	if (*t0 > *t1) {
		*t0 = m->first_ns;
		*t1 = m->last_ns;
	}
}

/* When socket S began to do something: its first state past created
 * and bound (a listener's listen, a client's connect), or for a socket
 * made connected (a socketpair, an accepted one) its first call after
 * that or its first readiness; 0 for none. A program's start-up makes
 * sockets it uses much later (asyncio's self-pipe, an epoll instance):
 * they are not where the action starts. */
static uint64_t busy_from(const struct sl_sock *s)
{
	/* A connection's waterfall starts with its name's resolve. */
	if (s->wf && s->wf->name[0] && s->wf->resolve_ns)
		return s->wf->resolve_ns;
	if (s->role == SL_ROLE_SERVER)
		return s->start_ns;
	if (s->role == SL_ROLE_PAIR) {
		uint64_t t = s->nmarks ? s->marks[0].ts : 0;

		for (uint32_t i = 0; i < s->nevts; i++)
			if (s->evts[i].call != SL_CALL_SOCKETPAIR &&
			    (!t || s->evts[i].ts < t)) {
				t = s->evts[i].ts;
				break;
			}
		return t;
	}
	for (uint32_t i = 0; i < s->nspans; i++)
		if (s->spans[i].state != SL_SS_CREATED &&
		    s->spans[i].state != SL_SS_BOUND)
			return s->spans[i].start_ns;
	return s->err_ns;
}

/* Fit: from the first socket that did something to the end. */
static void busy_span(const struct sl_model *m, uint64_t t0, uint64_t t1,
		      uint64_t fit[2])
{
	fit[0] = UINT64_MAX;
	fit[1] = t1;
	for (uint32_t i = 0; i < m->nsocks; i++) {
		uint64_t b = busy_from(m->socks[i]);

		if (b && b < fit[0])
			fit[0] = b;
	}
	for (uint32_t i = 0; i < m->nepolls; i++)
		if (m->epolls[i]->nwaits_kept &&
		    m->epolls[i]->waits[0].ts < fit[0])
			fit[0] = m->epolls[i]->waits[0].ts;
	if (fit[0] == UINT64_MAX || fit[0] < t0 || fit[0] >= t1)
		fit[0] = t0;
}

void sl_render_html(FILE *f, const struct sl_model *m)
{
	static const char marker[] = "<!--DATA-->";
	const char *page = (const char *)sl_page_html;
	const char *at = memmem(page, sl_page_html_len, marker, sizeof(marker) - 1);
	struct page pg = { .f = f };
	uint64_t t1, fit[2];
	size_t head = at ? (size_t)(at - page) : sl_page_html_len;

	span(m, &pg.t0, &t1);
	busy_span(m, pg.t0, t1, fit);
	fwrite(page, 1, head, f);
	data(&pg, m, t1, fit);
	if (at)
		fwrite(at + sizeof(marker) - 1, 1,
		       sl_page_html_len - head - (sizeof(marker) - 1), f);
}
