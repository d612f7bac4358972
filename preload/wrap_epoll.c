/*
 * Wrappers that make and change epoll instances: epoll_create,
 * epoll_create1 and epoll_ctl, and ioctl(FIONBIO), the other way to make
 * a socket non-blocking.
 *
 * An epoll instance is followed in the fd table like a socket, under an
 * id of our own (sl_epoll_id_new: SL_EPOLL_ID_BIT | pid | sequence): all
 * epoll fds share one anonymous inode, so the kernel's cannot name them.
 * Its close and dup are then recorded by the fd wrappers as for any
 * socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "fault_ready.h"
#include "fault_wire.h"
#include "wrap.h"

/* After epoll_create (FLAGS -1) or epoll_create1: follow the instance. */
void sl_epoll_create_done(int fd, int64_t flags, uint64_t ts,
			  struct sl_site site)
{
	int err = errno;
	struct sl_call_info ci = {
		.call = SL_CALL_EPOLL_CREATE, .flags = site.flags, .fd = fd,
		.ret = fd, .err = err, .ts = ts, .caller = site.caller,
		.arg0 = flags,
	};

	if (fd >= 0) {
		ci.inode = sl_epoll_id_new();
		ci.ent = sl_fd_track(fd, ci.inode, 0, 0, SL_FD_EPOLL);
	}
	ci.dur = sl_now_ns() - ts;
	sl_emit(&ci);
	errno = err;
}

SL_EXPORT int epoll_create(int size)
{
	uint64_t ts;
	int fd;

	if (!sl_active())
		return SL_REAL(epoll_create)(size);
	ts = sl_now_ns();
	fd = SL_REAL(epoll_create)(size);
	sl_epoll_create_done(fd, -1, ts, SL_SITE());
	return fd;
}

SL_EXPORT int epoll_create1(int flags)
{
	uint64_t ts;
	int fd;

	if (!sl_active())
		return SL_REAL(epoll_create1)(flags);
	ts = sl_now_ns();
	fd = SL_REAL(epoll_create1)(flags);
	sl_epoll_create_done(fd, flags, ts, SL_SITE());
	return fd;
}

/*
 * What a wait will return for the target is event->data; the model maps
 * it back to the socket through this record. The event is read only if
 * the kernel read it (ADD and MOD succeeded). The record has no flags:
 * one made through syscall() looks the same.
 */
void sl_epoll_ctl_done(struct sl_fd *ep, int epfd, int op, int fd,
		       const struct epoll_event *ev, int ret, uint64_t ts,
		       struct sl_site site)
{
	struct sl_fd *t = sl_fd_get(fd);
	struct sl_rec_epoll_ctl *r;
	int err = errno;

	r = sl_rec_begin(sizeof(*r), SL_REC_EPOLL_CTL, ts);
	if (r) {
		bool read_ev = ret == 0 && op != EPOLL_CTL_DEL && ev;

		r->caller = site.caller;
		r->epoll_id = sl_fd_inode(ep);
		r->inode = t ? sl_fd_inode(t) : 0;
		r->data = read_ev ? ev->data.u64 : 0;
		r->epfd = epfd;
		r->fd = fd;
		r->op = op;
		r->events = read_ev ? ev->events : 0;
		r->ret = ret;
		r->err = ret < 0 ? err : 0;
		sl_rec_done(ts);
	}
	errno = err;
}

SL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct sl_fd *ep = sl_epoll_entry(epfd);
	uint64_t ts;
	int ret;

	if (!ep)
		return SL_REAL(epoll_ctl)(epfd, op, fd, ev);
	ts = sl_now_ns();
	ret = sl_unlikely(sl_fault_on) ? sl_hold_epoll_ctl(epfd, op, fd, ev) :
					 SL_REAL(epoll_ctl)(epfd, op, fd, ev);
	sl_epoll_ctl_done(ep, epfd, op, fd, ev, ret, ts, SL_SITE());
	return ret;
}

/* After a successful ioctl(FIONBIO) on a followed socket. */
void sl_fionbio_done(struct sl_fd *e, const void *arg)
{
	if (*(const int *)arg)
		sl_fd_set(e, SL_FD_NONBLOCK);
	else
		sl_fd_clear(e, SL_FD_NONBLOCK);
}

/*
 * ioctl's third argument, when there is one, is a pointer or an integer;
 * a void * read from the va_list carries either, as for fcntl.
 */
SL_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct sl_fd *e = sl_traced(fd);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	ret = SL_REAL(ioctl)(fd, req, arg);
	if (e && req == FIONBIO && ret >= 0)
		sl_fionbio_done(e, arg);
	return ret;
}

/* ---- by number (wrap_syscall.c's table) ---- */

long sl_epoll_create_syscall(long nr, const long *a, struct sl_site site)
{
	uint64_t ts = sl_now_ns();
	long fd = sl_raw_syscall(nr, a);

	sl_epoll_create_done((int)fd, nr == SYS_epoll_create1 ? a[0] : -1,
			     ts, site);
	return fd;
}

long sl_epoll_ctl_syscall(long nr, const long *a, struct sl_site site)
{
	struct sl_fd *ep = sl_epoll_entry((int)a[0]);
	uint64_t ts;
	long ret;

	if (!ep)
		return sl_raw_syscall(nr, a);
	ts = sl_now_ns();
	ret = sl_unlikely(sl_fault_on) ?
		      sl_hold_epoll_ctl((int)a[0], (int)a[1], (int)a[2],
					(struct epoll_event *)a[3]) :
		      sl_raw_syscall(nr, a);
	sl_epoll_ctl_done(ep, (int)a[0], (int)a[1], (int)a[2],
			  (const struct epoll_event *)a[3], (int)ret, ts, site);
	return ret;
}
