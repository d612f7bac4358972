/*
 * Wrappers for the calls that set a resource limit: setrlimit,
 * setrlimit64, prlimit, prlimit64, and the same by number through
 * syscall() (SYS_setrlimit, SYS_prlimit64, from wrap_syscall.c's table).
 *
 * Only RLIMIT_NOFILE concerns us. Our connection to the collector sits
 * high, out of the program's way (transport.c); a program that lowers
 * its soft fd limit below it (the EMFILE idle-fd trick's servers do, to
 * meet EMFILE early) would leave no room for a connection made later,
 * and one made under the new limit would take an fd the program counts
 * on. An fd at or above a limit stays valid when the limit comes down,
 * so the connection is made first, where it would have gone; then the
 * program's call runs with its own arguments, and its result and errno
 * are the caller's. A limit another process sets on us (prlimit from
 * outside) is not seen.
 *
 * A fork child after that finds no room above our number: fdslot.c.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "wrap.h"

/* The soft limit the call asks for, read without trusting the pointer
 * (a bad one is the kernel's to answer, with EFAULT). */
static bool asked_soft(const void *p, uint64_t *soft)
{
	struct rlimit64 v;
	struct iovec local = { &v, sizeof(v) }, remote = { (void *)p, sizeof(v) };

	if (!p || process_vm_readv(sl_pid, &local, 1, &remote, 1, 0) !=
			  (ssize_t)sizeof(v))
		return false;
	*soft = v.rlim_cur;
	return true;
}

/* Before a call that sets PID's limit RESOURCE to what NEW points at. */
static void before_set(pid_t pid, int resource, const void *new)
{
	int err = errno;
	uint64_t soft;

	if (resource != RLIMIT_NOFILE || !sl_active() ||
	    (pid != 0 && pid != sl_pid))
		return;
	if (asked_soft(new, &soft))
		sl_transport_before_nofile(soft);
	errno = err;
}

SL_EXPORT int setrlimit(__rlimit_resource_t resource,
			const struct rlimit *rlim)
{
	before_set(0, resource, rlim);
	return SL_REAL(setrlimit)(resource, rlim);
}

SL_EXPORT int setrlimit64(__rlimit_resource_t resource,
			  const struct rlimit64 *rlim)
{
	before_set(0, resource, rlim);
	return SL_REAL(setrlimit64)(resource, rlim);
}

SL_EXPORT int prlimit(pid_t pid, __rlimit_resource_t resource,
		      const struct rlimit *new, struct rlimit *old)
{
	before_set(pid, resource, new);
	return SL_REAL(prlimit)(pid, resource, new, old);
}

SL_EXPORT int prlimit64(pid_t pid, __rlimit_resource_t resource,
			const struct rlimit64 *new, struct rlimit64 *old)
{
	before_set(pid, resource, new);
	return SL_REAL(prlimit64)(pid, resource, new, old);
}

/* syscall(SYS_setrlimit, ...) and syscall(SYS_prlimit64, ...). */
long sl_rlimit_syscall(long nr, const long *a, struct sl_site site)
{
	(void)site;
	if (nr == SYS_prlimit64)
		before_set((pid_t)a[0], (int)a[1], (const void *)a[2]);
	else
		before_set(0, (int)a[0], (const void *)a[1]);
	return sl_raw_syscall(nr, a);
}
