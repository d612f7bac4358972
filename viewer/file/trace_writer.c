/*
 * The trace file: a header, then frames, each a length, a CRC-32 and the
 * collector's connection number ahead of the bytes of one batch (see
 * wire.h). Written append-only, so a crash can only tear the last frame;
 * the reader stops there, says so, and keeps everything before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "viewer.h"

/* A frame larger than this is corruption, not a batch. */
#define FRAME_MAX (1u << 24)

uint32_t sl_frame_crc(uint32_t conn, const void *buf, size_t len)
{
	return sl_crc32_update(sl_crc32(&conn, sizeof(conn)), buf, len);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sl_writer_open(struct sl_writer *w, const char *path)
{
	struct sl_file_hdr hdr = { .version = SL_FILE_VERSION,
				   .wire_version = SL_WIRE_VERSION };
	struct timespec ts;
	int err;

	w->used = 0;
	w->frames = 0;
	w->bytes = 0;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return -errno;
	memcpy(hdr.magic, SL_FILE_MAGIC, sizeof(hdr.magic));
	clock_gettime(CLOCK_REALTIME, &ts);
	hdr.created_real_ns = (uint64_t)ts.tv_sec * 1000000000u +
			      (uint64_t)ts.tv_nsec;
	err = write_all(w->fd, &hdr, sizeof(hdr));
	if (err) {
		close(w->fd);
		w->fd = -1;
	}
	return err;
}

int sl_writer_flush(struct sl_writer *w)
{
	int err;

	if (!w->used)
		return 0;
	err = write_all(w->fd, w->buf, w->used);
	w->used = 0;
	return err;
}

/* Appends one frame; small ones are gathered, and go out on flush. */
int sl_writer_frame(struct sl_writer *w, uint32_t conn, const void *buf,
		    size_t len)
{
	struct sl_frame fr = {
		.magic = SL_FRAME_MAGIC, .len = (uint32_t)len,
		.crc = sl_frame_crc(conn, buf, len), .conn = conn,
	};
	int err;

	if (w->used + sizeof(fr) + len > sizeof(w->buf)) {
		err = sl_writer_flush(w);
		if (err)
			return err;
	}
	w->frames++;
	w->bytes += sizeof(fr) + len;
	if (sizeof(fr) + len > sizeof(w->buf)) {
		err = write_all(w->fd, &fr, sizeof(fr));
		return err ? err : write_all(w->fd, buf, len);
	}
	memcpy(w->buf + w->used, &fr, sizeof(fr));
	memcpy(w->buf + w->used + sizeof(fr), buf, len);
	w->used += sizeof(fr) + len;
	return 0;
}

int sl_writer_close(struct sl_writer *w)
{
	int err = sl_writer_flush(w);

	if (w->fd >= 0 && close(w->fd) < 0 && !err)
		err = -errno;
	w->fd = -1;
	return err;
}

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
