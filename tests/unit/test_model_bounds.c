/*
 * Unit tests of what the model keeps when a trace is large or hostile:
 * memory follows what the records really use (fds, connections), not the
 * largest number one of them names; a busy listener's thousands of
 * failed accepts are all counted and a bounded few kept.
 */
#include "model_records.h"
#include "model/model_int.h"

/*
 * A record naming fd 16 million (a hostile trace, or a program that
 * raised its limit and dup2'd far up) costs one hold, not an array that
 * long; the hold works as any other: it is found, and its close ends the
 * socket.
 */
static void test_huge_fd_is_one_hold(void **state)
{
	struct sl_proc *p;

	(void)state;
	proc(1, 10, 100);
	new_socket(1, 3, 600, AF_INET, SOCK_STREAM, 110);
	new_socket(1, 16000000, 601, AF_INET, SOCK_STREAM, 120);
	simple(1, SL_CALL_DUP2, 3, 2000000000, 600, 130);
	p = sl_model_proc(&m, 10);
	assert_non_null(p);
	assert_int_equal(p->nfds, 3);
	assert_true(p->fds_cap <= 8);
	simple(1, SL_CALL_CLOSE, 16000000, 0, 601, 200);
	assert_true(sock_of(601)->closed);
	assert_int_equal(sock_of(601)->end_ns, 200);
	simple(1, SL_CALL_CLOSE, 3, 0, 600, 210);
	assert_false(sock_of(600)->closed);	/* fd 2000000000 holds it */
	simple(1, SL_CALL_CLOSE, 2000000000, 0, 600, 220);
	assert_true(sock_of(600)->closed);
	assert_int_equal(p->nfds, 0);
}

/* Holds taken and let go in any order stay findable by their fd. */
static void test_holds_survive_reshuffling(void **state)
{
	struct sl_proc *p;

	(void)state;
	proc(1, 10, 100);
	for (int fd = 3; fd < 40; fd++)
		new_socket(1, fd, 600 + (uint64_t)fd, AF_INET, SOCK_STREAM,
			   110 + (uint64_t)fd);
	for (int fd = 3; fd < 40; fd += 3)
		simple(1, SL_CALL_CLOSE, fd, 0, 600 + (uint64_t)fd, 200);
	p = sl_model_proc(&m, 10);
	for (int fd = 3; fd < 40; fd++) {
		struct sl_hold *h = sl_model_hold(p, fd);

		if (fd % 3 == 0) {
			assert_null(h);
			assert_true(sock_of(600 + (uint64_t)fd)->closed);
		} else {
			assert_non_null(h);
			assert_int_equal(h->fd, fd);
			assert_int_equal(h->s->inode, 600 + (uint64_t)fd);
		}
	}
	/* The fork child gets a copy of each, at its own fd. */
	simple(1, SL_CALL_FORK, -1, 11, 0, 300);
	assert_int_equal(sl_model_proc(&m, 11)->nfds, p->nfds);
	assert_int_equal(sl_model_hold(sl_model_proc(&m, 11), 38)->s->inode,
			 638);
	gone(1, 400, 0);
	assert_int_equal(p->nfds, 0);
	assert_true(sock_of(638)->holders == 1);
}

/* A collector connection number far up costs one map entry. */
static void test_huge_conn_is_one_entry(void **state)
{
	(void)state;
	proc(1u << 30, 10, 100);
	new_socket(1u << 30, 3, 600, AF_INET, SOCK_STREAM, 110);
	assert_int_equal(m.nconns, 1);
	assert_true(m.conns_cap <= 8);
	gone(1u << 30, 200, 0);
	assert_true(sock_of(600)->open_at_exit);
}

/*
 * A busy listener's accepts that found the queue empty (EAGAIN), one
 * record each with its thread: all counted, the first kept with their
 * pid, thread and time, within half the room, so the EMFILE that comes
 * after thousands of them is kept too; none is the listener's fate.
 */
static void test_empty_accepts_bounded(void **state)
{
	struct sl_sock *l;

	(void)state;
	tcp_listener();
	for (uint64_t i = 0; i < 5000; i++) {
		call(SL_CALL_ACCEPT4, 3, -1, 500, 1000 + i);
		rec.c.err = EAGAIN;
		rec.c.inode2 = 500;
		rec.c.arg1 = 3;
		rec.c.h.tid = 10 + (uint32_t)(i % 2);
		send_rec(1);
	}
	call(SL_CALL_ACCEPT4, 3, -1, 500, 9000);
	rec.c.err = EMFILE;
	rec.c.inode2 = 500;
	send_rec(1);
	l = sock_of(500);
	assert_int_equal(l->err, 0);
	assert_int_equal(l->incs_total, 5001);
	assert_int_equal(l->nincs, SL_INCIDENTS_KEPT / 2 + 1);
	assert_int_equal(l->incs[0].ts, 1000);
	assert_int_equal(l->incs[1].tid, 11);
	assert_int_equal(l->incs[1].pid, 10);
	assert_int_equal(l->incs[l->nincs - 1].err, EMFILE);
	assert_int_equal(l->fd_limit_fails, 1);
	assert_int_equal(l->enfile_fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_huge_fd_is_one_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holds_survive_reshuffling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_conn_is_one_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_accepts_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
