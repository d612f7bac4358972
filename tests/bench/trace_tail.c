/*
 * For the soak (soak.sh): what a growing trace file gained since the last
 * look. Reads the frames (wire.h, the trace file) from the offset in
 * STATE (the first frame when there is none) to the last whole one,
 * counts their records and sums the records the drop records report,
 * prints "RECORDS DROPPED" and leaves where it stopped in STATE. No CRC
 * check: the collector wrote these bytes, and this is a counter.
 *
 *   trace_tail TRACE STATE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <socklens/wire.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	unsigned long long off = sizeof(struct sl_file_hdr), recs = 0, drops = 0;
	FILE *f, *st;

	if (argc != 3 || !(f = fopen(argv[1], "rb")))
		return 2;
	if ((st = fopen(argv[2], "r"))) {
		if (fscanf(st, "%llu", &off) != 1)
			off = sizeof(struct sl_file_hdr);
		fclose(st);
	}
	for (;;) {
		struct sl_frame fr;
		size_t p = 0;

		if (fseek(f, (long)off, SEEK_SET) ||
		    fread(&fr, sizeof(fr), 1, f) != 1 ||
		    fr.magic != SL_FRAME_MAGIC || fr.len > sizeof(buf) ||
		    fread(buf, 1, fr.len, f) != fr.len)
			break;
		while (p + sizeof(struct sl_hdr) <= fr.len) {
			struct sl_hdr h;

			memcpy(&h, buf + p, sizeof(h));
			if (h.size < sizeof(h) || p + h.size > fr.len)
				break;
			recs++;
			if (h.type == SL_REC_DROP &&
			    h.size >= sizeof(struct sl_rec_drop)) {
				struct sl_rec_drop d;

				memcpy(&d, buf + p, sizeof(d));
				drops += d.records;
			}
			p += h.size;
		}
		off += sizeof(fr) + fr.len;
	}
	fclose(f);
	if (!(st = fopen(argv[2], "w")))
		return 2;
	fprintf(st, "%llu\n", off);
	fclose(st);
	printf("%llu %llu\n", recs, drops);
	return 0;
}
