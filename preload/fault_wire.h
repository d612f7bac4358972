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
extern int sl_fault_nsocks;

int sl__fault_io(struct sl_fd *e, int fd, int call, int flags, size_t *len,
		 uint64_t caller);
void sl__fault_io_done(int fd, int call, ssize_t n);

/*
 * Before a send (write) or recv (read), CALL saying which: 0 to make the
 * call with *LEN (maybe shortened, after any delay), or -1 with errno
 * set: the injected failure or EAGAIN, the call not made. Inline, the
 * test that a socket no rule takes costs a few instructions: its fd's
 * state is for its inode and holds no rule.
 */
static inline int sl_fault_io(struct sl_fd *e, int fd, int call, int flags,
			      size_t *len, uint64_t caller)
{
	const struct sl_fault_sock *s;


	if ((unsigned int)fd >= (unsigned int)sl_fault_nsocks)
		return 0;
	s = &sl_fault_socks[fd];
	if (!s->nrules &&
	    s->inode == sl_fd_inode(e))
		return 0;
	return sl__fault_io(e, fd, call, flags, len, caller);
}

/* After it: N, what the real call returned. */
static inline void sl_fault_io_done(int fd, int call, ssize_t n)
{
	if ((unsigned int)fd < (unsigned int)sl_fault_nsocks && n > 0 &&
	    sl_fault_socks[fd].nrules)
		sl__fault_io_done(fd, call, n);
}

#endif
