/*
 * Reading the trace file back, frame by frame, for every reader of a
 * trace (the model's load, export -f jsonl). A frame whose length runs
 * past the end, whose marker is wrong or whose CRC does not match is a
 * torn tail: reading stops there, says so (r->torn, r->why), and what
 * came before it stands. A frame larger than FRAME_MAX is corruption,
 * not a batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file/trace.h"

/* A frame larger than this is corruption, not a batch. */
#define FRAME_MAX (1u << 24)

int sl_reader_open(struct sl_reader *r, const char *path)
{
	struct sl_file_hdr hdr;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->f = fopen(path, "rb");
	if (!r->f)
		return -errno;
	if (fread(&hdr, sizeof(hdr), 1, r->f) != 1 ||
	    memcmp(hdr.magic, SL_FILE_MAGIC, sizeof(hdr.magic))) {
		snprintf(r->why, sizeof(r->why), "not a socklens trace file");
		goto err_close;
	}
	if (hdr.version != SL_FILE_VERSION) {
		snprintf(r->why, sizeof(r->why),
			 "trace file version %u; this socklens reads %u",
			 hdr.version, SL_FILE_VERSION);
		goto err_close;
	}
	r->offset = sizeof(hdr);
	return 0;

err_close:
	fclose(r->f);
	r->f = NULL;
	return -EINVAL;
}

static int torn(struct sl_reader *r, const char *what)
{
	r->torn = true;
	snprintf(r->why, sizeof(r->why), "%s at offset %llu", what,
		 (unsigned long long)r->offset);
	return 0;
}

/*
 * The next frame: 1 with *payload valid until the next call, 0 at the end
 * (r->torn says whether the end was clean), -errno on a read error.
 */
int sl_reader_next(struct sl_reader *r, struct sl_frame *fr,
		   const uint8_t **payload)
{
	size_t got = fread(fr, 1, sizeof(*fr), r->f);

	if (got == 0 && feof(r->f))
		return 0;
	if (got != sizeof(*fr))
		return ferror(r->f) ? -EIO : torn(r, "truncated frame header");
	if (fr->magic != SL_FRAME_MAGIC)
		return torn(r, "bad frame marker");
	if (fr->len > FRAME_MAX)
		return torn(r, "implausible frame length");
	if (fr->len > r->cap) {
		uint8_t *nb = realloc(r->buf, fr->len);

		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = fr->len;
	}
	if (fread(r->buf, 1, fr->len, r->f) != fr->len)
		return ferror(r->f) ? -EIO : torn(r, "truncated frame");
	if (sl_frame_crc(fr->conn, r->buf, fr->len) != fr->crc)
		return torn(r, "frame checksum mismatch");
	r->offset += sizeof(*fr) + fr->len;
	*payload = r->buf;
	return 1;
}

void sl_reader_close(struct sl_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	r->f = NULL;
	r->buf = NULL;
}
