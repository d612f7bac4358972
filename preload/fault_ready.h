/*
 * Readiness kept coherent with the faults on non-blocking sockets
 * (fault_ready.c). A delayed non-blocking connect answers EINPROGRESS at
 * once and its socket is "held": poll, select and epoll do not report it
 * until the delay is over, then it is writable and SO_ERROR says the
 * outcome (0, or the injected errno). A delayed non-blocking read or
 * write says EAGAIN until it is due, and its socket is held for that
 * direction (readable, writable) until then. A wait that involves a held
 * socket is cut short at the hold's end, so the waiter wakes then and
 * sees the socket ready.
 *
 * The wait wrappers test sl_fault_nholds once: while no socket is held
 * they make the real call as before.
 */
#ifndef SL_FAULT_READY_H
#define SL_FAULT_READY_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>

struct sl_fd;

/* Holds in force: the wait wrappers' one test. */
extern int sl_fault_nholds;

/* At init, when the policy has fault rules: the per-fd table. */
void sl_hold_init(void);

/* Directions a hold keeps back. */
#define SL_HOLD_IN	1u
#define SL_HOLD_OUT	2u
#define SL_HOLD_ALL	4u	/* a connect: every event, HUP and ERR too */

/*
 * Holds FD (its socket INODE) in the directions WHAT until DUE_NS
 * (sl_now_ns's clock); ERR is what SO_ERROR says after (a connect), or 0.
 * False when it could not be held (no table, too many holds).
 */
bool sl_hold_start(int fd, uint64_t inode, unsigned int what,
		   uint64_t due_ns, int err);
/*
 * A connect on FD while a connect hold is pending or its errno not yet
 * taken: -1 with errno (EALREADY before the end, the injected errno
 * after), 1 to make the real call (the hold is over and succeeded), 0
 * when FD has no such hold.
 */
int sl_hold_connect_again(int fd, uint64_t inode);
/* After a getsockopt(SO_ERROR) that succeeded: the injected outcome. */
void sl_hold_so_error(int fd, const struct sl_fd *e, void *val,
		      const socklen_t *len);

/* epoll_ctl when the policy has fault rules: follows what each socket
 * asked of which instance, and keeps a held socket's events back. */
int sl_hold_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

/* The waits while a socket is held (TIMEOUT in ms, -1 forever). */
int sl_hold_epoll_wait(int epfd, struct epoll_event *ev, int max,
		       int timeout, const sigset_t *mask);
int sl_hold_poll(struct pollfd *fds, nfds_t n, int timeout,
		 const sigset_t *mask);
int sl_hold_select(int n, fd_set *r, fd_set *w, fd_set *x, int timeout,
		   const sigset_t *mask);
/* Whether FD's socket is registered in EPFD with DATA (epoll_ctl as
 * noted while there are fault rules). */
bool sl_hold_registered(int fd, int epfd, uint64_t data);

/*
 * Readiness later (fault_late.c): FD (its socket INODE) is under a
 * "delay recv" of DELAY_NS; DUE is the engine's due time for its reads.
 * The waits, after the real call, take a watched non-blocking socket's
 * readable event out (*HID set) and hold it until the delay is over:
 * each returns the count left.
 */
extern int sl_late_nwatch;
void sl_late_watch(int fd, uint64_t inode, uint64_t delay_ns, uint64_t *due);
int sl_late_poll(struct pollfd *fds, nfds_t n, int ret, bool *hid);
int sl_late_select(int n, fd_set *r, int ret, bool *hid);
int sl_late_epoll(int epfd, struct epoll_event *ev, int n, bool *hid);

/* The same waits by number (syscall()): NR, its arguments A, the
 * timeout in ms its wrapper read from them. */
long sl_hold_wait_syscall(long nr, const long *a, int timeout);

#endif
