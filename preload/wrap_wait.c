/*
 * Wrappers for the readiness waits: epoll_wait, epoll_pwait,
 * epoll_pwait2, poll, ppoll, select and pselect, and the _FORTIFY_SOURCE
 * entry points __poll_chk and __ppoll_chk. Their halves serve the
 * same calls made through syscall() (pselect6 there), whose wait records
 * look the same: a wait record has no flags.
 *
 * Before a wait that can block, this thread's records go out: the program
 * may wait long, or be killed while it waits. A wait on an epoll
 * instance we follow, or a poll that asked of a socket we follow, is one
 * record: how long it blocked and what came back ready (at most
 * SL_READY_MAX entries, the rest counted). An event loop that polls with
 * a zero timeout and gets nothing pays one counter increment: such polls
 * are folded into the next record as `idle_polls`.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "fault_ready.h"
#include "wrap.h"

/* Empty zero-timeout poll/select calls, per thread (epoll: per instance,
 * in its fd entry's eagain counter). */
static SL_TLS uint32_t poll_idle;

/*
 * A timeout in ms, SUB in units of which PER make a millisecond. Saturated:
 * programs pass "forever" as tv_sec = LONG_MAX (socat does), which would
 * overflow the product. One under a millisecond but not zero still blocks
 * for a while: 1. A negative one makes the call fail with EINVAL: -1.
 */
int sl_to_ms(long long sec, long long sub, long long per)
{
	if (sec < 0 || sub < 0)
		return -1;
	if (sec >= INT_MAX / 1000 - 1)
		return INT_MAX;
	if (!sec && sub && sub < per)
		return 1;
	return (int)(sec * 1000 + (sub / per > 999 ? 999 : sub / per));
}

int sl_ts_to_ms(const struct timespec *ts)
{
	return ts ? sl_to_ms(ts->tv_sec, ts->tv_nsec, 1000000) : -1;
}

static inline __attribute__((always_inline)) void
epoll_record(struct sl_fd *ep, int epfd,
			 const struct epoll_event *ev, int n, int err,
			 int timeout_ms, uint64_t ts, uint16_t call,
			 uint64_t caller)
{
	int nready = n > SL_READY_MAX ? SL_READY_MAX : n > 0 ? n : 0;
	struct sl_rec_wait *w;
	uint64_t end = sl_now_ns();

	w = sl_rec_begin(sizeof(*w) + (size_t)nready * sizeof(w->ready[0]),
			 SL_REC_WAIT, ts ? ts : end);
	if (!w)
		return;
	w->dur_ns = ts ? end - ts : 0;
	w->caller = caller;
	w->epoll_id = sl_fd_inode(ep);
	w->epfd = epfd;
	w->ret = n;
	w->err = n < 0 ? err : 0;
	w->timeout_ms = timeout_ms;
	w->call = call;
	w->nready = (uint16_t)nready;
	w->more = n > nready ? (uint32_t)(n - nready) : 0;
	w->idle_polls = __atomic_exchange_n(&ep->eagain, 0, __ATOMIC_RELAXED);
	w->nfds = 0;
	for (int i = 0; i < nready; i++) {
		w->ready[i].key = ev[i].data.u64;
		w->ready[i].events = ev[i].events;
		w->ready[i].fd = -1;
	}
	sl_rec_done(ts ? ts : end);
}

/* The shared part of the three epoll waits that record (sl_epoll_done,
 * wrap.h, counts the empty zero-timeout ones inline). */
int sl_epoll_finish(struct sl_fd *ep, int epfd, const struct epoll_event *ev,
		    int n, int timeout_ms, uint64_t ts, uint16_t call,
		    uint64_t caller)
{
	/* errno matters only after a failure: the record's way keeps it. */
	int err = n < 0 ? errno : 0;

	epoll_record(ep, epfd, ev, n, err, timeout_ms, ts, call, caller);
	return n;
}

/* sl_epoll_done (wrap.h) for the named waits, the record made inline:
 * an event loop's wait that returns events is its hot call. */
static inline __attribute__((always_inline)) int
epoll_done(struct sl_fd *ep, int epfd, const struct epoll_event *ev, int n,
	   int timeout_ms, uint64_t ts, uint16_t call, uint64_t caller)
{
	/* Likely: a loop that polls with no timeout makes most of its
	 * waits empty, and this keeps their way short and straight. */
	if (sl_likely(n == 0 && timeout_ms == 0)) {
		__atomic_add_fetch(&ep->eagain, 1, __ATOMIC_RELAXED);
		return 0;
	}
	epoll_record(ep, epfd, ev, n, n < 0 ? errno : 0, timeout_ms, ts, call,
		     caller);
	return n;
}

SL_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max,
			 int timeout)
{
	struct sl_fd *ep = sl_epoll_entry(epfd);
	uint64_t ts = 0;
	int n;

	if (!ep)
		return SL_REAL(epoll_wait)(epfd, ev, max, timeout);
	if (timeout)
		ts = sl_now_ns();
	n = sl_fault_nholds ? sl_hold_epoll_wait(epfd, ev, max, timeout, NULL) :
			     SL_REAL(epoll_wait)(epfd, ev, max, timeout);
	return epoll_done(ep, epfd, ev, n, timeout, ts, SL_CALL_EPOLL_WAIT,
			  SL_CALLER());
}

SL_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max,
			  int timeout, const sigset_t *mask)
{
	struct sl_fd *ep = sl_epoll_entry(epfd);
	uint64_t ts = 0;
	int n;

	if (!ep)
		return SL_REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	if (timeout)
		ts = sl_now_ns();
	n = sl_fault_nholds ? sl_hold_epoll_wait(epfd, ev, max, timeout, mask) :
			     SL_REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	return epoll_done(ep, epfd, ev, n, timeout, ts, SL_CALL_EPOLL_PWAIT,
			  SL_CALLER());
}

SL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			   const struct timespec *tmo, const sigset_t *mask)
{
	struct sl_fd *ep = sl_epoll_entry(epfd);
	int timeout = sl_ts_to_ms(tmo);
	uint64_t ts = 0;
	int n;

	if (!ep)
		return SL_REAL(epoll_pwait2)(epfd, ev, max, tmo, mask);
	if (timeout)
		ts = sl_now_ns();
	n = sl_fault_nholds ? sl_hold_epoll_wait(epfd, ev, max, timeout, mask) :
			     SL_REAL(epoll_pwait2)(epfd, ev, max, tmo, mask);
	return epoll_done(ep, epfd, ev, n, timeout, ts, SL_CALL_EPOLL_PWAIT2,
			  SL_CALLER());
}

/* The followed sockets among FDS and how many came back ready. */
static int followed(const struct pollfd *fds, nfds_t n, int *ready)
{
	int asked = 0;

	*ready = 0;
	for (nfds_t i = 0; i < n; i++) {
		if (!sl_fd_get(fds[i].fd))
			continue;
		asked++;
		*ready += fds[i].revents != 0;
	}
	return asked;
}

static void poll_record(const struct pollfd *fds, nfds_t n, int ret,
			int err, int timeout_ms, uint64_t ts, uint16_t call,
			uint64_t caller)
{
	int ready, asked = followed(fds, n, &ready);
	int nready = ready > SL_READY_MAX ? SL_READY_MAX : ready;
	struct sl_rec_wait *w;
	uint64_t end = sl_now_ns();
	int k = 0;

	if (!asked)
		return;
	w = sl_rec_begin(sizeof(*w) + (size_t)nready * sizeof(w->ready[0]),
			 SL_REC_WAIT, ts ? ts : end);
	if (!w)
		return;
	w->dur_ns = ts ? end - ts : 0;
	w->caller = caller;
	w->epoll_id = 0;
	w->epfd = -1;
	w->ret = ret;
	w->err = ret < 0 ? err : 0;
	w->timeout_ms = timeout_ms;
	w->call = call;
	w->nready = (uint16_t)nready;
	w->more = (uint32_t)(ready - nready);
	w->idle_polls = poll_idle;
	w->nfds = (uint32_t)asked;
	poll_idle = 0;
	for (nfds_t i = 0; i < n && k < nready; i++) {
		const struct sl_fd *e = sl_fd_get(fds[i].fd);

		if (!e || !fds[i].revents)
			continue;
		w->ready[k].key = sl_fd_inode(e);
		w->ready[k].events = (uint32_t)fds[i].revents;
		w->ready[k].fd = fds[i].fd;
		k++;
	}
	sl_rec_done(ts ? ts : end);
}

/*
 * After poll or ppoll: the array is the caller's, so it is read only once
 * the kernel has read it (a result, or EINTR), never before.
 */
int sl_poll_done(const struct pollfd *fds, nfds_t n, int ret,
		 int timeout_ms, uint64_t ts, uint16_t call, uint64_t caller)
{
	int err = errno;

	if (ret < 0 && err != EINTR)
		return ret;
	if (ret == 0 && timeout_ms == 0) {
		poll_idle++;
		return 0;
	}
	poll_record(fds, n, ret, err, timeout_ms, ts, call, caller);
	errno = err;
	return ret;
}

SL_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(poll)(fds, n, timeout);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_poll(fds, n, timeout, NULL) :
			       SL_REAL(poll)(fds, n, timeout);
	return sl_poll_done(fds, n, ret, timeout, ts, SL_CALL_POLL, SL_CALLER());
}

SL_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		    const sigset_t *mask)
{
	int timeout = sl_ts_to_ms(tmo);
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(ppoll)(fds, n, tmo, mask);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_poll(fds, n, timeout, mask) :
			       SL_REAL(ppoll)(fds, n, tmo, mask);
	return sl_poll_done(fds, n, ret, timeout, ts, SL_CALL_PPOLL, SL_CALLER());
}

/* The _FORTIFY_SOURCE entry points a program built with it calls instead
 * of poll and ppoll when nfds is not known at compile time: libc checks
 * N against the array's size (FDSLEN bytes) and aborts on overflow. */
SL_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout,
			 size_t fdslen)
{
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(poll_chk)(fds, n, timeout, fdslen);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds && n <= fdslen / sizeof(*fds) ?
		      sl_hold_poll(fds, n, timeout, NULL) :
		      SL_REAL(poll_chk)(fds, n, timeout, fdslen);
	return sl_poll_done(fds, n, ret, timeout, ts, SL_CALL_POLL, SL_CALLER());
}

SL_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n,
			  const struct timespec *tmo, const sigset_t *mask,
			  size_t fdslen)
{
	int timeout = sl_ts_to_ms(tmo);
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(ppoll_chk)(fds, n, tmo, mask, fdslen);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds && n <= fdslen / sizeof(*fds) ?
		      sl_hold_poll(fds, n, timeout, mask) :
		      SL_REAL(ppoll_chk)(fds, n, tmo, mask, fdslen);
	return sl_poll_done(fds, n, ret, timeout, ts, SL_CALL_PPOLL, SL_CALLER());
}

static uint32_t fdset_events(int fd, const fd_set *r, const fd_set *w,
			     const fd_set *x)
{
	return (r && FD_ISSET(fd, r) ? EPOLLIN : 0) |
	       (w && FD_ISSET(fd, w) ? EPOLLOUT : 0) |
	       (x && FD_ISSET(fd, x) ? EPOLLPRI : 0);
}

/*
 * After select: only the ready bits are left, so what was asked is not
 * known; a select is recorded when a followed socket came back ready.
 */
void sl_select_done(int nfds, int ret, const fd_set *r, const fd_set *w,
		    const fd_set *x, int timeout_ms, uint64_t ts,
		    uint16_t call, uint64_t caller)
{
	struct sl_ready ready[SL_READY_MAX];
	struct sl_rec_wait *rec;
	int nready = 0, more = 0, err = errno;
	uint64_t end;

	if (ret <= 0)
		return;
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		const struct sl_fd *e = sl_fd_get(fd);
		uint32_t ev = e ? fdset_events(fd, r, w, x) : 0;

		if (!ev)
			continue;
		if (nready == SL_READY_MAX) {
			more++;
			continue;
		}
		ready[nready++] = (struct sl_ready){ sl_fd_inode(e), ev, fd };
	}
	if (!nready)
		return;
	end = sl_now_ns();
	rec = sl_rec_begin(sizeof(*rec) + (size_t)nready * sizeof(ready[0]),
			   SL_REC_WAIT, ts ? ts : end);
	if (!rec)
		return;
	*rec = (struct sl_rec_wait){ .h = rec->h, .dur_ns = ts ? end - ts : 0,
		.caller = caller, .epfd = -1, .ret = ret,
		.timeout_ms = timeout_ms, .call = call,
		.nready = (uint16_t)nready, .more = (uint32_t)more,
		.nfds = (uint32_t)(nready + more) };
	for (int i = 0; i < nready; i++)
		rec->ready[i] = ready[i];
	sl_rec_done(ts ? ts : end);
	errno = err;
}

SL_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *x,
		     struct timeval *tv)
{
	int timeout = tv ? sl_to_ms(tv->tv_sec, tv->tv_usec, 1000) : -1;
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(select)(n, r, w, x, tv);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_select(n, r, w, x, timeout, NULL) :
			       SL_REAL(select)(n, r, w, x, tv);
	sl_select_done(n, ret, r, w, x, timeout, ts, SL_CALL_SELECT, SL_CALLER());
	return ret;
}

SL_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *x,
		      const struct timespec *tmo, const sigset_t *mask)
{
	int timeout = sl_ts_to_ms(tmo);
	uint64_t ts = 0;
	int ret;

	if (!sl_active())
		return SL_REAL(pselect)(n, r, w, x, tmo, mask);
	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_select(n, r, w, x, timeout, mask) :
			       SL_REAL(pselect)(n, r, w, x, tmo, mask);
	sl_select_done(n, ret, r, w, x, timeout, ts, SL_CALL_PSELECT, SL_CALLER());
	return ret;
}

/* ---- by number (wrap_syscall.c's table) ---- */

/* epoll_wait (x86-64 only), epoll_pwait and epoll_pwait2: A[3] is the
 * timeout, in ms or (pwait2) a timespec. */
long sl_epoll_wait_syscall(long nr, const long *a, struct sl_site site)
{
	uint16_t call = nr == SYS_epoll_pwait2 ? SL_CALL_EPOLL_PWAIT2 :
			nr == SYS_epoll_pwait ? SL_CALL_EPOLL_PWAIT :
						SL_CALL_EPOLL_WAIT;
	struct sl_fd *ep = sl_epoll_entry((int)a[0]);
	int timeout = nr == SYS_epoll_pwait2 ?
			      sl_ts_to_ms((const struct timespec *)a[3]) :
			      (int)a[3];
	uint64_t ts = 0;
	long n;

	if (!ep)
		return sl_raw_syscall(nr, a);
	if (timeout)
		ts = sl_now_ns();
	n = sl_fault_nholds ? sl_hold_wait_syscall(nr, a, timeout) :
			      sl_raw_syscall(nr, a);
	return sl_epoll_done(ep, (int)a[0], (const struct epoll_event *)a[1],
			     (int)n, timeout, ts, call, site.caller);
}

/* poll (x86-64 only) and ppoll: A[2] the timeout, in ms or a timespec. */
long sl_poll_syscall(long nr, const long *a, struct sl_site site)
{
	bool pp = nr == SYS_ppoll;
	int timeout = pp ? sl_ts_to_ms((const struct timespec *)a[2]) :
			   (int)a[2];
	uint64_t ts = 0;
	long ret;

	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_wait_syscall(nr, a, timeout) :
				sl_raw_syscall(nr, a);
	return sl_poll_done((const struct pollfd *)a[0], (nfds_t)a[1], (int)ret,
			    timeout, ts, pp ? SL_CALL_PPOLL : SL_CALL_POLL,
			    site.caller);
}

/* select (x86-64 only) and pselect6: A[4] a timeval or a timespec; A[5],
 * pselect6's packed sigmask, goes to the kernel as it is. */
long sl_select_syscall(long nr, const long *a, struct sl_site site)
{
	bool ps = nr == SYS_pselect6;
	const struct timeval *tv = (const struct timeval *)a[4];
	int timeout = ps ? sl_ts_to_ms((const struct timespec *)a[4]) :
		      tv ? sl_to_ms(tv->tv_sec, tv->tv_usec, 1000) : -1;
	uint64_t ts = 0;
	long ret;

	if (timeout)
		ts = sl_now_ns();
	ret = sl_fault_nholds ? sl_hold_wait_syscall(nr, a, timeout) :
				sl_raw_syscall(nr, a);
	sl_select_done((int)a[0], (int)ret, (const fd_set *)a[1],
		       (const fd_set *)a[2], (const fd_set *)a[3], timeout, ts,
		       ps ? SL_CALL_PSELECT : SL_CALL_SELECT, site.caller);
	return ret;
}
