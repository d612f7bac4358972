/*
 * The wrappers' shared halves. A wrapped call is made two ways: through
 * its libc name (send, close, accept4...) and through libc's syscall()
 * with its number (wrap_syscall.c). Both do the same bookkeeping, so each
 * wrapper is cut in two around its real call: a begin half (take the
 * start time, the policy's say before the call) and a
 * done half (the fd table, the record). The named wrapper calls libc's
 * function between them, syscall() the raw system call with the
 * program's own arguments; the records differ only in SL_F_SYSCALL,
 * which rides in struct sl_site.
 *
 * Done halves read errno as the real call left it and leave it so.
 */
#ifndef SL_WRAP_H
#define SL_WRAP_H

#include <errno.h>

#include "preload.h"

/* ---- I/O (wrap_io.c, wrap_io_plain.c) ---- */

/* A blocking call that failed with EAGAIN after at least this long
 * waited out its timeout (SO_RCVTIMEO, SO_SNDTIMEO): a record. A quicker
 * one found a non-blocking socket (one made so where we could not see),
 * and is only counted. */
#define SL_WAITED_OUT_NS 1000000ull

/* One I/O call as its bookkeeping sees it. */
struct sl_io {
	uint64_t t0;		/* when it started, a stamp (sl_stamp, ns by
				 * sl_stamp_ns); 0: not timed */
	struct sl_site site;
	const struct sockaddr *peer;	/* sendto's destination, recvfrom's
					 * source: set after the call */
	socklen_t peer_len;
	size_t asked;		/* bytes, iovecs or messages asked for */
	uint16_t call;
	bool rx;
	bool peek;		/* MSG_PEEK: not a receipt */
};

/* The slow half of sl_io_done, given IO field by field: a wrapper's
 * struct sl_io is then never in memory on the plain path (neither its
 * address nor a copy of it is taken), and the compiler keeps in
 * registers only what the slow path needs, storing nothing before the
 * real call. WHAT is the call, SL_IO_RX and SL_IO_PEEK. */
#define SL_IO_RX	(1u << 16)
#define SL_IO_PEEK	(1u << 17)
void sl_io_slow(struct sl_fd *e, int fd, ssize_t n, int err, bool report,
		uint64_t t0, struct sl_site site, uint32_t what, size_t asked,
		const struct sockaddr *peer, socklen_t peer_len);

/*
 * Before an I/O call on a followed socket. One that can block (a
 * blocking socket, no MSG_DONTWAIT) is timed, so that an EINTR or an
 * error it ends with has its start and its length; a receive that can
 * block sends this thread's records first. MSGFLAGS are the call's
 * MSG_* flags (0 for read, write and the like).
 */
static inline void sl_io_begin(struct sl_io *io, const struct sl_fd *e,
			       int msgflags, bool rx, uint16_t call,
			       size_t asked, struct sl_site site)
{
	bool may_block = !(sl_fd_flags(e) & SL_FD_NONBLOCK) &&
			 !(msgflags & MSG_DONTWAIT);

	io->site = site;
	io->peer = NULL;
	io->peer_len = 0;
	io->asked = asked;
	io->call = call;
	io->rx = rx;
	io->peek = rx && (msgflags & MSG_PEEK);
	io->t0 = may_block ? sl_stamp() : 0;
}

/*
 * sendmsg on a UNIX socket is stamped at its start even when it cannot
 * block: an fd it passes is then stamped before the receiver can have
 * it, and the two records come in that order.
 */
static inline void sl_io_stamp_unix(struct sl_io *io, const struct sl_fd *e)
{
	if (!io->t0 && SL_LOAD(e->family) == AF_UNIX)
		io->t0 = sl_stamp();
}

#define SL_IO_ATTENTION (SL_FD_CONNECTING | SL_FD_WANT_PEER | SL_FD_EXITED)

/*
 * After the call: N bytes moved (or -1). Bytes and calls go to the fd
 * table; a peek is counted apart (its bytes will be read again); only
 * what changes the socket's story goes out of line. Keeps errno.
 *
 * True on the plain path: the counters added, nothing to report, and
 * none of QUIET's flags on the entry (SL_IO_ATTENTION, and SL_FD_PEEK
 * for a wrapper that feeds the peek next and can then skip its test).
 */
static inline __attribute__((always_inline)) bool
sl_io_done_quiet(struct sl_fd *e, int fd, ssize_t n, const struct sl_io *io,
		 uint32_t quiet)
{
	bool report = false;
	uint32_t f;
	int err;

	if (sl_unlikely(io->peek) && n >= 0) {
		__atomic_add_fetch(&e->peeks, 1, __ATOMIC_RELAXED);
		if (n > 0 && sl_likely(!(sl_fd_flags(e) & SL_IO_ATTENTION)))
			return false;
	} else if (n > 0) {
		uint64_t *bytes = io->rx ? &e->rx_bytes : &e->tx_bytes;
		uint32_t *calls = io->rx ? &e->rx_calls : &e->tx_calls;
		uint64_t total = __atomic_add_fetch(bytes, (uint64_t)n,
						    __ATOMIC_RELAXED);
		uint32_t count = __atomic_add_fetch(calls, 1, __ATOMIC_RELAXED);

		/* Every SL_COUNTER_CALLS calls, or on crossing a multiple
		 * of SL_COUNTER_BYTES, the counters go on the timeline. */
		report = !(count % SL_COUNTER_CALLS) ||
			 ((total - (uint64_t)n) ^ total) >= SL_COUNTER_BYTES;
		f = sl_fd_flags(e);
		if (sl_likely(!(f & quiet) && !report))
			return true;
		if (!(f & SL_IO_ATTENTION) && !report)
			return false;
	}
	/* Read only here: the plain path above leaves errno alone. */
	err = errno;
	sl_io_slow(e, fd, n, err, report, io->t0, io->site,
		   io->call | (io->rx ? SL_IO_RX : 0) |
			   (io->peek ? SL_IO_PEEK : 0),
		   io->asked, io->peer, io->peer_len);
	errno = err;
	return false;
}

static inline __attribute__((always_inline)) void
sl_io_done(struct sl_fd *e, int fd, ssize_t n, const struct sl_io *io)
{
	(void)sl_io_done_quiet(e, fd, n, io, SL_IO_ATTENTION);
}

/* An address length the kernel may have given back, bounded. */
static inline socklen_t sl_sane_len(socklen_t len)
{
	return len > sizeof(struct sockaddr_storage) ?
		       sizeof(struct sockaddr_storage) : len;
}

/* recvfrom's source, once the call has written it. */
static inline void sl_io_from(struct sl_io *io, ssize_t n,
			      const struct sockaddr *src,
			      const socklen_t *src_len)
{
	if (n >= 0 && src && src_len) {
		io->peer = src;
		io->peer_len = sl_sane_len(*src_len);
	}
}

void sl_sendmsg_done(struct sl_fd *e, int fd, const struct msghdr *msg,
		     ssize_t n, struct sl_io *io);
void sl_recvmsg_done(struct sl_fd *e, int fd, const struct msghdr *msg,
		     ssize_t n, struct sl_io *io);
void sl_sendmmsg_done(struct sl_fd *e, int fd, const struct mmsghdr *vec,
		      int n, struct sl_io *io);
void sl_recvmmsg_done(struct sl_fd *e, int fd, const struct mmsghdr *vec,
		      int n, struct sl_io *io);

struct sl_sendfile {
	struct sl_fd *eo, *ei;	/* out and in, when followed */
	int out, in;
	struct sl_io io_out, io_in;
};

bool sl_sendfile_begin(struct sl_sendfile *sf, int out, int in,
		       size_t count, struct sl_site site);
void sl_sendfile_done(struct sl_sendfile *sf, ssize_t n);

/* ---- a socket's life (wrap_life.c) ---- */

void sl_socket_done(int fd, int domain, int type, int protocol, uint64_t t0,
		    struct sl_site site);
void sl_socketpair_done(int domain, int type, const int sv[2], int ret,
			uint64_t t0, struct sl_site site);
void sl_bind_done(struct sl_fd *e, int fd, const struct sockaddr *addr,
		  socklen_t len, int ret, uint64_t ts, struct sl_site site);
void sl_listen_begin(struct sl_fd *e, int fd, struct sl_site site);
void sl_listen_done(struct sl_fd *e, int fd, int backlog, int ret,
		    uint64_t ts, struct sl_site site);
socklen_t sl_connect_begin(struct sl_fd *e, int fd,
			   const struct sockaddr *addr, socklen_t len,
			   struct sockaddr_storage *remote, struct sl_site site);
void sl_connect_done(struct sl_fd *e, int fd, const struct sockaddr *addr,
		     socklen_t len, int ret, uint64_t ts,
		     const struct sockaddr_storage *remote, socklen_t rl,
		     struct sl_site site);
void sl_shutdown_done(struct sl_fd *e, int fd, int how, int ret,
		      uint64_t ts, struct sl_site site);

/* wrap_life.c, shared with wrap_accept.c: FD's local end when the
 * policy's selectors look at it (0: not asked). A new socket's name is
 * sl_sock_name's (fdtab.c). */
socklen_t sl_policy_local(int fd, struct sockaddr_storage *ss);

/* accept, accept4: the real call gets a and alen for its address. */
struct sl_accept {
	struct sl_fd *l;	/* the listener, if followed */
	struct sockaddr *a;
	socklen_t *alen;
	uint64_t ts;
	struct sockaddr_storage own;
	socklen_t own_len;
	struct sockaddr *user;	/* the caller's address and length */
	socklen_t *user_len;
	bool copy_out;		/* the kernel writes own, the caller gets a copy */
};

void sl_accept_begin(struct sl_accept *ac, int fd, struct sockaddr *addr,
		     socklen_t *len);
void sl_accept_done(struct sl_accept *ac, int fd, int nfd,
		    int flags, uint16_t call, struct sl_site site);

/* ---- ending and copying fds (wrap_fd.c) ---- */

void sl_close_record(int fd, uint16_t call, int64_t implicit, uint64_t ts,
		     struct sl_site site);

/*
 * A close of a followed socket in two halves around the real call.
 * sl_close_begin runs before it: false when FD is our connection (the
 * call then answers EBADF, as it would have without us). The fd's entry
 * is let go now, since Linux frees the fd even when close fails (EINTR,
 * EIO) and another thread may take the number at once; its record is
 * stamped now too. It goes out at once, unless another process may hold
 * the socket (SL_FD_SHARED, SL_FD_INHERITED): then sl_close_end sends it
 * after the call with the time the call took, so that of two holders'
 * closes the one the kernel saw last is known (stamped before their
 * calls, a parent's and its child's closes can be stamped in one order
 * and reach the kernel in the other). sl_close_end keeps errno.
 */
struct sl_close {
	bool late;
	int fd;
	uint64_t ts;
	struct sl_site site;
	struct sl_fd copy;
};

void sl_close_early(int fd, struct sl_fd *e, struct sl_site site,
		    struct sl_close *cl);
void sl_close_late(struct sl_close *cl);

static inline bool sl_close_begin(int fd, struct sl_fd *e,
				  struct sl_site site, struct sl_close *cl)
{
	cl->late = false;
	if (sl_unlikely(sl_is_transport_fd(fd)) && sl_active())
		return false;
	if (sl_unlikely(e != NULL))
		sl_close_early(fd, e, site, cl);
	return true;
}

static inline void sl_close_end(struct sl_close *cl)
{
	if (sl_unlikely(cl->late))
		sl_close_late(cl);
}
void sl_dup_done(int oldfd, int newfd, uint16_t call, uint64_t ts,
		 int64_t flags, struct sl_site site);
bool sl_dup23_wanted(int oldfd, int newfd);

struct sl_dup23 {
	uint64_t ts;
	bool held;		/* NEWFD held a followed socket: copy */
	struct sl_fd copy;
};

int sl_dup23_begin(struct sl_dup23 *d, int oldfd, int newfd);
void sl_dup23_done(const struct sl_dup23 *d, int oldfd, int newfd, int ret,
		   int flags, uint16_t call, struct sl_site site);
void sl_fcntl_done(struct sl_fd *e, int fd, int cmd, long arg, int ret,
		   uint64_t ts, struct sl_site site);
int sl_close_range(unsigned int first, unsigned int last, int flags,
		   uint16_t call, struct sl_site site);

/* ---- socket options (wrap_opt.c, enforce.c) ---- */

bool sl_getsockopt_wanted(const struct sl_fd *e, int level, int name);
void sl_getsockopt_done(struct sl_fd *e, int fd, int level, const void *val,
			const socklen_t *len, int ret, uint64_t ts,
			struct sl_site site);

typedef int sl_setsockopt_fn(int fd, int level, int name, const void *val,
			     socklen_t len);
int sl_setsockopt(struct sl_fd *e, int fd, int level, int name,
		  const void *val, socklen_t len, sl_setsockopt_fn *real,
		  struct sl_site site);

/* ---- epoll instances (wrap_epoll.c) ---- */

void sl_epoll_create_done(int fd, int64_t flags, uint64_t ts,
			  struct sl_site site);
/* The entry of EPFD if it is an epoll instance we follow and may record
 * now. Inline: an empty epoll_wait should cost next to nothing. */
static inline struct sl_fd *sl_epoll_entry(int epfd)
{
	struct sl_fd *ep = sl_traced(epfd);

	return ep && (sl_fd_flags(ep) & SL_FD_EPOLL) ? ep : NULL;
}
void sl_epoll_ctl_done(struct sl_fd *ep, int epfd, int op, int fd,
		       const struct epoll_event *ev, int ret, uint64_t ts,
		       struct sl_site site);
void sl_fionbio_done(struct sl_fd *e, const void *arg);

/* ---- readiness waits (wrap_wait.c) ---- */

int sl_to_ms(long long sec, long long sub, long long per);
int sl_ts_to_ms(const struct timespec *ts);
int sl_epoll_finish(struct sl_fd *ep, int epfd, const struct epoll_event *ev,
		    int n, int timeout_ms, uint64_t ts, uint16_t call,
		    uint64_t caller);

/*
 * After an epoll wait on EP: N is what it returned, TS when it started
 * (0 for a zero timeout, which is not timed unless something came
 * back). A zero-timeout wait that found nothing is only counted, here,
 * inline: no errno, no call.
 */
static inline int sl_epoll_done(struct sl_fd *ep, int epfd,
				const struct epoll_event *ev, int n,
				int timeout_ms, uint64_t ts, uint16_t call,
				uint64_t caller)
{
	if (n == 0 && timeout_ms == 0) {
		__atomic_add_fetch(&ep->eagain, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return sl_epoll_finish(ep, epfd, ev, n, timeout_ms, ts, call, caller);
}
int sl_poll_done(const struct pollfd *fds, nfds_t n, int ret,
		 int timeout_ms, uint64_t ts, uint16_t call, uint64_t caller);
void sl_select_done(int nfds, int ret, const fd_set *r, const fd_set *w,
		    const fd_set *x, int timeout_ms, uint64_t ts,
		    uint16_t call, uint64_t caller);

/* ---- calls by number (wrap_syscall.c) ---- */

/* A handler of a system call's number: A its six arguments. */
typedef long sl_syscall_fn(long nr, const long *a, struct sl_site site);

/* The raw system call NR with the program's arguments A. */
static inline long sl_raw_syscall(long nr, const long *a)
{
	return SL_REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* epoll_create1 (and epoll_create), epoll_ctl (wrap_epoll.c). */
sl_syscall_fn sl_epoll_create_syscall;
sl_syscall_fn sl_epoll_ctl_syscall;
/* epoll_wait, epoll_pwait, epoll_pwait2; poll, ppoll; select, pselect6
 * (wrap_wait.c). */
sl_syscall_fn sl_epoll_wait_syscall;
sl_syscall_fn sl_poll_syscall;
sl_syscall_fn sl_select_syscall;
/* syscall(SYS_seccomp): a filter going in (wrap_sandbox.c). */
sl_syscall_fn sl_sandbox_syscall;
/* syscall(SYS_setrlimit), syscall(SYS_prlimit64) (wrap_rlimit.c). */
sl_syscall_fn sl_rlimit_syscall;

/* ---- fds passed over UNIX sockets (fdpass.c) ---- */

size_t sl_scm_walk(const void *ctl, size_t len,
		   void (*fn)(int fd, void *arg), void *arg);
void sl_fdpass_sent(struct sl_fd *e, int fd, const struct msghdr *msg,
		    int64_t ret, uint64_t ts, struct sl_site site);
void sl_fdpass_received(struct sl_fd *e, int fd, const struct msghdr *msg,
			int64_t ret, struct sl_site site);

#endif
