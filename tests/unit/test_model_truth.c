/*
 * Unit tests of the socket model against what really happened, with
 * records made by hand in the orders real programs produce: a fork
 * child's inherit list after its parent's close, a module map after the
 * sockets it names, a client that closed before its accept returned, a
 * UNIX connect never accepted, errors where they happened, failed accepts
 * and interrupted waits as incidents, at-exit against open at the end of
 * the trace, sockets and epoll instances passed over SCM_RIGHTS, peeks.
 */
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

#include "model.h"
#include "render.h"

static struct sl_model m;

/* Records go to the model, or into a trace file while W is set. */
static struct sl_writer *w;

static int setup(void **state)
{
	(void)state;
	sl_model_init(&m);
	w = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_model_free(&m);
	return 0;
}

static void put(uint32_t conn, const struct sl_hdr *h)
{
	if (w)
		assert_int_equal(sl_writer_frame(w, conn, h, h->size), 0);
	else
		sl_model_record(&m, conn, h);
}

static void conn(uint32_t id, uint32_t pid)
{
	struct sl_rec_conn c = { .h = { .size = sizeof(c),
					.type = SL_REC_CONN,
					.version = SL_WIRE_VERSION },
				 .pid = pid };

	put(id, &c.h);
}

static void hello(uint32_t id, uint32_t pid, uint32_t ppid, uint32_t flags,
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

static void proc(uint32_t id, uint32_t pid, uint64_t ts)
{
	conn(id, pid);
	hello(id, pid, 1, 0, ts);
}

static void gone(uint32_t id, uint64_t ts, uint64_t bad)
{
	struct sl_rec_gone g = { .h = { .size = sizeof(g),
					.type = SL_REC_GONE,
					.version = SL_WIRE_VERSION,
					.ts_ns = ts },
				 .bad_records = bad };

	put(id, &g.h);
}

static void module(uint32_t id, uint64_t start, uint64_t end, uint64_t ts)
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

static void send_rec(uint32_t id)
{
	put(id, &rec.c.h);
}

static void simple(uint32_t id, uint16_t what, int fd, int64_t ret,
		   uint64_t inode, uint64_t ts)
{
	call(what, fd, ret, inode, ts);
	send_rec(id);
}

static void failed(uint32_t id, uint16_t what, int fd, uint64_t inode,
		   uint64_t ts, uint64_t dur, int err)
{
	call(what, fd, -1, inode, ts);
	rec.c.dur_ns = dur;
	rec.c.err = err;
	send_rec(id);
}

static void new_socket(uint32_t id, int fd, uint64_t inode, int family,
		       int type, uint64_t ts)
{
	call(SL_CALL_SOCKET, fd, fd, inode, ts);
	rec.c.arg0 = family;
	rec.c.arg1 = type;
	send_rec(id);
}

static void addr_in(struct sl_addr *a, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->len = sizeof(sin);
	memcpy(a->raw, &sin, sizeof(sin));
}

/* ::ffff:127.0.0.1 (or :: with ANY), as a dual-stack socket sees it. */
static void addr_in6_mapped(struct sl_addr *a, int port, bool any)
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

static void addr_un(struct sl_addr *a, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, path);
	a->len = (uint16_t)(offsetof(struct sockaddr_un, sun_path) +
			    strlen(path) + 1);
	memcpy(a->raw, &sun, a->len);
}

static void with_addrs(void)
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
static void tcp_listener(void)
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
static void tcp_accept(int fd, uint64_t inode, int cport, uint64_t ts,
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
static void tcp_client(uint64_t inode, int cport, uint64_t ts)
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

static void note_retired(void *ctx, const struct sl_model *mm,
			 const struct sl_sock *so)
{
	struct retired *r = ctx;

	assert_true(r->n < 16);
	r->id[r->n] = so->id;
	r->peer[r->n] = so->peer_id;
	sl_sock_caller(mm, so, r->caller[r->n], sizeof(r->caller[0]));
	r->n++;
}

/*
 * Fork per connection. The child's hello, then the parent's fork and its
 * close of the connection, then the child's list of what it inherited
 * (stamped when it first ran, after that close): read from the file, the
 * fork comes first and gives the child its copy, so the connection is
 * one socket that ends at the child's close, with the child's bytes. It
 * used to split: the close ended it, the inherit list made a nameless
 * second socket.
 */
static void test_fork_child_list_after_parent_close(void **state)
{
	char path[] = "/tmp/sl-truth-XXXXXX";

	(void)state;
	close(mkstemp(path));
	w = malloc(sizeof(*w));
	assert_int_equal(sl_writer_open(w, path), 0);
	tcp_listener();
	tcp_accept(4, 501, 40000, 140, 10);
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 230);
	simple(1, SL_CALL_FORK, -1, 11, 0, 200);
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 210);
	simple(2, SL_CALL_INHERIT, 3, 0, 500, 230);
	simple(2, SL_CALL_INHERIT, 4, 0, 501, 230);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 230);
	simple(2, SL_CALL_CLOSE, 3, 0, 500, 240);
	call(SL_CALL_CLOSE, 4, 0, 501, 300);
	rec.c.tx_bytes = 14;
	rec.c.rx_bytes = 8;
	send_rec(2);
	gone(2, 310, 0);
	assert_int_equal(sl_writer_close(w), 0);
	free(w);
	w = NULL;
	assert_int_equal(sl_model_load(&m, path), 0);
	unlink(path);
	assert_int_equal(m.ids, 2);
	assert_true(sock_of(501)->closed);
	assert_int_equal(sock_of(501)->end_ns, 300);
	assert_int_equal(sock_of(501)->tx_bytes, 14);
	assert_int_equal(sock_of(501)->npids, 2);
	assert_int_equal(sock_of(501)->role, SL_ROLE_SERVER);
}

/*
 * Read from the file: the accepting thread's batch, then a module map
 * another thread sent after a dlopen (stamped later), then the main
 * thread's socket, bind and listen. The module holds nothing back, so the
 * accepted socket still finds its listener (its local address, its
 * listener id) and the listener's states are in time order. The module
 * used to release the accept first.
 */
static void test_module_releases_nothing_early(void **state)
{
	char path[] = "/tmp/sl-truth-XXXXXX";

	(void)state;
	close(mkstemp(path));
	w = malloc(sizeof(*w));
	assert_int_equal(sl_writer_open(w, path), 0);
	proc(1, 10, 100);
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 10;
	rec.c.flags = SL_F_LOCAL_LISTENER;
	with_addrs();
	addr_in(&rec.addr, 40000);
	send_rec(1);
	module(1, 0x7f0000000000, 0x7f0000100000, 400);
	new_socket(1, 3, 500, AF_INET, SOCK_STREAM, 110);
	call(SL_CALL_BIND, 3, 0, 500, 120);
	with_addrs();
	addr_in(&rec.addr, 8080);
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 500, 130);
	assert_int_equal(sl_writer_close(w), 0);
	free(w);
	w = NULL;
	assert_int_equal(sl_model_load(&m, path), 0);
	unlink(path);
	assert_int_equal(sock_of(501)->listener_id, sock_of(500)->id);
	assert_int_equal(sock_of(501)->local.len, sizeof(struct sockaddr_in));
	assert_int_equal(sock_of(500)->nspans, 3);
	assert_int_equal(sock_of(500)->spans[2].state, SL_ST_LISTENING);
	assert_int_equal(sock_of(500)->accepted, 1);
}

/*
 * A module map sent after a dlopen, at the process's next flush of its
 * own, can come after the socket it names was finished and its grace
 * passed: the socket waits for it while its process runs, so the export
 * names its caller instead of printing a raw address.
 */
static void test_module_after_socket_names_caller(void **state)
{
	struct retired r = { 0 };

	(void)state;
	m.retire = note_retired;
	m.retire_ctx = &r;
	proc(1, 10, 100);
	module(1, 0x1000, 0x2000, 100);		/* the main program */
	call(SL_CALL_SOCKET, 3, 3, 600, 110);
	rec.c.arg0 = AF_INET;
	rec.c.arg1 = SOCK_STREAM;
	rec.c.caller = 0x7f0000001234;		/* in the dlopen'ed object */
	send_rec(1);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 120);
	new_socket(1, 4, 601, AF_INET, SOCK_STREAM, 5000);
	assert_int_equal(r.n, 0);		/* waits for the map */
	module(1, 0x7f0000000000, 0x7f0000100000, 5010);
	simple(1, SL_CALL_CLOSE, 4, 0, 601, 5020);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 1);
	assert_string_equal(r.caller[0], "ext.so+0x1234");
	/* A socket of a process that is gone goes without waiting. */
	call(SL_CALL_SOCKET, 5, 5, 602, 5030);
	rec.c.arg0 = AF_INET;
	rec.c.arg1 = SOCK_STREAM;
	rec.c.caller = 0x6f0000000000;
	send_rec(1);
	gone(1, 5040, 0);
	simple(1, SL_CALL_NONE, -1, 0, 0, 5050);
	sl_model_finish(&m);
	assert_int_equal(r.n, 3);
}

/* A client that connected and closed while its connection waited in the
 * accept queue is still the server end's peer. */
static void test_tcp_client_closed_before_accept(void **state)
{
	(void)state;
	tcp_listener();
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	tcp_client(700, 40000, 135);
	simple(2, SL_CALL_CLOSE, 3, 0, 700, 140);
	tcp_accept(4, 501, 40000, 100, 60);	/* returns at 160 */
	assert_int_equal(sock_of(501)->peer_id, sock_of(700)->id);
	assert_int_equal(sock_of(700)->peer_id, sock_of(501)->id);
	assert_int_equal(sock_of(700)->connect_to_accept_ns, 160 - 135);
	/* A later connection on the same 4-tuple, after both closed, is
	 * not that one. */
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 170);
	tcp_client(701, 40000, 400);
	assert_int_equal(sock_of(701)->peer_id, 0);
}

/* The same, streaming: the closed client is kept past the grace while
 * its listener listens, so the accept that comes much later pairs. */
static void test_tcp_client_kept_for_late_accept(void **state)
{
	struct retired r = { 0 };
	uint32_t id;

	(void)state;
	m.retire = note_retired;
	m.retire_ctx = &r;
	tcp_listener();
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	tcp_client(700, 40000, 135);
	simple(2, SL_CALL_CLOSE, 3, 0, 700, 140);
	new_socket(2, 5, 702, AF_INET, SOCK_DGRAM, 900);
	assert_int_equal(r.n, 0);
	tcp_accept(4, 501, 40000, 100, 900);	/* returns at 1000 */
	simple(1, SL_CALL_CLOSE, 4, 0, 501, 1010);
	simple(2, SL_CALL_CLOSE, 5, 0, 702, 1020);
	assert_true(r.n >= 2);
	assert_int_equal(r.id[0], 2);		/* the client */
	assert_int_equal(r.peer[0], 4);		/* the server end */
	/* Its listener gone, an unpaired client waits no more. */
	tcp_client(703, 40001, 2000);
	id = sock_of(703)->id;
	simple(2, SL_CALL_CLOSE, 3, 0, 703, 2010);
	simple(2, SL_CALL_NONE, -1, 0, 0, 2015);
	assert_int_equal(r.id[r.n - 1], 3);	/* not 703: it waits */
	simple(1, SL_CALL_CLOSE, 3, 0, 500, 2020);
	simple(2, SL_CALL_NONE, -1, 0, 0, 2030);
	assert_int_equal(r.id[r.n - 2], id);
	assert_int_equal(r.peer[r.n - 2], 0);
}

/* A dual-stack listener sees an IPv4 client as ::ffff:127.0.0.1: the two
 * ends still have one 4-tuple. */
static void test_tcp_dual_stack_pairs(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 500, AF_INET6, SOCK_STREAM, 110);
	call(SL_CALL_BIND, 3, 0, 500, 120);
	with_addrs();
	addr_in6_mapped(&rec.addr, 8080, true);
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 500, 130);
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	tcp_client(700, 40000, 135);
	assert_int_equal(sock_of(700)->conn_listener, 1);
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 10;
	with_addrs();
	addr_in6_mapped(&rec.addr, 40000, false);
	addr_in6_mapped(&rec.local, 8080, false);
	send_rec(1);
	assert_int_equal(sock_of(501)->peer_id, sock_of(700)->id);
}

/* Pid 10 listens on /run/app.sock: socket INODE as fd FD, at TS. */
static void unix_listener(uint64_t inode, int fd, uint64_t ts)
{
	new_socket(1, fd, inode, AF_UNIX, SOCK_STREAM, ts);
	call(SL_CALL_BIND, fd, 0, inode, ts + 1);
	with_addrs();
	addr_un(&rec.addr, "/run/app.sock");
	addr_un(&rec.local, "/run/app.sock");
	send_rec(1);
	simple(1, SL_CALL_LISTEN, fd, 0, inode, ts + 2);
}

static void unix_connect(uint64_t inode, int fd, uint64_t ts)
{
	new_socket(2, fd, inode, AF_UNIX, SOCK_STREAM, ts - 1);
	call(SL_CALL_CONNECT, fd, 0, inode, ts);
	with_addrs();
	addr_un(&rec.addr, "/run/app.sock");
	send_rec(2);
}

static void unix_accept(uint64_t listener, int fd, uint64_t inode,
			uint64_t ts)
{
	call(SL_CALL_ACCEPT, fd, fd, inode, ts);
	rec.c.inode2 = listener;
	rec.c.peer_pid = 20;
	send_rec(1);
}

/*
 * One connect to a listener that closed without accepting it, then a new
 * listener on the same path: its accepts pair with the connects made to
 * it, in order, not shifted by the one left behind (first in, first out
 * per path and pid used to pair the first accept with the lost connect).
 */
static void test_unix_lost_connect_does_not_shift(void **state)
{
	(void)state;
	proc(1, 10, 100);
	proc(2, 20, 100);
	unix_listener(800, 3, 110);
	unix_connect(900, 4, 120);		/* never accepted */
	simple(1, SL_CALL_CLOSE, 3, 0, 800, 130);
	unix_listener(801, 3, 140);
	unix_connect(901, 5, 150);
	unix_connect(902, 6, 160);
	unix_accept(801, 7, 811, 170);
	unix_accept(801, 8, 812, 180);
	assert_int_equal(sock_of(900)->peer_id, 0);
	assert_int_equal(sock_of(811)->peer_id, sock_of(901)->id);
	assert_int_equal(sock_of(812)->peer_id, sock_of(902)->id);
	assert_int_equal(sock_of(901)->peer_id, sock_of(811)->id);
}

/* The same with the accepts applied before the connects (a client's
 * records still in its buffer): the listener's time tells them apart. */
static void test_unix_accept_first_by_time(void **state)
{
	(void)state;
	proc(1, 10, 100);
	proc(2, 20, 100);
	unix_listener(800, 3, 110);
	simple(1, SL_CALL_CLOSE, 3, 0, 800, 130);
	unix_listener(801, 3, 140);
	unix_accept(801, 7, 811, 170);
	unix_connect(900, 4, 120);		/* to the first listener */
	unix_connect(901, 5, 150);
	assert_int_equal(sock_of(900)->peer_id, 0);
	assert_int_equal(sock_of(811)->peer_id, sock_of(901)->id);
}

/* An error is where its call returned: a recv that waited 300 and got a
 * reset, not the start of `established`. */
static void test_error_has_its_time(void **state)
{
	(void)state;
	tcp_listener();
	tcp_accept(4, 501, 40000, 140, 10);
	failed(1, SL_CALL_RECV, 4, 501, 1000, 300, ECONNRESET);
	assert_int_equal(sock_of(501)->err, ECONNRESET);
	assert_int_equal(sock_of(501)->err_ns, 1300);
	/* A refused connect fails when connect returns. */
	new_socket(1, 5, 600, AF_INET, SOCK_STREAM, 2000);
	failed(1, SL_CALL_CONNECT, 5, 600, 2010, 5, ECONNREFUSED);
	assert_int_equal(sock_of(600)->err_ns, 2015);
}

/*
 * Failed accepts are incidents on the listener at their time (EMFILE
 * counted as the fd limit), not its fate; a blocking call cut short by a
 * signal is one too, with its wait.
 */
static void test_failed_accept_and_eintr_are_incidents(void **state)
{
	(void)state;
	tcp_listener();
	failed(1, SL_CALL_ACCEPT, 3, 500, 200, 0, EMFILE);
	failed(1, SL_CALL_ACCEPT4, 3, 500, 210, 0, ECONNABORTED);
	failed(1, SL_CALL_ACCEPT, 3, 500, 300, 1000, EINTR);
	tcp_accept(4, 501, 40000, 1400, 10);
	assert_int_equal(sock_of(500)->err, 0);
	assert_int_equal(sock_of(500)->nincs, 3);
	assert_int_equal(sock_of(500)->fd_limit_fails, 1);
	assert_int_equal(sock_of(500)->fd_limit_ns, 200);
	assert_int_equal(sock_of(500)->incs[2].dur_ns, 1000);
	assert_int_equal(sock_of(500)->accepted, 1);
	/* The UDP client whose recvfrom waits until alarm fires. */
	new_socket(1, 6, 650, AF_INET, SOCK_DGRAM, 2000);
	failed(1, SL_CALL_RECVFROM, 6, 650, 2010, 1000000000, EINTR);
	assert_int_equal(sock_of(650)->err, 0);
	assert_int_equal(sock_of(650)->nincs, 1);
	assert_int_equal(sock_of(650)->incs[0].ts, 2010);
	assert_int_equal(sock_of(650)->incs[0].dur_ns, 1000000000);
	assert_int_equal(sock_of(650)->incs[0].err, EINTR);
}

/*
 * At exit only when the holder exited: its connection ended, or it said
 * so (its EXIT record) before the trace ended. A process still running
 * when the trace ended, or cut off by the collector, held its socket
 * then: open at the end, not at exit.
 */
static void test_at_exit_only_when_exited(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	gone(1, 200, 0);
	proc(2, 20, 100);
	new_socket(2, 3, 700, AF_INET, SOCK_STREAM, 110);
	proc(3, 30, 100);
	new_socket(3, 3, 800, AF_INET, SOCK_STREAM, 110);
	simple(3, SL_CALL_EXIT, -1, 0, 0, 300);
	proc(4, 40, 100);
	new_socket(4, 3, 900, AF_INET, SOCK_STREAM, 110);
	gone(4, 400, 3);
	sl_model_finish(&m);
	assert_true(sock_of(600)->open_at_exit);
	assert_false(sock_of(700)->open_at_exit);
	assert_false(sock_of(700)->closed);
	assert_true(sock_of(800)->open_at_exit);
	assert_false(sock_of(900)->open_at_exit);
	assert_true(m.procs[3]->cut);
}

/* Pid 10 and its fork child pid 20 share a socketpair: 700 (fd 3) stays
 * with pid 10, 701 (fd 4) with pid 20. */
static void carrier(void)
{
	proc(1, 10, 100);
	call(SL_CALL_SOCKETPAIR, 3, 0, 700, 105);
	rec.c.inode2 = 701;
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	call(SL_CALL_SOCKETPAIR, 4, 0, 701, 105);
	rec.c.inode2 = 700;
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	simple(1, SL_CALL_FORK, -1, 20, 0, 106);
	conn(2, 20);
	hello(2, 20, 10, SL_HELLO_FORKED, 106);
	simple(1, SL_CALL_CLOSE, 4, 0, 701, 107);
	simple(2, SL_CALL_CLOSE, 3, 0, 700, 107);
}

static void fd_send(uint32_t id, int on_fd, uint64_t on, int fd,
		    uint64_t what, uint64_t ts)
{
	call(SL_CALL_FD_SEND, on_fd, 1, on, ts);
	rec.c.arg0 = fd;
	rec.c.inode2 = what;
	send_rec(id);
}

static void fd_recv(uint32_t id, int fd, uint64_t what, int on_fd,
		    uint64_t on, uint64_t ts)
{
	call(SL_CALL_FD_RECV, fd, fd, what, ts);
	rec.c.inode2 = on;
	rec.c.arg1 = on_fd;
	rec.c.arg0 = AF_INET | ((int64_t)SOCK_STREAM << 32);
	send_rec(id);
}

/*
 * A socket passed over a UNIX socket: the sender closes its copy at once,
 * the receiver holds it from its recvmsg, writes on it and closes it. One
 * socket, both processes, the receiver's bytes, closed at the receiver's
 * close, the hand-off on it.
 */
static void test_handoff_socket(void **state)
{
	(void)state;
	carrier();
	new_socket(1, 5, 600, AF_INET, SOCK_STREAM, 110);
	fd_send(1, 3, 700, 5, 600, 200);
	simple(1, SL_CALL_CLOSE, 5, 0, 600, 210);
	assert_false(sock_of(600)->closed);	/* in flight */
	fd_recv(2, 6, 600, 4, 701, 220);
	call(SL_CALL_CLOSE, 6, 0, 600, 300);
	rec.c.tx_bytes = 50;
	send_rec(2);
	assert_true(sock_of(600)->closed);
	assert_int_equal(sock_of(600)->end_ns, 300);
	assert_int_equal(sock_of(600)->tx_bytes, 50);
	assert_int_equal(sock_of(600)->npids, 2);
	assert_int_equal(sock_of(600)->nhandoffs, 1);
	assert_int_equal(sock_of(600)->handoffs[0].from_pid, 10);
	assert_int_equal(sock_of(600)->handoffs[0].to_pid, 20);
	assert_int_equal(sock_of(600)->handoffs[0].sent_ns, 200);
	assert_int_equal(sock_of(600)->handoffs[0].ts, 220);
	assert_int_equal(sock_of(600)->handoffs[0].via, sock_of(700)->id);
	assert_int_equal(sock_of(600)->handoffs[0].received_on,
			 sock_of(701)->id);
}

/* The receiver's record applied first: still one hand-off, one socket. */
static void test_handoff_received_first(void **state)
{
	(void)state;
	carrier();
	new_socket(1, 5, 600, AF_INET, SOCK_STREAM, 110);
	fd_recv(2, 6, 600, 4, 701, 220);
	fd_send(1, 3, 700, 5, 600, 200);
	simple(1, SL_CALL_CLOSE, 5, 0, 600, 230);
	assert_false(sock_of(600)->closed);
	simple(2, SL_CALL_CLOSE, 6, 0, 600, 300);
	assert_true(sock_of(600)->closed);
	assert_int_equal(sock_of(600)->nhandoffs, 1);
	assert_int_equal(sock_of(600)->handoffs[0].from_pid, 10);
	assert_int_equal(m.ids, 3);
}

#define EP1 (SL_EPOLL_ID_BIT | 1)
#define EP2 (SL_EPOLL_ID_BIT | 2)

/* An epoll fd passed: the receiver's preload names it anew; it is the
 * instance sent on the other end, and it ends with its last holder. */
static void test_handoff_epoll(void **state)
{
	(void)state;
	carrier();
	call(SL_CALL_EPOLL_CREATE, 9, 9, EP1, 110);
	send_rec(1);
	fd_send(1, 3, 700, 9, EP1, 200);
	simple(1, SL_CALL_CLOSE, 9, 0, EP1, 210);
	fd_recv(2, 7, EP2, 4, 701, 220);
	assert_int_equal(m.nepolls, 1);
	assert_false(m.epolls[0]->closed);
	simple(2, SL_CALL_CLOSE, 7, 0, EP2, 300);
	assert_true(m.epolls[0]->closed);
	assert_int_equal(m.epolls[0]->end_ns, 300);
}

/*
 * A vfork (posix_spawn) child holds what its parent held without a fork
 * record; its new image lists it after the parent closed its copy: the
 * socket was alive all along, and ends at the child's close.
 */
static void test_inherit_revives_what_parent_closed(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 210);
	proc(2, 11, 220);
	simple(2, SL_CALL_INHERIT, 0, 0, 600, 220);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 220);
	assert_false(sock_of(600)->closed);
	simple(2, SL_CALL_CLOSE, 0, 0, 600, 300);
	assert_int_equal(m.ids, 1);
	assert_true(sock_of(600)->closed);
	assert_int_equal(sock_of(600)->end_ns, 300);
}

/* Peeks are counted apart from what was received. */
static void test_peeks_apart(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_DGRAM, 110);
	call(SL_CALL_CLOSE, 3, 0, 600, 200);
	rec.c.rx_bytes = 10;
	rec.c.rx_calls = 1;
	rec.c.peeks = 2;
	send_rec(1);
	assert_int_equal(sock_of(600)->rx_bytes, 10);
	assert_int_equal(sock_of(600)->peeks, 2);
}

/* The terminal draws the moments where they happened, with a legend. */
static void test_term_draws_moments(void **state)
{
	struct sl_render_opts o = { .width = 100 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	carrier();
	new_socket(1, 5, 600, AF_INET, SOCK_DGRAM, 110);
	failed(1, SL_CALL_RECVFROM, 5, 600, 150, 100, EINTR);
	fd_send(1, 3, 700, 5, 600, 270);
	fd_recv(2, 6, 600, 4, 701, 280);
	failed(2, SL_CALL_SEND, 6, 600, 340, 0, EPIPE);
	simple(2, SL_CALL_CLOSE, 6, 0, 600, 400);
	sl_model_finish(&m);
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &o);
	fclose(f);
	assert_non_null(strstr(buf, "_e"));
	assert_non_null(strstr(buf, "@"));
	assert_non_null(strstr(buf, "!"));
	assert_non_null(strstr(buf, "EPIPE"));
	assert_non_null(strstr(buf, "_ blocked in a call"));
	assert_non_null(strstr(buf, "@ passed to another process"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_child_list_after_parent_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_releases_nothing_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_after_socket_names_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_client_closed_before_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_client_kept_for_late_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_dual_stack_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_lost_connect_does_not_shift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_accept_first_by_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_has_its_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_accept_and_eintr_are_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_exit_only_when_exited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_received_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_epoll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inherit_revives_what_parent_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peeks_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_term_draws_moments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
