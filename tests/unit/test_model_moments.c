/*
 * Unit tests of the moments of a socket that are not states, with records
 * made by hand: errors where they happened, failed accepts and
 * interrupted waits as incidents, at-exit against open at the end of the
 * trace, sockets and epoll instances passed over SCM_RIGHTS (their
 * receipt applied before or after their sending), an inherit
 * list reviving what a parent closed, peeks, and how the terminal draws
 * them.
 */
#include "model_records.h"
#include "model/model_int.h"

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
	/* Gone without an EXIT record, pid 10 was killed: what it moved
	 * since its socket's last record was never told. pid 30 said it
	 * was exiting, and its counters went with that record. */
	assert_true(sock_of(600)->killed);
	assert_false(sock_of(800)->killed);
	assert_false(sock_of(700)->killed);
	assert_false(sock_of(900)->killed);
}

/*
 * nginx's master and worker share a socketpair end. The worker says it
 * is exiting (EXIT at 300); the master closes its copy at 350; the
 * collector sees the worker's connection end at 360. The worker exited
 * first: the master's close ended the socket.
 */
static void test_exit_record_before_other_close(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 6, 600, AF_UNIX, SOCK_STREAM, 110);
	simple(1, SL_CALL_FORK, -1, 11, 0, 120);
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 120);
	simple(2, SL_CALL_INHERIT, 6, 0, 600, 120);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 120);
	simple(2, SL_CALL_EXIT, -1, 0, 0, 300);
	simple(1, SL_CALL_CLOSE, 6, 0, 600, 350);
	assert_false(sock_of(600)->closed);
	gone(2, 360, 0);
	assert_true(sock_of(600)->closed);
	assert_false(sock_of(600)->open_at_exit);
	assert_int_equal(sock_of(600)->end_ns, 350);
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

/*
 * A socket the sender named itself (names.h, SL_SOCK_NAME_BIT): its alias,
 * stamped with the send-fd, ties the inode the receiver names it by to
 * the name. One socket under the name, its kernel inode known, the
 * receiver's bytes and close on it; the alias is no call of its own.
 */
static void test_handoff_named_socket(void **state)
{
	uint64_t name = SL_SOCK_NAME_BIT | (10ull << SL_SOCK_NAME_PID_SHIFT) |
			(7ull << SL_SOCK_NAME_SALT_SHIFT) | 1;
	const struct sl_sock *s;
	uint64_t events;

	(void)state;
	carrier();
	new_socket(1, 5, name, AF_INET, SOCK_STREAM, 110);
	assert_int_equal(sock_of(name)->kernel_inode, 0);
	events = m.events;
	call(SL_CALL_ALIAS, 5, 0, name, 200);
	rec.c.inode2 = 600;
	send_rec(1);
	assert_int_equal(m.events, events);
	fd_send(1, 3, 700, 5, name, 200);
	simple(1, SL_CALL_CLOSE, 5, 0, name, 210);
	fd_recv(2, 6, 600, 4, 701, 220);
	call(SL_CALL_CLOSE, 6, 0, 600, 300);
	rec.c.tx_bytes = 50;
	send_rec(2);
	s = sock_of(name);
	assert_int_equal(s->kernel_inode, 600);
	assert_true(s->closed);
	assert_int_equal(s->end_ns, 300);
	assert_int_equal(s->tx_bytes, 50);
	assert_int_equal(s->npids, 2);
	assert_int_equal(s->nhandoffs, 1);
	assert_int_equal(s->handoffs[0].to_pid, 20);
	for (uint32_t i = 0; i < m.nsocks; i++)
		assert_true(!m.socks[i] || m.socks[i]->inode != 600);
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

/* A wait of pid ID's thread on the epoll instance KEY (fd EPFD) that
 * returned DATA ready. */
static void epoll_wait_one(uint32_t id, uint64_t key, int epfd, uint64_t data,
			   uint64_t ts, uint64_t dur)
{
	union {
		struct sl_rec_wait w;
		uint8_t raw[sizeof(struct sl_rec_wait) + sizeof(struct sl_ready)];
	} u;

	memset(&u, 0, sizeof(u));
	u.w.h = (struct sl_hdr){ .size = sizeof(u), .type = SL_REC_WAIT,
				 .version = SL_WIRE_VERSION, .ts_ns = ts };
	u.w.dur_ns = dur;
	u.w.epoll_id = key;
	u.w.epfd = epfd;
	u.w.ret = 1;
	u.w.call = SL_CALL_EPOLL_WAIT;
	u.w.nready = 1;
	u.w.ready[0] = (struct sl_ready){ .key = data, .events = EPOLLIN,
					  .fd = -1 };
	put(id, &u.w.h);
}

static void epoll_add(uint32_t id, uint64_t key, int epfd, int fd,
		      uint64_t inode, uint64_t ts)
{
	struct sl_rec_epoll_ctl e = {
		.h = { .size = sizeof(e), .type = SL_REC_EPOLL_CTL,
		       .version = SL_WIRE_VERSION, .ts_ns = ts },
		.epoll_id = key, .inode = inode, .data = (uint64_t)fd,
		.epfd = epfd, .fd = fd, .op = EPOLL_CTL_ADD, .events = EPOLLIN,
	};

	put(id, &e.h);
}

/*
 * The receiver's records applied before the sender's (they came late):
 * the instance it received is an instance of its own until the sending
 * comes, which makes them one: the receiver's watch and wait in it, the
 * socket it watched naming it, its end at the receiver's close.
 */
static void test_handoff_epoll_received_first(void **state)
{
	(void)state;
	carrier();
	call(SL_CALL_EPOLL_CREATE, 9, 9, EP1, 110);
	send_rec(1);
	fd_recv(2, 7, EP2, 4, 701, 220);
	epoll_add(2, EP2, 7, 4, 701, 230);
	epoll_wait_one(2, EP2, 7, 4, 240, 10);
	simple(2, SL_CALL_CLOSE, 7, 0, EP2, 300);
	assert_int_equal(m.nepolls, 2);
	fd_send(1, 3, 700, 9, EP1, 200);
	simple(1, SL_CALL_CLOSE, 9, 0, EP1, 210);
	assert_int_equal(m.nepolls, 1);
	assert_int_equal(m.epolls[0]->creator_pid, 10);
	assert_int_equal(m.epolls[0]->waits_total, 1);
	assert_int_equal(m.epolls[0]->nwaits_kept, 1);
	assert_int_equal(m.epolls[0]->nwatches, 1);
	assert_true(m.epolls[0]->closed);
	assert_int_equal(m.epolls[0]->end_ns, 300);
	assert_int_equal(sock_of(701)->nepolls, 1);
	assert_int_equal(sock_of(701)->epolls[0], m.epolls[0]->id);
	assert_int_equal(sock_of(701)->ready_events, 1);
	/* An instance made later gets an id of its own. */
	call(SL_CALL_EPOLL_CREATE, 9, 9, SL_EPOLL_ID_BIT | 3, 400);
	send_rec(1);
	assert_int_equal(m.nepolls, 2);
	assert_true(m.epolls[1]->id > m.epolls[0]->id);
	assert_int_equal(m.epolls[1]->id, 3);
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

/*
 * posix_spawn as libuv or glibc do it: pid 10 makes socketpairs for the
 * child's stdio (702 at fd 26, 703 at fd 27, close-on-exec), vforks pid
 * 11, which dup2s 26 onto 1 and execs, recording nothing; the parent
 * runs again and closes its copies (its vfork record comes then, stamped
 * at the vfork). The new image lists fd 1 only. 702 is held by the child
 * to its exit; 703 the child let go at its exec, before its parent ran
 * again: the parent's close ended it, and the child never held it as a
 * program of its own.
 */
static void spawn_child(void)
{
	proc(1, 10, 100);
	new_socket(1, 26, 702, AF_UNIX, SOCK_STREAM, 110);
	new_socket(1, 27, 703, AF_UNIX, SOCK_STREAM, 111);
	simple(1, SL_CALL_VFORK, -1, 11, 0, 200);
	simple(1, SL_CALL_CLOSE, 26, 0, 702, 300);
	simple(1, SL_CALL_CLOSE, 27, 0, 703, 301);
}

static void spawned_image(uint64_t ts)
{
	conn(2, 11);
	hello(2, 11, 10, 0, ts);
	simple(2, SL_CALL_INHERIT, 1, 0, 702, ts);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, ts);
}

static void test_vfork_child_lets_go_at_exec(void **state)
{
	(void)state;
	spawn_child();
	assert_false(sock_of(703)->closed);	/* the child's copy */
	spawned_image(400);
	assert_true(sock_of(703)->closed);
	assert_int_equal(sock_of(703)->end_ns, 301);
	assert_int_equal(sock_of(703)->npids, 1);
	assert_int_equal(sock_of(703)->pids[0], 10);
	assert_false(sock_of(702)->closed);
	assert_int_equal(sock_of(702)->npids, 2);
	gone(2, 500, 0);
	assert_true(sock_of(702)->open_at_exit);
	assert_int_equal(m.nprocs, 2);
	assert_int_equal(sl_model_proc(&m, 11)->nimages, 2);
	assert_int_equal(m.ids, 2);
}

/* The new image's list applied before its parent's close: the same. */
static void test_vfork_child_heard_before_close(void **state)
{
	(void)state;
	proc(1, 10, 100);
	new_socket(1, 26, 702, AF_UNIX, SOCK_STREAM, 110);
	new_socket(1, 27, 703, AF_UNIX, SOCK_STREAM, 111);
	simple(1, SL_CALL_VFORK, -1, 11, 0, 200);
	spawned_image(250);
	assert_false(sock_of(703)->closed);	/* the parent holds it */
	assert_int_equal(sock_of(703)->npids, 1);
	simple(1, SL_CALL_CLOSE, 26, 0, 702, 300);
	simple(1, SL_CALL_CLOSE, 27, 0, 703, 301);
	assert_true(sock_of(703)->closed);
	assert_int_equal(sock_of(703)->end_ns, 301);
	assert_false(sock_of(702)->closed);
	simple(2, SL_CALL_CLOSE, 1, 0, 702, 600);
	assert_true(sock_of(702)->closed);
	assert_int_equal(sock_of(702)->end_ns, 600);
}

/* A vfork child never heard from (it exited, or exec'd something not
 * traced): its copies end nothing. */
static void test_vfork_child_never_heard(void **state)
{
	(void)state;
	spawn_child();
	sl_model_finish(&m);
	assert_true(sock_of(702)->closed);
	assert_int_equal(sock_of(702)->end_ns, 300);
	assert_true(sock_of(703)->closed);
	assert_int_equal(sock_of(703)->end_ns, 301);
	assert_int_equal(sock_of(703)->npids, 1);
}

/*
 * A socket that is a stdio stream's fd (the preload flags every record
 * about it): bytes libc's stdio moved on it were not seen, and the view
 * says its counts are at least those. A dup2 onto 1 is flagged for the
 * new fd: the socket both hold.
 */
static void test_stdio_bytes_unseen(void **state)
{
	struct sl_render_opts o = { .width = 100 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	proc(1, 10, 100);
	call(SL_CALL_INHERIT, 1, 0, 600, 100);
	rec.c.flags = SL_F_STDIO;
	send_rec(1);
	new_socket(1, 5, 601, AF_INET, SOCK_STREAM, 110);
	new_socket(1, 6, 602, AF_INET, SOCK_STREAM, 111);
	call(SL_CALL_DUP2, 6, 2, 602, 120);
	rec.c.flags = SL_F_STDIO;
	send_rec(1);
	assert_true(sock_of(600)->stdio);
	assert_false(sock_of(601)->stdio);
	assert_true(sock_of(602)->stdio);
	sl_model_finish(&m);
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &o);
	fclose(f);
	assert_non_null(strstr(buf, "0B+"));
	assert_non_null(strstr(buf, "B+ at least"));
	free(buf);
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
		cmocka_unit_test_setup_teardown(test_error_has_its_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_accept_and_eintr_are_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_exit_only_when_exited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_record_before_other_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_named_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_received_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_epoll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_epoll_received_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inherit_revives_what_parent_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfork_child_lets_go_at_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfork_child_heard_before_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfork_child_never_heard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdio_bytes_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peeks_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_term_draws_moments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
