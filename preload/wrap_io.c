/*
 * Wrappers for the socket I/O calls: send, sendto, sendmsg, sendmmsg,
 * recv, recvfrom, recvmsg, recvmmsg, read, write, readv, writev, sendfile
 * and the _FORTIFY_SOURCE entry points (__read_chk, __recv_chk,
 * __recvfrom_chk) that Debian-built programs call instead of the plain
 * names. Their halves (sl_io_begin, sl_io_done in wrap.h) serve the same
 * calls made through syscall() too. send, recv, read, write, readv and
 * writev themselves, with their plain path, are in wrap_io_plain.c.
 *
 * I/O is the hot path. A non-socket fd costs one table lookup. A socket
 * costs two relaxed atomic adds: bytes and calls are kept in the fd table
 * and sent with the state changes, not one record per call. Only what
 * changes the socket's story makes a record: end of stream, a hard
 * error, the first I/O after a pending connect, a datagram socket's first
 * peer, and a call that was interrupted (EINTR) or waited out its
 * timeout (EAGAIN on a blocking socket, SO_RCVTIMEO/SO_SNDTIMEO).
 *
 * Time: a call that can block (a blocking socket, no MSG_DONTWAIT) reads
 * the clock before it, so that its record, if it makes one, says when it
 * started (ts) and how long it took (dur_ns): the event itself happened
 * at ts + dur_ns. A call that cannot block is not timed: a record it
 * makes is stamped when it returned, dur_ns 0. The clock is read after
 * the call only when a record is made.
 *
 * Peeks: a MSG_PEEK read leaves the bytes where they were, and the read
 * that takes them counts them. A peek adds to the fd's `peeks`, never to
 * rx_bytes or rx_calls (recv, recvfrom, recvmsg, recvmmsg, __recv_chk,
 * __recvfrom_chk). Other flags change nothing: with MSG_TRUNC a datagram
 * receive returns the datagram's real length, and that is what is
 * counted (what the call returned, as strace shows it); MSG_WAITALL
 * counts what came. sendmmsg and recvmmsg count the sum of msg_len over
 * the messages the call moved, as one call.
 */
#include <errno.h>
#include <sys/sendfile.h>

#include "fault_wire.h"
#include "peek.h"
#include "wrap.h"

/* When the call started, in ns; 0: not timed. */
static uint64_t io_start_ns(const struct sl_io *io)
{
	return io->t0 ? sl_stamp_ns(io->t0, sl_now_ns()) : 0;
}

/* An I/O record: N and ERR, stamped as the file's opening says. */
static void io_info(struct sl_call_info *ci, struct sl_fd *e, int fd,
		    ssize_t n, int err, const struct sl_io *io, uint64_t now)
{
	*ci = (struct sl_call_info){
		.call = io->call, .flags = io->site.flags, .fd = fd, .ret = n,
		.err = err, .ts = io->t0 ? io->t0 : now,
		.dur = io->t0 ? now - io->t0 : 0, .caller = io->site.caller,
		.inode = sl_fd_inode(e), .ent = e,
	};
}

/*
 * Anything but plain success goes here, out of line. REPORT: the counters
 * crossed a reporting boundary, so the timeline gets them while the
 * socket is open.
 */
__attribute__((noinline)) void
sl_io_slow(struct sl_fd *e, int fd, ssize_t n, int err, bool report,
	   uint64_t t0, struct sl_site site, uint32_t what, size_t asked,
	   const struct sockaddr *peer, socklen_t peer_len)
{
	struct sl_io iov = {
		.t0 = t0, .site = site, .peer = peer, .peer_len = peer_len,
		.asked = asked, .call = (uint16_t)what,
		.rx = what & SL_IO_RX, .peek = what & SL_IO_PEEK,
	};
	const struct sl_io *io = &iov;
	struct sl_call_info ci;
	uint64_t now;
	bool emit = false;

	if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
		__atomic_add_fetch(&e->eagain, 1, __ATOMIC_RELAXED);
		if (!iov.t0)
			return;
		now = sl_now_ns();
		iov.t0 = sl_stamp_ns(iov.t0, now);
		if (now - iov.t0 < SL_WAITED_OUT_NS)
			return;
		io_info(&ci, e, fd, n, err, io, now);
		sl_emit(&ci);
		return;
	}
	now = sl_now_ns();
	if (iov.t0)
		iov.t0 = sl_stamp_ns(iov.t0, now);
	io_info(&ci, e, fd, n, err, io, now);
	if (report || (sl_fd_flags(e) & SL_FD_EXITED)) {
		struct sl_call_info cc = ci;

		cc.call = SL_CALL_COUNTERS;
		cc.ret = 0;
		cc.ts = now;
		cc.dur = 0;
		sl_emit(&cc);
	}
	if (n < 0 && err == EINTR) {
		sl_emit(&ci);
		return;
	}
	if ((sl_fd_flags(e) & SL_FD_CONNECTING) &&
	    sl_fd_clear(e, SL_FD_CONNECTING)) {
		ci.flags |= SL_F_FIRST_IO;
		emit = true;
	}
	if (n == 0 && io->rx && io->asked && (sl_fd_flags(e) & SL_FD_STREAM) &&
	    !(sl_fd_flags(e) & SL_FD_EOF) && sl_fd_claim(e, SL_FD_EOF)) {
		ci.flags |= SL_F_EOF;
		emit = true;
	}
	if (n < 0 && !(sl_fd_flags(e) & SL_FD_ERR) &&
	    sl_fd_claim(e, SL_FD_ERR)) {
		emit = true;
	}
	if (n >= 0 && io->peer && io->peer_len &&
	    (sl_fd_flags(e) & SL_FD_WANT_PEER) &&
	    sl_fd_clear(e, SL_FD_WANT_PEER)) {
		ci.addr = io->peer;
		ci.addr_len = io->peer_len;
		/* Its first datagram gave an unbound socket its port. */
		ci.want_local = true;
		emit = true;
	}
	if (emit)
		sl_emit(&ci);
}

/*
 * The message calls' done halves: the peer address once the kernel has
 * read or written the msghdr, and the fds a UNIX socket carried.
 */
void sl_sendmsg_done(struct sl_fd *e, int fd, const struct msghdr *msg,
		     ssize_t n, struct sl_io *io)
{
	if (n >= 0) {
		io->peer = msg->msg_name;
		io->peer_len = sl_sane_len(msg->msg_namelen);
	}
	sl_io_done(e, fd, n, io);
	sl_peek_msg(e, fd, io, msg, n);
	if (n >= 0 && SL_LOAD(e->family) == AF_UNIX && msg->msg_controllen)
		sl_fdpass_sent(e, fd, msg, n, io_start_ns(io), io->site);
}

void sl_recvmsg_done(struct sl_fd *e, int fd, const struct msghdr *msg,
		     ssize_t n, struct sl_io *io)
{
	if (n >= 0) {
		io->peer = msg->msg_name;
		io->peer_len = sl_sane_len(msg->msg_namelen);
	}
	sl_io_done(e, fd, n, io);
	sl_peek_msg(e, fd, io, msg, n);
	if (n >= 0 && SL_LOAD(e->family) == AF_UNIX && msg->msg_controllen)
		sl_fdpass_received(e, fd, msg, n, io->site);
}

/* N messages moved, or -1: their bytes are the sum of their msg_len. */
static ssize_t mmsg_bytes(const struct mmsghdr *vec, int n)
{
	ssize_t bytes = 0;

	for (int i = 0; i < n; i++)
		bytes += vec[i].msg_len;
	return n < 0 ? n : bytes;
}

void sl_sendmmsg_done(struct sl_fd *e, int fd, const struct mmsghdr *vec,
		      int n, struct sl_io *io)
{
	if (n > 0) {
		io->peer = vec[0].msg_hdr.msg_name;
		io->peer_len = sl_sane_len(vec[0].msg_hdr.msg_namelen);
	}
	sl_io_done(e, fd, mmsg_bytes(vec, n), io);
	sl_peek_mmsg(e, fd, io, vec, n);
	if (SL_LOAD(e->family) != AF_UNIX)
		return;
	for (int i = 0; i < n; i++)
		if (vec[i].msg_hdr.msg_controllen)
			sl_fdpass_sent(e, fd, &vec[i].msg_hdr, n, io_start_ns(io),
				       io->site);
}

void sl_recvmmsg_done(struct sl_fd *e, int fd, const struct mmsghdr *vec,
		      int n, struct sl_io *io)
{
	if (n > 0) {
		io->peer = vec[0].msg_hdr.msg_name;
		io->peer_len = sl_sane_len(vec[0].msg_hdr.msg_namelen);
	}
	sl_io_done(e, fd, mmsg_bytes(vec, n), io);
	sl_peek_mmsg(e, fd, io, vec, n);
	if (SL_LOAD(e->family) != AF_UNIX)
		return;
	for (int i = 0; i < n; i++)
		if (vec[i].msg_hdr.msg_controllen)
			sl_fdpass_received(e, fd, &vec[i].msg_hdr, n, io->site);
}

SL_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *dst, socklen_t dst_len)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(sendto)(fd, buf, len, flags, dst, dst_len);
	sl_io_begin(&io, e, flags, false, SL_CALL_SENDTO, len, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_sendto(e, fd, buf, len, flags, dst, dst_len,
			    io.site.caller) :
	    SL_REAL(sendto)(fd, buf, len, flags, dst, dst_len);
	if (n >= 0) {
		io.peer = dst;
		io.peer_len = sl_sane_len(dst_len);
	}
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(sendmsg)(fd, msg, flags);
	sl_io_begin(&io, e, flags, false, SL_CALL_SENDMSG, 1, SL_SITE());
	sl_io_stamp_unix(&io, e);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_sendmsg(e, fd, msg, flags, io.site.caller) :
	    SL_REAL(sendmsg)(fd, msg, flags);
	sl_sendmsg_done(e, fd, msg, n, &io);
	return n;
}

SL_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
		       int flags)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	int n;

	if (!e)
		return SL_REAL(sendmmsg)(fd, vec, vlen, flags);
	sl_io_begin(&io, e, flags, false, SL_CALL_SENDMMSG, vlen, SL_SITE());
	sl_io_stamp_unix(&io, e);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_sendmmsg(e, fd, vec, vlen, flags, io.site.caller) :
	    SL_REAL(sendmmsg)(fd, vec, vlen, flags);
	sl_sendmmsg_done(e, fd, vec, n, &io);
	return n;
}

SL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			   struct sockaddr *src, socklen_t *src_len)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(recvfrom)(fd, buf, len, flags, src, src_len);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECVFROM, len, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recvfrom(e, fd, buf, len, flags, src, src_len,
			      io.site.caller) :
	    SL_REAL(recvfrom)(fd, buf, len, flags, src, src_len);
	sl_io_from(&io, n, src, src_len);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(recvmsg)(fd, msg, flags);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECVMSG, 1, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recvmsg(e, fd, msg, flags, io.site.caller) :
	    SL_REAL(recvmsg)(fd, msg, flags);
	sl_recvmsg_done(e, fd, msg, n, &io);
	return n;
}

SL_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
		       int flags, struct timespec *timeout)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	int n;

	if (!e)
		return SL_REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECVMMSG, vlen, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recvmmsg(e, fd, vec, vlen, flags, timeout,
			      io.site.caller) :
	    SL_REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	sl_recvmmsg_done(e, fd, vec, n, &io);
	return n;
}

SL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(read_chk)(fd, buf, len, buflen);
	sl_io_begin(&io, e, 0, true, SL_CALL_READ, len, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_read_chk(e, fd, buf, len, buflen, io.site.caller) :
	    SL_REAL(read_chk)(fd, buf, len, buflen);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
			     int flags)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(recv_chk)(fd, buf, len, buflen, flags);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECV, len, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recv_chk(e, fd, buf, len, buflen, flags,
			      io.site.caller) :
	    SL_REAL(recv_chk)(fd, buf, len, buflen, flags);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len,
				 size_t buflen, int flags,
				 struct sockaddr *src, socklen_t *src_len)
{
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, src,
					     src_len);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECVFROM, len, SL_SITE());
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recvfrom_chk(e, fd, buf, len, buflen, flags, src,
				  src_len, io.site.caller) :
	    SL_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, src, src_len);
	sl_io_from(&io, n, src, src_len);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

/*
 * sendfile moves bytes from IN to OUT: either end may be a socket we
 * follow (OUT usually is; IN can be since pipes and sockets may feed
 * it). Returns false when neither is followed.
 */
bool sl_sendfile_begin(struct sl_sendfile *sf, int out, int in,
		       size_t count, struct sl_site site)
{
	sf->out = out;
	sf->in = in;
	sf->eo = sl_traced(out);
	sf->ei = sl_traced(in);
	if (sf->eo)
		sl_io_begin(&sf->io_out, sf->eo, 0, false, SL_CALL_SENDFILE,
			    count, site);
	if (sf->ei)
		sl_io_begin(&sf->io_in, sf->ei, 0, true, SL_CALL_SENDFILE,
			    count, site);
	return sf->eo || sf->ei;
}

void sl_sendfile_done(struct sl_sendfile *sf, ssize_t n)
{
	if (sf->eo) {
		sl_io_done(sf->eo, sf->out, n, &sf->io_out);
		sl_peek_unseen(sf->eo, sf->out, false, n);
	}
	if (sf->ei) {
		sl_io_done(sf->ei, sf->in, n, &sf->io_in);
		sl_peek_unseen(sf->ei, sf->in, true, n);
	}
}

static ssize_t do_sendfile(ssize_t (*real)(int, int, off_t *, size_t),
			   int out, int in, off_t *off, size_t count,
			   struct sl_site site)
{
	struct sl_sendfile sf;
	ssize_t n;

	if (!sl_sendfile_begin(&sf, out, in, count, site))
		return real(out, in, off, count);
	n = sf.eo && sl_unlikely(sl_fault_on) && sl_fault_wants(sf.eo, out) ?
	    sl_fault_sendfile(sf.eo, real, out, in, off, count, site.caller) :
	    real(out, in, off, count);
	sl_sendfile_done(&sf, n);
	return n;
}

SL_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	return do_sendfile(SL_REAL(sendfile), out, in, off, count, SL_SITE());
}

SL_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return do_sendfile(SL_REAL(sendfile64) ? sl_real.sendfile64 :
						 sl_real.sendfile,
			   out, in, off, count, SL_SITE());
}
