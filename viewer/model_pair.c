/*
 * Pairing (DESIGN.md 11): where both ends of a connection are traced,
 * the two sockets name each other. TCP ends meet by their address
 * 4-tuple (the client's local and remote are the server's remote and
 * local); UNIX stream ends by the listener's path and the client's pid,
 * in connect order (a UNIX connection has no 4-tuple: the client is
 * unnamed); socketpair ends by the call itself (model_calls.c).
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "hash.h"
#include "model_int.h"

/* An address's identity: family, port and host, not the padding the
 * program left in the struct it passed to connect. 0 if none. */
static uint64_t addr_hash(const struct sl_addr *a, uint64_t h)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (a->len >= sizeof(sin) && ((const struct sockaddr *)a->raw)->sa_family ==
	    AF_INET) {
		memcpy(&sin, a->raw, sizeof(sin));
		h = sl_fnv(h, &sin.sin_port, sizeof(sin.sin_port));
		return sl_fnv(h, &sin.sin_addr, sizeof(sin.sin_addr));
	}
	if (a->len >= sizeof(sin6) &&
	    ((const struct sockaddr *)a->raw)->sa_family == AF_INET6) {
		memcpy(&sin6, a->raw, sizeof(sin6));
		h = sl_fnv(h, &sin6.sin6_port, sizeof(sin6.sin6_port));
		return sl_fnv(h, &sin6.sin6_addr, sizeof(sin6.sin6_addr));
	}
	return 0;
}

/* The connection's key, the same from both ends: (client, server). */
static uint64_t tuple_key(const struct sl_addr *client,
			  const struct sl_addr *server)
{
	uint64_t a = addr_hash(client, SL_FNV_SEED);
	uint64_t b = a ? addr_hash(server, a * 31) : 0;

	return a && b ? b : 0;
}

static void pair(struct sl_sock *client, struct sl_sock *server)
{
	client->peer_id = server->id;
	server->peer_id = client->id;
	if (client->connect_ns && server->start_ns >= client->connect_ns)
		client->connect_to_accept_ns = server->connect_to_accept_ns =
			server->start_ns - client->connect_ns;
}

/* Both ends were open at once: a 4-tuple is reused only later. */
static bool overlap(const struct sl_sock *a, const struct sl_sock *b)
{
	return !(a->closed && a->end_ns < b->start_ns) &&
	       !(b->closed && b->end_ns < a->start_ns);
}

static void meet(struct sl_model *m, uint64_t key, struct sl_sock *s,
		 bool is_client)
{
	struct sl_sock *other;

	if (!key || s->peer_id)
		return;
	other = sl_hash_get(m->by_tuple, key);
	if (other && other != s && !other->peer_id &&
	    (other->role == SL_ROLE_CLIENT) != is_client && overlap(s, other)) {
		if (is_client)
			pair(s, other);
		else
			pair(other, s);
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
	*list = sl_model_grow(*list, cap, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

static void pending_take(struct sl_sock **list, uint32_t *n, uint32_t i)
{
	memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
	(*n)--;
}

/*
 * UNIX stream ends have no 4-tuple: a client and a server end meet by the
 * listener's path and the client's pid, which the server end has from
 * SO_PEERCRED, in connect order. Either may reach the model first (the
 * client's records may still sit in its buffer when the accept is
 * applied), so each side waits in its own list for the other.
 */
void sl_model_pair_connect(struct sl_model *m, struct sl_sock *s)
{
	if (!is_unix_stream(s) || s->remote.len <= sizeof(sa_family_t)) {
		meet(m, tuple_key(&s->local, &s->remote), s, true);
		return;
	}
	for (uint32_t i = 0; i < m->nunix_srv_pending; i++) {
		struct sl_sock *v = m->unix_srv_pending[i];

		if (v->peer_pid != s->connect_pid ||
		    !same_path(&v->local, &s->remote))
			continue;
		pair(s, v);
		pending_take(m->unix_srv_pending, &m->nunix_srv_pending, i);
		return;
	}
	pending_add(&m->unix_pending, &m->nunix_pending,
		    &m->unix_pending_cap, s);
}

/* A server end, just accepted from LISTENER (NULL if not followed). */
void sl_model_pair_accept(struct sl_model *m, struct sl_sock *s,
			  const struct sl_sock *listener)
{
	const struct sl_addr *path;

	if (!is_unix_stream(s)) {
		meet(m, tuple_key(&s->remote, &s->local), s, false);
		return;
	}
	if (!s->peer_pid)
		return;
	path = listener ? &listener->local : &s->local;
	for (uint32_t i = 0; i < m->nunix_pending; i++) {
		struct sl_sock *c = m->unix_pending[i];

		if (c->connect_pid != s->peer_pid ||
		    !same_path(&c->remote, path))
			continue;
		pair(c, s);
		pending_take(m->unix_pending, &m->nunix_pending, i);
		return;
	}
	if (!s->local.len && listener)
		s->local = listener->local;
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
}
