/*
 * Real captures for test_sniff.c, recorded on loopback with
 * `strace -f -yy -xx -s 65535 -e trace=write,writev,read,recvfrom,...`
 * and cut into the chunks the program's own calls carried ('S' sent,
 * 'R' received, 'K' sent by sendfile; MSG_PEEK receives left out). Each
 * chunk keeps the bytes the parsers read (record headers, hellos, HTTP
 * heads, chunk framing); the rest of its LEN bytes (record bodies,
 * Content-Length bodies) was replaced by 'x', which the parsers skip
 * unread. Made by a script from the captures; not edited by hand.
 */
struct cap_chunk {
	char dir;		/* 'S' sent, 'R' received, 'K' sent unseen
				   (sendfile: LEN bytes, none kept) */
	unsigned len;		/* the chunk's length */
	unsigned keep;		/* bytes of it in data; the rest is 'x' */
	const char *data;
};

struct capture {
	const char *name;
	const struct cap_chunk *chunks;
	unsigned n;
};


#include "sniff_captures_tls.h"
#include "sniff_captures_server.h"

static const struct capture captures[] = {
	{ "tls13_h11", cap_tls13_h11, sizeof(cap_tls13_h11) / sizeof(cap_tls13_h11[0]) },
	{ "tls12_h11", cap_tls12_h11, sizeof(cap_tls12_h11) / sizeof(cap_tls12_h11[0]) },
	{ "tls12_alpn", cap_tls12_alpn, sizeof(cap_tls12_alpn) / sizeof(cap_tls12_alpn[0]) },
	{ "tls13_h2", cap_tls13_h2, sizeof(cap_tls13_h2) / sizeof(cap_tls13_h2[0]) },
	{ "tls13_hrr", cap_tls13_hrr, sizeof(cap_tls13_hrr) / sizeof(cap_tls13_hrr[0]) },
	{ "wget13", cap_wget13, sizeof(cap_wget13) / sizeof(cap_wget13[0]) },
	{ "ngx_tls", cap_ngx_tls, sizeof(cap_ngx_tls) / sizeof(cap_ngx_tls[0]) },
	{ "ngx_http", cap_ngx_http, sizeof(cap_ngx_http) / sizeof(cap_ngx_http[0]) },
	{ "http_ka", cap_http_ka, sizeof(cap_http_ka) / sizeof(cap_http_ka[0]) },
	{ "http_head", cap_http_head, sizeof(cap_http_head) / sizeof(cap_http_head[0]) },
	{ "http_100", cap_http_100, sizeof(cap_http_100) / sizeof(cap_http_100[0]) },
	{ "h2c", cap_h2c, sizeof(cap_h2c) / sizeof(cap_h2c[0]) },
	{ "redis", cap_redis, sizeof(cap_redis) / sizeof(cap_redis[0]) },
};
