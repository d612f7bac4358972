/*
 * What peek.c and peek_http.c share: one socket's peek state. Nothing
 * else includes this.
 */
#ifndef SL_PEEK_INT_H
#define SL_PEEK_INT_H

#include "peek.h"
#include "sniff.h"

/* Requests in flight (pipelined) whose start lines are kept; those
 * beyond are counted and reported without them (SL_HTTP_F_LOST). */
#define HTTP_PEND 4

/* One exchange: a request and the response that answers it. */
struct sl_peek_pend {
	uint64_t sent_ns, req_end_ns, first_ns, req_body;
	uint32_t req_flags, target_len;
	uint8_t minor;
	char method[SL_HTTP_METHOD_MAX + 1];
	/* Ends in NUL; last, as a new exchange clears only what comes
	 * before it and its first byte. */
	char target[SL_HTTP_TARGET_MAX + 1];
};

/* The response being received or sent, for the oldest exchange. */
struct sl_peek_resp {
	bool on;		/* its first byte went by */
	bool final;		/* its start line said not 1xx */
	uint16_t status;
	uint32_t flags;
	uint64_t first_ns;
	uint64_t body;
};

struct sl_peek_slot {
	uint32_t used;		/* 0 free, 1 taken (atomic) */
	uint32_t lock;		/* held while a chunk is fed (atomic) */
	uint32_t dead;		/* closed: whoever holds the lock ends it */
	pid_t pid;		/* the process that took it, or a fork child
				 * that talked on it since */
	uint64_t inode;
	int fd;
	uint64_t off[2];	/* bytes of each direction fed so far */
	uint64_t missed[2];	/* bytes that went by unfed (atomic) */
	uint64_t now;		/* the chunk being fed: its moment */
	uint64_t tls_ns[7];	/* ch, sh, enc[2], app[2], answer */
	bool sniff_sent, tls_sent;
	int8_t req_dir;		/* HTTP: where requests go; -1 unknown */
	uint8_t pend_head, pend_n;
	uint32_t skipped;	/* requests past pend[], oldest first */
	uint32_t done_n;	/* exchanges reported */
	struct sl_peek_pend pend[HTTP_PEND];
	struct sl_peek_resp resp;
	struct sl_sniff s;
	uint8_t hs_buf[SL_TLS_HS_BUF];
};

/* Indexes of struct sl_peek_slot's tls_ns. */
enum { TLS_CH, TLS_SH, TLS_ENC, TLS_APP = TLS_ENC + 2,
       TLS_ANSWER = TLS_APP + 2 };

/* peek_http.c: an HTTP event of SL's parser; what is still untold. */
void sl__peek_http(struct sl_peek_slot *sl, const struct sl_sniff_ev *ev);
void sl__peek_http_flush(struct sl_peek_slot *sl, uint32_t why, uint64_t ts);

#endif
