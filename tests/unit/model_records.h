/*
 * The model's cases (test_model*.c), on the record builders of
 * records.h: a model, records applied to it or written into a trace
 * file, and the processes and sockets the cases share.
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
#include "records.h"

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
	struct sl_rec_conn c;

	rec_conn(&c, pid);
	put(id, &c.h);
}

static inline void hello(uint32_t id, uint32_t pid, uint32_t ppid,
			 uint32_t flags, uint64_t ts)
{
	struct sl_rec_hello h;

	rec_hello(&h, pid, ppid, flags, ts);
	put(id, &h.h);
}

static inline void proc(uint32_t id, uint32_t pid, uint64_t ts)
{
	conn(id, pid);
	hello(id, pid, 1, 0, ts);
}

static inline void gone(uint32_t id, uint64_t ts, uint64_t bad)
{
	struct sl_rec_gone g;

	rec_gone(&g, ts, bad);
	put(id, &g.h);
}

static inline void module(uint32_t id, uint64_t start, uint64_t end,
			  uint64_t ts)
{
	struct sl_rec_module md;

	rec_module(&md, start, end, ts, "/nonexistent/ext.so");
	put(id, &md.h);
}

static struct sl_rec_call_addr rec;

/* A call record; fill `rec` further before `send_rec`. */
static inline struct sl_rec_call *call(uint16_t what, int fd, int64_t ret,
				       uint64_t inode, uint64_t ts)
{
	memset(&rec, 0, sizeof(rec));
	rec_call(&rec.c, what, fd, ret, inode, ts);
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

static inline void with_addrs(void)
{
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
}

/* The call's own address, 127.0.0.1:PORT; and its local one. */
static inline void with_addr(int port)
{
	with_addrs();
	addr_in(&rec.addr, port);
}

static inline void with_local(int port)
{
	with_addrs();
	addr_in(&rec.local, port);
}

/* The socket of id ID, in a model that retires nothing. */
static inline const struct sl_sock *sock(uint32_t id)
{
	assert_true(id >= 1 && id <= m.nsocks);
	return m.socks[id - 1];
}

/* Its states, in order, as "created,bound,listening". */
static inline void assert_states(const struct sl_sock *s, const char *want)
{
	char got[256] = "";

	for (uint32_t i = 0; i < s->nspans; i++) {
		strcat(got, i ? "," : "");
		strcat(got, sl_state_name(s->spans[i].state));
	}
	assert_string_equal(got, want);
}

static inline struct sl_sock *sock_of(uint64_t inode)
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

/* Pid 10 (conn 1) listens on :8080 (socket 500, fd 3). */
static inline void listener(void)
{
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 500, AF_INET, SOCK_STREAM, 110);
	call(SL_CALL_BIND, 3, 0, 500, 120);
	with_addr(8080);
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 500, 130);
}

/* Pid 20 (conn 2) connects to it from :40000 (socket 700, fd 3). */
static inline void client_connects(void)
{
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	new_socket(2, 3, 700, AF_INET, SOCK_STREAM, 105);
	call(SL_CALL_CONNECT, 3, 0, 700, 135);
	with_addr(8080);
	with_local(40000);
	rec.c.dur_ns = 5;
	send_rec(2);
}

/* The listener and one connection accepted by pid 10 (conn 1). */
static inline void listener_and_accept(void)
{
	listener();
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 10;
	with_addr(40000);
	with_local(8080);
	send_rec(1);
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
