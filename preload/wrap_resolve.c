/*
 * The resolver: getaddrinfo, getnameinfo, gethostbyname and its forms,
 * gethostbyaddr, res_query and res_search and their res_n forms (not the
 * __res_ names of programs built before glibc 2.34: calls.def says why).
 * Each call makes one SL_REC_RESOLVE (wire.h): the name asked, the
 * answer's addresses or its error, and how long it took. The sockets
 * the resolver opens inside libc reach the kernel through libc's internal
 * entry points, which no wrapper sees: this record is what explains the
 * time they took. Nothing here allocates; the answer is read where libc
 * left it, before the program gets it back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "preload.h"

/* A lookup made from inside another (getnameinfo calling gethostbyaddr
 * through the PLT in some libcs) says so. */
static SL_TLS int depth;

/* DNS message layout (RFC 1035 4.1), for res_*'s answer. */
#define DNS_HDR 12
#define DNS_T_A 1
#define DNS_T_AAAA 28

__attribute__((weak)) int sl_fault_resolve(unsigned int api, const char *name)
{
	(void)api;
	(void)name;
	return 0;
}

/* The record under way: begun by start, ended by finish. */
struct lookup {
	uint64_t ts;
	uint64_t caller;
	struct sl_rec_resolve *r;
};

static void set_name(struct sl_rec_resolve *r, const char *name)
{
	size_t n;

	if (!name) {
		r->flags |= SL_RES_F_NO_NAME;
		return;
	}
	n = strnlen(name, UINT16_MAX);
	r->name_len = (uint16_t)n;
	if (n >= sizeof(r->name)) {
		n = sizeof(r->name) - 1;
		r->flags |= SL_RES_F_NAME_CUT;
	}
	memcpy(r->name, name, n);
	r->name[n] = '\0';
}

/* An answer address; duplicates (getaddrinfo lists one per socket type)
 * are kept once. */
static void add_addr(struct sl_rec_resolve *r, int family, const void *a)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (family != AF_INET && family != AF_INET6)
		return;
	for (unsigned int i = 0; i < r->naddr; i++)
		if (!!(r->v4 & (1u << i)) == (family == AF_INET) &&
		    !memcmp(r->addr[i], a, len))
			return;
	if (r->naddr == SL_RESOLVE_ADDRS) {
		r->more++;
		r->flags |= SL_RES_F_MORE;
		return;
	}
	memcpy(r->addr[r->naddr], a, len);
	if (family == AF_INET)
		r->v4 |= 1u << r->naddr;
	r->naddr++;
}

/* A struct sockaddr's address and port. */
static void add_sockaddr(struct sl_rec_resolve *r, const struct sockaddr *sa,
			 socklen_t len)
{
	if (!sa)
		return;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		add_addr(r, AF_INET, &in->sin_addr);
		if (!r->port)
			r->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
		   len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		add_addr(r, AF_INET6, &in6->sin6_addr);
		if (!r->port)
			r->port = ntohs(in6->sin6_port);
	}
}

static void add_hostent(struct sl_rec_resolve *r, const struct hostent *h)
{
	if (!h || !h->h_addr_list)
		return;
	for (char **a = h->h_addr_list; *a; a++)
		add_addr(r, h->h_addrtype, *a);
}

/* A DNS name at P (labels or a pointer), skipped: the offset after it,
 * or 0 when it runs past LEN. */
static size_t skip_name(const uint8_t *p, size_t len, size_t at)
{
	while (at < len) {
		if ((p[at] & 0xc0) == 0xc0)
			return at + 2 <= len ? at + 2 : 0;
		if (!p[at])
			return at + 1;
		at += (size_t)p[at] + 1;
	}
	return 0;
}

/* The A and AAAA records of a DNS answer of LEN bytes. */
static void add_dns(struct sl_rec_resolve *r, const uint8_t *p, size_t len)
{
	unsigned int qd, an;
	size_t at = DNS_HDR;

	if (!p || len < DNS_HDR)
		return;
	qd = (unsigned int)p[4] << 8 | p[5];
	an = (unsigned int)p[6] << 8 | p[7];
	for (unsigned int i = 0; i < qd && at; i++) {
		at = skip_name(p, len, at);
		at = at && at + 4 <= len ? at + 4 : 0;
	}
	for (unsigned int i = 0; i < an && at; i++) {
		unsigned int type, rdlen;

		at = skip_name(p, len, at);
		if (!at || at + 10 > len)
			return;
		type = (unsigned int)p[at] << 8 | p[at + 1];
		rdlen = (unsigned int)p[at + 8] << 8 | p[at + 9];
		at += 10;
		if (at + rdlen > len)
			return;
		if (type == DNS_T_A && rdlen == 4)
			add_addr(r, AF_INET, p + at);
		else if (type == DNS_T_AAAA && rdlen == 16)
			add_addr(r, AF_INET6, p + at);
		at += rdlen;
	}
}

/* Begins the record: false when the call is not traced. */
static bool start(struct lookup *l, uint64_t caller)
{
	if (!sl_active() || !sl_cfg.collect)
		return false;
	l->caller = caller;
	l->ts = sl_now_ns();
	l->r = NULL;
	depth++;
	return true;
}

/* The record, begun after the real call (a lookup may take seconds: the
 * lane is not held meanwhile). NULL when dropped. */
static struct sl_rec_resolve *record(struct lookup *l, unsigned int api,
				     const char *name, int family)
{
	uint64_t now = sl_now_ns();
	struct sl_rec_resolve *r;

	depth--;
	r = sl_rec_begin(sizeof(*r), SL_REC_RESOLVE, l->ts);
	if (!r)
		return NULL;
	memset((char *)r + sizeof(r->h), 0, sizeof(*r) - sizeof(r->h));
	r->dur_ns = now - l->ts;
	r->caller = l->caller;
	r->api = (uint8_t)api;
	r->family = (uint8_t)family;
	if (depth)
		r->flags |= SL_RES_F_NESTED;
	set_name(r, name);
	l->r = r;
	return r;
}

static void finish(struct lookup *l)
{
	if (l->r)
		sl_rec_done(l->ts);
}


SL_EXPORT int getaddrinfo(const char *node, const char *service,
			  const struct addrinfo *hints,
			  struct addrinfo **res)
{
	struct lookup l;
	struct sl_rec_resolve *r;
	int family = hints ? hints->ai_family : AF_UNSPEC;
	bool faulted;
	int rc, err;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(getaddrinfo)(node, service, hints, res);
	/* A fault rule's failure (issue 19) is recorded as the real one
	 * would be, marked. Only getaddrinfo asks, for now. */
	rc = sl_fault_resolve(SL_RES_GETADDRINFO, node);
	faulted = rc != 0;
	err = errno;
	if (!faulted) {
		rc = SL_REAL(getaddrinfo)(node, service, hints, res);
		err = errno;
	}
	r = record(&l, SL_RES_GETADDRINFO, node, family);
	if (r) {
		if (faulted)
			r->flags |= SL_RES_F_FAULT;
		r->err = rc;
		r->sys_errno = rc == EAI_SYSTEM && err > 0 && err < 4096 ? err : 0;
		for (const struct addrinfo *a = rc ? NULL : *res; a;
		     a = a->ai_next)
			add_sockaddr(r, a->ai_addr, a->ai_addrlen);
		finish(&l);
	}
	errno = err;
	return rc;
}

SL_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen,
			  char *host, socklen_t hostlen, char *serv,
			  socklen_t servlen, int flags)
{
	struct lookup l;
	struct sl_rec_resolve *r;
	int rc, err;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(getnameinfo)(sa, salen, host, hostlen, serv,
					    servlen, flags);
	rc = SL_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen,
				  flags);
	err = errno;
	r = record(&l, SL_RES_GETNAMEINFO,
		   !rc && host && hostlen ? host : NULL,
		   sa && salen >= sizeof(sa->sa_family) ? sa->sa_family : 0);
	if (r) {
		r->flags &= (uint8_t)~SL_RES_F_NO_NAME;
		r->err = rc;
		r->sys_errno = rc == EAI_SYSTEM && err > 0 && err < 4096 ? err : 0;
		add_sockaddr(r, sa, salen);
		finish(&l);
	}
	errno = err;
	return rc;
}

/* The end of the struct hostent * forms: H the answer. */
static void hostent_done(struct lookup *l, unsigned int api,
			 const char *name, int family,
			 const struct hostent *h, int herr, int ret)
{
	int err = errno;
	struct sl_rec_resolve *r = record(l, api, name, family);

	if (r) {
		r->err = h ? 0 : herr;
		r->sys_errno = ret > 0 && ret < 4096 ? ret : 0;
		add_hostent(r, h);
		finish(l);
	}
	errno = err;
}

SL_EXPORT struct hostent *gethostbyname(const char *name)
{
	struct lookup l;
	struct hostent *h;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(gethostbyname)(name);
	h = SL_REAL(gethostbyname)(name);
	hostent_done(&l, SL_RES_GETHOSTBYNAME, name, AF_INET, h, h_errno, 0);
	return h;
}

SL_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	struct lookup l;
	struct hostent *h;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(gethostbyname2)(name, af);
	h = SL_REAL(gethostbyname2)(name, af);
	hostent_done(&l, SL_RES_GETHOSTBYNAME2, name, af, h, h_errno, 0);
	return h;
}

SL_EXPORT int gethostbyname_r(const char *name, struct hostent *ret,
			      char *buf, size_t buflen,
			      struct hostent **result, int *h_errnop)
{
	struct lookup l;
	int rc;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(gethostbyname_r)(name, ret, buf, buflen,
						result, h_errnop);
	rc = SL_REAL(gethostbyname_r)(name, ret, buf, buflen, result,
				      h_errnop);
	hostent_done(&l, SL_RES_GETHOSTBYNAME_R, name, AF_INET,
		     result ? *result : NULL, h_errnop ? *h_errnop : 0, rc);
	return rc;
}

SL_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret,
			       char *buf, size_t buflen,
			       struct hostent **result, int *h_errnop)
{
	struct lookup l;
	int rc;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(gethostbyname2_r)(name, af, ret, buf, buflen,
						 result, h_errnop);
	rc = SL_REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result,
				       h_errnop);
	hostent_done(&l, SL_RES_GETHOSTBYNAME2_R, name, af,
		     result ? *result : NULL, h_errnop ? *h_errnop : 0, rc);
	return rc;
}

SL_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len,
					int type)
{
	struct lookup l;
	struct hostent *h;
	int err;
	struct sl_rec_resolve *r;

	if (!start(&l, SL_CALLER()))
		return SL_REAL(gethostbyaddr)(addr, len, type);
	h = SL_REAL(gethostbyaddr)(addr, len, type);
	err = errno;
	r = record(&l, SL_RES_GETHOSTBYADDR, h ? h->h_name : NULL, type);
	if (r) {
		r->flags &= (uint8_t)~SL_RES_F_NO_NAME;
		r->err = h ? 0 : h_errno;
		if (addr && ((type == AF_INET && len >= 4) ||
			     (type == AF_INET6 && len >= 16)))
			add_addr(r, type, addr);
		finish(&l);
	}
	errno = err;
	return h;
}

/* The res_* forms, after the real call returned RC into ANSWER. */
static void res_done(struct lookup *l, unsigned int api, const char *name,
		     int type, const unsigned char *answer, int anslen, int rc)
{
	int err = errno;
	struct sl_rec_resolve *r = record(l, api, name, AF_UNSPEC);

	if (r) {
		r->qtype = (uint16_t)type;
		r->ret = rc;
		r->err = rc < 0 ? h_errno : 0;
		if (rc > 0)
			add_dns(r, answer, (size_t)(rc < anslen ? rc : anslen));
		finish(l);
	}
	errno = err;
}

typedef int (*res_fn)(const char *, int, int, unsigned char *, int);
typedef int (*resn_fn)(struct __res_state *, const char *, int, int,
		       unsigned char *, int);

static int res_call(unsigned int api, res_fn fn, const char *name, int class,
		    int type, unsigned char *answer, int anslen,
		    uint64_t caller)
{
	struct lookup l;
	int rc;

	if (!start(&l, caller))
		return fn(name, class, type, answer, anslen);
	rc = fn(name, class, type, answer, anslen);
	res_done(&l, api, name, type, answer, anslen, rc);
	return rc;
}

/* res_n* set the state's h_errno and the thread's alike. */
static int resn_call(unsigned int api, resn_fn fn, struct __res_state *st,
		     const char *name, int class, int type,
		     unsigned char *answer, int anslen, uint64_t caller)
{
	struct lookup l;
	int rc;

	if (!start(&l, caller))
		return fn(st, name, class, type, answer, anslen);
	rc = fn(st, name, class, type, answer, anslen);
	res_done(&l, api, name, type, answer, anslen, rc);
	return rc;
}

SL_EXPORT int res_query(const char *name, int class, int type,
			unsigned char *answer, int anslen)
{
	return res_call(SL_RES_RES_QUERY, SL_REAL(res_query), name, class,
			type, answer, anslen, SL_CALLER());
}

SL_EXPORT int res_search(const char *name, int class, int type,
			 unsigned char *answer, int anslen)
{
	return res_call(SL_RES_RES_SEARCH, SL_REAL(res_search), name, class,
			type, answer, anslen, SL_CALLER());
}

SL_EXPORT int res_nquery(struct __res_state *st, const char *name, int class,
			 int type, unsigned char *answer, int anslen)
{
	return resn_call(SL_RES_RES_NQUERY, SL_REAL(res_nquery), st, name,
			 class, type, answer, anslen, SL_CALLER());
}

SL_EXPORT int res_nsearch(struct __res_state *st, const char *name,
			  int class, int type, unsigned char *answer,
			  int anslen)
{
	return resn_call(SL_RES_RES_NSEARCH, SL_REAL(res_nsearch), st, name,
			 class, type, answer, anslen, SL_CALLER());
}
