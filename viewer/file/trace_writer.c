/*
 * Writing the trace file: a header, then frames, each a length, a CRC-32
 * and the collector's connection number ahead of the bytes of one batch
 * (see wire.h). Written append-only, so a crash can only tear the last
 * frame (trace_reader.c stops there). The collector is its one writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file/trace.h"

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
