/*
 * stdio on a socket: fdopen and fclose.
 *
 * libc's stdio (printf, fwrite, fputs, getc, getwc, fread, scanf...)
 * reads and writes its fd through libc's internal entry points, which no
 * preload can wrap: the bytes a program moves through a FILE * on a
 * socket are not counted, and a FILE's buffer reaches the fd when stdio
 * decides (full, a newline, fflush, exit), not when the program called.
 * Wrapping the whole family would count what the program handed stdio at
 * the wrong moments, and miss what exit flushes; glibc checks its FILE
 * vtables, so the write underneath cannot be hooked either. So the trace
 * says where it may be blind instead: a socket at fd 0, 1 or 2 (held at
 * start, or made so by dup2, dup3, dup, accept...; fdtab.c) or one fdopen
 * was called on carries SL_F_STDIO on its records, and fdopen itself is a
 * record (SL_CALL_FDOPEN).
 *
 * fclose of a stream on a followed socket closes the socket through
 * libc's internal close: it is recorded as a close, before it, as close
 * itself is (wrap.h: sl_close_begin).
 */
#include <errno.h>
#include <stdio.h>

#include "wrap.h"

SL_EXPORT FILE *fdopen(int fd, const char *mode)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_call_info ci = { .call = SL_CALL_FDOPEN, .fd = fd };
	FILE *f = SL_REAL(fdopen)(fd, mode);
	int err = errno;

	if (!e || !f)
		return f;
	sl_fd_set(e, SL_FD_STDIO);
	ci.ts = sl_now_ns();
	ci.caller = SL_CALLER();
	ci.inode = sl_fd_inode(e);
	ci.ent = e;
	sl_emit(&ci);
	errno = err;
	return f;
}

SL_EXPORT int fclose(FILE *f)
{
	struct sl_close cl = { .late = false };
	int fd, err, ret;

	if (!f || !sl_active())
		return SL_REAL(fclose)(f);
	err = errno;
	fd = fileno_unlocked(f);
	errno = err;
	if (fd >= 0 && sl_traced(fd))
		sl_close_begin(fd, sl_traced(fd), SL_SITE(), &cl);
	ret = SL_REAL(fclose)(f);
	sl_close_end(&cl);
	return ret;
}
