/*
 * Where a thread's records go: its lane in the shared memory the
 * collector reads (include/socklens/ring.h). A record is built in place
 * in the lane and published by one release store of the lane's head: no
 * system call, nothing held back, so a thread that then blocks in a
 * futex, a condition variable or a long computation owes the collector
 * nothing, and a process killed outright loses at most the record being
 * written. The thread claims a lane on its first record and gives it back
 * when it ends (a pthread key destructor), or when the lane is full: then
 * it moves to a free lane with room, so that one busy thread can use
 * every idle lane before it needs the shared area.
 *
 * What its lane cannot take is built in a per-thread scratch record and
 * handed to the transport (sl_transport_send): the shared area, the
 * socket, or the drop count. That is the way for a thread with no lane
 * (more threads than lanes with room), a record while no memory is in
 * use (connecting, no collector, SOCKLENS_RING_KB=0), and a
 * signal handler that records while its thread is writing a record: it
 * must not touch the lane, whose single producer is the interrupted code,
 * so it gets a scratch record of its own nesting level.
 *
 * The plain case (our lane in the memory in use, room, no look due, no
 * record of ours being written) is inline in record.h, in the wrappers
 * themselves; this file has every other case.
 */
#include <errno.h>
#include <pthread.h>

#include "preload.h"

/* How often, at most, a thread's record looks at the collector's
 * heartbeat, the drop counts, and for a lane if it has none. */
#define CHECK_NS (10 * 1000 * 1000ull)

SL_TLS struct sl_tlane sl_tl;
static pthread_key_t exit_key;

void sl_fill_hdr(struct sl_hdr *h, size_t size, unsigned int type,
		 uint64_t ts)
{
	h->size = (uint16_t)size;
	h->type = (uint8_t)type;
	h->version = SL_WIRE_VERSION;
	h->tid = (uint32_t)sl_gettid();
	h->ts_ns = ts;
}

static inline void order(void)
{
	sl_rec_order();
}

static void drop_lane(struct sl_tlane *t)
{
	t->ring = NULL;
	t->lane = NULL;
	t->limit = 0;
}

/* A lane in R for this thread, or none (R NULL, or all taken: tried
 * again at the next look). */
static void take_lane(struct sl_tlane *t, struct sl_ring_hdr *r)
{
	uint32_t i;

	drop_lane(t);
	t->ring = r;
	if (!r)
		return;
	t->tid = (uint32_t)sl_gettid();
	t->lane = sl_lane_claim(r, t->tid, &i);
	if (!t->lane)
		return;
	t->data = sl_lane_data(r, i);
	t->mask = r->lane_size - 1;
	t->head = __atomic_load_n(&t->lane->head, __ATOMIC_RELAXED);
	/* Given back at thread exit; set again on each claim, so that a
	 * claim made from another key's destructor is given back too. */
	pthread_setspecific(exit_key, t);
}

/*
 * Room for SIZE bytes at our head: what the collector has read, and a
 * pad to the end of the lap when the record would cross it. Sets limit;
 * false when there is no room (the collector is behind).
 */
static bool make_room(struct sl_tlane *t, size_t size)
{
	uint64_t tail = __atomic_load_n(&t->lane->tail, __ATOMIC_ACQUIRE);
	uint64_t lap_end = (t->head | t->mask) + 1;
	uint64_t room = tail + t->mask + 1;

	/* A tail ahead of head is a consumer gone wrong: write no more. */
	if (tail > t->head)
		return false;
	if (t->head + size > lap_end) {
		if (lap_end + size > room)
			return false;
		/* Only size and type of a pad are read: 8 bytes suffice. */
		((struct sl_hdr *)(t->data + (t->head & t->mask)))->size =
			(uint16_t)(lap_end - t->head);
		((struct sl_hdr *)(t->data + (t->head & t->mask)))->type =
			SL_LANE_PAD;
		t->head = lap_end;
		lap_end += t->mask + 1;
	}
	t->limit = room < lap_end ? room : lap_end;
	return t->head + size <= t->limit;
}

/*
 * Our lane is full (the collector is behind, or we write faster than it
 * reads): give it back, with what it holds for the collector to read,
 * and move to a free lane with room. A busy thread so has every idle
 * lane to write into before it needs the shared area.
 */
static void hop(struct sl_tlane *t, struct sl_ring_hdr *r)
{
	sl_lane_give(t->lane);
	take_lane(t, r);
}

/* Room for SIZE bytes in our lane, or in the one we move to. */
static bool lane_room(struct sl_tlane *t, struct sl_ring_hdr *r, size_t size)
{
	if (!t->lane)
		return false;
	if (make_room(t, size))
		return true;
	hop(t, r);
	return t->lane && make_room(t, size);
}

/*
 * The slow half of sl_rec_begin: not armed, no memory, a new memory, no
 * lane or no room in it, time for a look (CHECK_NS). Returns where the
 * record goes, having set t->lvl[0].at.
 */
static void *begin_slow(struct sl_tlane *t, size_t size, uint64_t ts)
{
	struct sl_ring_hdr *r;
	bool look = ts >= t->check_ns;

	t->lvl[0].at = 0;
	/* A fork child nobody set up (ring_writer.c): not traced at all. */
	if (!sl_cfg.collect || !sl_ring_armed())
		return NULL;
	if (look) {
		/* Its system calls (drop records, a MSG_PEEK) must not
		 * change the errno the program's call left: every record
		 * keeps it, and the epoll waits count on that. */
		int saved = errno;

		t->check_ns = ts + CHECK_NS;
		sl_transport_tick(ts);
		errno = saved;
	}
	r = __atomic_load_n(&sl_guard->ring, __ATOMIC_ACQUIRE);
	if (r != t->ring || (look && !t->lane))
		take_lane(t, r);
	if (size <= SL_LANE_REC_MAX && lane_room(t, r, size)) {
		t->lvl[0].at = SL_AT_LANE;
		return t->data + (t->head & t->mask);
	}
	/* Nowhere to go (no collector yet to try again, or a stopped one):
	 * dropped before it is built. */
	if (!sl_transport_may_send(ts, size))
		return NULL;
	t->lvl[0].at = SL_AT_SCRATCH;
	return t->scratch[0];
}

/* A record begun while this thread is writing one: a signal handler. */
static void *begin_nested(struct sl_tlane *t, size_t size, unsigned int d)
{
	if (d >= SL_REC_LEVELS || size > SL_LANE_REC_MAX || !sl_cfg.collect ||
	    !sl_ring_armed()) {
		sl_count_drop(1);
		return NULL;
	}
	t->lvl[d].at = SL_AT_SCRATCH;
	return t->scratch[d];
}

/* What sl_rec_begin does when the plain case (D 0, our lane in the
 * memory in use, room below limit, no look due) does not hold; D + 1 is
 * already the depth. Kept apart so that the plain case needs no frame. */
static __attribute__((noinline)) void *begin_other(struct sl_tlane *t,
						   size_t size,
						   unsigned int type,
						   uint64_t ts, unsigned int d)
{
	void *slot = d ? begin_nested(t, size, d) : begin_slow(t, size, ts);

	if (!slot) {
		order();
		t->depth = d;
		return NULL;
	}
	t->lvl[d].size = (uint16_t)size;
	t->seq++;
	sl_fill_hdr(slot, size, type, ts);
	return slot;
}

/* sl_rec_begin's other way (record.h): sl_lane_slot found no plain
 * case and put the depth back. */
void *sl_rec_begin_other(size_t size, unsigned int type, uint64_t ts)
{
	struct sl_tlane *t = &sl_tl;
	unsigned int d = t->depth;
	int saved = errno;
	void *slot;

	/* Raised first: a signal handler that records from here on sees
	 * this thread busy, and leaves its lane alone. */
	t->depth = d + 1;
	order();
	slot = begin_other(t, size, type, ts, d);
	/* A record keeps errno (record.h): the wrappers that record on
	 * success do not save it. */
	errno = saved;
	return slot;
}

struct sl_rec_call *sl_call_begin_other(uint16_t call, int fd,
					const struct sl_fd *e, uint64_t ts,
					struct sl_site site)
{
	struct sl_rec_call *r = sl_rec_begin_other(sizeof(*r), SL_REC_CALL,
						   ts);

	if (r)
		sl_call_fill(r, call, fd, e, site);
	return r;
}

/* A record that is not in our lane: it goes to the transport. */
void sl_rec_done_other(unsigned int d)
{
	struct sl_tlane *t = &sl_tl;
	int saved = errno;

	sl_transport_send(t->scratch[d], t->lvl[d].size);
	errno = saved;
	order();
	t->depth = d;
}

/* sl_rec_done out of line: sl_call_done's way when its plain case does
 * not hold. */
void sl_rec_done_any(void)
{
	sl_rec_done(0);
}

/* Whether this thread writes a record inside another of its own (a
 * signal handler's): the transport must not wait for the collector. */
bool sl_rec_nested(void)
{
	return sl_tl.depth > 1;
}

uint64_t sl_rec_seq(void)
{
	return sl_tl.seq;
}

/*
 * A point where the program's own call lets the transport send what
 * only the socket carries (the module map after a dlopen, which takes
 * the loader's lock): before fork, exec, a seccomp filter and at exit.
 * Records need nothing: they are published as they are written.
 */
void sl_flush(void)
{
	int saved = errno;

	if (!sl_tl.depth && sl_cfg.collect && sl_ring_armed())
		sl_transport_sync();
	errno = saved;
}

static void thread_exit(void *arg)
{
	struct sl_tlane *t = arg;

	if (t->lane && !t->depth &&
	    t->ring == __atomic_load_n(&sl_guard->ring, __ATOMIC_RELAXED))
		sl_lane_give(t->lane);
	drop_lane(t);
}

/* A fork child: this thread's lane is in its parent's memory. */
void sl_buffer_after_fork(void)
{
	drop_lane(&sl_tl);
	sl_tl.depth = 0;
	sl_tl.check_ns = 0;
}

void sl_buffer_init(void)
{
	pthread_key_create(&exit_key, thread_exit);
}
