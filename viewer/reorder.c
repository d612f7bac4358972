/*
 * Puts records back in time order before the model sees them.
 *
 * Each thread of a traced process sends its own buffer, so a file holds
 * one thread's records in order but not the threads' among themselves: a
 * handler thread's close can land before the accepting thread's accept.
 * Calls wait here in a heap keyed by time and leave it once they are
 * WINDOW older than the newest record seen (or at the end). Records that
 * set up a connection (hello, module, inherit list) are applied at once,
 * after everything older than them: the calls that follow them on their
 * connection may carry earlier times (they waited in a buffer while the
 * connection was made) but must not come before their process exists.
 */
#include <stdlib.h>
#include <string.h>

#include "reorder.h"

/*
 * Records wait in blocks of BLOCK_BYTES, copied in arrival order; a block
 * is freed when the last record in it has been applied (arrival order is
 * nearly time order, so blocks empty nearly in turn). The heap holds each
 * record's key and sequence inline: sifting compares without touching
 * the records, which are scattered.
 */
#define BLOCK_BYTES (1u << 20)

struct block {
	uint32_t used;
	uint32_t live;		/* records in it not yet applied */
	uint64_t data[];
};

struct item {
	struct block *blk;
	uint32_t conn;
	uint32_t pad;
	uint64_t rec[];		/* the record, 8-byte aligned */
};

struct slot {
	uint64_t key;
	uint64_t seq;
	struct item *it;
};

static bool before(const struct slot *a, const struct slot *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void sift_up(struct slot *h, size_t i)
{
	struct slot t = h[i];

	while (i) {
		size_t p = (i - 1) / 2;

		if (!before(&t, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = t;
}

static void sift_down(struct slot *h, size_t n, size_t i)
{
	struct slot t = h[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = l;

		if (l >= n)
			break;
		if (r < n && before(&h[r], &h[l]))
			m = r;
		if (!before(&h[m], &t))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = t;
}

/* Room for an item of BYTES, or NULL. */
static struct item *alloc_item(struct sl_reorder *r, size_t bytes)
{
	struct block *b = r->cur;
	struct item *it;

	if (!b || b->used + bytes > BLOCK_BYTES - sizeof(*b)) {
		if (b && !b->live) {
			b->used = 0;	/* empty: reuse it */
		} else {
			b = malloc(BLOCK_BYTES);
			if (!b)
				return NULL;
			b->used = 0;
			b->live = 0;
			r->cur = b;	/* the old one goes when it empties */
		}
	}
	it = (struct item *)((char *)b->data + b->used);
	b->used += (uint32_t)bytes;
	b->live++;
	it->blk = b;
	return it;
}

static void free_item(struct sl_reorder *r, struct item *it)
{
	struct block *b = it->blk;

	if (--b->live)
		return;
	if (b == r->cur)
		b->used = 0;
	else
		free(b);
}

static void pop_apply(struct sl_reorder *r)
{
	struct item *top = r->heap[0].it;

	r->heap[0] = r->heap[--r->n];
	if (r->n)
		sift_down(r->heap, r->n, 0);
	r->apply(r->ctx, top->conn, (const struct sl_hdr *)top->rec);
	free_item(r, top);
}

/* Applies everything that sorts at or before KEY. */
static void release_upto(struct sl_reorder *r, uint64_t key)
{
	while (r->n && r->heap[0].key <= key)
		pop_apply(r);
}

/* The time a record takes effect: an accept's socket exists when the
 * call returns, not when it started to wait. */
uint64_t sl_reorder_key(const struct sl_hdr *h)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;

	if ((h->type == SL_REC_CALL || h->type == SL_REC_CALL_ADDR) &&
	    (c->call == SL_CALL_ACCEPT || c->call == SL_CALL_ACCEPT4))
		return h->ts_ns + c->dur_ns;
	return h->ts_ns;
}

bool sl_reorder_is_setup(const struct sl_hdr *h)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;

	/* Not a drop report: it only counts, and it is written when the
	 * loss is noticed, which may be long after another thread's
	 * records that have yet to arrive. */
	if (h->type == SL_REC_HELLO || h->type == SL_REC_MODULE ||
	    h->type == SL_REC_CONN)
		return true;
	return h->type == SL_REC_CALL &&
	       (c->call == SL_CALL_INHERIT || c->call == SL_CALL_FDS_DONE);
}

/* How late a record comes after a newer one, at most (see sl_reorder_window_of). */
struct lateness {
	uint64_t newest;	/* the newest key among the calls so far */
	uint64_t released;	/* the newest setup record's time so far */
	uint64_t most;		/* the most a call lagged the newest */
	uint64_t most_setup;	/* ... or a setup record before it */
};

static void note_lateness(void *ctx, uint32_t conn, const struct sl_hdr *h)
{
	struct lateness *l = ctx;
	uint64_t key = sl_reorder_key(h);

	(void)conn;
	if (h->type == SL_REC_CONN)
		return;
	if (sl_reorder_is_setup(h)) {
		if (h->ts_ns > l->released)
			l->released = h->ts_ns;
		return;
	}
	if (key > l->newest)
		l->newest = key;
	else if (l->newest - key > l->most)
		l->most = l->newest - key;
	if (key < l->released && l->released - key > l->most_setup)
		l->most_setup = l->released - key;
}

/*
 * What a trace file needs, from one read of it (from the page cache):
 * WINDOW, the most any call lags behind the newest one before it, up to
 * SL_REORDER_WINDOW_NS; with it the order is the one the full window
 * gives, and the records held at once are those of the file's real
 * disorder, not 2 s of trace (a dense trace in order holds almost none).
 * GRACE, how far behind the time already applied a record may still be
 * applied: the window, or more where a setup record went ahead of a
 * process's earlier calls (see sl_reorder_push). Nothing a record of
 * such an earlier time may speak of is let go before then
 * (model_retire.c).
 */
void sl_reorder_measure(const char *path, uint64_t *window, uint64_t *grace)
{
	struct sl_reader r;
	struct lateness l = { 0, 0, 0, 0 };
	struct sl_frame fr;
	const uint8_t *payload;
	char why[160];

	*window = *grace = SL_REORDER_WINDOW_NS;
	if (sl_reader_open(&r, path))
		return;
	while (sl_reader_next(&r, &fr, &payload) > 0)
		sl_frame_records(fr.conn, payload, fr.len, note_lateness, &l,
				 why, sizeof(why));
	sl_reader_close(&r);
	*window = l.most < SL_REORDER_WINDOW_NS ? l.most : SL_REORDER_WINDOW_NS;
	*grace = l.most > l.most_setup ? l.most : l.most_setup;
}

void sl_reorder_init(struct sl_reorder *r, uint64_t window_ns,
		     sl_rec_fn apply, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->window = window_ns;
	r->apply = apply;
	r->ctx = ctx;
}

void sl_reorder_push(void *vr, uint32_t conn, const struct sl_hdr *h)
{
	struct sl_reorder *r = vr;
	struct item *it;
	uint64_t key = sl_reorder_key(h);

	/* The collector's note of a new connection only names its pid: it
	 * goes at once, and holds nothing back (its time is the collector's,
	 * later than the process's first calls). */
	if (h->type == SL_REC_CONN) {
		r->apply(r->ctx, conn, h);
		return;
	}
	if (sl_reorder_is_setup(h)) {
		release_upto(r, h->ts_ns);
		r->apply(r->ctx, conn, h);
		return;
	}
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 1024;
		struct slot *nh = realloc(r->heap, ncap * sizeof(*nh));

		if (!nh) {
			/* Out of memory: order as it came rather than lose. */
			release_upto(r, UINT64_MAX);
			r->apply(r->ctx, conn, h);
			return;
		}
		r->heap = nh;
		r->cap = ncap;
	}
	it = alloc_item(r, sizeof(*it) + ((h->size + 7u) & ~7u));
	if (!it) {
		release_upto(r, UINT64_MAX);
		r->apply(r->ctx, conn, h);
		return;
	}
	it->conn = conn;
	memcpy(it->rec, h, h->size);
	r->heap[r->n] = (struct slot){ .key = key, .seq = r->seq++, .it = it };
	sift_up(r->heap, r->n++);
	if (key > r->newest)
		r->newest = key;
	if (r->newest > r->window)
		release_upto(r, r->newest - r->window);
	while (r->n > SL_REORDER_MAX)
		pop_apply(r);
}

void sl_reorder_finish(struct sl_reorder *r)
{
	while (r->n)
		pop_apply(r);
	free(r->heap);
	free(r->cur);
	r->heap = NULL;
	r->cur = NULL;
	r->cap = 0;
}
