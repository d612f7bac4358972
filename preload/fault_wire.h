/*
 * The fault engine's hooks in the wrappers (fault_wire.c, fault_io.c):
 * one call before the real connect, accept, send or recv, one after. The engine itself
 * (fault.h) knows no socket.
 */
#ifndef SL_FAULT_WIRE_H
#define SL_FAULT_WIRE_H

#include "fault.h"
#include "preload.h"

/* Whether the policy has fault rules at all: the wrappers' one test. */
extern SL_HIDDEN bool sl_fault_on;
void sl_fault_init(const struct sl_policy *p);
/*
 * Before the real connect: 1 to make it (after any delay), or -1 with
 * errno set: the injected failure, the call not made.
 */
int sl_fault_connect(struct sl_fd *e, int fd, const struct sockaddr *addr,
		     socklen_t len, uint64_t caller);

/* Before a name lookup (API which one, NAME the host): 0, or the EAI_
 * code the fault makes it fail with (after any delay). wrap_resolve.c
 * calls it through a weak default. */
int sl_fault_resolve(unsigned int api, const char *name);

#define SL_FAULT_SOCK_RULES 16

/* One fd's send and receive fault state (fault_wire.c). */
struct sl_fault_sock {
	uint64_t inode;			/* the socket it is for; 0: none */
	uint32_t rules[SL_FAULT_SOCK_RULES];	/* its send and recv rules */
	uint32_t nrules;
	uint32_t recorded;		/* bit per rules[] slot: recorded once */
	bool late;			/* watched for readiness later */
	struct sl_fault_state st;
};

/* Indexed by fd; NULL when no rule is for send or recv. */
extern SL_HIDDEN struct sl_fault_sock *sl_fault_socks;
/* Indexed by fd: the inode of a socket matched and taken by no rule
 * (the hot path's one compare), else 0. */
extern SL_HIDDEN uint64_t *sl_fault_idle;
extern SL_HIDDEN int sl_fault_nsocks;


/*
 * Whether a send or recv on FD needs the fault hooks: its socket is not
 * known to be taken by no rule. Inline, so that a socket no rule takes
 * costs a bounds check and an inode compare.
 */
static inline bool sl_fault_wants(const struct sl_fd *e, int fd)
{
	return (unsigned int)fd < (unsigned int)sl_fault_nsocks &&
	       sl_fault_idle[fd] != sl_fd_inode(e);
}

/*
 * Before a send or receive (CALL SL_FC_SEND, SL_FC_RECV) or accept on
 * FD: 0 to make the call with at most *LEN bytes (cut by short, limit,
 * after), or -1 with errno set, the call not made. After it: its N
 * bytes counted (limit, after).
 */
int sl_fault_io_begin(struct sl_fd *e, int fd, int call, int flags,
		      size_t *len, uint64_t caller);
void sl_fault_io_done(int fd, int call, ssize_t n);
/* Before the real accept on listener L (NULL: not followed). */
int sl_fault_accept(struct sl_fd *l, int fd, uint64_t caller);

/*
 * In place of the real I/O calls when sl_fault_wants (fault_io.c): the
 * decision, the real call with the length it allows (an iovec cut to
 * it), its bytes counted. The _chk ones are the fortified entries.
 */
struct iovec;
struct msghdr;
ssize_t sl_fault_recv(struct sl_fd *e, int fd, void *buf, size_t len,
		      int flags, uint64_t caller);
ssize_t sl_fault_recv_chk(struct sl_fd *e, int fd, void *buf, size_t len,
			  size_t buflen, int flags, uint64_t caller);
ssize_t sl_fault_read(struct sl_fd *e, int fd, void *buf, size_t len,
		      uint64_t caller);
ssize_t sl_fault_read_chk(struct sl_fd *e, int fd, void *buf, size_t len,
			  size_t buflen, uint64_t caller);
ssize_t sl_fault_recvfrom(struct sl_fd *e, int fd, void *buf, size_t len,
			  int flags, struct sockaddr *src, socklen_t *src_len,
			  uint64_t caller);
ssize_t sl_fault_recvfrom_chk(struct sl_fd *e, int fd, void *buf,
			      size_t len, size_t buflen, int flags,
			      struct sockaddr *src, socklen_t *src_len,
			      uint64_t caller);
ssize_t sl_fault_recvmsg(struct sl_fd *e, int fd, struct msghdr *msg,
			 int flags, uint64_t caller);
ssize_t sl_fault_readv(struct sl_fd *e, int fd, const struct iovec *iov,
		       int cnt, uint64_t caller);
ssize_t sl_fault_send(struct sl_fd *e, int fd, const void *buf, size_t len,
		      int flags, uint64_t caller);
ssize_t sl_fault_write(struct sl_fd *e, int fd, const void *buf, size_t len,
		       uint64_t caller);
ssize_t sl_fault_sendto(struct sl_fd *e, int fd, const void *buf,
			size_t len, int flags, const struct sockaddr *dst,
			socklen_t dst_len, uint64_t caller);
ssize_t sl_fault_sendmsg(struct sl_fd *e, int fd, const struct msghdr *msg,
			 int flags, uint64_t caller);
ssize_t sl_fault_writev(struct sl_fd *e, int fd, const struct iovec *iov,
			int cnt, uint64_t caller);
/* The message vector calls: one decision for all their bytes; a cut
 * passes the messages that fit whole, or the first one cut. */
struct mmsghdr;
struct timespec;
int sl_fault_sendmmsg(struct sl_fd *e, int fd, struct mmsghdr *vec,
		      unsigned int vlen, int flags, uint64_t caller);
int sl_fault_recvmmsg(struct sl_fd *e, int fd, struct mmsghdr *vec,
		      unsigned int vlen, int flags, struct timespec *timeout,
		      uint64_t caller);
/* sendfile to the socket OUT (E) through REAL (sendfile or sendfile64):
 * the send rules, COUNT the length. */
ssize_t sl_fault_sendfile(struct sl_fd *e,
			  ssize_t (*real)(int, int, off_t *, size_t), int out,
			  int in, off_t *off, size_t count, uint64_t caller);
/* The same calls made through syscall() by number NR, arguments A. */
long sl_fault_syscall(struct sl_fd *e, long nr, const long *a,
		      uint64_t caller);

#endif
