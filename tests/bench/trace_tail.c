/*
 * For the soak (soak.sh): what a growing trace file gained since the last
 * look. Reads the trace with the viewer's reader (viewer/file/: packed
 * frames carry a history from the start, so it reads from there each
 * time) to the last whole frame, counts the records and sums the records
 * the drop records report, prints "RECORDS DROPPED" gained since the
 * totals kept in STATE, and leaves the new totals there.
 *
 *   trace_tail TRACE STATE
 */
#include <stdio.h>
#include <string.h>

#include "file/trace.h"

int main(int argc, char **argv)
{
	unsigned long long recs = 0, drops = 0, was_recs = 0, was_drops = 0;
	struct sl_reader r;
	struct sl_frame fr;
	const uint8_t *p;
	FILE *st;

	if (argc != 3 || sl_reader_open(&r, argv[1]))
		return 2;
	if ((st = fopen(argv[2], "r"))) {
		if (fscanf(st, "%llu %llu", &was_recs, &was_drops) != 2)
			was_recs = was_drops = 0;
		fclose(st);
	}
	while (sl_reader_next(&r, &fr, &p) > 0) {
		for (uint32_t off = 0; off + sizeof(struct sl_hdr) <= fr.len;) {
			struct sl_hdr h;

			memcpy(&h, p + off, sizeof(h));
			if (h.size < sizeof(h) || off + h.size > fr.len)
				break;
			recs++;
			if (h.type == SL_REC_DROP &&
			    h.size >= sizeof(struct sl_rec_drop)) {
				struct sl_rec_drop d;

				memcpy(&d, p + off, sizeof(d));
				drops += d.records;
			}
			off += h.size;
		}
	}
	sl_reader_close(&r);
	if (!(st = fopen(argv[2], "w")))
		return 2;
	fprintf(st, "%llu %llu\n", recs, drops);
	fclose(st);
	printf("%llu %llu\n", recs - was_recs, drops - was_drops);
	return 0;
}
