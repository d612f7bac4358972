/*
 * Reading the trace file back, frame by frame, for every reader of a
 * trace (the model's load, export -f jsonl). A frame whose length runs
 * past the end, whose marker is wrong or whose CRC does not match is a
 * torn tail: reading stops there, says so (r->torn, r->why), and what
 * came before it stands. A frame larger than FRAME_MAX is corruption,
 * not a batch.
 *
 * The frames of connection 0 are the file's own (wire.h): the reader
 * keeps them, never hands them on. SL_REC_LOSS adds to what the trace
 * says it lost (r->gaps). SL_REC_PART makes the file one part of a
 * rotated set (trace_rotate.c): at its end the reader goes on to the
 * next part of the same set, skipping what that part restates; a part
 * with a torn tail is followed too, its successor's restatement read.
 * Given a name that does not exist, the reader takes the set of that
 * name (NAME.000...), from its first part still there.
 *
 * A packed frame (version 2; pack.c) is checked whole, then handed on
 * batch by batch, each unpacked as it was written: a reader of frames
 * sees the batches the collector kept, as version 1 stored them. A batch
 * that does not unpack is corruption, read as a torn tail.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file/trace.h"
#include "file/trace_int.h"
#include "lib/lib.h"

/* A frame larger than this is corruption, not a batch. */
#define FRAME_MAX (1u << 24)
/* A batch unpacked: the writer takes none above SL_BATCH_MAX. */
#define RAW_MAX (1u << 16)

/* The SL_REC_PART of a file whose header was just read, or false (the
 * file is left where it was). */
static bool read_part(FILE *f, struct sl_rec_part *p)
{
	struct sl_frame fr;
	long at = ftell(f);

	if (fread(&fr, sizeof(fr), 1, f) == 1 && fr.magic == SL_FRAME_MAGIC &&
	    fr.conn == 0 && fr.len == sizeof(*p) &&
	    fread(p, sizeof(*p), 1, f) == 1 &&
	    sl_frame_crc(0, p, sizeof(*p)) == fr.crc &&
	    p->h.type == SL_REC_PART && p->h.size == sizeof(*p))
		return true;
	fseek(f, at, SEEK_SET);
	return false;
}

/* Opens NAME and reads its header (and its part record, into P when it
 * has one): the stream, or NULL with WHY said. */
static FILE *open_file(const char *name, struct sl_rec_part *p, bool *is_part,
		       char *why, size_t why_len, int *err)
{
	struct sl_file_hdr hdr;
	FILE *f = fopen(name, "rb");

	*err = 0;
	if (!f) {
		*err = -errno;
		return NULL;
	}
	if (fread(&hdr, sizeof(hdr), 1, f) != 1 ||
	    memcmp(hdr.magic, SL_FILE_MAGIC, sizeof(hdr.magic))) {
		snprintf(why, why_len, "not a socklens trace file");
		goto err_close;
	}
	if (hdr.version < SL_FILE_VERSION_MIN ||
	    hdr.version > SL_FILE_VERSION) {
		snprintf(why, why_len,
			 "trace file version %u; this socklens reads %u to %u",
			 hdr.version, SL_FILE_VERSION_MIN, SL_FILE_VERSION);
		goto err_close;
	}
	*is_part = read_part(f, p);
	return f;

err_close:
	fclose(f);
	*err = -EINVAL;
	return NULL;
}

/* The part number of a name ending in .NNN, or -1. */
static long part_suffix(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot || strlen(dot + 1) < 3 ||
	    strspn(dot + 1, "0123456789") != strlen(dot + 1))
		return -1;
	return strtol(dot + 1, NULL, 10);
}

/* A name that does not exist may be a rotated set's: its first part. */
static int find_set(const char *path, char *out, size_t len)
{
	char pat[4096 + 32];
	glob_t g;
	char *pick;

	snprintf(pat, sizeof(pat), "%s.[0-9][0-9][0-9]*", path);
	if (glob(pat, 0, NULL, &g))
		return -ENOENT;
	pick = (char *)sl_trace_pick(g.gl_pathv, (int)g.gl_pathc);
	if (pick)
		snprintf(out, len, "%s", pick);
	globfree(&g);
	return pick ? 0 : -ENOENT;
}

int sl_reader_open(struct sl_reader *r, const char *path)
{
	struct sl_rec_part p;
	bool is_part = false;
	int err;

	memset(r, 0, sizeof(*r));
	r->path = path;
	snprintf(r->cur, sizeof(r->cur), "%s", path);
	if (access(path, F_OK) && errno == ENOENT &&
	    find_set(path, r->cur, sizeof(r->cur)))
		return -ENOENT;
	r->f = open_file(r->cur, &p, &is_part, r->why, sizeof(r->why), &err);
	if (!r->f)
		return err;
	r->offset = (uint64_t)ftell(r->f);
	if (is_part) {
		char *dot;

		r->set_id = p.set_id;
		r->part = p.part;
		r->gaps.rotated = true;
		r->gaps.first_part = r->gaps.last_part = p.part;
		if (strlen(r->cur) >= sizeof(r->base))
			return 0;	/* read as one file */
		strcpy(r->base, r->cur);
		dot = strrchr(r->base, '.');
		if (dot && part_suffix(r->cur) >= 0)
			*dot = '\0';
	}
	return 0;
}

static int torn(struct sl_reader *r, const char *what)
{
	r->torn = true;
	r->part_torn = true;
	if (r->gaps.rotated)
		snprintf(r->why, sizeof(r->why), "%s at offset %llu of %.100s",
			 what, (unsigned long long)r->offset, r->cur);
	else
		snprintf(r->why, sizeof(r->why), "%s at offset %llu", what,
			 (unsigned long long)r->offset);
	if (!r->gaps.torn) {
		r->gaps.torn = true;
		snprintf(r->gaps.torn_why, sizeof(r->gaps.torn_why), "%s",
			 r->why);
	}
	return 0;
}

/* At the end of a part (clean, or torn: CLEAN false), the next part of
 * the same set; false at the end of the set. */
static bool next_part(struct sl_reader *r, bool clean)
{
	char name[sizeof(r->cur)];
	struct sl_rec_part p;
	bool is_part = false;
	char why[160];
	int err;
	FILE *f;

	if (!r->gaps.rotated)
		return false;
	sl_part_name(name, sizeof(name), r->base, r->part + 1);
	f = open_file(name, &p, &is_part, why, sizeof(why), &err);
	if (!f)
		return false;
	if (!is_part || p.set_id != r->set_id || p.part != r->part + 1) {
		fclose(f);
		return false;
	}
	fclose(r->f);
	r->f = f;
	r->pack_at = r->pack_end = NULL;
	sl__pack_reset(&r->pack);
	r->part = p.part;
	r->part_torn = false;
	r->gaps.last_part = p.part;
	snprintf(r->cur, sizeof(r->cur), "%s", name);
	/* What it restates was read in the part before, unless that part
	 * was torn. */
	if (clean && p.restated)
		fseek(f, (long)p.restated, SEEK_CUR);
	r->offset = (uint64_t)ftell(f);
	return true;
}

/* A frame of the file's own (connection 0). */
static void own_frame(struct sl_reader *r, const uint8_t *p, size_t len)
{
	const struct sl_rec_loss *l = (const struct sl_rec_loss *)p;

	if (len != sizeof(*l) || l->h.type != SL_REC_LOSS ||
	    l->h.size != sizeof(*l))
		return;
	if (!r->gaps.lost) {
		r->gaps.lost_err = l->err;
		r->gaps.lost_first_ns = l->h.ts_ns;
	}
	r->gaps.lost += l->records;
}

/* LEN bytes of frame into r->buf: 1, 0 at a torn tail, or -errno. */
static int frame_body(struct sl_reader *r, uint32_t len)
{
	if (len > FRAME_MAX)
		return torn(r, "implausible frame length");
	if (len > r->cap) {
		uint8_t *nb = realloc(r->buf, len);

		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = len;
	}
	if (fread(r->buf, 1, len, r->f) != len)
		return ferror(r->f) ? -EIO : torn(r, "truncated frame");
	return 1;
}

/* The rest of a packed frame whose first bytes are in FR: its batches
 * are r->pack_at to r->pack_end. */
static int packed_frame(struct sl_reader *r, const struct sl_frame *fr)
{
	struct sl_pack_frame pf;
	int err;

	memcpy(&pf, fr, sizeof(*fr));
	if (fread((uint8_t *)&pf + sizeof(*fr), 1, sizeof(pf) - sizeof(*fr),
		  r->f) != sizeof(pf) - sizeof(*fr))
		return ferror(r->f) ? -EIO : torn(r, "truncated frame header");
	err = frame_body(r, pf.len);
	if (err <= 0)
		return err;
	if (sl__pack_crc(&pf, r->buf) != pf.crc)
		return torn(r, "frame checksum mismatch");
	if (pf.flags & SL_PACK_RESET)
		sl__pack_reset(&r->pack);
	if (!r->raw)
		r->raw = malloc(RAW_MAX);
	if (!r->raw)
		return -ENOMEM;
	r->pack_at = r->buf;
	r->pack_end = r->buf + pf.len;
	r->offset += sizeof(pf) + pf.len;
	return 2;
}

/* One frame: 1 a plain one (in FR, r->buf), 2 a packed one (its batches
 * ready), 0 at the end of this file (r->torn said), or -errno. */
static int one_frame(struct sl_reader *r, struct sl_frame *fr)
{
	size_t got = fread(fr, 1, sizeof(*fr), r->f);
	int err;

	if (got == 0 && feof(r->f))
		return 0;
	if (got != sizeof(*fr))
		return ferror(r->f) ? -EIO : torn(r, "truncated frame header");
	if (fr->magic == SL_PACK_MAGIC)
		return packed_frame(r, fr);
	if (fr->magic != SL_FRAME_MAGIC)
		return torn(r, "bad frame marker");
	err = frame_body(r, fr->len);
	if (err <= 0)
		return err;
	if (sl_frame_crc(fr->conn, r->buf, fr->len) != fr->crc)
		return torn(r, "frame checksum mismatch");
	r->offset += sizeof(*fr) + fr->len;
	return 1;
}

/* The next batch of the packed frame read last, as a plain frame in FR
 * and r->raw: 1, or 0 if it does not unpack (a torn tail). */
static int packed_batch(struct sl_reader *r, struct sl_frame *fr)
{
	size_t len;

	if (sl__unpack_batch(&r->pack, &r->pack_at, r->pack_end, &fr->conn,
			     r->raw, RAW_MAX, &len)) {
		r->pack_at = r->pack_end = NULL;
		return torn(r, "packed frame does not unpack");
	}
	if (r->pack_at == r->pack_end)
		r->pack_at = r->pack_end = NULL;
	fr->magic = SL_FRAME_MAGIC;
	fr->len = (uint32_t)len;
	fr->crc = 0;
	return 1;
}

/*
 * The next frame: 1 with *payload valid until the next call, 0 at the end
 * (r->torn says whether the end was clean), -errno on a read error.
 */
int sl_reader_next(struct sl_reader *r, struct sl_frame *fr,
		   const uint8_t **payload)
{
	for (;;) {
		bool packed = r->pack_at != NULL;
		int n = packed ? packed_batch(r, fr) : one_frame(r, fr);
		const uint8_t *p = packed ? r->raw : r->buf;

		if (n < 0)
			return n;
		if (n == 0) {
			if (next_part(r, !r->part_torn))
				continue;
			return 0;
		}
		if (n == 2)
			continue;
		if (fr->conn == 0) {
			own_frame(r, p, fr->len);
			continue;
		}
		*payload = p;
		return 1;
	}
}

void sl_reader_close(struct sl_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r->raw);
	sl__pack_reset(&r->pack);
	r->f = NULL;
	r->buf = NULL;
	r->raw = NULL;
}

const char *sl_trace_pick(char **paths, int n)
{
	const char *best = NULL;
	uint64_t set = 0;
	uint32_t part = 0;
	int others = 0;

	if (n == 1)
		return paths[0];
	for (int i = 0; i < n; i++) {
		struct sl_rec_part p;
		bool is_part = false;
		char why[160];
		int err;
		FILE *f = open_file(paths[i], &p, &is_part, why, sizeof(why),
				    &err);

		if (f)
			fclose(f);
		if (!f || !is_part) {
			fprintf(stderr, "%s: %s: %s\n", sl_prog(),
				paths[i], !f ? (why[0] && err == -EINVAL ? why :
						strerror(-err)) :
				"not a part of a rotated trace; name one file, "
				"or the parts of one set");
			return NULL;
		}
		if (best && p.set_id != set)
			others++;
		if (best && (p.set_id < set ||
			     (p.set_id == set && p.part >= part)))
			continue;
		best = paths[i];
		set = p.set_id;
		part = p.part;
	}
	if (others)
		fprintf(stderr, "%s: files of another (older) rotated trace "
			"were left out\n", sl_prog());
	return best;
}
