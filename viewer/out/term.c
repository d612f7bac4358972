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
#include <time.h>

#include "model/model.h"
#include "out/term_int.h"

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
 * state; in letters it is '*', but where a third or more of the bar is
 * marked (a busy connection) only every other marked cell is, so its
 * states stay readable between the marks ("=*=*=").
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
	for (int c = 0; c < l->bar; c += 2)
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
			    sl_term_weight(cells[c]) < sl_term_weight(sp->state))
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

/* ":PORT" of an inet or inet6 address A formatted as TEXT, or "". */
static const char *port_of(const struct sl_addr *a, const char *text)
{
	const char *colon = strrchr(text, ':');
	sa_family_t fam = AF_UNSPEC;

	if (a->len >= sizeof(fam))
		memcpy(&fam, a->raw, sizeof(fam));
	if ((fam != AF_INET && fam != AF_INET6) || !colon ||
	    !strcmp(colon, ":0"))
		return "";
	return colon;
}

/*
 * The endpoint a person wants for each role: a listener's own address,
 * the peer of a server socket ("<-", and which listener it came from
 * where several accepted or another process made it), the remote of a
 * client ("->") after its own port, which is what the server's row of
 * the same connection shows ("<-127.0.0.1:41234").
 */
static void endpoint(char *buf, size_t len, const struct layout *l,
		     const struct sl_sock *s)
{
	char a[200], b[200];
	const char *name = sl_term_name(s);

	sl_addr_format(&s->local, a, sizeof(a));
	sl_addr_format(&s->remote, b, sizeof(b));
	/* The host its process resolved, in place of the address. */
	if (s->role == SL_ROLE_CLIENT && b[0] && name) {
		snprintf(buf, len, "%s->%s%s", port_of(&s->local, a), name,
			 port_of(&s->remote, b));
		return;
	}
	if (s->role == SL_ROLE_CLIENT && b[0]) {
		snprintf(buf, len, "%s->%s", port_of(&s->local, a), b);
		return;
	}
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

/* How it ended: its error, closed (by whom, where the closes of two
 * processes overlapped and the row has room: BUF), open when its last
 * holder exited, or still open when the trace ended. */
static const char *outcome(const struct layout *l, const struct sl_sock *s,
			   char *buf, size_t len)
{
	if (s->err)
		return sl_errno_name(s->err);
	if (s->closed || s->open_at_exit)
		return l->closers ? sl_term_closed_by(s, buf, len) :
		       s->closed ? "closed" : "at-exit";
	return l->live ? "open" : "open at end";
}

/* The socket's lifetime: to its end, or to the last that was seen of
 * it while it is open. */
static uint64_t lifetime(const struct layout *l, const struct sl_sock *s)
{
	uint64_t end = s->end_ns ? s->end_ns : s->last_ns;

	if (!s->closed && !s->open_at_exit && !l->live && l->t1 > end)
		end = l->t1;
	return end > s->start_ns ? end - s->start_ns : 0;
}

/* -t, -tt: the wall clock at monotonic time TS of process P. */
static void stamp(FILE *f, const struct layout *l, const struct sl_proc *p,
		  uint64_t ts)
{
	uint64_t real = ts + (p ? p->real_offset : 0);
	time_t sec = (time_t)(real / 1000000000u);
	struct tm tm;
	char buf[32];

	localtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	if (l->clock == SL_CLOCK_USEC)
		fprintf(f, "%s.%06u ", buf,
			(unsigned)(real % 1000000000u / 1000u));
	else
		fprintf(f, "%s ", buf);
}

static const struct sl_proc *proc_of(const struct sl_model *m,
				     uint32_t index)
{
	return index < m->nprocs ? m->procs[index] : NULL;
}

/*
 * EP in at most WIDTH columns. One too wide is cut in its address, not
 * at its end: the port (and a " via N") is what matches a client row to
 * its server row, so "<-127.0.0~:43258" rather than "<-127.0.0.1:432~".
 */
static size_t put_endpoint(FILE *f, const char *ep, int width)
{
	const char *port = strrchr(ep, ':');
	size_t total = sl_term_cols(ep, strlen(ep)), tail;

	if (total <= (size_t)width || !port || port == ep)
		return sl_term_str(f, ep, strlen(ep), (size_t)width);
	tail = sl_term_cols(port, strlen(port));
	if (tail * 2 > (size_t)width)
		return sl_term_str(f, ep, strlen(ep), (size_t)width);
	return sl_term_str(f, ep, (size_t)(port - ep), (size_t)width - tail) +
	       sl_term_str(f, port, strlen(port), 0);
}

static void draw_sock(FILE *f, struct layout *l, const struct sl_model *m,
		      const struct sl_sock *s, uint8_t *cells)
{
	char ep[512], tx[16], rx[16], dur[16], by[96];
	const char *out = outcome(l, s, by, sizeof(by));
	size_t cols;

	endpoint(ep, sizeof(ep), l, s);
	sl_fmt_bytes(tx, sizeof(tx), s->tx_bytes);
	sl_fmt_bytes(rx, sizeof(rx), s->rx_bytes);
	sl_fmt_dur(dur, sizeof(dur), lifetime(l, s));
	/* At least: libc's stdio moved bytes on it unseen, or a holder
	 * died with counts it had not told. */
	if (s->stdio || s->killed) {
		strcat(tx, "+");
		strcat(rx, "+");
	}
	if (l->clock)
		stamp(f, l, proc_of(m, s->proc_index), s->start_ns);
	fprintf(f, "%4u %-6s ", s->id, role_short(s->role));
	/* Padded by the columns written: an escaped byte takes four. */
	cols = put_endpoint(f, ep, l->ep);
	for (int pad = l->ep - (int)cols; pad > 0; pad--)
		fputc(' ', f);
	fputs(" |", f);
	fill_cells(l, s, cells);
	sl_term_draw_bar(f, l, cells);
	fprintf(f, "| %6s %6s %7s ", tx, rx, dur);
	if (l->phases)
		sl_term_phase_cell(f, l, s);
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
	if (l->phase_lines && sl_term_has_phases(s))
		sl_term_phase_line(f, l, s);
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
static void draw_epoll(FILE *f, struct layout *l, const struct sl_model *m,
		       const struct sl_epoll *ep, uint8_t *cells)
{
	char what[64], waits[16], events[16];
	uint32_t watched = 0;

	for (uint32_t i = 0; i < ep->nwatches; i++)
		watched += !ep->watches[i].removed_ns;
	snprintf(what, sizeof(what), "fd %d, %u watched", ep->fd, watched);
	fmt_count(waits, sizeof(waits), ep->waits_total, 'w');
	fmt_count(events, sizeof(events), ep->events_total, 'e');
	if (l->clock)
		stamp(f, l, proc_of(m, ep->proc_index), ep->start_ns);
	fprintf(f, " e%-2u %-6s %-*.*s |", ep->id, "epoll", l->ep, l->ep, what);
	fill_epoll_cells(l, ep, cells);
	sl_term_draw_bar(f, l, cells);
	fprintf(f, "| %6s %6s %7s %s\n", waits, events, "",
		ep->closed ? "closed" : "open");
}

/*
 * A process's line, within the view's width: its pid, the image it
 * started as and the one it ran last (exec by exec), how it ended. The
 * images share what the rest leaves, the last (what it became) first.
 */
static void draw_proc(FILE *f, const struct layout *l, const struct sl_proc *p)
{
	char head[48], tail[96] = "";
	const char *first = p->nimages ? p->images[0] : "";
	const char *last = p->nimages > 1 ? p->images[p->nimages - 1] : NULL;
	int room, first_room, last_room;

	snprintf(head, sizeof(head), p->ppid ? "pid %u (ppid %u)  " :
		 "pid %u  ", p->pid, p->ppid);
	if (p->dark_ns)
		strcat(tail, "  [untraced after its seccomp filter]");
	if (p->exit_status >= 0)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail),
			 "  [exit %lld]", (long long)p->exit_status);
	room = l->width - (int)strlen(head) - (int)strlen(tail) -
	       (last ? (p->nimages > 2 ? 11 : 4) : 0);
	first_room = room > 24 ? room : 24;
	last_room = 0;
	if (last) {
		/* The first image keeps what the last leaves, or a quarter;
		 * the last the rest. */
		int fc = (int)sl_term_cols(first, strlen(first));
		int lc = (int)sl_term_cols(last, strlen(last));
		int quarter = room / 4 > 12 ? room / 4 : 12;

		if (room - lc > quarter)
			quarter = room - lc;
		first_room = fc < quarter ? fc : quarter;
		last_room = room - first_room > 12 ? room - first_room : 12;
	}
	fprintf(f, "%s%s", l->color ? "\033[1m" : "", head);
	sl_term_str(f, first, strlen(first), (size_t)first_room);
	if (last) {
		fputs(p->nimages > 2 ? " -> ... -> " : " -> ", f);
		sl_term_str(f, last, strlen(last), (size_t)last_room);
	}
	fprintf(f, "%s%s\n", tail, l->color ? "\033[0m" : "");
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

/* The sockets a view draws: those its filter keeps; live, the open
 * ones. */
static bool shown(const struct sl_render_opts *o, const struct sl_sock *s)
{
	return sl_filter_match(o->filter, s) &&
	       (!o->open_only || (!s->closed && !s->open_at_exit));
}

/* Widths: the endpoint column as wide as the widest endpoint (within
 * limits), the bar whatever is left; the axis spans the sockets' lives. */
static void layout(struct layout *l, const struct sl_model *m,
		   const struct sl_render_opts *o, int width)
{
	/* id, role, the bar's two rules, tx, rx, duration and the outcome
	 * column; -t's or -tt's clock before them */
	int stamp_cols = o->clock == SL_CLOCK_USEC ? 16 :
			 o->clock == SL_CLOCK_SEC ? 9 : 0;
	int fixed = stamp_cols + 4 + 1 + 6 + 1 + 2 + 1 + 7 + 7 + 8 + 13;
	int free_cols, widest = 8, outw = 12;
	bool open_at_end = false, phases = false;
	char ep[512], by[96];

	memset(l, 0, sizeof(*l));
	l->stamp = stamp_cols;
	l->clock = o->clock;
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
		if (!s || !shown(o, s))
			continue;
		open_at_end |= !s->closed && !s->open_at_exit;
		end = s->end_ns > s->last_ns ? s->end_ns : s->last_ns;
		endpoint(ep, sizeof(ep), l, s);
		n = (int)sl_term_cols(ep, strlen(ep));
		widest = n > widest ? n : widest;
		l->t0 = s->start_ns < l->t0 ? s->start_ns : l->t0;
		l->t1 = end > l->t1 ? end : l->t1;
		phases |= sl_term_has_phases(s);
		if ((s->closed || s->open_at_exit) && !s->err) {
			n = (int)strlen(sl_term_closed_by(s, by, sizeof(by)));
			outw = n > outw ? n : outw;
		}
	}
	/* "closed by 1234 or 1240" takes its columns from the bar where
	 * it leaves the bar 12 (else the footer says it). */
	free_cols = width - fixed;
	l->closers = free_cols - (outw - 12) - (widest < 16 ? 16 : widest) >=
		     12 || outw == 12;
	if (l->closers)
		free_cols -= outw - 12;
	/* A wide terminal gives the waterfall's phases a column of their
	 * own, from the bar; a narrower one a line under the row. */
	if (phases && width >= TERM_WF_COLUMN_MIN) {
		l->phases = width >= 200 ? 72 : 50;
		free_cols -= l->phases + 1;
	} else {
		l->phase_lines = phases;
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
	/* An endpoint a little too wide takes up to 4 columns of the bar
	 * (which keeps 12): "<-127.0.0.1:43258" whole at 80 columns. */
	while (l->ep < widest && l->ep < free_cols / 2 + 4 &&
	       free_cols - l->ep > 12)
		l->ep++;
	l->bar = free_cols - l->ep;
	if (l->bar < 10)
		l->bar = 10;
}

/* The header, with -t the wall clock where the axis starts. */
static void header(FILE *f, const struct layout *l, const struct sl_model *m)
{
	char zero[40] = "0";

	if (l->clock && l->bar >= (l->clock == SL_CLOCK_USEC ? 20 : 13)) {
		FILE *mem = fmemopen(zero, sizeof(zero), "w");

		if (mem) {
			fputs("0 = ", mem);
			stamp(mem, l, m->nprocs ? m->procs[0] : NULL, l->t0);
			fclose(mem);
		}
	}
	fprintf(f, "%*s%4s %-6s %-*s  %-*s  %6s %6s %7s ", l->stamp,
		l->clock ? "START" : "", "ID", "ROLE", l->ep, "ENDPOINT",
		l->bar, zero, "TX", "RX", "DUR");
	if (l->phases)
		fprintf(f, "%-*s ", l->phases, "PHASES");
	fputs("OUTCOME\n", f);
}

void sl_render_term(FILE *f, const struct sl_model *m,
		    const struct sl_render_opts *o)
{
	struct layout l;
	uint8_t cells[512];
	char dur[32];
	uint32_t rows = 0;

	layout(&l, m, o, o->width < 60 ? 60 : o->width > 400 ? 400 : o->width);
	if (o->open_only && m->last_ns > l.t1)
		l.t1 = m->last_ns;
	sl_fmt_dur(dur, sizeof(dur), l.t1 - l.t0);
	header(f, &l, m);
	for (uint32_t i = 0; i < m->nprocs; i++) {
		const struct sl_proc *p = m->procs[i];
		bool header_done = false;

		for (uint32_t k = 0; k < m->nsocks; k++) {
			const struct sl_sock *s = m->socks[k];

			if (!s || s->proc_index != p->index || !shown(o, s) ||
			    (o->max_rows && rows >= (uint32_t)o->max_rows))
				continue;
			if (!header_done)
				draw_proc(f, &l, p);
			header_done = true;
			rows++;
			draw_sock(f, &l, m, s, cells);
		}
		for (uint32_t k = 0; k < m->nepolls; k++) {
			if (m->epolls[k]->proc_index != p->index ||
			    (o->open_only && m->epolls[k]->closed) ||
			    !sl_filter_match_proc(o->filter, p->pid))
				continue;
			if (!header_done)
				draw_proc(f, &l, p);
			header_done = true;
			draw_epoll(f, &l, m, m->epolls[k], cells);
		}
	}
	fprintf(f, "%*s+%s\n", l.stamp + 4 + 1 + 6 + 1 + l.ep + 2 + l.bar - 1,
		"", dur);
	sl_term_legend(f, &l, m);
	sl_render_policy(f, m, 20);
	sl_term_footer(f, m, &l, o->filter && o->filter->active ? rows : m->ids);
}
