/*
 * Building records in place, where this thread writes (buffer.c): the
 * plain case of a record (our lane in the memory in use, room below its
 * limit, no look due, no record of ours being written) inline, so that a
 * hot call's record is a few loads and stores in its wrapper, with no
 * call and no field stored twice; every other case out of line in
 * buffer.c. Included at the end of preload.h.
 */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include "preload.h"

#include <socklens/ring.h>

/* Records being written at once on one thread: its own and the signal
 * handlers that interrupt it; deeper ones are dropped (counted). */
#define SL_REC_LEVELS 4

enum { SL_AT_LANE = 1, SL_AT_SCRATCH = 2 };

/* A thread's place in its lane (buffer.c says how it moves). */
struct sl_tlane {
	struct sl_ring_hdr *ring;	/* the memory our lane is in, or NULL */
	struct sl_lane *lane;		/* ours, or NULL */
	char *data;			/* its area */
	uint64_t head;			/* the next byte we write there */
	/* Records end at or below limit without a look at the lane: the
	 * room the collector left, and no further than this lap's end.
	 * 0 with no lane, so that one comparison sends every case that is
	 * not the plain one down the slow path. */
	uint64_t limit;
	uint64_t check_ns;		/* the next look (buffer.c) */
	uint64_t seq;			/* records made by this thread so far */
	uint32_t mask;			/* lane_size - 1 */
	uint32_t tid;			/* ours, for the records' headers */
	uint32_t depth;			/* records being written */
	struct {
		uint16_t at;		/* SL_AT_*, 0: dropped */
		uint16_t size;
	} lvl[SL_REC_LEVELS];
	uint64_t scratch[SL_REC_LEVELS][SL_LANE_REC_MAX / sizeof(uint64_t)];
};

extern SL_TLS struct sl_tlane sl_tl;

/* The other cases (buffer.c): D + 1 is the depth already for
 * sl_rec_done_other. */
void *sl_rec_begin_other(size_t size, unsigned int type, uint64_t ts);
struct sl_rec_call *sl_call_begin_other(uint16_t call, int fd,
					const struct sl_fd *e, uint64_t ts,
					struct sl_site site);
void sl_rec_done_other(unsigned int d);
void sl_rec_done_any(void);
void sl_fill_hdr(struct sl_hdr *h, size_t size, unsigned int type,
		 uint64_t ts);

/* The compiler keeps the depth and the writes of a record in program
 * order: a signal handler on this thread sees one or the other whole. */
static inline void sl_rec_order(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/*
 * The plain case: the record's header in our lane, the depth raised. NULL
 * when it does not hold, the depth put back, so that the other way
 * (sl_rec_begin_other) starts over.
 */
static inline __attribute__((always_inline)) void *
sl_lane_slot(size_t size, unsigned int type, uint64_t ts)
{
	struct sl_tlane *t = &sl_tl;
	unsigned int d = t->depth;
	struct sl_hdr *h;

	t->depth = d + 1;
	sl_rec_order();
	if (sl_unlikely(d || t->ring != __atomic_load_n(&sl_guard->ring,
							__ATOMIC_RELAXED) ||
			t->head + size > t->limit || ts >= t->check_ns)) {
		sl_rec_order();
		t->depth = d;
		return NULL;
	}
	t->lvl[0].at = SL_AT_LANE;
	t->lvl[0].size = (uint16_t)size;
	t->seq++;
	h = (struct sl_hdr *)(t->data + (t->head & t->mask));
	h->size = (uint16_t)size;
	h->type = (uint8_t)type;
	h->version = SL_WIRE_VERSION;
	h->tid = t->tid;
	h->ts_ns = ts;
	return h;
}

/* A record of SIZE bytes where this thread writes (NULL: dropped,
 * counted), then sl_rec_done, which publishes it. The header's size,
 * type, version, tid and ts are filled in. Keeps errno. */
static inline __attribute__((always_inline)) void *
sl_rec_begin(size_t size, unsigned int type, uint64_t ts)
{
	void *h = sl_lane_slot(size, type, ts);

	if (sl_likely(h != NULL))
		return h;
	return sl_rec_begin_other(size, type, ts);
}

/* Publishes the record begun last: one release store for a lane's. */
static inline __attribute__((always_inline)) void sl_rec_done(uint64_t ts)
{
	struct sl_tlane *t = &sl_tl;
	unsigned int d = t->depth - 1;

	(void)ts;
	if (sl_unlikely(t->lvl[d].at != SL_AT_LANE)) {
		sl_rec_done_other(d);
		return;
	}
	t->head += t->lvl[d].size;
	__atomic_store_n(&t->lane->head, t->head, __ATOMIC_RELEASE);
	sl_rec_order();
	t->depth = d;
}

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
static inline __attribute__((always_inline)) void
sl_call_fill(struct sl_rec_call *r, uint16_t call, int fd,
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

/*
 * The hot calls' way: a call record begun where this thread writes, with
 * the header, CALL, FD, SITE and E's inode, counters and flags filled in
 * (E NULL: zeros) and every other field zero. The wrapper sets what its
 * call adds (sl_call_ret, arg0, dur_ns...) in place and publishes it with
 * sl_call_done. NULL: dropped (counted). Keeps errno. Inline, so that
 * the fields the wrapper sets again are stored once.
 */
static inline __attribute__((always_inline)) struct sl_rec_call *
sl_call_begin(uint16_t call, int fd, const struct sl_fd *e, uint64_t ts,
	      struct sl_site site)
{
	struct sl_rec_call *r = sl_lane_slot(sizeof(*r), SL_REC_CALL, ts);

	if (sl_unlikely(!r))
		return sl_call_begin_other(call, fd, e, ts, site);
	sl_call_fill(r, call, fd, e, site);
	return r;
}

/* What the call returned, and its errno when that is a failure. */
static inline void sl_call_ret(struct sl_rec_call *r, int64_t ret, int err)
{
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
}

/* Publishes the call record begun last. Its size is known, and so is
 * where the plain case left it: our own record, in our lane. */
static inline __attribute__((always_inline)) void sl_call_done(void)
{
	struct sl_tlane *t = &sl_tl;

	if (sl_unlikely(t->depth != 1 || t->lvl[0].at != SL_AT_LANE)) {
		sl_rec_done_any();
		return;
	}
	t->head += sizeof(struct sl_rec_call);
	__atomic_store_n(&t->lane->head, t->head, __ATOMIC_RELEASE);
	sl_rec_order();
	t->depth = 0;
}

#endif
