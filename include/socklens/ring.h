/*
 * The shared-memory ring between a traced process and the collector.
 *
 * The SOCK_SEQPACKET connection stays: it carries the hello, the module
 * map, drop reports, the ring's memfd (struct sl_rec_ring with
 * SCM_RIGHTS), and tells the collector when the process is gone. The
 * ring carries the batches: a flush copies a thread's buffer into it with
 * no system call and wakes nobody. The collector reads every ring on a
 * short timer (SL_RING_POLL_MS), whenever the connection has a message
 * (first the ring, so what a thread wrote before it sent comes first),
 * and a last time when the process is gone: a process killed outright
 * loses only what its threads had not yet flushed.
 *
 * Layout: struct sl_ring_hdr, then at SL_RING_DATA_OFF a data area of
 * data_size bytes (a power of two). head and tail count bytes from the
 * start, never wrapping; a position's offset is pos & (data_size - 1).
 *
 * Producers (the process's threads) reserve with a compare-and-swap on
 * head, never past tail + data_size, and never across the end of the
 * area: a chunk that would cross it is preceded by a padding chunk to the
 * end. A chunk is struct sl_ring_chunk and len bytes (one batch of
 * records), the whole rounded up to 8. The producer writes the batch,
 * then stores len and, last and with release, state.
 *
 * The consumer (the collector) keeps its own tail: it never trusts the
 * shared one, nor anything else in the ring. At its tail it reads state
 * with acquire; 0 means not yet committed, and it stops there. It checks
 * state and len, copies the batch out before checking any record in it,
 * zeroes the chunk (so a stale header can never look committed on the
 * next lap), then publishes tail with release. A ring that breaks these
 * rules closes its connection, like a bad record.
 *
 * The consumer stamps beat_ns each time it looks at the ring. A producer
 * whose batch is more than SL_RING_STALE_NS newer than the stamp asks the
 * connection whether the collector is gone (a dead one must not swallow
 * records silently: what its ring still held is counted as dropped); a
 * stopped or starved one is only slow, and its ring goes on filling.
 *
 * The memfd is sealed against shrinking (F_SEAL_SHRINK) before it is
 * sent: the collector refuses one that is not, as a peer could otherwise
 * truncate it under the collector's mapping (SIGBUS).
 */
#ifndef SOCKLENS_RING_H
#define SOCKLENS_RING_H

#include <stdint.h>

#define SL_RING_MAGIC 0x474e5253u	/* "SRNG" */
#define SL_RING_VERSION 1
#define SL_RING_DATA_OFF 256
#define SL_RING_MIN (64u * 1024)
#define SL_RING_MAX (64u * 1024 * 1024)
/* How often the collector reads the rings when nothing else wakes it:
 * every 10 ms while they carry something, backing off to 40 ms while
 * they are idle (well inside SL_RING_STALE_NS). */
#define SL_RING_POLL_MS 10
#define SL_RING_IDLE_POLL_MS 40
/* A ring whose collector has not read it for this long makes the
 * preload ask the connection whether the collector is gone. */
#define SL_RING_STALE_NS (100 * 1000 * 1000ull)

struct sl_ring_hdr {
	uint32_t magic;		/* SL_RING_MAGIC */
	uint32_t version;	/* SL_RING_VERSION */
	uint64_t data_size;
	uint64_t beat_ns;	/* consumer: CLOCK_MONOTONIC of its last read;
				 * 0 before it took the ring and after it let
				 * it go */
	uint8_t pad0[40];
	uint64_t head;		/* producers: next byte to reserve */
	uint8_t pad1[56];
	uint64_t tail;		/* consumer: first byte not yet read */
	uint8_t pad2[56];
};

enum sl_ring_state {
	SL_CHUNK_EMPTY = 0,
	SL_CHUNK_BATCH = 1,	/* len bytes of records follow */
	SL_CHUNK_PAD = 2,	/* skip to the end of the data area */
};

struct sl_ring_chunk {
	uint32_t len;		/* bytes after this header, not rounded */
	uint32_t state;		/* enum sl_ring_state, written last */
};

_Static_assert(sizeof(struct sl_ring_hdr) == 192, "sl_ring_hdr layout");
_Static_assert(sizeof(struct sl_ring_hdr) <= SL_RING_DATA_OFF,
	       "ring header fits before the data");
_Static_assert(sizeof(struct sl_ring_chunk) == 8, "sl_ring_chunk layout");

static inline uint64_t sl_ring_chunk_bytes(uint32_t len)
{
	return (sizeof(struct sl_ring_chunk) + (uint64_t)len + 7) & ~7ull;
}

#endif
