/*
 * The trace file layer: frames written by the collector and read back by
 * every reader of a trace. The format is wire.h's (struct sl_file_hdr,
 * struct sl_frame); this layer knows frames, never the records in them
 * (intake.h walks and checks those).
 */
#ifndef SL_TRACE_H
#define SL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "socklens/wire.h"

/* crc32.c */
uint32_t sl_crc32(const void *buf, size_t len);
uint32_t sl_crc32_update(uint32_t crc, const void *buf, size_t len);
/* A frame's check: its connection number, then its bytes. */
uint32_t sl_frame_crc(uint32_t conn, const void *buf, size_t len);

/* pack.c: what the last records of each connection were, kept alike
 * by the writer of packed frames and their reader (trace_int.h). */
#define SL_PACK_TYPES 32	/* record types a packed record can have */
#define SL_PACK_REFS 6		/* records of a type it can refer to */
struct sl_pack {
	struct sl_hash *conns;	/* connection + 1 -> its history */
	struct sl__pack_conn *all;
};

/* trace_writer.c */
struct sl_writer;

/* Writes, at the start of each new part of a rotated set, what a reader
 * starting there needs (sl_writer_frame, which then does not rotate). */
typedef void (*sl_restate_fn)(void *ctx, struct sl_writer *w);

struct sl_writer_opts {
	bool tmp;		/* write beside PATH until sl_writer_publish */
	uint64_t rot_size;	/* rotate into PATH.000, .001... of at most
				 * this many bytes; 0: one file, PATH */
	uint32_t rot_keep;	/* keep only the last this many parts; 0: all */
	bool v1;		/* plain frames only (file version 1) */
};

/*
 * A run of failed writes: every record that could not be written is
 * counted, and the run is recorded in the file (SL_REC_LOSS) as soon as
 * something can be written again.
 */
struct sl_loss_run {
	uint64_t records;
	uint64_t first_ns;	/* CLOCK_MONOTONIC */
	uint64_t last_ns;
	int err;		/* errno of the first failure */
	bool active;
	int64_t rec_off;	/* its SL_REC_LOSS frame in the file, -1: none
				 * yet (it will be written when there is room) */
};

struct sl_writer {
	int fd;
	size_t used;
	uint64_t used_records;	/* records in buf */
	uint64_t frames;
	uint64_t bytes;
	int64_t good;		/* bytes of the file known whole; the next
				 * write goes there */
	struct sl_writer_opts o;
	/* Losses: what the collector tells people (failures, lost, err,
	 * what) as soon as failures grows. */
	struct sl_loss_run run;
	uint64_t lost;		/* records lost since open */
	unsigned int failures;	/* runs of failed writes, failed closes */
	int err;		/* the latest failure's errno */
	const char *what;	/* ... and the call: "write", "fsync"... */
	/* Names: o.tmp writes cur until it is published as final. */
	char path[4096];
	char cur[4096 + 32];
	/* Rotation (o.rot_size): the part written now, and its set. */
	uint32_t part;
	uint64_t set_id;
	uint64_t part_frames;	/* frames of this part, restated ones not */
	int64_t rot_at;		/* rotate before a frame would pass this */
	bool restating;
	sl_restate_fn restate;
	void *restate_ctx;
	/* Packing (pack.c): the history the frames in buf were encoded
	 * against, whether the next frame starts a new one, and the
	 * unpacked bytes buf holds. */
	struct sl_pack pack;
	bool pack_reset;
	uint32_t raw_used;
	/* A packed frame's header, then what it holds (or plain frames). */
	char buf[1 << 16];
};

int sl_writer_open(struct sl_writer *w, const char *path);
int sl_writer_open_opts(struct sl_writer *w, const char *path,
			const struct sl_writer_opts *o);
int sl_writer_frame(struct sl_writer *w, uint32_t conn, const void *buf,
		    size_t len);
int sl_writer_flush(struct sl_writer *w);
int sl_writer_close(struct sl_writer *w);
/* o.tmp: the file takes its real name (and a rotated set's stale parts
 * of an earlier run go); sl_writer_discard removes it instead. */
int sl_writer_publish(struct sl_writer *w);
void sl_writer_discard(struct sl_writer *w);
/* -C SIZE: 0, or -EINVAL below SL_ROT_MIN or not a size. */
#define SL_ROT_MIN (16u << 10)
int sl_parse_size(const char *t, uint64_t *out);
/* The name of part PART of the rotated set PATH: PATH.000... */
void sl_part_name(char *buf, size_t len, const char *path, uint32_t part);

/* trace_reader.c */
/*
 * What a trace does not hold, as its reader found it: a torn or corrupt
 * tail, the collector's recorded losses, the parts of a rotated set that
 * are gone. The preload's own drops are in its records (the model's
 * dropped). gaps.c says it in words.
 */
struct sl_gaps {
	bool torn;
	char torn_why[200];
	uint64_t lost;		/* records, over every SL_REC_LOSS */
	int lost_err;		/* the first loss's errno */
	uint64_t lost_first_ns;	/* ... and its time (CLOCK_MONOTONIC) */
	uint32_t first_part;	/* a rotated set: the part read first; */
	bool rotated;		/* parts before it are gone */
	uint32_t last_part;
};

struct sl_reader {
	FILE *f;
	const char *path;
	char cur[4096 + 32];	/* the file read now */
	uint64_t offset;	/* of the next frame */
	bool torn;		/* stopped at a torn or corrupt tail */
	bool part_torn;		/* ... in the part read now */
	char why[160];		/* what was wrong there */
	uint8_t *buf;
	size_t cap;
	/* A packed frame: where its next batch starts and ends, the
	 * history they are decoded against, the batch decoded. */
	const uint8_t *pack_at, *pack_end;
	struct sl_pack pack;
	uint8_t *raw;
	/* A rotated set: its name without the part's suffix, its id. */
	char base[4096];
	uint64_t set_id;
	uint32_t part;
	struct sl_gaps gaps;
};

int sl_reader_open(struct sl_reader *r, const char *path);
int sl_reader_next(struct sl_reader *r, struct sl_frame *fr,
		   const uint8_t **payload);
void sl_reader_close(struct sl_reader *r);
/* Of several files named at once (`view t.trace.*`), the one to open: the
 * first part of the newest set among them; NULL (with a message) when
 * they are not parts of one set. */
const char *sl_trace_pick(char **paths, int n);

/* gaps.c: "torn tail at ...; 159 records lost: no space left on device
 * from +12.3s; ..." into BUF, with DROPPED the preload's drops and
 * FIRST_NS the trace's first time; false when nothing is missing. */
bool sl_gaps_text(const struct sl_gaps *g, uint64_t dropped,
		  uint64_t first_ns, char *buf, size_t len);

#endif
