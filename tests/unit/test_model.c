/*
 * Unit tests of the socket model (viewer/model.c, model_calls.c): records
 * made by hand, in the orders the collector can write them, and the
 * sockets, states and holders that must come out.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

static struct sl_model m;

static int setup(void **state)
{
	(void)state;
	sl_model_init(&m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_model_free(&m);
	return 0;
}

static void conn(uint32_t id, uint32_t pid)
{
	struct sl_rec_conn c = { .h = { .size = sizeof(c),
					.type = SL_REC_CONN,
					.version = SL_WIRE_VERSION },
				 .pid = pid };

	sl_model_record(&m, id, &c.h);
}

static void hello(uint32_t id, uint32_t pid, uint32_t ppid, uint32_t flags,
		  uint64_t ts)
{
	struct sl_rec_hello h;

	memset(&h, 0, sizeof(h));
	h.h.size = sizeof(h);
	h.h.type = SL_REC_HELLO;
	h.h.version = SL_WIRE_VERSION;
	h.h.ts_ns = ts;
	h.pid = pid;
	h.ppid = ppid;
	h.flags = flags;
	h.mono_ns = ts;
	strcpy(h.exe, "/bin/x");
	sl_model_record(&m, id, &h.h);
}

static struct sl_rec_call_addr rec;

/* A call record; fill `rec` further before calling `send_rec`. */
static struct sl_rec_call *call(uint16_t what, int fd, int64_t ret,
				uint64_t inode, uint64_t ts)
{
	memset(&rec, 0, sizeof(rec));
	rec.c.h.size = sizeof(rec.c);
	rec.c.h.type = SL_REC_CALL;
	rec.c.h.version = SL_WIRE_VERSION;
	rec.c.h.ts_ns = ts;
	rec.c.call = what;
	rec.c.fd = fd;
	rec.c.ret = ret;
	rec.c.inode = inode;
	return &rec.c;
}

static void with_addr(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	rec.addr.len = sizeof(sin);
	memcpy(rec.addr.raw, &sin, sizeof(sin));
}

static void send_rec(uint32_t id)
{
	sl_model_record(&m, id, &rec.c.h);
}

static void simple(uint32_t id, uint16_t what, int fd, int64_t ret,
		   uint64_t inode, uint64_t ts)
{
	call(what, fd, ret, inode, ts);
	send_rec(id);
}

static void new_socket(uint32_t id, int fd, uint64_t inode, uint64_t ts)
{
	call(SL_CALL_SOCKET, fd, fd, inode, ts);
	rec.c.arg0 = AF_INET;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(id);
}

static void gone(uint32_t id, uint64_t ts)
{
	struct sl_rec_gone g = { .h = { .size = sizeof(g),
					.type = SL_REC_GONE,
					.version = SL_WIRE_VERSION,
					.ts_ns = ts } };

	sl_model_record(&m, id, &g.h);
}

static const struct sl_sock *sock(uint32_t id)
{
	assert_true(id >= 1 && id <= m.nsocks);
	return m.socks[id - 1];
}

static void assert_states(const struct sl_sock *s, const char *want)
{
	char got[256] = "";

	for (uint32_t i = 0; i < s->nspans; i++) {
		strcat(got, i ? "," : "");
		strcat(got, sl_state_name(s->spans[i].state));
	}
	assert_string_equal(got, want);
}

static void with_local(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	rec.local.len = sizeof(sin);
	memcpy(rec.local.raw, &sin, sizeof(sin));
}

/* Pid 10 (conn 1) listens on :8080 (socket 500, fd 3). */
static void listener(void)
{
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 500, 110);
	call(SL_CALL_BIND, 3, 0, 500, 120);
	with_addr(8080);
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 500, 130);
}

/* Pid 20 (conn 2) connects to it from :40000 (socket 700, fd 3). */
static void client_connects(void)
{
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	new_socket(2, 3, 700, 105);
	call(SL_CALL_CONNECT, 3, 0, 700, 135);
	with_addr(8080);
	with_local(40000);
	rec.c.dur_ns = 5;
	send_rec(2);
}

/* The listener and one connection accepted by pid 10 (conn 1). */
static void listener_and_accept(void)
{
	listener();
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 10;
	with_addr(40000);
	with_local(8080);
	send_rec(1);
}

static void test_listener_states(void **state)
{
	(void)state;
	listener_and_accept();
	assert_int_equal(m.nsocks, 2);
	assert_int_equal(sock(1)->role, SL_ROLE_LISTENER);
	assert_states(sock(1), "created,bound,listening");
	assert_int_equal(sock(1)->accepted, 1);
	assert_int_equal(sock(2)->role, SL_ROLE_SERVER);
	assert_int_equal(sock(2)->listener_id, 1);
	assert_int_equal(sock(2)->start_ns, 150);
	assert_int_equal(sock(2)->family, AF_INET);
}

/* Fork per connection; the parent closes its copy before the child is
 * heard from. The socket lives on in the child, ends at its close. */
static void test_fork_parent_closes_first(void **state)
{
	(void)state;
	listener_and_accept();
	simple(1, SL_CALL_FORK, -1, 11, 0, 200);
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 210);
	assert_false(sock(2)->closed);
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 205);
	simple(2, SL_CALL_INHERIT, 3, 0, 500, 205);
	simple(2, SL_CALL_INHERIT, 4, 0, 501, 205);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 205);
	simple(2, SL_CALL_CLOSE, 3, 0, 500, 220);
	call(SL_CALL_CLOSE, 4, 0, 501, 300);
	rec.c.tx_bytes = 14;
	rec.c.rx_bytes = 8;
	send_rec(2);
	gone(2, 310);
	assert_int_equal(m.nsocks, 2);
	assert_true(sock(2)->closed);
	assert_int_equal(sock(2)->end_ns, 300);
	assert_int_equal(sock(2)->npids, 2);
	assert_int_equal(sock(2)->tx_bytes, 14);
	assert_int_equal(sock(2)->rx_bytes, 8);
	assert_false(sock(1)->closed);
	assert_int_equal(m.nprocs, 2);
}

/* The same, with the child heard from before the parent's fork record:
 * the parent's close, applied last, is not the end; the child's, later
 * in time, is. */
static void test_fork_child_heard_first(void **state)
{
	(void)state;
	listener_and_accept();
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 205);
	simple(2, SL_CALL_INHERIT, 3, 0, 500, 205);
	simple(2, SL_CALL_INHERIT, 4, 0, 501, 205);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 205);
	simple(2, SL_CALL_CLOSE, 4, 0, 501, 300);
	gone(2, 310);
	simple(1, SL_CALL_FORK, -1, 11, 0, 200);
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 210);
	assert_int_equal(m.nprocs, 2);
	assert_true(sock(2)->closed);
	assert_int_equal(sock(2)->end_ns, 300);
	assert_int_equal(sock(2)->holders, 0);
}

static void test_refused_connect(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	call(SL_CALL_CONNECT, 3, -1, 600, 120);
	rec.c.err = ECONNREFUSED;
	rec.c.dur_ns = 5;
	with_addr(1);
	send_rec(1);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 130);
	assert_int_equal(sock(1)->err, ECONNREFUSED);
	assert_int_equal(sock(1)->role, SL_ROLE_CLIENT);
	assert_int_equal(sock(1)->connect_failures, 1);
	assert_states(sock(1), "created,connecting,created");
	assert_int_equal(sock(1)->spans[1].end_ns, 125);
	assert_true(sock(1)->closed);
}

static void test_nonblocking_connect_outcome(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	call(SL_CALL_CONNECT, 3, -1, 600, 120);
	rec.c.err = EINPROGRESS;
	send_rec(1);
	assert_true(sock(1)->connect_pending);
	call(SL_CALL_GETSOCKOPT, 3, 0, 600, 170);
	rec.c.flags = SL_F_OUTCOME;
	rec.c.arg1 = ECONNREFUSED;
	send_rec(1);
	assert_false(sock(1)->connect_pending);
	assert_int_equal(sock(1)->err, ECONNREFUSED);
	assert_int_equal(sock(1)->spans[1].state, SL_SS_CONNECTING);
	assert_int_equal(sock(1)->spans[1].end_ns, 170);
}

static void test_first_io_establishes(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	call(SL_CALL_CONNECT, 3, -1, 600, 120);
	rec.c.err = EINPROGRESS;
	send_rec(1);
	call(SL_CALL_SEND, 3, 5, 600, 150);
	rec.c.flags = SL_F_FIRST_IO;
	send_rec(1);
	call(SL_CALL_READ, 3, 0, 600, 160);
	rec.c.flags = SL_F_EOF;
	send_rec(1);
	assert_states(sock(1), "created,connecting,established,peer-closed");
	assert_int_equal(sock(1)->err, 0);
}

static void test_exit_without_close(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	gone(1, 200);
	assert_false(sock(1)->closed);
	assert_true(sock(1)->open_at_exit);
	assert_int_equal(sock(1)->end_ns, 0);
	assert_true(m.procs[0]->ended);
}

static void test_dup_needs_both_closes(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	simple(1, SL_CALL_DUP, 3, 7, 600, 120);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 130);
	assert_false(sock(1)->closed);
	simple(1, SL_CALL_CLOSE, 7, 0, 600, 140);
	assert_true(sock(1)->closed);
	assert_int_equal(sock(1)->end_ns, 140);
	assert_int_equal(m.nsocks, 1);
}

/* An exec keeps what the new image lists; the rest was close-on-exec. */
static void test_exec_closes_unlisted(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	new_socket(1, 4, 601, 111);
	simple(1, SL_CALL_EXEC, -1, 0, 0, 150);
	hello(1, 10, 1, SL_HELLO_EXEC, 160);
	simple(1, SL_CALL_INHERIT, 4, 0, 601, 160);
	simple(1, SL_CALL_FDS_DONE, -1, 0, 0, 160);
	assert_true(sock(1)->closed);
	assert_int_equal(sock(1)->end_ns, 150);
	assert_false(sock(2)->closed);
	assert_int_equal(m.nprocs, 1);
	assert_int_equal(m.procs[0]->execs, 1);
}

static void test_socketpair_names_peer(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	call(SL_CALL_SOCKETPAIR, 3, 0, 700, 110);
	rec.c.inode2 = 701;
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	call(SL_CALL_SOCKETPAIR, 4, 0, 701, 110);
	rec.c.inode2 = 700;
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	assert_int_equal(sock(1)->peer_id, 2);
	assert_int_equal(sock(2)->peer_id, 1);
	assert_int_equal(sock(1)->role, SL_ROLE_PAIR);
}

/* A reused inode after the first socket closed is a new socket. */
static void test_reused_inode_is_new_socket(void **state)
{
	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 3, 600, 110);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 120);
	new_socket(1, 3, 600, 130);
	assert_int_equal(m.nsocks, 2);
	assert_true(sock(1)->closed);
	assert_false(sock(2)->closed);
}

/* The file is read through the reorder stage: a thread's close that
 * arrives before the accepting thread's accept is put after it, even
 * with a drop report between them. */
static void test_load_reorders_threads(void **state)
{
	char path[] = "/tmp/sl-model-XXXXXX";
	struct sl_writer *w = malloc(sizeof(*w));
	uint64_t batch[64];
	size_t n;

	(void)state;
	close(mkstemp(path));
	assert_int_equal(sl_writer_open(w, path), 0);
	{
		struct sl_rec_conn c = { .h = { .size = sizeof(c),
						.type = SL_REC_CONN,
						.version = SL_WIRE_VERSION },
					 .pid = 10 };
		sl_writer_frame(w, 1, &c, sizeof(c));
	}
	memset(batch, 0, sizeof(batch));
	n = 0;
	{
		struct sl_rec_hello h;

		memset(&h, 0, sizeof(h));
		h.h.size = sizeof(h);
		h.h.type = SL_REC_HELLO;
		h.h.version = SL_WIRE_VERSION;
		h.h.ts_ns = 100;
		h.pid = 10;
		sl_writer_frame(w, 1, &h, sizeof(h));
	}
	/* the handler thread's batch: shutdown and close of fd 4 */
	call(SL_CALL_CLOSE, 4, 0, 501, 300);
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	sl_writer_frame(w, 1, batch, n);
	/* a drop report, written after everything: it only counts, and
	 * must not push the handler's close ahead of the accept that is
	 * still on its way */
	{
		struct sl_rec_drop d;

		memset(&d, 0, sizeof(d));
		d.h.size = sizeof(d);
		d.h.type = SL_REC_DROP;
		d.h.version = SL_WIRE_VERSION;
		d.h.ts_ns = 400;
		d.records = 7;
		sl_writer_frame(w, 1, &d, sizeof(d));
	}
	/* then the main thread's: socket, listen, accept */
	n = 0;
	new_socket(0, 3, 500, 110);
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	call(SL_CALL_ACCEPT, 4, 4, 501, 150);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 50;
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	sl_writer_frame(w, 1, batch, n);
	assert_int_equal(sl_writer_close(w), 0);
	free(w);

	sl_model_free(&m);
	sl_model_init(&m);
	assert_int_equal(sl_model_load(&m, path), 0);
	unlink(path);
	assert_int_equal(m.nsocks, 2);
	assert_int_equal(m.dropped, 7);
	assert_int_equal(sock(2)->role, SL_ROLE_SERVER);
	assert_true(sock(2)->closed);
	assert_int_equal(sock(2)->start_ns, 200);
	assert_int_equal(sock(2)->end_ns, 300);
	assert_states(sock(2), "established");
}

#define EPID (SL_EPOLL_ID_BIT | 77)

static void epoll_ctl_rec(int op, int fd, uint64_t data, uint32_t ev,
			  uint64_t ts)
{
	struct sl_rec_epoll_ctl e = {
		.h = { .size = sizeof(e), .type = SL_REC_EPOLL_CTL,
		       .version = SL_WIRE_VERSION, .ts_ns = ts },
		.epoll_id = EPID, .epfd = 9, .fd = fd, .op = op,
		.data = data, .events = ev,
	};

	sl_model_record(&m, 1, &e.h);
}

static void wait_rec(uint64_t ts, uint64_t dur, int n, const uint64_t *data)
{
	uint64_t buf[(sizeof(struct sl_rec_wait) + 4 * sizeof(struct sl_ready)) / 8];
	struct sl_rec_wait *w = (struct sl_rec_wait *)buf;

	memset(buf, 0, sizeof(buf));
	w->h.size = (uint16_t)(sizeof(*w) + (size_t)n * sizeof(w->ready[0]));
	w->h.type = SL_REC_WAIT;
	w->h.version = SL_WIRE_VERSION;
	w->h.ts_ns = ts;
	w->dur_ns = dur;
	w->epoll_id = EPID;
	w->epfd = 9;
	w->ret = n;
	w->timeout_ms = -1;
	w->call = SL_CALL_EPOLL_WAIT;
	w->nready = (uint16_t)n;
	for (int i = 0; i < n; i++) {
		w->ready[i].key = data[i];
		w->ready[i].events = EPOLLIN;
		w->ready[i].fd = -1;
	}
	sl_model_record(&m, 1, &w->h);
}

/* epoll: the watch maps a wait's data to its socket; MOD changes the
 * watch in place; the instance is held and closed like a socket. */
static void test_epoll_watch_wait_close(void **state)
{
	uint64_t five = 5, seven = 7;

	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 5, 600, 110);
	call(SL_CALL_EPOLL_CREATE, 9, 9, EPID, 120);
	send_rec(1);
	epoll_ctl_rec(EPOLL_CTL_ADD, 5, 5, EPOLLIN, 130);
	epoll_ctl_rec(EPOLL_CTL_MOD, 5, 5, EPOLLIN | EPOLLOUT, 140);
	wait_rec(150, 50, 1, &five);
	wait_rec(300, 10, 1, &seven);
	assert_int_equal(m.nepolls, 1);
	assert_int_equal(m.epolls[0]->nwatches, 1);
	assert_int_equal(m.epolls[0]->watches[0].mods, 1);
	assert_int_equal(m.epolls[0]->watches[0].events, EPOLLIN | EPOLLOUT);
	assert_int_equal(m.epolls[0]->waits_total, 2);
	assert_int_equal(m.epolls[0]->blocked_ns, 60);
	assert_int_equal(sock(1)->ready_events, 1);
	assert_int_equal(sock(1)->marks[0].ts, 200);
	assert_int_equal(sock(1)->nepolls, 1);
	epoll_ctl_rec(EPOLL_CTL_DEL, 5, 0, 0, 400);
	assert_int_equal(m.epolls[0]->watches[0].removed_ns, 400);
	wait_rec(500, 1, 1, &five);
	assert_int_equal(sock(1)->ready_events, 1);
	simple(1, SL_CALL_DUP, 9, 11, EPID, 600);
	simple(1, SL_CALL_CLOSE, 9, 0, EPID, 610);
	assert_false(m.epolls[0]->closed);
	simple(1, SL_CALL_CLOSE, 11, 0, EPID, 620);
	assert_true(m.epolls[0]->closed);
	assert_int_equal(m.epolls[0]->end_ns, 620);
	assert_int_equal(m.nsocks, 1);
}

/* TCP ends meet by 4-tuple, whichever is seen first. */
static void test_pair_tcp_by_tuple(void **state)
{
	(void)state;
	listener_and_accept();	/* server 501: local :8080, remote :40000 */
	client_connects();
	assert_int_equal(sock(2)->peer_id, 3);
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->connect_to_accept_ns, 150 - 135);
	/* a connect to another port does not pair */
	new_socket(2, 4, 701, 160);
	call(SL_CALL_CONNECT, 4, 0, 701, 170);
	with_addr(9090);
	with_local(40001);
	send_rec(2);
	assert_int_equal(sock(4)->peer_id, 0);
}

/* An accept the preload did not ask the local address of: the model
 * takes the listener's, and the ends still pair by their 4-tuple. */
static void test_accept_local_of_listener(void **state)
{
	(void)state;
	listener();
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.flags = SL_F_LOCAL_LISTENER;
	with_addr(40000);
	send_rec(1);
	assert_int_equal(sock(2)->local.len, sock(1)->local.len);
	assert_memory_equal(sock(2)->local.raw, sock(1)->local.raw,
			    sock(1)->local.len);
	client_connects();
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->peer_id, 3);
}

struct retired {
	uint32_t n;
	uint32_t id[8];
	uint32_t peer[8];
};

static void note_retired(void *ctx, const struct sl_model *mm,
			 const struct sl_sock *so)
{
	struct retired *r = ctx;

	(void)mm;
	assert_true(r->n < 8);
	r->id[r->n] = so->id;
	r->peer[r->n++] = so->peer_id;
}

/* Retiring (export -f sockets): a socket goes when its last holder lets
 * go, before the next record, paired; nothing finds it afterwards. */
static void test_retire_when_finished(void **state)
{
	struct retired r = { 0 };

	(void)state;
	m.retire = note_retired;
	m.retire_ctx = &r;
	listener_and_accept();		/* server 501 (id 2), pid 10 */
	client_connects();		/* client 700 (id 3) */
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 160);
	assert_int_equal(r.n, 0);	/* not before the next record */
	simple(2, SL_CALL_CLOSE, 3, 0, 700, 170);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 2);
	assert_int_equal(r.peer[0], 3);
	assert_null(m.socks[1]);
	sl_model_finish(&m);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.id[1], 3);
	assert_int_equal(r.peer[1], 2);
	assert_null(m.socks[2]);
	assert_non_null(m.socks[0]);	/* the listener is still open */
	assert_int_equal(m.retired, 2);
	/* The inode is free for a new socket. */
	new_socket(2, 5, 700, 180);
	assert_int_equal(m.nsocks, 4);
	assert_non_null(m.socks[3]);
}

/* A socket waits the file's grace after it ends: a record of an earlier
 * time applied after its close (the client's connect, here) still
 * reaches it. */
static void test_retire_waits_grace(void **state)
{
	struct retired r = { 0 };

	(void)state;
	m.retire = note_retired;
	m.retire_ctx = &r;
	m.retire_grace = 50;
	listener_and_accept();			/* server 501 (id 2) */
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 160);
	simple(1, SL_CALL_SHUTDOWN, 3, 0, 500, 170);
	assert_int_equal(r.n, 0);		/* 160 + 50 > 170 */
	client_connects();			/* stamped 135: late */
	assert_int_equal(sock(2)->peer_id, 3);
	simple(1, SL_CALL_SHUTDOWN, 3, 0, 500, 210);	/* a tie: not past */
	assert_int_equal(r.n, 0);
	simple(1, SL_CALL_SHUTDOWN, 3, 0, 500, 211);	/* so 160 is due */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 2);
	assert_int_equal(r.peer[0], 3);
}

/* Retiring into R, and pid 10 on conn 1. */
static void retiring_process(struct retired *r)
{
	m.retire = note_retired;
	m.retire_ctx = r;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
}

/* A long run with retiring keeps only the open sockets in the id table;
 * ids go on counting. */
static void test_retire_squeezes_table(void **state)
{
	struct retired r = { 0 };

	(void)state;
	retiring_process(&r);
	new_socket(1, 3, 5000, 101);		/* stays open */
	for (uint32_t i = 0; i < 300; i++) {
		new_socket(1, 4, 6000 + i, 200 + 2 * i);
		simple(1, SL_CALL_CLOSE, 4, 0, 6000 + i, 201 + 2 * i);
		r.n = 0;			/* only the count matters */
	}
	sl_model_finish(&m);
	assert_int_equal(m.retired, 300);
	assert_int_equal(m.ids, 301);
	assert_true(m.nsocks < 100);
	for (uint32_t i = 0; i < m.nsocks; i++)
		if (m.socks[i])
			assert_int_equal(m.socks[i]->slot, i);
	assert_non_null(m.socks[0]);
	assert_int_equal(m.socks[0]->id, 1);
	new_socket(1, 5, 7000, 900);
	assert_int_equal(m.socks[m.nsocks - 1]->id, 302);
}

/* Another thread's new socket took fd 4 before the old one's close record
 * came (both are stamped before their calls): the old socket is not done
 * then, and its close, when it comes, ends it rather than a new one. */
static void test_retire_waits_for_close_after_fd_reuse(void **state)
{
	struct retired r = { 0 };

	(void)state;
	retiring_process(&r);
	new_socket(1, 4, 600, 110);			/* id 1 */
	new_socket(1, 4, 601, 120);			/* id 2 takes fd 4 */
	simple(1, SL_CALL_CLOSE, 4, 0, 600, 121);	/* id 1's close */
	simple(1, SL_CALL_CLOSE, 4, 0, 601, 130);
	sl_model_finish(&m);
	assert_int_equal(m.ids, 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(m.retired, 2);
}

static void with_unix(struct sl_addr *a, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, path);
	a->len = (uint16_t)(offsetof(struct sockaddr_un, sun_path) +
			    strlen(path) + 1);
	memcpy(a->raw, &sun, a->len);
}

/* UNIX stream ends meet by the listener's path and the client's pid. */
/* Process 10 listens on /run/app.sock (socket 1). */
static void unix_listener(void)
{
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	call(SL_CALL_SOCKET, 3, 3, 800, 110);
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	call(SL_CALL_BIND, 3, 0, 800, 111);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	with_unix(&rec.addr, "/run/app.sock");
	with_unix(&rec.local, "/run/app.sock");
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 800, 112);
}

/* Process 20 connects to it. */
static void unix_client(void)
{
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	call(SL_CALL_SOCKET, 4, 4, 900, 120);
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(2);
	call(SL_CALL_CONNECT, 4, 0, 900, 130);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	with_unix(&rec.addr, "/run/app.sock");
	send_rec(2);
}

/* Process 10 accepts process 20's connection. */
static void unix_accept(void)
{
	call(SL_CALL_ACCEPT, 5, 5, 801, 125);
	rec.c.inode2 = 800;
	rec.c.dur_ns = 20;
	rec.c.peer_pid = 20;
	send_rec(1);
}

static void test_pair_unix_by_path_and_pid(void **state)
{
	(void)state;
	unix_listener();
	unix_client();
	unix_accept();
	assert_int_equal(sock(3)->role, SL_ROLE_SERVER);
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->peer_id, 3);
}

/* The server end reaches the model first: the client's records were
 * still in its buffer when the accept was applied. */
static void test_pair_unix_accept_first(void **state)
{
	(void)state;
	unix_listener();
	unix_accept();
	unix_client();
	assert_int_equal(sock(2)->role, SL_ROLE_SERVER);
	assert_int_equal(sock(2)->peer_id, 3);
	assert_int_equal(sock(3)->peer_id, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listener_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_parent_closes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_child_heard_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_connect_outcome, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_io_establishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_without_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_needs_both_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_closes_unlisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socketpair_names_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_inode_is_new_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_reorders_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_epoll_watch_wait_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_tcp_by_tuple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_local_of_listener, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_when_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_waits_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_squeezes_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_waits_for_close_after_fd_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_unix_by_path_and_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_unix_accept_first, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
