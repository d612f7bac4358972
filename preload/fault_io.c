/*
 * The I/O calls with their faults (fault_wire.h): each one in place of
 * the real call when the policy has fault rules and the fd's socket is
 * not known to be taken by none. The decision (sl_fault_io_begin) says
 * fail, or make the call with at most so many bytes; the real call is
 * made so; its bytes are counted (sl_fault_io_done).
 *
 * A shorter length cuts a vector call's iovec: a copy on the stack of
 * its first entries, the last one shortened. The copy keeps at most
 * CUT_IOV entries; a cut that needs more moves fewer bytes than it
 * allows, which a short call may. recvmsg gets a copy of the msghdr
 * with the cut iovec, and what the kernel writes back into the msghdr
 * (the lengths of name and control, the flags) is copied to the
 * program's.
 *
 * sendmmsg and recvmmsg are one decision for all their messages' bytes:
 * a cut passes the messages that fit whole (the call then moves fewer
 * messages, as it may), or the first one cut when none does. sendfile
 * meets the send rules of the socket it writes to.
 *
 * Calls by number (syscall()) come through sl_fault_syscall, which
 * finds in a table where each number keeps its length, iovec or msghdr
 * and its flags, and makes the raw call with them changed the same way.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "fault_wire.h"
#include "wrap.h"

/* Entries a cut iovec keeps (a page of the stack at most). */
#define CUT_IOV 64

/* Whether P may be the program's memory (as wrap_accept.c's accept asks):
 * not in the lowest 64 KiB, which vm.mmap_min_addr keeps unmapped. */
static bool user_ptr(const void *p)
{
	return (uintptr_t)p >= 65536 && (uintptr_t)p < (1ull << 57);
}

static size_t iov_len(const struct iovec *iov, size_t cnt)
{
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* IOV's first LEN bytes into OUT (at most CUT_IOV entries): its count. */
static size_t iov_cut(const struct iovec *iov, size_t cnt, size_t len,
		      struct iovec *out)
{
	size_t i;

	for (i = 0; i < cnt && i < CUT_IOV && len; i++) {
		out[i] = iov[i];
		if (out[i].iov_len > len)
			out[i].iov_len = len;
		len -= out[i].iov_len;
	}
	return i;
}

/* The decision for a vector call: -1 (errno set), or 0 with *IOV and
 * *CNT the vector to pass (CUT when it was cut). */
static int vec_begin(struct sl_fd *e, int fd, int call, int flags,
		     const struct iovec **iov, size_t *cnt,
		     struct iovec *cut, uint64_t caller)
{
	/* A vector the kernel would refuse (EINVAL, EFAULT) is not read:
	 * its length is 0 to the engine, and the call fails as it would. */
	size_t want = *cnt <= IOV_MAX && user_ptr(*iov) ?
			      iov_len(*iov, *cnt) : 0;
	size_t len = want;

	if (sl_fault_io_begin(e, fd, call, flags, &len, caller) < 0)
		return -1;
	if (len < want) {
		*cnt = iov_cut(*iov, *cnt, len, cut);
		*iov = cut;
	}
	return 0;
}

ssize_t sl_fault_recv(struct sl_fd *e, int fd, void *buf, size_t len,
		      int flags, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(recv)(fd, buf, len, flags);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_recv_chk(struct sl_fd *e, int fd, void *buf, size_t len,
			  size_t buflen, int flags, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(recv_chk)(fd, buf, len, buflen, flags);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_read(struct sl_fd *e, int fd, void *buf, size_t len,
		      uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, 0, &len, caller) < 0)
		return -1;
	n = SL_REAL(read)(fd, buf, len);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_read_chk(struct sl_fd *e, int fd, void *buf, size_t len,
			  size_t buflen, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, 0, &len, caller) < 0)
		return -1;
	n = SL_REAL(read_chk)(fd, buf, len, buflen);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_recvfrom(struct sl_fd *e, int fd, void *buf, size_t len,
			  int flags, struct sockaddr *src, socklen_t *src_len,
			  uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(recvfrom)(fd, buf, len, flags, src, src_len);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_recvfrom_chk(struct sl_fd *e, int fd, void *buf,
			      size_t len, size_t buflen, int flags,
			      struct sockaddr *src, socklen_t *src_len,
			      uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_RECV, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(recvfrom_chk)(fd, buf, len, buflen, flags, src, src_len);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

/* A copy M of MSG whose vector is what the fault lets through (cut into
 * CUT when shortened); -1 when the fault ends the call itself. */
static int msg_begin(struct sl_fd *e, int fd, int call, int flags,
		     const struct msghdr *msg, struct msghdr *m,
		     struct iovec *cut, uint64_t caller)
{
	const struct iovec *iov = msg->msg_iov;
	size_t cnt = msg->msg_iovlen;

	if (vec_begin(e, fd, call, flags, &iov, &cnt, cut, caller) < 0)
		return -1;
	*m = *msg;
	m->msg_iov = (struct iovec *)iov;
	m->msg_iovlen = cnt;
	return 0;
}

ssize_t sl_fault_recvmsg(struct sl_fd *e, int fd, struct msghdr *msg,
			 int flags, uint64_t caller)
{
	struct iovec cut[CUT_IOV];
	struct msghdr m;
	ssize_t n;

	if (!user_ptr(msg))
		return SL_REAL(recvmsg)(fd, msg, flags);
	if (msg_begin(e, fd, SL_FC_RECV, flags, msg, &m, cut, caller) < 0)
		return -1;
	n = SL_REAL(recvmsg)(fd, &m, flags);
	msg->msg_namelen = m.msg_namelen;
	msg->msg_controllen = m.msg_controllen;
	msg->msg_flags = m.msg_flags;
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_readv(struct sl_fd *e, int fd, const struct iovec *iov,
		       int cnt, uint64_t caller)
{
	struct iovec cut[CUT_IOV];
	size_t c = cnt > 0 ? (size_t)cnt : 0;
	ssize_t n;

	if (vec_begin(e, fd, SL_FC_RECV, 0, &iov, &c, cut, caller) < 0)
		return -1;
	n = SL_REAL(readv)(fd, iov, cnt > 0 ? (int)c : cnt);
	sl_fault_io_done(fd, SL_FC_RECV, n);
	return n;
}

ssize_t sl_fault_send(struct sl_fd *e, int fd, const void *buf, size_t len,
		      int flags, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_SEND, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(send)(fd, buf, len, flags);
	sl_fault_io_done(fd, SL_FC_SEND, n);
	return n;
}

ssize_t sl_fault_write(struct sl_fd *e, int fd, const void *buf, size_t len,
		       uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_SEND, 0, &len, caller) < 0)
		return -1;
	n = SL_REAL(write)(fd, buf, len);
	sl_fault_io_done(fd, SL_FC_SEND, n);
	return n;
}

ssize_t sl_fault_sendto(struct sl_fd *e, int fd, const void *buf,
			size_t len, int flags, const struct sockaddr *dst,
			socklen_t dst_len, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, fd, SL_FC_SEND, flags, &len, caller) < 0)
		return -1;
	n = SL_REAL(sendto)(fd, buf, len, flags, dst, dst_len);
	sl_fault_io_done(fd, SL_FC_SEND, n);
	return n;
}

ssize_t sl_fault_sendmsg(struct sl_fd *e, int fd, const struct msghdr *msg,
			 int flags, uint64_t caller)
{
	struct iovec cut[CUT_IOV];
	struct msghdr m;
	ssize_t n;

	if (!user_ptr(msg))
		return SL_REAL(sendmsg)(fd, msg, flags);
	if (msg_begin(e, fd, SL_FC_SEND, flags, msg, &m, cut, caller) < 0)
		return -1;
	n = SL_REAL(sendmsg)(fd, &m, flags);
	sl_fault_io_done(fd, SL_FC_SEND, n);
	return n;
}

ssize_t sl_fault_writev(struct sl_fd *e, int fd, const struct iovec *iov,
			int cnt, uint64_t caller)
{
	struct iovec cut[CUT_IOV];
	size_t c = cnt > 0 ? (size_t)cnt : 0;
	ssize_t n;

	if (vec_begin(e, fd, SL_FC_SEND, 0, &iov, &c, cut, caller) < 0)
		return -1;
	n = SL_REAL(writev)(fd, iov, cnt > 0 ? (int)c : cnt);
	sl_fault_io_done(fd, SL_FC_SEND, n);
	return n;
}

/* The first message of a vector, cut (mmsg_begin). */
struct mmsg_cut {
	struct mmsghdr one;
	struct iovec iov[CUT_IOV];
};

/* A message's bytes; 0 for one the kernel would refuse. */
static size_t msg_len(const struct msghdr *m)
{
	return m->msg_iovlen <= IOV_MAX && user_ptr(m->msg_iov) ?
		       iov_len(m->msg_iov, m->msg_iovlen) : 0;
}

/*
 * The decision for sendmmsg or recvmmsg: -1 (errno set), or 0 with *VEC
 * and *VLEN what to pass: the program's first messages that fit whole
 * in what the fault allows, or when not even the first one does, a copy
 * of it cut (in CUT). The kernel takes at most UIO_MAXIOV messages.
 */
static int mmsg_begin(struct sl_fd *e, int fd, int call, int flags,
		      struct mmsghdr **vec, unsigned int *vlen,
		      struct mmsg_cut *cut, uint64_t caller)
{
	unsigned int n = *vlen < 1024 ? *vlen : 1024, k;
	size_t want = 0, len, sum = 0;
	struct mmsghdr *v = *vec;

	for (k = 0; k < n && user_ptr(v); k++)
		want += msg_len(&v[k].msg_hdr);
	len = want;
	if (sl_fault_io_begin(e, fd, call, flags, &len, caller) < 0)
		return -1;
	if (len >= want)
		return 0;
	for (k = 0; k < n && sum + msg_len(&v[k].msg_hdr) <= len; k++)
		sum += msg_len(&v[k].msg_hdr);
	if (k) {
		*vlen = k;
		return 0;
	}
	cut->one = v[0];
	cut->one.msg_hdr.msg_iov = cut->iov;
	cut->one.msg_hdr.msg_iovlen = iov_cut(v[0].msg_hdr.msg_iov,
					      v[0].msg_hdr.msg_iovlen, len,
					      cut->iov);
	*vec = &cut->one;
	*vlen = 1;
	return 0;
}

/* After the real call (N messages): what the kernel wrote into the cut
 * copy goes to the program's first message; the bytes are counted. */
static void mmsg_done(int fd, int call, struct mmsghdr *prog,
		      const struct mmsg_cut *cut, const struct mmsghdr *vec,
		      int n)
{
	size_t bytes = 0;

	if (n <= 0)
		return;
	if (vec == &cut->one) {
		prog[0].msg_len = cut->one.msg_len;
		prog[0].msg_hdr.msg_namelen = cut->one.msg_hdr.msg_namelen;
		prog[0].msg_hdr.msg_controllen =
			cut->one.msg_hdr.msg_controllen;
		prog[0].msg_hdr.msg_flags = cut->one.msg_hdr.msg_flags;
	}
	for (int i = 0; i < n; i++)
		bytes += prog[i].msg_len;
	sl_fault_io_done(fd, call, (ssize_t)bytes);
}

int sl_fault_sendmmsg(struct sl_fd *e, int fd, struct mmsghdr *vec,
		      unsigned int vlen, int flags, uint64_t caller)
{
	struct mmsghdr *v = vec;
	struct mmsg_cut cut;
	int n;

	if (mmsg_begin(e, fd, SL_FC_SEND, flags, &v, &vlen, &cut, caller) < 0)
		return -1;
	n = SL_REAL(sendmmsg)(fd, v, vlen, flags);
	mmsg_done(fd, SL_FC_SEND, vec, &cut, v, n);
	return n;
}

int sl_fault_recvmmsg(struct sl_fd *e, int fd, struct mmsghdr *vec,
		      unsigned int vlen, int flags, struct timespec *timeout,
		      uint64_t caller)
{
	struct mmsghdr *v = vec;
	struct mmsg_cut cut;
	int n;

	if (mmsg_begin(e, fd, SL_FC_RECV, flags, &v, &vlen, &cut, caller) < 0)
		return -1;
	n = SL_REAL(recvmmsg)(fd, v, vlen, flags, timeout);
	mmsg_done(fd, SL_FC_RECV, vec, &cut, v, n);
	return n;
}

ssize_t sl_fault_sendfile(struct sl_fd *e,
			  ssize_t (*real)(int, int, off_t *, size_t), int out,
			  int in, off_t *off, size_t count, uint64_t caller)
{
	ssize_t n;

	if (sl_fault_io_begin(e, out, SL_FC_SEND, 0, &count, caller) < 0)
		return -1;
	n = real(out, in, off, count);
	sl_fault_io_done(out, SL_FC_SEND, n);
	return n;
}

/* Where a call by number keeps its bytes: a length (A[2], sendfile's
 * A[3]), an iovec (pointer and count), a msghdr or a vector of them,
 * and its flags (-1: none). */
enum { SC_LEN, SC_IOV, SC_MSG, SC_MMSG, SC_FILE };

static const struct {
	long nr;
	uint8_t call;		/* SL_FC_SEND, SL_FC_RECV */
	uint8_t shape;		/* SC_LEN... */
	int8_t flags;		/* the argument holding the flags, or -1 */
} sc_rows[] = {
	{ SYS_read, SL_FC_RECV, SC_LEN, -1 },
	{ SYS_write, SL_FC_SEND, SC_LEN, -1 },
	{ SYS_readv, SL_FC_RECV, SC_IOV, -1 },
	{ SYS_writev, SL_FC_SEND, SC_IOV, -1 },
	{ SYS_recvfrom, SL_FC_RECV, SC_LEN, 3 },
	{ SYS_sendto, SL_FC_SEND, SC_LEN, 3 },
	{ SYS_recvmsg, SL_FC_RECV, SC_MSG, 2 },
	{ SYS_sendmsg, SL_FC_SEND, SC_MSG, 2 },
	{ SYS_recvmmsg, SL_FC_RECV, SC_MMSG, 3 },
	{ SYS_sendmmsg, SL_FC_SEND, SC_MMSG, 3 },
	{ SYS_sendfile, SL_FC_SEND, SC_FILE, -1 },
};

/* sendmmsg, recvmmsg by number: B[1] and B[2] the vector passed. */
static long sc_mmsg(struct sl_fd *e, long nr, long *b, int call, int flags,
		    uint64_t caller)
{
	struct mmsghdr *prog = (struct mmsghdr *)b[1], *v = prog;
	unsigned int vlen = (unsigned int)b[2];
	struct mmsg_cut cut;
	long n;

	if (mmsg_begin(e, (int)b[0], call, flags, &v, &vlen, &cut,
		       caller) < 0)
		return -1;
	b[1] = (long)v;
	b[2] = (long)vlen;
	n = sl_raw_syscall(nr, b);
	mmsg_done((int)b[0], call, prog, &cut, v, (int)n);
	return n;
}

/* A msghdr call by number: a copy of the msghdr, cut, in B[1]. */
static long sc_msg(struct sl_fd *e, long nr, long *b, int call, int flags,
		   uint64_t caller)
{
	struct msghdr *msg = (struct msghdr *)b[1], m;
	struct iovec cut[CUT_IOV];
	const struct iovec *iov;
	size_t cnt;
	long n;

	if (!user_ptr(msg))
		return sl_raw_syscall(nr, b);
	m = *msg;
	iov = m.msg_iov;
	cnt = m.msg_iovlen;
	if (vec_begin(e, (int)b[0], call, flags, &iov, &cnt, cut, caller) < 0)
		return -1;
	m.msg_iov = (struct iovec *)iov;
	m.msg_iovlen = cnt;
	b[1] = (long)&m;
	n = sl_raw_syscall(nr, b);
	if (call == SL_FC_RECV) {
		msg->msg_namelen = m.msg_namelen;
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags;
	}
	return n;
}

long sl_fault_syscall(struct sl_fd *e, long nr, const long *a,
		      uint64_t caller)
{
	struct iovec cut[CUT_IOV];
	const struct iovec *iov;
	unsigned int i = 0, rows = sizeof(sc_rows) / sizeof(sc_rows[0]);
	long b[6], n;
	size_t len, cnt;
	int fd = (int)a[0], call, flags;

	while (i < rows && sc_rows[i].nr != nr)
		i++;
	if (i == rows)
		return sl_raw_syscall(nr, a);
	memcpy(b, a, sizeof(b));
	call = sc_rows[i].call;
	flags = sc_rows[i].flags < 0 ? 0 : (int)a[sc_rows[i].flags];
	if (sc_rows[i].shape == SC_MMSG)
		return sc_mmsg(e, nr, b, call, flags, caller);
	if (sc_rows[i].shape == SC_MSG) {
		n = sc_msg(e, nr, b, call, flags, caller);
	} else if (sc_rows[i].shape == SC_IOV) {
		iov = (const struct iovec *)a[1];
		cnt = (int)a[2] > 0 ? (size_t)(int)a[2] : 0;
		if (vec_begin(e, fd, call, 0, &iov, &cnt, cut, caller) < 0)
			return -1;
		b[1] = (long)iov;
		b[2] = (int)a[2] > 0 ? (long)cnt : a[2];
		n = sl_raw_syscall(nr, b);
	} else {
		int at = sc_rows[i].shape == SC_FILE ? 3 : 2;

		len = (size_t)a[at];
		if (sl_fault_io_begin(e, fd, call, flags, &len, caller) < 0)
			return -1;
		b[at] = (long)len;
		n = sl_raw_syscall(nr, b);
	}
	sl_fault_io_done(fd, call, n);
	return n;
}
