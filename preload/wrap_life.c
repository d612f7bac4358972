/*
 * Wrappers for the calls that make a socket and move it through its
 * states: socket, socketpair, bind, listen, connect and shutdown (accept
 * and accept4 are wrap_accept.c's).
 *
 * Each wrapper has the same shape: pass through at once when tracing is
 * off or the fd is not ours to follow; otherwise time the real call,
 * keep its result and errno, update the fd table, record, and give the
 * caller exactly what libc gave us. What comes before and after the real
 * call are functions of their own (sl_*_begin, sl_*_done in wrap.h),
 * which syscall() runs around the same call made by number.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "socklens/policy.h"
#include "fault_wire.h"
#include "peek.h"
#include "record.h"
#include "wrap.h"

/*
 * Whether the kernel copied the caller's address in: only then may we
 * read it, since a bad pointer faults us where it gave the caller EFAULT.
 * The copy comes before any error other than these.
 */
static bool addr_was_read(int ret, int err)
{
	return ret == 0 || (err != EFAULT && err != EINVAL && err != EBADF &&
			    err != ENOTSOCK);
}

/*
 * The common tail of a wrapper on a followed fd: what the real call
 * returned, its errno and duration, the fd's socket and counters.
 */
static void finish(struct sl_call_info *ci, struct sl_fd *e, int ret,
		   struct sl_site site)
{
	ci->err = errno;
	ci->dur = sl_now_ns() - ci->ts;
	ci->ret = ret;
	ci->caller = site.caller;
	ci->flags |= site.flags;
	ci->inode = sl_fd_inode(e);
	ci->ent = e;
}

/* After socket(): follow the new socket. Inlined into socket(), the
 * hot one; syscall() calls it through sl_socket_done. */
static inline __attribute__((always_inline)) void
on_socket(int fd, int domain, int type, int protocol, uint64_t t0,
	  struct sl_site site)
{
	int err = errno;
	uint64_t inode = 0;
	struct sl_fd *e = NULL;
	struct sl_rec_call *r;

	if (fd >= 0) {
		unsigned int flags = (type & SOCK_NONBLOCK) ? SL_FD_NONBLOCK : 0;

		inode = sl_sock_name(fd);
		e = sl_fd_track(fd, inode, domain,
				type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), flags);
		/* A new entry's counters are all zero: the record is
		 * begun without it (zeros, no loads), with its flags. */
		site.flags |= e ? sl_rec_flags(sl_fd_flags(e)) : SL_F_UNTRACKED;
	}
	r = sl_call_begin(SL_CALL_SOCKET, fd, NULL, t0, site);
	if (r) {
		r->inode = inode;
		sl_call_ret(r, fd, err);
		r->arg0 = domain;
		r->arg1 = (int64_t)(uint32_t)type | ((int64_t)protocol << 32);
		sl_call_done();
	}
	if (sl_pol_on && e)
		sl_policy_stage(fd, e, SL_PW_CREATE, NULL, 0, NULL, 0,
				site.caller);
	errno = err;
}

void sl_socket_done(int fd, int domain, int type, int protocol, uint64_t t0,
		    struct sl_site site)
{
	on_socket(fd, domain, type, protocol, t0, site);
}

SL_EXPORT int socket(int domain, int type, int protocol)
{
	uint64_t t0;
	int fd;

	if (!sl_active())
		return SL_REAL(socket)(domain, type, protocol);
	t0 = sl_now_ns();
	fd = SL_REAL(socket)(domain, type, protocol);
	on_socket(fd, domain, type, protocol, t0, SL_SITE());
	return fd;
}

/* One record per end, each naming the other through inode2. */
void sl_socketpair_done(int domain, int type, const int sv[2], int ret,
			uint64_t t0, struct sl_site site)
{
	int err = errno;
	struct sl_call_info ci = {
		.call = SL_CALL_SOCKETPAIR, .flags = site.flags, .fd = -1,
		.ret = ret, .err = err, .ts = t0, .caller = site.caller,
		.arg0 = domain, .arg1 = type,
	};
	unsigned int flags = (type & SOCK_NONBLOCK) ? SL_FD_NONBLOCK : 0;
	uint64_t ino[2];
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (ret < 0) {
		sl_emit(&ci);
		errno = err;
		return;
	}
	ino[0] = sl_sock_name(sv[0]);
	ino[1] = sl_sock_name(sv[1]);
	for (int i = 0; i < 2; i++) {
		ci.fd = sv[i];
		ci.inode = ino[i];
		ci.inode2 = ino[1 - i];
		ci.ent = sl_fd_track(sv[i], ino[i], domain, base, flags);
		sl_emit(&ci);
	}
	errno = err;
}

SL_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	uint64_t t0;
	int ret;

	if (!sl_active())
		return SL_REAL(socketpair)(domain, type, protocol, sv);
	t0 = sl_now_ns();
	ret = SL_REAL(socketpair)(domain, type, protocol, sv);
	sl_socketpair_done(domain, type, sv, ret, t0, SL_SITE());
	return ret;
}

void sl_bind_done(struct sl_fd *e, int fd, const struct sockaddr *addr,
		  socklen_t len, int ret, uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = { .call = SL_CALL_BIND, .fd = fd, .ts = ts };

	finish(&ci, e, ret, site);
	if (addr_was_read(ret, ci.err)) {
		ci.addr = addr;
		ci.addr_len = len;
	}
	ci.want_local = ret == 0;
	sl_emit(&ci);
	if (sl_pol_on && ret == 0)
		sl_policy_stage(fd, e, SL_PW_BIND, addr, len, NULL, 0, ci.caller);
	errno = ci.err;
}

SL_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret;

	if (!e)
		return SL_REAL(bind)(fd, addr, len);
	ts = sl_now_ns();
	ret = SL_REAL(bind)(fd, addr, len);
	sl_bind_done(e, fd, addr, len, ret, ts, SL_SITE());
	return ret;
}

/* The local end of FD, when the policy's selectors look at it. */
socklen_t sl_policy_local(int fd, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	if (!sl_policy_needs_local() ||
	    SL_REAL(getsockname)(fd, (struct sockaddr *)ss, &len) < 0)
		return 0;
	return len;
}

/*
 * Whether every socket FD accepts will have FD's own local address: a
 * UNIX listener, or an INET one bound to one address and not
 * transparent (a TPROXY listener accepts for any address). Then accept
 * need not ask the kernel; the model takes the listener's.
 */
static bool local_is_fixed(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 0;
	socklen_t olen = sizeof(on);

	if (SL_REAL(getsockname)(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	switch (ss.ss_family) {
	case AF_UNIX:
		return true;
	case AF_INET:
		if (((struct sockaddr_in *)&ss)->sin_addr.s_addr == INADDR_ANY)
			return false;
		return SL_REAL(getsockopt)(fd, SOL_IP, IP_TRANSPARENT, &on,
					   &olen) == 0 && !on;
	case AF_INET6:
		if (IN6_IS_ADDR_UNSPECIFIED(
			    &((struct sockaddr_in6 *)&ss)->sin6_addr))
			return false;
		return SL_REAL(getsockopt)(fd, SOL_IPV6, IPV6_TRANSPARENT, &on,
					   &olen) == 0 && !on;
	default:
		return false;
	}
}

/* Before listen: the policy's options that must precede it. */
void sl_listen_begin(struct sl_fd *e, int fd, struct sl_site site)
{
	SL_STORE(e->role, SL_RS_LISTENER);
	if (sl_pol_on) {
		struct sockaddr_storage l;
		socklen_t ll = sl_policy_local(fd, &l);

		sl_policy_stage(fd, e, SL_PW_LISTEN,
				ll ? (struct sockaddr *)&l : NULL, ll, NULL, 0,
				site.caller);
	}
}

void sl_listen_done(struct sl_fd *e, int fd, int backlog, int ret,
		    uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = { .call = SL_CALL_LISTEN, .fd = fd, .ts = ts };

	finish(&ci, e, ret, site);
	ci.arg0 = backlog;
	/* listen on an unbound socket binds an ephemeral port. */
	ci.want_local = ret == 0;
	sl_emit(&ci);
	if (ret == 0 && local_is_fixed(fd))
		sl_fd_set(e, SL_FD_LOCAL_FIXED);
	errno = ci.err;
}

SL_EXPORT int listen(int fd, int backlog)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret;

	if (!e)
		return SL_REAL(listen)(fd, backlog);
	sl_listen_begin(e, fd, SL_SITE());
	ts = sl_now_ns();
	ret = SL_REAL(listen)(fd, backlog);
	sl_listen_done(e, fd, backlog, ret, ts, SL_SITE());
	return ret;
}

/*
 * The policy around connect: rules on the remote end before the call
 * (options that must precede connect), rules on the local end after it.
 */
static socklen_t policy_before_connect(int fd, struct sl_fd *e,
				       const struct sockaddr *addr,
				       socklen_t len,
				       struct sockaddr_storage *remote,
				       uint64_t caller)
{
	socklen_t rl = sl_policy_needs_remote() ?
		       sl_copy_user(remote, addr, len) : 0;

	sl_policy_stage(fd, e, SL_PW_CONNECT, NULL, 0,
			rl ? (struct sockaddr *)remote : NULL, rl, caller);
	return rl;
}

static void policy_after_connect(int fd, struct sl_fd *e,
				 const struct sockaddr_storage *remote,
				 socklen_t rl, uint64_t caller)
{
	struct sockaddr_storage l;
	socklen_t ll = sl_policy_local(fd, &l);

	if (ll)
		sl_policy_stage(fd, e, SL_PW_CONNECTED, (struct sockaddr *)&l,
				ll, rl ? (const struct sockaddr *)remote : NULL,
				rl, caller);
}

/*
 * Before connect: the client role, the policy's options that must
 * precede it (REMOTE gets the address they were decided on, its length
 * returned).
 */
socklen_t sl_connect_begin(struct sl_fd *e, int fd,
			   const struct sockaddr *addr, socklen_t len,
			   struct sockaddr_storage *remote, struct sl_site site)
{
	socklen_t rl = 0;

	if (sl_fd_flags(e) & SL_FD_STREAM)
		SL_STORE(e->role, SL_RS_CLIENT);
	if (sl_pol_on)
		rl = policy_before_connect(fd, e, addr, len, remote,
					   site.caller);
	return rl;
}

void sl_connect_done(struct sl_fd *e, int fd, const struct sockaddr *addr,
		     socklen_t len, int ret, uint64_t ts,
		     const struct sockaddr_storage *remote, socklen_t rl,
		     struct sl_site site)
{
	struct sl_call_info ci = { .call = SL_CALL_CONNECT, .fd = fd, .ts = ts };

	finish(&ci, e, ret, site);
	/* EINPROGRESS, or a blocking connect cut by a signal: the kernel
	 * goes on connecting, and the outcome comes later. */
	if (ret < 0 && (ci.err == EINPROGRESS || ci.err == EINTR))
		sl_fd_set(e, SL_FD_CONNECTING);
	else
		sl_fd_clear(e, SL_FD_CONNECTING);
	/* A connected datagram socket has its peer in this record. */
	if (ret == 0)
		sl_fd_clear(e, SL_FD_WANT_PEER);
	if (addr_was_read(ret, ci.err)) {
		ci.addr = addr;
		ci.addr_len = len;
	}
	ci.want_local = ret == 0 || ci.err == EINPROGRESS;
	sl_emit(&ci);
	if (ci.want_local)
		sl_wf_connected(e, fd);
	if (sl_pol_on && ci.want_local)
		policy_after_connect(fd, e, remote, rl, ci.caller);
	errno = ci.err;
}

SL_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sl_fd *e = sl_traced(fd);
	struct sockaddr_storage remote;
	socklen_t rl;
	uint64_t ts;
	int ret;

	if (!e)
		return SL_REAL(connect)(fd, addr, len);
	rl = sl_connect_begin(e, fd, addr, len, &remote, SL_SITE());
	ts = sl_now_ns();
	ret = sl_fault_on ? sl_fault_connect(e, fd, addr, len, SL_SITE().caller) : 1;
	if (ret > 0)
		ret = SL_REAL(connect)(fd, addr, len);
	sl_connect_done(e, fd, addr, len, ret, ts, &remote, rl, SL_SITE());
	return ret;
}

void sl_shutdown_done(struct sl_fd *e, int fd, int how, int ret,
		      uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = {
		.call = SL_CALL_SHUTDOWN, .fd = fd, .ts = ts, .arg0 = how,
	};

	finish(&ci, e, ret, site);
	sl_emit(&ci);
	errno = ci.err;
}

SL_EXPORT int shutdown(int fd, int how)
{
	struct sl_fd *e = sl_traced(fd);
	uint64_t ts;
	int ret;

	if (!e)
		return SL_REAL(shutdown)(fd, how);
	ts = sl_now_ns();
	ret = SL_REAL(shutdown)(fd, how);
	sl_shutdown_done(e, fd, how, ret, ts, SL_SITE());
	return ret;
}
