/*
 * The intake layer: what comes from traced processes, and the checks it
 * must pass before anything keeps it. The collector (one epoll loop),
 * the reader of each process's shared-memory ring, and the record checks
 * against the wire contract, which every reader of a trace file runs
 * too (sl_frame_records). Writes through the file layer (trace.h).
 */
#ifndef SL_INTAKE_H
#define SL_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "file/trace.h"
#include "socklens/wire.h"

/* wire_check.c: 0, or -EINVAL with a reason in why. */
struct sl_check {
	bool hello_seen;	/* per connection: HELLO must come first */
	char why[128];
};
int sl_wire_check_rec(struct sl_check *st, const void *rec, size_t avail,
		      bool from_collector);
int sl_wire_check_batch(struct sl_check *st, const void *buf, size_t len);

/* wire_check.c: walks the records of one frame, checking each; returns
 * how many were good, stops at the first bad one and says why in WHY. FN
 * is the caller's: each good record goes to it, in file order. */
typedef void (*sl_rec_fn)(void *ctx, uint32_t conn, const struct sl_hdr *h);
int sl_frame_records(uint32_t conn, const uint8_t *p, size_t len,
		     sl_rec_fn fn, void *ctx, char *why, size_t why_len);

/* ring_reader.c: the collector's side of a process's shared-memory ring
 * (include/socklens/ring.h). */
/* Everything here is our own copy, read once or kept by us: the peer
 * can rewrite its memory at any moment. */
struct sl_ring_view {
	struct sl_ring_hdr *hdr;	/* mapping, NULL when none */
	uint64_t map_size;
	uint64_t size;			/* shared area bytes */
	uint64_t tail;			/* shared area: ours */
	uint64_t shared_off;
	uint64_t lane_data_off;
	uint32_t lanes;
	uint32_t lane_size;
	uint32_t next_lane;		/* where the next look starts */
	uint64_t lane_tail[64];		/* SL_LANES_MAX; ours */
};
int sl_ring_map(struct sl_ring_view *v, int fd, uint64_t data_size,
		char *why, size_t cap);
void sl_ring_beat(struct sl_ring_view *v, uint64_t now_ns);
void sl_ring_unmap(struct sl_ring_view *v);
int sl_ring_next(struct sl_ring_view *v, void *buf, char *why, size_t cap);

/* restate.c: what each part of a rotated trace restates of a
 * connection (trace_rotate.c). */
struct sl_said;
void sl_said_conn(struct sl_said **sp, const struct sl_rec_conn *rc);
void sl_said_note(struct sl_said **sp, const uint8_t *p, size_t len);
void sl_said_write(const struct sl_said *s, struct sl_writer *w,
		   uint32_t conn);
void sl_said_free(struct sl_said *s);

/* collector.c */
struct sl_conn;
struct sl_collector {
	int lfd;
	int epfd;
	uint32_t next_conn;
	struct sl_conn *conns;	/* open connections, a list */
	unsigned int nconns;
	struct sl_writer w;
	char sock_path[108];
	char dir[96];		/* private directory we made, or "" */
	uint64_t records;
	uint64_t batches;
	uint64_t ring_batches;	/* of batches, those read from a ring */
	unsigned int nrings;	/* connections with a ring mapped */
	int ring_poll_ms;	/* how long the loop may sleep on them */
	uint64_t refused;
	uint64_t bad;
	bool quiet;
	unsigned int said_failures;	/* of w.failures, said on stderr */
	uint64_t said_ns;		/* ... when */
	/* Sees every frame written, for a live view; may be NULL. */
	void (*tap)(void *ctx, uint32_t conn, const uint8_t *buf, size_t len);
	void *tap_ctx;
};

/* O may be NULL: one file, TRACE_PATH, written in place. */
int sl_collector_open(struct sl_collector *c, const char *sock_path,
		      const char *trace_path, const struct sl_writer_opts *o);
int sl_collector_poll(struct sl_collector *c, int timeout_ms);
void sl_collector_close(struct sl_collector *c);
int sl_collector_add_fd(struct sl_collector *c, int fd);

/* listen.c: the socket at SOCK_PATH, or in a private directory made for
 * it (NULL), and the epoll instance with it, tagged TAG. */
int sl_collector_listen(struct sl_collector *c, const char *sock_path,
			uint64_t tag);

#endif
