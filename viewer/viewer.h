/*
 * What the files of the socklens command share: names, record checks, the
 * trace file, the collector, output helpers and the subcommands. The
 * socket model has its own header, model.h.
 */
#ifndef SL_VIEWER_H
#define SL_VIEWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "socklens/wire.h"

enum sl_state {
	SL_ST_CREATED,
	SL_ST_BOUND,
	SL_ST_LISTENING,
	SL_ST_CONNECTING,
	SL_ST_ESTABLISHED,
	SL_ST_SHUT_WR,
	SL_ST_SHUT_RD,
	SL_ST_SHUT_RDWR,
	SL_ST_PEER_CLOSED,
	SL_ST_MAX
};

enum sl_role {
	SL_ROLE_UNCONNECTED,
	SL_ROLE_LISTENER,
	SL_ROLE_CLIENT,
	SL_ROLE_SERVER,
	SL_ROLE_PAIR,
	SL_ROLE_DATAGRAM,
	SL_ROLE_MAX
};

/* names.c */
const char *sl_call_name(unsigned int call);
const char *sl_state_name(unsigned int st);
const char *sl_role_name(unsigned int role);
const char *sl_family_name(int family);
const char *sl_type_name(int type);
const char *sl_errno_name(int err);

/* wire_check.c: 0, or -EINVAL with a reason in why. */
struct sl_check {
	bool hello_seen;	/* per connection: HELLO must come first */
	char why[128];
};
int sl_wire_check_rec(struct sl_check *st, const void *rec, size_t avail,
		      bool from_collector);
int sl_wire_check_batch(struct sl_check *st, const void *buf, size_t len);

/* crc32.c */
uint32_t sl_crc32(const void *buf, size_t len);
uint32_t sl_crc32_update(uint32_t crc, const void *buf, size_t len);
/* A frame's check: its connection number, then its bytes. */
uint32_t sl_frame_crc(uint32_t conn, const void *buf, size_t len);

/* trace_file.c */
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

/* Walks the records of one frame, checking each; returns how many were
 * good, stops at the first bad one and says why in st->why. */
typedef void (*sl_rec_fn)(void *ctx, uint32_t conn, const struct sl_hdr *h);
int sl_frame_records(uint32_t conn, const uint8_t *p, size_t len,
		     sl_rec_fn fn, void *ctx, char *why, size_t why_len);

/* collector.c */
struct sl_conn;
/* ring.c: the collector's side of a process's shared memory (ring.h).
 * Everything here is our own copy, read once or kept by us: the peer can
 * rewrite its memory at any moment. */
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
	/* Sees every frame written, for a live view; may be NULL. */
	void (*tap)(void *ctx, uint32_t conn, const uint8_t *buf, size_t len);
	void *tap_ctx;
};

int sl_collector_open(struct sl_collector *c, const char *sock_path,
		      const char *trace_path);
int sl_collector_poll(struct sl_collector *c, int timeout_ms);
void sl_collector_close(struct sl_collector *c);
int sl_collector_add_fd(struct sl_collector *c, int fd);

/* out.c: writing strings for people and for machines */
void sl_json_str(FILE *f, const char *s, size_t len);
void sl_json_write(FILE *f, const char *s, size_t len, bool html);
void sl_term_str(FILE *f, const char *s, size_t len, size_t max);
int sl_addr_format(const struct sl_addr *a, char *buf, size_t len);
bool sl_color_wanted(FILE *f);
void sl_fmt_bytes(char *buf, size_t len, uint64_t n);
void sl_fmt_dur(char *buf, size_t len, uint64_t ns);

/* the subcommands */
int sl_cmd_run(int argc, char **argv);
int sl_cmd_collect(int argc, char **argv);
int sl_cmd_view(int argc, char **argv);
int sl_cmd_export(int argc, char **argv);
int sl_export_jsonl(const char *path, FILE *out);	/* export_jsonl.c */
int sl_cmd_policy(int argc, char **argv);
int sl_cmd_audit(int argc, char **argv);
int sl_cmd_inspect(int argc, char **argv);
struct sl_policy;
int sl_policy_load(struct sl_policy *p, const char *path);

const char *sl_prog(void);

#endif
