/*
 * Wrappers for the socket I/O calls: send, sendto, sendmsg, sendmmsg,
 * recv, recvfrom, recvmsg, recvmmsg, read, write, readv, writev, sendfile
 * and the _FORTIFY_SOURCE entry points (__read_chk, __recv_chk,
 * __recvfrom_chk) that Debian-built programs call instead of the plain
 * names.
 *
 * I/O is the hot path. A non-socket fd costs one table lookup. A socket
 * costs two relaxed atomic adds: bytes and calls are kept in the fd table
 * and sent with the state changes (DESIGN.md 8). Only what changes the
 * socket's story makes a record: end of stream, a hard error, the first
 * I/O after a pending connect, a datagram socket's first peer.
 */
#include <errno.h>
#include <sys/sendfile.h>

#include "preload.h"

/*
 * Anything but plain success goes here, out of line. REPORT: the counters
 * crossed a reporting boundary, so the timeline gets them while the
 * socket is open.
 */
static __attribute__((noinline)) void
io_slow(struct sl_fd *e, int fd, ssize_t n, int err, bool rx, size_t asked,
	uint16_t call, uint64_t caller, const struct sockaddr *peer,
	socklen_t peer_len, bool report)
{
	struct sl_call_info ci = {
		.call = call, .fd = fd, .ret = n, .err = err,
		.ts = sl_now_ns(), .caller = caller, .inode = sl_fd_inode(e),
		.ent = e,
	};
	bool emit = false;

	if (report) {
		struct sl_call_info cc = ci;

		cc.call = SL_CALL_COUNTERS;
		cc.ret = 0;
		sl_emit(&cc);
	}
	if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
		__atomic_add_fetch(&e->eagain, 1, __ATOMIC_RELAXED);
		return;
	}
	if (n < 0 && err == EINTR)
		return;
	if ((sl_fd_flags(e) & SL_FD_CONNECTING) &&
	    sl_fd_clear(e, SL_FD_CONNECTING)) {
		ci.flags |= SL_F_FIRST_IO;
		emit = true;
	}
	if (n == 0 && rx && asked && (sl_fd_flags(e) & SL_FD_STREAM) &&
	    !(sl_fd_flags(e) & SL_FD_EOF) && sl_fd_claim(e, SL_FD_EOF)) {
		ci.flags |= SL_F_EOF;
		emit = true;
	}
	if (n < 0 && !(sl_fd_flags(e) & SL_FD_ERR) &&
	    sl_fd_claim(e, SL_FD_ERR)) {
		emit = true;
	}
	if (n >= 0 && peer && peer_len &&
	    (sl_fd_flags(e) & SL_FD_WANT_PEER) &&
	    sl_fd_clear(e, SL_FD_WANT_PEER)) {
		ci.addr = peer;
		ci.addr_len = peer_len;
		/* Its first datagram gave an unbound socket its port. */
		ci.want_local = true;
		emit = true;
	}
	if (emit)
		sl_emit(&ci);
}

#define ATTENTION (SL_FD_CONNECTING | SL_FD_WANT_PEER)

/* Accounts one I/O call's result; keeps errno. */
static inline void io_done(struct sl_fd *e, int fd, ssize_t n, bool rx,
			   size_t asked, uint16_t call, uint64_t caller,
			   const struct sockaddr *peer, socklen_t peer_len)
{
	int err = errno;
	bool report = false;

	if (n > 0) {
		uint64_t *bytes = rx ? &e->rx_bytes : &e->tx_bytes;
		uint32_t *calls = rx ? &e->rx_calls : &e->tx_calls;
		uint64_t total = __atomic_add_fetch(bytes, (uint64_t)n,
						    __ATOMIC_RELAXED);
		uint32_t count = __atomic_add_fetch(calls, 1, __ATOMIC_RELAXED);

		/* Every SL_COUNTER_CALLS calls, or on crossing a multiple
		 * of SL_COUNTER_BYTES, the counters go on the timeline. */
		report = !(count % SL_COUNTER_CALLS) ||
			 ((total - (uint64_t)n) ^ total) >= SL_COUNTER_BYTES;
		if (sl_likely(!(sl_fd_flags(e) & ATTENTION) && !report))
			return;
	}
	io_slow(e, fd, n, err, rx, asked, call, caller, peer, peer_len, report);
	errno = err;
}

/* A read on a blocking socket may wait: send our records first. */
static inline void before_rx(const struct sl_fd *e, int flags)
{
	if (!(sl_fd_flags(e) & SL_FD_NONBLOCK) && !(flags & MSG_DONTWAIT))
		sl_flush_if_pending();
}

static socklen_t sane_len(socklen_t len)
{
	return len > sizeof(struct sockaddr_storage) ?
		       sizeof(struct sockaddr_storage) : len;
}

SL_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n = SL_REAL(send)(fd, buf, len, flags);

	if (e)
		io_done(e, fd, n, false, len, SL_CALL_SEND, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *dst, socklen_t dst_len)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n = SL_REAL(sendto)(fd, buf, len, flags, dst, dst_len);

	if (e)
		io_done(e, fd, n, false, len, SL_CALL_SENDTO, SL_CALLER(), dst,
			n >= 0 ? sane_len(dst_len) : 0);
	return n;
}

SL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n = SL_REAL(sendmsg)(fd, msg, flags);

	if (e)
		io_done(e, fd, n, false, 1, SL_CALL_SENDMSG, SL_CALLER(),
			n >= 0 ? msg->msg_name : NULL,
			n >= 0 ? sane_len(msg->msg_namelen) : 0);
	return n;
}

SL_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
		       int flags)
{
	struct sl_fd *e = sl_traced(fd);
	int n = SL_REAL(sendmmsg)(fd, vec, vlen, flags);
	ssize_t bytes = 0;

	if (!e)
		return n;
	for (int i = 0; i < n; i++)
		bytes += vec[i].msg_len;
	io_done(e, fd, n < 0 ? n : bytes, false, vlen, SL_CALL_SENDMMSG,
		SL_CALLER(), n > 0 ? vec[0].msg_hdr.msg_name : NULL,
		n > 0 ? sane_len(vec[0].msg_hdr.msg_namelen) : 0);
	return n;
}

SL_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(recv)(fd, buf, len, flags);
	before_rx(e, flags);
	n = SL_REAL(recv)(fd, buf, len, flags);
	io_done(e, fd, n, true, len, SL_CALL_RECV, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			   struct sockaddr *src, socklen_t *src_len)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(recvfrom)(fd, buf, len, flags, src, src_len);
	before_rx(e, flags);
	n = SL_REAL(recvfrom)(fd, buf, len, flags, src, src_len);
	io_done(e, fd, n, true, len, SL_CALL_RECVFROM, SL_CALLER(),
		n >= 0 && src_len ? src : NULL,
		n >= 0 && src && src_len ? sane_len(*src_len) : 0);
	return n;
}

SL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(recvmsg)(fd, msg, flags);
	before_rx(e, flags);
	n = SL_REAL(recvmsg)(fd, msg, flags);
	io_done(e, fd, n, true, 1, SL_CALL_RECVMSG, SL_CALLER(),
		n >= 0 ? msg->msg_name : NULL,
		n >= 0 ? sane_len(msg->msg_namelen) : 0);
	return n;
}

SL_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
		       int flags, struct timespec *timeout)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t bytes = 0;
	int n;

	if (!e)
		return SL_REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	before_rx(e, flags);
	n = SL_REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	for (int i = 0; i < n; i++)
		bytes += vec[i].msg_len;
	io_done(e, fd, n < 0 ? n : bytes, true, vlen, SL_CALL_RECVMMSG,
		SL_CALLER(), n > 0 ? vec[0].msg_hdr.msg_name : NULL,
		n > 0 ? sane_len(vec[0].msg_hdr.msg_namelen) : 0);
	return n;
}

SL_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(read)(fd, buf, len);
	before_rx(e, 0);
	n = SL_REAL(read)(fd, buf, len);
	io_done(e, fd, n, true, len, SL_CALL_READ, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(read_chk)(fd, buf, len, buflen);
	before_rx(e, 0);
	n = SL_REAL(read_chk)(fd, buf, len, buflen);
	io_done(e, fd, n, true, len, SL_CALL_READ, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
			     int flags)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(recv_chk)(fd, buf, len, buflen, flags);
	before_rx(e, flags);
	n = SL_REAL(recv_chk)(fd, buf, len, buflen, flags);
	io_done(e, fd, n, true, len, SL_CALL_RECV, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len,
				 size_t buflen, int flags,
				 struct sockaddr *src, socklen_t *src_len)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, src,
					     src_len);
	before_rx(e, flags);
	n = SL_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, src, src_len);
	io_done(e, fd, n, true, len, SL_CALL_RECVFROM, SL_CALLER(),
		n >= 0 && src_len ? src : NULL,
		n >= 0 && src && src_len ? sane_len(*src_len) : 0);
	return n;
}

SL_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n = SL_REAL(write)(fd, buf, len);

	if (sl_unlikely(e != NULL))
		io_done(e, fd, n, false, len, SL_CALL_WRITE, SL_CALLER(), NULL, 0);
	return n;
}

SL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n;

	if (!e)
		return SL_REAL(readv)(fd, iov, cnt);
	before_rx(e, 0);
	n = SL_REAL(readv)(fd, iov, cnt);
	io_done(e, fd, n, true, (size_t)cnt, SL_CALL_READV, SL_CALLER(), NULL,
		0);
	return n;
}

SL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct sl_fd *e = sl_traced(fd);
	ssize_t n = SL_REAL(writev)(fd, iov, cnt);

	if (e)
		io_done(e, fd, n, false, (size_t)cnt, SL_CALL_WRITEV, SL_CALLER(),
			NULL, 0);
	return n;
}

static ssize_t do_sendfile(ssize_t (*real)(int, int, off_t *, size_t),
			   int out, int in, off_t *off, size_t count,
			   uint64_t caller)
{
	struct sl_fd *e = sl_traced(out);
	struct sl_fd *src = sl_traced(in);
	ssize_t n = real(out, in, off, count);
	int err = errno;

	if (e)
		io_done(e, out, n, false, count, SL_CALL_SENDFILE, caller, NULL, 0);
	if (src)
		io_done(src, in, n, true, count, SL_CALL_SENDFILE, caller, NULL,
			0);
	errno = err;
	return n;
}

SL_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	return do_sendfile(SL_REAL(sendfile), out, in, off, count, SL_CALLER());
}

SL_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return do_sendfile(SL_REAL(sendfile64) ? sl_real.sendfile64 :
						 sl_real.sendfile,
			   out, in, off, count, SL_CALLER());
}
