/*
 * Fuzz harness: a TCP conversation, both directions, through the stream
 * sniffers (preload/sniff*.c), cut into chunks at random. Each chunk is
 * copied into a buffer of exactly its size, so that AddressSanitizer
 * catches a read past the length given.
 *
 * Input: one byte of options (bits 0-1: the hello buffer, none, 64, 512
 * or 2048 bytes; bit 2: the parsers fed directly, without the protocol
 * table in front; bits 3-7: the seed of the cuts), then chunks, each a
 * 2-byte header (bit 15: received, else sent; bit 14: bytes that went by
 * unseen, a skip with no bytes following; bits 0-13: its length) and
 * its bytes; the last one may be short. Half the chunks are cut
 * again at a random place. Every event must point
 * inside its chunk and every kept string must end within its array.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sniff.h"

static size_t cur_len;

static void check_str(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void on_event(void *ctx, const struct sl_sniff_ev *ev)
{
	(*(unsigned *)ctx)++;
	if (ev->at > cur_len || (unsigned)ev->dir > SL_SNIFF_IN)
		abort();
	if (ev->tls) {
		check_str(ev->tls->sni, sizeof(ev->tls->sni));
		check_str(ev->tls->alpn_chosen, sizeof(ev->tls->alpn_chosen));
		for (int i = 0; i < SL_TLS_ALPN_N; i++)
			check_str(ev->tls->alpn[i], sizeof(ev->tls->alpn[i]));
		if (ev->tls->alpn_n > SL_TLS_ALPN_N)
			abort();
	}
	if (ev->http) {
		check_str(ev->http->method, sizeof(ev->http->method));
		check_str(ev->http->target, sizeof(ev->http->target));
	}
	if ((ev->type == SL_EV_HTTP_GIVEUP || ev->type == SL_EV_TLS_BROKEN) &&
	    !ev->why)
		abort();
}

struct conv {
	struct sl_sniff s;
	struct sl_tls t;
	struct sl_http h;
	bool direct;
	unsigned events;
};

static void feed(struct conv *c, enum sl_sniff_dir dir, const uint8_t *p,
		 size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	memcpy(copy, p, n);
	cur_len = n;
	if (c->direct) {
		sl_tls_feed(&c->t, dir, copy, n, on_event, &c->events);
		sl_http_feed(&c->h, dir, copy, n, on_event, &c->events);
	} else {
		sl_sniff_feed(&c->s, dir, copy, n, on_event, &c->events);
	}
	free(copy);
}

static void skip(struct conv *c, enum sl_sniff_dir dir, size_t n)
{
	cur_len = 0;
	if (c->direct) {
		sl_tls_skip(&c->t, dir, n, on_event, &c->events);
		sl_http_skip(&c->h, dir, n, on_event, &c->events);
	} else {
		sl_sniff_skip(&c->s, dir, n, on_event, &c->events);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 0, 64, 512, SL_TLS_HS_BUF };
	static uint8_t hs_buf[SL_TLS_HS_BUF];
	static struct conv c;
	uint32_t seed;
	size_t off = 1;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.direct = data[0] & 4;
	seed = data[0] >> 3;
	sl_sniff_init(&c.s, caps[data[0] & 3] ? hs_buf : NULL, caps[data[0] & 3]);
	sl_tls_init(&c.t, caps[data[0] & 3] ? hs_buf : NULL, caps[data[0] & 3]);
	sl_http_init(&c.h);
	while (off + 2 <= size) {
		unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
		enum sl_sniff_dir dir = hdr & 0x8000 ? SL_SNIFF_IN : SL_SNIFF_OUT;
		size_t len = hdr & 0x3fff, done = 0;

		off += 2;
		if (hdr & 0x4000) {
			skip(&c, dir, len);
			continue;
		}
		if (len > size - off)
			len = size - off;
		while (done < len) {
			size_t n;

			seed = seed * 1103515245u + 12345u;
			n = seed >> 16 & 1 ? len - done : 1 + (seed >> 8) % (len - done);
			feed(&c, dir, data + off + done, n);
			done += n;
		}
		off += len;
	}
	cur_len = 0;
	sl_sniff_eof(&c.s, SL_SNIFF_OUT, on_event, &c.events);
	sl_sniff_eof(&c.s, SL_SNIFF_IN, on_event, &c.events);
	sl_http_eof(&c.h, SL_SNIFF_IN, on_event, &c.events);
	(void)sl_sniff_done(&c.s);
	return 0;
}
