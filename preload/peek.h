/*
 * The waterfall's hooks in the wrappers (issue 18): what a TCP stream
 * says about itself (peek.c: the sniff.h parsers fed with the bytes the
 * program's own send and recv moved) and what the kernel knew of it
 * (tcpinfo.c: TCP_INFO at close and exit). Each hook is one inline test
 * of an fd flag; the work is out of line.
 *
 * sl_wf_connected: a TCP socket was connected (connect, its outcome
 *   pending or not) or accepted: a peek state if one is free, a birth
 *   time for TCP_INFO.
 * sl_peek_io, sl_peek_iov, sl_peek_msg, sl_peek_mmsg: after a send or
 *   receive that moved N bytes (N 0 on a receive: end of stream); a
 *   MSG_PEEK receive is left out. sl_peek_unseen: bytes sendfile moved.
 * sl_wf_close: before the close of a followed fd, and before its stamp
 *   (TCP_INFO is a system call); sl_wf_close_stamped where the stamp was
 *   taken already (close_range: no TCP_INFO then).
 * sl_wf_exit: the process is exiting; its open sockets say what they
 *   know.
 */
#ifndef SL_PEEK_H
#define SL_PEEK_H

#include "wrap.h"

void sl_wf_attach(struct sl_fd *e, int fd);
void sl_peek_feed(struct sl_fd *e, int fd, bool rx, const void *buf,
		  size_t n);
void sl_peek_feed_iov(struct sl_fd *e, int fd, bool rx,
		      const struct iovec *iov, size_t cnt, size_t n);
void sl_peek_skip(struct sl_fd *e, int fd, bool rx, uint64_t n);
void sl_peek_close(struct sl_fd *e, int fd);
void sl_peek_exit(void);
void sl_tcpinfo_take(struct sl_fd *e, int fd, unsigned int when);
void sl_tcpinfo_exit(void);

static inline bool sl_wf_is_tcp(const struct sl_fd *e)
{
	uint16_t family = SL_LOAD(e->family);

	return (family == AF_INET || family == AF_INET6) &&
	       (SL_LOAD(e->type) & 0xf) == SOCK_STREAM;
}

static inline void sl_wf_connected(struct sl_fd *e, int fd)
{
	if (sl_unlikely(sl_cfg.peek || sl_cfg.tcp_info) && e &&
	    sl_wf_is_tcp(e))
		sl_wf_attach(e, fd);
}

static inline bool sl_peek_wants(const struct sl_fd *e,
				 const struct sl_io *io, ssize_t n)
{
	return sl_unlikely(sl_fd_flags(e) & SL_FD_PEEK) && n >= 0 &&
	       !io->peek && (n > 0 || io->rx);
}

static inline void sl_peek_io(struct sl_fd *e, int fd,
			      const struct sl_io *io, const void *buf,
			      ssize_t n)
{
	if (sl_peek_wants(e, io, n))
		sl_peek_feed(e, fd, io->rx, buf, (size_t)n);
}

static inline void sl_peek_iov(struct sl_fd *e, int fd,
			       const struct sl_io *io,
			       const struct iovec *iov, int cnt, ssize_t n)
{
	if (sl_peek_wants(e, io, n) && cnt >= 0)
		sl_peek_feed_iov(e, fd, io->rx, iov, (size_t)cnt, (size_t)n);
}

/* A message call: its vector (the bytes of the first N, in order). */
static inline void sl_peek_msg(struct sl_fd *e, int fd,
			       const struct sl_io *io,
			       const struct msghdr *msg, ssize_t n)
{
	if (sl_peek_wants(e, io, n) && msg)
		sl_peek_feed_iov(e, fd, io->rx, msg->msg_iov,
				 (size_t)msg->msg_iovlen, (size_t)n);
}

static inline void sl_peek_mmsg(struct sl_fd *e, int fd,
				const struct sl_io *io,
				const struct mmsghdr *vec, int n)
{
	if (!sl_peek_wants(e, io, n) || !vec)
		return;
	for (int i = 0; i < n; i++)
		sl_peek_feed_iov(e, fd, io->rx, vec[i].msg_hdr.msg_iov,
				 (size_t)vec[i].msg_hdr.msg_iovlen,
				 vec[i].msg_len);
}

/* N bytes went by that we cannot see (sendfile). */
static inline void sl_peek_unseen(struct sl_fd *e, int fd, bool rx,
				  ssize_t n)
{
	if (sl_unlikely(sl_fd_flags(e) & SL_FD_PEEK) && n > 0)
		sl_peek_skip(e, fd, rx, (uint64_t)n);
}

static inline void sl_wf_close(struct sl_fd *e, int fd)
{
	if (sl_unlikely(sl_fd_flags(e) & (SL_FD_PEEK | SL_FD_TCP))) {
		if (sl_fd_flags(e) & SL_FD_TCP)
			sl_tcpinfo_take(e, fd, SL_TI_CLOSE);
		if (sl_fd_flags(e) & SL_FD_PEEK)
			sl_peek_close(e, fd);
	}
}

/* A close already stamped (close_range): no system call may come
 * between the stamp and the close, so no TCP_INFO; the peek state ends. */
static inline void sl_wf_close_stamped(struct sl_fd *e, int fd)
{
	if (sl_unlikely(sl_fd_flags(e) & SL_FD_PEEK))
		sl_peek_close(e, fd);
}

static inline void sl_wf_exit(void)
{
	if (sl_cfg.tcp_info)
		sl_tcpinfo_exit();
	if (sl_cfg.peek)
		sl_peek_exit();
}

#endif
