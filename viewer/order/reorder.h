/*
 * The order layer: records put back in time order between the file and
 * the model (reorder.c), with the window a trace needs measured from its
 * records (window.c). No I/O: the records come from the caller, and go
 * back to it through the apply function it gives.
 */
#ifndef SL_REORDER_H
#define SL_REORDER_H

#include "intake/intake.h"
#include "lib/lib.h"

/* How far behind the newest record a late one may still be put in
 * order; the preload flushes a buffer older than 20 ms at its next
 * record, and before any call that blocks. */
#define SL_REORDER_WINDOW_NS (2000ull * 1000 * 1000)
/* Records held at most, whatever their times: bounds memory. */
#define SL_REORDER_MAX (1u << 20)

/* Each connection's floor (the key its hello set; reorder.c), with the
 * last one looked up at hand: records come in runs of one connection. */
struct sl_floors {
	struct sl_hash *map;	/* connection + 1 -> floor */
	struct sl_hash *said;	/* connection + 1 -> its hello's own time */
	uint32_t conn;		/* + 1 of the one at hand, 0: none */
	uint64_t floor;
	uint64_t hello_ts;
};

struct sl_reorder {
	struct slot *heap;	/* keys inline: a sift touches no record */
	size_t n;
	size_t cap;
	struct block *cur;	/* where records are copied (reorder.c) */
	uint64_t seq;
	uint64_t newest;
	uint64_t window;
	struct sl_floors floors;
	sl_rec_fn apply;
	void *ctx;
};

/* The time a record takes effect; and the time it is ordered by, on
 * connection CONN, given (and updating) the floors its hellos set. */
uint64_t sl_reorder_key(const struct sl_hdr *h);
uint64_t sl_reorder_key_on(struct sl_floors *f, uint32_t conn,
			   const struct sl_hdr *h);

/* Whether H belongs to its connection's introduction (the policy in
 * force, the sockets already held): it sorts with its hello. */
bool sl_reorder_is_intro(const struct sl_hdr *h);

int sl_floors_init(struct sl_floors *f);
void sl_floors_free(struct sl_floors *f);
void sl_reorder_init(struct sl_reorder *r, uint64_t window_ns,
		     sl_rec_fn apply, void *ctx);
void sl_reorder_push(void *r, uint32_t conn, const struct sl_hdr *h);
void sl_reorder_finish(struct sl_reorder *r);
/* Applies what is held up to KEY (a live view: what is older than its
 * window by the clock, when no newer record comes to push it out). */
void sl_reorder_release(struct sl_reorder *r, uint64_t key);

/* window.c: how disordered a trace is, from one pass over its records
 * that the caller makes (sl_lateness_note is an sl_rec_fn). */
struct sl_lateness {
	struct sl_floors floors;
	uint64_t newest;	/* the newest key so far */
	uint64_t most;		/* the most a key lagged the newest */
	uint64_t raised;	/* the most a floor raised a key over its time */
};

int sl_lateness_init(struct sl_lateness *l);
void sl_lateness_note(void *l, uint32_t conn, const struct sl_hdr *h);
void sl_lateness_done(struct sl_lateness *l, uint64_t *window,
		      uint64_t *grace);

#endif
