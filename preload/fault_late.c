/*
 * Readiness later (fault_ready.h): a non-blocking socket under a "delay
 * recv" rule is reported readable by poll, select and epoll only the
 * delay after its data came, as over a slow link, rather than at once
 * and then EAGAIN from the read. Such sockets are "watched" (at most
 * WATCH_MAX, from their first I/O on); when a wait finds one readable
 * and no delay is under way, the readable event is taken out of what
 * the wait returns, the socket held for reading until the delay is over
 * (the engine's due time set to the same end, so the read then passes),
 * and the wait goes on. A read before that, with nothing to read, is
 * the kernel's EAGAIN, not the start of a delay (fault_wire.c).
 */
#include "fault_ready.h"
#include "wrap.h"

#define WATCH_MAX 64

struct watch {
	int fd;
	uint64_t inode;
	uint64_t delay_ns;
	uint64_t *due;		/* the engine's due time for its reads */
};

int sl_late_nwatch;
static struct watch watches[WATCH_MAX];
static bool busy;

static bool lock(void)
{
	return !__atomic_test_and_set(&busy, __ATOMIC_ACQUIRE);
}

static void unlock(void)
{
	__atomic_clear(&busy, __ATOMIC_RELEASE);
}

static void count(int d)
{
	__atomic_add_fetch(&sl_late_nwatch, d, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sl_fault_nholds, d, __ATOMIC_RELAXED);
}

void sl_late_watch(int fd, uint64_t inode, uint64_t delay_ns, uint64_t *due)
{
	int n, i;

	if (!lock())
		return;
	n = __atomic_load_n(&sl_late_nwatch, __ATOMIC_RELAXED);
	for (i = 0; i < n && watches[i].fd != fd; i++)
		;
	if (i == n && n < WATCH_MAX)
		count(1);
	if (i < WATCH_MAX)
		watches[i] = (struct watch){ fd, inode, delay_ns, due };
	unlock();
}

/* Drops watches whose fd holds another socket now. Under the lock. */
static void prune(void)
{
	int n = __atomic_load_n(&sl_late_nwatch, __ATOMIC_RELAXED);

	for (int i = 0; i < n;) {
		const struct sl_fd *e = sl_fd_get(watches[i].fd);

		if (e && sl_fd_inode(e) == watches[i].inode) {
			i++;
			continue;
		}
		watches[i] = watches[--n];
		count(-1);
	}
}

/* Watch K's socket, found readable at NOW: whether its readiness is
 * held back (a non-blocking socket with no delay under way). */
static bool hold_back(const struct watch *k, uint64_t now)
{
	const struct sl_fd *e = sl_fd_get(k->fd);
	uint64_t due = now + k->delay_ns;

	if (!e || !(sl_fd_flags(e) & SL_FD_NONBLOCK) || *k->due)
		return false;
	if (!sl_hold_start(k->fd, k->inode, SL_HOLD_IN, due, 0))
		return false;
	*k->due = due;
	return true;
}

static const struct watch *find_fd(int fd)
{
	int n = __atomic_load_n(&sl_late_nwatch, __ATOMIC_RELAXED);

	for (int i = 0; i < n; i++)
		if (watches[i].fd == fd)
			return &watches[i];
	return NULL;
}

int sl_late_poll(struct pollfd *fds, nfds_t n, int ret, bool *hid)
{
	uint64_t now = sl_now_ns();

	if (ret <= 0 || !lock())
		return ret;
	prune();
	for (nfds_t i = 0; i < n; i++) {
		const struct watch *k;

		if (!(fds[i].revents & POLLIN) || !(k = find_fd(fds[i].fd)) ||
		    !hold_back(k, now))
			continue;
		fds[i].revents &= (short)~(POLLIN | POLLRDNORM);
		ret -= !fds[i].revents;
		*hid = true;
	}
	unlock();
	return ret;
}

int sl_late_select(int n, fd_set *r, int ret, bool *hid)
{
	uint64_t now = sl_now_ns();
	int nw;

	if (ret <= 0 || !r || !lock())
		return ret;
	prune();
	nw = __atomic_load_n(&sl_late_nwatch, __ATOMIC_RELAXED);
	for (int i = 0; i < nw; i++) {
		int fd = watches[i].fd;

		if (fd >= n || fd >= FD_SETSIZE || !FD_ISSET(fd, r) ||
		    !hold_back(&watches[i], now))
			continue;
		FD_CLR(fd, r);
		ret--;
		*hid = true;
	}
	unlock();
	return ret;
}

int sl_late_epoll(int epfd, struct epoll_event *ev, int n, bool *hid)
{
	uint64_t now = sl_now_ns();
	int kept = 0, nw;

	if (n <= 0 || !lock())
		return n;
	prune();
	nw = __atomic_load_n(&sl_late_nwatch, __ATOMIC_RELAXED);
	for (int k = 0; k < n; k++) {
		for (int i = 0; i < nw && (ev[k].events & EPOLLIN); i++) {
			if (!sl_hold_registered(watches[i].fd, epfd,
						ev[k].data.u64) ||
			    !hold_back(&watches[i], now))
				continue;
			ev[k].events &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM);
			*hid = true;
		}
		if (ev[k].events)
			ev[kept++] = ev[k];
	}
	unlock();
	return kept;
}
