/*
 * The per-thread record buffer.
 *
 * Each thread appends records to its own buffer (thread-local, no lock).
 * The buffer goes to the collector as one message when it fills, when its
 * oldest record is older than FLUSH_AGE_NS at the next record, before a
 * call that can block, before fork and exec, and at thread and process
 * exit. A signal handler that records while its thread is appending gets
 * its record dropped (and counted), never interleaved.
 */
#include <errno.h>
#include <pthread.h>

#include "preload.h"

#define FLUSH_AGE_NS (20 * 1000 * 1000ull)

struct tbuf {
	uint32_t len;
	uint32_t count;
	uint64_t first_ts;
	uint64_t seq;		/* records made by this thread so far */
	int busy;		/* set while appending or sending */
	bool registered;	/* thread-exit flush armed */
	uint64_t data[SL_BATCH_MAX / sizeof(uint64_t)];
};

static SL_TLS struct tbuf tb;
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

/*
 * EXPLICIT: a flush the program's own call asked for (before it blocks,
 * forks, execs or exits), as opposed to one inside a record (full buffer,
 * age), which may run in a signal handler: only the explicit ones may
 * look at the loader's module list, which takes its lock.
 *
 * MAY_KEEP: the buffer may stay as it is while another thread is making
 * the connection (a burst of threads at start would otherwise drop what
 * they flush meanwhile); it goes with a later flush. Not when the buffer
 * is full, nor before fork, exec or exit, which must empty it.
 */
static void flush_buf(bool explicit, bool may_keep)
{
	int saved;

	if (!tb.len)
		return;
	saved = errno;
	if (sl_transport_send(tb.data, tb.len, tb.count, explicit,
			      may_keep)) {
		tb.len = 0;
		tb.count = 0;
	}
	errno = saved;
}

static void flush_now(bool may_keep)
{
	int saved = errno;

	if (tb.busy)
		return;
	tb.busy = 1;
	flush_buf(true, may_keep);
	tb.busy = 0;
	errno = saved;
}

void sl_flush(void)
{
	flush_now(false);
}

/* Before the program blocks. */
void sl_flush_if_pending(void)
{
	if (tb.len)
		flush_now(true);
}

bool sl_buffer_pending(void)
{
	return tb.len != 0;
}

static void thread_exit_flush(void *arg)
{
	(void)arg;
	sl_flush();
}

void *sl_rec_begin(size_t size, unsigned int type, uint64_t ts)
{
	void *slot;

	/* A policy without a collector: nobody to tell. */
	if (!sl_cfg.collect)
		return NULL;
	if (tb.busy) {
		sl_count_drop(1);
		return NULL;
	}
	tb.busy = 1;
	if (sl_unlikely(!tb.registered)) {
		tb.registered = true;
		pthread_setspecific(exit_key, &tb);
	}
	if (tb.len + size > sizeof(tb.data))
		flush_buf(false, false);
	if (!tb.len)
		tb.first_ts = ts;
	slot = (char *)tb.data + tb.len;
	tb.len += (uint32_t)size;
	tb.count++;
	tb.seq++;
	sl_fill_hdr(slot, size, type, ts);
	return slot;
}

void sl_rec_done(uint64_t ts)
{
	if (ts - tb.first_ts >= FLUSH_AGE_NS)
		flush_buf(false, true);
	tb.busy = 0;
}

uint64_t sl_rec_seq(void)
{
	return tb.seq;
}

/* A fork child: what this thread had buffered was its parent's. */
void sl_buffer_after_fork(void)
{
	tb.len = 0;
	tb.count = 0;
	tb.busy = 0;
}

void sl_buffer_init(void)
{
	pthread_key_create(&exit_key, thread_exit_flush);
}
