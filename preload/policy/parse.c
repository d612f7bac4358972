/*
 * The policy file: `mode enforce|audit`, then sections that open with a
 * selector in brackets and hold actions, `#` comments.
 *
 *     [tcp remote 127.0.0.0/8 port 6379]
 *     set   TCP_NODELAY on
 *     clamp SO_RCVBUF   64k 4m
 *
 * Fault rules (faults.c) sit in the same sections, and `seed N` before
 * any section gives their draws a seed:
 *
 *     [tcp remote 127.0.0.1 port 8080]
 *     fail  connect ECONNREFUSED 30%
 *
 * A [name HOST] section holds resolve rules for a host name, and no
 * other (it takes no socket).
 *
 * The first error stops the parse with FILE:LINE:COL: and the reason.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "socklens/policy.h"

#define MAX_TOKENS 32

struct token {
	const char *s;		/* NUL-terminated copy in the line buffer */
	unsigned int col;	/* 1-based */
};

struct parser {
	struct sl_policy *p;
	const char *path;
	unsigned int line;
	char *err;
	size_t err_len;
	bool in_section;
};

static int fail(struct parser *ps, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->err_len, "%s:%u:%u: ", ps->path, ps->line,
		     col);
	if (n < 0 || (size_t)n >= ps->err_len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Splits LINE into tokens at blanks, '[' and ']' being tokens of their
 * own; a '#' ends the line. Token text is copied into STORE.
 */
static int tokenize(const char *line, struct token *t, char *store,
		    size_t store_len)
{
	size_t used = 0;
	int n = 0;

	for (size_t i = 0; line[i] && line[i] != '#' && n < MAX_TOKENS;) {
		size_t len = 1;

		if (isspace((unsigned char)line[i])) {
			i++;
			continue;
		}
		if (line[i] != '[' && line[i] != ']')
			while (line[i + len] && !isspace((unsigned char)line[i + len]) &&
			       !strchr("#[]", line[i + len]))
				len++;
		if (used + len + 1 > store_len)
			break;
		memcpy(store + used, line + i, len);
		store[used + len] = '\0';
		t[n].s = store + used;
		t[n++].col = (unsigned int)i + 1;
		used += len + 1;
		i += len;
	}
	return n;
}

static const struct {
	const char *word;
	uint8_t families;
	uint8_t types;
} family_words[] = {
	{ "tcp", SL_SEL_INET | SL_SEL_INET6, SL_SEL_STREAM },
	{ "tcp4", SL_SEL_INET, SL_SEL_STREAM },
	{ "tcp6", SL_SEL_INET6, SL_SEL_STREAM },
	{ "udp", SL_SEL_INET | SL_SEL_INET6, SL_SEL_DGRAM },
	{ "udp4", SL_SEL_INET, SL_SEL_DGRAM },
	{ "udp6", SL_SEL_INET6, SL_SEL_DGRAM },
	{ "unix", SL_SEL_UNIX, SL_SEL_STREAM },
	{ "unix-dgram", SL_SEL_UNIX, SL_SEL_DGRAM },
	{ "any", SL_SEL_INET | SL_SEL_INET6 | SL_SEL_UNIX,
	  SL_SEL_STREAM | SL_SEL_DGRAM },
};

static int parse_port(struct parser *ps, const struct token *t,
		      struct sl_net *n)
{
	char *end;
	long lo = strtol(t->s, &end, 10), hi = lo;

	if (*end == '-')
		hi = strtol(end + 1, &end, 10);
	if (end == t->s || *end || lo < 0 || hi > 65535 || lo > hi)
		return fail(ps, t->col, "bad port '%s' (expected N or N-M, "
			    "0 to 65535)", t->s);
	n->has_port = true;
	n->port_lo = (uint16_t)lo;
	n->port_hi = (uint16_t)hi;
	return 0;
}

/* An address, a CIDR, or '*'. */
static int parse_net(struct parser *ps, const struct token *t,
		     struct sl_net *n, uint8_t families)
{
	char buf[64];
	char *slash;
	long bits;
	int max;

	if (!strcmp(t->s, "*"))
		return 0;
	if (strlen(t->s) >= sizeof(buf))
		return fail(ps, t->col, "bad address '%s'", t->s);
	strcpy(buf, t->s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return fail(ps, t->col, "bad address '%s' (expected an IPv4 or "
			    "IPv6 address, a CIDR, or *)", t->s);
	}
	bits = max;
	if (slash) {
		char *end;

		bits = strtol(slash, &end, 10);
		if (end == slash || *end || bits < 0 || bits > max)
			return fail(ps, t->col, "bad prefix length in '%s'",
				    t->s);
	}
	if (!(families & (n->family == AF_INET ? SL_SEL_INET : SL_SEL_INET6)))
		return fail(ps, t->col, "%s address '%s' in a section that "
			    "takes no %s sockets",
			    n->family == AF_INET ? "IPv4" : "IPv6", t->s,
			    n->family == AF_INET ? "IPv4" : "IPv6");
	n->has_addr = true;
	n->prefix = (uint8_t)bits;
	return 0;
}

/* A "port" with nothing after it in its section. */
static int no_port(struct parser *ps, const struct token *t)
{
	return fail(ps, t->col, "'port' needs a number or a range (port "
		    "8080, port 8000-8099)");
}

/* local|remote [ADDR] [port N[-M]]; returns tokens used, or -1. */
static int parse_end(struct parser *ps, const struct token *t, int n,
		     struct sl_net *net, uint8_t families)
{
	int used = 1;

	if (net->has_addr || net->has_port)
		return fail(ps, t[0].col, "'%s' given twice", t[0].s);
	if (used < n && strcmp(t[used].s, "port") && strcmp(t[used].s, "]") &&
	    strcmp(t[used].s, "local") && strcmp(t[used].s, "remote")) {
		if (parse_net(ps, &t[used], net, families) < 0)
			return -1;
		used++;
	}
	if (used < n && !strcmp(t[used].s, "port")) {
		if (used + 1 >= n)
			return no_port(ps, &t[used]);
		if (parse_port(ps, &t[used + 1], net) < 0)
			return -1;
		used += 2;
	}
	if (used == 1)
		return fail(ps, t[0].col, "'%s' needs an address or a port",
			    t[0].s);
	return used;
}

static int set_role(struct parser *ps, const struct token *t,
		    struct sl_sel *sel)
{
	static const char *const roles[] = { "", "listener", "client",
					     "server" };

	for (uint8_t r = 1; r < 4; r++) {
		if (strcmp(t->s, roles[r]))
			continue;
		if (sel->role)
			return fail(ps, t->col, "a section takes one of "
				    "listener, client, server");
		sel->role = r;
		return 0;
	}
	return fail(ps, t->col, "unknown selector word '%s' (expected local, "
		    "remote, port, listener, client or server)", t->s);
}

static int family_word(struct parser *ps, const struct token *t,
		       struct sl_sel *sel)
{
	for (size_t i = 0; i < sizeof(family_words) / sizeof(family_words[0]);
	     i++) {
		if (!strcmp(t->s, family_words[i].word)) {
			sel->families = family_words[i].families;
			sel->types = family_words[i].types;
			return 0;
		}
	}
	return fail(ps, t->col, "unknown socket kind '%s' (expected tcp, "
		    "tcp4, tcp6, udp, udp4, udp6, unix, unix-dgram or any)",
		    t->s);
}

/* The selector's words, joined back, as the policy printer shows it. */
static void sel_text(struct sl_sel *sel, const struct token *t, int n)
{
	size_t used = 0;

	sel->text[0] = '\0';
	for (int i = 1; i < n - 1; i++)
		used += (size_t)snprintf(sel->text + used,
					 used < sizeof(sel->text) ?
					 sizeof(sel->text) - used : 0,
					 "%s%s", i > 1 ? " " : "", t[i].s);
}

/* [name HOST]: resolve rules for one host name (or "*.domain"); the
 * section has no family, so it takes no socket. */
static int name_section(struct parser *ps, const struct token *t, int n,
			struct sl_sel *sel)
{
	if (n != 4)
		return fail(ps, t[1].col, "a name section takes one host name: "
			    "[name HOST]");
	if (strlen(t[2].s) >= sizeof(sel->host))
		return fail(ps, t[2].col, "host name too long (at most %zu "
			    "characters)", sizeof(sel->host) - 1);
	strcpy(sel->host, t[2].s);
	return 0;
}

static int parse_section(struct parser *ps, const struct token *t, int n)
{
	struct sl_sel sel = { .line = ps->line };
	struct sl_sel *grown;
	int i = 2;

	if (strcmp(t[n - 1].s, "]"))
		return fail(ps, t[n - 1].col, "section not closed with ']'");
	if (n < 3)
		return fail(ps, t[0].col, "empty section: name a kind of socket "
			    "(tcp, udp, unix, any...)");
	if (!strcmp(t[1].s, "name")) {
		if (name_section(ps, t, n, &sel) < 0)
			return -1;
		i = n - 1;
	} else if (family_word(ps, &t[1], &sel) < 0) {
		return -1;
	}
	while (i < n - 1) {
		int used = 1;

		if (!strcmp(t[i].s, "local"))
			used = parse_end(ps, &t[i], n - 1 - i, &sel.local,
					 sel.families);
		else if (!strcmp(t[i].s, "remote"))
			used = parse_end(ps, &t[i], n - 1 - i, &sel.remote,
					 sel.families);
		else if (!strcmp(t[i].s, "port") && i + 1 < n - 1)
			used = parse_port(ps, &t[i + 1], &sel.either) < 0 ? -1 : 2;
		else if (!strcmp(t[i].s, "port"))
			return no_port(ps, &t[i]);
		else if (set_role(ps, &t[i], &sel) < 0)
			return -1;
		if (used < 0)
			return -1;
		i += used;
	}
	sel_text(&sel, t, n);
	grown = realloc(ps->p->sels, (ps->p->nsels + 1) * sizeof(*grown));
	if (!grown)
		return fail(ps, 1, "out of memory");
	ps->p->sels = grown;
	grown[ps->p->nsels++] = sel;
	ps->in_section = true;
	return 0;
}

/* Whether option O can never apply to what SEL selects. */
static const char *never_applies(const struct sl_opt *o,
				 const struct sl_sel *sel)
{
	bool inet = sel->families & (SL_SEL_INET | SL_SEL_INET6);

	switch (o->needs) {
	case SL_NEEDS_TCP:
		return inet && (sel->types & SL_SEL_STREAM) ? NULL : "TCP";
	case SL_NEEDS_INET:
		return inet ? NULL : "IP";
	case SL_NEEDS_INET6:
		return sel->families & SL_SEL_INET6 ? NULL : "IPv6";
	case SL_NEEDS_DGRAM:
		return sel->types & SL_SEL_DGRAM ? NULL : "datagram";
	case SL_NEEDS_UNIX:
		return sel->families & SL_SEL_UNIX ? NULL : "UNIX";
	default:
		return NULL;
	}
}

/* Rules before any section apply to every socket: an implicit [any]. */
static int ensure_section(struct parser *ps)
{
	static const struct token any[] = { { "[", 1 }, { "any", 2 },
					    { "]", 5 } };
	unsigned int line = ps->line;

	if (ps->in_section)
		return 0;
	if (parse_section(ps, any, 3) < 0)
		return -1;
	ps->p->sels[ps->p->nsels - 1].line = line;
	return 0;
}

static int parse_option(struct parser *ps, const struct token *t, int *opt)
{
	const char *hint;

	*opt = sl_opt_find(t->s);
	if (*opt >= 0)
		return 0;
	hint = sl_opt_suggest(t->s);
	if (hint)
		return fail(ps, t->col, "unknown option '%s' (did you mean "
			    "%s?)", t->s, hint);
	return fail(ps, t->col, "unknown option '%s'", t->s);
}

/* The rest of the line from token I, joined: "on 5" for SO_LINGER. */
static void rest(const struct token *t, int i, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used ? " " : "", t[i].s);
}

static int parse_value(struct parser *ps, const struct token *t,
		       const struct sl_opt *o, const char *text, int64_t *v)
{
	char why[160];

	if (sl_opt_parse_value(o, text, v, why, sizeof(why)) < 0)
		return fail(ps, t->col, "%s", why);
	return 0;
}

static int parse_fault(struct parser *ps, const struct token *t, int n)
{
	const char *w[MAX_TOKENS];
	struct sl_fault f, *grown;
	char why[400];
	int bad;

	for (int i = 0; i < n; i++)
		w[i] = t[i].s;
	if (sl_fault_parse(&f, w, n, &bad, why, sizeof(why)) < 0)
		return fail(ps, bad < n ? t[bad].col : t[n - 1].col +
			    (unsigned int)strlen(t[n - 1].s), "%s", why);
	if (ensure_section(ps) < 0)
		return -1;
	f.sel = ps->p->nsels - 1;
	f.line = ps->line;
	if (ps->p->sels[f.sel].host[0] && f.call != SL_FC_RESOLVE)
		return fail(ps, t[1].col, "[%s] takes only resolve rules (a "
			    "host name has no %s)", ps->p->sels[f.sel].text,
			    sl_fault_call_names[f.call]);
	grown = realloc(ps->p->faults, (ps->p->nfaults + 1) * sizeof(*grown));
	if (!grown)
		return fail(ps, 1, "out of memory");
	ps->p->faults = grown;
	grown[ps->p->nfaults++] = f;
	return 0;
}

static int parse_action(struct parser *ps, const struct token *t, int n)
{
	struct sl_rule r = { .line = ps->line };
	struct sl_rule *grown;
	const struct sl_sel *sel;
	const char *never;
	char text[128];
	int opt, act = -1;

	for (int i = 0; i < 4; i++)
		if (!strcmp(t[0].s, sl_action_names[i]))
			act = i;
	if (act < 0 && sl_fault_is_action(t[0].s))
		return parse_fault(ps, t, n);
	if (act < 0)
		return fail(ps, t[0].col, "unknown action '%s' (expected set, "
			    "clamp, deny, ignore, fail, delay, limit, short or "
			    "again)", t[0].s);
	if (n < 2)
		return fail(ps, t[0].col + (unsigned int)strlen(t[0].s),
			    "%s needs an option name", t[0].s);
	if (parse_option(ps, &t[1], &opt) < 0 || ensure_section(ps) < 0)
		return -1;
	r.action = (uint8_t)act;
	r.opt = (uint16_t)opt;
	r.sel = ps->p->nsels - 1;
	sel = &ps->p->sels[r.sel];
	if (sel->host[0])
		return fail(ps, t[0].col, "[%s] takes only resolve rules "
			    "(options are set on sockets)", sel->text);
	never = never_applies(&sl_opts[opt], sel);
	if (never)
		return fail(ps, t[1].col, "%s is a %s option; [%s] selects no "
			    "%s sockets", sl_opts[opt].name, never, sel->text,
			    never);
	switch (act) {
	case SL_PA_SET:
		if (n < 3)
			return fail(ps, t[1].col + (unsigned int)strlen(t[1].s),
				    "set %s needs a value", t[1].s);
		rest(t, 2, n, text, sizeof(text));
		if (parse_value(ps, &t[2], &sl_opts[opt], text, &r.value) < 0)
			return -1;
		break;
	case SL_PA_CLAMP:
		if (sl_opts[opt].kind == SL_PK_BOOL ||
		    sl_opts[opt].kind == SL_PK_LINGER)
			return fail(ps, t[0].col, "%s cannot be clamped: it is "
				    "not a number", sl_opts[opt].name);
		if (n != 4)
			return fail(ps, t[1].col, "clamp %s needs MIN and MAX",
				    t[1].s);
		if (parse_value(ps, &t[2], &sl_opts[opt], t[2].s, &r.min) < 0 ||
		    parse_value(ps, &t[3], &sl_opts[opt], t[3].s, &r.max) < 0)
			return -1;
		if (r.min > r.max)
			return fail(ps, t[2].col, "clamp %s: MIN is above MAX",
				    t[1].s);
		break;
	default:
		if (n > 2)
			return fail(ps, t[2].col, "%s %s takes no value",
				    t[0].s, t[1].s);
		break;
	}
	grown = realloc(ps->p->rules, (ps->p->nrules + 1) * sizeof(*grown));
	if (!grown)
		return fail(ps, 1, "out of memory");
	ps->p->rules = grown;
	grown[ps->p->nrules++] = r;
	return 0;
}

static int parse_mode(struct parser *ps, const struct token *t, int n)
{
	if (ps->in_section || ps->p->nrules || ps->p->nfaults)
		return fail(ps, t[0].col, "mode comes before any section or "
			    "rule");
	if (n != 2 || (strcmp(t[1].s, "enforce") && strcmp(t[1].s, "audit")))
		return fail(ps, n > 1 ? t[1].col : t[0].col,
			    "mode is 'enforce' or 'audit'");
	ps->p->audit = !strcmp(t[1].s, "audit");
	return 0;
}

static int parse_seed(struct parser *ps, const struct token *t, int n)
{
	char *end;
	unsigned long long v;

	if (ps->in_section || ps->p->nrules || ps->p->nfaults)
		return fail(ps, t[0].col, "seed comes before any section or "
			    "rule");
	if (ps->p->has_seed)
		return fail(ps, t[0].col, "seed given twice");
	if (n != 2)
		return fail(ps, n > 2 ? t[2].col : t[0].col + 4,
			    "seed takes one number");
	errno = 0;
	v = strtoull(t[1].s, &end, 0);
	if (*t[1].s == '-' || end == t[1].s || *end || errno)
		return fail(ps, t[1].col, "bad seed '%s' (expected a number "
			    "from 0 to 2^64-1)", t[1].s);
	ps->p->seed = v;
	ps->p->has_seed = true;
	return 0;
}

static int parse_line(struct parser *ps, const char *line)
{
	struct token t[MAX_TOKENS];
	char store[1024];
	int n = tokenize(line, t, store, sizeof(store));

	if (n == MAX_TOKENS)
		return fail(ps, t[n - 1].col, "line too long");
	if (!n)
		return 0;
	if (!strcmp(t[0].s, "["))
		return parse_section(ps, t, n);
	if (!strcmp(t[0].s, "mode"))
		return parse_mode(ps, t, n);
	if (!strcmp(t[0].s, "seed"))
		return parse_seed(ps, t, n);
	return parse_action(ps, t, n);
}

int sl_policy_parse(struct sl_policy *p, const char *path, const char *text,
		    size_t len, char *err, size_t err_len)
{
	struct parser ps = { .p = p, .path = path, .err = err,
			     .err_len = err_len };
	char line[512];

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	err[0] = '\0';
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - text) - off : len - off;

		ps.line++;
		if (n >= sizeof(line) || memchr(text + off, '\0', n)) {
			fail(&ps, 1, n >= sizeof(line) ? "line too long" :
				     "a NUL byte in the line");
			goto err_free;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (parse_line(&ps, line) < 0)
			goto err_free;
		off += n + 1;
	}
	return 0;

err_free:
	sl_policy_free(p);
	snprintf(p->path, sizeof(p->path), "%s", path);
	return -1;
}

void sl_policy_free(struct sl_policy *p)
{
	free(p->sels);
	free(p->rules);
	free(p->faults);
	memset(p, 0, sizeof(*p));
}
