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
#include <dlfcn.h>
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

	if (!sl_active() || (pid != 0 && pid != sl_pid))
		return;
	if (asked_soft(new, &soft))
		sl_transport_before_nofile(soft);
	errno = err;
}

/*
 * The wrappers themselves run nothing instrumented for any other limit:
 * the ThreadSanitizer runtime sets its core limit from its own
 * constructor, before ours, when nothing built with -fsanitize=thread
 * may run yet (a TSan build of the preload crashed there). So they find
 * the real function themselves (dlsym is libc's) rather than through
 * sl_bind.
 */
#define NOSAN __attribute__((no_sanitize_thread))

static NOSAN void *real_fn(void *const *bound, void **mine, const char *name)
{
	void *fn = __atomic_load_n(bound, __ATOMIC_RELAXED);

	if (!fn)
		fn = __atomic_load_n(mine, __ATOMIC_RELAXED);
	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(mine, fn, __ATOMIC_RELAXED);
	}
	return fn;
}

#define REAL(field) ({ static void *mine_; \
	(__typeof__(sl_real.field))real_fn((void *const *)&sl_real.field, \
					    &mine_, #field); })

SL_EXPORT NOSAN int setrlimit(__rlimit_resource_t resource,
			      const struct rlimit *rlim)
{
	if (resource == RLIMIT_NOFILE)
		before_set(0, resource, rlim);
	return REAL(setrlimit)(resource, rlim);
}

SL_EXPORT NOSAN int setrlimit64(__rlimit_resource_t resource,
				const struct rlimit64 *rlim)
{
	if (resource == RLIMIT_NOFILE)
		before_set(0, resource, rlim);
	return REAL(setrlimit64)(resource, rlim);
}

SL_EXPORT NOSAN int prlimit(pid_t pid, __rlimit_resource_t resource,
			    const struct rlimit *new, struct rlimit *old)
{
	if (resource == RLIMIT_NOFILE)
		before_set(pid, resource, new);
	return REAL(prlimit)(pid, resource, new, old);
}

SL_EXPORT NOSAN int prlimit64(pid_t pid, __rlimit_resource_t resource,
			      const struct rlimit64 *new, struct rlimit64 *old)
{
	if (resource == RLIMIT_NOFILE)
		before_set(pid, resource, new);
	return REAL(prlimit64)(pid, resource, new, old);
}

/* syscall(SYS_setrlimit, ...) and syscall(SYS_prlimit64, ...). */
long sl_rlimit_syscall(long nr, const long *a, struct sl_site site)
{
	(void)site;
	if (nr == SYS_prlimit64 && a[1] == RLIMIT_NOFILE)
		before_set((pid_t)a[0], (int)a[1], (const void *)a[2]);
	else if (nr == SYS_setrlimit && a[0] == RLIMIT_NOFILE)
		before_set(0, (int)a[0], (const void *)a[1]);
	return sl_raw_syscall(nr, a);
}
