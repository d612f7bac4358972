/*
 * The plain path of the hottest I/O wrappers (send, recv, read, write,
 * readv, writev): what a followed socket with nothing to say pays, and
 * the bodies they fall back to. The rest of the I/O family, the slow
 * half they share (sl_io_slow) and what the wrappers count and why are
 * wrap_io.c's.
 */
#include <errno.h>

#include "fault_wire.h"
#include "peek.h"
#include "wrap.h"

/*
 * The plain path of send, recv, read, write, readv and writev: a
 * followed socket with no fault rule, no peek state, nothing flagged for
 * attention, and no MSG_PEEK. The exported wrapper tests that before the
 * call and keeps only the counters after it, with at most two
 * callee-saved registers to save and restore; everything else is out of
 * line, the whole of the old path (*_full) when the test fails before
 * the call, io_after when the call's outcome or a flag set meanwhile
 * wants more. STATE, after the call: what io_after has left to do.
 */
#define IO_PLAIN_OFF (SL_IO_ATTENTION | SL_FD_PEEK)
#define IO_UNCOUNTED	1u	/* n <= 0: nothing counted */
#define IO_COUNTED	2u	/* counted, a flag set meanwhile */
#define IO_REPORT	3u	/* counted, and the counters are due */
/* With WHAT: buf and len are readv's or writev's iovec and count. */
#define IO_IOV		(1u << 18)
_Static_assert(!(IO_IOV & (SL_IO_RX | SL_IO_PEEK | 0xffffu)), "IO_IOV");

static inline __attribute__((always_inline)) bool
io_plain(uint32_t f, int msgflags)
{
	return sl_likely(!sl_in_vfork) && !sl_unlikely(sl_fault_on) &&
	       !(f & IO_PLAIN_OFF) && !(msgflags & MSG_PEEK);
}

/* The start stamp of a call that can block, else 0 (sl_io_begin). */
static inline __attribute__((always_inline)) uint64_t
io_plain_t0(uint32_t f, int msgflags)
{
	if ((f & SL_FD_NONBLOCK) || (msgflags & MSG_DONTWAIT))
		return 0;
	return sl_stamp();
}

/* After the call: 0 when the counters were all there was to do
 * (sl_io_done_quiet's plain path, same rule), else the state. */
static inline __attribute__((always_inline)) unsigned int
io_plain_count(struct sl_fd *e, ssize_t n, bool rx)
{
	uint64_t total;
	uint32_t count;

	if (sl_unlikely(n <= 0))
		return IO_UNCOUNTED;
	total = __atomic_add_fetch(rx ? &e->rx_bytes : &e->tx_bytes,
				   (uint64_t)n, __ATOMIC_RELAXED);
	count = __atomic_add_fetch(rx ? &e->rx_calls : &e->tx_calls, 1,
				   __ATOMIC_RELAXED);
	if (sl_unlikely(!(count % SL_COUNTER_CALLS) ||
			((total - (uint64_t)n) ^ total) >= SL_COUNTER_BYTES))
		return IO_REPORT;
	return sl_fd_flags(e) & IO_PLAIN_OFF ? IO_COUNTED : 0;
}

/*
 * What only io_after reads, kept in the wrapper's frame (volatile: stored
 * before the call, not held in callee-saved registers across it, which
 * would cost a push and a pop each on every call). readv and writev keep
 * their iovec and count.
 */
struct io_keep {
	const void *buf;
	size_t len;
	uint64_t t0;
};

/*
 * The rest of a plain-path call whose outcome wants more than counters:
 * what sl_io_done_quiet and sl_peek_io do past their plain path. WHAT is
 * the call and SL_IO_RX; STATE from io_plain_count. Keeps errno.
 */
static __attribute__((noinline, cold)) ssize_t
io_after(struct sl_fd *e, const volatile struct io_keep *k, ssize_t n,
	 uint64_t caller, uint32_t what, unsigned int state)
{
	const void *buf = k->buf;
	size_t len = k->len;
	uint64_t t0 = k->t0;
	/* Its fd from its entry: one register fewer across the call. */
	int fd = (int)(e - sl_fds);
	struct sl_io io = {
		.t0 = t0, .site = { caller, 0 }, .asked = len,
		.call = (uint16_t)what, .rx = what & SL_IO_RX,
	};
	int err = errno;

	if (state != IO_COUNTED || (sl_fd_flags(e) & SL_IO_ATTENTION))
		sl_io_slow(e, fd, n, err, state == IO_REPORT, t0, io.site,
			   what & ~IO_IOV, len, NULL, 0);
	errno = err;
	if (what & IO_IOV)
		sl_peek_iov(e, fd, &io, buf, (int)len, n);
	else
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

static __attribute__((noinline)) ssize_t
send_full(int fd, const void *buf, size_t len, int flags,
	uint64_t caller)
{
	struct sl_site site = { caller, 0 };
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(send)(fd, buf, len, flags);
	sl_io_begin(&io, e, flags, false, SL_CALL_SEND, len, site);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_send(e, fd, buf, len, flags, io.site.caller) :
	    SL_REAL(send)(fd, buf, len, flags);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (!e)
		return SL_REAL(send)(fd, buf, len, flags);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, flags) || !sl_real.send))
		return send_full(fd, buf, len, flags, SL_CALLER());
	k.buf = buf;
	k.len = len;
	k.t0 = io_plain_t0(f, flags);
	n = sl_real.send(fd, buf, len, flags);
	state = io_plain_count(e, n, false);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(), SL_CALL_SEND, state);
}

static __attribute__((noinline)) ssize_t
recv_full(int fd, void *buf, size_t len, int flags,
	uint64_t caller)
{
	struct sl_site site = { caller, 0 };
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return SL_REAL(recv)(fd, buf, len, flags);
	sl_io_begin(&io, e, flags, true, SL_CALL_RECV, len, site);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_recv(e, fd, buf, len, flags, io.site.caller) :
	    SL_REAL(recv)(fd, buf, len, flags);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (!e)
		return SL_REAL(recv)(fd, buf, len, flags);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, flags) || !sl_real.recv))
		return recv_full(fd, buf, len, flags, SL_CALLER());
	k.buf = buf;
	k.len = len;
	k.t0 = io_plain_t0(f, flags);
	n = sl_real.recv(fd, buf, len, flags);
	state = io_plain_count(e, n, true);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(), SL_CALL_RECV | SL_IO_RX,
			state);
}

static __attribute__((noinline)) ssize_t
read_full(int fd, void *buf, size_t len,
	uint64_t caller)
{
	struct sl_site site = { caller, 0 };
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(read)(fd, buf, len);
	sl_io_begin(&io, e, 0, true, SL_CALL_READ, len, site);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_read(e, fd, buf, len, io.site.caller) :
	    SL_REAL(read)(fd, buf, len);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(read)(fd, buf, len);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, 0) || !sl_real.read))
		return read_full(fd, buf, len, SL_CALLER());
	k.buf = buf;
	k.len = len;
	k.t0 = io_plain_t0(f, 0);
	n = sl_real.read(fd, buf, len);
	state = io_plain_count(e, n, true);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(), SL_CALL_READ | SL_IO_RX,
			state);
}

static __attribute__((noinline)) ssize_t
write_full(int fd, const void *buf, size_t len,
	uint64_t caller)
{
	struct sl_site site = { caller, 0 };
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(write)(fd, buf, len);
	sl_io_begin(&io, e, 0, false, SL_CALL_WRITE, len, site);
	n = sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd) ?
	    sl_fault_write(e, fd, buf, len, io.site.caller) :
	    SL_REAL(write)(fd, buf, len);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_io(e, fd, &io, buf, n);
	return n;
}

SL_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (sl_likely(!e))
		return SL_REAL(write)(fd, buf, len);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, 0) || !sl_real.write))
		return write_full(fd, buf, len, SL_CALLER());
	k.buf = buf;
	k.len = len;
	k.t0 = io_plain_t0(f, 0);
	n = sl_real.write(fd, buf, len);
	state = io_plain_count(e, n, false);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(), SL_CALL_WRITE, state);
}

/*
 * readv (RX) or writev, anything but the plain path: their bodies
 * differ only in the call, its fault and its direction.
 */
static __attribute__((noinline)) ssize_t
iov_full(int fd, const struct iovec *iov, int cnt, uint64_t caller, bool rx)
{
	struct sl_site site = { caller, 0 };
	struct sl_fd *e = sl_traced(fd);
	struct sl_io io;
	ssize_t n;

	if (!e)
		return rx ? SL_REAL(readv)(fd, iov, cnt) :
			    SL_REAL(writev)(fd, iov, cnt);
	sl_io_begin(&io, e, 0, rx, rx ? SL_CALL_READV : SL_CALL_WRITEV,
		    (size_t)cnt, site);
	if (sl_unlikely(sl_fault_on) && sl_fault_wants(e, fd))
		n = rx ? sl_fault_readv(e, fd, iov, cnt, io.site.caller) :
			 sl_fault_writev(e, fd, iov, cnt, io.site.caller);
	else
		n = rx ? SL_REAL(readv)(fd, iov, cnt) :
			 SL_REAL(writev)(fd, iov, cnt);
	if (!sl_io_done_quiet(e, fd, n, &io, SL_IO_ATTENTION | SL_FD_PEEK))
		sl_peek_iov(e, fd, &io, iov, cnt, n);
	return n;
}

SL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (!e)
		return SL_REAL(readv)(fd, iov, cnt);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, 0) || !sl_real.readv))
		return iov_full(fd, iov, cnt, SL_CALLER(), true);
	k.buf = iov;
	k.len = (size_t)cnt;
	k.t0 = io_plain_t0(f, 0);
	n = sl_real.readv(fd, iov, cnt);
	state = io_plain_count(e, n, true);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(),
			SL_CALL_READV | SL_IO_RX | IO_IOV, state);
}

SL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct sl_fd *e = sl_fd_get(fd);
	volatile struct io_keep k;
	unsigned int state;
	uint32_t f;
	ssize_t n;

	if (!e)
		return SL_REAL(writev)(fd, iov, cnt);
	f = sl_fd_flags(e);
	if (sl_unlikely(!io_plain(f, 0) || !sl_real.writev))
		return iov_full(fd, iov, cnt, SL_CALLER(), false);
	k.buf = iov;
	k.len = (size_t)cnt;
	k.t0 = io_plain_t0(f, 0);
	n = sl_real.writev(fd, iov, cnt);
	state = io_plain_count(e, n, false);
	if (sl_likely(!state))
		return n;
	return io_after(e, &k, n, SL_CALLER(), SL_CALL_WRITEV | IO_IOV, state);
}
