/*
 * libc's syscall(): the calls a program makes by number. libuv (Node.js)
 * closes every fd with syscall(SYS_close, fd), libseccomp installs its
 * filter with syscall(SYS_seccomp), and any program may reach a socket
 * call so; a tracer that missed them would show sockets that never close
 * and fds that inherit a dead socket's counters.
 *
 * Dispatch: one table, indexed by the system call's number, holds a
 * handler for each number that concerns sockets (the rows below). Every
 * other number (futex, getrandom, gettid...) pays a bounds check and one
 * load, and jumps to libc's syscall with its arguments where they lie.
 * A call about one fd (SC_FD: close, the I/O calls, fcntl...) on an fd
 * we do not follow goes the same way after one more lookup, in the fd
 * table.
 * That is why the entry takes seven longs rather than `...`: on x86-64
 * and arm64 a variadic call passes its arguments exactly as a fixed one
 * does (registers, then the stack), and libc's syscall itself reads all
 * six whatever the caller passed; a fixed entry lets the compiler make
 * the pass-through a tail jump instead of unpacking a va_list.
 * Elsewhere the entry unpacks a va_list.
 *
 * A handler makes the real call as the raw system call, with the
 * program's own arguments (epoll_pwait's and ppoll's sigsetsize,
 * pselect6's packed sigmask, recvmmsg's timeout go through untouched),
 * never through the libc function of that name: a program that chose
 * syscall() may have done so to avoid that function (a cancellation
 * point, a conversion). The exceptions, each as the named wrapper does:
 * accept with no address gets a buffer of ours; close_range is split
 * around our connection's fd; a policy may change a setsockopt's value.
 * Around the real call a handler runs the same halves as the named
 * wrapper (wrap.h), so the records are the same but for SL_F_SYSCALL
 * (wait and epoll_ctl records have no flags, and look the same).
 *
 * The preload's own system calls go to libc's syscall through SL_REAL,
 * never through this entry. To follow another number: its handler here
 * (or beside its named wrapper, as the epoll and wait handlers in
 * wrap_epoll.c and wrap_wait.c, seccomp's in wrap_sandbox.c and the
 * resource limits' in wrap_rlimit.c), its row in the table, a case in
 * tests/helpers/raw_calls.c and errno_check.c (preload/README.md,
 * "syscall() by number").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "fault_wire.h"
#include "peek.h"
#include "wrap.h"

/* One past the highest number in the table (epoll_pwait2, 441, on both
 * x86-64 and arm64). */
#define SC_NR 448

/* ---- ending and copying fds ---- */

static long sc_close(long nr, const long *a, struct sl_site site)
{
	int fd = (int)a[0];
	struct sl_close cl;
	long ret;

	if (!sl_close_begin(fd, sl_traced(fd), site, &cl)) {
		errno = EBADF;
		return -1;
	}
	ret = sl_raw_syscall(nr, a);
	sl_close_end(&cl);
	return ret;
}

static long sc_close_range(long nr, const long *a, struct sl_site site)
{
	(void)nr;
	return sl_close_range((unsigned int)a[0], (unsigned int)a[1],
			      (int)a[2], SL_CALL_CLOSE_RANGE, site);
}

static long sc_dup(long nr, const long *a, struct sl_site site)
{
	uint64_t ts;
	long n;

	if (!sl_traced((int)a[0]))
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	n = sl_raw_syscall(nr, a);
	sl_dup_done((int)a[0], (int)n, SL_CALL_DUP, ts, 0, site);
	return n;
}

/* dup2 (x86-64 only) and dup3. */
static long sc_dup23(long nr, const long *a, struct sl_site site)
{
	bool three = nr == SYS_dup3;
	int oldfd = (int)a[0], newfd = (int)a[1];
	struct sl_dup23 d;
	long n;

	if (!sl_dup23_wanted(oldfd, newfd))
		return sl_raw_syscall(nr, a);
	if (sl_dup23_begin(&d, oldfd, newfd) < 0) {
		errno = EMFILE;
		return -1;
	}
	n = sl_raw_syscall(nr, a);
	sl_dup23_done(&d, oldfd, newfd, (int)n, three ? (int)a[2] : 0,
		      three ? SL_CALL_DUP3 : SL_CALL_DUP2, site);
	return n;
}

static long sc_fcntl(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	uint64_t ts;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	n = sl_raw_syscall(nr, a);
	sl_fcntl_done(e, (int)a[0], (int)a[1], a[2], (int)n, ts, site);
	return n;
}

static long sc_ioctl(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	long n = sl_raw_syscall(nr, a);

	(void)site;
	if (e && (unsigned int)a[1] == FIONBIO && n >= 0)
		sl_fionbio_done(e, (const void *)a[2]);
	return n;
}

/* ---- a socket's life ---- */

static long sc_socket(long nr, const long *a, struct sl_site site)
{
	uint64_t t0 = sl_now_ns();
	long fd = sl_raw_syscall(nr, a);

	sl_socket_done((int)fd, (int)a[0], (int)a[1], (int)a[2], t0, site);
	return fd;
}

static long sc_socketpair(long nr, const long *a, struct sl_site site)
{
	uint64_t t0 = sl_now_ns();
	long ret = sl_raw_syscall(nr, a);

	sl_socketpair_done((int)a[0], (int)a[1], (const int *)a[3], (int)ret,
			   t0, site);
	return ret;
}

static long sc_bind(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	uint64_t ts;
	long ret;

	if (!e)
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	ret = sl_raw_syscall(nr, a);
	sl_bind_done(e, (int)a[0], (const struct sockaddr *)a[1],
		     (socklen_t)a[2], (int)ret, ts, site);
	return ret;
}

static long sc_listen(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	uint64_t ts;
	long ret;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_listen_begin(e, (int)a[0], site);
	ts = sl_now_ns();
	ret = sl_raw_syscall(nr, a);
	sl_listen_done(e, (int)a[0], (int)a[1], (int)ret, ts, site);
	return ret;
}

static long sc_connect(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	const struct sockaddr *addr = (const struct sockaddr *)a[1];
	struct sockaddr_storage remote;
	socklen_t rl;
	uint64_t ts;
	long ret;

	if (!e)
		return sl_raw_syscall(nr, a);
	rl = sl_connect_begin(e, (int)a[0], addr, (socklen_t)a[2], &remote,
			      site);
	ts = sl_now_ns();
	ret = sl_fault_on ? sl_fault_connect(e, (int)a[0], addr,
					     (socklen_t)a[2], site.caller) : 1;
	if (ret > 0)
		ret = sl_raw_syscall(nr, a);
	sl_connect_done(e, (int)a[0], addr, (socklen_t)a[2], (int)ret, ts,
			&remote, rl, site);
	return ret;
}

/* accept and accept4: the address buffer may be ours (wrap_accept.c). */
static long sc_accept(long nr, const long *a, struct sl_site site)
{
	bool four = nr == SYS_accept4;
	struct sl_accept ac;
	long n;

	sl_accept_begin(&ac, (int)a[0], (struct sockaddr *)a[1],
			(socklen_t *)a[2]);
	if (sl_unlikely(sl_fault_on) &&
	    sl_fault_accept(ac.l, (int)a[0], site.caller) < 0)
		n = -1;
	else
		n = SL_REAL(syscall)(nr, a[0], (long)ac.a, (long)ac.alen,
				     a[3], a[4], a[5]);
	sl_accept_done(&ac, (int)a[0], (int)n, four ? (int)a[3] : 0,
		       four ? SL_CALL_ACCEPT4 : SL_CALL_ACCEPT, site);
	return n;
}

static long sc_shutdown(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	uint64_t ts;
	long ret;

	if (!e)
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	ret = sl_raw_syscall(nr, a);
	sl_shutdown_done(e, (int)a[0], (int)a[1], (int)ret, ts, site);
	return ret;
}

/* ---- I/O ---- */

/* The real I/O call, through the fault engine when it has a say. */
static long sc_io(struct sl_fd *e, long nr, const long *a,
		  struct sl_site site)
{
	if (sl_unlikely(sl_fault_on) && sl_fault_wants(e, (int)a[0]))
		return sl_fault_syscall(e, nr, a, site.caller);
	return sl_raw_syscall(nr, a);
}

/* read, write, readv, writev: no flags; A[2] is the length or count. */
static long sc_rw(long nr, const long *a, struct sl_site site)
{
	static const struct {
		long nr;
		uint16_t call;
		bool rx;
	} rows[] = {
		{ SYS_read, SL_CALL_READ, true },
		{ SYS_write, SL_CALL_WRITE, false },
		{ SYS_readv, SL_CALL_READV, true },
		{ SYS_writev, SL_CALL_WRITEV, false },
	};
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	unsigned int i = 0;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	while (rows[i].nr != nr && i < sizeof(rows) / sizeof(rows[0]) - 1)
		i++;
	sl_io_begin(&io, e, 0, rows[i].rx, rows[i].call, (size_t)a[2], site);
	n = sc_io(e, nr, a, site);
	sl_io_done(e, (int)a[0], n, &io);
	if (nr == SYS_read || nr == SYS_write)
		sl_peek_io(e, (int)a[0], &io, (const void *)a[1], n);
	else
		sl_peek_iov(e, (int)a[0], &io, (const struct iovec *)a[1],
			    (int)a[2], n);
	return n;
}

static long sc_sendto(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[3], false, SL_CALL_SENDTO, (size_t)a[2],
		    site);
	n = sc_io(e, nr, a, site);
	if (n >= 0) {
		io.peer = (const struct sockaddr *)a[4];
		io.peer_len = sl_sane_len((socklen_t)a[5]);
	}
	sl_io_done(e, (int)a[0], n, &io);
	sl_peek_io(e, (int)a[0], &io, (const void *)a[1], n);
	return n;
}

static long sc_recvfrom(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[3], true, SL_CALL_RECVFROM, (size_t)a[2],
		    site);
	n = sc_io(e, nr, a, site);
	sl_io_from(&io, n, (const struct sockaddr *)a[4],
		   (const socklen_t *)a[5]);
	sl_io_done(e, (int)a[0], n, &io);
	sl_peek_io(e, (int)a[0], &io, (const void *)a[1], n);
	return n;
}

static long sc_sendmsg(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[2], false, SL_CALL_SENDMSG, 1, site);
	sl_io_stamp_unix(&io, e);
	n = sc_io(e, nr, a, site);
	sl_sendmsg_done(e, (int)a[0], (const struct msghdr *)a[1], n, &io);
	return n;
}

static long sc_recvmsg(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[2], true, SL_CALL_RECVMSG, 1, site);
	n = sc_io(e, nr, a, site);
	sl_recvmsg_done(e, (int)a[0], (const struct msghdr *)a[1], n, &io);
	return n;
}

static long sc_sendmmsg(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[3], false, SL_CALL_SENDMMSG,
		    (unsigned int)a[2], site);
	sl_io_stamp_unix(&io, e);
	n = sc_io(e, nr, a, site);
	sl_sendmmsg_done(e, (int)a[0], (const struct mmsghdr *)a[1], (int)n,
			 &io);
	return n;
}

static long sc_recvmmsg(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	struct sl_io io;
	long n;

	if (!e)
		return sl_raw_syscall(nr, a);
	sl_io_begin(&io, e, (int)a[3], true, SL_CALL_RECVMMSG,
		    (unsigned int)a[2], site);
	n = sc_io(e, nr, a, site);
	sl_recvmmsg_done(e, (int)a[0], (const struct mmsghdr *)a[1], (int)n,
			 &io);
	return n;
}

static long sc_sendfile(long nr, const long *a, struct sl_site site)
{
	struct sl_sendfile sf;
	long n;

	if (!sl_sendfile_begin(&sf, (int)a[0], (int)a[1], (size_t)a[3], site))
		return sl_raw_syscall(nr, a);
	n = sf.eo ? sc_io(sf.eo, nr, a, site) : sl_raw_syscall(nr, a);
	sl_sendfile_done(&sf, n);
	return n;
}

/* ---- options ---- */

static int raw_setsockopt(int fd, int level, int name, const void *val,
			  socklen_t len)
{
	return (int)SL_REAL(syscall)(SYS_setsockopt, fd, level, name, val, len);
}

static long sc_setsockopt(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);

	if (!e)
		return sl_raw_syscall(nr, a);
	return sl_setsockopt(e, (int)a[0], (int)a[1], (int)a[2],
			     (const void *)a[3], (socklen_t)a[4],
			     raw_setsockopt, site);
}

static long sc_getsockopt(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *e = sl_traced((int)a[0]);
	uint64_t ts;
	long ret;

	if (!sl_getsockopt_wanted(e, (int)a[1], (int)a[2]))
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	ret = sl_raw_syscall(nr, a);
	sl_getsockopt_done(e, (int)a[0], (int)a[1], (const void *)a[3],
			   (const socklen_t *)a[4], (int)ret, ts, site);
	return ret;
}

/*
 * How a number is handled. SC_FD: the call concerns the fd in its first
 * argument only, so one we do not follow goes straight to the kernel
 * without its handler; SC_OURS: unless that fd is our connection's.
 */
#define SC_FD	0x1u
#define SC_OURS	0x2u

struct sc_row {
	sl_syscall_fn *fn;
	unsigned int how;
};

/* The numbers we follow; the ones only x86-64 has are guarded. */
static const struct sc_row rows[SC_NR] = {
	[SYS_close] = { sc_close, SC_FD | SC_OURS },
	[SYS_close_range] = { sc_close_range, 0 },
	[SYS_dup] = { sc_dup, SC_FD },
#ifdef SYS_dup2
	[SYS_dup2] = { sc_dup23, 0 },
#endif
	[SYS_dup3] = { sc_dup23, 0 },
	[SYS_fcntl] = { sc_fcntl, SC_FD },
	[SYS_ioctl] = { sc_ioctl, SC_FD },
	[SYS_socket] = { sc_socket, 0 },
	[SYS_socketpair] = { sc_socketpair, 0 },
	[SYS_bind] = { sc_bind, SC_FD },
	[SYS_listen] = { sc_listen, SC_FD },
	[SYS_connect] = { sc_connect, SC_FD },
	[SYS_accept] = { sc_accept, 0 },
	[SYS_accept4] = { sc_accept, 0 },
	[SYS_shutdown] = { sc_shutdown, SC_FD },
	[SYS_read] = { sc_rw, SC_FD },
	[SYS_write] = { sc_rw, SC_FD },
	[SYS_readv] = { sc_rw, SC_FD },
	[SYS_writev] = { sc_rw, SC_FD },
	[SYS_sendto] = { sc_sendto, SC_FD },
	[SYS_recvfrom] = { sc_recvfrom, SC_FD },
	[SYS_sendmsg] = { sc_sendmsg, SC_FD },
	[SYS_recvmsg] = { sc_recvmsg, SC_FD },
	[SYS_sendmmsg] = { sc_sendmmsg, SC_FD },
	[SYS_recvmmsg] = { sc_recvmmsg, SC_FD },
	[SYS_sendfile] = { sc_sendfile, 0 },
	[SYS_setsockopt] = { sc_setsockopt, SC_FD },
	[SYS_getsockopt] = { sc_getsockopt, SC_FD },
#ifdef SYS_epoll_create
	[SYS_epoll_create] = { sl_epoll_create_syscall, 0 },
#endif
	[SYS_epoll_create1] = { sl_epoll_create_syscall, 0 },
	[SYS_epoll_ctl] = { sl_epoll_ctl_syscall, SC_FD },
#ifdef SYS_epoll_wait
	[SYS_epoll_wait] = { sl_epoll_wait_syscall, 0 },
#endif
	[SYS_epoll_pwait] = { sl_epoll_wait_syscall, 0 },
	[SYS_epoll_pwait2] = { sl_epoll_wait_syscall, 0 },
#ifdef SYS_poll
	[SYS_poll] = { sl_poll_syscall, 0 },
#endif
	[SYS_ppoll] = { sl_poll_syscall, 0 },
#ifdef SYS_select
	[SYS_select] = { sl_select_syscall, 0 },
#endif
	[SYS_pselect6] = { sl_select_syscall, 0 },
	[SYS_seccomp] = { sl_sandbox_syscall, 0 },
	[SYS_setrlimit] = { sl_rlimit_syscall, 0 },
	[SYS_prlimit64] = { sl_rlimit_syscall, 0 },
};

/* Whether the call NR with first argument A1 may concern us: a number
 * of the table, and if it is about one fd, an fd we follow (or ours). */
static inline bool concerns_us(long nr, long a1)
{
	unsigned int how;

	if (sl_likely((unsigned long)nr >= SC_NR || !rows[nr].fn))
		return false;
	how = rows[nr].how;
	return !(how & SC_FD) || sl_fd_get((int)a1) ||
	       ((how & SC_OURS) && sl_is_transport_fd((int)a1));
}

/* A call that concerns us: its handler, once tracing is known to be on. */
static __attribute__((noinline)) long
dispatch(long nr, long a1, long a2, long a3, long a4, long a5, long a6,
	 uint64_t caller)
{
	const long a[6] = { a1, a2, a3, a4, a5, a6 };
	struct sl_site site = { caller, SL_F_SYSCALL };

	if (!sl_active())
		return sl_raw_syscall(nr, a);
	return rows[nr].fn(nr, a, site);
}

#if defined(__x86_64__) || defined(__aarch64__)
/* The exported syscall, under a name of its own: <unistd.h> declares
 * syscall with `...`, and this definition has seven longs. */
SL_EXPORT long sl_syscall_entry(long nr, long a1, long a2, long a3, long a4,
				long a5, long a6) __asm__("syscall");

long sl_syscall_entry(long nr, long a1, long a2, long a3, long a4, long a5,
		      long a6)
{
	if (sl_likely(!concerns_us(nr, a1)))
		return SL_REAL(syscall)(nr, a1, a2, a3, a4, a5, a6);
	return dispatch(nr, a1, a2, a3, a4, a5, a6, SL_CALLER());
}
#else
SL_EXPORT long syscall(long nr, ...)
{
	long a1, a2, a3, a4, a5, a6;
	va_list ap;

	va_start(ap, nr);
	a1 = va_arg(ap, long);
	a2 = va_arg(ap, long);
	a3 = va_arg(ap, long);
	a4 = va_arg(ap, long);
	a5 = va_arg(ap, long);
	a6 = va_arg(ap, long);
	va_end(ap);
	if (sl_likely(!concerns_us(nr, a1)))
		return SL_REAL(syscall)(nr, a1, a2, a3, a4, a5, a6);
	return dispatch(nr, a1, a2, a3, a4, a5, a6, SL_CALLER());
}
#endif
