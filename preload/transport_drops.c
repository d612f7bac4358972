/*
 * Records lost, counted by reason (enum sl_drop_reason) until a drop
 * record can tell the collector (transport.c sends it when it can; a
 * record that cannot go out puts its count back).
 */
#include <string.h>

#include <socklens/wire.h>

#include "preload.h"
#include "transport_int.h"

/* Records lost, by reason (enum sl_drop_reason), until reported. */
static uint64_t dropped_records[SL_DROP_REASON_MAX];
static uint64_t dropped_batches[SL_DROP_REASON_MAX];

/* A fork child: what its parent lost is its parent's to report. */
void sl__drops_forget(void)
{
	memset(dropped_records, 0, sizeof(dropped_records));
	memset(dropped_batches, 0, sizeof(dropped_batches));
}

void sl__count_drop(uint32_t records, int reason)
{
	if (!records)
		return;
	__atomic_add_fetch(&dropped_records[reason], records, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dropped_batches[reason], 1, __ATOMIC_RELAXED);
}

void sl_count_drop(uint32_t records)
{
	sl__count_drop(records, SL_DROP_UNSENT);
}

bool sl__drops_pending(void)
{
	for (int r = 0; r < SL_DROP_REASON_MAX; r++)
		if (__atomic_load_n(&dropped_records[r], __ATOMIC_RELAXED))
			return true;
	return false;
}

static void send_drop_record(uint64_t now, int reason)
{
	struct sl_rec_drop d;
	uint64_t recs = __atomic_exchange_n(&dropped_records[reason], 0,
					    __ATOMIC_RELAXED);

	if (!recs)
		return;
	memset(&d, 0, sizeof(d));
	sl_fill_hdr(&d.h, sizeof(d), SL_REC_DROP, now);
	d.records = recs;
	d.batches = __atomic_exchange_n(&dropped_batches[reason], 0,
					__ATOMIC_RELAXED);
	d.reason = (uint32_t)reason;
	if (sl__send_msg(&d, sizeof(d)) < 0) {
		__atomic_add_fetch(&dropped_records[reason], recs,
				   __ATOMIC_RELAXED);
		__atomic_add_fetch(&dropped_batches[reason], d.batches,
				   __ATOMIC_RELAXED);
	}
}

void sl__send_drop_records(uint64_t now)
{
	for (int r = 0; r < SL_DROP_REASON_MAX; r++)
		send_drop_record(now, r);
}
