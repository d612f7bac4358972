/*
 * Wrappers for accept and accept4 (the rest of a socket's life is
 * wrap_life.c's). The peer comes from the call itself: a program that
 * passed no address buffer, or one too short for the listener's family,
 * gets the wrapper's own given to the kernel, and exactly what the kernel
 * would have given it copied back; never a getpeername after the call.
 * A failed accept is a record on the listener at its time (an incident,
 * not the listener's fate); faults may fail an accept before the call
 * (fault_wire.h). What comes before and after the real call are
 * sl_accept_begin and sl_accept_done (wrap.h), which syscall() runs too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "socklens/policy.h"
#include "fault_wire.h"
#include "peek.h"
#include "wrap.h"

/* The pid at the other end of a UNIX socket: what pairs the two ends in
 * the model (in connect order), for a listener has no 4-tuple. */
static uint32_t peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (SL_REAL(getsockopt)(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	return (uint32_t)cred.pid;
}

/* An accepted socket is a server end; the policy has its say on it. */
static void after_accept(int nfd, struct sl_fd *e,
			 const struct sockaddr_storage *peer, socklen_t plen,
			 uint64_t caller)
{
	struct sockaddr_storage loc;
	socklen_t ll;

	SL_STORE(e->role, SL_RS_SERVER);
	if (!sl_pol_on)
		return;
	ll = sl_policy_local(nfd, &loc);
	sl_policy_stage(nfd, e, SL_PW_ACCEPT, ll ? (struct sockaddr *)&loc : NULL,
			ll, (const struct sockaddr *)peer, plen, caller);
}

/*
 * The bytes an accepted peer's address can take on listener L: the
 * family's whole address (a UNIX one may carry a path), or any
 * family's when we do not follow L.
 */
static socklen_t peer_room(struct sl_fd *l)
{
	switch (l ? SL_LOAD(l->family) : AF_UNSPEC) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	case AF_UNIX:
		return sizeof(struct sockaddr_un);
	default:
		return sizeof(struct sockaddr_storage);
	}
}

/*
 * Whether P may point at the program's memory: not in the lowest 64 KiB
 * (vm.mmap_min_addr keeps them unmapped) nor above user space. A
 * pointer that fails this is left to the kernel, which answers EFAULT;
 * one that passes is read as the program's own (it handed it to us).
 */
static bool user_ptr(const void *p)
{
	return (uintptr_t)p >= 65536 && (uintptr_t)p < (1ull << 57);
}

/*
 * accept and accept4: the peer comes from the call itself, never from a
 * getpeername after it (one system call more, and one that fails with
 * ENOTCONN once the peer has reset, though accept still names it). When
 * the caller asks for no address, or its buffer may be too short for the
 * whole one, the kernel writes into AC's buffer and sl_accept_done copies
 * the caller its share as the kernel would (min(*len, actual) bytes,
 * *len = actual). A buffer that is long enough is the kernel's to fill
 * and ours to read. The call's own address and length arguments are
 * AC->a and AC->alen.
 */
void sl_accept_begin(struct sl_accept *ac, int fd, struct sockaddr *addr,
		     socklen_t *len)
{
	ac->l = sl_traced(fd);
	ac->own.ss_family = AF_UNSPEC;
	ac->own_len = sizeof(ac->own);
	ac->user = addr;
	ac->user_len = len;
	ac->copy_out = addr && user_ptr(len) && *len < peer_room(ac->l);
	ac->a = addr && !ac->copy_out ? addr : (struct sockaddr *)&ac->own;
	ac->alen = addr && !ac->copy_out ? len : &ac->own_len;
	ac->ts = sl_now_ns();
}

/*
 * The peer's address, once accept returned: into the caller's short
 * buffer from ours, or from the caller's whole one into ours.
 */
static void accepted_peer(struct sl_accept *ac)
{
	socklen_t n;

	if (ac->copy_out) {
		n = *ac->user_len < ac->own_len ? *ac->user_len : ac->own_len;
		memcpy(ac->user, &ac->own, n);
		*ac->user_len = ac->own_len;
		return;
	}
	if (ac->a == (struct sockaddr *)&ac->own)
		return;
	n = *ac->alen < sizeof(ac->own) ? *ac->alen : sizeof(ac->own);
	memcpy(&ac->own, ac->a, n);
	ac->own_len = n;
}

/* The new socket NFD, from the listener FD (AC->l, if we follow it). */
static void on_accepted(struct sl_accept *ac, struct sl_call_info *ci,
			int fd, int nfd, int flags)
{
	struct sl_fd *l = ac->l;
	int family, type;

	accepted_peer(ac);
	family = l ? SL_LOAD(l->family) : ac->own.ss_family;
	type = l ? SL_LOAD(l->type) : SOCK_STREAM;
	ci->inode = sl_sock_name(nfd);
	ci->inode2 = l ? sl_fd_inode(l) : 0;
	ci->ent = sl_fd_track(nfd, ci->inode, family, type,
			      (flags & SOCK_NONBLOCK) ? SL_FD_NONBLOCK : 0);
	ci->addr = (struct sockaddr *)&ac->own;
	ci->addr_len = ac->own_len < sizeof(ac->own) ? ac->own_len :
						       sizeof(ac->own);
	ci->fd = nfd;
	ci->arg1 = fd;
	if (l && (sl_fd_flags(l) & SL_FD_LOCAL_FIXED))
		ci->flags |= SL_F_LOCAL_LISTENER;
	else
		ci->want_local = true;
	if (family == AF_UNIX)
		ci->peer_pid = peer_pid(nfd);
}

/*
 * This thread's last EAGAIN record on a non-blocking listener: its fd,
 * and the thread's record count just after it. Another EAGAIN on that fd
 * with no record of this thread between them is the same empty queue
 * found again (a loop that spins on accept): counted, not recorded.
 */
static SL_TLS struct {
	int fd;
	uint64_t seq;
} again_last = { -1, 0 };

/*
 * Whether the failed accept on listener L (FD) is only counted: an
 * EAGAIN from a blocking listener that came before a timeout could have
 * passed (its O_NONBLOCK was set where we could not see), or one from a
 * non-blocking listener that this thread found empty just before. Every
 * EAGAIN is counted on the listener.
 */
static bool again_counted_only(struct sl_fd *l, int fd, int err,
			       uint64_t dur)
{
	if (err != EAGAIN && err != EWOULDBLOCK)
		return false;
	__atomic_add_fetch(&l->eagain, 1, __ATOMIC_RELAXED);
	if (!(sl_fd_flags(l) & SL_FD_NONBLOCK))
		return dur < SL_WAITED_OUT_NS;
	return again_last.fd == fd && again_last.seq == sl_rec_seq();
}

/*
 * After accept: the new socket, or the listener's failure, a record on
 * the listener at its time: EMFILE, ENFILE, ECONNABORTED, EINTR, and
 * EAGAIN, which on a non-blocking listener says this thread woke for a
 * connection another took (SO_REUSEPORT, EPOLLEXCLUSIVE workers) or
 * ended its burst. That one is not timed (the call cannot block): the
 * clock read in the begin half is its time, and no other is taken.
 */
void sl_accept_done(struct sl_accept *ac, int fd, int nfd,
		    int flags, uint16_t call, struct sl_site site)
{
	struct sl_fd *l = ac->l;
	struct sl_call_info ci = {
		.call = call, .flags = site.flags, .fd = fd,
		.caller = site.caller, .ts = ac->ts, .ret = nfd, .arg0 = flags,
	};
	bool nb_again;

	ci.err = errno;
	nb_again = nfd < 0 && l && (sl_fd_flags(l) & SL_FD_NONBLOCK) &&
		   (ci.err == EAGAIN || ci.err == EWOULDBLOCK);
	if (!nb_again)
		ci.dur = sl_now_ns() - ac->ts;
	if (nfd >= 0) {
		on_accepted(ac, &ci, fd, nfd, flags);
	} else if (l && again_counted_only(l, fd, ci.err, ci.dur)) {
		l = NULL;
	} else if (l) {
		ci.inode = sl_fd_inode(l);
		ci.ent = l;
	}
	if (nfd >= 0 || l)
		sl_emit(&ci);
	if (nb_again && l) {
		again_last.fd = fd;
		again_last.seq = sl_rec_seq();
	}
	if (nfd >= 0 && sl_fd_get(nfd)) {
		after_accept(nfd, sl_fd_get(nfd), &ac->own, ac->own_len,
			     site.caller);
		sl_wf_connected(sl_fd_get(nfd), nfd);
	}
	errno = ci.err;
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len,
		     int flags, uint16_t call, struct sl_site site)
{
	struct sl_accept ac;
	int nfd;

	sl_accept_begin(&ac, fd, addr, len);
	if (sl_unlikely(sl_fault_on) &&
	    sl_fault_accept(ac.l, fd, site.caller) < 0)
		nfd = -1;
	else
		nfd = call == SL_CALL_ACCEPT4 ?
			      SL_REAL(accept4)(fd, ac.a, ac.alen, flags) :
			      SL_REAL(accept)(fd, ac.a, ac.alen);
	sl_accept_done(&ac, fd, nfd, flags, call, site);
	return nfd;
}

SL_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!sl_active())
		return SL_REAL(accept)(fd, addr, len);
	return do_accept(fd, addr, len, 0, SL_CALL_ACCEPT, SL_SITE());
}

SL_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len,
		      int flags)
{
	if (!sl_active())
		return SL_REAL(accept4)(fd, addr, len, flags);
	return do_accept(fd, addr, len, flags, SL_CALL_ACCEPT4, SL_SITE());
}
