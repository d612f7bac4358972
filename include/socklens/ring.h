/*
 * The shared memory between a traced process and the collector: where the
 * process's threads write their records, and the collector reads them.
 *
 * A record is as good as sent once it is written here: no system call
 * publishes it, no thread holds it back (one blocked in a futex, a
 * condition variable or a long computation has nothing pending), and a
 * process killed outright loses at most the record it was writing. The
 * SOCK_SEQPACKET connection stays for what is not a record: the hello, the
 * module map, drop reports, this memory's memfd (struct sl_rec_ring with
 * SCM_RIGHTS, once per connection), overflow, and the end of the process
 * (the connection closes). The collector reads every lane and the shared
 * area on a short timer (SL_RING_POLL_MS), before each message on the
 * connection (what was written before it was sent comes first), and a
 * last time when the connection ends.
 *
 * Layout: the header page (struct sl_ring_hdr) at 0; at SL_RING_DATA_OFF
 * the lane headers (struct sl_lane, one per lane, rounded up to a page);
 * then the shared area (shared_size bytes); then the lanes' data, lanes
 * areas of lane_size bytes each. sl_ring_layout() computes the offsets
 * from the three numbers, the same way on both sides; data_size is what
 * follows the header page, and the memfd is exactly SL_RING_DATA_OFF +
 * data_size bytes.
 *
 * Lanes. A lane is a single-producer ring of records. A thread claims a
 * free one on its first record (compare-and-swap of owner from 0 to its
 * tid), writes each record in place at head, and publishes it with a
 * release store of the new head; it gives the lane back (owner 0, release)
 * at thread exit. head and tail count bytes from the lane's creation and
 * only grow, so a new owner continues at the head the last one left. A
 * record never crosses the end of the lane's area: where the next one does
 * not fit in what is left, the producer first writes a pad, a record
 * header whose type is SL_LANE_PAD and whose size is the bytes left (as
 * few as 8: only size and type are read). A producer never writes past
 * tail + lane_size.
 *
 * The shared area is a multi-producer ring of chunks, for what a lane
 * cannot take: threads beyond the lanes, a thread whose lane is full, and
 * a signal handler that interrupts its own thread's record. Producers
 * reserve with a compare-and-swap on head, never past tail + shared_size,
 * never across the end (a padding chunk fills it); a chunk is struct
 * sl_ring_chunk and len bytes of records, the whole rounded up to 8; the
 * producer writes the records, then len, then state with release.
 *
 * The consumer trusts nothing the process can write, which is every byte
 * of this memory at every moment. It maps only a sealed memfd of exactly
 * the announced size; it reads the layout once, when it maps, checks it,
 * and never reads it again; it keeps its own tail for every lane and for
 * the shared area (the shared tails only tell the producers where they may
 * write); it checks every head against its tail (at most an area ahead),
 * every record header and chunk header at its position (a pad to exactly
 * the end, a record of 16 bytes or more, a multiple of 8, no larger than
 * SL_LANE_REC_MAX, within the area and below head), and copies records
 * out before any check of their contents (the copy is then checked record
 * by record like any batch, so a record rewritten meanwhile is caught). A shared-area chunk it has read it zeroes, so a
 * stale header never looks committed on the next lap. A memory that
 * breaks these rules closes its connection, like a bad record.
 *
 * The consumer stamps beat_ns each time it reads. A producer that finds
 * the stamp more than SL_RING_STALE_NS old asks the connection whether
 * the collector is gone (at most once per SL_RING_STALE_NS): a dead one
 * must not swallow records silently (what its memory still held is
 * counted as dropped, and a new collector gets a new memory); a stopped or
 * starved one is only slow, and the lanes go on filling, then the shared
 * area, then the socket; past that records are counted as dropped (or,
 * in lossless mode, wait a bounded time for room first).
 *
 * Why the fd table is not here. The collector would like the counters of
 * a killed process's open sockets, which are in the preload's fd table,
 * but that table must stay private memory: a fork child's copy has to be
 * the table as it was at the instant of the fork (the kernel's copy of a
 * private mapping gives exactly that; a shared one would have to be
 * copied by the child later, while its parent's other threads change it),
 * and a child made without our fork wrapper (clone, _Fork, raw fork, or a
 * pthread_atfork handler run before ours) would write into its parent's.
 * Mirroring the counters here instead costs a second atomic add on every
 * I/O call. So a process killed by a signal keeps every record, and its
 * open sockets' byte counts as of their last record.
 *
 * Lossless mode changes nothing here: a producer that finds no room waits
 * (bounded) instead of dropping, and the consumer reads as always. Later
 * segments, if a memory ever grows while in use, would be more memfds
 * announced the same way; reserved is 0 until then.
 */
#ifndef SOCKLENS_RING_H
#define SOCKLENS_RING_H

#include <stdbool.h>
#include <stdint.h>

#define SL_RING_MAGIC 0x474e5253u	/* "SRNG" */
#define SL_RING_VERSION 2
#define SL_RING_PAGE 4096u
#define SL_RING_DATA_OFF SL_RING_PAGE
/* The record space (lanes and shared area together), SOCKLENS_RING_KB. */
#define SL_RING_MIN (64u * 1024)
#define SL_RING_MAX (64u * 1024 * 1024)
#define SL_LANES_MAX 64u
#define SL_LANE_MIN 4096u
/* The largest record a thread writes (a call with two addresses, a
 * wait with SL_READY_MAX ready entries); larger ones go through the
 * shared area. */
#define SL_LANE_REC_MAX 512u
#define SL_LANE_PAD 0		/* record type of a lane's pad */
/* How often the collector reads when nothing else wakes it: every 10 ms
 * while the memory carries something, backing off to 40 ms while it is
 * idle (well inside SL_RING_STALE_NS), and every 2 ms while a read finds
 * much. */
#define SL_RING_POLL_MS 10
#define SL_RING_IDLE_POLL_MS 40
/* A read that found this many batches looks again this soon. */
#define SL_RING_BUSY_BATCHES 8
#define SL_RING_BUSY_POLL_MS 2
/* A memory whose collector has not read it for this long makes the
 * preload ask the connection whether the collector is gone. */
#define SL_RING_STALE_NS (100 * 1000 * 1000ull)

struct sl_ring_hdr {
	uint32_t magic;		/* SL_RING_MAGIC */
	uint32_t version;	/* SL_RING_VERSION */
	uint64_t data_size;	/* bytes after the header page */
	uint32_t lanes;		/* how many lanes, at most SL_LANES_MAX */
	uint32_t lane_size;	/* bytes of a lane's area, a power of two */
	uint64_t shared_size;	/* bytes of the shared area, a power of two */
	uint32_t lanes_used;	/* producers: lanes ever claimed are below it
				 * (the consumer looks no further) */
	uint32_t reserved0;
	uint64_t reserved[3];
	uint64_t beat_ns;	/* consumer: CLOCK_MONOTONIC of its last read;
				 * 0 before it took the memory and after it
				 * let it go */
	uint8_t pad0[56];
	uint64_t head;		/* shared area, producers: next byte */
	uint8_t pad1[56];
	uint64_t tail;		/* shared area, consumer: first byte unread */
	uint8_t pad2[56];
};

struct sl_lane {
	uint32_t owner;		/* tid of the thread writing it; 0: free */
	uint32_t pad0;
	uint64_t head;		/* owner: bytes written (release) */
	uint8_t pad1[48];
	uint64_t tail;		/* consumer: bytes read (release) */
	uint8_t pad2[56];
};

enum sl_ring_state {
	SL_CHUNK_EMPTY = 0,
	SL_CHUNK_BATCH = 1,	/* len bytes of records follow */
	SL_CHUNK_PAD = 2,	/* skip to the end of the shared area */
};

struct sl_ring_chunk {
	uint32_t len;		/* bytes after this header, not rounded */
	uint32_t state;		/* enum sl_ring_state, written last */
};

_Static_assert(sizeof(struct sl_ring_hdr) == 256, "sl_ring_hdr layout");
_Static_assert(sizeof(struct sl_ring_hdr) <= SL_RING_DATA_OFF,
	       "ring header fits its page");
_Static_assert(sizeof(struct sl_lane) == 128, "sl_lane layout");
_Static_assert(sizeof(struct sl_ring_chunk) == 8, "sl_ring_chunk layout");

static inline uint64_t sl_ring_chunk_bytes(uint32_t len)
{
	return (sizeof(struct sl_ring_chunk) + (uint64_t)len + 7) & ~7ull;
}

/* Where things are, from the three numbers of the header. */
struct sl_ring_layout {
	uint64_t lanes_off;	/* struct sl_lane[lanes] */
	uint64_t shared_off;	/* the shared area */
	uint64_t lane_data_off;	/* lane i's area at + i * lane_size */
	uint64_t data_size;	/* all of it after the header page */
};

static inline bool sl_ring_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Where the shared area starts: after the lane headers, a page each. */
static inline uint64_t sl_ring_shared_off(uint32_t lanes)
{
	return SL_RING_DATA_OFF +
	       (((uint64_t)lanes * sizeof(struct sl_lane) + SL_RING_PAGE - 1) &
		~(uint64_t)(SL_RING_PAGE - 1));
}

/* False when the numbers describe no valid memory. */
static inline bool sl_ring_layout(uint32_t lanes, uint32_t lane_size,
				  uint64_t shared_size,
				  struct sl_ring_layout *l)
{

	if (lanes > SL_LANES_MAX || !sl_ring_pow2(shared_size) ||
	    shared_size < SL_RING_PAGE || shared_size > SL_RING_MAX ||
	    (lanes && (!sl_ring_pow2(lane_size) || lane_size < SL_LANE_MIN ||
		       lane_size > SL_RING_MAX)))
		return false;
	l->lanes_off = SL_RING_DATA_OFF;
	l->shared_off = sl_ring_shared_off(lanes);
	l->lane_data_off = l->shared_off + shared_size;
	l->data_size = l->lane_data_off + (uint64_t)lanes * lane_size -
		       SL_RING_DATA_OFF;
	return true;
}

#endif
