/*
 * The terminal timeline: one row per socket, grouped under the process
 * that created it (a server end: the process that accepted it), time left
 * to right, each state a colour (or, without colour, a letter), with the
 * moments that are not states where they happened: its error, calls that
 * failed or were cut short and the wait that ended in them, hand-offs to
 * another process; endpoints, bytes each way and the outcome; then a
 * legend and a summary line. Fits 80 columns; wider terminals give the
 * endpoints and the bar more room.
 */
#include <string.h>
#include <sys/socket.h>

#include "model/model.h"
#include "out/out.h"

/* Drawn in this order of importance when several states share a cell. */
static const struct {
	char letter;
	const char *color;	/* SGR parameters */
	const char *bright;	/* the same, where a wait found it ready */
	int weight;
} look[SL_SS_MAX] = {
	[SL_SS_CREATED] = { '.', "90", "37", 1 },
	[SL_SS_BOUND] = { 'b', "34", "94", 2 },
	[SL_SS_LISTENING] = { 'L', "36", "96", 3 },
	[SL_SS_ESTABLISHED] = { '=', "32", "92", 4 },
	[SL_SS_PEER_CLOSED] = { '-', "33", "93", 5 },
	[SL_SS_SHUT_RD] = { '<', "35", "95", 6 },
	[SL_SS_SHUT_WR] = { '>', "35", "95", 6 },
	[SL_SS_SHUT_RDWR] = { 'x', "35", "95", 6 },
	[SL_SS_CONNECTING] = { '~', "33", "93", 7 },
};

#define ERR_CELL (SL_SS_MAX + 1)
#define EMPTY_CELL 0xff
/* Epoll rows: blocked in a wait, and woken with events. */
#define WAIT_CELL (SL_SS_MAX + 2)
#define WAKE_CELL (SL_SS_MAX + 3)
/* Socket rows: blocked in a call that then failed or was cut short; that
 * call's end; a hand-off to another process. */
#define BLOCK_CELL (SL_SS_MAX + 4)
#define INC_CELL (SL_SS_MAX + 5)
#define HANDOFF_CELL (SL_SS_MAX + 6)
/* A socket cell that also saw a readiness event. */
#define MARKED 0x80

struct layout {
	bool callers;
	bool via;	/* server rows name their listener */
	bool live;	/* open sockets of a running program */
	int width;
	int ep;		/* endpoint column */
	int bar;	/* timeline cells */
	bool color;
	uint64_t t0, t1;
};

static const char *role_short(unsigned int role)
{
	static const char *const names[SL_ROLE_MAX] = {
		[SL_ROLE_UNCONNECTED] = "-", [SL_ROLE_LISTENER] = "listen",
		[SL_ROLE_CLIENT] = "client", [SL_ROLE_SERVER] = "server",
		[SL_ROLE_PAIR] = "pair", [SL_ROLE_DATAGRAM] = "dgram",
	};
	return role < SL_ROLE_MAX ? names[role] : "?";
}

/* The bar cell of time TS; times outside the axis land on its ends (a
 * corrupt record can say anything). */
static int cell_of(const struct layout *l, uint64_t ts)
{
	uint64_t span = l->t1 > l->t0 ? l->t1 - l->t0 : 1;
	double x;

	if (ts <= l->t0)
		return 0;
	x = (double)(ts - l->t0) / (double)span * l->bar;
	return x >= l->bar - 1 ? l->bar - 1 : (int)x;
}

/*
 * Readiness marks. In colour a marked cell is a brighter cell of its
 * state; in letters it is '*', unless a third or more of the bar is
 * marked (a busy connection), where the marks would only hide its states.
 */
static void mark_cells(const struct layout *l, const struct sl_sock *s,
		       uint8_t *cells)
{
	int marked = 0, live = 0;

	for (uint32_t i = 0; i < s->nmarks; i++) {
		int c = cell_of(l, s->marks[i].ts);

		if (cells[c] != EMPTY_CELL && !(cells[c] & MARKED)) {
			cells[c] |= MARKED;
			marked++;
		}
	}
	for (int c = 0; c < l->bar; c++)
		live += cells[c] != EMPTY_CELL;
	if (l->color || marked * 3 < live)
		return;
	for (int c = 0; c < l->bar; c++)
		if (cells[c] != EMPTY_CELL)
			cells[c] &= ~MARKED;
}

/* What is not a state, where it happened, over the states: the waits
 * that ended in a failed or interrupted call and their ends, hand-offs,
 * the error. */
static void event_cells(const struct layout *l, const struct sl_sock *s,
			uint8_t *cells)
{
	for (uint32_t i = 0; i < s->nincs; i++) {
		const struct sl_incident *in = &s->incs[i];
		int c0 = cell_of(l, in->ts), c1 = cell_of(l, in->ts + in->dur_ns);

		for (int c = c0; c < c1; c++)
			if (cells[c] != EMPTY_CELL)
				cells[c] = BLOCK_CELL;
		cells[c1] = INC_CELL;
	}
	for (uint32_t i = 0; i < s->nhandoffs; i++)
		cells[cell_of(l, s->handoffs[i].ts)] = HANDOFF_CELL;
	if (s->err) {
		uint64_t at = s->err_ns ? s->err_ns : s->nspans ?
			      s->spans[s->nspans - 1].start_ns : s->start_ns;

		cells[cell_of(l, at)] = ERR_CELL;
	}
}

static void fill_cells(const struct layout *l, const struct sl_sock *s,
		       uint8_t *cells)
{
	memset(cells, EMPTY_CELL, (size_t)l->bar);
	for (uint32_t i = 0; i < s->nspans; i++) {
		const struct sl_span *sp = &s->spans[i];
		uint64_t end = sp->end_ns ? sp->end_ns :
			       (s->end_ns ? s->end_ns : s->last_ns);
		int c0 = cell_of(l, sp->start_ns), c1 = cell_of(l, end);

		if (!s->closed && !sp->end_ns && s->open_at_exit)
			c1 = cell_of(l, s->last_ns);
		if (!s->closed && !sp->end_ns && !s->open_at_exit)
			c1 = l->bar - 1;
		for (int c = c0; c <= c1; c++)
			if (cells[c] == EMPTY_CELL ||
			    look[cells[c]].weight < look[sp->state].weight)
				cells[c] = sp->state;
	}
	mark_cells(l, s, cells);
	event_cells(l, s, cells);
}

static void fill_epoll_cells(const struct layout *l, const struct sl_epoll *ep,
			     uint8_t *cells)
{
	memset(cells, EMPTY_CELL, (size_t)l->bar);
	for (uint32_t i = 0; i < ep->nwaits_kept; i++) {
		const struct sl_wait *w = &ep->waits[i];
		int c0 = cell_of(l, w->ts), c1 = cell_of(l, w->ts + w->dur_ns);

		for (int c = c0; c <= c1 && w->dur_ns; c++)
			if (cells[c] == EMPTY_CELL)
				cells[c] = WAIT_CELL;
		if (w->nready)
			cells[c1] = WAKE_CELL;
	}
}

/* What one cell looks like: a glyph, in colour or as a letter. */
static void draw_cell(FILE *f, const struct layout *l, int v)
{
	int st = v & ~MARKED;

	if (v == EMPTY_CELL)
		fputc(' ', f);
	else if (v == ERR_CELL)
		fputs(l->color ? "\u2715" : "!", f);
	else if (v == WAIT_CELL)
		fputs(l->color ? "\u2500" : "-", f);
	else if (v == WAKE_CELL)
		fputs(l->color ? "\u2503" : "|", f);
	else if (v == BLOCK_CELL)
		fputs(l->color ? "\u2500" : "_", f);
	else if (v == INC_CELL)
		fputc('e', f);
	else if (v == HANDOFF_CELL)
		fputc('@', f);
	else if (v & MARKED && !l->color)
		fputc('*', f);
	else if (l->color)
		fputs("\u2588", f);
	else
		fputc(look[st].letter, f);
}

static const char *cell_color(int v)
{
	if (v == ERR_CELL)
		return "1;31";
	if (v == WAIT_CELL)
		return "90";
	if (v == WAKE_CELL)
		return "93";
	if (v == BLOCK_CELL)
		return "37";
	if (v == INC_CELL)
		return "1;33";
	if (v == HANDOFF_CELL)
		return "1;36";
	if (v & MARKED)
		return look[v & ~MARKED].bright;
	return look[v].color;
}

static void draw_bar(FILE *f, const struct layout *l, const uint8_t *cells)
{
	int prev = -1;

	for (int c = 0; c < l->bar; c++) {
		int v = cells[c];

		if (l->color && v != prev) {
			fputs("\033[0m", f);
			if (v != EMPTY_CELL)
				fprintf(f, "\033[%sm", cell_color(v));
			prev = v;
		}
		draw_cell(f, l, v);
	}
	if (l->color)
		fputs("\033[0m", f);
}

/*
 * The endpoint a person wants for each role: a listener's own address,
 * the peer of a server socket ("<-", and which listener it came from
 * where several accepted or another process made it), the remote of a
 * client ("->").
 */
static void endpoint(char *buf, size_t len, const struct layout *l,
		     const struct sl_sock *s)
{
	char a[200], b[200];

	sl_addr_format(&s->local, a, sizeof(a));
	sl_addr_format(&s->remote, b, sizeof(b));
	if (s->role == SL_ROLE_SERVER && l->via && s->listener_id)
		snprintf(buf, len, "<-%s via %u", b, s->listener_id);
	else if (s->role == SL_ROLE_LISTENER || (!b[0] && a[0]))
		snprintf(buf, len, "%s", a);
	else if (s->role == SL_ROLE_SERVER)
		snprintf(buf, len, "<-%s", b);
	else if (b[0])
		snprintf(buf, len, "->%s", b);
	else
		snprintf(buf, len, "%s%s", sl_family_name(s->family),
			 s->type == SOCK_DGRAM ? "/dgram" : "");
}

/* How it ended: its error, closed, open when its last holder exited,
 * or still open when the trace ended. */
static const char *outcome(const struct layout *l, const struct sl_sock *s)
{
	if (s->err)
		return sl_errno_name(s->err);
	if (s->closed)
		return "closed";
	if (s->open_at_exit)
		return "at-exit";
	return l->live ? "open" : "open at end";
}

static void draw_sock(FILE *f, const struct layout *l,
		      const struct sl_model *m, const struct sl_sock *s,
		      uint8_t *cells)
{
	char ep[512], tx[16], rx[16];
	const char *out = outcome(l, s);

	endpoint(ep, sizeof(ep), l, s);
	sl_fmt_bytes(tx, sizeof(tx), s->tx_bytes);
	sl_fmt_bytes(rx, sizeof(rx), s->rx_bytes);
	/* At least: libc's stdio moved bytes on it unseen, or a holder
	 * died with counts it had not told. */
	if (s->stdio || s->killed) {
		strcat(tx, "+");
		strcat(rx, "+");
	}
	fprintf(f, "%4u %-6s ", s->id, role_short(s->role));
	sl_term_str(f, ep, strlen(ep), (size_t)l->ep);
	for (int pad = l->ep - (int)strlen(ep); pad > 0; pad--)
		fputc(' ', f);
	fputs(" |", f);
	fill_cells(l, s, cells);
	draw_bar(f, l, cells);
	fprintf(f, "| %6s %6s ", tx, rx);
	if (l->color && s->err)
		fprintf(f, "\033[31m%s\033[0m", out);
	else
		fputs(out, f);
	if (s->npacts)
		fprintf(f, " %spolicy:%u%s", l->color ? "\033[35m" : "",
			s->npacts, l->color ? "\033[0m" : "");
	if (l->callers) {
		char caller[400];

		sl_sock_caller(m, s, caller, sizeof(caller));
		fputs("  ", f);
		sl_term_str(f, caller, strlen(caller), 60);
	}
	fputc('\n', f);
}

static void fmt_count(char *buf, size_t len, uint64_t n, char unit)
{
	if (n < 10000)
		snprintf(buf, len, "%llu%c", (unsigned long long)n, unit);
	else if (n < 10000000)
		snprintf(buf, len, "%.0fk%c", n / 1e3, unit);
	else
		snprintf(buf, len, "%.0fM%c", n / 1e6, unit);
}

/* An epoll instance's row: its waits (blocked, woken), counts of waits
 * and events where a socket has its bytes. */
static void draw_epoll(FILE *f, const struct layout *l,
		       const struct sl_epoll *ep, uint8_t *cells)
{
	char what[64], waits[16], events[16];
	uint32_t watched = 0;

	for (uint32_t i = 0; i < ep->nwatches; i++)
		watched += !ep->watches[i].removed_ns;
	snprintf(what, sizeof(what), "fd %d, %u watched", ep->fd, watched);
	fmt_count(waits, sizeof(waits), ep->waits_total, 'w');
	fmt_count(events, sizeof(events), ep->events_total, 'e');
	fprintf(f, " e%-2u %-6s %-*.*s |", ep->id, "epoll", l->ep, l->ep, what);
	fill_epoll_cells(l, ep, cells);
	draw_bar(f, l, cells);
	fprintf(f, "| %6s %6s %s\n", waits, events,
		ep->closed ? "closed" : "open");
}

static void draw_proc(FILE *f, const struct sl_proc *p, bool color)
{
	fprintf(f, "%spid %u", color ? "\033[1m" : "", p->pid);
	if (p->ppid)
		fprintf(f, " (ppid %u)", p->ppid);
	fputs(" ", f);
	/* The image it started as and the one it ran last, exec by exec. */
	for (uint32_t i = 0; i < p->nimages; i++) {
		if (i && i + 1 < p->nimages) {
			if (i == 1)
				fputs(" -> ...", f);
			continue;
		}
		fputs(i ? " -> " : " ", f);
		sl_term_str(f, p->images[i], strlen(p->images[i]), 50);
	}
	if (p->dark_ns)
		fputs("  [untraced after its seccomp filter]", f);
	if (p->exit_status >= 0)
		fprintf(f, "  [exit %lld]", (long long)p->exit_status);
	fprintf(f, "%s\n", color ? "\033[0m" : "");
}

/* The marks beyond the states, in the legend only where the trace has
 * them. */
static void legend_events(FILE *f, const struct layout *l,
			  const struct sl_model *m)
{
	bool inc = false, ho = false, stdio = false;

	for (uint32_t i = 0; i < m->nsocks; i++) {
		inc |= m->socks[i] && m->socks[i]->nincs;
		ho |= m->socks[i] && m->socks[i]->nhandoffs;
		stdio |= m->socks[i] &&
			 (m->socks[i]->stdio || m->socks[i]->killed);
	}
	if (!inc && !ho && !stdio)
		return;
	if (inc)
		fprintf(f, "  %s blocked in a call  %s call failed or cut short, "
			"socket lived on", l->color ? "\033[37m\u2500\033[0m" : "_",
			l->color ? "\033[1;33me\033[0m" : "e");
	if (ho)
		fprintf(f, "  %s passed to another process",
			l->color ? "\033[1;36m@\033[0m" : "@");
	if (stdio)
		fputs("  B+ at least (bytes through stdio, or of a killed "
		      "holder, not seen)", f);
	fputc('\n', f);
}

static void legend(FILE *f, const struct layout *l, bool epolls)
{
	static const uint8_t order[] = {
		SL_SS_CREATED, SL_SS_BOUND, SL_SS_LISTENING, SL_SS_CONNECTING,
		SL_SS_ESTABLISHED, SL_SS_SHUT_WR, SL_SS_PEER_CLOSED,
	};

	fputs("  ", f);
	for (size_t i = 0; i < sizeof(order); i++) {
		uint8_t st = order[i];

		if (l->color)
			fprintf(f, "\033[%sm\u2588\033[0m %s  ", look[st].color,
				sl_state_name(st));
		else
			fprintf(f, "%c %s  ", look[st].letter, sl_state_name(st));
	}
	fprintf(f, "%s error  %s ready\n",
		l->color ? "\033[1;31m\u2715\033[0m" : "!",
		l->color ? "\033[92m\u2588\033[0m bright:" : "*");
	if (epolls)
		fprintf(f, "  epoll rows: %s blocked in a wait  %s woken with "
			"events\n", l->color ? "\033[90m\u2500\033[0m" : "-",
			l->color ? "\033[93m\u2503\033[0m" : "|");
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

static void summary(FILE *f, const struct sl_model *m)
{
	char dur[32], gaps[512];

	sl_fmt_dur(dur, sizeof(dur), m->last_ns - m->first_ns);
	fprintf(f, "%u processes, %u sockets, %u epoll instances, %llu events, "
		"%llu waits, %llu dropped, over %s\n", m->nprocs, m->ids,
		m->nepolls, (unsigned long long)m->events,
		(unsigned long long)m->waits, (unsigned long long)m->dropped,
		dur);
	if (m->torn)
		fprintf(f, "warning: the trace has a torn tail (%s); "
			"everything before it is shown\n", m->torn_why);
	if (sl_model_gaps(m, gaps, sizeof(gaps)))
		fprintf(f, "warning: trace incomplete: %s\n", gaps);
	if (m->bad_conns)
		fprintf(f, "warning: %llu processes were cut off for bad "
			"records\n", (unsigned long long)m->bad_conns);
	if (m->bad_why[0])
		fprintf(f, "warning: bad record in the file: %s\n", m->bad_why);
	incidents_not_drawn(f, m);
	for (uint32_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->dark_ns)
			fprintf(f, "note: pid %u put itself under a seccomp "
				"filter at +%.3fs; it is untraced from there\n",
				m->procs[i]->pid,
				(double)(m->procs[i]->dark_ns - m->first_ns) / 1e9);
}

/*
 * Whether server rows should say which listener they came from: several
 * listeners accepted (SO_REUSEPORT workers, two services), or one made by
 * another process (a pre-forked pool, EPOLLEXCLUSIVE workers); the row
 * sits under the process that accepted it.
 */
static bool want_via(const struct sl_model *m)
{
	uint32_t accepting = 0;
	bool ids = m->nsocks == m->ids;	/* an id is an index: nothing retired */

	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i], *l;

		if (!s)
			continue;
		accepting += s->role == SL_ROLE_LISTENER && s->accepted;
		if (!ids || s->role != SL_ROLE_SERVER || !s->listener_id ||
		    s->listener_id > m->nsocks)
			continue;
		l = m->socks[s->listener_id - 1];
		if (l && l->creator_pid != s->creator_pid)
			return true;
	}
	return accepting > 1;
}

/* Widths: the endpoint column as wide as the widest endpoint (within
 * limits), the bar whatever is left; the axis spans the sockets' lives. */
static void layout(struct layout *l, const struct sl_model *m,
		   const struct sl_render_opts *o, int width)
{
	/* id, role, the bar's two rules, tx, rx and the outcome column */
	int fixed = 4 + 1 + 6 + 1 + 2 + 1 + 7 + 7 + 13;
	int free_cols = width - fixed, widest = 8;
	bool open_at_end = false;
	char ep[512];

	l->width = width;
	l->color = o->color;
	l->callers = o->callers;
	l->live = o->open_only;
	l->via = want_via(m);
	l->t0 = UINT64_MAX;
	l->t1 = 0;
	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];
		uint64_t end;
		int n;

		/* NULL: retired (the live view keeps only what is open). */
		if (!s || (o->open_only && (s->closed || s->open_at_exit)))
			continue;
		open_at_end |= !s->closed && !s->open_at_exit;
		end = s->end_ns > s->last_ns ? s->end_ns : s->last_ns;
		endpoint(ep, sizeof(ep), l, s);
		n = (int)strlen(ep);
		widest = n > widest ? n : widest;
		l->t0 = s->start_ns < l->t0 ? s->start_ns : l->t0;
		l->t1 = end > l->t1 ? end : l->t1;
	}
	if (l->t0 > l->t1) {
		l->t0 = m->first_ns;
		l->t1 = m->last_ns;
	}
	/* A socket open when the trace ended is open to its end. */
	if (open_at_end && m->last_ns > l->t1)
		l->t1 = m->last_ns;
	l->ep = widest < free_cols / 2 ? widest : free_cols / 2;
	if (l->ep < 16)
		l->ep = 16;
	l->bar = free_cols - l->ep;
	if (l->bar < 10)
		l->bar = 10;
}

static bool shown(const struct sl_render_opts *o, const struct sl_sock *s)
{
	return !o->open_only || (!s->closed && !s->open_at_exit);
}

void sl_render_term(FILE *f, const struct sl_model *m,
		    const struct sl_render_opts *o)
{
	struct layout l;
	uint8_t cells[512];
	char dur[32];
	int rows = 0;

	layout(&l, m, o, o->width < 60 ? 60 : o->width > 400 ? 400 : o->width);
	if (o->open_only && m->last_ns > l.t1)
		l.t1 = m->last_ns;
	sl_fmt_dur(dur, sizeof(dur), l.t1 - l.t0);
	fprintf(f, "%4s %-6s %-*s  %-*s  %6s %6s %s\n", "ID", "ROLE", l.ep,
		"ENDPOINT", l.bar, "0", "TX", "RX", "OUTCOME");
	for (uint32_t i = 0; i < m->nprocs; i++) {
		const struct sl_proc *p = m->procs[i];
		bool header = false;

		for (uint32_t k = 0; k < m->nsocks; k++) {
			const struct sl_sock *s = m->socks[k];

			if (!s || s->proc_index != p->index || !shown(o, s) ||
			    (o->max_rows && rows >= o->max_rows))
				continue;
			if (!header)
				draw_proc(f, p, l.color);
			header = true;
			rows++;
			draw_sock(f, &l, m, s, cells);
		}
		for (uint32_t k = 0; k < m->nepolls; k++) {
			if (m->epolls[k]->proc_index != p->index ||
			    (o->open_only && m->epolls[k]->closed))
				continue;
			if (!header)
				draw_proc(f, p, l.color);
			header = true;
			draw_epoll(f, &l, m->epolls[k], cells);
		}
	}
	fprintf(f, "%*s+%s\n", 4 + 1 + 6 + 1 + l.ep + 2 + l.bar - 1, "", dur);
	legend(f, &l, m->nepolls > 0);
	legend_events(f, &l, m);
	sl_render_policy(f, m, 20);
	summary(f, m);
}
