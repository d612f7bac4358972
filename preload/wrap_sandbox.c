/*
 * A program that installs its own seccomp filter (sshd's pre-auth child,
 * browsers' renderers, anything built on libseccomp) allows a short list
 * of system calls from then on, and is killed for any other: our flushes
 * (sendmsg), the fstat that names a new socket, gettid. So at that moment
 * the process goes dark: what it holds is sent first, with a record that
 * says so, and from the filter on every wrapper passes straight through
 * and nothing of ours makes a system call (DESIGN.md 1: never break the
 * traced program). If installing the filter fails, tracing goes on and a
 * second record says it failed.
 *
 * Filters come in by prctl(PR_SET_SECCOMP) or by the seccomp system call,
 * which glibc has no function for: libseccomp calls syscall(2), so that
 * is wrapped too, and every other number passes through at the cost of
 * one compare.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "preload.h"

#ifndef SECCOMP_SET_MODE_STRICT
#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#endif

static void sandbox_record(int64_t ret, int err, unsigned long mode,
			   uint64_t ts, uint64_t caller)
{
	struct sl_call_info ci = {
		.call = SL_CALL_SANDBOX, .fd = -1, .ret = ret, .err = err,
		.ts = ts, .caller = caller, .arg0 = (int64_t)mode,
	};

	sl_emit(&ci);
	sl_flush();
}

/* The filter's outcome: dark if it is in, a record of the failure if
 * not. Returns RET with the call's errno. */
static long after_filter(long ret, unsigned long mode, uint64_t ts,
			 uint64_t caller)
{
	int err = errno;

	if (ret == 0)
		sl_go_dark();
	else
		sandbox_record(ret, err, mode, ts, caller);
	errno = err;
	return ret;
}

SL_EXPORT int prctl(int option, ...)
{
	unsigned long a2, a3, a4, a5;
	va_list ap;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP && sl_active()) {
		uint64_t ts = sl_now_ns();

		sandbox_record(0, 0, a2, ts, SL_CALLER());
		return (int)after_filter(SL_REAL(prctl)(option, a2, a3, a4, a5),
					 a2, ts, SL_CALLER());
	}
	return SL_REAL(prctl)(option, a2, a3, a4, a5);
}

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
	if (sl_unlikely(nr == SYS_seccomp) &&
	    (a1 == SECCOMP_SET_MODE_FILTER || a1 == SECCOMP_SET_MODE_STRICT) &&
	    sl_active()) {
		/* In prctl's numbering: 1 strict, 2 filter. */
		unsigned long mode = (unsigned long)a1 + 1;
		uint64_t ts = sl_now_ns();

		sandbox_record(0, 0, mode, ts, SL_CALLER());
		return after_filter(SL_REAL(syscall)(nr, a1, a2, a3, a4, a5,
						     a6),
				    mode, ts, SL_CALLER());
	}
	return SL_REAL(syscall)(nr, a1, a2, a3, a4, a5, a6);
}
