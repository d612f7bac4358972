/*
 * The fault engine's hooks in the wrappers (fault_wire.c): one call
 * before the real connect, send or recv, one after. The engine itself
 * (fault.h) knows no socket.
 */
#ifndef SL_FAULT_WIRE_H
#define SL_FAULT_WIRE_H

#include "fault.h"
#include "preload.h"

/* Whether the policy has fault rules at all: the wrappers' one test. */
extern bool sl_fault_on;
void sl_fault_init(const struct sl_policy *p);
/*
 * Before the real connect: 1 to make it (after any delay), or -1 with
 * errno set: the injected failure, the call not made.
 */
int sl_fault_connect(struct sl_fd *e, int fd, const struct sockaddr *addr,
		     socklen_t len, uint64_t caller);

#define SL_FAULT_SOCK_RULES 16

/* One fd's send and receive fault state (fault_wire.c). */
struct sl_fault_sock {
	uint64_t inode;			/* the socket it is for; 0: none */
	uint32_t rules[SL_FAULT_SOCK_RULES];	/* its send and recv rules */
	uint32_t nrules;
	uint32_t recorded;		/* bit per rules[] slot: recorded once */
	struct sl_fault_state st;
};

/* Indexed by fd; NULL when no rule is for send or recv. */
extern struct sl_fault_sock *sl_fault_socks;
/* Indexed by fd: the inode of a socket matched and taken by no rule
 * (the hot path's one compare), else 0. */
extern uint64_t *sl_fault_idle;
extern int sl_fault_nsocks;


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
 * In place of the real recv, read, send, write when sl_fault_wants: the
 * decision (sl__fault_io: 0 to make the call, maybe with a shorter
 * length, or -1 with errno set, the call not made), the real call, its
 * bytes counted.
 */
ssize_t sl_fault_recv(struct sl_fd *e, int fd, void *buf, size_t len,
		      int flags, uint64_t caller);
ssize_t sl_fault_read(struct sl_fd *e, int fd, void *buf, size_t len,
		      uint64_t caller);
ssize_t sl_fault_send(struct sl_fd *e, int fd, const void *buf, size_t len,
		      int flags, uint64_t caller);
ssize_t sl_fault_write(struct sl_fd *e, int fd, const void *buf, size_t len,
		       uint64_t caller);

#endif
