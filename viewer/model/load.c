/*
 * Reading a trace file into the model: the one place where the file,
 * the record checks, the order and the model meet. Two passes over the
 * file: the first measures how disordered its records are (order/
 * window.c), the second puts them in order with that window and applies
 * each (apply.c) as the reorder stage lets it go.
 */
#include <stdio.h>
#include <string.h>

#include "file/trace.h"
#include "intake/intake.h"
#include "model/model_int.h"
#include "order/reorder.h"

/* The window the trace at PATH needs, and the retire grace; the full
 * window for both when the file cannot be read twice. */
static void measure(const char *path, uint64_t *window, uint64_t *grace)
{
	struct sl_lateness l;
	struct sl_reader r;
	struct sl_frame fr;
	const uint8_t *payload;
	char why[160];

	if (sl_lateness_init(&l) || sl_reader_open(&r, path)) {
		sl_floors_free(&l.floors);
		*window = *grace = SL_REORDER_WINDOW_NS;
		return;
	}
	while (sl_reader_next(&r, &fr, &payload) > 0)
		sl_frame_records(fr.conn, payload, fr.len, sl_lateness_note, &l,
				 why, sizeof(why));
	sl_reader_close(&r);
	sl_lateness_done(&l, window, grace);
}

int sl_model_load(struct sl_model *m, const char *path)
{
	struct sl_reader r;
	struct sl_reorder ro;
	struct sl_frame fr;
	const uint8_t *payload;
	uint64_t window;
	int err, n;

	err = sl_reader_open(&r, path);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path,
			r.why[0] ? r.why : strerror(-err));
		return err;
	}
	measure(path, &window, &m->retire_grace);
	sl_reorder_init(&ro, window, sl_model_record, m);
	while ((n = sl_reader_next(&r, &fr, &payload)) > 0) {
		char why[160] = "";
		int got = sl_frame_records(fr.conn, payload, fr.len,
					   sl_reorder_push, &ro, why,
					   sizeof(why));

		if (why[0] && !m->bad_why[0])
			snprintf(m->bad_why, sizeof(m->bad_why),
				 "frame at offset %llu, record %d: %s",
				 (unsigned long long)(r.offset - fr.len -
						      sizeof(fr)), got, why);
	}
	sl_reorder_finish(&ro);
	if (n < 0)
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path, strerror(-n));
	m->torn = r.torn;
	m->gaps = r.gaps;
	if (r.torn)
		snprintf(m->torn_why, sizeof(m->torn_why), "%s", r.why);
	sl_reader_close(&r);
	sl_model_finish(m);
	return n < 0 ? n : 0;
}
