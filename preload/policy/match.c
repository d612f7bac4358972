/*
 * Matching a policy section's selector against a socket, with what is
 * known of it so far: family and type from creation, the local address
 * after bind or connect, the remote after connect or accept, the role
 * (listener, client, server) once it shows. A selector that needs what
 * is not known yet is "pending": its rules wait for it. Allocates nothing.
 * A [name HOST] section matches host names (resolve rules), no socket.
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "socklens/policy.h"

enum verdict { NO, YES, PENDING };

/* The address bytes and port of an inet or inet6 address; an IPv4-mapped
 * IPv6 address is treated as the IPv4 address it carries. */
static bool split(const struct sockaddr *sa, socklen_t len, int *family,
		  uint8_t *addr, uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa->sa_family == AF_INET && len >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		*family = AF_INET;
		memcpy(addr, &sin.sin_addr, 4);
		*port = ntohs(sin.sin_port);
		return true;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(sin6))
		return false;
	memcpy(&sin6, sa, sizeof(sin6));
	*port = ntohs(sin6.sin6_port);
	if (!memcmp(sin6.sin6_addr.s6_addr, mapped, sizeof(mapped))) {
		*family = AF_INET;
		memcpy(addr, sin6.sin6_addr.s6_addr + 12, 4);
		return true;
	}
	*family = AF_INET6;
	memcpy(addr, sin6.sin6_addr.s6_addr, 16);
	return true;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !rest || ((a[bytes] ^ b[bytes]) & (0xff00 >> rest) & 0xff) == 0;
}

static enum verdict net_match(const struct sl_net *n,
			      const struct sockaddr *sa, socklen_t len)
{
	uint8_t addr[16];
	uint16_t port;
	int family;

	if (!n->has_addr && !n->has_port)
		return YES;
	if (!sa)
		return PENDING;
	if (!split(sa, len, &family, addr, &port))
		return NO;
	if (n->has_port && (port < n->port_lo || port > n->port_hi))
		return NO;
	if (n->has_addr &&
	    (family != n->family || !prefix_equal(addr, n->addr, n->prefix)))
		return NO;
	return YES;
}

/* A bare "port": either end's port will do. */
static enum verdict either_match(const struct sl_net *n,
				 const struct sl_sock_desc *d)
{
	enum verdict l, r;

	if (!n->has_port)
		return YES;
	l = net_match(n, d->local, d->local_len);
	r = net_match(n, d->remote, d->remote_len);
	if (l == YES || r == YES)
		return YES;
	return l == PENDING || r == PENDING ? PENDING : NO;
}

static uint8_t family_bit(int family)
{
	switch (family) {
	case AF_INET:
		return SL_SEL_INET;
	case AF_INET6:
		return SL_SEL_INET6;
	case AF_UNIX:
		return SL_SEL_UNIX;
	default:
		return 0;
	}
}

static uint8_t type_bit(int type)
{
	if (type == SOCK_STREAM || type == SOCK_SEQPACKET)
		return SL_SEL_STREAM;
	return type == SOCK_DGRAM ? SL_SEL_DGRAM : 0;
}

bool sl_sel_match(const struct sl_sel *sel, const struct sl_sock_desc *d,
		  bool *pending)
{
	enum verdict v[4];
	bool wait = false;

	*pending = false;
	if (!(sel->families & family_bit(d->family)) ||
	    !(sel->types & type_bit(d->type)))
		return false;
	v[0] = !sel->role ? YES : d->role == SL_RS_ANY ? PENDING :
	       d->role == sel->role ? YES : NO;
	v[1] = net_match(&sel->local, d->local, d->local_len);
	v[2] = net_match(&sel->remote, d->remote, d->remote_len);
	v[3] = either_match(&sel->either, d);
	for (int i = 0; i < 4; i++) {
		if (v[i] == NO)
			return false;
		wait |= v[i] == PENDING;
	}
	*pending = wait;
	return !wait;
}

bool sl_name_match(const struct sl_sel *sel, const char *name)
{
	size_t n, h;

	if (!sel->host[0])
		return true;
	if (sel->host[0] != '*' || sel->host[1] != '.')
		return !strcasecmp(sel->host, name);
	/* "*.x": a name that ends in ".x", longer than it. */
	n = strlen(name);
	h = strlen(sel->host + 1);
	return n > h && !strcasecmp(name + n - h, sel->host + 1);
}
