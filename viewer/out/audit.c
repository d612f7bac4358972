/*
 * The audit engine (socklens audit; the options are cmd/audit.c's).
 *
 * What an auditor of socket usage looks for, from the socket model: each
 * finding with its severity, the socket(s), the process and the caller.
 *
 *   listener-all-interfaces  a listener bound to 0.0.0.0 or ::
 *   no-keepalive             a TCP connection older than --keepalive-after
 *                            with SO_KEEPALIVE never set
 *   never-closed             sockets a process exited holding, one
 *                            finding per process (warning; info when a
 *                            signal stopped it: it had no say), or a
 *                            socket still open when the trace ended,
 *                            its holders running on (info)
 *   fd-leaked-into-exec      a socket an exec'd image inherited and
 *                            never touched (one it used, as sshd -R's
 *                            re-exec does, was handed over: no finding;
 *                            fds 0-2 are the model's to leave out)
 *   fd-limit                 a listener whose accept failed with EMFILE
 *                            or ENFILE: no fd was free
 *   repeated-connect-failure --connect-failures or more failed connects
 *                            to one address
 *   slow-connect             a connect that took longer than --slow-connect
 *   policy-action            what the policy did, one finding per rule
 *
 * Each socket is audited as it ends and then freed (model/retire.c):
 * memory follows the sockets open at once, and the findings.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "model/model.h"
#include "out/out.h"

static const char *const sev_names[] = { "info", "warning", "error" };

/* Who a finding is about: its socket, that socket's process (by its
 * program's name: the whole command line is the view's) and caller. */
struct who {
	uint32_t id;
	uint32_t pid;
	char exe[SL_EXE_MAX];
	char caller[400];
};

/* Sockets one process exited holding. */
struct exit_group {
	uint32_t pid;
	struct who first;	/* the lowest socket id among them */
	bool signalled;		/* it died by a signal, without exiting */
	const char *role;	/* the first socket's */
	uint32_t *ids;
	uint32_t nids, ids_cap;
};

/* A finding about one socket, rendered, waiting to be printed in the
 * order of socket ids (sockets are audited as they end). */
struct held {
	uint32_t id;
	uint32_t seq;
	char *text;
};

/* Failed connects to one address. */
struct fail_group {
	struct sl_addr remote;
	struct who first;	/* the lowest socket id among them */
	int err;		/* that socket's errno */
	uint32_t fails;
	uint32_t *ids;
	uint32_t nids, ids_cap;
};

/* What one policy rule did: its count and its first action. */
struct rule_use {
	uint32_t line;
	uint32_t count;
	struct who first;	/* the lowest socket id it touched */
	uint32_t k;		/* which of that socket's actions */
	char text[512];
};

struct audit {
	const struct sl_model *m;
	FILE *out;
	bool json;
	uint64_t keepalive_after_ns;
	uint64_t slow_connect_ns;
	uint32_t connect_failures;
	unsigned int count[3];
	int worst;
	struct held *held;
	uint32_t nheld, held_cap;
	struct fail_group *groups;
	uint32_t ngroups, groups_cap;
	struct sl_hash *by_remote;	/* address hash -> group index + 1 */
	struct rule_use *rules;
	uint32_t nrules, rules_cap;
	struct exit_group *exits;
	uint32_t nexits, exits_cap;
	int width;		/* a terminal's: a text finding fits a line */
};

/* A program's name from its command line: argv[0] without its path. */
static void prog_name(char *buf, size_t len, const char *cmdline)
{
	size_t n = strcspn(cmdline, " ");
	const char *base = cmdline;

	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '/')
			base = cmdline + i + 1;
	snprintf(buf, len, "%.*s", (int)(cmdline + n - base), base);
}

static void who_of(const struct audit *a, const struct sl_sock *s,
		   struct who *w)
{
	w->id = s->id;
	w->pid = s->creator_pid;
	prog_name(w->exe, sizeof(w->exe), sl_model_image(a->m, s));
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

static void count(struct audit *a, enum sl_severity sev)
{
	a->count[sev]++;
	if ((int)sev > a->worst)
		a->worst = (int)sev;
}

/* A finding about one socket: held until the end, for id order. */
static void hold(struct audit *a, enum sl_severity sev, const char *kind,
		 const struct who *w, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	count(a, sev);
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

static bool any_address(const struct sl_addr *a)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	sa_family_t fam;

	if (a->len < sizeof(fam))
		return false;
	memcpy(&fam, a->raw, sizeof(fam));
	if (fam == AF_INET && a->len >= sizeof(sin)) {
		memcpy(&sin, a->raw, sizeof(sin));
		return sin.sin_addr.s_addr == htonl(INADDR_ANY);
	}
	if (fam == AF_INET6 && a->len >= sizeof(sin6)) {
		memcpy(&sin6, a->raw, sizeof(sin6));
		return !memcmp(&sin6.sin6_addr, &in6addr_any, sizeof(in6addr_any));
	}
	return false;
}

static uint64_t lifetime(const struct sl_sock *s)
{
	uint64_t end = s->closed ? s->end_ns : s->last_ns;

	return end > s->start_ns ? end - s->start_ns : 0;
}

/* A listener whose accepts found no fd free: the connections waited in
 * its queue (or were dropped) while the process was at its limit. */
static void fd_limit(struct audit *a, const struct sl_sock *s,
		     const struct who *w)
{
	char msg[400];
	bool emfile = s->fd_limit_fails > s->enfile_fails;
	bool enfile = s->enfile_fails > 0;

	snprintf(msg, sizeof(msg), "accept failed %u time%s for want of a "
		 "file descriptor (%s%s%s): connections waited in the queue",
		 s->fd_limit_fails, s->fd_limit_fails == 1 ? "" : "s",
		 emfile ? "EMFILE, the process's limit" : "",
		 emfile && enfile ? "; " : "",
		 enfile ? "ENFILE, the system's" : "");
	hold(a, SL_SEV_WARNING, "fd-limit", w, msg);
}

/* Whether the image S was leaked into used it: a call on it of its own
 * (a close of that fd included), not only the preload's listing or a
 * blanket close_range. A socket handed over on purpose is used (sshd -R
 * reads its configuration from one); a leaked one is not known to exist. */
static bool used_after_exec(const struct audit *a, const struct sl_sock *s)
{
	const struct sl_proc *p = sl_model_proc(a->m, s->exec_pid);

	for (uint32_t i = 0; p && i < s->nevts; i++) {
		const struct sl_evt *e = &s->evts[i];

		if (e->pid != s->exec_pid || e->ts < p->exec_ns)
			continue;
		if (e->call != SL_CALL_INHERIT && e->call != SL_CALL_FDS_DONE &&
		    e->call != SL_CALL_CLOSE_RANGE &&
		    e->call != SL_CALL_CLOSEFROM && e->call != SL_CALL_EXIT)
			return true;
	}
	return false;
}

static void leaked_into_exec(struct audit *a, const struct sl_sock *s,
			     const struct who *w)
{
	const struct sl_proc *p = sl_model_proc(a->m, s->exec_pid);
	char msg[400], prog[64] = "?";

	if (p && p->nimages)
		prog_name(prog, sizeof(prog), p->images[p->nimages - 1]);
	if (s->exec_pid == w->pid)
		snprintf(msg, sizeof(msg), "still open in %s, which this "
			 "process exec'd, and never used there: no "
			 "close-on-exec (SOCK_CLOEXEC, FD_CLOEXEC)", prog);
	else
		snprintf(msg, sizeof(msg), "still open in %s, which pid %u "
			 "exec'd, and never used there: no close-on-exec "
			 "(SOCK_CLOEXEC, FD_CLOEXEC)", prog, s->exec_pid);
	hold(a, SL_SEV_WARNING, "fd-leaked-into-exec", w, msg);
}

/* A socket its last holder exited holding: one finding per process. */
static void note_exit(struct audit *a, const struct sl_sock *s,
		      const struct who *w)
{
	uint32_t pid = s->npids ? s->pids[s->npids - 1] : s->creator_pid;
	const struct sl_proc *p = sl_model_proc(a->m, pid);
	struct exit_group *g = NULL;

	for (uint32_t i = 0; i < a->nexits && !g; i++)
		if (a->exits[i].pid == pid)
			g = &a->exits[i];
	if (!g) {
		a->exits = sl_grow(a->exits, &a->exits_cap, a->nexits + 1,
				   sizeof(*a->exits));
		g = &a->exits[a->nexits++];
		memset(g, 0, sizeof(*g));
		g->pid = pid;
	}
	/* Killed: no EXIT record came, the model says so on each socket. */
	g->signalled |= s->killed || (p && p->ended && !p->exit_ns);
	g->ids = sl_grow(g->ids, &g->ids_cap, g->nids + 1, sizeof(*g->ids));
	g->ids[g->nids++] = s->id;
	if (!g->first.id || s->id < g->first.id) {
		g->first = *w;
		g->first.pid = pid;
		g->role = sl_role_name(s->role);
		if (p && p->nimages)
			prog_name(g->first.exe, sizeof(g->first.exe),
				  p->images[p->nimages - 1]);
	}
}

/* The findings one socket makes on its own. */
static void audit_sock(struct audit *a, const struct sl_sock *s)
{
	char msg[400], addr[200], dur[32];
	bool tcp = (s->family == AF_INET || s->family == AF_INET6) &&
		   s->type == SOCK_STREAM;
	struct who w;

	who_of(a, s, &w);
	sl_addr_format(&s->local, addr, sizeof(addr));
	if (s->role == SL_ROLE_LISTENER && any_address(&s->local)) {
		snprintf(msg, sizeof(msg), "listens on %s, every interface", addr);
		hold(a, SL_SEV_WARNING, "listener-all-interfaces", &w, msg);
	}
	if (tcp && (s->role == SL_ROLE_CLIENT || s->role == SL_ROLE_SERVER) &&
	    s->keepalive != 1 && lifetime(s) > a->keepalive_after_ns &&
	    !s->err) {
		sl_fmt_dur(dur, sizeof(dur), lifetime(s));
		snprintf(msg, sizeof(msg), "a %s connection open %s without "
			 "SO_KEEPALIVE", sl_role_name(s->role), dur);
		hold(a, SL_SEV_WARNING, "no-keepalive", &w, msg);
	}
	if (s->open_at_exit && !s->closed && s->stdio) {
		snprintf(msg, sizeof(msg), "%s socket not seen closed: its last "
			 "holder exited holding it as a stdio stream, which "
			 "libc may have closed (fclose) unseen",
			 sl_role_name(s->role));
		hold(a, SL_SEV_INFO, "never-closed", &w, msg);
	} else if (s->open_at_exit && !s->closed) {
		note_exit(a, s, &w);
	} else if (!s->closed) {
		snprintf(msg, sizeof(msg), "%s socket still open when the "
			 "trace ended: its holders were still running",
			 sl_role_name(s->role));
		hold(a, SL_SEV_INFO, "never-closed", &w, msg);
	}
	if (s->fd_limit_fails)
		fd_limit(a, s, &w);
	if (s->exec_inherited && !used_after_exec(a, s))
		leaked_into_exec(a, s, &w);
	for (uint32_t i = 0; i < s->nspans; i++) {
		const struct sl_span *sp = &s->spans[i];

		if (sp->state != SL_SS_CONNECTING || !sp->end_ns ||
		    sp->end_ns - sp->start_ns <= a->slow_connect_ns)
			continue;
		sl_fmt_dur(dur, sizeof(dur), sp->end_ns - sp->start_ns);
		sl_addr_format(&s->remote, addr, sizeof(addr));
		snprintf(msg, sizeof(msg), "connect to %s took %s", addr, dur);
		hold(a, SL_SEV_WARNING, "slow-connect", &w, msg);
	}
}

static uint64_t addr_key(const struct sl_addr *r)
{
	uint64_t h = sl_fnv(SL_FNV_SEED, r->raw, r->len);

	return h ? h : 1;	/* the map takes no key 0 */
}

static bool same_addr(const struct sl_addr *x, const struct sl_addr *y)
{
	return x->len == y->len && !memcmp(x->raw, y->raw, x->len);
}

/* The group of failed connects to R, made if new. */
static struct fail_group *group_of(struct audit *a, const struct sl_addr *r)
{
	uint64_t key = addr_key(r);
	uintptr_t v = (uintptr_t)sl_hash_get(a->by_remote, key);
	struct fail_group *g;

	if (v && same_addr(&a->groups[v - 1].remote, r))
		return &a->groups[v - 1];
	for (uint32_t i = 0; v && i < a->ngroups; i++)	/* a collision */
		if (same_addr(&a->groups[i].remote, r))
			return &a->groups[i];
	a->groups = sl_grow(a->groups, &a->groups_cap, a->ngroups + 1,
				  sizeof(*a->groups));
	g = &a->groups[a->ngroups++];
	memset(g, 0, sizeof(*g));
	g->remote = *r;
	if (!v)
		sl_hash_put(a->by_remote, key, (void *)(uintptr_t)a->ngroups);
	return g;
}

/* Failed connects are grouped by the address they went to. */
static void note_failures(struct audit *a, const struct sl_sock *s)
{
	struct fail_group *g;

	if (!s->connect_failures || !s->remote.len)
		return;
	g = group_of(a, &s->remote);
	g->fails += s->connect_failures;
	g->ids = sl_grow(g->ids, &g->ids_cap, g->nids + 1,
			       sizeof(*g->ids));
	g->ids[g->nids++] = s->id;
	if (!g->first.id || s->id < g->first.id) {
		who_of(a, s, &g->first);
		g->err = s->err;
	}
}

/* What the policy did to S, counted per rule; each rule's first action
 * (lowest socket id, then order on that socket) speaks for it. */
static void note_policy(struct audit *a, const struct sl_sock *s)
{
	for (uint32_t k = 0; k < s->npacts; k++) {
		const struct sl_policy_act *p = &s->pacts[k];
		struct rule_use *r = NULL;

		for (uint32_t i = 0; i < a->nrules && !r; i++)
			if (a->rules[i].line == p->line)
				r = &a->rules[i];
		if (!r) {
			a->rules = sl_grow(a->rules, &a->rules_cap,
						 a->nrules + 1,
						 sizeof(*a->rules));
			r = &a->rules[a->nrules++];
			memset(r, 0, sizeof(*r));
			r->line = p->line;
		}
		r->count++;
		if (r->first.id && r->first.id <= s->id)
			continue;
		who_of(a, s, &r->first);
		r->k = k;
		sl_policy_act_text(p, sl_sock_policy_path(a->m, s), r->text,
			     sizeof(r->text));
	}
}

/* Everything one socket says, once nothing more can change it. */
static void audit_one(void *ctx, const struct sl_model *m,
		      const struct sl_sock *s)
{
	struct audit *a = ctx;

	(void)m;
	audit_sock(a, s);
	note_failures(a, s);
	note_policy(a, s);
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
	count(a, g->signalled ? SL_SEV_INFO : SL_SEV_WARNING);
	print_finding(a, a->out, g->signalled ? SL_SEV_INFO : SL_SEV_WARNING,
		      "never-closed", &g->first, g->ids, g->nids, msg);
}

/* The findings, in the order they always came: each socket's in id
 * order, then the processes that exited holding sockets, then the
 * failure groups, then the policy's rules. Without
 * PRINT (the trace could not be read), only frees them. */
static void report(struct audit *a, bool print)
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
			count(a, SL_SEV_ERROR);
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
		count(a, SL_SEV_INFO);
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
static void audit_gaps(struct audit *a, const struct sl_model *m)
{
	char gaps[512], msg[600];

	if (!sl_model_gaps(m, gaps, sizeof(gaps)))
		return;
	snprintf(msg, sizeof(msg), "trace incomplete: %s", gaps);
	count(a, SL_SEV_ERROR);
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

int sl_audit_file(const char *path, const struct sl_audit_opts *o, FILE *out)
{
	struct audit a = { .out = out, .json = o->json,
			   .keepalive_after_ns = o->keepalive_after_ns,
			   .slow_connect_ns = o->slow_connect_ns,
			   .connect_failures = o->connect_failures,
			   .width = o->width, .worst = -1 };
	struct sl_model m;
	int err;

	sl_model_init(&m);
	a.m = &m;
	a.by_remote = sl_xhash_new();
	m.retire = audit_one;
	m.retire_ctx = &a;
	err = sl_model_load(&m, path);
	for (uint32_t i = 0; !err && i < m.nsocks; i++)
		if (m.socks[i])
			audit_one(&a, &m, m.socks[i]);
	report(&a, !err);
	if (!err)
		audit_gaps(&a, &m);
	if (!err && !a.json)
		fprintf(out, "%u finding%s: %u error, %u warning, %u info (%u "
			"socket%s, %u process%s)\n",
			a.count[0] + a.count[1] + a.count[2],
			a.count[0] + a.count[1] + a.count[2] == 1 ? "" : "s",
			a.count[SL_SEV_ERROR], a.count[SL_SEV_WARNING],
			a.count[SL_SEV_INFO], m.ids, m.ids == 1 ? "" : "s",
			m.nprocs, m.nprocs == 1 ? "" : "es");
	sl_model_free(&m);
	return err ? -2 : a.worst;
}
