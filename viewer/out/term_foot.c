/*
 * The lines under the terminal timeline: what the trace holds (counted
 * in words that agree with their numbers, "1 process", and over the same
 * span as the time axis above them), how many sockets a filter kept, and
 * what the reader should know before trusting it: a torn tail, processes
 * cut off, failed calls not drawn, a seccomp filter that ended tracing.
 */
#include "out/term_int.h"

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Sockets with more failed calls than the model kept to draw (a busy
 * listener's empty queue): all are counted, say so. */
static void incidents_not_drawn(FILE *f, const struct sl_model *m)
{
	uint32_t noted = 0;

	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];

		if (!s || s->incs_total <= s->nincs)
			continue;
		if (noted++ < 5)
			fprintf(f, "note: socket %u: %llu calls failed or were "
				"cut short; the first %u are drawn\n", s->id,
				(unsigned long long)s->incs_total, s->nincs);
	}
	if (noted > 5)
		fprintf(f, "note: %u more sockets have more failed calls than "
			"are drawn\n", noted - 5);
}

/* ", " between PIDS, " or " before the last. */
static size_t put_pids(char *buf, size_t len, size_t at, const char *head,
		       const uint32_t *pids, uint32_t n)
{
	for (uint32_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u",
				       !i ? head : i + 1 == n ? " or " : ", ",
				       pids[i]);
	return at;
}

const char *sl_term_closed_by(const struct sl_sock *s, char *buf,
			      size_t len)
{
	uint32_t c[SL_LASTS_KEPT], e[SL_LASTS_KEPT];
	uint32_t nc = sl_sock_closed_by(s, c, SL_LASTS_KEPT);
	uint32_t ne = sl_sock_exited_by(s, e, SL_LASTS_KEPT);
	size_t at = 0;

	if (nc + ne < 2)
		return s->closed ? "closed" : "at-exit";
	buf[0] = '\0';
	if (s->closed) {
		at = put_pids(buf, len, at, "closed by ", c, nc);
		put_pids(buf, len, at, " or at exit of ", e, ne);
	} else {
		at = put_pids(buf, len, at, "at exit of ", e, ne);
		put_pids(buf, len, at, " or closed by ", c, nc);
	}
	return buf;
}

/* Sockets whose last closes (or exits) overlapped, where the rows had
 * no room to say who let them go. */
static void closers_not_drawn(FILE *f, const struct sl_model *m,
			      const struct layout *l)
{
	uint32_t noted = 0;
	char by[96];

	for (uint32_t i = 0; !l->closers && i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];

		if (!s || (!s->closed && !s->open_at_exit) || s->err ||
		    sl_term_closed_by(s, by, sizeof(by)) != by)
			continue;
		if (noted++ < 5)
			fprintf(f, "note: socket %u: %s (their lets "
				"overlapped: any may have been the last)\n",
				s->id, by);
	}
	if (noted > 5)
		fprintf(f, "note: %u more sockets were closed by one of "
			"several processes\n", noted - 5);
}

/*
 * The counts and the span, on one line where the view's width has room,
 * else on two: what the trace holds, then its waits, drops and span.
 */
static void counts(FILE *f, const struct sl_model *m, uint32_t shown,
		   const char *span, int width)
{
	uint64_t n[] = { m->nprocs, m->ids, m->nepolls, m->events, m->waits };
	char of[16] = "", a[160], b[160];
	int la, lb;

	if (shown != m->ids)
		snprintf(of, sizeof(of), "%u of ", shown);
	la = snprintf(a, sizeof(a), "%llu %s, %s%llu %s%s, %llu epoll %s, "
		      "%llu %s,", (unsigned long long)n[0],
		      plural(n[0], "process", "processes"), of,
		      (unsigned long long)n[1],
		      plural(n[1], "socket", "sockets"),
		      shown != m->ids ? " shown" : "", (unsigned long long)n[2],
		      plural(n[2], "instance", "instances"),
		      (unsigned long long)n[3], plural(n[3], "event", "events"));
	lb = snprintf(b, sizeof(b), "%llu %s, %llu dropped, over %s",
		      (unsigned long long)n[4], plural(n[4], "wait", "waits"),
		      (unsigned long long)m->dropped, span);
	fprintf(f, "%s%s%s\n", a, la + 1 + lb <= width ? " " : "\n", b);
}

void sl_term_footer(FILE *f, const struct sl_model *m,
		    const struct layout *l, uint32_t shown)
{
	char dur[32], all[32], span[96], gaps[512];
	uint64_t trace = m->last_ns - m->first_ns;

	sl_fmt_dur(dur, sizeof(dur), l->t1 - l->t0);
	sl_fmt_dur(all, sizeof(all), trace);
	/* The axis spans the sockets' lives; the trace may be longer
	 * (start-up before the first socket, exit after the last). */
	if (l->t1 - l->t0 == trace || !m->ids)
		snprintf(span, sizeof(span), "%s", all);
	else
		snprintf(span, sizeof(span), "%s (the trace: %s)", dur, all);
	counts(f, m, shown, span, l->width);
	if (m->torn)
		fprintf(f, "warning: the trace has a torn tail (%s); "
			"everything before it is shown\n", m->torn_why);
	if (sl_model_gaps(m, gaps, sizeof(gaps)))
		fprintf(f, "warning: trace incomplete: %s\n", gaps);
	if (m->bad_conns)
		fprintf(f, "warning: %llu %s cut off for bad records\n",
			(unsigned long long)m->bad_conns,
			plural(m->bad_conns, "process was", "processes were"));
	if (m->bad_why[0])
		fprintf(f, "warning: bad record in the file: %s\n", m->bad_why);
	incidents_not_drawn(f, m);
	closers_not_drawn(f, m, l);
	for (uint32_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->dark_ns)
			fprintf(f, "note: pid %u put itself under a seccomp "
				"filter at +%.3fs; it is untraced from there\n",
				m->procs[i]->pid,
				(double)(m->procs[i]->dark_ns - m->first_ns) / 1e9);
}
