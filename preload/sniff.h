/*
 * What the preload may learn from the bytes a TCP socket's program
 * already sends and receives, without reading anything more: which
 * protocol the stream speaks (one table of prefaces), and for TLS and
 * plaintext HTTP/1.x a few fields and the moments that make a waterfall.
 *
 * Everything here is pure code over the program's own buffer: no
 * allocation, no stdio, no system call, no lock, nothing read past the
 * length given, and every loop bounded by that length (plus at most
 * SL_SNIFF_ID_BYTES held bytes). Chunks may split anything anywhere: a
 * TLS record header, a ClientHello across records and sends, an HTTP
 * start line, a chunk-size line. Nothing is kept but the fields in
 * struct sl_tls_info and struct sl_http_msg; bodies and ciphertext are
 * counted and skipped.
 *
 * Use: one struct sl_sniff per TCP socket, sl_sniff_init() at connect or
 * accept, then sl_sniff_feed() with every chunk the program sent (OUT) or
 * received (IN), in order, from the first byte of each direction. What
 * it learns comes back through the callback, one struct sl_sniff_ev per
 * event, with the offset in the chunk where it happened (the moment is
 * the chunk's syscall). When sl_sniff_done() says so, stop feeding.
 * sl_sniff_eof() at end of stream ends a body delimited by the close;
 * sl_sniff_skip() says that bytes went by unseen (sendfile, splice).
 * Feed only what a call moved (its return value, in iovec order), never
 * a MSG_PEEK receive (its bytes come again). Calls on one struct
 * sl_sniff must not overlap: the caller serialises a socket's chunks.
 *
 * What the record layer can and cannot say (TLS). Three moments: each
 * direction's first application data (SL_EV_TLS_APPDATA: the handshake
 * is over that way; the client's is its request), and the server's
 * first record after the client's first application data
 * (SL_EV_TLS_ANSWER: the first byte of the answer, for a time to first
 * byte).
 * - TLS <= 1.2: the first application-data record (type 23) each way
 *   is exact, and so is the answer.
 * - TLS 1.3: every record after the ServerHello is type 23, handshake
 *   or not. The client's Finished is told by its length (4 + hash + 1 +
 *   tag, from the cipher suite); the client's next type-23 record is its
 *   first application data. If the client offered early data, its first
 *   type-23 record is taken for application data. In the server's
 *   direction, APPDATA is the first record after the client's Finished,
 *   and both it and ANSWER may be a NewSessionTicket rather than data:
 *   the record layer cannot tell them apart. OpenSSL servers send two
 *   tickets as soon as the handshake ends; a client that sends its
 *   request at once reads them after it (curl), so the answer comes
 *   early by the server's think time; one that waits (wget) reads one
 *   first, which ANSWER then skips. The server's ALPN choice is in the
 *   encrypted EncryptedExtensions: not visible (SL_TLS_F_ALPN_HIDDEN).
 * - A ClientHello or ServerHello larger than the caller's buffer keeps
 *   only the extensions that fit (SL_TLS_F_TRUNC); one split across
 *   chunks with no buffer (cap 0) is lost (SL_TLS_F_LOST). In the usual
 *   case, a hello whole in one chunk, nothing is copied.
 */
#ifndef SL_SNIFF_H
#define SL_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* enum sl_proto, the TLS and HTTP flags and sizes: the records carry
 * them. */
#include "socklens/wire.h"

/* The direction of a chunk, as the traced program sees it. */
enum sl_sniff_dir {
	SL_SNIFF_OUT = 0,	/* the program sent it */
	SL_SNIFF_IN = 1,	/* the program received it */
};

/* ---- Which protocol (sniff_proto.c; enum sl_proto is in wire.h) ---- */

/* Who sends bytes like the ones that matched. */
enum sl_role {
	SL_ROLE_ANY = 0,	/* either side (SSH banners) */
	SL_ROLE_CLIENT,
	SL_ROLE_SERVER,
};

/* Enough for the longest preface in the table (h2's, 24 bytes). */
#define SL_SNIFF_ID_BYTES 24

/* One direction's recogniser: holds its first bytes until a decision. */
struct sl_sniff_id {
	uint8_t buf[SL_SNIFF_ID_BYTES];
	uint8_t have;		/* bytes held in buf */
	uint8_t proto;		/* enum sl_proto, sticky once decided */
	uint8_t role;		/* enum sl_role of the matching row */
	uint8_t spilled;	/* bytes went by that buf does not hold */
};

/*
 * Feeds the next chunk of one direction; returns the protocol once
 * decided (every later call returns it again at once), SL_PROTO_NONE
 * while the bytes so far are a prefix of some preface.
 */
enum sl_proto sl_sniff_id_feed(struct sl_sniff_id *id, const void *buf,
			       size_t len);

/* ---- Events ---- */

enum sl_sniff_ev_type {
	SL_EV_PROTO = 1,	/* the protocol is known: proto, role */
	SL_EV_TLS_CLIENT_HELLO,	/* tls: SNI, ALPN offered, versions */
	SL_EV_TLS_HRR,		/* a HelloRetryRequest */
	SL_EV_TLS_SERVER_HELLO,	/* tls: version, cipher, ALPN chosen */
	SL_EV_TLS_ALERT,	/* a plaintext alert (handshake failure...) */
	SL_EV_TLS_ENCRYPTED,	/* the first type-23 record of this direction */
	SL_EV_TLS_APPDATA,	/* its first application data: handshake over */
	SL_EV_TLS_ANSWER,	/* the server's first record after the client's
				   first application data: the answer's first
				   byte (TLS 1.3: or a late ticket) */
	SL_EV_TLS_BROKEN,	/* not TLS framing: this direction stops */
	SL_EV_HTTP_BEGIN,	/* the first byte of a message */
	SL_EV_HTTP_START,	/* its start line is complete: http */
	SL_EV_HTTP_END,		/* its last byte; at is the byte after it */
	SL_EV_HTTP_TUNNEL,	/* 101 or 2xx to CONNECT: the rest is another
				   protocol, from at in this chunk */
	SL_EV_HTTP_GIVEUP,	/* unexpected bytes: why; nothing more */
};

struct sl_tls_info;
struct sl_http_msg;

struct sl_sniff_ev {
	enum sl_sniff_ev_type type;
	enum sl_sniff_dir dir;
	/* Offset in the chunk where it happened: the first byte of what
	 * began, the byte after what ended. Events made from bytes held
	 * over from an earlier chunk (while the protocol was undecided)
	 * come with the next chunk, at 0. */
	size_t at;
	enum sl_proto proto;		/* SL_EV_PROTO */
	enum sl_role role;		/* SL_EV_PROTO: who sent dir's bytes */
	const struct sl_tls_info *tls;	/* SL_EV_TLS_* */
	const struct sl_http_msg *http;	/* SL_EV_HTTP_* but GIVEUP */
	const char *why;		/* SL_EV_HTTP_GIVEUP, _TLS_BROKEN */
};

/* Called once per event, in stream order, from inside the feed. */
typedef void (*sl_sniff_cb)(void *ctx, const struct sl_sniff_ev *ev);

/* ---- TLS (sniff_tls.c) ---- */

#define SL_TLS_HS_BUF 2048	/* the buffer size we suggest */

/* What a TLS connection told us in the clear. Strings end in NUL. */
struct sl_tls_info {
	uint32_t flags;			/* enum sl_tls_flag */
	uint16_t ch_version;		/* ClientHello legacy_version */
	uint16_t ch_max_version;	/* highest offered (supported_versions,
					   else legacy_version) */
	uint8_t ch_versions;		/* supported_versions offered: bit n
					   is 0x0300 + n; 0 without it */
	uint8_t alpn_offered;		/* how many were offered (to 255) */
	uint8_t alpn_n;			/* how many are kept below */
	uint8_t alert_level, alert_desc; /* first plaintext alert */
	uint16_t version;		/* negotiated: supported_versions
					   for 1.3, else legacy_version; 0
					   unknown */
	uint16_t cipher;		/* the chosen cipher suite */
	char sni[SL_TLS_SNI_MAX + 1];	/* "" when absent or bad */
	char alpn[SL_TLS_ALPN_N][SL_TLS_ALPN_MAX + 1];
	char alpn_chosen[SL_TLS_ALPN_MAX + 1]; /* TLS <= 1.2 only */
};

enum sl_tls_phase {
	SL_TLS_PH_HANDSHAKE = 0,	/* plaintext handshake records */
	SL_TLS_PH_ENCRYPTED,		/* type 23 seen, not yet app data */
	SL_TLS_PH_APPDATA,		/* application data began */
	SL_TLS_PH_GAVEUP,		/* too many records undecided: done */
	SL_TLS_PH_BROKEN,		/* not TLS framing: done */
};

/* One direction's record layer and handshake framing (36 bytes). */
struct sl_tls_dir {
	uint32_t left;		/* body bytes of this record still to come */
	uint32_t hs_len;	/* handshake message being framed: its length */
	uint32_t hs_at;		/* and how many of its body bytes went by */
	uint16_t rec_len;	/* this record's length */
	uint16_t n_enc;		/* type-23 records begun */
	uint8_t hdr[5];		/* this record's header, as it comes */
	uint8_t hdr_have;
	uint8_t phase;		/* enum sl_tls_phase */
	uint8_t hs;		/* handshake framing state (sniff_tls.c) */
	uint8_t hs_hdr[4];
	uint8_t hs_hdr_have;
	uint8_t fin_seen;	/* TLS 1.3: this side's Finished went by */
	uint8_t alert_have;	/* bytes of a plaintext alert held */
	uint8_t alert[2];
};

struct sl_tls {
	struct sl_tls_dir d[2];		/* by enum sl_sniff_dir */
	uint8_t *buf;			/* the caller's, for a split hello */
	uint16_t cap;
	uint16_t buf_have;
	int8_t buf_owner;		/* direction using buf, or -1 */
	int8_t client_dir;		/* the ClientHello's direction, or -1 */
	uint8_t answered;		/* SL_EV_TLS_ANSWER was sent */
	struct sl_tls_info info;
};

/* BUF (CAP bytes, at most 65535 used; NULL and 0 for none) must live as
 * long as T. */
void sl_tls_init(struct sl_tls *t, void *buf, size_t cap);
void sl_tls_feed(struct sl_tls *t, enum sl_sniff_dir dir, const void *buf,
		 size_t len, sl_sniff_cb cb, void *ctx);
/* N bytes of DIR went by unseen: skipped inside a record body, else
 * the direction stops (SL_EV_TLS_BROKEN). */
void sl_tls_skip(struct sl_tls *t, enum sl_sniff_dir dir, uint64_t n,
		 sl_sniff_cb cb, void *ctx);
/* Both directions are past all they can tell (the client's at its first
 * application data, the server's at its answer) or gave up. */
bool sl_tls_done(const struct sl_tls *t);
/* "1.2", "1.3", "1.0", "1.1", "3.0", or NULL for anything else. */
const char *sl_tls_version_name(uint16_t version);

/* ---- HTTP/1.x (sniff_http.c) ---- */

/* One message's start line and framing, as far as parsed. */
struct sl_http_msg {
	uint32_t flags;			/* enum sl_http_flag */
	uint16_t status;		/* responses */
	uint8_t minor;			/* HTTP/1.<minor> */
	char method[SL_HTTP_METHOD_MAX + 1];	/* requests */
	uint32_t target_len;		/* the whole target's length */
	uint64_t length;		/* Content-Length, when F_LENGTH */
	uint64_t body;			/* body bytes on the wire so far */
	uint32_t head;			/* bytes of start line and headers */
	/* Requests: cut, ends in NUL; last, as a message's beginning
	 * clears only what comes before it and its first byte. */
	char target[SL_HTTP_TARGET_MAX + 1];
};

/* One direction's parser state (sniff_http.c says what each means). */
struct sl_http_dir {
	struct sl_http_msg msg;
	uint64_t left;		/* body or chunk bytes still to come */
	uint64_t num;		/* a number being read */
	uint32_t pos;		/* position in the current field */
	uint32_t count;		/* messages complete */
	uint8_t state;
	uint8_t hdr;		/* which header is being read */
	uint8_t seen;		/* framing headers seen */
	uint8_t te_last;	/* last transfer-coding matched "chunked" */
	uint8_t cr;		/* a CR was read: LF must follow */
};

struct sl_http {
	struct sl_http_dir d[2];	/* by enum sl_sniff_dir */
	uint64_t pend;			/* 2 bits per unanswered request */
	uint8_t pend_n;
	int8_t client_dir;		/* direction requests take, or -1 */
	uint8_t dead;			/* gave up, or tunnel: stop */
};

void sl_http_init(struct sl_http *h);
void sl_http_feed(struct sl_http *h, enum sl_sniff_dir dir, const void *buf,
		  size_t len, sl_sniff_cb cb, void *ctx);
/* The direction ended (EOF, shutdown, close): ends a body delimited by
 * the close; a message cut short ends the parse. */
void sl_http_eof(struct sl_http *h, enum sl_sniff_dir dir, sl_sniff_cb cb,
		 void *ctx);
/* N bytes of DIR went by unseen (a body sent with sendfile): skipped
 * inside a body, else the parse ends (SL_EV_HTTP_GIVEUP). */
void sl_http_skip(struct sl_http *h, enum sl_sniff_dir dir, uint64_t n,
		  sl_sniff_cb cb, void *ctx);
/* Nothing more will be learned (gave up, or a tunnel began). */
bool sl_http_done(const struct sl_http *h);

/* For sniff_tls.c (sniff_hello.c): a hello's body, HAVE of its DECLARED
 * bytes at P (fewer when the buffer cut it); false when malformed. */
bool sl_tls_parse_client_hello(struct sl_tls_info *i, const uint8_t *p,
			       size_t have, size_t declared);
bool sl_tls_parse_server_hello(struct sl_tls_info *i, const uint8_t *p,
			       size_t have, size_t declared, bool *hrr);

/* For sniff_proto.c: DIR's stream began before anything was held (its
 * first bytes went by undecided): that direction cannot be parsed. */
void sl_tls_lost(struct sl_tls *t, enum sl_sniff_dir dir, sl_sniff_cb cb,
		 void *ctx);
void sl_http_lost(struct sl_http *h, sl_sniff_cb cb, void *ctx);

/* ---- One socket (sniff_proto.c) ---- */

struct sl_sniff {
	struct sl_sniff_id id[2];	/* by direction, until decided */
	uint8_t proto;			/* enum sl_proto */
	uint8_t held[2];		/* held bytes a parser has not seen */
	uint8_t lost[2];		/* a direction's start went by unseen */
	uint16_t hs_cap;		/* for the TLS parser, once chosen */
	uint8_t *hs_buf;
	union {
		struct sl_tls tls;
		struct sl_http http;
	} u;				/* by proto; neither for the others */
};

/* HS_BUF/CAP as for sl_tls_init (a TLS connection uses it). */
void sl_sniff_init(struct sl_sniff *s, void *hs_buf, size_t cap);
void sl_sniff_feed(struct sl_sniff *s, enum sl_sniff_dir dir,
		   const void *buf, size_t len, sl_sniff_cb cb, void *ctx);
void sl_sniff_eof(struct sl_sniff *s, enum sl_sniff_dir dir, sl_sniff_cb cb,
		  void *ctx);
/* N bytes of DIR went by unseen (sendfile, splice, copy_file_range). */
void sl_sniff_skip(struct sl_sniff *s, enum sl_sniff_dir dir, uint64_t n,
		   sl_sniff_cb cb, void *ctx);
/* Nothing more to learn: stop feeding. */
bool sl_sniff_done(const struct sl_sniff *s);

#endif
