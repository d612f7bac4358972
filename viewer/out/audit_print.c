/*
 * The audit's findings on their way out (the engine is audit.c): each
 * socket's held until the end and printed in id order, failed connects
 * and policy actions grouped, sockets a process exited holding one
 * finding per process, and the trace's own completeness; text cut to a
 * terminal's width, or one JSON object a line.
 */
#include <stdlib.h>
#include <string.h>

#include "out/audit_int.h"

static const char *const sev_names[] = { "info", "warning", "error" };

/* A program's name from its command line: argv[0] without its path. */
void sl_audit_prog_name(char *buf, size_t len, const char *cmdline)
{
	size_t n = strcspn(cmdline, " ");
	const char *base = cmdline;

	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '/')
			base = cmdline + i + 1;
	snprintf(buf, len, "%.*s", (int)(cmdline + n - base), base);
}

void sl_audit_who(const struct audit *a, const struct sl_sock *s,
		  struct who *w)
{
	w->id = s->id;
	w->pid = s->creator_pid;
	sl_audit_prog_name(w->exe, sizeof(w->exe), sl_model_image(a->m, s));
	sl_sock_caller(a->m, s, w->caller, sizeof(w->caller));
}

/* A text finding: cut to the terminal's width when there is one. */
static void put_cut(FILE *f, const struct audit *a, size_t *cols,
		    const char *s)
{
	size_t room = a->width > 0 && (size_t)a->width > *cols ?
		      (size_t)a->width - *cols : 0;

	if (a->width > 0 && !room)
		return;
	*cols += sl_term_str(f, s, strlen(s), room);
}

static void print_finding(struct audit *a, FILE *f, enum sl_severity sev,
			  const char *kind, const struct who *w,
			  const uint32_t *ids, uint32_t nids, const char *msg)
{
	if (!a->json) {
		char head[120];
		size_t cols = 0;

		snprintf(head, sizeof(head), "%-8s %-25s socket %u, pid %u (",
			 sev_names[sev], kind, w->id, w->pid);
		put_cut(f, a, &cols, head);
		put_cut(f, a, &cols, w->exe);
		put_cut(f, a, &cols, "): ");
		put_cut(f, a, &cols, msg);
		/* The caller where it fits: the message comes first. */
		if (strcmp(w->caller, "0x0") && (a->width <= 0 ||
		    cols + 4 + sl_term_cols(w->caller, strlen(w->caller)) <=
		    (size_t)a->width)) {
			put_cut(f, a, &cols, "  [");
			put_cut(f, a, &cols, w->caller);
			put_cut(f, a, &cols, "]");
		}
		fputc('\n', f);
		return;
	}
	fprintf(f, "{\"severity\":\"%s\",\"kind\":\"%s\",\"sockets\":[%u",
		sev_names[sev], kind, w->id);
	for (uint32_t i = 0; i < nids; i++)
		if (ids[i] != w->id)
			fprintf(f, ",%u", ids[i]);
	fprintf(f, "],\"pid\":%u,\"exe\":", w->pid);
	sl_json_str(f, w->exe, strlen(w->exe));
	fputs(",\"message\":", f);
	sl_json_str(f, msg, strlen(msg));
	fputs(",\"caller\":", f);
	sl_json_str(f, w->caller, strlen(w->caller));
	fputs("}\n", f);
}

void sl_audit_count(struct audit *a, enum sl_severity sev)
{
	a->count[sev]++;
	if ((int)sev > a->worst)
		a->worst = (int)sev;
}

/* A finding about one socket: held until the end, for id order. */
void sl_audit_hold(struct audit *a, enum sl_severity sev, const char *kind,
		   const struct who *w, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sl_audit_count(a, sev);
	if (!f) {		/* out of memory: out of order, not lost */
		print_finding(a, a->out, sev, kind, w, NULL, 0, msg);
		return;
	}
	print_finding(a, f, sev, kind, w, NULL, 0, msg);
	fclose(f);
	a->held = sl_grow(a->held, &a->held_cap, a->nheld + 1,
				sizeof(*a->held));
	a->held[a->nheld] = (struct held){ w->id, a->nheld, buf };
	a->nheld++;
}

static int by_id(const void *x, const void *y)
{
	const struct held *p = x, *q = y;

	if (p->id != q->id)
		return p->id < q->id ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;

	return p < q ? -1 : p > q;
}

static int group_cmp(const void *x, const void *y)
{
	const struct fail_group *p = x, *q = y;

	return p->first.id < q->first.id ? -1 : p->first.id > q->first.id;
}

static int rule_cmp(const void *x, const void *y)
{
	const struct rule_use *p = x, *q = y;

	if (p->first.id != q->first.id)
		return p->first.id < q->first.id ? -1 : 1;
	return p->k < q->k ? -1 : p->k > q->k;
}

static int exit_cmp(const void *x, const void *y)
{
	const struct exit_group *p = x, *q = y;

	return p->first.id < q->first.id ? -1 : p->first.id > q->first.id;
}

static void report_exit(struct audit *a, struct exit_group *g)
{
	char msg[400];
	size_t at;

	qsort(g->ids, g->nids, sizeof(*g->ids), u32_cmp);
	if (g->nids == 1) {
		snprintf(msg, sizeof(msg), "%s socket never closed: its last "
			 "holder exited with it open%s", g->role, g->signalled ?
			 " (a signal stopped it; the kernel closed it)" : "");
	} else {
		at = (size_t)snprintf(msg, sizeof(msg), "exited holding %u "
				      "sockets open (", g->nids);
		for (uint32_t i = 0; i < g->nids && i < 8; i++)
			at += (size_t)snprintf(msg + at, sizeof(msg) - at,
					       "%s%u", i ? ", " : "", g->ids[i]);
		snprintf(msg + at, sizeof(msg) - at, "%s): %s", g->nids > 8 ?
			 ", ..." : "", g->signalled ? "a signal stopped it; the "
			 "kernel closed them" : "the kernel closed them, not "
			 "the program");
	}
	sl_audit_count(a, g->signalled ? SL_SEV_INFO : SL_SEV_WARNING);
	print_finding(a, a->out, g->signalled ? SL_SEV_INFO : SL_SEV_WARNING,
		      "never-closed", &g->first, g->ids, g->nids, msg);
}

/* The findings, in the order they always came: each socket's in id
 * order, then the processes that exited holding sockets, then the
 * failure groups, then the policy's rules. Without
 * PRINT (the trace could not be read), only frees them. */
void sl_audit_report(struct audit *a, bool print)
{
	char addr[200], msg[600];

	if (a->nheld)
		qsort(a->held, a->nheld, sizeof(*a->held), by_id);
	for (uint32_t i = 0; i < a->nheld; i++) {
		if (print)
			fputs(a->held[i].text, a->out);
		free(a->held[i].text);
	}
	if (a->nexits)
		qsort(a->exits, a->nexits, sizeof(*a->exits), exit_cmp);
	for (uint32_t i = 0; i < a->nexits; i++) {
		if (print)
			report_exit(a, &a->exits[i]);
		free(a->exits[i].ids);
	}
	free(a->exits);
	if (a->ngroups)
		qsort(a->groups, a->ngroups, sizeof(*a->groups), group_cmp);
	for (uint32_t i = 0; i < a->ngroups; i++) {
		struct fail_group *g = &a->groups[i];

		if (print && g->fails >= a->connect_failures) {
			qsort(g->ids, g->nids, sizeof(*g->ids), u32_cmp);
			sl_addr_format(&g->remote, addr, sizeof(addr));
			snprintf(msg, sizeof(msg), "%u failed connects to %s "
				 "(%s), from %u sockets", g->fails, addr,
				 sl_errno_name(g->err), g->nids);
			sl_audit_count(a, SL_SEV_ERROR);
			print_finding(a, a->out, SL_SEV_ERROR,
				      "repeated-connect-failure", &g->first,
				      g->ids, g->nids, msg);
		}
		free(g->ids);
	}
	if (a->nrules)
		qsort(a->rules, a->nrules, sizeof(*a->rules), rule_cmp);
	for (uint32_t i = 0; print && i < a->nrules; i++) {
		snprintf(msg, sizeof(msg), "%s; %u actions of this rule",
			 a->rules[i].text, a->rules[i].count);
		sl_audit_count(a, SL_SEV_INFO);
		print_finding(a, a->out, SL_SEV_INFO, "policy-action",
			      &a->rules[i].first, NULL, 0, msg);
	}
	free(a->held);
	free(a->groups);
	free(a->rules);
	sl_hash_free(a->by_remote);
}

/* The trace itself: an incomplete one is an error of its own, so that a
 * gate on the audit never passes half a trace. */
void sl_audit_gaps(struct audit *a, const struct sl_model *m)
{
	char gaps[512], msg[600];

	if (!sl_model_gaps(m, gaps, sizeof(gaps)))
		return;
	snprintf(msg, sizeof(msg), "trace incomplete: %s", gaps);
	sl_audit_count(a, SL_SEV_ERROR);
	if (!a->json) {
		fprintf(a->out, "%-8s %-25s ", sev_names[SL_SEV_ERROR],
			"trace-incomplete");
		sl_term_str(a->out, msg, strlen(msg), 0);
		fputc('\n', a->out);
		return;
	}
	fprintf(a->out, "{\"severity\":\"%s\",\"kind\":\"trace-incomplete\","
		"\"sockets\":[],\"message\":", sev_names[SL_SEV_ERROR]);
	sl_json_str(a->out, msg, strlen(msg));
	fputs("}\n", a->out);
}

int sl_severity_of(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, sev_names[i]))
			return i;
	return -1;
}
