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
void sl__pack_restart(struct sl_writer *w);

/* pack.c: one batch packed into OUT, which has room for
 * sl__pack_bound(LEN) bytes; its bytes there. */
size_t sl__pack_bound(size_t len);
size_t sl__pack_batch(struct sl_pack *p, uint32_t conn, const uint8_t *buf,
		      size_t len, uint8_t *out);
/* The batch at *PP (before END) unpacked into OUT (ROOM bytes), *PP moved
 * past it: 0, or -EINVAL if it is not a well-formed one. */
int sl__unpack_batch(struct sl_pack *p, const uint8_t **pp,
		     const uint8_t *end, uint32_t *conn, uint8_t *out,
		     size_t room, size_t *len);
/* Forget every connection's history. */
void sl__pack_reset(struct sl_pack *p);
/* A packed frame's check (wire.h, struct sl_pack_frame). */
uint32_t sl__pack_crc(const struct sl_pack_frame *fr, const void *buf);

/* trace_rotate.c */
int sl__part_start(struct sl_writer *w);
void sl__rotate(struct sl_writer *w);
void sl__remove_stale(struct sl_writer *w);

#endif
