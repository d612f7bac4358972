/*
 * Records built by hand, as a preload or the collector would make them,
 * for the tests that feed the viewer (test_model*.c, test_wire.c,
 * test_reorder.c) and for tests/bench/ingest.c. Each builder fills a
 * whole record, zeroed first, with a valid header; a caller sets what
 * its case needs on top. No cmocka, no model: model_records.h builds the
 * model's cases on these.
 */
#ifndef SL_TEST_RECORDS_H
#define SL_TEST_RECORDS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "socklens/wire.h"

static inline struct sl_hdr rec_hdr(size_t size, unsigned int type,
				    uint64_t ts)
{
	return (struct sl_hdr){ .size = (uint16_t)size, .type = (uint8_t)type,
				.version = SL_WIRE_VERSION, .ts_ns = ts };
}

/* The collector's note of a new connection from PID. */
static inline void rec_conn(struct sl_rec_conn *c, uint32_t pid)
{
	memset(c, 0, sizeof(*c));
	c->h = rec_hdr(sizeof(*c), SL_REC_CONN, 0);
	c->pid = pid;
}

/* A hello of /bin/x, PID, child of PPID, its image begun at TS. */
static inline void rec_hello(struct sl_rec_hello *h, uint32_t pid,
			     uint32_t ppid, uint32_t flags, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->h = rec_hdr(sizeof(*h), SL_REC_HELLO, ts);
	h->pid = pid;
	h->ppid = ppid;
	h->flags = flags;
	h->mono_ns = ts;
	h->preload_version = SL_WIRE_VERSION;
	strcpy(h->exe, "/bin/x");
}

static inline void rec_gone(struct sl_rec_gone *g, uint64_t ts,
			    uint64_t bad)
{
	memset(g, 0, sizeof(*g));
	g->h = rec_hdr(sizeof(*g), SL_REC_GONE, ts);
	g->bad_records = bad;
}

static inline void rec_drop(struct sl_rec_drop *d, uint64_t records,
			    uint64_t ts)
{
	memset(d, 0, sizeof(*d));
	d->h = rec_hdr(sizeof(*d), SL_REC_DROP, ts);
	d->records = records;
}

/* A module mapped at [START, END), loaded at START. */
static inline void rec_module(struct sl_rec_module *md, uint64_t start,
			      uint64_t end, uint64_t ts, const char *path)
{
	memset(md, 0, sizeof(*md));
	md->h = rec_hdr(sizeof(*md), SL_REC_MODULE, ts);
	md->base = start;
	md->start = start;
	md->end = end;
	strcpy(md->path, path);
}

/* A call record without addresses: CALL on FD, returning RET, about the
 * socket INODE, at TS. */
static inline void rec_call(struct sl_rec_call *c, uint16_t call, int fd,
			    int64_t ret, uint64_t inode, uint64_t ts)
{
	memset(c, 0, sizeof(*c));
	c->h = rec_hdr(sizeof(*c), SL_REC_CALL, ts);
	c->call = call;
	c->fd = fd;
	c->ret = ret;
	c->inode = inode;
}

/* The same call, carrying addresses (a's addr and local, both empty). */
static inline void rec_call_addr(struct sl_rec_call_addr *a, uint16_t call,
				 int fd, int64_t ret, uint64_t inode,
				 uint64_t ts)
{
	memset(a, 0, sizeof(*a));
	rec_call(&a->c, call, fd, ret, inode, ts);
	a->c.h = rec_hdr(sizeof(*a), SL_REC_CALL_ADDR, ts);
}

/* 127.0.0.1:PORT. */
static inline void addr_in(struct sl_addr *a, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->len = sizeof(sin);
	memcpy(a->raw, &sin, sizeof(sin));
}

/* ::ffff:127.0.0.1 (or :: with ANY), as a dual-stack socket sees it. */
static inline void addr_in6_mapped(struct sl_addr *a, int port, bool any)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons((uint16_t)port) };

	if (!any) {
		sin6.sin6_addr.s6_addr[10] = sin6.sin6_addr.s6_addr[11] = 0xff;
		sin6.sin6_addr.s6_addr[12] = 127;
		sin6.sin6_addr.s6_addr[15] = 1;
	}
	a->len = sizeof(sin6);
	memcpy(a->raw, &sin6, sizeof(sin6));
}

/* A UNIX path, counted with its NUL. */
static inline void addr_un(struct sl_addr *a, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, path);
	a->len = (uint16_t)(offsetof(struct sockaddr_un, sun_path) +
			    strlen(path) + 1);
	memcpy(a->raw, &sun, a->len);
}

#endif
