/*
 * Wrappers for the calls that end or copy an fd: close, close_range,
 * closefrom, dup, dup2, dup3 and fcntl (F_DUPFD, F_DUPFD_CLOEXEC, and
 * F_SETFL for O_NONBLOCK).
 *
 * They also keep our transport fd ours (DESIGN.md 5): closing it answers
 * EBADF, as it would have without us; a dup2 onto it moves our
 * connection out of the way first; ranges skip it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

/*
 * Records the end of FD's hold on its socket. Called before the real close
 * with a copy of the entry: once the number is free another thread may
 * take it, and its new entry must not be wiped by us.
 */
static void forget_and_record(int fd, uint16_t call, int64_t implicit,
			      uint64_t ts, uint64_t caller)
{
	struct sl_fd copy;
	struct sl_call_info ci = {
		.call = call, .fd = fd, .ts = ts, .caller = caller,
		.arg0 = implicit, .ent = &copy,
	};

	sl_fd_snapshot(&sl_fds[fd], &copy);
	ci.inode = copy.inode;
	sl_fd_forget(fd);
	sl_emit(&ci);
}

SL_EXPORT int close(int fd)
{
	struct sl_fd *e = sl_traced(fd);

	if (sl_unlikely(sl_is_transport_fd(fd)) && sl_active()) {
		errno = EBADF;
		return -1;
	}
	if (!e)
		return SL_REAL(close)(fd);
	/* Linux frees the fd even when close fails (EINTR, EIO). */
	forget_and_record(fd, SL_CALL_CLOSE, 0, sl_now_ns(), SL_CALLER());
	return SL_REAL(close)(fd);
}

/* NEWFD now names what OLDFD names: follow it if OLDFD is followed. */
static void on_dup(int oldfd, int newfd, uint16_t call, uint64_t ts,
		   uint64_t caller, int64_t flags)
{
	struct sl_fd *o = sl_fd_get(oldfd);
	struct sl_call_info ci = {
		.call = call, .fd = oldfd, .ret = newfd, .ts = ts,
		.caller = caller, .arg0 = flags,
	};

	if (!o || newfd < 0 || newfd == oldfd)
		return;
	ci.inode = ci.inode2 = sl_fd_inode(o);
	ci.dur = sl_now_ns() - ts;
	/* dup'ed fds share one open file description, so O_NONBLOCK. */
	sl_fd_track(newfd, ci.inode, SL_LOAD(o->family), SL_LOAD(o->type),
		    sl_fd_flags(o) & SL_FD_NONBLOCK);
	sl_emit(&ci);
}

SL_EXPORT int dup(int oldfd)
{
	uint64_t ts;
	int nfd, err;

	if (!sl_traced(oldfd))
		return SL_REAL(dup)(oldfd);
	ts = sl_now_ns();
	nfd = SL_REAL(dup)(oldfd);
	err = errno;
	on_dup(oldfd, nfd, SL_CALL_DUP, ts, SL_CALLER(), 0);
	errno = err;
	return nfd;
}

/*
 * dup2 and dup3 onto NEWFD close what NEWFD held. If that was our
 * transport, move the transport first; if it was a socket we follow,
 * record its close (arg0 1: closed by dup2).
 */
static int do_dup23(int oldfd, int newfd, int flags, uint16_t call,
		    uint64_t caller)
{
	uint64_t ts = sl_now_ns();
	struct sl_fd *held = newfd != oldfd ? sl_fd_get(newfd) : NULL;
	struct sl_fd copy;
	int ret, err;

	if (sl_transport_move_from(newfd) < 0) {
		errno = EMFILE;
		return -1;
	}
	if (held)
		sl_fd_snapshot(held, &copy);
	ret = call == SL_CALL_DUP3 ? SL_REAL(dup3)(oldfd, newfd, flags) :
				     SL_REAL(dup2)(oldfd, newfd);
	err = errno;
	if (ret >= 0 && held) {
		struct sl_call_info ci = {
			.call = SL_CALL_CLOSE, .fd = newfd, .ts = ts,
			.caller = caller, .inode = copy.inode, .arg0 = 1,
			.ent = &copy,
		};

		sl_fd_forget(newfd);
		sl_emit(&ci);
	}
	on_dup(oldfd, ret, call, ts, caller, flags);
	errno = err;
	return ret;
}

SL_EXPORT int dup2(int oldfd, int newfd)
{
	if (!sl_active() || (!sl_fd_get(oldfd) && !sl_fd_get(newfd) &&
			     !sl_is_transport_fd(newfd)))
		return SL_REAL(dup2)(oldfd, newfd);
	return do_dup23(oldfd, newfd, 0, SL_CALL_DUP2, SL_CALLER());
}

SL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!sl_active() || (!sl_fd_get(oldfd) && !sl_fd_get(newfd) &&
			     !sl_is_transport_fd(newfd)))
		return SL_REAL(dup3)(oldfd, newfd, flags);
	return do_dup23(oldfd, newfd, flags, SL_CALL_DUP3, SL_CALLER());
}

/*
 * fcntl's third argument is an int or a pointer; a void * read from the
 * va_list carries either, and the real fcntl reads back what it expects.
 */
static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg,
		    uint64_t caller)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret, err;

	if (!e)
		return real(fd, cmd, arg);
	ts = sl_now_ns();
	ret = real(fd, cmd, arg);
	err = errno;
	if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		on_dup(fd, ret, SL_CALL_FCNTL, ts, caller, cmd);
	else if (ret >= 0 && cmd == F_SETFL && ((long)arg & O_NONBLOCK))
		sl_fd_set(e, SL_FD_NONBLOCK);
	else if (ret >= 0 && cmd == F_SETFL)
		sl_fd_clear(e, SL_FD_NONBLOCK);
	errno = err;
	return ret;
}

SL_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(SL_REAL(fcntl), fd, cmd, arg, SL_CALLER());
}

SL_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(SL_REAL(fcntl64) ? sl_real.fcntl64 : sl_real.fcntl,
			fd, cmd, arg, SL_CALLER());
}

static int real_close_range(unsigned int first, unsigned int last, int flags)
{
	if (SL_REAL(close_range))
		return sl_real.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

/*
 * Closes [first, last] but our transport fd. Records each followed socket
 * in the range first: close_range only fails on bad arguments, which are
 * checked before anything is recorded.
 */
static int close_range_but_ours(unsigned int first, unsigned int last,
				int flags, uint16_t call, uint64_t caller)
{
	int t = sl_transport_fd();
	unsigned int high = (unsigned int)sl_fd_high();
	uint64_t ts = sl_now_ns();
	int ret;

	if (first > last || (flags & CLOSE_RANGE_CLOEXEC))
		return real_close_range(first, last, flags);
	for (unsigned int fd = first; fd <= last && fd < high; fd++)
		if (sl_fd_get((int)fd))
			forget_and_record((int)fd, call, 0, ts, caller);
	if (t < 0 || (unsigned int)t < first || (unsigned int)t > last)
		return real_close_range(first, last, flags);
	ret = 0;
	if ((unsigned int)t > first)
		ret = real_close_range(first, (unsigned int)t - 1, flags);
	if (ret == 0 && (unsigned int)t < last)
		ret = real_close_range((unsigned int)t + 1, last, flags);
	return ret;
}

SL_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!sl_active())
		return real_close_range(first, last, flags);
	return close_range_but_ours(first, last, flags, SL_CALL_CLOSE_RANGE,
				    SL_CALLER());
}

SL_EXPORT void closefrom(int lowfd)
{
	int err = errno;

	if (!sl_active() || lowfd < 0) {
		if (SL_REAL(closefrom))
			sl_real.closefrom(lowfd);
		return;
	}
	/* glibc's closefrom falls back to /proc when close_range is
	 * missing; on such kernels, so do we, one close at a time. */
	if (close_range_but_ours((unsigned int)lowfd, ~0u, 0,
				 SL_CALL_CLOSEFROM, SL_CALLER()) < 0) {
		for (int fd = lowfd; fd < sl_fd_cap; fd++)
			if (!sl_is_transport_fd(fd))
				SL_REAL(close)(fd);
	}
	errno = err;
}
