/*
 * Holds (fault_ready.h): a non-blocking socket that a fault keeps from
 * being ready until a due time. Each fd has an entry in a table made at
 * init (pages touched only where fds are); the fds held now are also in
 * a short list (HOLD_LIST), which the waits walk.
 *
 * How a wait keeps a held socket back: poll is given the socket's fd as
 * -1 (the kernel skips it) or its events less the held ones; select has
 * its bits cleared; an epoll instance has the socket's registration
 * changed in the kernel (EPOLL_CTL_MOD without the held events, or
 * EPOLL_CTL_DEL when nothing is left) for as long as the hold lasts, and
 * put back as the program asked at its end: the kernel then looks at the
 * socket again and queues its event, edge-triggered ones too. For that,
 * epoll_ctl (while the policy has fault rules) notes per fd the instance
 * and the event the program asked for, one instance a socket (the last).
 * Each wait is cut short at the first end of a hold it involves, and
 * made again for the rest of the program's timeout when nothing came.
 *
 * Approximate: a thread already blocked in a wait when another thread
 * starts a hold is not woken at its end (the next wait or call is); an
 * EPOLLONESHOT registration is left alone; a socket in two epoll
 * instances is held in the last one it was added to.
 *
 * The table is changed under a lock that is only ever tried (a signal
 * handler that waits on a socket while its thread holds it gives up
 * instead of hanging): a call that cannot take it does without holds.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "fault_ready.h"
#include "wrap.h"

/* Fds past this are not held. */
#define HOLD_CAP 65536
/* Sockets held at once; one more is not held (it answers EAGAIN until
 * due, and its readiness is the kernel's). */
#define HOLD_LIST 64
/* A wait that could not take the lock looks again after this long. */
#define BUSY_MS 10

#define EV_IN (EPOLLIN | EPOLLPRI | EPOLLRDHUP)
#define EV_ANY (EV_IN | EPOLLOUT)

struct hold {
	uint64_t inode;		/* the socket it is for; 0: none */
	uint64_t due_in;	/* readable not before; 0: not held */
	uint64_t due_out;	/* writable not before; 0: not held */
	int err;		/* a connect's outcome, for SO_ERROR */
	bool all;		/* a connect: every event held */
	bool pend;		/* a connect whose outcome is not yet taken */
	bool listed;		/* in the list of fds held */
	/* What the program asked of epoll for this socket. */
	bool ep_in;		/* the kernel has a registration (ep_cur) */
	int ep_fd;		/* the instance, or -1 */
	uint32_t ep_cur;	/* the events the kernel has */
	uint64_t ep_inode;	/* the socket registered */
	struct epoll_event ep_ev;	/* as the program asked */
};

int sl_fault_nholds;
static struct hold *holds;
static int list[HOLD_LIST];
static int nlist;
static bool lock_flag;

void sl_hold_init(void)
{
	void *p = mmap(NULL, HOLD_CAP * sizeof(*holds), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p != MAP_FAILED)
		holds = p;
}

/* Tries a while (another thread's short turn), never blocks for good. */
static bool lock(void)
{
	for (int i = 0; i < 100; i++) {
		if (!__atomic_test_and_set(&lock_flag, __ATOMIC_ACQUIRE))
			return true;
		sched_yield();
	}
	return false;
}

static void unlock(void)
{
	__atomic_clear(&lock_flag, __ATOMIC_RELEASE);
}

/* FD's entry if FD can be held, else NULL. */
static struct hold *entry(int fd)
{
	return holds && (unsigned int)fd < HOLD_CAP ? &holds[fd] : NULL;
}

/* Whether FD still holds the socket H is for. */
static bool same_socket(int fd, const struct hold *h)
{
	const struct sl_fd *e = sl_fd_get(fd);

	return e && sl_fd_inode(e) == h->inode;
}

static uint32_t held_events(const struct hold *h)
{
	if (h->all)
		return ~0u;
	return (h->due_in ? EV_IN : 0) | (h->due_out ? EPOLLOUT : 0);
}

/* Makes the kernel's epoll registration of FD what H says: the program's
 * events less the held ones, none at all when nothing is left. */
static void ep_apply(int fd, struct hold *h)
{
	uint32_t want;
	struct epoll_event ev;
	int r;

	if (h->ep_fd < 0 || h->ep_inode != h->inode ||
	    (h->ep_ev.events & EPOLLONESHOT))
		return;
	want = h->ep_ev.events & ~held_events(h);
	if (h->all || !(want & EV_ANY)) {
		if (h->ep_in)
			SL_REAL(epoll_ctl)(h->ep_fd, EPOLL_CTL_DEL, fd, NULL);
		h->ep_in = false;
		return;
	}
	if (h->ep_in && h->ep_cur == want)
		return;
	ev = (struct epoll_event){ .events = want, .data = h->ep_ev.data };
	r = SL_REAL(epoll_ctl)(h->ep_fd, h->ep_in ? EPOLL_CTL_MOD :
				EPOLL_CTL_ADD, fd, &ev);
	if (r == 0) {
		h->ep_in = true;
		h->ep_cur = want;
	}
}

static void unlist(int i)
{
	holds[list[i]].listed = false;
	list[i] = list[--nlist];
	__atomic_sub_fetch(&sl_fault_nholds, 1, __ATOMIC_RELAXED);
}

/* Ends what of the hold in list slot I is due by NOW; true if it went. */
static bool release(int i, uint64_t now)
{
	int fd = list[i];
	struct hold *h = &holds[fd];

	if (!same_socket(fd, h)) {
		h->pend = false;
		unlist(i);
		return true;
	}
	if (h->due_in && h->due_in <= now)
		h->due_in = 0;
	if (h->due_out && h->due_out <= now)
		h->due_out = 0;
	if (h->all && !h->due_in && !h->due_out)
		h->all = false;
	ep_apply(fd, h);
	if (h->due_in || h->due_out)
		return false;
	unlist(i);
	return true;
}

static void sweep(uint64_t now)
{
	for (int i = 0; i < nlist;)
		if (!release(i, now))
			i++;
}

bool sl_hold_start(int fd, uint64_t inode, unsigned int what,
		   uint64_t due_ns, int err)
{
	struct hold *h = entry(fd);

	if (!h || !lock())
		return false;
	if (h->inode != inode) {
		h->inode = inode;
		h->due_in = h->due_out = 0;
		h->all = h->pend = false;
	}
	if (h->ep_inode != inode)
		h->ep_fd = -1;
	if (!h->listed && nlist == HOLD_LIST) {
		unlock();
		return false;
	}
	if (!h->listed) {
		h->listed = true;
		list[nlist++] = fd;
		__atomic_add_fetch(&sl_fault_nholds, 1, __ATOMIC_RELAXED);
	}
	if (what & SL_HOLD_ALL) {
		h->all = h->pend = true;
		h->err = err;
		what |= SL_HOLD_IN | SL_HOLD_OUT;
	}
	/* A due time of 0 means none: one already past is 1. */
	if (what & SL_HOLD_IN)
		h->due_in = due_ns ? due_ns : 1;
	if (what & SL_HOLD_OUT)
		h->due_out = due_ns ? due_ns : 1;
	ep_apply(fd, h);
	unlock();
	return true;
}

/* The list slot of FD, or -1. */
static int slot_of(int fd)
{
	for (int i = 0; i < nlist; i++)
		if (list[i] == fd)
			return i;
	return -1;
}

/* Takes a connect hold's outcome once it is due: its errno, or 0; -1
 * while it is not. Under the lock. */
static int take_outcome(int fd, struct hold *h)
{
	uint64_t now = sl_now_ns();
	int i = slot_of(fd), err;

	if (i >= 0 && !release(i, now) && h->all)
		return -1;
	err = h->err;
	h->pend = false;
	h->err = 0;
	return err;
}

int sl_hold_connect_again(int fd, uint64_t inode)
{
	struct hold *h = entry(fd);
	int err;

	if (!h || h->inode != inode || !h->pend || !lock())
		return 0;
	err = take_outcome(fd, h);
	unlock();
	if (err < 0) {
		errno = EALREADY;
		return -1;
	}
	if (!err)
		return 1;
	errno = err;
	return -1;
}

void sl_hold_so_error(int fd, const struct sl_fd *e, void *val,
		      const socklen_t *len)
{
	struct hold *h = entry(fd);
	int err;

	if (!h || !h->pend || h->inode != sl_fd_inode(e) ||
	    *len < (socklen_t)sizeof(int) || !lock())
		return;
	err = take_outcome(fd, h);
	unlock();
	/* Still pending: the kernel's own answer (0) stands. */
	if (err > 0)
		*(int *)val = err;
}

/* Notes what the program asked of EPFD for FD (a call that succeeded). */
static void note(struct hold *h, int epfd, int op, uint64_t inode,
		 const struct epoll_event *ev)
{
	if (op == EPOLL_CTL_DEL) {
		if (h->ep_fd == epfd)
			h->ep_fd = -1;
		return;
	}
	h->ep_fd = epfd;
	h->ep_inode = inode;
	h->ep_ev = *ev;
	h->ep_in = true;
	h->ep_cur = ev->events;
}

/* epoll_ctl on a held FD in the instance it is held in: the program's
 * wish noted, the kernel given it less the held events. */
static int ctl_held(int epfd, int op, int fd, struct hold *h,
		    const struct epoll_event *ev)
{
	int r = 0;

	if (op == EPOLL_CTL_DEL) {
		if (h->ep_in)
			r = SL_REAL(epoll_ctl)(epfd, op, fd, NULL);
		h->ep_fd = -1;
		h->ep_in = false;
		return r;
	}
	if (op == EPOLL_CTL_ADD) {
		errno = EEXIST;
		return -1;
	}
	h->ep_ev = *ev;
	ep_apply(fd, h);
	return 0;
}

int sl_hold_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	const struct sl_fd *t = sl_fd_get(fd);
	struct hold *h = entry(fd);
	bool mine, readable = op == EPOLL_CTL_DEL || (uintptr_t)ev >= 65536;
	uint64_t inode;
	int r;

	if (!t || !h || !readable || !lock())
		return SL_REAL(epoll_ctl)(epfd, op, fd, ev);
	inode = sl_fd_inode(t);
	mine = h->listed && h->inode == inode;
	if (mine && h->ep_fd == epfd && h->ep_inode == inode) {
		r = ctl_held(epfd, op, fd, h, ev);
	} else if (mine && op == EPOLL_CTL_ADD) {
		h->ep_fd = epfd;
		h->ep_inode = inode;
		h->ep_ev = *ev;
		h->ep_in = false;
		ep_apply(fd, h);
		r = 0;
	} else {
		r = SL_REAL(epoll_ctl)(epfd, op, fd, ev);
		if (r == 0)
			note(h, epfd, op, inode, ev);
	}
	unlock();
	return r;
}

bool sl_hold_registered(int fd, int epfd, uint64_t data)
{
	const struct hold *h = entry(fd);

	return h && h->ep_fd == epfd && h->ep_ev.data.u64 == data;
}

/* ---- the waits ---- */

/* Milliseconds from NOW to T, rounded up (the wait ends at or after T). */
static int ms_until(uint64_t now, uint64_t t)
{
	uint64_t ms = t > now ? (t - now + 999999) / 1000000 : 0;

	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* One round of a wait: the program's timeout left at NOW (END 0:
 * forever), cut to DUE, the first end of a hold it involves (0: none).
 * *CUT says the round ends early. */
static int round_ms(uint64_t now, uint64_t end, bool forever, uint64_t due,
		    bool *cut)
{
	int left = forever ? -1 : ms_until(now, end);

	*cut = due && (left < 0 || ms_until(now, due) < left);
	return *cut ? ms_until(now, due) : left;
}

static uint64_t end_of(uint64_t now, int timeout)
{
	return timeout < 0 ? 0 : now + (uint64_t)timeout * 1000000;
}

static uint64_t first(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

int sl_hold_epoll_wait(int epfd, struct epoll_event *ev, int max,
		       int timeout, const sigset_t *mask)
{
	uint64_t now = sl_now_ns(), end = end_of(now, timeout), due;
	bool cut, hid;
	int n;

	for (;;) {
		due = 0;
		if (lock()) {
			sweep(now);
			for (int i = 0; i < nlist; i++) {
				const struct hold *h = &holds[list[i]];

				if (h->ep_fd == epfd && h->ep_inode == h->inode)
					due = first(due, first(h->due_in,
							       h->due_out));
			}
			unlock();
		} else {
			due = now + BUSY_MS * 1000000ull;
		}
		n = SL_REAL(epoll_pwait)(epfd, ev, max,
					 round_ms(now, end, timeout < 0, due,
						  &cut), mask);
		hid = false;
		if (n > 0 && sl_late_nwatch)
			n = sl_late_epoll(epfd, ev, n, &hid);
		if (n != 0 || (!cut && !hid))
			return n;
		now = sl_now_ns();
		if (timeout >= 0 && now >= end)
			return 0;
	}
}

/* What poll is given for a held entry P: fd -1 or fewer events; the
 * hold's end, or 0 when it hid nothing. */
static uint64_t poll_hide(struct pollfd *p, const struct hold *h)
{
	short rest = (short)(p->events & ~held_events(h));

	if (!h->all && rest == p->events)
		return 0;
	if (h->all || !(rest & (POLLIN | POLLOUT | POLLPRI | POLLRDHUP)))
		p->fd = -1;
	else
		p->events = rest;
	return first(h->due_in, h->due_out);
}

int sl_hold_poll(struct pollfd *fds, nfds_t n, int timeout,
		 const sigset_t *mask)
{
	struct saved_fd { nfds_t i; int fd; short events; } saved[HOLD_LIST];
	uint64_t now = sl_now_ns(), end = end_of(now, timeout), due;
	struct timespec ts;
	int ns, ms, ret;
	bool cut, hid;

	for (;;) {
		due = 0;
		ns = 0;
		if (lock()) {
			sweep(now);
			for (nfds_t i = 0; i < n && ns < HOLD_LIST && nlist;
			     i++) {
				struct hold *h = entry(fds[i].fd);

				if (!h || !h->listed)
					continue;
				saved[ns++] = (struct saved_fd){
					i, fds[i].fd, fds[i].events };
				due = first(due, poll_hide(&fds[i], h));
			}
			unlock();
		} else {
			due = now + BUSY_MS * 1000000ull;
		}
		ms = round_ms(now, end, timeout < 0, due, &cut);
		ts = (struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000 };
		ret = SL_REAL(ppoll)(fds, n, ms < 0 ? NULL : &ts, mask);
		for (int k = 0; k < ns; k++) {
			fds[saved[k].i].fd = saved[k].fd;
			fds[saved[k].i].events = saved[k].events;
		}
		hid = false;
		if (ret > 0 && sl_late_nwatch)
			ret = sl_late_poll(fds, n, ret, &hid);
		if (ret != 0 || (!cut && !hid))
			return ret;
		now = sl_now_ns();
		if (timeout >= 0 && now >= end)
			return 0;
	}
}

/* Clears the held bits of the fds below N in the sets: the first end of
 * those holds. Under the lock. */
static uint64_t select_hide(int n, fd_set *r, fd_set *w, fd_set *x)
{
	uint64_t due = 0;

	for (int i = 0; i < nlist; i++) {
		int fd = list[i];
		const struct hold *h = &holds[fd];
		uint32_t held = held_events(h);
		bool in = false;

		if (fd >= n || fd >= FD_SETSIZE)
			continue;
		if (r && (held & EPOLLIN) && FD_ISSET(fd, r)) {
			FD_CLR(fd, r);
			in = true;
		}
		if (w && (held & EPOLLOUT) && FD_ISSET(fd, w)) {
			FD_CLR(fd, w);
			in = true;
		}
		if (x && h->all && FD_ISSET(fd, x)) {
			FD_CLR(fd, x);
			in = true;
		}
		if (in)
			due = first(due, first(h->due_in, h->due_out));
	}
	return due;
}

int sl_hold_select(int n, fd_set *r, fd_set *w, fd_set *x, int timeout,
		   const sigset_t *mask)
{
	fd_set sr, sw, sx;
	uint64_t now = sl_now_ns(), end = end_of(now, timeout), due;
	struct timespec ts;
	int ms, ret;
	bool cut, hid;

	if (r)
		sr = *r;
	if (w)
		sw = *w;
	if (x)
		sx = *x;
	for (;;) {
		if (lock()) {
			sweep(now);
			due = select_hide(n, r, w, x);
			unlock();
		} else {
			due = now + BUSY_MS * 1000000ull;
		}
		ms = round_ms(now, end, timeout < 0, due, &cut);
		ts = (struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000 };
		ret = SL_REAL(pselect)(n, r, w, x, ms < 0 ? NULL : &ts, mask);
		hid = false;
		if (ret > 0 && sl_late_nwatch)
			ret = sl_late_select(n, r, ret, &hid);
		if (ret != 0 || (!cut && !hid))
			return ret;
		if (timeout >= 0 && sl_now_ns() >= end)
			return 0;
		if (r)
			*r = sr;
		if (w)
			*w = sw;
		if (x)
			*x = sx;
		now = sl_now_ns();
	}
}

/*
 * The kernel's sigmask arguments are given to libc's calls as they are:
 * the kernel reads only its own sigset's size of them. pselect6's is a
 * pointer to a {mask, size} pair.
 */
long sl_hold_wait_syscall(long nr, const long *a, int timeout)
{
	const sigset_t *const *packed = (const sigset_t *const *)a[5];

	switch (nr) {
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return sl_hold_epoll_wait((int)a[0], (struct epoll_event *)a[1],
					  (int)a[2], timeout,
					  (const sigset_t *)a[4]);
	case SYS_ppoll:
		return sl_hold_poll((struct pollfd *)a[0], (nfds_t)a[1],
				    timeout, (const sigset_t *)a[3]);
	case SYS_pselect6:
		return sl_hold_select((int)a[0], (fd_set *)a[1], (fd_set *)a[2],
				      (fd_set *)a[3], timeout,
				      packed ? *packed : NULL);
#ifdef SYS_epoll_wait
	case SYS_epoll_wait:
		return sl_hold_epoll_wait((int)a[0], (struct epoll_event *)a[1],
					  (int)a[2], timeout, NULL);
	case SYS_poll:
		return sl_hold_poll((struct pollfd *)a[0], (nfds_t)a[1],
				    timeout, NULL);
	case SYS_select:
		return sl_hold_select((int)a[0], (fd_set *)a[1], (fd_set *)a[2],
				      (fd_set *)a[3], timeout, NULL);
#endif
	}
	return sl_raw_syscall(nr, a);
}
