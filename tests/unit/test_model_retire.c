/*
 * Unit tests of retiring in the socket model (viewer/model/retire.c,
 * park.c): a socket handed over once nothing can change it, after the
 * file's grace, and forgotten; the id table squeezed.
 */
#include "model_records.h"

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
	new_socket(2, 5, 700, AF_INET, SOCK_STREAM, 180);
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
	new_socket(1, 3, 5000, AF_INET, SOCK_STREAM, 101);	/* stays open */
	for (uint32_t i = 0; i < 300; i++) {
		new_socket(1, 4, 6000 + i, AF_INET, SOCK_STREAM, 200 + 2 * i);
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
	new_socket(1, 5, 7000, AF_INET, SOCK_STREAM, 900);
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
	new_socket(1, 4, 600, AF_INET, SOCK_STREAM, 110);	/* id 1 */
	/* id 2 takes fd 4 */
	new_socket(1, 4, 601, AF_INET, SOCK_STREAM, 120);
	simple(1, SL_CALL_CLOSE, 4, 0, 600, 121);	/* id 1's close */
	simple(1, SL_CALL_CLOSE, 4, 0, 601, 130);
	sl_model_finish(&m);
	assert_int_equal(m.ids, 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(m.retired, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_retire_when_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_waits_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_squeezes_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire_waits_for_close_after_fd_reuse, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
