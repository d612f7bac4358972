/*
 * The wire contract, continued (included by wire.h, never alone): the
 * records of the network waterfall, issue 18.
 */
#ifndef SOCKLENS_WATERFALL_H
#define SOCKLENS_WATERFALL_H

#include <stdint.h>

/*
 * Each of these records fits a lane record (SL_LANE_REC_MAX, ring.h).
 * The per-socket ones (SNIFF, TLS, HTTP, TCPINFO) name their socket as a
 * call record does: inode (the socket's) and fd (the number it had when
 * the record was made). What the preload reads of a stream's bytes (SNIFF, TLS, HTTP) is only what
 * the program itself passed through send/recv, from each direction's
 * first byte, until nothing more is to be learned (preload/README.md,
 * "Peek"); SOCKLENS_NO_PEEK=1 turns all three off, SOCKLENS_NO_TCP_INFO=1
 * the fourth. Moments are CLOCK_MONOTONIC ns of the call that moved the
 * bytes (its return); 0 means not seen.
 */

/* Which resolver entry point a SL_REC_RESOLVE is about. */
enum sl_res_api {
	SL_RES_GETADDRINFO = 0,
	SL_RES_GETNAMEINFO,
	SL_RES_GETHOSTBYNAME,
	SL_RES_GETHOSTBYNAME2,
	SL_RES_GETHOSTBYNAME_R,
	SL_RES_GETHOSTBYNAME2_R,
	SL_RES_GETHOSTBYADDR,
	SL_RES_RES_QUERY,
	SL_RES_RES_SEARCH,
	SL_RES_RES_NQUERY,
	SL_RES_RES_NSEARCH,
	SL_RES_API_MAX
};

#define SL_RESOLVE_ADDRS 16	/* answer addresses kept */
#define SL_RESOLVE_NAME_MAX 192	/* bytes of name kept, NUL included */

/* Flags of struct sl_rec_resolve. */
#define SL_RES_F_NAME_CUT 0x01u	/* name longer than kept: name_len says */
#define SL_RES_F_MORE	0x02u	/* more answers than addr[]: more says */
#define SL_RES_F_NO_NAME 0x04u	/* no name asked (getaddrinfo(NULL, ...)) */
#define SL_RES_F_NESTED	0x08u	/* made from inside another lookup */
#define SL_RES_F_FAULT	0x10u	/* failed by a fault rule, not the resolver */

/*
 * One resolver call. h.ts_ns is when it began, dur_ns how long it took.
 *   getaddrinfo: name the node asked, family the hints' (AF_UNSPEC when
 *     none), port the service's as the first answer has it; addr[] the
 *     answers in list order (duplicates for each socket type removed);
 *     err the EAI_* code (0: found), sys_errno errno for EAI_SYSTEM.
 *   getnameinfo: addr[0] the address asked (naddr 1), port its port;
 *     name the host name it gave, err the EAI_* code.
 *   gethostbyname, gethostbyname2 and their _r forms: name asked,
 *     family AF_INET or gethostbyname2's, addr[] h_addr_list; err the
 *     h_errno (HOST_NOT_FOUND 1, TRY_AGAIN 2, NO_RECOVERY 3, NO_DATA 4),
 *     sys_errno the _r form's return (ERANGE: buffer too small).
 *   gethostbyaddr: addr[0] the address asked, name the host name found.
 *   res_query, res_search and the res_n forms: name asked, qtype the
 *     query type, ret the answer's length (-1 on failure), addr[] the A
 *     and AAAA records in its answer section, err h_errno.
 * An address is 16 bytes: IPv6 as is, IPv4 in the first 4 (bit i of v4
 * set for addr[i]).
 */
struct sl_rec_resolve {
	struct sl_hdr h;
	uint64_t dur_ns;
	uint64_t caller;	/* return address into the caller */
	int32_t err;		/* EAI_* or h_errno, by api; 0: found */
	int32_t sys_errno;	/* see above, else 0 */
	uint8_t api;		/* enum sl_res_api */
	uint8_t family;		/* AF_UNSPEC, AF_INET, AF_INET6 asked */
	uint8_t naddr;		/* entries of addr[] used */
	uint8_t flags;		/* SL_RES_F_* */
	uint16_t qtype;		/* res_*: the query's type (1 A, 28 AAAA) */
	uint16_t port;		/* host byte order; 0 none */
	uint32_t more;		/* answers past addr[] */
	uint32_t v4;		/* bit i: addr[i] is IPv4 */
	uint16_t name_len;	/* the whole name's length */
	uint16_t pad;
	int32_t ret;		/* res_*: the answer's length or -1 */
	uint8_t addr[SL_RESOLVE_ADDRS][16];
	char name[SL_RESOLVE_NAME_MAX];	/* NUL-terminated, cut to fit */
};

/* The protocols a stream is recognised as: one table of prefaces
 * (preload/sniff_proto.c). */
enum sl_proto {
	SL_PROTO_NONE = 0,	/* not decided yet: too few bytes */
	SL_PROTO_UNKNOWN,	/* decided: no preface matched */
	SL_PROTO_TLS,
	SL_PROTO_HTTP1,
	SL_PROTO_H2,		/* the client preface, cleartext (h2c) */
	SL_PROTO_REDIS,		/* RESP: a client's array of bulk strings */
	SL_PROTO_SSH,
	SL_PROTO_PGSQL,		/* PostgreSQL startup, SSL or cancel request */
	SL_PROTO_MYSQL,		/* the server's greeting, protocol 10 */
	SL_PROTO_DNS,		/* a DNS query over TCP */
	SL_PROTO_COUNT
};

/* "tls", "http/1", "h2", "redis", ...; "unknown" for NONE and UNKNOWN
 * and anything out of range. */
static inline const char *sl_proto_name(unsigned int proto)
{
	static const char *const names[SL_PROTO_COUNT] = {
		[SL_PROTO_NONE] = "unknown",
		[SL_PROTO_UNKNOWN] = "unknown",
		[SL_PROTO_TLS] = "tls",
		[SL_PROTO_HTTP1] = "http/1",
		[SL_PROTO_H2] = "h2",
		[SL_PROTO_REDIS] = "redis",
		[SL_PROTO_SSH] = "ssh",
		[SL_PROTO_PGSQL] = "postgresql",
		[SL_PROTO_MYSQL] = "mysql",
		[SL_PROTO_DNS] = "dns",
	};
	return proto < SL_PROTO_COUNT ? names[proto] : "unknown";
}

/* Who sends bytes like the ones that matched (struct sl_rec_sniff). */
#define SL_SNIFF_ROLE_ANY 0	/* either side (SSH banners) */
#define SL_SNIFF_ROLE_CLIENT 1
#define SL_SNIFF_ROLE_SERVER 2

/* Flags of struct sl_rec_sniff. */
#define SL_SNIFF_F_LOST	0x01u	/* the direction's start went by unseen */

/*
 * A direction of a TCP stream was recognised: dir 0 what the program
 * sent, 1 what it received; proto its enum sl_proto (SL_PROTO_UNKNOWN
 * when no preface matched), role who sends such bytes. off is how many
 * bytes of that direction came before the chunk that decided it.
 * h.ts_ns: that chunk's call.
 */
struct sl_rec_sniff {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t off;
	int32_t fd;
	uint8_t dir;		/* 0 sent, 1 received */
	uint8_t proto;		/* enum sl_proto */
	uint8_t role;		/* SL_SNIFF_ROLE_* */
	uint8_t flags;		/* SL_SNIFF_F_* */
};

#define SL_TLS_SNI_MAX 255	/* host_name bytes kept (DNS: 253) */
#define SL_TLS_ALPN_N 4		/* offered protocols kept */
#define SL_TLS_ALPN_MAX 15	/* bytes of one protocol name kept */

/* What a TLS parse saw (struct sl_rec_tls's flags). */
enum sl_tls_flag {
	SL_TLS_F_CH = 1u << 0,		/* a ClientHello was parsed */
	SL_TLS_F_SH = 1u << 1,		/* a ServerHello (not HRR) was parsed */
	SL_TLS_F_HRR = 1u << 2,		/* a HelloRetryRequest came first */
	SL_TLS_F_SNI_BAD = 1u << 3,	/* host_name with bad bytes: not kept */
	SL_TLS_F_ALPN_MORE = 1u << 4,	/* offered more (or longer) than kept */
	SL_TLS_F_EARLY_DATA = 1u << 5,	/* the ClientHello offered 0-RTT */
	SL_TLS_F_TRUNC = 1u << 6,	/* a hello outgrew the buffer */
	SL_TLS_F_LOST = 1u << 7,	/* a hello split with no room to join */
	SL_TLS_F_BAD = 1u << 8,		/* a hello did not parse */
	SL_TLS_F_ALPN_HIDDEN = 1u << 9,	/* TLS 1.3: chosen ALPN encrypted */
	SL_TLS_F_GUESS = 1u << 10,	/* version unknown: phase end guessed */
	SL_TLS_F_ALERT = 1u << 11,	/* a plaintext alert was seen */
	/* Set by the preload, not the parser: */
	SL_TLS_F_DONE = 1u << 16,	/* all it could tell: nothing follows */
	SL_TLS_F_CLOSED = 1u << 17,	/* written at close, before done */
	SL_TLS_F_EXIT = 1u << 18,	/* written at exit, before done */
};

/*
 * What a TLS connection said in the clear, one record per socket: when
 * the parse is over (SL_TLS_F_DONE), else at its close or the process's
 * exit. client_dir is the direction the ClientHello took (0: this
 * program sent it, it is the client). The moments by direction (index 0
 * sent, 1 received): enc_ns the first type-23 record, app_ns its first
 * application data (the handshake is over that way; TLS 1.3 as
 * preload/sniff.h says), answer_ns the server's first record after the
 * client's first application data (the answer's first byte).
 * Versions: 0x0303 is 1.2, 0x0304 1.3; ch_versions bit n is 0x0300 + n
 * offered in supported_versions. Strings end in NUL.
 */
struct sl_rec_tls {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t ch_ns;		/* the ClientHello's call */
	uint64_t sh_ns;		/* the ServerHello's call */
	uint64_t enc_ns[2];
	uint64_t app_ns[2];
	uint64_t answer_ns;
	int32_t fd;
	uint32_t flags;		/* enum sl_tls_flag */
	uint16_t ch_version;	/* ClientHello legacy_version */
	uint16_t ch_max_version; /* highest offered */
	uint16_t version;	/* negotiated; 0 unknown */
	uint16_t cipher;	/* the chosen cipher suite */
	uint8_t ch_versions;
	uint8_t alpn_offered;	/* how many were offered (to 255) */
	uint8_t alpn_n;		/* how many are kept in alpn[] */
	uint8_t client_dir;	/* 0, 1; 255 no ClientHello seen */
	uint8_t alert_level, alert_desc; /* the first plaintext alert */
	uint8_t pad[2];
	char sni[SL_TLS_SNI_MAX + 1];	/* "" when absent or bad */
	char alpn[SL_TLS_ALPN_N][SL_TLS_ALPN_MAX + 1];	/* offered */
	char alpn_chosen[SL_TLS_ALPN_MAX + 1];	/* TLS <= 1.2 only */
};

#define SL_HTTP_METHOD_MAX 15
#define SL_HTTP_TARGET_MAX 256

/* How an HTTP/1.x message was framed (struct sl_rec_http's flags). */
enum sl_http_flag {
	SL_HTTP_F_RESPONSE = 1u << 0,	/* a status line, not a request */
	SL_HTTP_F_TARGET_CUT = 1u << 1,	/* target longer than kept */
	SL_HTTP_F_HEAD = 1u << 2,	/* request HEAD / response to one */
	SL_HTTP_F_CONNECT = 1u << 3,	/* request CONNECT / response to one */
	SL_HTTP_F_NO_BODY = 1u << 4,	/* 1xx, 204, 304, HEAD, or none sent */
	SL_HTTP_F_CHUNKED = 1u << 5,	/* Transfer-Encoding: chunked */
	SL_HTTP_F_LENGTH = 1u << 6,	/* Content-Length framed */
	SL_HTTP_F_UNTIL_CLOSE = 1u << 7, /* body ends at the stream's end */
	SL_HTTP_F_INTERIM = 1u << 8,	/* 1xx but 101: the real one follows */
	SL_HTTP_F_ORPHAN = 1u << 9,	/* a response with no request seen */
	/* Set by the preload, not the parser: */
	SL_HTTP_F_CLOSED = 1u << 16,	/* written at close, exchange unfinished */
	SL_HTTP_F_EXIT = 1u << 17,	/* written at exit, exchange unfinished */
	SL_HTTP_F_LOST = 1u << 18,	/* requests in flight past what is kept:
					 * this one's start line is unknown */
};

/*
 * One HTTP/1.x exchange on a socket, written when its response ended
 * (or at close or exit, unfinished: end_ns 0). side 0: this program sent
 * the request (a client), 1: it received it (a server). index counts
 * the socket's requests from 0: index > 0 is keep-alive reuse.
 * sent_ns is the request's first byte, req_end_ns its last, first_byte_ns
 * the response's first byte (the time to first byte is first_byte_ns -
 * sent_ns, or - req_end_ns for the server's think time), end_ns its last.
 * A 1xx interim response is not an exchange's response: the final one is.
 */
struct sl_rec_http {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t sent_ns;
	uint64_t req_end_ns;
	uint64_t first_byte_ns;
	uint64_t end_ns;
	uint64_t req_body;	/* body bytes of the request */
	uint64_t resp_body;	/* and of the response */
	int32_t fd;
	uint32_t index;
	uint32_t req_flags;	/* enum sl_http_flag */
	uint32_t resp_flags;
	uint32_t target_len;	/* the whole target's length */
	uint16_t status;	/* 0: no response seen */
	uint8_t minor;		/* HTTP/1.<minor> of the request */
	uint8_t side;		/* 0 client, 1 server */
	char method[SL_HTTP_METHOD_MAX + 1];
	char target[SL_HTTP_TARGET_MAX + 1];	/* cut: target_len says */
	uint8_t pad[7];
};

/* When a SL_REC_TCPINFO was taken. */
enum sl_tcpinfo_when {
	SL_TI_CLOSE = 0,	/* just before the program's close */
	SL_TI_EXIT,		/* at the process's exit, still open */
	SL_TI_WHEN_MAX
};

/*
 * getsockopt(TCP_INFO) of a TCP socket (struct tcp_info, linux/tcp.h),
 * taken at close when the socket lived 10 ms or more or moved 64 KiB or
 * more, and at exit for those still open. len is how many bytes of
 * struct tcp_info the kernel filled: fields past it are 0. Times in
 * microseconds, rates in bytes per second.
 */
struct sl_rec_tcpinfo {
	struct sl_hdr h;
	uint64_t inode;
	int32_t fd;
	uint8_t when;		/* enum sl_tcpinfo_when */
	uint8_t state;		/* tcpi_state (TCP_ESTABLISHED 1...) */
	uint8_t ca_state;	/* tcpi_ca_state */
	uint8_t app_limited;	/* tcpi_delivery_rate_app_limited */
	uint32_t rtt_us;	/* smoothed RTT */
	uint32_t rttvar_us;
	uint32_t min_rtt_us;
	uint32_t retrans;	/* segments unacknowledged and resent now */
	uint32_t total_retrans;	/* retransmitted segments in its life */
	uint32_t lost;		/* segments taken for lost now */
	uint32_t snd_mss;
	uint32_t rcv_mss;
	uint32_t snd_cwnd;	/* in segments */
	uint32_t snd_ssthresh;
	uint32_t reordering;
	uint32_t rcv_space;
	uint32_t segs_out;
	uint32_t segs_in;
	uint32_t data_segs_out;
	uint32_t data_segs_in;
	uint32_t len;		/* bytes of struct tcp_info filled */
	uint32_t snd_wnd;	/* the peer's window as last advertised */
	uint64_t delivery_rate;
	uint64_t pacing_rate;
	uint64_t busy_us;	/* sending with data queued */
	uint64_t rwnd_limited_us; /* of it, stalled by the peer's window */
	uint64_t sndbuf_limited_us; /* of it, by our send buffer */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint64_t bytes_sent;
	uint64_t bytes_retrans;
};

_Static_assert(sizeof(struct sl_rec_resolve) == 512, "sl_rec_resolve layout");
_Static_assert(sizeof(struct sl_rec_sniff) == 40, "sl_rec_sniff layout");
_Static_assert(sizeof(struct sl_rec_tls) == 440, "sl_rec_tls layout");
_Static_assert(sizeof(struct sl_rec_http) == 376, "sl_rec_http layout");
_Static_assert(sizeof(struct sl_rec_tcpinfo) == 176, "sl_rec_tcpinfo layout");

#endif
