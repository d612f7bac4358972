/*
 * Wrappers for the socket option calls. For now one thing: a
 * getsockopt(SO_ERROR) on a socket whose connect is pending is how a
 * non-blocking client learns the outcome (UNP 16.3), so it ends the
 * connecting span on the timeline. Every other call passes through.
 */
#include <errno.h>

#include "fault_ready.h"
#include "fault_wire.h"
#include "wrap.h"

static void pending_outcome(struct sl_fd *e, int fd, int level,
			    const void *val, const socklen_t *len,
			    uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = {
		.call = SL_CALL_GETSOCKOPT, .fd = fd, .ts = ts,
		.caller = site.caller, .inode = sl_fd_inode(e), .arg0 = level,
		.flags = SL_F_OUTCOME | site.flags, .ent = e,
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

/* Whether a getsockopt concerns us: SO_ERROR on a pending connect. */
bool sl_getsockopt_wanted(const struct sl_fd *e, int level, int name)
{
	return e && (sl_fd_flags(e) & SL_FD_CONNECTING) &&
	       level == SOL_SOCKET && name == SO_ERROR;
}

void sl_getsockopt_done(struct sl_fd *e, int fd, int level, const void *val,
			const socklen_t *len, int ret, uint64_t ts,
			struct sl_site site)
{
	int err = errno;

	if (ret == 0 && sl_unlikely(sl_fault_on))
		sl_hold_so_error(fd, e, (void *)val, len);
	if (ret == 0)
		pending_outcome(e, fd, level, val, len, ts, site);
	errno = err;
}

SL_EXPORT int getsockopt(int fd, int level, int name, void *val,
			 socklen_t *len)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret;

	if (!sl_getsockopt_wanted(e, level, name))
		return SL_REAL(getsockopt)(fd, level, name, val, len);
	ts = sl_now_ns();
	ret = SL_REAL(getsockopt)(fd, level, name, val, len);
	sl_getsockopt_done(e, fd, level, val, len, ret, ts, SL_SITE());
	return ret;
}
