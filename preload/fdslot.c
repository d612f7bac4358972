/*
 * Where our connection's fd may go. It sits TRANSPORT_FD_GAP under the
 * soft RLIMIT_NOFILE, out of the way of programs that take the lowest
 * free fd and of select()'s FD_SETSIZE, and never below a number the
 * program could have had:
 *
 * - a program that lowers its soft limit below where our fd goes gets
 *   our connection made first (wrap_rlimit.c, transport.c), for an fd at
 *   or above a limit stays valid when the limit comes down; from then on
 *   no connection of ours goes below that number (the floor);
 * - a fork child after that has no room above our number under the
 *   lowered limit: alone in its process, it lifts its soft limit for a
 *   moment to make its connection there (sl_conn_in_child);
 * - where there is no such room at all (a soft limit of 16 or less at
 *   start, a hard limit below our number, a reconnect after the limit
 *   came down), there is no connection: records are dropped and counted
 *   as SL_DROP_NO_FD. There is no fallback to a low fd.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>

#include "preload.h"

/* Our fd sits this far under the soft fd limit. */
#define TRANSPORT_FD_GAP 8

/* The lowest fd number a connection of ours may take (0: none yet):
 * where ours went, or would have gone, when the program lowered its fd
 * limit. Below it the fds are the program's. */
static int conn_floor;

/*
 * The lowest fd a new connection may take: TRANSPORT_FD_GAP under the
 * soft limit, never below the floor; -1 when there is no such place (a
 * soft limit of 16 or less, and no floor).
 */
int sl_conn_from(void)
{
	int floor = __atomic_load_n(&conn_floor, __ATOMIC_RELAXED);
	struct rlimit rl;
	int base = -1;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur > TRANSPORT_FD_GAP * 2)
		base = (rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur) -
		       TRANSPORT_FD_GAP;
	return base < floor ? floor : base;
}

/* No connection of ours below FD from now on. */
void sl_conn_floor_raise(int fd)
{
	int cur = __atomic_load_n(&conn_floor, __ATOMIC_RELAXED);

	while (cur < fd &&
	       !__atomic_compare_exchange_n(&conn_floor, &cur, fd, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/*
 * A fork child whose parent could make it no connection: our fd number
 * SLOT (the parent's, closed by now) is at or past the soft limit the
 * program set. Alone in its process (no other thread survives a fork),
 * with every signal blocked so that no handler of the program runs
 * meanwhile, the child lifts its soft limit to just above SLOT, makes
 * its connection there, and puts the limit back as it was: no fd below
 * the program's limit is ever ours, and the program finds its limit as
 * it left it. -EMFILE when the hard limit leaves no room.
 */
int sl_conn_in_child(int slot)
{
	struct rlimit rl, lift;
	sigset_t all, old;
	int fd;

	if (slot < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
	    (rlim_t)slot >= rl.rlim_max)
		return -EMFILE;
	if ((rlim_t)slot < rl.rlim_cur)
		return sl_conn_open(slot);
	lift = rl;
	lift.rlim_cur = (rlim_t)slot + 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (SL_REAL(setrlimit)(RLIMIT_NOFILE, &lift) < 0) {
		fd = -EMFILE;
	} else {
		fd = sl_conn_open(slot);
		SL_REAL(setrlimit)(RLIMIT_NOFILE, &rl);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return fd;
}
