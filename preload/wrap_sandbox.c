/*
 * A program that installs its own seccomp filter (sshd's pre-auth child,
 * browsers' renderers, anything built on libseccomp) allows a short list
 * of system calls from then on, and is killed for any other: our flushes
 * (sendmsg), the fstat of an alias (fdtab.c), gettid. So at that moment
 * the process goes dark: what it holds is sent first, with a record that
 * says so, and from the filter on every wrapper passes straight through
 * and nothing of ours makes a system call (preload/README.md, "Rules
 * every wrapper keeps": never break the traced program). If installing the filter fails, tracing goes on and a
 * second record says it failed.
 *
 * Filters come in by prctl(PR_SET_SECCOMP) or by the seccomp system call,
 * which glibc has no function for: libseccomp calls syscall(2), whose
 * wrapper (wrap_syscall.c) calls the two halves here.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "wrap.h"

#ifndef SECCOMP_SET_MODE_STRICT
#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#endif

static void sandbox_record(int64_t ret, int err, unsigned long mode,
			   uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = {
		.call = SL_CALL_SANDBOX, .flags = site.flags, .fd = -1,
		.ret = ret, .err = err, .ts = ts, .caller = site.caller,
		.arg0 = (int64_t)mode,
	};

	sl_emit(&ci);
	sl_flush();
}

/* Before a filter goes in (MODE in prctl's numbering: 1 strict, 2
 * filter): what we hold goes out, with a record that says so. Returns
 * the time. */
static uint64_t sandbox_begin(unsigned long mode, struct sl_site site)
{
	uint64_t ts = sl_now_ns();

	sandbox_record(0, 0, mode, ts, site);
	return ts;
}

/* The filter's outcome: dark if it is in, a record of the failure if
 * not. Keeps errno. */
static void sandbox_done(long ret, unsigned long mode, uint64_t ts,
		     struct sl_site site)
{
	int err = errno;

	if (ret == 0)
		sl_go_dark();
	else
		sandbox_record(ret, err, mode, ts, site);
	errno = err;
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
		uint64_t ts = sandbox_begin(a2, SL_SITE());
		int ret = SL_REAL(prctl)(option, a2, a3, a4, a5);

		sandbox_done(ret, a2, ts, SL_SITE());
		return ret;
	}
	return SL_REAL(prctl)(option, a2, a3, a4, a5);
}

/* syscall(SYS_seccomp, ...), from wrap_syscall.c's table. */
long sl_sandbox_syscall(long nr, const long *a, struct sl_site site)
{
	/* In prctl's numbering: 1 strict, 2 filter. */
	unsigned long mode = (unsigned long)a[0] + 1;
	uint64_t ts;
	long ret;

	if (a[0] != SECCOMP_SET_MODE_FILTER && a[0] != SECCOMP_SET_MODE_STRICT)
		return sl_raw_syscall(nr, a);
	ts = sandbox_begin(mode, site);
	ret = sl_raw_syscall(nr, a);
	sandbox_done(ret, mode, ts, site);
	return ret;
}
