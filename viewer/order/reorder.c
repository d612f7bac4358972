/*
 * Puts records back in time order before the model sees them.
 *
 * Each thread of a traced process sends its own buffer, so a file holds
 * one thread's records in order but not the threads' among themselves: a
 * handler thread's close can land before the accepting thread's accept.
 * Records wait here in a heap keyed by time and leave it once they are
 * WINDOW older than the newest record seen (or at the end).
 *
 * One rule orders a connection's start. Its introduction (hello, the
 * policy in force, the sockets already held) is sent ahead of whatever
 * the process's threads buffered while the connection was being made,
 * which can carry earlier times; those calls must not go before their
 * process exists. So a hello sets a floor for its connection: the records
 * that follow it there sort no earlier than the hello. The hello sorts at
 * the start of its image (a new program's preload init time, which no
 * call of that image precedes), a fork child's or a reconnect's hello at
 * its own time; the rest of the introduction (the policy in force, the
 * sockets held, the module map sent with the hello) sorts with the hello.
 *
 * Nothing else is special, and nothing releases what other threads have
 * yet to send: a module record (the map again after a dlopen, stamped
 * when it is sent, ahead of the batch whose calls it names) sorts by its
 * own time like a call. Only the collector's note of a new connection
 * goes at once: it names the pid and is the first record of its
 * connection.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "order/reorder.h"

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

/* The time a record takes effect: an accept's socket (or a received
 * fd) exists when the call returns, not when it started to wait; what a
 * timed I/O call reports (end of stream, an error, EINTR) happened when
 * it returned too (wire.h). */
uint64_t sl_reorder_key(const struct sl_hdr *h)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;

	if ((h->type == SL_REC_CALL || h->type == SL_REC_CALL_ADDR) &&
	    (c->call == SL_CALL_ACCEPT || c->call == SL_CALL_ACCEPT4 ||
	     c->call == SL_CALL_FD_RECV ||
	     (c->call >= SL_CALL_SEND && c->call <= SL_CALL_SENDFILE)))
		return h->ts_ns + c->dur_ns;
	return h->ts_ns;
}

/* The records of an introduction after its hello: they say what held
 * when the connection was made, and sort with the hello. */
bool sl_reorder_is_intro(const struct sl_hdr *h)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;

	if (h->type == SL_REC_POLICY_INFO)
		return true;
	return h->type == SL_REC_CALL &&
	       (c->call == SL_CALL_INHERIT || c->call == SL_CALL_FDS_DONE);
}

/* Where a hello sorts: the start of its image, when it has one of its
 * own (a fork child's reading is its parent's; a reconnect's image
 * started long before whatever it still holds). */
static uint64_t hello_key(const struct sl_rec_hello *h)
{
	if (h->flags & (SL_HELLO_FORKED | SL_HELLO_RECONNECT) ||
	    !h->mono_ns || h->mono_ns > h->h.ts_ns)
		return h->h.ts_ns;
	return h->mono_ns;
}

_Static_assert(sizeof(void *) >= sizeof(uint64_t), "a floor fits a pointer");

static void *get(const struct sl_hash *map, uint64_t key)
{
	return map ? sl_hash_get(map, key) : NULL;
}

static uint64_t floor_of(struct sl_floors *f, uint32_t conn)
{
	if (f->conn != conn + 1) {
		f->conn = conn + 1;
		f->floor = (uint64_t)(uintptr_t)get(f->map, f->conn);
		f->hello_ts = (uint64_t)(uintptr_t)get(f->said, f->conn);
	}
	return f->floor;
}

static void set_floor(struct sl_floors *f, uint32_t conn, uint64_t floor,
		      uint64_t hello_ts)
{
	f->conn = conn + 1;
	f->floor = floor;
	f->hello_ts = hello_ts;
	if (f->map)
		sl_hash_put(f->map, f->conn, (void *)(uintptr_t)floor);
	if (f->said)
		sl_hash_put(f->said, f->conn, (void *)(uintptr_t)hello_ts);
}

int sl_floors_init(struct sl_floors *f)
{
	memset(f, 0, sizeof(*f));
	f->map = sl_hash_new();
	f->said = sl_hash_new();
	return f->map && f->said ? 0 : -1;
}

void sl_floors_free(struct sl_floors *f)
{
	sl_hash_free(f->map);
	sl_hash_free(f->said);
	memset(f, 0, sizeof(*f));
}

/*
 * The key of a record of connection CONN, given the floors its
 * connection's hellos set so far in F (which a hello updates). The
 * introduction sorts with its hello: the policy in force, the sockets
 * held, and the module map sent with the hello (stamped with the hello's
 * time; a map sent again after a dlopen is stamped later).
 */
uint64_t sl_reorder_key_on(struct sl_floors *f, uint32_t conn,
			   const struct sl_hdr *h)
{
	uint64_t key = sl_reorder_key(h), floor = floor_of(f, conn);

	if (h->type == SL_REC_HELLO) {
		uint64_t k = hello_key((const struct sl_rec_hello *)h);

		floor = k > floor ? k : floor;
		set_floor(f, conn, floor, h->ts_ns);
		return floor;
	}
	if (floor && (sl_reorder_is_intro(h) || (h->type == SL_REC_MODULE &&
				      h->ts_ns == f->hello_ts)))
		return floor;
	return key > floor ? key : floor;
}

void sl_reorder_init(struct sl_reorder *r, uint64_t window_ns,
		     sl_rec_fn apply, void *ctx)
{
	memset(r, 0, sizeof(*r));
	/* Without them (out of memory) records keep their own times. */
	sl_floors_init(&r->floors);
	r->window = window_ns;
	r->apply = apply;
	r->ctx = ctx;
}

void sl_reorder_push(void *vr, uint32_t conn, const struct sl_hdr *h)
{
	struct sl_reorder *r = vr;
	struct item *it;
	uint64_t key;

	/* The collector's note of a new connection only names its pid: it
	 * goes at once, and holds nothing back (its time is the collector's,
	 * later than the process's first calls). */
	if (h->type == SL_REC_CONN) {
		r->apply(r->ctx, conn, h);
		return;
	}
	key = sl_reorder_key_on(&r->floors, conn, h);
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

void sl_reorder_release(struct sl_reorder *r, uint64_t key)
{
	release_upto(r, key);
}

void sl_reorder_finish(struct sl_reorder *r)
{
	while (r->n)
		pop_apply(r);
	free(r->heap);
	free(r->cur);
	sl_floors_free(&r->floors);
	r->heap = NULL;
	r->cur = NULL;
	r->cap = 0;
}
