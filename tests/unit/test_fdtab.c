/*
 * Unit tests of the preload's fd table (preload/fdtab.c): following a
 * socket, forgetting it, the cap, what a fork child does to its copy,
 * telling sockets from other fds by their inode, and fds that arrive
 * from another process (sl_fd_adopt, and the SCM_RIGHTS walk of
 * preload/fdpass.c that finds them).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "wrap.h"

static int setup(void **state)
{
	(void)state;
	if (!sl_fds)
		assert_int_equal(sl_fdtab_init(), 0);
	return 0;
}

/*
 * A socket's name of ours (names.h, SL_SOCK_NAME_BIT): tagged so that it
 * is never a kernel inode or an epoll id, the pid in its place, each one
 * new; a fork child's are its own, under its pid and a new salt.
 */
static void test_sock_names(void **state)
{
	uint64_t pidmask = 0x3fffffull << SL_SOCK_NAME_PID_SHIFT;
	uint64_t a, b, c;

	(void)state;
	sl_pid = 4242;
	sl_sock_names_init();
	a = sl_sock_name(-1);
	b = sl_sock_name(-1);
	assert_true(sl_is_sock_name(a) && sl_is_sock_name(b));
	assert_false(a & SL_EPOLL_ID_BIT);
	assert_true(a != b);
	assert_int_equal(b - a, 1ull << SL_SOCK_NAME_SEQ_SHIFT);
	/* Exact as a double: JSON readers that hold numbers so (jq 1.6,
	 * JavaScript) see each name as it is. */
	assert_true((uint64_t)(double)a == a && (uint64_t)(double)b == b);
	assert_int_equal((a & pidmask) >> SL_SOCK_NAME_PID_SHIFT, 4242);
	assert_false(sl_is_sock_name(123456));
	assert_false(sl_is_sock_name(SL_EPOLL_ID_BIT | 5));
	sl_pid = 4243;
	sl_sock_names_after_fork();
	c = sl_sock_name(-1);
	assert_true(sl_is_sock_name(c));
	assert_int_equal((c & pidmask) >> SL_SOCK_NAME_PID_SHIFT, 4243);
	assert_int_equal(c & SL_SOCK_NAME_SEQ_MASK, 0);
	/* 2^14 names later the salt has moved on: still tagged, exact. */
	for (int i = 0; i < (1 << SL_SOCK_NAME_SEQ_BITS); i++)
		b = sl_sock_name(-1);
	assert_true(sl_is_sock_name(b) && (uint64_t)(double)b == b);
	assert_int_equal((b & pidmask) >> SL_SOCK_NAME_PID_SHIFT, 4243);
	assert_int_equal(b & SL_SOCK_NAME_SEQ_MASK, 0);
	assert_int_equal(((b >> SL_SOCK_NAME_SALT_SHIFT) -
			  (c >> SL_SOCK_NAME_SALT_SHIFT)) & 0xffff, 1);
	/* Under SOCKLENS_INODE=1 a socket is its kernel inode: none here. */
	sl_cfg.inode = true;
	assert_int_equal(sl_sock_name(-1), 0);
	sl_cfg.inode = false;
	sl_pid = getpid();
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
	e->peeks = 2;
	e->flags |= SL_FD_EOF;
	e = sl_fd_track(13, 2, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(e->tx_bytes, 0);
	assert_int_equal(e->peeks, 0);
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
	e->peeks = 5;
	sl_fd_after_fork();
	assert_int_equal(e->tx_bytes, 0);
	assert_int_equal(e->rx_bytes, 0);
	assert_int_equal(e->rx_calls, 0);
	assert_int_equal(e->eagain, 0);
	assert_int_equal(e->peeks, 0);
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

static void test_epoll_ids_are_marked_and_distinct(void **state)
{
	uint64_t a = sl_epoll_id_new(), b = sl_epoll_id_new();

	(void)state;
	assert_true(a & SL_EPOLL_ID_BIT);
	assert_true(b & SL_EPOLL_ID_BIT);
	assert_int_not_equal(a, b);
	assert_false(sl_is_sock_name(a));
	/* Exact as doubles, so JSON readers keep them apart. */
	assert_true((uint64_t)(double)a == a && (uint64_t)(double)b == b);
	assert_true((double)a != (double)b);
}

static void test_adopt_socket_epoll_and_other(void **state)
{
	int sv[2], p[2], ep, family = -1, type = -1;
	struct stat st;
	struct sl_fd *e;
	uint64_t id;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv),
			 0);
	fstat(sv[0], &st);
	assert_int_equal(sl_fd_adopt(sv[0], &family, &type), st.st_ino);
	assert_int_equal(family, AF_UNIX);
	assert_int_equal(type, SOCK_DGRAM);
	e = sl_fd_get(sv[0]);
	assert_non_null(e);
	assert_true(e->flags & SL_FD_NONBLOCK);
	assert_false(e->flags & SL_FD_INHERITED);
	sl_fd_forget(sv[0]);

	ep = epoll_create1(0);
	id = sl_fd_adopt(ep, &family, &type);
	assert_true(id & SL_EPOLL_ID_BIT);
	assert_int_equal(family, 0);
	assert_non_null(sl_fd_get(ep));
	assert_true(sl_fd_get(ep)->flags & SL_FD_EPOLL);
	sl_fd_forget(ep);

	assert_int_equal(pipe(p), 0);
	/* A stale entry at the number (its close unseen) goes. */
	sl_fd_track(p[0], 4242, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(sl_fd_adopt(p[0], &family, &type), 0);
	assert_null(sl_fd_get(p[0]));
	close(sv[0]);
	close(sv[1]);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void collect_fd(int fd, void *arg)
{
	int *seen = arg;

	seen[++seen[0]] = fd;
}

/* LEN bytes of control data at the end of a page whose next page is not
 * mapped: a walk that reads past LEN faults. */
static unsigned char *guarded(size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + pg, (size_t)pg, PROT_NONE), 0);
	return p + pg - len;
}

static size_t put_cmsg(unsigned char *at, int level, int type,
		       const void *data, size_t len)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(len), .cmsg_level = level,
			     .cmsg_type = type };

	memcpy(at, &h, sizeof(h));
	memcpy(at + CMSG_LEN(0), data, len);
	return CMSG_SPACE(len);
}

static void test_scm_walk_finds_rights_only(void **state)
{
	struct ucred cred = { 1, 2, 3 };
	int fds[3] = { 7, 8, 9 }, seen[8] = { 0 };
	size_t len = CMSG_SPACE(sizeof(cred)) + CMSG_LEN(sizeof(fds));
	unsigned char *ctl = guarded(len);
	size_t off;

	(void)state;
	off = put_cmsg(ctl, SOL_SOCKET, SCM_CREDENTIALS, &cred, sizeof(cred));
	/* The last message is not padded: the kernel need not pad it. */
	memcpy(ctl + off, &(struct cmsghdr){ .cmsg_len = CMSG_LEN(sizeof(fds)),
		.cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS },
	       sizeof(struct cmsghdr));
	memcpy(ctl + off + CMSG_LEN(0), fds, sizeof(fds));
	assert_int_equal(sl_scm_walk(ctl, len, collect_fd, seen), 3);
	assert_int_equal(seen[0], 3);
	assert_int_equal(seen[1], 7);
	assert_int_equal(seen[3], 9);
}

static void test_scm_walk_stays_inside(void **state)
{
	int fds[2] = { 4, 5 }, seen[8] = { 0 };
	size_t len = CMSG_SPACE(sizeof(fds));
	unsigned char *ctl = guarded(len);
	struct cmsghdr h;

	(void)state;
	put_cmsg(ctl, SOL_SOCKET, SCM_RIGHTS, fds, sizeof(fds));
	/* A header that claims more than the buffer holds ends the walk. */
	memcpy(&h, ctl, sizeof(h));
	h.cmsg_len = len + 1;
	memcpy(ctl, &h, sizeof(h));
	assert_int_equal(sl_scm_walk(ctl, len, collect_fd, seen), 0);
	/* So does one shorter than a header. */
	h.cmsg_len = 3;
	memcpy(ctl, &h, sizeof(h));
	assert_int_equal(sl_scm_walk(ctl, len, collect_fd, seen), 0);
	/* A buffer shorter than a header, or none, holds nothing. */
	assert_int_equal(sl_scm_walk(ctl + len - 4, 4, collect_fd, seen), 0);
	assert_int_equal(sl_scm_walk(NULL, 64, collect_fd, seen), 0);
	/* Cut short (MSG_CTRUNC): the header counts the fds installed. */
	h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(ctl, &h, sizeof(h));
	assert_int_equal(sl_scm_walk(ctl, len, collect_fd, seen), 1);
	assert_int_equal(seen[1], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_untracked_fd_is_null, setup),
		cmocka_unit_test_setup(test_sock_names, setup),
		cmocka_unit_test_setup(test_track_get_forget, setup),
		cmocka_unit_test_setup(test_datagram_wants_peer, setup),
		cmocka_unit_test_setup(test_track_refuses_past_cap_and_inode_zero, setup),
		cmocka_unit_test_setup(test_retrack_clears_counters, setup),
		cmocka_unit_test_setup(test_after_fork_zeroes_and_marks_inherited, setup),
		cmocka_unit_test_setup(test_inode_of_tells_sockets, setup),
		cmocka_unit_test_setup(test_epoll_ids_are_marked_and_distinct, setup),
		cmocka_unit_test_setup(test_adopt_socket_epoll_and_other, setup),
		cmocka_unit_test(test_scm_walk_finds_rights_only),
		cmocka_unit_test(test_scm_walk_stays_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
