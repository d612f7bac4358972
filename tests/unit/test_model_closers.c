/*
 * Unit tests of who closed a shared socket last (model/hold.c,
 * sl_sock_closed_by). Each close is known from its stamp, before the
 * call, to its timed return: when the last holders' spans overlap, the
 * kernel may have seen either close last, and every one that may have
 * been is named; when they are disjoint, one is. Pid 10 (conn 1) holds
 * listener 500 at fd 3, forks pid 11 (conn 2), which inherits it.
 */
#include "model_records.h"

/* Pid 10 forks pid 11 at 200; the child lists the listener it holds. */
static void forked_listener(void)
{
	tcp_listener();
	conn(2, 11);
	hello(2, 11, 10, SL_HELLO_FORKED, 230);
	simple(1, SL_CALL_FORK, -1, 11, 0, 200);
	simple(2, SL_CALL_INHERIT, 3, 0, 500, 230);
	simple(2, SL_CALL_FDS_DONE, -1, 0, 0, 230);
}

/* Conn ID's process closes fd 3 (the listener) over [TS, TS + DUR]. */
static void timed_close(uint32_t id, uint64_t ts, uint64_t dur)
{
	call(SL_CALL_CLOSE, 3, 0, 500, ts);
	rec.c.dur_ns = dur;
	send_rec(id);
}

static uint32_t closers(uint32_t *pids)
{
	return sl_sock_closed_by(sock_of(500), pids, SL_LASTS_KEPT);
}

/* The child's close returned (245) before the parent's was stamped
 * (250): the parent closed it last, and only the parent is named. */
static void test_disjoint_closes_name_one(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	timed_close(2, 240, 5);
	timed_close(1, 250, 5);
	assert_true(sock_of(500)->closed);
	assert_int_equal(sock_of(500)->end_ns, 250);
	assert_int_equal(closers(pids), 1);
	assert_int_equal(pids[0], 10);
}

/*
 * The child's close, stamped at 240, returned at 290; the parent's ran
 * from 250 to 255, inside it. Either reached the kernel last: both are
 * named, the child first (its close returned last, and the end is
 * drawn at its stamp).
 */
static void test_overlapping_closes_name_both(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	timed_close(2, 240, 50);
	timed_close(1, 250, 5);
	assert_int_equal(sock_of(500)->end_ns, 240);
	assert_int_equal(closers(pids), 2);
	assert_int_equal(pids[0], 11);
	assert_int_equal(pids[1], 10);
}

/* The same, applied in the other order (the parent's record first): the
 * candidates do not depend on the order the records come in. */
static void test_overlap_either_order(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	timed_close(1, 250, 5);
	timed_close(2, 240, 50);
	assert_int_equal(closers(pids), 2);
	assert_int_equal(pids[0], 11);
	assert_int_equal(pids[1], 10);
}

/*
 * Three holders: the first child's close is over (210..215) long before
 * the others; the second child's (300..320) and the parent's (310..312)
 * overlap. The first child is no candidate.
 */
static void test_only_last_overlap_counts(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	conn(3, 12);
	hello(3, 12, 10, SL_HELLO_FORKED, 206);
	simple(1, SL_CALL_FORK, -1, 12, 0, 205);
	simple(3, SL_CALL_INHERIT, 3, 0, 500, 206);
	simple(3, SL_CALL_FDS_DONE, -1, 0, 0, 206);
	timed_close(3, 210, 5);
	timed_close(2, 300, 20);
	timed_close(1, 310, 2);
	assert_int_equal(sock_of(500)->npids, 3);
	assert_int_equal(closers(pids), 2);
	assert_int_equal(pids[0], 11);
	assert_int_equal(pids[1], 10);
}

/* A socket its last holder took with it when it exited was not closed:
 * nobody is named. An exit that overlaps the other's close is no
 * closer either. */
static void test_exit_names_no_closer(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	timed_close(2, 240, 5);
	gone(1, 300, 0);
	assert_false(sock_of(500)->closed);
	assert_true(sock_of(500)->open_at_exit);
	assert_int_equal(closers(pids), 0);
}

/* The columns of BUF's line holding WHAT (UTF-8: continuation bytes
 * take none); 0 if none holds it. */
static int row_cols(const char *buf, const char *what)
{
	const char *at = strstr(buf, what), *p;
	int cols = 0;

	if (!at)
		return 0;
	while (at > buf && at[-1] != '\n')
		at--;
	for (p = at; *p && *p != '\n'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			cols++;
	return cols;
}

/*
 * The parent's close ran from 320 to 336; the child's EXIT record is
 * stamped at 323 and its connection ended at 421: its exit let its fds go
 * somewhere in between. The close is named (an exit is named by its
 * stamp), and the child's exit may have been last too (nginx's master
 * and a worker that got the socket over SCM_RIGHTS, under strace).
 */
static void test_exit_overlapping_close_is_listed(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	forked_listener();
	timed_close(1, 320, 16);
	simple(2, SL_CALL_EXIT, -1, 0, 0, 323);
	gone(2, 421, 0);
	assert_true(sock_of(500)->closed);
	assert_int_equal(sock_of(500)->end_ns, 320);
	assert_int_equal(closers(pids), 1);
	assert_int_equal(pids[0], 10);
	assert_int_equal(sl_sock_exited_by(sock_of(500), pids, 6), 1);
	assert_int_equal(pids[0], 11);
	f = open_memstream(&buf, &len);
	sl_json_sock(f, &m, sock_of(500));
	fclose(f);
	assert_non_null(strstr(buf, "\"closed_by\":[10],\"exited_by\":[11]"));
	free(buf);
	sl_model_finish(&m);
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &(struct sl_render_opts){ .width = 120 });
	fclose(f);
	assert_non_null(strstr(buf, "closed by 10 or at exit of 11"));
	free(buf);
}

/* The child's EXIT record after the close returned: it let go last, and
 * the close is no candidate. */
static void test_exit_after_close_alone(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];

	(void)state;
	forked_listener();
	timed_close(1, 320, 16);
	simple(2, SL_CALL_EXIT, -1, 0, 0, 340);
	gone(2, 421, 0);
	assert_true(sock_of(500)->open_at_exit);
	assert_int_equal(closers(pids), 0);
	assert_int_equal(sl_sock_exited_by(sock_of(500), pids, 6), 1);
	assert_int_equal(pids[0], 11);
}

/* export -f sockets lists them, the named one first; the view says
 * "closed by 11 or 10" on the socket's row; the page has them for its
 * socket details. */
static void test_closed_by_exported_and_drawn(void **state)
{
	struct sl_render_opts o = { .width = 120 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	forked_listener();
	timed_close(2, 240, 50);
	timed_close(1, 250, 5);
	f = open_memstream(&buf, &len);
	sl_json_sock(f, &m, sock_of(500));
	fclose(f);
	assert_non_null(strstr(buf, "\"closed_by\":[11,10]"));
	free(buf);
	sl_model_finish(&m);
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &o);
	fclose(f);
	assert_non_null(strstr(buf, "closed by 11 or 10"));
	free(buf);
	/* At 80 columns the row still fits: the bar gives up columns
	 * while it keeps 12, else the footer names the closers. */
	o.width = 90;
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &o);
	fclose(f);
	assert_in_range(row_cols(buf, "closed by 11 or 10"), 1, 90);
	free(buf);
	o.width = 80;
	f = open_memstream(&buf, &len);
	sl_render_term(f, &m, &o);
	fclose(f);
	assert_in_range(row_cols(buf, " closed"), 1, 80);
	assert_non_null(strstr(buf, "note: socket 1: closed by 11 or 10"));
	free(buf);
	f = open_memstream(&buf, &len);
	sl_render_html(f, &m);
	fclose(f);
	assert_non_null(strstr(buf, "\"cb\":[11,10]"));
	assert_non_null(strstr(buf, "closed by "));
	free(buf);
}

/* One holder: its close names it, timed or not. */
static void test_single_holder_named(void **state)
{
	uint32_t pids[SL_LASTS_KEPT];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	tcp_listener();
	simple(1, SL_CALL_CLOSE, 3, 0, 500, 300);
	assert_int_equal(closers(pids), 1);
	assert_int_equal(pids[0], 10);
	f = open_memstream(&buf, &len);
	sl_json_sock(f, &m, sock_of(500));
	fclose(f);
	assert_non_null(strstr(buf, "\"closed_by\":[10]"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disjoint_closes_name_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_closes_name_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_either_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_last_overlap_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_names_no_closer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_overlapping_close_is_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_after_close_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_by_exported_and_drawn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_holder_named, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
