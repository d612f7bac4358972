/*
 * Writing the trace file: a header, then frames, each a length, a CRC-32
 * and the collector's connection number ahead of the bytes of one batch
 * (see wire.h). Written append-only, so a crash can only tear the last
 * frame (trace_reader.c stops there). The collector is its one writer.
 *
 * Every write is checked. A write that fails (a full disk, a file-size
 * limit, an I/O error) loses what it carried: the file is cut back to
 * its last whole frame, so what comes after it stays readable, the
 * records are counted, and the run of failures goes into the file as an
 * SL_REC_LOSS record as soon as there is room for one (at once, most
 * often: cutting the torn bytes made room; it is then rewritten in place
 * as the count grows). The collector says each new failure on stderr
 * (w->failures, w->err, w->lost).
 *
 * The batches kept between two flushes go out as one packed frame
 * (pack.c; wire.h, struct sl_pack_frame), encoded against what came
 * before them. A frame that could not be written leaves the history
 * behind it unknown to a reader, so the next one starts a new history
 * (SL_PACK_RESET), as the first of each part does. o.v1 writes plain
 * frames instead, as version 1 did.
 *
 * Rotation (trace_rotate.c) and the temporary name of `run` live beside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file/trace.h"
#include "file/trace_int.h"

uint64_t sl__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* All of BUF at OFF; a short write is retried, and reports why it
 * stopped (ENOSPC, EFBIG) on the next try. */
static int write_at(int fd, const void *buf, size_t len, int64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The records in a frame's payload, by their sizes (checked already). */
static uint64_t count_records(const uint8_t *p, size_t len)
{
	uint64_t n = 0;
	size_t off = 0;

	while (off + sizeof(struct sl_hdr) <= len) {
		uint16_t size = ((const struct sl_hdr *)(p + off))->size;

		n++;
		if (size < sizeof(struct sl_hdr))
			break;
		off += size;
	}
	return n ? n : 1;
}

/* One frame of the file's own: a record on connection 0, into OUT. */
size_t sl__own_frame(uint8_t *out, void *rec, unsigned int type, size_t size,
		     uint64_t ts_ns)
{
	struct sl_hdr *h = rec;
	struct sl_frame fr = { .magic = SL_FRAME_MAGIC, .len = (uint32_t)size,
			       .conn = 0 };

	h->size = (uint16_t)size;
	h->type = (uint8_t)type;
	h->version = SL_WIRE_VERSION;
	h->tid = 0;
	h->ts_ns = ts_ns;
	fr.crc = sl_frame_crc(0, rec, size);
	memcpy(out, &fr, sizeof(fr));
	memcpy(out + sizeof(fr), rec, size);
	return sizeof(fr) + size;
}

/*
 * The run's SL_REC_LOSS into the file: rewritten in place once it is
 * there (the bytes exist, so no room is needed), else appended at the
 * end of what is whole. A failure here loses nothing more.
 */
static void put_loss(struct sl_writer *w)
{
	struct sl_rec_loss l = { .records = w->run.records,
				 .last_ns = w->run.last_ns,
				 .err = w->run.err };
	uint8_t fr[sizeof(struct sl_frame) + sizeof(l)];
	size_t n = sl__own_frame(fr, &l, SL_REC_LOSS, sizeof(l),
				 w->run.first_ns);

	if (w->fd < 0)
		return;
	if (w->run.rec_off >= 0) {
		write_at(w->fd, fr, n, w->run.rec_off);
		return;
	}
	if (write_at(w->fd, fr, n, w->good)) {
		if (ftruncate(w->fd, (off_t)w->good) < 0) {
			/* Nothing to do: the reader stops at the tear. */
		}
		return;
	}
	w->run.rec_off = w->good;
	w->good += (int64_t)n;
	w->bytes += n;
}

/* RECORDS could not be written, because of ERR in the call WHAT. */
void sl__lose(struct sl_writer *w, uint64_t records, int err,
	      const char *what)
{
	uint64_t now = sl__mono_ns();

	if (!w->run.active) {
		memset(&w->run, 0, sizeof(w->run));
		w->run.active = true;
		w->run.err = err;
		w->run.first_ns = now;
		w->run.rec_off = -1;
		w->failures++;
		w->err = err;
		w->what = what;
	}
	w->run.records += records;
	w->run.last_ns = now;
	w->lost += records;
	put_loss(w);
}

/* A close or fsync that failed: what it held may not be on disk, and no
 * count of records can say how much. */
void sl__fail_close(struct sl_writer *w, int err, const char *what)
{
	w->failures++;
	w->err = err;
	w->what = what;
}

/* Writes BUF (RECORDS records) at the end of what is whole. */
int sl__append(struct sl_writer *w, const void *buf, size_t len,
	       uint64_t records)
{
	int err;

	if (w->fd < 0) {
		sl__lose(w, records, EBADF, "write");
		return -EBADF;
	}
	if (w->run.active && w->run.rec_off < 0)
		put_loss(w);
	err = write_at(w->fd, buf, len, w->good);
	if (err) {
		/* Cut the torn bytes: what comes later must follow a whole
		 * frame, or no reader would get past them. */
		if (ftruncate(w->fd, (off_t)w->good) < 0) {
			/* The reader stops at the tear; nothing better. */
		}
		sl__lose(w, records, -err, "write");
		return err;
	}
	w->good += (int64_t)len;
	/* Written again: the run ends once its record is in the file. */
	if (w->run.active && w->run.rec_off >= 0)
		w->run.active = false;
	return 0;
}

int sl__write_header(struct sl_writer *w)
{
	struct sl_file_hdr hdr = { .version = w->o.v1 ? 1 : SL_FILE_VERSION,
				   .wire_version = SL_WIRE_VERSION };
	struct timespec ts;
	int err;

	memcpy(hdr.magic, SL_FILE_MAGIC, sizeof(hdr.magic));
	clock_gettime(CLOCK_REALTIME, &ts);
	hdr.created_real_ns = (uint64_t)ts.tv_sec * 1000000000u +
			      (uint64_t)ts.tv_nsec;
	if (!w->set_id)
		w->set_id = hdr.created_real_ns;
	w->good = 0;
	err = write_at(w->fd, &hdr, sizeof(hdr), 0);
	if (err)
		return err;
	w->good = sizeof(hdr);
	return 0;
}

int sl_writer_open(struct sl_writer *w, const char *path)
{
	static const struct sl_writer_opts none;

	return sl_writer_open_opts(w, path, &none);
}

int sl_writer_open_opts(struct sl_writer *w, const char *path,
			const struct sl_writer_opts *o)
{
	int err;

	memset(w, 0, offsetof(struct sl_writer, buf));
	w->fd = -1;
	w->pack_reset = true;
	w->o = *o;
	w->run.rec_off = -1;
	if (strlen(path) >= sizeof(w->path))
		return -ENAMETOOLONG;
	strcpy(w->path, path);
	if (o->rot_size)
		sl_part_name(w->cur, sizeof(w->cur), path, 0);
	else
		strcpy(w->cur, path);
	if (o->tmp)
		snprintf(w->cur + strlen(w->cur), 32, ".tmp-%d", (int)getpid());
	w->fd = open(w->cur, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return -errno;
	err = sl__write_header(w);
	if (!err && o->rot_size)
		err = sl__part_start(w);
	if (err) {
		close(w->fd);
		w->fd = -1;
		unlink(w->cur);
		return err;
	}
	if (o->rot_size && !o->tmp)
		sl__remove_stale(w);
	return 0;
}

/* The next frame starts a new history: what was said before it may not
 * be in the file, or a reader may start there. Only between frames. */
void sl__pack_restart(struct sl_writer *w)
{
	sl__pack_reset(&w->pack);
	w->pack_reset = true;
}

/* The packed frame in w->buf: its header filled in; its bytes. */
static size_t seal_packed(struct sl_writer *w)
{
	struct sl_pack_frame fr = {
		.magic = SL_PACK_MAGIC,
		.len = (uint32_t)(w->used - sizeof(fr)),
		.flags = w->pack_reset ? SL_PACK_RESET : 0,
		.records = (uint32_t)w->used_records,
		.raw_len = w->raw_used,
	};

	fr.crc = sl__pack_crc(&fr, w->buf + sizeof(fr));
	memcpy(w->buf, &fr, sizeof(fr));
	w->pack_reset = false;
	return w->used;
}

int sl_writer_flush(struct sl_writer *w)
{
	size_t len = w->used;
	int err;

	if (!w->used) {
		if (w->run.active && w->run.rec_off < 0)
			put_loss(w);
		return 0;
	}
	if (!w->o.v1) {
		len = seal_packed(w);
		w->bytes += len;
	}
	err = sl__append(w, w->buf, len, w->used_records);
	w->used = 0;
	w->used_records = 0;
	w->raw_used = 0;
	if (err && !w->o.v1)
		sl__pack_restart(w);
	return err;
}

/* A packed frame is flushed before it would pass this: a write that
 * fails loses no more, and a part no less. */
#define PACK_FRAME_MAX 8192

/* What a frame of LEN bytes may take in w->buf, at most. */
static size_t room_for(const struct sl_writer *w, size_t len)
{
	if (w->o.v1)
		return sizeof(struct sl_frame) + len;
	return sl__pack_bound(len) +
	       (w->used ? 0 : sizeof(struct sl_pack_frame));
}

static void put_plain(struct sl_writer *w, uint32_t conn, const void *buf,
		      size_t len)
{
	struct sl_frame fr = {
		.magic = SL_FRAME_MAGIC, .len = (uint32_t)len,
		.crc = sl_frame_crc(conn, buf, len), .conn = conn,
	};

	memcpy(w->buf + w->used, &fr, sizeof(fr));
	memcpy(w->buf + w->used + sizeof(fr), buf, len);
	w->used += sizeof(fr) + len;
}

static void put_packed(struct sl_writer *w, uint32_t conn, const void *buf,
		       size_t len)
{
	if (!w->used)
		w->used = sizeof(struct sl_pack_frame);
	w->used += sl__pack_batch(&w->pack, conn, buf, len,
				  (uint8_t *)w->buf + w->used);
	w->raw_used += (uint32_t)len;
}

/* Whether the part must end before a frame that takes the buffer to
 * USED bytes. Not before it is published: a temporary first part would
 * be left behind under its temporary name. */
static bool part_full(const struct sl_writer *w, size_t used)
{
	return w->o.rot_size && !w->o.tmp && !w->restating &&
	       w->part_frames && w->good + (int64_t)used > w->rot_at;
}

/*
 * Appends one frame (one batch); they are gathered, and go out on flush.
 * A packed batch's size is known once it is packed: one that would take
 * the part past its size is taken back and packed again in the next
 * part (which starts a new history anyway).
 */
int sl_writer_frame(struct sl_writer *w, uint32_t conn, const void *buf,
		    size_t len)
{
	uint64_t records = count_records(buf, len);
	size_t before;
	int err = 0;

	if (len > SL_BATCH_MAX) {
		sl__lose(w, records, EMSGSIZE, "write");
		return -EMSGSIZE;
	}
	if (w->o.v1 && part_full(w, w->used + room_for(w, len)))
		sl__rotate(w);
	if (w->used + room_for(w, len) > sizeof(w->buf) ||
	    (!w->o.v1 && w->used && w->used + room_for(w, len) > PACK_FRAME_MAX))
		err = sl_writer_flush(w);
	before = w->used;
	if (w->o.v1) {
		put_plain(w, conn, buf, len);
	} else {
		put_packed(w, conn, buf, len);
		if (part_full(w, w->used)) {
			w->raw_used -= (uint32_t)len;
			w->used = before;
			sl__rotate(w);
			/* Packed against a history the new part does not
			 * have (or, if no part could be made, the one
			 * just taken back). */
			sl__pack_restart(w);
			put_packed(w, conn, buf, len);
		}
	}
	w->used_records += records;
	w->frames++;
	if (w->o.v1)
		w->bytes += sizeof(struct sl_frame) + len;
	if (!w->restating)
		w->part_frames++;
	return err;
}

/* Flush, fsync and close, each checked: the last chance to say that the
 * file does not hold what was written. */
int sl__close_fd(struct sl_writer *w)
{
	int err = sl_writer_flush(w);

	if (w->fd < 0)
		return err;
	if (w->run.active && w->run.rec_off < 0)
		put_loss(w);
	if (fsync(w->fd) < 0 && errno != EINVAL && errno != EROFS) {
		sl__fail_close(w, errno, "fsync");
		err = err ? err : -errno;
	}
	if (close(w->fd) < 0 && errno != EINTR) {
		sl__fail_close(w, errno, "close");
		err = err ? err : -errno;
	}
	w->fd = -1;
	return err;
}

int sl_writer_close(struct sl_writer *w)
{
	int err = sl__close_fd(w);

	sl__pack_reset(&w->pack);
	return err ? err : (w->failures ? -(w->err ? w->err : EIO) : 0);
}
