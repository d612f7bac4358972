/*
 * Building a call record in place (struct sl_rec_call, wire.h): what
 * record.c's sl_emit and buffer.c's sl_call_begin share, inline so that
 * the fields go straight from the fd table into the slot.
 */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include "preload.h"

/* SL_FD_NONBLOCK and SL_FD_STDIO as the record's SL_F_NONBLOCK and
 * SL_F_STDIO, without a branch: the first is the same bit. */
_Static_assert(SL_FD_NONBLOCK == SL_F_NONBLOCK, "nonblock bit");
_Static_assert(SL_FD_STDIO >> 2 == SL_F_STDIO, "stdio bit");

static inline uint16_t sl_rec_flags(uint32_t fd_flags)
{
	return (uint16_t)((fd_flags & SL_FD_NONBLOCK) |
			  ((fd_flags & SL_FD_STDIO) >> 2));
}

/* The fields every call record has, E's counters among them (E NULL:
 * zeros); the rest zero. */
static inline void sl_call_fill(struct sl_rec_call *r, uint16_t call, int fd,
			       const struct sl_fd *e, struct sl_site site)
{
	r->dur_ns = 0;
	r->caller = site.caller;
	r->inode2 = 0;
	r->ret = 0;
	r->arg0 = 0;
	r->arg1 = 0;
	r->fd = fd;
	r->err = 0;
	r->call = call;
	r->peer_pid = 0;
	if (!e) {
		r->inode = 0;
		r->flags = site.flags;
		r->tx_bytes = r->rx_bytes = 0;
		r->tx_calls = r->rx_calls = r->eagain = r->peeks = 0;
		return;
	}
	r->inode = SL_LOAD(e->inode);
	r->flags = site.flags | sl_rec_flags(sl_fd_flags(e));
	r->tx_bytes = SL_LOAD(e->tx_bytes);
	r->rx_bytes = SL_LOAD(e->rx_bytes);
	r->tx_calls = SL_LOAD(e->tx_calls);
	r->rx_calls = SL_LOAD(e->rx_calls);
	r->eagain = SL_LOAD(e->eagain);
	r->peeks = SL_LOAD(e->peeks);
}

#endif
