/*
 * Inside the file layer: what trace_writer.c and trace_rotate.c share.
 * Nothing outside viewer/file/ includes this.
 */
#ifndef SL_TRACE_INT_H
#define SL_TRACE_INT_H

#include "file/trace.h"

uint64_t sl__mono_ns(void);
size_t sl__own_frame(uint8_t *out, void *rec, unsigned int type, size_t size,
		     uint64_t ts_ns);
void sl__lose(struct sl_writer *w, uint64_t records, int err,
	      const char *what);
void sl__fail_close(struct sl_writer *w, int err, const char *what);
int sl__append(struct sl_writer *w, const void *buf, size_t len,
	       uint64_t records);
int sl__write_header(struct sl_writer *w);
int sl__close_fd(struct sl_writer *w);

/* trace_rotate.c */
int sl__part_start(struct sl_writer *w);
void sl__rotate(struct sl_writer *w);
void sl__remove_stale(struct sl_writer *w);

#endif
