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
 *   retransmit-heavy         a TCP connection whose TCP_INFO at its end
 *                            counts RETRANS_MIN or more segments
 *                            retransmitted or lost, RETRANS_PCT% or more
 *                            of those it sent (all, when that is unknown)
 *   window-limited           one the peer's receive window (peer-window)
 *                            or our send buffer (send-buffer) held back
 *                            (sl_wf_verdict) for WINDOW_MIN_US or more
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
#include "out/audit_int.h"
/* Below these, retransmits and window stalls are noise, not findings. */
#define RETRANS_MIN 3
#define RETRANS_PCT 1
#define WINDOW_MIN_US 10000

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
	sl_audit_hold(a, SL_SEV_WARNING, "fd-limit", w, msg);
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
		sl_audit_prog_name(prog, sizeof(prog), p->images[p->nimages - 1]);
	if (s->exec_pid == w->pid)
		snprintf(msg, sizeof(msg), "still open in %s, which this "
			 "process exec'd, and never used there: no "
			 "close-on-exec (SOCK_CLOEXEC, FD_CLOEXEC)", prog);
	else
		snprintf(msg, sizeof(msg), "still open in %s, which pid %u "
			 "exec'd, and never used there: no close-on-exec "
			 "(SOCK_CLOEXEC, FD_CLOEXEC)", prog, s->exec_pid);
	sl_audit_hold(a, SL_SEV_WARNING, "fd-leaked-into-exec", w, msg);
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
			sl_audit_prog_name(g->first.exe, sizeof(g->first.exe),
				  p->images[p->nimages - 1]);
	}
}

/* What its TCP_INFO at the end said: a lossy path, or a sender held back
 * by a window (model/waterfall.c gives the verdict). */
static void tcp_findings(struct audit *a, const struct sl_sock *s,
			 const struct who *w)
{
	const struct sl_wf_tcpinfo *t = &s->wf->ti;
	uint64_t bad = (uint64_t)t->retrans + t->lost, held;
	char msg[1024], dur[32], busy[32], addr[200];

	sl_addr_format(&s->remote, addr, sizeof(addr));
	if (bad >= RETRANS_MIN &&
	    (!t->segs_out || bad * 100 >= t->segs_out * RETRANS_PCT)) {
		snprintf(msg, sizeof(msg), "to %s%s%s%s: %u segment%s "
			 "retransmitted and %u lost of %llu sent, rtt %uus "
			 "(min %uus)", s->wf->name[0] ? s->wf->name : addr,
			 s->wf->name[0] ? " (" : "", s->wf->name[0] ? addr : "",
			 s->wf->name[0] ? ")" : "", t->retrans,
			 t->retrans == 1 ? "" : "s", t->lost,
			 (unsigned long long)t->segs_out, t->rtt_us,
			 t->min_rtt_us);
		sl_audit_hold(a, SL_SEV_WARNING, "retransmit-heavy", w, msg);
	}
	held = t->limited_by == SL_LIM_PEER_WINDOW ? t->rwnd_limited_us :
	       t->limited_by == SL_LIM_SEND_BUFFER ? t->sndbuf_limited_us : 0;
	if (held < WINDOW_MIN_US)
		return;
	sl_fmt_dur(dur, sizeof(dur), held * 1000);
	sl_fmt_dur(busy, sizeof(busy), t->busy_us * 1000);
	snprintf(msg, sizeof(msg), "%s held the sender %s of the %s it had "
		 "data in flight (to %s)%s",
		 t->limited_by == SL_LIM_PEER_WINDOW ?
		 "the peer's receive window" : "our send buffer", dur, busy,
		 s->wf->name[0] ? s->wf->name : addr,
		 t->limited_by == SL_LIM_PEER_WINDOW ?
		 ": the receiver reads slowly" : ": SO_SNDBUF is small for the path");
	sl_audit_hold(a, SL_SEV_WARNING, "window-limited", w, msg);
}

/* The findings one socket makes on its own. */
static void audit_sock(struct audit *a, const struct sl_sock *s)
{
	char msg[400], addr[200], dur[32];
	bool tcp = (s->family == AF_INET || s->family == AF_INET6) &&
		   s->type == SOCK_STREAM;
	struct who w;

	sl_audit_who(a, s, &w);
	sl_addr_format(&s->local, addr, sizeof(addr));
	if (s->role == SL_ROLE_LISTENER && any_address(&s->local)) {
		snprintf(msg, sizeof(msg), "listens on %s, every interface", addr);
		sl_audit_hold(a, SL_SEV_WARNING, "listener-all-interfaces", &w, msg);
	}
	if (tcp && (s->role == SL_ROLE_CLIENT || s->role == SL_ROLE_SERVER) &&
	    s->keepalive != 1 && lifetime(s) > a->keepalive_after_ns &&
	    !s->err) {
		sl_fmt_dur(dur, sizeof(dur), lifetime(s));
		snprintf(msg, sizeof(msg), "a %s connection open %s without "
			 "SO_KEEPALIVE", sl_role_name(s->role), dur);
		sl_audit_hold(a, SL_SEV_WARNING, "no-keepalive", &w, msg);
	}
	if (s->open_at_exit && !s->closed && s->stdio) {
		snprintf(msg, sizeof(msg), "%s socket not seen closed: its last "
			 "holder exited holding it as a stdio stream, which "
			 "libc may have closed (fclose) unseen",
			 sl_role_name(s->role));
		sl_audit_hold(a, SL_SEV_INFO, "never-closed", &w, msg);
	} else if (s->open_at_exit && !s->closed) {
		note_exit(a, s, &w);
	} else if (!s->closed) {
		snprintf(msg, sizeof(msg), "%s socket still open when the "
			 "trace ended: its holders were still running",
			 sl_role_name(s->role));
		sl_audit_hold(a, SL_SEV_INFO, "never-closed", &w, msg);
	}
	if (s->fd_limit_fails)
		fd_limit(a, s, &w);
	if (tcp && s->wf && s->wf->has_tcpinfo)
		tcp_findings(a, s, &w);
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
		sl_audit_hold(a, SL_SEV_WARNING, "slow-connect", &w, msg);
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
		sl_audit_who(a, s, &g->first);
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
		sl_audit_who(a, s, &r->first);
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
	sl_audit_report(&a, !err);
	if (!err)
		sl_audit_gaps(&a, &m);
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
