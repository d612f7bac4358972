/*
 * Wrappers for the calls that end or copy an fd: close, close_range,
 * closefrom, dup, dup2, dup3 and fcntl (F_DUPFD, F_DUPFD_CLOEXEC, and
 * F_SETFL for O_NONBLOCK).
 *
 * They also keep our transport fd ours: closing it answers EBADF, as it
 * would have without us; a dup2 onto it moves our connection out of the
 * way first; ranges skip it. Their halves (wrap.h) serve the same calls
 * made through syscall(), which is how libuv closes every fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "peek.h"
#include "wrap.h"

/*
 * Records the end of FD's hold on its socket. Called before the real close
 * with a copy of the entry: once the number is free another thread may
 * take it, and its new entry must not be wiped by us.
 */
static inline __attribute__((always_inline)) void
close_record(int fd, uint16_t call, int64_t implicit, uint64_t ts,
	     struct sl_site site)
{
	struct sl_rec_call *r;

	sl_wf_close_stamped(&sl_fds[fd], fd);
	r = sl_call_begin(call, fd, &sl_fds[fd], ts, site);
	sl_fd_forget(fd);
	if (!r)
		return;
	r->arg0 = implicit;
	sl_call_done();
}

/*
 * Records the end of FD's hold on its socket. Called before the real
 * close: the record is built in place from the entry, which is then let
 * go, since once the number is free another thread may take it, and
 * its new entry must not be wiped by us.
 */
void sl_close_record(int fd, uint16_t call, int64_t implicit, uint64_t ts,
		     struct sl_site site)
{
	close_record(fd, call, implicit, ts, site);
}

/* The first half of a followed socket's close (wrap.h); close() has it
 * inline. */
static inline __attribute__((always_inline)) void
close_early(int fd, struct sl_fd *e, struct sl_site site, struct sl_close *cl)
{
	uint64_t ts;

	/* Before the stamp: TCP_INFO is a system call. */
	sl_wf_close(e, fd);
	ts = sl_now_ns();
	if (!(__atomic_load_n(&e->flags, __ATOMIC_RELAXED) &
	      (SL_FD_SHARED | SL_FD_INHERITED))) {
		close_record(fd, SL_CALL_CLOSE, 0, ts, site);
		return;
	}
	sl_fd_snapshot(e, &cl->copy);
	sl_fd_forget(fd);
	cl->late = true;
	cl->fd = fd;
	cl->ts = ts;
	cl->site = site;
}

void sl_close_early(int fd, struct sl_fd *e, struct sl_site site,
		    struct sl_close *cl)
{
	close_early(fd, e, site, cl);
}

void sl_close_late(struct sl_close *cl)
{
	int saved = errno;
	uint64_t now = sl_now_ns();
	struct sl_rec_call *r = sl_call_begin(SL_CALL_CLOSE, cl->fd, &cl->copy,
					      cl->ts, cl->site);

	if (r) {
		r->dur_ns = now - cl->ts;
		sl_call_done();
	}
	errno = saved;
}

SL_EXPORT int close(int fd)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_close cl;
	int ret;

	/* sl_close_begin (wrap.h), with the first half inline. */
	cl.late = false;
	if (sl_unlikely(sl_is_transport_fd(fd)) && sl_active()) {
		errno = EBADF;
		return -1;
	}
	if (e)
		close_early(fd, e, SL_SITE(), &cl);
	ret = SL_REAL(close)(fd);
	sl_close_end(&cl);
	return ret;
}

/* NEWFD now names what OLDFD names: follow it if OLDFD is followed. */
void sl_dup_done(int oldfd, int newfd, uint16_t call, uint64_t ts,
		 int64_t flags, struct sl_site site)
{
	struct sl_fd *o = sl_fd_get(oldfd);
	struct sl_call_info ci = {
		.call = call, .flags = site.flags, .fd = oldfd, .ret = newfd,
		.ts = ts, .caller = site.caller, .arg0 = flags,
	};

	int err = errno;

	if (!o || newfd < 0 || newfd == oldfd)
		return;
	ci.inode = ci.inode2 = sl_fd_inode(o);
	ci.dur = sl_now_ns() - ts;
	/* Onto stdin, stdout or stderr: stdio's from now on. */
	if (newfd <= STDERR_FILENO)
		ci.flags |= SL_F_STDIO;
	/* dup'ed fds share one open file description, so O_NONBLOCK. */
	sl_fd_track(newfd, ci.inode, SL_LOAD(o->family), SL_LOAD(o->type),
		    sl_fd_flags(o) & SL_FD_NONBLOCK);
	sl_emit(&ci);
	errno = err;
}

SL_EXPORT int dup(int oldfd)
{
	uint64_t ts;
	int nfd;

	if (!sl_traced(oldfd))
		return SL_REAL(dup)(oldfd);
	ts = sl_now_ns();
	nfd = SL_REAL(dup)(oldfd);
	sl_dup_done(oldfd, nfd, SL_CALL_DUP, ts, 0, SL_SITE());
	return nfd;
}

/* Whether a dup2 or dup3 concerns us: a followed fd, or our own. */
bool sl_dup23_wanted(int oldfd, int newfd)
{
	return sl_active() && (sl_fd_get(oldfd) || sl_fd_get(newfd) ||
			       sl_is_transport_fd(newfd));
}

/*
 * dup2 and dup3 onto NEWFD close what NEWFD held. If that was our
 * transport, it moves first (-EMFILE when it cannot); if it was a socket
 * we follow, its close is recorded after the call (arg0 1: closed by
 * dup2).
 */
int sl_dup23_begin(struct sl_dup23 *d, int oldfd, int newfd)
{
	struct sl_fd *held = newfd != oldfd ? sl_fd_get(newfd) : NULL;

	if (held)
		sl_wf_close(held, newfd);
	d->ts = sl_now_ns();
	d->held = held != NULL;
	if (sl_transport_move_from(newfd) < 0)
		return -EMFILE;
	if (held)
		sl_fd_snapshot(held, &d->copy);
	return 0;
}

void sl_dup23_done(const struct sl_dup23 *d, int oldfd, int newfd, int ret,
		   int flags, uint16_t call, struct sl_site site)
{
	int err = errno;

	if (ret >= 0 && d->held) {
		struct sl_call_info ci = {
			.call = SL_CALL_CLOSE, .flags = site.flags, .fd = newfd,
			.ts = d->ts, .caller = site.caller,
			.inode = d->copy.inode, .arg0 = 1, .ent = &d->copy,
		};

		sl_fd_forget(newfd);
		sl_emit(&ci);
	}
	sl_dup_done(oldfd, ret, call, d->ts, flags, site);
	errno = err;
}

static int do_dup23(int oldfd, int newfd, int flags, uint16_t call,
		    struct sl_site site)
{
	struct sl_dup23 d;
	int ret;

	if (sl_dup23_begin(&d, oldfd, newfd) < 0) {
		errno = EMFILE;
		return -1;
	}
	ret = call == SL_CALL_DUP3 ? SL_REAL(dup3)(oldfd, newfd, flags) :
				     SL_REAL(dup2)(oldfd, newfd);
	sl_dup23_done(&d, oldfd, newfd, ret, flags, call, site);
	return ret;
}

SL_EXPORT int dup2(int oldfd, int newfd)
{
	if (!sl_dup23_wanted(oldfd, newfd))
		return SL_REAL(dup2)(oldfd, newfd);
	return do_dup23(oldfd, newfd, 0, SL_CALL_DUP2, SL_SITE());
}

SL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!sl_dup23_wanted(oldfd, newfd))
		return SL_REAL(dup3)(oldfd, newfd, flags);
	return do_dup23(oldfd, newfd, flags, SL_CALL_DUP3, SL_SITE());
}

/* After fcntl on a followed fd: a dup, or O_NONBLOCK set or cleared. */
void sl_fcntl_done(struct sl_fd *e, int fd, int cmd, long arg, int ret,
		   uint64_t ts, struct sl_site site)
{
	if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		sl_dup_done(fd, ret, SL_CALL_FCNTL, ts, cmd, site);
	else if (ret >= 0 && cmd == F_SETFL && (arg & O_NONBLOCK))
		sl_fd_set(e, SL_FD_NONBLOCK);
	else if (ret >= 0 && cmd == F_SETFL)
		sl_fd_clear(e, SL_FD_NONBLOCK);
}

/*
 * fcntl's third argument is an int or a pointer; a void * read from the
 * va_list carries either, and the real fcntl reads back what it expects.
 */
static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg,
		    struct sl_site site)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret;

	if (!e)
		return real(fd, cmd, arg);
	ts = sl_now_ns();
	ret = real(fd, cmd, arg);
	sl_fcntl_done(e, fd, cmd, (long)arg, ret, ts, site);
	return ret;
}

SL_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(SL_REAL(fcntl), fd, cmd, arg, SL_SITE());
}

SL_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(SL_REAL(fcntl64) ? sl_real.fcntl64 : sl_real.fcntl,
			fd, cmd, arg, SL_SITE());
}

static int real_close_range(unsigned int first, unsigned int last, int flags)
{
	if (SL_REAL(close_range))
		return sl_real.close_range(first, last, flags);
	return (int)SL_REAL(syscall)(SYS_close_range, first, last, flags);
}

/*
 * Closes [first, last] but our transport fd. Records each followed socket
 * in the range first: close_range only fails on bad arguments, which are
 * checked before anything is recorded. The real calls are libc's
 * close_range, a bare system call, or the system call itself.
 */
int sl_close_range(unsigned int first, unsigned int last, int flags,
		   uint16_t call, struct sl_site site)
{
	int t = sl_transport_fd();
	unsigned int high = (unsigned int)sl_fd_high();
	uint64_t ts = sl_now_ns();
	int ret;

	if (first > last || (flags & CLOSE_RANGE_CLOEXEC))
		return real_close_range(first, last, flags);
	for (unsigned int fd = first; fd <= last && fd < high; fd++)
		if (sl_fd_get((int)fd))
			sl_close_record((int)fd, call, 0, ts, site);
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
	return sl_close_range(first, last, flags, SL_CALL_CLOSE_RANGE,
			      SL_SITE());
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
	if (sl_close_range((unsigned int)lowfd, ~0u, 0, SL_CALL_CLOSEFROM,
			   SL_SITE()) < 0) {
		for (int fd = lowfd; fd < sl_fd_cap; fd++)
			if (!sl_is_transport_fd(fd))
				SL_REAL(close)(fd);
	}
	errno = err;
}
