/*
 * Unit tests of the preload's fd table (preload/fdtab.c): following a
 * socket, forgetting it, the cap, what a fork child does to its copy,
 * and telling sockets from other fds by their inode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "preload.h"

static int setup(void **state)
{
	(void)state;
	if (!sl_fds)
		assert_int_equal(sl_fdtab_init(), 0);
	return 0;
}

static void test_untracked_fd_is_null(void **state)
{
	(void)state;
	assert_null(sl_fd_get(7));
	assert_null(sl_fd_get(-1));
	assert_null(sl_fd_get(sl_fd_cap));
	assert_null(sl_fd_get(1 << 30));
}

static void test_track_get_forget(void **state)
{
	struct sl_fd *e;

	(void)state;
	e = sl_fd_track(9, 1234, AF_INET, SOCK_STREAM, SL_FD_NONBLOCK);
	assert_non_null(e);
	assert_ptr_equal(sl_fd_get(9), e);
	assert_int_equal(e->inode, 1234);
	assert_true(e->flags & SL_FD_STREAM);
	assert_true(e->flags & SL_FD_NONBLOCK);
	assert_false(e->flags & SL_FD_WANT_PEER);
	assert_true(sl_fd_high() >= 10);
	sl_fd_forget(9);
	assert_null(sl_fd_get(9));
}

static void test_datagram_wants_peer(void **state)
{
	struct sl_fd *e;

	(void)state;
	e = sl_fd_track(11, 99, AF_INET, SOCK_DGRAM, 0);
	assert_true(e->flags & SL_FD_WANT_PEER);
	assert_false(e->flags & SL_FD_STREAM);
	sl_fd_forget(11);
}

static void test_track_refuses_past_cap_and_inode_zero(void **state)
{
	(void)state;
	assert_null(sl_fd_track(sl_fd_cap, 5, AF_INET, SOCK_STREAM, 0));
	assert_null(sl_fd_track(-3, 5, AF_INET, SOCK_STREAM, 0));
	assert_null(sl_fd_track(12, 0, AF_INET, SOCK_STREAM, 0));
	assert_null(sl_fd_get(12));
}

static void test_retrack_clears_counters(void **state)
{
	struct sl_fd *e = sl_fd_track(13, 1, AF_INET, SOCK_STREAM, 0);

	(void)state;
	e->tx_bytes = 500;
	e->flags |= SL_FD_EOF;
	e = sl_fd_track(13, 2, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(e->tx_bytes, 0);
	assert_false(e->flags & SL_FD_EOF);
	sl_fd_forget(13);
}

static void test_after_fork_zeroes_and_marks_inherited(void **state)
{
	struct sl_fd *e = sl_fd_track(14, 77, AF_INET, SOCK_STREAM, 0);

	(void)state;
	e->tx_bytes = 10;
	e->rx_bytes = 20;
	e->rx_calls = 3;
	e->eagain = 4;
	sl_fd_after_fork();
	assert_int_equal(e->tx_bytes, 0);
	assert_int_equal(e->rx_bytes, 0);
	assert_int_equal(e->rx_calls, 0);
	assert_int_equal(e->eagain, 0);
	assert_true(e->flags & SL_FD_INHERITED);
	assert_int_equal(e->inode, 77);
	sl_fd_forget(14);
}

static void test_inode_of_tells_sockets(void **state)
{
	int sv[2], p[2], family = -1, type = -1;
	struct stat st;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	fstat(sv[0], &st);
	assert_int_equal(sl_fd_inode_of(sv[0], &family, &type), st.st_ino);
	assert_int_equal(family, AF_UNIX);
	assert_int_equal(type, SOCK_DGRAM);
	assert_int_equal(sl_fd_inode_of(p[0], NULL, NULL), 0);
	assert_int_equal(sl_fd_inode_of(-1, NULL, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_untracked_fd_is_null, setup),
		cmocka_unit_test_setup(test_track_get_forget, setup),
		cmocka_unit_test_setup(test_datagram_wants_peer, setup),
		cmocka_unit_test_setup(test_track_refuses_past_cap_and_inode_zero, setup),
		cmocka_unit_test_setup(test_retrack_clears_counters, setup),
		cmocka_unit_test_setup(test_after_fork_zeroes_and_marks_inherited, setup),
		cmocka_unit_test_setup(test_inode_of_tells_sockets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
