/*
 * Pairing: where both ends of a connection are traced, the two sockets
 * name each other. TCP ends meet by their address 4-tuple (the client's
 * local and remote are the server's remote and local); UNIX stream ends,
 * which have no 4-tuple (the client is unnamed), by what is true of the
 * connection: the listener that accepted it (its path, and which
 * listener: the one listening there when the client connected), the
 * client's pid (SO_PEERCRED at accept), and time (the connect came before
 * the accept returned), in connect order among those; socketpair ends by
 * the call itself (calls.c). Either end may come first.
 *
 * A connection waits in its listener's queue until accepted: the client
 * may have closed long before the accept returns, and still pairs. So
 * the listeners open now are known here, by address, and a client keeps
 * the one it connected to (park.c keeps such a client until that
 * listener is gone).
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* An inet address as (16-byte host, port): an IPv4 one as its
 * IPv4-mapped IPv6 form, so a dual-stack listener's view of an IPv4
 * client and the client's own agree. False if not inet. */
static bool inet_key(const struct sl_addr *a, struct in6_addr *host,
		     in_port_t *port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	sa_family_t fam;

	if (a->len < sizeof(fam))
		return false;
	memcpy(&fam, a->raw, sizeof(fam));
	if (fam == AF_INET && a->len >= sizeof(sin)) {
		memcpy(&sin, a->raw, sizeof(sin));
		memset(host, 0, sizeof(*host));
		host->s6_addr[10] = host->s6_addr[11] = 0xff;
		memcpy(&host->s6_addr[12], &sin.sin_addr, 4);
		*port = sin.sin_port;
		return true;
	}
	if (fam == AF_INET6 && a->len >= sizeof(sin6)) {
		memcpy(&sin6, a->raw, sizeof(sin6));
		*host = sin6.sin6_addr;
		*port = sin6.sin6_port;
		return true;
	}
	return false;
}

/* An address's identity: port and host, not the padding the program
 * left in the struct it passed to connect. 0 if none. */
static uint64_t addr_hash(const struct sl_addr *a, uint64_t h)
{
	struct in6_addr host;
	in_port_t port;

	if (!inet_key(a, &host, &port))
		return 0;
	h = sl_fnv(h, &port, sizeof(port));
	return sl_fnv(h, &host, sizeof(host));
}

/* The connection's key, the same from both ends: (client, server). */
static uint64_t tuple_key(const struct sl_addr *client,
			  const struct sl_addr *server)
{
	uint64_t a = addr_hash(client, SL_FNV_SEED);
	uint64_t b = a ? addr_hash(server, a * 31) : 0;

	return a && b ? b : 0;
}

static void pair(struct sl_model *m, struct sl_sock *client,
		 struct sl_sock *server)
{
	client->peer_id = server->id;
	server->peer_id = client->id;
	client->peer_inode = server->inode;
	server->peer_inode = client->inode;
	if (client->connect_ns && server->start_ns >= client->connect_ns)
		client->connect_to_accept_ns = server->connect_to_accept_ns =
			server->start_ns - client->connect_ns;
	sl_model_unpark_sock(m, client);
	sl_model_unpark_sock(m, server);
}

/*
 * Client C and server end V can be one connection: C connected before
 * V's accept returned (C may have closed since: the connection waited in
 * the queue), and V was not closed before C connected (a 4-tuple is
 * reused only later).
 */
static bool same_connection(const struct sl_sock *c, const struct sl_sock *v)
{
	if (c->connect_ns && c->connect_ns > v->start_ns)
		return false;
	return !(v->closed && v->end_ns < c->connect_ns);
}

static void meet(struct sl_model *m, uint64_t key, struct sl_sock *s,
		 bool is_client)
{
	struct sl_sock *other;

	if (!key || s->peer_id)
		return;
	other = sl_hash_get(m->by_tuple, key);
	if (other && other != s && !other->peer_id &&
	    (other->role == SL_ROLE_CLIENT) != is_client &&
	    same_connection(is_client ? s : other, is_client ? other : s)) {
		if (is_client)
			pair(m, s, other);
		else
			pair(m, other, s);
		return;
	}
	sl_hash_put(m->by_tuple, key, s);
}

static bool is_unix_stream(const struct sl_sock *s)
{
	return s->family == AF_UNIX &&
	       (s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET);
}

static bool same_path(const struct sl_addr *a, const struct sl_addr *b)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t la = a->len > off ? a->len - off : 0;
	size_t lb = b->len > off ? b->len - off : 0;
	const char *pa = (const char *)a->raw + off;
	const char *pb = (const char *)b->raw + off;

	/* A path may be counted with or without its NUL. */
	if (la && pa[0])
		la = strnlen(pa, la);
	if (lb && pb[0])
		lb = strnlen(pb, lb);
	return la && la == lb && !memcmp(pa, pb, la);
}

static void pending_add(struct sl_sock ***list, uint32_t *n, uint32_t *cap,
			struct sl_sock *s)
{
	*list = sl_grow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

static void pending_take(struct sl_sock **list, uint32_t *n, uint32_t i)
{
	memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
	(*n)--;
}

/* Whether listener L takes connections to REMOTE: its path, or its port
 * on its address or on every address. */
static bool listens_at(const struct sl_sock *l, const struct sl_addr *remote)
{
	struct in6_addr lh, rh;
	in_port_t lp, rp;

	if (l->family == AF_UNIX)
		return same_path(&l->local, remote);
	if (!inet_key(&l->local, &lh, &lp) || !inet_key(remote, &rh, &rp) ||
	    lp != rp)
		return false;
	/* :: or 0.0.0.0 (mapped, ::ffff:0.0.0.0): every address. */
	return !memcmp(&lh, &rh, sizeof(lh)) ||
	       IN6_IS_ADDR_UNSPECIFIED(&lh) ||
	       (IN6_IS_ADDR_V4MAPPED(&lh) && !lh.s6_addr32[3]);
}

/* The listener (id) that was listening at client S's remote when S
 * connected, the newest if several (SO_REUSEPORT); 0 if no traced one. */
static uint32_t listener_at(const struct sl_model *m, const struct sl_sock *s)
{
	for (uint32_t i = m->nlistening; i-- > 0;) {
		const struct sl_sock *l = m->listening[i];

		if (l->type == s->type && listens_at(l, &s->remote) &&
		    sl_model_listen_ns(l) <= s->connect_ns)
			return l->id;
	}
	return 0;
}

/*
 * UNIX client C and server end V (accepted from a listener at PATH) are
 * one connection: C's pid is V's peer, C connected to PATH before V's
 * accept returned, and to V's listener: the one listening when C
 * connected, or (not known) one that listened before C connected (not an
 * earlier listener of that path, closed with C in its queue).
 */
static bool unix_match(const struct sl_sock *c, const struct sl_sock *v)
{
	if (c->connect_pid != v->peer_pid || !same_path(&c->remote, &v->local))
		return false;
	if (c->connect_ns && c->connect_ns > v->start_ns)
		return false;
	if (c->conn_listener && v->listener_id)
		return c->conn_listener == v->listener_id;
	return !v->listen_ns || c->connect_ns >= v->listen_ns;
}

/*
 * A client connected (or began to). Either end may reach the model first
 * (the client's records may still sit in its buffer when the accept is
 * applied), so each waiting side has a list, in the order they came:
 * the first match is the connection accepted first.
 */
void sl_model_pair_connect(struct sl_model *m, struct sl_sock *s)
{
	if (s->remote.len > sizeof(sa_family_t))
		s->conn_listener = listener_at(m, s);
	if (!is_unix_stream(s) || s->remote.len <= sizeof(sa_family_t)) {
		meet(m, tuple_key(&s->local, &s->remote), s, true);
		return;
	}
	for (uint32_t i = 0; i < m->nunix_srv_pending; i++) {
		struct sl_sock *v = m->unix_srv_pending[i];

		if (!unix_match(s, v))
			continue;
		pending_take(m->unix_srv_pending, &m->nunix_srv_pending, i);
		pair(m, s, v);
		return;
	}
	pending_add(&m->unix_pending, &m->nunix_pending,
		    &m->unix_pending_cap, s);
}

/* A server end, just accepted from LISTENER (NULL if not followed). */
void sl_model_pair_accept(struct sl_model *m, struct sl_sock *s,
			  const struct sl_sock *listener)
{
	if (!is_unix_stream(s)) {
		meet(m, tuple_key(&s->remote, &s->local), s, false);
		return;
	}
	if (!s->peer_pid)
		return;
	if (listener && listener->local.len)
		s->local = listener->local;
	for (uint32_t i = 0; i < m->nunix_pending; i++) {
		struct sl_sock *c = m->unix_pending[i];

		if (!unix_match(c, s))
			continue;
		pending_take(m->unix_pending, &m->nunix_pending, i);
		pair(m, c, s);
		return;
	}
	pending_add(&m->unix_srv_pending, &m->nunix_srv_pending,
		    &m->unix_srv_pending_cap, s);
}

/* S is going away: nothing may pair with it any more. */
void sl_model_pair_forget(struct sl_model *m, const struct sl_sock *s)
{
	uint64_t keys[2] = { tuple_key(&s->local, &s->remote),
			     tuple_key(&s->remote, &s->local) };

	for (int i = 0; i < 2; i++)
		if (keys[i] && sl_hash_get(m->by_tuple, keys[i]) == s)
			sl_hash_del(m->by_tuple, keys[i]);
	for (uint32_t i = 0; i < m->nunix_pending; i++)
		if (m->unix_pending[i] == s)
			pending_take(m->unix_pending, &m->nunix_pending, i--);
	for (uint32_t i = 0; i < m->nunix_srv_pending; i++)
		if (m->unix_srv_pending[i] == s)
			pending_take(m->unix_srv_pending,
				     &m->nunix_srv_pending, i--);
	for (uint32_t i = 0; i < m->nlistening; i++) {
		if (m->listening[i] != s)
			continue;
		memmove(&m->listening[i], &m->listening[i + 1],
			(m->nlistening - i - 1) * sizeof(*m->listening));
		m->nlistening--;
		break;
	}
}
