/*
 * Rotation of the trace (collect -C SIZE -W COUNT), and the temporary
 * name `run` writes under until its program has started.
 *
 * A rotated trace is a set of files PATH.000, PATH.001... (the number
 * grows without wrapping, three digits at least, so a shell glob lists
 * them in order), each at most SIZE bytes, the oldest removed once more
 * than COUNT exist. Each starts with the file header and an SL_REC_PART
 * record (set, part number), then restates what a reader starting there
 * needs to know of the processes still connected: the writer's caller
 * (the collector) writes it through the restate callback. A reader that
 * read the part before skips it (wire.h, struct sl_rec_part).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file/trace.h"
#include "file/trace_int.h"

void sl_part_name(char *buf, size_t len, const char *path, uint32_t part)
{
	snprintf(buf, len, "%s.%03u", path, part);
}

static void part_frame(struct sl_writer *w, uint8_t *fr, uint64_t restated)
{
	struct sl_rec_part p = { .set_id = w->set_id, .part = w->part,
				 .restated = restated };

	sl__own_frame(fr, &p, SL_REC_PART, sizeof(p), sl__mono_ns());
}

/* The start of a part: its SL_REC_PART, then what it restates. */
int sl__part_start(struct sl_writer *w)
{
	uint8_t fr[sizeof(struct sl_frame) + sizeof(struct sl_rec_part)];
	int64_t at = w->good, body;
	int err;

	/* A reader may start here, or skip what is restated: each begins
	 * a new history of packed records. */
	sl__pack_restart(w);
	part_frame(w, fr, 0);
	err = sl__append(w, fr, sizeof(fr), 1);
	if (err)
		return err;
	body = w->good;
	if (w->part && w->restate) {
		w->restating = true;
		w->restate(w->restate_ctx, w);
		w->restating = false;
		sl_writer_flush(w);
		sl__pack_restart(w);
	}
	if (w->good > body) {
		part_frame(w, fr, (uint64_t)(w->good - body));
		if (pwrite(w->fd, fr, sizeof(fr), (off_t)at) != (ssize_t)sizeof(fr))
			sl__fail_close(w, errno ? errno : EIO, "write");
	}
	w->part_frames = 0;
	/* A restatement longer than half a part would leave no room: the
	 * part may then pass SIZE by half of it. */
	w->rot_at = (int64_t)w->o.rot_size;
	if (w->good > w->rot_at / 2)
		w->rot_at = w->good + (int64_t)w->o.rot_size / 2;
	return 0;
}

/* The next part: the current one closed (flushed, fsync'd, checked), the
 * one COUNT parts back removed. A part that cannot be made leaves the
 * current one growing, and is tried again SIZE bytes later. */
void sl__rotate(struct sl_writer *w)
{
	char next[sizeof(w->cur)], old[sizeof(w->cur)];
	int fd;

	sl_writer_flush(w);
	sl_part_name(next, sizeof(next), w->path, w->part + 1);
	fd = open(next, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		sl__fail_close(w, errno, "open");
		w->rot_at += (int64_t)w->o.rot_size;
		return;
	}
	sl__close_fd(w);
	/* A run of failures recorded in the old part ends there; one not
	 * yet recorded goes into the new part. */
	if (w->run.rec_off >= 0)
		w->run.active = false;
	w->fd = fd;
	w->part++;
	strcpy(w->cur, next);
	if (sl__write_header(w) || sl__part_start(w))
		sl__fail_close(w, errno ? errno : EIO, "write");
	if (w->o.rot_keep && w->part >= w->o.rot_keep) {
		sl_part_name(old, sizeof(old), w->path,
			     w->part - w->o.rot_keep);
		unlink(old);
	}
}

/* Parts of an earlier set under the same name: a reader would take them
 * for ours. As a new trace replaces an old file, it replaces an old set. */
void sl__remove_stale(struct sl_writer *w)
{
	char pat[sizeof(w->path) + 32];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s.[0-9][0-9][0-9]*", w->path);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *s = g.gl_pathv[i] + strlen(w->path) + 1;

		if (strspn(s, "0123456789") == strlen(s) &&
		    strcmp(g.gl_pathv[i], w->cur))
			unlink(g.gl_pathv[i]);
	}
	globfree(&g);
}

int sl_writer_publish(struct sl_writer *w)
{
	char final[sizeof(w->cur)];

	if (!w->o.tmp)
		return 0;
	if (w->o.rot_size)
		sl_part_name(final, sizeof(final), w->path, w->part);
	else
		snprintf(final, sizeof(final), "%s", w->path);
	if (rename(w->cur, final) < 0)
		return -errno;
	strcpy(w->cur, final);
	w->o.tmp = false;
	if (w->o.rot_size)
		sl__remove_stale(w);
	return 0;
}

void sl_writer_discard(struct sl_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->used = 0;
	w->raw_used = 0;
	sl__pack_reset(&w->pack);
	unlink(w->cur);
}

/* A part size for -C: bytes, or with k, M or G (1024-based); at least
 * SL_ROT_MIN, where a part holds a few batches after its restatement. */
int sl_parse_size(const char *t, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(t, &end, 10);

	if (end == t)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'M')
		v <<= 20, end++;
	else if (*end == 'G')
		v <<= 30, end++;
	if (*end || v < SL_ROT_MIN)
		return -EINVAL;
	*out = v;
	return 0;
}
