/*
 * `view --summary`: the trace in two tables, as strace -c and tcplife
 * answer "how much, how long, how often did it fail": one row per
 * process, then one per remote endpoint (a client's remote address, the
 * host a server's connections came from and the port they came to, a
 * listener's address). Each row: sockets, connects that succeeded and
 * failed (by errno), accepts, bytes each way, lifetime p50/p99/max and,
 * where both ends were traced, connect-to-accept latency p50/p99. The
 * same filters as the timeline choose the sockets counted.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "out/out.h"

static void durs_add(struct sl_durs *d, uint64_t v)
{
	d->v = sl_grow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	d->v[d->n++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least P% at or below it. */
static uint64_t pct(const struct sl_durs *d, unsigned int p)
{
	uint32_t rank = (uint32_t)(((uint64_t)d->n * p + 99) / 100);

	return d->v[rank ? rank - 1 : 0];
}

static struct sl_sum_row *row_of(struct sl_sum_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	t->rows = sl_grow(t->rows, &t->cap, t->n + 1, sizeof(*t->rows));
	snprintf(t->rows[t->n].name, sizeof(t->rows[t->n].name), "%s", name);
	return &t->rows[t->n++];
}

static void count_err(struct sl_sum_row *r, int err)
{
	for (uint32_t i = 0; i < r->nerrs; i++)
		if (r->errs[i].err == err) {
			r->errs[i].n++;
			return;
		}
	if (r->nerrs == SL_SUM_ERRNOS) {
		r->errs_other++;
		return;
	}
	r->errs[r->nerrs].err = err;
	r->errs[r->nerrs++].n = 1;
}

static bool established(const struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nspans; i++)
		if (s->spans[i].state == SL_SS_ESTABLISHED)
			return true;
	return false;
}

static uint64_t lifetime(const struct sl_model *m, const struct sl_sock *s)
{
	uint64_t end = s->end_ns ? s->end_ns : s->last_ns;

	if (!s->closed && !s->open_at_exit && m->last_ns > end)
		end = m->last_ns;
	return end > s->start_ns ? end - s->start_ns : 0;
}

/* A socket into row R; a listener's accepts count on its endpoint's
 * row (a process's are its server sockets). */
static void add_sock(struct sl_sum_row *r, const struct sl_model *m,
		     const struct sl_sock *s, bool by_proc)
{
	r->socks++;
	r->tx += s->tx_bytes;
	r->rx += s->rx_bytes;
	durs_add(&r->life, lifetime(m, s));
	if (s->connect_ns || s->connect_failures) {
		bool ok = !s->err && (established(s) || s->type == SOCK_DGRAM);

		r->conn_ok += ok;
		r->conn_fail += !ok;
		if (!ok)
			count_err(r, s->err);
	}
	if (s->role == SL_ROLE_SERVER)
		r->accepts++;
	if (s->role == SL_ROLE_LISTENER && !by_proc)
		r->accepts += s->accepted;
	if (s->connect_to_accept_ns)
		durs_add(&r->c2a, s->connect_to_accept_ns);
}

/* An address without its port: "127.0.0.1:41234" -> "127.0.0.1". */
static void host_of(char *text)
{
	char *colon = strrchr(text, ':');

	if (colon && (text[0] != '[' || colon[-1] == ']'))
		*colon = '\0';
}

static void endpoint_name(char *buf, size_t len, const struct sl_sock *s)
{
	char a[200], b[200];

	sl_addr_format(&s->local, a, sizeof(a));
	sl_addr_format(&s->remote, b, sizeof(b));
	if (s->role == SL_ROLE_SERVER && b[0] &&
	    (s->family == AF_INET || s->family == AF_INET6)) {
		const char *port = strrchr(a, ':');

		host_of(b);
		snprintf(buf, len, "<-%s to %s", b, port ? port : a);
	} else if (s->role == SL_ROLE_SERVER)
		snprintf(buf, len, "<-%s", a[0] ? a : "(unnamed)");
	else if (s->role == SL_ROLE_LISTENER)
		snprintf(buf, len, "listen %s", a[0] ? a : "(unbound)");
	else if (b[0])
		snprintf(buf, len, "->%s", b);
	else if (s->role == SL_ROLE_PAIR)
		snprintf(buf, len, "socketpair");
	else
		snprintf(buf, len, "%s%s %s", sl_family_name(s->family),
			 s->type == SOCK_DGRAM ? "/dgram" : "",
			 a[0] ? a : "(unnamed)");
}

static void proc_name(char *buf, size_t len, const struct sl_model *m,
		      const struct sl_sock *s)
{
	const struct sl_proc *p = s->proc_index < m->nprocs ?
				  m->procs[s->proc_index] : NULL;
	const char *img = p && p->nimages ? p->images[p->nimages - 1] : "?";
	const char *space = strchr(img, ' '), *slash = img;

	/* The program by its name, not its path: "python3 demo.py". */
	for (const char *c = img; *c && (!space || c < space); c++)
		if (*c == '/')
			slash = c + 1;
	snprintf(buf, len, "pid %u %s", p ? p->pid : s->creator_pid, slash);
}

void sl_summary_errs(char *buf, size_t len, const struct sl_sum_row *r)
{
	size_t at = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < r->nerrs && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u %s",
				       i ? ", " : "", r->errs[i].n,
				       r->errs[i].err ?
				       sl_errno_name(r->errs[i].err) : "?");
	if (r->errs_other && at < len)
		snprintf(buf + at, len - at, ", %u other", r->errs_other);
}

/* The P-th percentile of D by nearest rank (P 101: the maximum), D
 * sorted by sl_summary_build; 0 when D is empty. */
uint64_t sl_summary_pct(const struct sl_durs *d, unsigned int p)
{
	if (!d->n)
		return 0;
	return p > 100 ? d->v[d->n - 1] : pct(d, p);
}

static void dur_or_dash(char *buf, size_t len, const struct sl_durs *d,
			unsigned int p)
{
	if (!d->n)
		snprintf(buf, len, "-");
	else
		sl_fmt_dur(buf, len, sl_summary_pct(d, p));
}

/* A row's five durations: lifetime p50, p99, max; connect-to-accept
 * p50, p99. */
static void row_durs(const struct sl_sum_row *r, char d[5][16])
{
	dur_or_dash(d[0], 16, &r->life, 50);
	dur_or_dash(d[1], 16, &r->life, 99);
	dur_or_dash(d[2], 16, &r->life, 101);
	dur_or_dash(d[3], 16, &r->c2a, 50);
	dur_or_dash(d[4], 16, &r->c2a, 99);
}

/* The row's name in NAMEW columns, padded. */
static void put_name(FILE *f, const struct sl_sum_row *r, int namew)
{
	size_t cols = sl_term_str(f, r->name, strlen(r->name), (size_t)namew);

	fprintf(f, "%*s", namew - (int)cols, "");
}

/* PART: which columns. 3 all on one line; 1 the counts, bytes and
 * failures; 2 the durations (two tables where one line would not fit
 * the terminal). ERRW: columns left for the failures, 0: no limit. */
static void print_table(FILE *f, const char *title,
			const struct sl_sum_table *t, int namew, int part,
			int errw)
{
	fprintf(f, "%-*s", namew, title);
	if (part & 1)
		fprintf(f, " %5s %5s %5s %6s %7s %7s", "SOCKS", "CONN", "FAIL",
			"ACCEPT", "TX", "RX");
	if (part & 2)
		fprintf(f, " %8s %8s %8s %8s %8s", "LIFE p50", "p99", "max",
			"C>A p50", "p99");
	fputs(part & 1 ? "  FAILED BY\n" : "\n", f);
	for (uint32_t i = 0; i < t->n; i++) {
		const struct sl_sum_row *r = &t->rows[i];
		char tx[16], rx[16], d[5][16], errs[200];

		sl_fmt_bytes(tx, sizeof(tx), r->tx);
		sl_fmt_bytes(rx, sizeof(rx), r->rx);
		row_durs(r, d);
		sl_summary_errs(errs, sizeof(errs), r);
		put_name(f, r, namew);
		if (part & 1)
			fprintf(f, " %5u %5u %5u %6u %7s %7s", r->socks,
				r->conn_ok, r->conn_fail, r->accepts, tx, rx);
		if (part & 2)
			fprintf(f, " %8s %8s %8s %8s %8s", d[0], d[1], d[2],
				d[3], d[4]);
		if (part & 1) {
			fputs("  ", f);
			sl_term_str(f, errs, strlen(errs), (size_t)errw);
		}
		fputc('\n', f);
	}
}

static int name_width(const struct sl_sum_table *t, const char *title, int max)
{
	int w = (int)strlen(title);

	for (uint32_t i = 0; i < t->n; i++) {
		int n = (int)sl_term_cols(t->rows[i].name,
					  strlen(t->rows[i].name));

		w = n > w ? n : w;
	}
	return w > max ? max : w;
}

/* The two tables of the sockets FILTER keeps, percentiles ready. */
void sl_summary_build(struct sl_summary *sum, const struct sl_model *m,
		      const struct sl_filter *filter)
{
	char name[512];

	memset(sum, 0, sizeof(*sum));
	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];

		if (!s || !sl_filter_match(filter, s))
			continue;
		sum->n++;
		proc_name(name, sizeof(name), m, s);
		add_sock(row_of(&sum->procs, name), m, s, true);
		endpoint_name(name, sizeof(name), s);
		add_sock(row_of(&sum->ends, name), m, s, false);
	}
	for (int k = 0; k < 2; k++) {
		struct sl_sum_table *t = k ? &sum->ends : &sum->procs;

		for (uint32_t i = 0; i < t->n; i++) {
			struct sl_durs *d[2] = { &t->rows[i].life,
						 &t->rows[i].c2a };

			for (int j = 0; j < 2; j++)
				if (d[j]->n)
					qsort(d[j]->v, d[j]->n, sizeof(*d[j]->v),
					      cmp_u64);
		}
	}
}

void sl_summary_free(struct sl_summary *sum)
{
	for (int k = 0; k < 2; k++) {
		struct sl_sum_table *t = k ? &sum->ends : &sum->procs;

		for (uint32_t i = 0; i < t->n; i++) {
			free(t->rows[i].life.v);
			free(t->rows[i].c2a.v);
		}
		free(t->rows);
	}
}

/* The columns after the name: counts and bytes (41), durations (45),
 * the gap before the failures (2). */
#define COUNT_COLS 41
#define DUR_COLS 45

void sl_render_summary(FILE *f, const struct sl_model *m,
		       const struct sl_render_opts *o)
{
	struct sl_summary sum;
	int w, width = o->width ? o->width : 400;

	sl_summary_build(&sum, m, o->filter);
	w = name_width(&sum.procs, "PROCESS", 48);
	if (name_width(&sum.ends, "REMOTE ENDPOINT", 48) > w)
		w = name_width(&sum.ends, "REMOTE ENDPOINT", 48);
	if (w + COUNT_COLS + DUR_COLS <= width) {
		print_table(f, "PROCESS", &sum.procs, w, 3, 0);
		fputc('\n', f);
		print_table(f, "REMOTE ENDPOINT", &sum.ends, w, 3, 0);
	} else {
		/* A narrow terminal: each table in two, the counts and
		 * failures, then the durations; names cut to fit. */
		int nw = width - COUNT_COLS - 2 - 14;

		w = w < nw ? w : nw < 16 ? 16 : nw;
		print_table(f, "PROCESS", &sum.procs, w, 1,
			    width - w - COUNT_COLS - 2);
		fputc('\n', f);
		print_table(f, "PROCESS", &sum.procs, w, 2, 0);
		fputc('\n', f);
		print_table(f, "REMOTE ENDPOINT", &sum.ends, w, 1,
			    width - w - COUNT_COLS - 2);
		fputc('\n', f);
		print_table(f, "REMOTE ENDPOINT", &sum.ends, w, 2, 0);
	}
	fprintf(f, "\n%u %s%s; lifetimes and connect-to-accept latency as "
		"p50, p99 and max\n", sum.n, sum.n == 1 ? "socket" : "sockets",
		o->filter && o->filter->active ? " that the filters kept" : "");
	sl_summary_free(&sum);
}
