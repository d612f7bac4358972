/*
 * For make bench: the size of a trace file, and the same batches written
 * again in either version (viewer/file/, wire.h).
 *
 *   trace_pack IN               "RECORDS BYTES PLAIN": its records, its
 *                               size, and what version 1 would take
 *   trace_pack IN OUT           OUT: the same batches, packed (version 2)
 *   trace_pack -1 IN OUT        OUT: the same batches, plain (version 1)
 *
 * Built against libsocklens_view.a: the reader and writer are the ones
 * socklens uses.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file/trace.h"

static struct sl_writer w;

static unsigned long long count_records(const uint8_t *p, uint32_t len)
{
	unsigned long long n = 0;

	for (uint32_t off = 0; off + sizeof(struct sl_hdr) <= len; n++) {
		const struct sl_hdr *h = (const struct sl_hdr *)(p + off);

		if (h->size < sizeof(*h))
			break;
		off += h->size;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct sl_writer_opts o = { 0 };
	unsigned long long recs = 0, plain = sizeof(struct sl_file_hdr);
	struct sl_reader r;
	struct sl_frame fr;
	const uint8_t *p;
	struct stat st;
	const char *in, *out = NULL;

	if (argc > 1 && !strcmp(argv[1], "-1")) {
		o.v1 = true;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: trace_pack [-1] IN [OUT]\n");
		return 2;
	}
	in = argv[1];
	if (argc == 3)
		out = argv[2];
	if (sl_reader_open(&r, in)) {
		fprintf(stderr, "trace_pack: %s: %s\n", in, r.why);
		return 1;
	}
	if (out && sl_writer_open_opts(&w, out, &o)) {
		perror(out);
		return 1;
	}
	while (sl_reader_next(&r, &fr, &p) > 0) {
		recs += count_records(p, fr.len);
		plain += sizeof(fr) + fr.len;
		if (out)
			sl_writer_frame(&w, fr.conn, p, fr.len);
	}
	sl_reader_close(&r);
	if (out)
		return sl_writer_close(&w) ? 1 : 0;
	if (stat(in, &st))
		return 1;
	printf("%llu %lld %llu\n", recs, (long long)st.st_size, plain);
	return 0;
}
