/*
 * Which sockets a view shows, as strace and ss users ask for them: held
 * by a process (-p PID), a port or an address on either end (--port,
 * --addr CIDR), a role, a state it went through, a family, only those
 * with errors. Several selectors all have to match; a selector given
 * twice matches either value (-p 10 -p 11). Names are those the views
 * print (names.c), with the policy file's words where they differ
 * (listen, tcp, udp).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "out/out.h"

static int parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (end == s || *end || *s == '-' || n > max)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

static int add_value(uint32_t *arr, uint8_t *n, uint32_t v)
{
	if (*n >= SL_FILTER_MAX)
		return -1;
	arr[(*n)++] = v;
	return 0;
}

/* --addr: an IPv4 or IPv6 address with an optional /prefix. */
static int parse_cidr(struct sl_filter_net *net, const char *s)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t bits;

	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, s, n);
	ip[n] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, ip, net->addr) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, net->addr) == 1)
		net->family = AF_INET6;
	else
		return -1;
	bits = net->family == AF_INET ? 32 : 128;
	if (slash && parse_u32(slash + 1, bits, &bits) < 0)
		return -1;
	net->bits = (uint8_t)bits;
	return 0;
}

static int name_index(const char *s, const char *(*name)(unsigned int),
		      unsigned int max)
{
	for (unsigned int i = 0; i < max; i++)
		if (!strcmp(s, name(i)))
			return (int)i;
	return -1;
}

static int parse_role(const char *s)
{
	static const struct {
		const char *word;
		int role;
	} aliases[] = {
		{ "listen", SL_ROLE_LISTENER }, { "dgram", SL_ROLE_DATAGRAM },
		{ "-", SL_ROLE_UNCONNECTED },
	};

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(s, aliases[i].word))
			return aliases[i].role;
	return name_index(s, sl_role_name, SL_ROLE_MAX);
}

/* --family: inet, inet6, unix, or the policy's tcp and udp (which are
 * a type on inet or inet6), ip (either inet). */
static int parse_family(struct sl_filter *f, const char *s)
{
	static const struct {
		const char *word;
		uint32_t code;
	} words[] = {
		{ "inet", SL_FAM_INET }, { "ipv4", SL_FAM_INET },
		{ "inet6", SL_FAM_INET6 }, { "ipv6", SL_FAM_INET6 },
		{ "unix", SL_FAM_UNIX }, { "tcp", SL_FAM_TCP },
		{ "udp", SL_FAM_UDP }, { "ip", SL_FAM_IP },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i].word))
			return add_value(f->families, &f->nfamilies,
					 words[i].code);
	return -1;
}

int sl_filter_add(struct sl_filter *f, enum sl_filter_key key, const char *v)
{
	uint32_t n;
	int i;

	f->active = true;
	switch (key) {
	case SL_FILTER_PID:
		return parse_u32(v, UINT32_MAX, &n) < 0 || !n ? -1 :
		       add_value(f->pids, &f->npids, n);
	case SL_FILTER_PORT:
		return parse_u32(v, 65535, &n) < 0 ? -1 :
		       add_value(f->ports, &f->nports, n);
	case SL_FILTER_ADDR:
		if (f->nnets >= SL_FILTER_MAX)
			return -1;
		if (parse_cidr(&f->nets[f->nnets], v) < 0)
			return -1;
		f->nnets++;
		return 0;
	case SL_FILTER_ROLE:
		return (i = parse_role(v)) < 0 ? -1 :
		       add_value(f->roles, &f->nroles, (uint32_t)i);
	case SL_FILTER_STATE:
		return (i = name_index(v, sl_state_name, SL_SS_MAX)) < 0 ? -1 :
		       add_value(f->states, &f->nstates, (uint32_t)i);
	case SL_FILTER_FAMILY:
		return parse_family(f, v);
	case SL_FILTER_ERRORS:
		f->errors = true;
		return 0;
	}
	return -1;
}

/* The address bytes and port of A, if it is an inet or inet6 one. */
static int inet_of(const struct sl_addr *a, uint8_t ip[16], uint16_t *port)
{
	sa_family_t fam;

	if (a->len < sizeof(fam))
		return 0;
	memcpy(&fam, a->raw, sizeof(fam));
	if (fam == AF_INET && a->len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, a->raw, sizeof(sin));
		memcpy(ip, &sin.sin_addr, 4);
		*port = ntohs(sin.sin_port);
		return AF_INET;
	}
	if (fam == AF_INET6 && a->len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, a->raw, sizeof(sin6));
		memcpy(ip, &sin6.sin6_addr, 16);
		*port = ntohs(sin6.sin6_port);
		return AF_INET6;
	}
	return 0;
}

static bool in_net(const struct sl_filter_net *net, const uint8_t *ip,
		   int family)
{
	uint32_t full = net->bits / 8, rest = net->bits % 8;

	if (family != net->family)
		return false;
	if (memcmp(ip, net->addr, full))
		return false;
	return !rest || !((ip[full] ^ net->addr[full]) & (0xff00 >> rest));
}

static bool has(const uint32_t *arr, uint8_t n, uint32_t v)
{
	for (uint8_t i = 0; i < n; i++)
		if (arr[i] == v)
			return true;
	return false;
}

static bool family_matches(const struct sl_filter *f, const struct sl_sock *s)
{
	bool ip = s->family == AF_INET || s->family == AF_INET6;

	for (uint8_t i = 0; i < f->nfamilies; i++) {
		uint32_t c = f->families[i];

		if ((c == SL_FAM_INET && s->family == AF_INET) ||
		    (c == SL_FAM_INET6 && s->family == AF_INET6) ||
		    (c == SL_FAM_UNIX && s->family == AF_UNIX) ||
		    (c == SL_FAM_IP && ip) ||
		    (c == SL_FAM_TCP && ip && s->type == SOCK_STREAM) ||
		    (c == SL_FAM_UDP && ip && s->type == SOCK_DGRAM))
			return true;
	}
	return false;
}

static bool endpoints_match(const struct sl_filter *f, const struct sl_sock *s)
{
	const struct sl_addr *ends[2] = { &s->local, &s->remote };
	bool port_ok = !f->nports, net_ok = !f->nnets;

	for (int e = 0; e < 2; e++) {
		uint8_t ip[16];
		uint16_t port;
		int fam = inet_of(ends[e], ip, &port);

		if (!fam)
			continue;
		port_ok |= has(f->ports, f->nports, port);
		for (uint8_t i = 0; i < f->nnets; i++)
			net_ok |= in_net(&f->nets[i], ip, fam);
	}
	return port_ok && net_ok;
}

static bool went_through(const struct sl_filter *f, const struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nspans; i++)
		if (has(f->states, f->nstates, s->spans[i].state))
			return true;
	return has(f->states, f->nstates, s->state);
}

static bool held_by(const struct sl_filter *f, const struct sl_sock *s)
{
	if (has(f->pids, f->npids, s->creator_pid))
		return true;
	for (uint32_t i = 0; i < s->npids; i++)
		if (has(f->pids, f->npids, s->pids[i]))
			return true;
	return false;
}

bool sl_sock_has_errors(const struct sl_sock *s)
{
	return s->err || s->connect_failures || s->incs_total;
}

bool sl_filter_match(const struct sl_filter *f, const struct sl_sock *s)
{
	if (!f || !f->active)
		return true;
	if (f->npids && !held_by(f, s))
		return false;
	if (f->nroles && !has(f->roles, f->nroles, s->role))
		return false;
	if (f->nstates && !went_through(f, s))
		return false;
	if (f->nfamilies && !family_matches(f, s))
		return false;
	if (f->errors && !sl_sock_has_errors(s))
		return false;
	return endpoints_match(f, s);
}

bool sl_filter_match_proc(const struct sl_filter *f, uint32_t pid)
{
	if (!f || !f->active)
		return true;
	return f->npids && has(f->pids, f->npids, pid) && !f->nports &&
	       !f->nnets && !f->nroles && !f->nstates && !f->nfamilies &&
	       !f->errors;
}
