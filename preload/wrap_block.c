/*
 * Flush before blocking, for the common ways a thread waits that are not
 * socket calls: sleeping, joining a thread, waiting for a child or a
 * signal. A thread's records sit in its own buffer until it flushes; a
 * main thread that makes a listener and then joins its workers for an
 * hour would otherwise hold that listener's records for the hour, and
 * the collector would see the workers accept on a socket it never saw
 * made. Each wrapper sends what the thread holds (nothing to do when the
 * buffer is empty: one thread-local load) and calls the real function;
 * arguments, result and errno pass through untouched.
 *
 * Left out on purpose: pthread_cond_wait and friends have two ABI
 * versions in glibc, and an unversioned wrapper would hand programs built
 * against the old one the new one's structure layout.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

static inline void before_wait(void)
{
	if (sl_active())
		sl_flush_if_pending();
}

SL_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	before_wait();
	return SL_REAL(nanosleep)(req, rem);
}

SL_EXPORT int clock_nanosleep(clockid_t clk, int flags,
			      const struct timespec *req,
			      struct timespec *rem)
{
	before_wait();
	return SL_REAL(clock_nanosleep)(clk, flags, req, rem);
}

SL_EXPORT unsigned int sleep(unsigned int secs)
{
	before_wait();
	return SL_REAL(sleep)(secs);
}

SL_EXPORT int usleep(useconds_t usec)
{
	before_wait();
	return SL_REAL(usleep)(usec);
}

SL_EXPORT int pause(void)
{
	before_wait();
	return SL_REAL(pause)();
}

SL_EXPORT int sigsuspend(const sigset_t *mask)
{
	before_wait();
	return SL_REAL(sigsuspend)(mask);
}

SL_EXPORT int sigwait(const sigset_t *set, int *sig)
{
	before_wait();
	return SL_REAL(sigwait)(set, sig);
}

SL_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	before_wait();
	return SL_REAL(sigwaitinfo)(set, info);
}

SL_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info,
			   const struct timespec *tmo)
{
	before_wait();
	return SL_REAL(sigtimedwait)(set, info, tmo);
}

SL_EXPORT int pthread_join(pthread_t t, void **ret)
{
	before_wait();
	return SL_REAL(pthread_join)(t, ret);
}

SL_EXPORT pid_t wait(int *status)
{
	before_wait();
	return SL_REAL(wait)(status);
}

SL_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	if (!(options & WNOHANG))
		before_wait();
	return SL_REAL(waitpid)(pid, status, options);
}

SL_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	if (!(options & WNOHANG))
		before_wait();
	return SL_REAL(waitid)(type, id, info, options);
}

SL_EXPORT pid_t wait4(pid_t pid, int *status, int options,
		      struct rusage *ru)
{
	if (!(options & WNOHANG))
		before_wait();
	return SL_REAL(wait4)(pid, status, options, ru);
}
