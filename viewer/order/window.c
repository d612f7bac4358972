/*
 * How disordered a trace's records are, measured in one pass before the
 * real one: the window the reorder stage needs (sl_reorder_init takes it
 * from its caller), and how late a record may still be applied (the
 * model's retire grace). The pass itself is the caller's (model/load.c
 * reads the file and hands every record to sl_lateness_note); nothing
 * here does I/O.
 */
#include <string.h>

#include "order/reorder.h"

int sl_lateness_init(struct sl_lateness *l)
{
	memset(l, 0, sizeof(*l));
	return sl_floors_init(&l->floors);
}

void sl_lateness_note(void *ctx, uint32_t conn, const struct sl_hdr *h)
{
	struct sl_lateness *l = ctx;
	uint64_t key;

	if (h->type == SL_REC_CONN)
		return;
	key = sl_reorder_key_on(&l->floors, conn, h);
	if (key > l->newest)
		l->newest = key;
	else if (l->newest - key > l->most)
		l->most = l->newest - key;
	if (key > h->ts_ns && key - h->ts_ns > l->raised &&
	    h->type != SL_REC_HELLO && !sl_reorder_is_intro(h))
		l->raised = key - h->ts_ns;
}

/*
 * What the records noted say, and L freed: WINDOW, the most any record
 * lagged behind the newest one before it, up to SL_REORDER_WINDOW_NS;
 * with it the order is the one the full window gives, and the records
 * held at once are those of the file's real disorder, not 2 s of trace
 * (a dense trace in order holds almost none). GRACE, how far behind the
 * time already applied a record may still be applied: its lateness, or
 * how far its connection's floor raised it (calls buffered while the
 * connection was made). Nothing a record of such an earlier time may
 * speak of is let go before then (model/retire.c). Without L's floors
 * (out of memory), the full window for both.
 */
void sl_lateness_done(struct sl_lateness *l, uint64_t *window,
		      uint64_t *grace)
{
	bool measured = l->floors.map && l->floors.said;

	sl_floors_free(&l->floors);
	if (!measured) {
		*window = *grace = SL_REORDER_WINDOW_NS;
		return;
	}
	*window = l->most < SL_REORDER_WINDOW_NS ? l->most : SL_REORDER_WINDOW_NS;
	*grace = l->most > l->raised ? l->most : l->raised;
}
