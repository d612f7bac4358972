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

/* trace_writer.c */
struct sl_writer {
	int fd;
	size_t used;
	uint64_t frames;
	uint64_t bytes;
	char buf[1 << 16];
};

int sl_writer_open(struct sl_writer *w, const char *path);
int sl_writer_frame(struct sl_writer *w, uint32_t conn, const void *buf,
		    size_t len);
int sl_writer_flush(struct sl_writer *w);
int sl_writer_close(struct sl_writer *w);

/* trace_reader.c */
struct sl_reader {
	FILE *f;
	const char *path;
	uint64_t offset;	/* of the next frame */
	bool torn;		/* stopped at a torn or corrupt tail */
	char why[160];		/* what was wrong there */
	uint8_t *buf;
	size_t cap;
};

int sl_reader_open(struct sl_reader *r, const char *path);
int sl_reader_next(struct sl_reader *r, struct sl_frame *fr,
		   const uint8_t **payload);
void sl_reader_close(struct sl_reader *r);

#endif
