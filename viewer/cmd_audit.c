/*
 * socklens audit [--json] [--fail-on SEVERITY] [THRESHOLDS] FILE
 *
 * What an auditor of socket usage looks for, from the socket model: each
 * finding with its severity, the socket(s), the process and the caller.
 *
 *   listener-all-interfaces  a listener bound to 0.0.0.0 or ::
 *   no-keepalive             a TCP connection older than --keepalive-after
 *                            with SO_KEEPALIVE never set
 *   never-closed             a socket its last holder exited holding
 *   fd-leaked-into-exec      a socket an exec'd image inherited
 *   repeated-connect-failure --connect-failures or more failed connects
 *                            to one address
 *   slow-connect             a connect that took longer than --slow-connect
 *   policy-action            what the policy did, one finding per rule
 *
 * Exit status: 0, or 1 with --fail-on when a finding is that severe.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "policy.h"
#include "model_int.h"
#include "render.h"

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };
static const char *const sev_names[] = { "info", "warning", "error" };

struct audit {
	const struct sl_model *m;
	FILE *out;
	bool json;
	uint64_t keepalive_after_ns;
	uint64_t slow_connect_ns;
	uint32_t connect_failures;
	unsigned int count[3];
	int worst;
};

/* One finding about socket S (and its peers in IDS, if any). */
static void finding(struct audit *a, enum severity sev, const char *kind,
		    const struct sl_sock *s, const uint32_t *ids, uint32_t nids,
		    const char *msg)
{
	const char *exe = sl_model_image(a->m, s);
	char caller[400];

	sl_sock_caller(a->m, s, caller, sizeof(caller));
	a->count[sev]++;
	if ((int)sev > a->worst)
		a->worst = (int)sev;
	if (!a->json) {
		fprintf(a->out, "%-8s %-25s socket %u, pid %u ", sev_names[sev],
			kind, s->id, s->creator_pid);
		sl_term_str(a->out, exe, strlen(exe), 0);
		fputs(": ", a->out);
		sl_term_str(a->out, msg, strlen(msg), 0);
		fputs("  [", a->out);
		sl_term_str(a->out, caller, strlen(caller), 0);
		fputs("]\n", a->out);
		return;
	}
	fprintf(a->out, "{\"severity\":\"%s\",\"kind\":\"%s\",\"sockets\":[%u",
		sev_names[sev], kind, s->id);
	for (uint32_t i = 0; i < nids; i++)
		if (ids[i] != s->id)
			fprintf(a->out, ",%u", ids[i]);
	fprintf(a->out, "],\"pid\":%u,\"exe\":", s->creator_pid);
	sl_json_str(a->out, exe, strlen(exe));
	fputs(",\"message\":", a->out);
	sl_json_str(a->out, msg, strlen(msg));
	fputs(",\"caller\":", a->out);
	sl_json_str(a->out, caller, strlen(caller));
	fputs("}\n", a->out);
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

/* The findings one socket makes on its own. */
static void audit_sock(struct audit *a, const struct sl_sock *s)
{
	char msg[400], addr[200], dur[32];
	bool tcp = (s->family == AF_INET || s->family == AF_INET6) &&
		   s->type == SOCK_STREAM;

	sl_addr_format(&s->local, addr, sizeof(addr));
	if (s->role == SL_ROLE_LISTENER && any_address(&s->local)) {
		snprintf(msg, sizeof(msg), "listens on %s, every interface", addr);
		finding(a, SEV_WARNING, "listener-all-interfaces", s, NULL, 0, msg);
	}
	if (tcp && (s->role == SL_ROLE_CLIENT || s->role == SL_ROLE_SERVER) &&
	    s->keepalive != 1 && lifetime(s) > a->keepalive_after_ns &&
	    !s->err) {
		sl_fmt_dur(dur, sizeof(dur), lifetime(s));
		snprintf(msg, sizeof(msg), "a %s connection open %s without "
			 "SO_KEEPALIVE", sl_role_name(s->role), dur);
		finding(a, SEV_WARNING, "no-keepalive", s, NULL, 0, msg);
	}
	if (s->open_at_exit && !s->closed) {
		snprintf(msg, sizeof(msg), "%s socket never closed: its last "
			 "holder exited with it open", sl_role_name(s->role));
		finding(a, SEV_WARNING, "never-closed", s, NULL, 0, msg);
	}
	if (s->exec_inherited) {
		snprintf(msg, sizeof(msg), "inherited across exec by pid %u: no "
			 "close-on-exec (SOCK_CLOEXEC, FD_CLOEXEC)", s->exec_pid);
		finding(a, SEV_WARNING, "fd-leaked-into-exec", s, NULL, 0, msg);
	}
	for (uint32_t i = 0; i < s->nspans; i++) {
		const struct sl_span *sp = &s->spans[i];

		if (sp->state != SL_ST_CONNECTING || !sp->end_ns ||
		    sp->end_ns - sp->start_ns <= a->slow_connect_ns)
			continue;
		sl_fmt_dur(dur, sizeof(dur), sp->end_ns - sp->start_ns);
		sl_addr_format(&s->remote, addr, sizeof(addr));
		snprintf(msg, sizeof(msg), "connect to %s took %s", addr, dur);
		finding(a, SEV_WARNING, "slow-connect", s, NULL, 0, msg);
	}
}

/* Failed connects grouped by the address they went to. */
static void audit_failures(struct audit *a)
{
	const struct sl_model *m = a->m;
	uint32_t *ids = calloc(m->nsocks + 1, sizeof(*ids));
	bool *done = calloc(m->nsocks + 1, sizeof(*done));
	char addr[200], msg[400];

	for (uint32_t i = 0; ids && done && i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];
		uint32_t n = 0, fails = 0;

		if (done[i] || !s->connect_failures || !s->remote.len)
			continue;
		for (uint32_t k = i; k < m->nsocks; k++) {
			const struct sl_sock *t = m->socks[k];

			if (!t->connect_failures || t->remote.len != s->remote.len ||
			    memcmp(t->remote.raw, s->remote.raw, s->remote.len))
				continue;
			done[k] = true;
			ids[n++] = t->id;
			fails += t->connect_failures;
		}
		if (fails < a->connect_failures)
			continue;
		sl_addr_format(&s->remote, addr, sizeof(addr));
		snprintf(msg, sizeof(msg), "%u failed connects to %s (%s), from "
			 "%u sockets", fails, addr, sl_errno_name(s->err), n);
		finding(a, SEV_ERROR, "repeated-connect-failure", s, ids, n, msg);
	}
	free(ids);
	free(done);
}

/* How many of the policy's actions came from the rule on LINE. */
static uint32_t rule_uses(const struct sl_model *m, uint32_t line)
{
	uint32_t n = 0;

	for (uint32_t j = 0; j < m->nsocks; j++)
		for (uint32_t q = 0; q < m->socks[j]->npacts; q++)
			n += m->socks[j]->pacts[q].line == line;
	return n;
}

/* One finding per policy rule that acted, on the first socket it touched. */
static void audit_policy(struct audit *a)
{
	const struct sl_model *m = a->m;
	uint32_t *seen = NULL, nseen = 0, cap = 0;
	char msg[600], text[512];

	for (uint32_t i = 0; i < m->nsocks; i++) {
		const struct sl_sock *s = m->socks[i];

		for (uint32_t k = 0; k < s->npacts; k++) {
			const struct sl_pact *p = &s->pacts[k];
			bool dup = false;

			for (uint32_t q = 0; q < nseen; q++)
				dup |= seen[q] == p->line;
			if (dup)
				continue;
			seen = sl_model_grow(seen, &cap, nseen + 1, sizeof(*seen));
			seen[nseen++] = p->line;
			sl_pact_text(p, sl_sock_policy_path(m, s), text,
				     sizeof(text));
			snprintf(msg, sizeof(msg), "%s; %u actions of this rule",
				 text, rule_uses(m, p->line));
			finding(a, SEV_INFO, "policy-action", s, NULL, 0, msg);
		}
	}
	free(seen);
}

/* A duration option: 500ms, 2s, 1min, or bare seconds. */
static int parse_dur(const char *t, uint64_t *ns)
{
	char *end;
	double v = strtod(t, &end);

	if (end == t || v < 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		v *= 1e9;
	else if (!strcmp(end, "ms"))
		v *= 1e6;
	else if (!strcmp(end, "us"))
		v *= 1e3;
	else if (!strcmp(end, "min"))
		v *= 60e9;
	else
		return -1;
	*ns = (uint64_t)v;
	return 0;
}

static int severity_of(const char *t)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(t, sev_names[i]))
			return i;
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s audit [--json] [--fail-on info|warning|error]\n"
		"       [--keepalive-after DUR] [--slow-connect DUR]\n"
		"       [--connect-failures N] FILE\n"
		"  defaults: --keepalive-after 60s --slow-connect 1s "
		"--connect-failures 3\n", sl_prog());
}

static int parse_args(struct audit *a, int *fail_on, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "keepalive-after", required_argument, NULL, 'k' },
		{ "slow-connect", required_argument, NULL, 's' },
		{ "connect-failures", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'F':
			if ((*fail_on = severity_of(optarg)) < 0)
				return -1;
			break;
		case 'k':
			if (parse_dur(optarg, &a->keepalive_after_ns) < 0)
				return -1;
			break;
		case 's':
			if (parse_dur(optarg, &a->slow_connect_ns) < 0)
				return -1;
			break;
		case 'c':
			a->connect_failures = (uint32_t)atoi(optarg);
			if (!a->connect_failures)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return optind == argc - 1 ? 0 : -1;
}

int sl_cmd_audit(int argc, char **argv)
{
	struct audit a = { .out = stdout, .keepalive_after_ns = 60000000000ull,
			   .slow_connect_ns = 1000000000ull,
			   .connect_failures = 3, .worst = -1 };
	struct sl_model m;
	int fail_on = -1, err;

	if (parse_args(&a, &fail_on, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	sl_model_init(&m);
	err = sl_model_load(&m, argv[optind]);
	if (err) {
		sl_model_free(&m);
		return 2;
	}
	a.m = &m;
	for (uint32_t i = 0; i < m.nsocks; i++)
		audit_sock(&a, m.socks[i]);
	audit_failures(&a);
	audit_policy(&a);
	if (!a.json)
		printf("%u findings: %u error, %u warning, %u info (%u sockets, "
		       "%u processes)\n", a.count[0] + a.count[1] + a.count[2],
		       a.count[SEV_ERROR], a.count[SEV_WARNING], a.count[SEV_INFO],
		       m.nsocks, m.nprocs);
	sl_model_free(&m);
	return fail_on >= 0 && a.worst >= fail_on ? 1 : 0;
}
