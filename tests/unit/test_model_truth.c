/*
 * Unit tests of the socket model against what really happened, with
 * records made by hand in the orders real programs produce: a fork
 * child's inherit list after its parent's close, a module map after the
 * sockets it names, a client that closed before its accept returned, a
 * UNIX connect never accepted, the local address a sendto bound. The
 * moments that are not states are in
 * test_model_moments.c.
 */
#include "model_records.h"

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
 * A forking server's listener, held by the parent and its last child.
 * The child stamped its close first (at 240) but its call reached the
 * kernel after the parent's (stamped at 250): the preload times a close
 * of a socket another process holds, and the child's returned at 290,
 * the parent's at 255. The child let it go last, and the end is drawn
 * at the child's stamp. Ordered by stamps, the parent was called the
 * closer (perl's fork server under strace, seen by the oracle).
 */
static void test_shared_close_ordered_by_return(void **state)
{
	char path[] = "/tmp/sl-truth-XXXXXX";

	(void)state;
	close(mkstemp(path));
	w = malloc(sizeof(*w));
	assert_int_equal(sl_writer_open(w, path), 0);
	tcp_listener();
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 230);
	simple(1, SL_CALL_FORK, -1, 11, 0, 200);
	simple(2, SL_CALL_INHERIT, 3, 0, 500, 230);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 230);
	call(SL_CALL_CLOSE, 3, 0, 500, 240);
	rec.c.dur_ns = 50;
	send_rec(2);
	call(SL_CALL_CLOSE, 3, 0, 500, 250);
	rec.c.dur_ns = 5;
	send_rec(1);
	assert_int_equal(sl_writer_close(w), 0);
	free(w);
	w = NULL;
	assert_int_equal(sl_model_load(&m, path), 0);
	unlink(path);
	assert_true(sock_of(500)->closed);
	assert_int_equal(sock_of(500)->end_ns, 240);
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
	assert_int_equal(sock_of(500)->spans[2].state, SL_SS_LISTENING);
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

/*
 * An exec keeps what was not close-on-exec: a socket at fd 5 leaked into
 * the new program; one at fd 1 is its stdout, as meant.
 */
static void test_exec_keeps_stdio_without_leak(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 1, 600, AF_UNIX, SOCK_STREAM, 110);
	new_socket(1, 5, 601, AF_UNIX, SOCK_STREAM, 111);
	simple(1, SL_CALL_EXEC, -1, 0, 0, 150);
	hello(1, 10, 1, SL_HELLO_EXEC, 160);
	simple(1, SL_CALL_INHERIT, 1, 0, 600, 160);
	simple(1, SL_CALL_INHERIT, 5, 0, 601, 160);
	simple(1, SL_CALL_FDS_DONE, -1, 0, 0, 160);
	assert_false(sock_of(600)->exec_inherited);
	assert_true(sock_of(601)->exec_inherited);
	assert_int_equal(sock_of(601)->exec_pid, 10);
}

/*
 * A pending connect ends with the first I/O, not with a record that is
 * only about the fd (an ioctl, the preload's note that a stdio stream
 * was made on it).
 */
static void test_pending_connect_waits_for_io(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	call(SL_CALL_CONNECT, 3, -1, 600, 120);
	rec.c.err = EINPROGRESS;
	send_rec(1);
	simple(1, SL_CALL_IOCTL, 3, 0, 600, 130);
	assert_true(sock_of(600)->connect_pending);
	assert_int_equal(sock_of(600)->state, SL_SS_CONNECTING);
	simple(1, SL_CALL_SEND, 3, 5, 600, 140);
	assert_false(sock_of(600)->connect_pending);
	assert_int_equal(sock_of(600)->state, SL_SS_ESTABLISHED);
}

/* 0.0.0.0:PORT, as getsockname says of a socket a sendto bound. The
 * raw bytes sit at offset 2 of struct sl_addr: copied, never cast. */
static void addr_any(struct sl_addr *a, int port)
{
	struct sockaddr_in sin;

	addr_in(a, port);
	memcpy(&sin, a->raw, sizeof(sin));
	sin.sin_addr.s_addr = 0;
	memcpy(a->raw, &sin, sizeof(sin));
}

/*
 * A UDP socket's first sendto binds it: the local address the kernel
 * chose is on the record, and is the socket's; a recvfrom before it
 * (not bound yet: port 0) says nothing.
 */
static void test_udp_local_from_sendto(void **state)
{
	struct sl_addr any;

	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_DGRAM, 110);
	failed(1, SL_CALL_RECVFROM, 3, 600, 120, 0, EINVAL);
	with_addrs();
	addr_any(&rec.local, 0);
	send_rec(1);
	assert_int_equal(sock_of(600)->local.len, 0);
	call(SL_CALL_SENDTO, 3, 8, 600, 130);
	with_addrs();
	addr_in(&rec.addr, 1);
	addr_any(&rec.local, 58279);
	send_rec(1);
	addr_any(&any, 58279);
	assert_int_equal(sock_of(600)->local.len, any.len);
	assert_memory_equal(sock_of(600)->local.raw, any.raw, any.len);
	assert_int_equal(sock_of(600)->remote.len, any.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_child_list_after_parent_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_close_ordered_by_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_releases_nothing_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_after_socket_names_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_client_closed_before_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_client_kept_for_late_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_dual_stack_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_lost_connect_does_not_shift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_accept_first_by_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_local_from_sendto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_connect_waits_for_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_keeps_stdio_without_leak, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
