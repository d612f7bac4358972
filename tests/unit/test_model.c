/*
 * Unit tests of the socket model (viewer/model/): a socket's life, its
 * holders across fork, dup and exec, reading a trace file in time order,
 * epoll. Records made by hand (records.h, model_records.h), in the orders
 * the collector can write them, and the sockets, states and holders that
 * must come out. Pairing and retiring have files of their own.
 */
#include "model_records.h"

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
	gone(2, 310, 0);
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
	gone(2, 310, 0);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	gone(1, 200, 0);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	new_socket(1, 4, 601, AF_INET, SOCK_STREAM, 111);
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
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 120);
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 130);
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
	struct sl_writer *wr = malloc(sizeof(*wr));
	uint64_t batch[64];
	size_t n;

	(void)state;
	close(mkstemp(path));
	assert_int_equal(sl_writer_open(wr, path), 0);
	{
		struct sl_rec_conn c = { .h = { .size = sizeof(c),
						.type = SL_REC_CONN,
						.version = SL_WIRE_VERSION },
					 .pid = 10 };
		sl_writer_frame(wr, 1, &c, sizeof(c));
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
		sl_writer_frame(wr, 1, &h, sizeof(h));
	}
	/* the handler thread's batch: shutdown and close of fd 4 */
	call(SL_CALL_CLOSE, 4, 0, 501, 300);
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	sl_writer_frame(wr, 1, batch, n);
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
		sl_writer_frame(wr, 1, &d, sizeof(d));
	}
	/* then the main thread's: socket, listen, accept */
	n = 0;
	new_socket(0, 3, 500, AF_INET, SOCK_STREAM, 110);
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	call(SL_CALL_ACCEPT, 4, 4, 501, 150);
	rec.c.inode2 = 500;
	rec.c.dur_ns = 50;
	memcpy((char *)batch + n, &rec.c, sizeof(rec.c));
	n += sizeof(rec.c);
	sl_writer_frame(wr, 1, batch, n);
	assert_int_equal(sl_writer_close(wr), 0);
	free(wr);

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
	struct sl_rec_wait *wt = (struct sl_rec_wait *)buf;

	memset(buf, 0, sizeof(buf));
	wt->h.size = (uint16_t)(sizeof(*wt) + (size_t)n * sizeof(wt->ready[0]));
	wt->h.type = SL_REC_WAIT;
	wt->h.version = SL_WIRE_VERSION;
	wt->h.ts_ns = ts;
	wt->dur_ns = dur;
	wt->epoll_id = EPID;
	wt->epfd = 9;
	wt->ret = n;
	wt->timeout_ms = -1;
	wt->call = SL_CALL_EPOLL_WAIT;
	wt->nready = (uint16_t)n;
	for (int i = 0; i < n; i++) {
		wt->ready[i].key = data[i];
		wt->ready[i].events = EPOLLIN;
		wt->ready[i].fd = -1;
	}
	sl_model_record(&m, 1, &wt->h);
}

/* epoll: the watch maps a wait's data to its socket; MOD changes the
 * watch in place; the instance is held and closed like a socket. */
static void test_epoll_watch_wait_close(void **state)
{
	uint64_t five = 5, seven = 7;

	(void)state;
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	new_socket(1, 5, 600, AF_INET, SOCK_STREAM, 110);
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

/* UNIX stream ends meet by the listener's path and the client's pid. */

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
