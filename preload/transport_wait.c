/*
 * The transport's waits (transport.c sends; preload/README.md, "Transport:
 * lanes and the shared area"): asking whether a collector that stopped
 * reading the memory is gone, waiting for the memory another thread is
 * making, and lossless mode's bounded waits for room (SOCKLENS_LOSSLESS).
 * No wait holds a lock, none runs in a nested (signal-handler) record or
 * inside fork handling, and a collector found gone ends every wait.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <socklens/ring.h>

#include "preload.h"
#include "transport_int.h"

/* How long a record waits for the memory another thread is making. */
#define CONNECT_WAIT_NS (2 * 1000 * 1000ull)
/* Lossless mode (SOCKLENS_LOSSLESS): how long a record waits for room at
 * most, by default and at most, and how long one look at the socket
 * sleeps (the collector reads the memory every few ms when busy). */
#define LOSSLESS_WAIT_MS 1000u
#define LOSSLESS_WAIT_MAX_MS 60000u
#define LOSSLESS_POLL_MS 1

/* When a stale memory may next make us ask whether the collector is
 * gone (sl_transport_tick). */
uint64_t sl__next_ask_ns;
/* A lossless wait ran out while the collector's heartbeat read
 * gave_up_beat: no record waits again until the collector reads. */
static bool gave_up;
static uint64_t gave_up_beat;

/*
 * The ring has not been read lately: is the collector there at all? It
 * never writes to us, so a readable connection means it closed. A
 * stopped or CPU-starved collector is alive: its ring goes on filling.
 */
static bool collector_alive(void)
{
	char c;
	int fd = __atomic_load_n(&sl_conn_fd, __ATOMIC_ACQUIRE);

	return SL_REAL(recv)(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	       (errno == EAGAIN || errno == EWOULDBLOCK);
}

/*
 * The collector has not read the memory for SL_RING_STALE_NS as of TS:
 * is it gone? Asks the connection (a system call) at most once per
 * SL_RING_STALE_NS for the whole process. True when it is gone: the
 * connection is let go, what its memory held counted as dropped.
 */
bool sl__collector_gone(uint64_t ts)
{
	uint64_t next = __atomic_load_n(&sl__next_ask_ns, __ATOMIC_RELAXED);

	if (!sl_ring_active() || sl_ring_fresh(ts) || ts < next ||
	    !__atomic_compare_exchange_n(&sl__next_ask_ns, &next,
					 ts + SL_RING_STALE_NS, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED) ||
	    collector_alive())
		return false;
	sl__conn_lost(sl_now_ns());
	return true;
}

/*
 * Another thread is connecting and has not yet made the memory (a few
 * system calls, unless it lost the CPU meanwhile): wait for it, yielding,
 * at most CONNECT_WAIT_NS from NOW. Only at a process's start or after a
 * lost collector; never in the connecting thread itself. True when there
 * is a memory.
 */
bool sl__wait_for_memory(uint64_t now)
{
	while (sl_cfg.ring_bytes && !sl_ring_active() && !sl__connecting_here &&
	       __atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_CONNECTING &&
	       sl_now_ns() < now + CONNECT_WAIT_NS)
		sched_yield();
	return sl_ring_active();
}

/*
 * SOCKLENS_LOSSLESS (ON) and SOCKLENS_LOSSLESS_MS (MS), read once at
 * init: how long a record may wait for room, in ns; 0 when the mode is
 * off (a full memory drops at once). ON is 1, yes or on; MS defaults to
 * LOSSLESS_WAIT_MS and is cut to LOSSLESS_WAIT_MAX_MS.
 */
uint64_t sl_lossless_wait(const char *on, const char *ms)
{
	unsigned long v = LOSSLESS_WAIT_MS;
	char *end;

	if (!on || (strcmp(on, "1") && strcasecmp(on, "yes") &&
		    strcasecmp(on, "on")))
		return 0;
	if (ms && *ms) {
		v = strtoul(ms, &end, 10);
		if (*end || !v) {
			SL_LOG(1, "SOCKLENS_LOSSLESS_MS=%s: not a number of "
			       "ms above 0; using %u", ms, LOSSLESS_WAIT_MS);
			v = LOSSLESS_WAIT_MS;
		}
	}
	if (v > LOSSLESS_WAIT_MAX_MS)
		v = LOSSLESS_WAIT_MAX_MS;
	return (uint64_t)v * 1000000u;
}

/*
 * Whether a record that finds everything full may wait for the
 * collector: in lossless mode, not in a signal handler that interrupted
 * this thread's own record, not inside fork handling, and not while the
 * collector has not read since a wait last ran out (a stopped collector
 * costs the program one bounded wait, not one per record).
 */
bool sl__may_wait(void)
{
	return sl_cfg.lossless_ns && !sl__in_fork && !sl_rec_nested() &&
	       !(__atomic_load_n(&gave_up, __ATOMIC_RELAXED) &&
		 sl_ring_last_read() == __atomic_load_n(&gave_up_beat,
						   __ATOMIC_RELAXED));
}

/*
 * Lossless mode, while another thread connects (a process's start, or a
 * reconnect) and the memory it made is full: the collector cannot read
 * it until the connection is made, so wait for that (or for room), at
 * most sl_cfg.lossless_ns, napping. Never in the connecting thread. True
 * when the record went in; else the caller goes on as the state now is.
 */
bool sl__wait_for_conn(const void *buf, uint32_t len)
{
	const struct timespec nap = { .tv_nsec = 100 * 1000 };
	uint64_t start = sl_now_ns();

	while (!sl__connecting_here &&
	       __atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_CONNECTING) {
		if (sl_ring_put(buf, len, 1))
			return true;
		if (sl_now_ns() - start >= sl_cfg.lossless_ns)
			return false;
		nanosleep(&nap, NULL);
	}
	return false;
}

/*
 * Lossless mode: the lanes, the shared area and the socket are full.
 * Wait for the collector to make room, at most sl_cfg.lossless_ns:
 * sleeping in poll() on the connection, which wakes when the collector
 * reads the socket (and each LOSSLESS_POLL_MS, to look at the shared
 * area it empties on its timer). The connection readable or hung up
 * means the collector is gone: stop at once. Nothing is held meanwhile
 * (the record is in this thread's scratch). True when the record went
 * in; false when it is to be dropped.
 */
bool sl__wait_for_room(const void *buf, uint32_t len)
{
	uint64_t start = sl_now_ns(), now;
	struct pollfd p = { .events = POLLOUT };
	int err;

	for (;;) {
		if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
			return false;
		if (sl_ring_put(buf, len, 1))
			return true;
		err = sl__send_msg(buf, len);
		if (!err)
			return true;
		now = sl_now_ns();
		if (err != -EAGAIN && err != -ENOBUFS) {
			sl__conn_lost(now);
			return false;
		}
		if (now - start >= sl_cfg.lossless_ns) {
			__atomic_store_n(&gave_up_beat, sl_ring_last_read(),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&gave_up, true, __ATOMIC_RELAXED);
			SL_LOG(2, "lossless: the collector made no room in "
			       "%llu ms; dropping", (unsigned long long)
			       (sl_cfg.lossless_ns / 1000000u));
			return false;
		}
		p.fd = __atomic_load_n(&sl_conn_fd, __ATOMIC_ACQUIRE);
		if (SL_REAL(poll)(&p, 1, LOSSLESS_POLL_MS) > 0 &&
		    (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
			sl__conn_lost(now);
			return false;
		}
	}
}
