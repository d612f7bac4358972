/*
 * Wrappers for the socket option calls. For now one thing: a
 * getsockopt(SO_ERROR) on a socket whose connect is pending is how a
 * non-blocking client learns the outcome (UNP 16.3), so it ends the
 * connecting span on the timeline. Every other call passes through.
 */
#include <errno.h>

#include "preload.h"

static void pending_outcome(struct sl_fd *e, int fd, int level, int name,
			    const void *val, const socklen_t *len,
			    uint64_t ts, uint64_t caller)
{
	struct sl_call_info ci = {
		.call = SL_CALL_GETSOCKOPT, .fd = fd, .ts = ts,
		.caller = caller, .inode = sl_fd_inode(e), .arg0 = level,
		.flags = SL_F_OUTCOME, .ent = e,
	};
	int so_error;

	if (*len < (socklen_t)sizeof(int))
		return;
	so_error = *(const int *)val;
	/* Still connecting: the caller polled too early; the outcome is
	 * yet to come. */
	if (so_error == EINPROGRESS || so_error == EALREADY)
		return;
	/* Two threads may ask at once: one reports the outcome. */
	if (!sl_fd_clear(e, SL_FD_CONNECTING))
		return;
	ci.arg1 = so_error;
	ci.dur = sl_now_ns() - ts;
	sl_emit(&ci);
}

SL_EXPORT int getsockopt(int fd, int level, int name, void *val,
			 socklen_t *len)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret, err;

	if (!e || !(sl_fd_flags(e) & SL_FD_CONNECTING) || level != SOL_SOCKET ||
	    name != SO_ERROR)
		return SL_REAL(getsockopt)(fd, level, name, val, len);
	ts = sl_now_ns();
	ret = SL_REAL(getsockopt)(fd, level, name, val, len);
	err = errno;
	if (ret == 0)
		pending_outcome(e, fd, level, name, val, len, ts, SL_CALLER());
	errno = err;
	return ret;
}
