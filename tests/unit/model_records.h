/*
 * Records made by hand for the model's truth tests (test_model_truth.c,
 * test_model_moments.c): a model, records applied to it or written into
 * a trace file, and the processes and sockets the cases share.
 */
#ifndef SL_TEST_MODEL_RECORDS_H
#define SL_TEST_MODEL_RECORDS_H

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "file/trace.h"
#include "model/model.h"
#include "out/out.h"
#include "out/out.h"

static struct sl_model m;

/* Records go to the model, or into a trace file while W is set. */
static struct sl_writer *w;

static inline int setup(void **state)
{
	(void)state;
	sl_model_init(&m);
	w = NULL;
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	sl_model_free(&m);
	return 0;
}

static inline void put(uint32_t conn, const struct sl_hdr *h)
{
	if (w)
		assert_int_equal(sl_writer_frame(w, conn, h, h->size), 0);
	else
		sl_model_record(&m, conn, h);
}

static inline void conn(uint32_t id, uint32_t pid)
{
	struct sl_rec_conn c = { .h = { .size = sizeof(c),
					.type = SL_REC_CONN,
					.version = SL_WIRE_VERSION },
				 .pid = pid };

	put(id, &c.h);
}

static inline void hello(uint32_t id, uint32_t pid, uint32_t ppid, uint32_t flags,
		  uint64_t ts)
{
	struct sl_rec_hello h;

	memset(&h, 0, sizeof(h));
	h.h = (struct sl_hdr){ .size = sizeof(h), .type = SL_REC_HELLO,
			       .version = SL_WIRE_VERSION, .ts_ns = ts };
	h.pid = pid;
	h.ppid = ppid;
	h.flags = flags;
	h.mono_ns = ts;
	strcpy(h.exe, "/bin/x");
	put(id, &h.h);
}

static inline void proc(uint32_t id, uint32_t pid, uint64_t ts)
{
	conn(id, pid);
	hello(id, pid, 1, 0, ts);
}

static inline void gone(uint32_t id, uint64_t ts, uint64_t bad)
{
	struct sl_rec_gone g = { .h = { .size = sizeof(g),
					.type = SL_REC_GONE,
					.version = SL_WIRE_VERSION,
					.ts_ns = ts },
				 .bad_records = bad };

	put(id, &g.h);
}

static inline void module(uint32_t id, uint64_t start, uint64_t end, uint64_t ts)
{
	struct sl_rec_module md;

	memset(&md, 0, sizeof(md));
	md.h = (struct sl_hdr){ .size = sizeof(md), .type = SL_REC_MODULE,
				.version = SL_WIRE_VERSION, .ts_ns = ts };
	md.base = start;
	md.start = start;
	md.end = end;
	strcpy(md.path, "/nonexistent/ext.so");
	put(id, &md.h);
}

static struct sl_rec_call_addr rec;

/* A call record; fill `rec` further before `send_rec`. */
static struct sl_rec_call *call(uint16_t what, int fd, int64_t ret,
				uint64_t inode, uint64_t ts)
{
	memset(&rec, 0, sizeof(rec));
	rec.c.h = (struct sl_hdr){ .size = sizeof(rec.c), .type = SL_REC_CALL,
				   .version = SL_WIRE_VERSION, .ts_ns = ts };
	rec.c.call = what;
	rec.c.fd = fd;
	rec.c.ret = ret;
	rec.c.inode = inode;
	return &rec.c;
}

static inline void send_rec(uint32_t id)
{
	put(id, &rec.c.h);
}

static inline void simple(uint32_t id, uint16_t what, int fd, int64_t ret,
		   uint64_t inode, uint64_t ts)
{
	call(what, fd, ret, inode, ts);
	send_rec(id);
}

static inline void failed(uint32_t id, uint16_t what, int fd, uint64_t inode,
		   uint64_t ts, uint64_t dur, int err)
{
	call(what, fd, -1, inode, ts);
	rec.c.dur_ns = dur;
	rec.c.err = err;
	send_rec(id);
}

static inline void new_socket(uint32_t id, int fd, uint64_t inode, int family,
		       int type, uint64_t ts)
{
	call(SL_CALL_SOCKET, fd, fd, inode, ts);
	rec.c.arg0 = family;
	rec.c.arg1 = type;
	send_rec(id);
}

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

static inline void addr_un(struct sl_addr *a, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, path);
	a->len = (uint16_t)(offsetof(struct sockaddr_un, sun_path) +
			    strlen(path) + 1);
	memcpy(a->raw, &sun, a->len);
}

static inline void with_addrs(void)
{
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
}

static struct sl_sock *sock_of(uint64_t inode)
{
	for (uint32_t i = 0; i < m.nsocks; i++)
		if (m.socks[i] && m.socks[i]->inode == inode)
			return m.socks[i];
	fail_msg("no socket of inode %llu", (unsigned long long)inode);
	return NULL;
}

/* Pid 10 (conn 1) listens on 127.0.0.1:8080: socket 500, fd 3. */
static inline void tcp_listener(void)
{
	proc(1, 10, 100);
	new_socket(1, 3, 500, AF_INET, SOCK_STREAM, 110);
	call(SL_CALL_BIND, 3, 0, 500, 120);
	with_addrs();
	addr_in(&rec.addr, 8080);
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 500, 130);
}

/* Pid 10 accepts socket INODE as FD from :CPORT, returning at TS + DUR. */
static inline void tcp_accept(int fd, uint64_t inode, int cport, uint64_t ts,
		       uint64_t dur)
{
	call(SL_CALL_ACCEPT, fd, fd, inode, ts);
	rec.c.inode2 = 500;
	rec.c.dur_ns = dur;
	with_addrs();
	addr_in(&rec.addr, cport);
	addr_in(&rec.local, 8080);
	send_rec(1);
}

/* Pid 20 (conn 2) connects socket INODE (fd 3) from :CPORT at TS. */
static inline void tcp_client(uint64_t inode, int cport, uint64_t ts)
{
	new_socket(2, 3, inode, AF_INET, SOCK_STREAM, ts - 5);
	call(SL_CALL_CONNECT, 3, 0, inode, ts);
	rec.c.dur_ns = 2;
	with_addrs();
	addr_in(&rec.addr, 8080);
	addr_in(&rec.local, cport);
	send_rec(2);
}

struct retired {
	uint32_t n;
	uint32_t id[16];
	uint32_t peer[16];
	char caller[16][64];
};

static inline void note_retired(void *ctx, const struct sl_model *mm,
			 const struct sl_sock *so)
{
	struct retired *r = ctx;

	assert_true(r->n < 16);
	r->id[r->n] = so->id;
	r->peer[r->n] = so->peer_id;
	sl_sock_caller(mm, so, r->caller[r->n], sizeof(r->caller[0]));
	r->n++;
}

#endif
