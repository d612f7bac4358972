/*
 * Names for addresses: what a process's resolver answered, so that a
 * later connect (or sendto) of that process to one of the answers is
 * labelled with the name asked. The latest resolve that had ended by
 * the connect wins; a connect to an address its process never resolved
 * has no name (another process's answer is not this one's: a fork child
 * resolves for itself), nor does a lookup of an address written out
 * ("127.0.0.1"). Per (pid, address) the latest two answers are
 * kept (the latest may still have been running when the connect came),
 * and per process its latest resolve: a socket the same thread made
 * while that resolve ran is the resolver's own (its query to the name
 * server), named after what it asked.
 *
 * Calls only waterfall.c (viewer/README.md, "The model").
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/lib.h"
#include "model/model_int.h"

struct answer {
	uint64_t start_ns, end_ns;
	char name[SL_WF_NAME_MAX];
};

/* One (pid, address), or (with len 0) one pid's latest resolve. */
struct entry {
	struct entry *next;	/* another with the same hash */
	uint32_t pid;
	uint32_t tid;		/* the pid's entry: who resolved */
	uint8_t len;		/* 4 or 16; 0: the pid's entry */
	uint8_t addr[16];
	struct answer a[2];	/* the latest, the one before */
};

/* The address of a process's own entry. */
static const uint8_t none[16];

struct sl_resolved {
	struct sl_hash *by_key;
	struct entry **all;
	uint32_t n, cap;
};

/* The address bytes of A for matching: an IPv4 address (a v4-mapped
 * IPv6 one included) in 4 bytes, IPv6 in 16; 0 for anything else. */
static unsigned int addr_bytes(const struct sl_addr *a, uint8_t out[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	sa_family_t fam;

	if (a->len < sizeof(fam))
		return 0;
	memcpy(&fam, a->raw, sizeof(fam));
	if (fam == AF_INET && a->len >= sizeof(sin)) {
		memcpy(&sin, a->raw, sizeof(sin));
		memcpy(out, &sin.sin_addr, 4);
		return 4;
	}
	if (fam != AF_INET6 || a->len < sizeof(sin6))
		return 0;
	memcpy(&sin6, a->raw, sizeof(sin6));
	if (!memcmp(sin6.sin6_addr.s6_addr, mapped, sizeof(mapped))) {
		memcpy(out, sin6.sin6_addr.s6_addr + 12, 4);
		return 4;
	}
	memcpy(out, sin6.sin6_addr.s6_addr, 16);
	return 16;
}

static uint64_t key_of(uint32_t pid, const uint8_t *addr, unsigned int len)
{
	uint64_t k = sl_fnv(SL_FNV_SEED, &pid, sizeof(pid));

	k = sl_fnv(k, &len, sizeof(len));
	k = sl_fnv(k, addr, len);
	return k ? k : 1;
}

static struct entry *find(const struct sl_resolved *r, uint32_t pid,
			  const uint8_t *addr, unsigned int len)
{
	struct entry *e = sl_hash_get(r->by_key, key_of(pid, addr, len));

	for (; e; e = e->next)
		if (e->pid == pid && e->len == len && !memcmp(e->addr, addr, len))
			return e;
	return NULL;
}

static struct entry *find_or_add(struct sl_resolved *r, uint32_t pid,
				 const uint8_t *addr, unsigned int len)
{
	uint64_t k = key_of(pid, addr, len);
	struct entry *e = find(r, pid, addr, len);

	if (e)
		return e;
	e = sl_xcalloc(1, sizeof(*e));
	e->pid = pid;
	e->len = (uint8_t)len;
	memcpy(e->addr, addr, len);
	e->next = sl_hash_get(r->by_key, k);
	sl_xhash_put(r->by_key, k, e);
	r->all = sl_grow(r->all, &r->cap, r->n + 1, sizeof(*r->all));
	r->all[r->n++] = e;
	return e;
}

/* Whether API answers a name with addresses (not an address with a
 * name: getnameinfo, gethostbyaddr). */
static bool forward(unsigned int api)
{
	return api != SL_RES_GETNAMEINFO && api != SL_RES_GETHOSTBYADDR;
}

/* Whether NAME is an address written out ("127.0.0.1", "::1"), which
 * getaddrinfo answers with itself: no name to give. */
static bool numeric(const char *name)
{
	uint8_t buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

/* Answer I of R in matching form (addr_bytes's): 4 or 16 bytes. */
static unsigned int answer_bytes(const struct sl_rec_resolve *r,
				 unsigned int i, uint8_t out[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (r->v4 & (1u << i)) {
		memcpy(out, r->addr[i], 4);
		return 4;
	}
	if (!memcmp(r->addr[i], mapped, sizeof(mapped))) {
		memcpy(out, r->addr[i] + 12, 4);
		return 4;
	}
	memcpy(out, r->addr[i], 16);
	return 16;
}

/* The newer answer goes first; one that began earlier than the latest
 * (a record applied late) goes second or nowhere. */
static void remember(struct entry *e, const struct sl_rec_resolve *r)
{
	struct answer a = { .start_ns = r->h.ts_ns,
			    .end_ns = r->h.ts_ns + r->dur_ns };

	sl_wf_copy(a.name, sizeof(a.name), r->name, sizeof(r->name));
	if (!e->a[0].end_ns || a.start_ns >= e->a[0].start_ns) {
		e->a[1] = e->a[0];
		e->a[0] = a;
	} else if (!e->a[1].end_ns || a.start_ns >= e->a[1].start_ns) {
		e->a[1] = a;
	}
}

/* A resolve record of PID: its answers name that process's later
 * connects to them. A lookup that failed, or one that asked an address
 * for its name, names nothing; a failed one still marks its thread's
 * sockets meanwhile as the resolver's. */
void sl_model_resolve(struct sl_model *m, uint32_t pid,
		      const struct sl_rec_resolve *rec)
{
	struct sl_resolved *r = m->resolved;
	struct entry *e;
	unsigned int n = rec->naddr < SL_RESOLVE_ADDRS ? rec->naddr :
			 SL_RESOLVE_ADDRS;

	if (!r) {
		r = m->resolved = sl_xcalloc(1, sizeof(*r));
		r->by_key = sl_xhash_new();
	}
	m->resolves++;
	if (rec->err || (rec->api >= SL_RES_RES_QUERY && rec->ret < 0))
		m->resolves_failed++;
	e = find_or_add(r, pid, none, 0);
	remember(e, rec);
	e->tid = rec->h.tid;
	if (!forward(rec->api) || (rec->flags & SL_RES_F_NO_NAME) ||
	    numeric(rec->name))
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t b[16];
		unsigned int len = answer_bytes(rec, i, b);

		remember(find_or_add(r, pid, b, len), rec);
	}
}

static void name_it(struct sl_sock *s, const struct answer *a)
{
	struct sl_wf *wf = sl_wf_of(s);

	memcpy(wf->name, a->name, sizeof(wf->name));
	wf->resolve_ns = a->start_ns;
	wf->resolve_end_ns = a->end_ns;
}

/* A socket made by thread TID of PID while that thread's resolve ran. */
static bool resolvers_own(const struct sl_resolved *r, struct sl_sock *s,
			  uint32_t pid, uint32_t tid, uint64_t ts)
{
	const struct entry *e = find(r, pid, none, 0);

	if (!e || e->tid != tid || !e->a[0].end_ns ||
	    ts < e->a[0].start_ns || ts > e->a[0].end_ns)
		return false;
	name_it(s, &e->a[0]);
	s->wf->resolver = true;
	return true;
}

void sl_model_name_sock(struct sl_model *m, struct sl_sock *s, uint32_t pid,
			uint32_t tid, uint64_t ts)
{
	const struct sl_resolved *r = m->resolved;
	const struct entry *e;
	uint8_t b[16];
	unsigned int len;

	if (!r || (s->wf && s->wf->name[0]))
		return;
	if (resolvers_own(r, s, pid, tid, ts))
		return;
	len = addr_bytes(&s->remote, b);
	if (!len || !(e = find(r, pid, b, len)))
		return;
	for (int i = 0; i < 2; i++)
		if (e->a[i].end_ns && e->a[i].end_ns <= ts) {
			name_it(s, &e->a[i]);
			return;
		}
}

void sl_model_resolved_free(struct sl_model *m)
{
	struct sl_resolved *r = m->resolved;

	if (!r)
		return;
	for (uint32_t i = 0; i < r->n; i++)
		free(r->all[i]);
	free(r->all);
	sl_hash_free(r->by_key);
	free(r);
	m->resolved = NULL;
}
