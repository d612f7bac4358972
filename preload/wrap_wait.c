/*
 * Wrappers for the calls an event loop blocks in: poll, ppoll, select,
 * pselect, epoll_wait, epoll_pwait and epoll_pwait2. A program that waits
 * here may wait for a long time, or be killed while it waits; what this
 * thread has recorded goes to the collector first (DESIGN.md 4). A wait
 * with a zero timeout cannot block and costs nothing extra.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "preload.h"

static inline void before_wait(bool may_block)
{
	if (may_block && sl_likely(sl_cfg.enabled))
		sl_flush_if_pending();
}

static bool ts_blocks(const struct timespec *ts)
{
	return !ts || ts->tv_sec || ts->tv_nsec;
}

SL_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	before_wait(timeout != 0);
	return SL_REAL(poll)(fds, n, timeout);
}

SL_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		    const sigset_t *mask)
{
	before_wait(ts_blocks(ts));
	return SL_REAL(ppoll)(fds, n, ts, mask);
}

SL_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e,
		     struct timeval *tv)
{
	before_wait(!tv || tv->tv_sec || tv->tv_usec);
	return SL_REAL(select)(n, r, w, e, tv);
}

SL_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e,
		      const struct timespec *ts, const sigset_t *mask)
{
	before_wait(ts_blocks(ts));
	return SL_REAL(pselect)(n, r, w, e, ts, mask);
}

SL_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max,
			 int timeout)
{
	before_wait(timeout != 0);
	return SL_REAL(epoll_wait)(epfd, ev, max, timeout);
}

SL_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max,
			  int timeout, const sigset_t *mask)
{
	before_wait(timeout != 0);
	return SL_REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
}

SL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			   const struct timespec *ts, const sigset_t *mask)
{
	before_wait(ts_blocks(ts));
	return SL_REAL(epoll_pwait2)(epfd, ev, max, ts, mask);
}
