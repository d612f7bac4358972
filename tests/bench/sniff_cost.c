/*
 * What the stream sniffers (preload/sniff*.c) cost per call, on the
 * chunks real programs carry (tests/unit/sniff_captures.h): run under
 * callgrind by tests/bench/run.sh, which divides each probe's inclusive
 * instructions by the calls it prints. Each probe is a function of its
 * own (noinline, noipa) so that callgrind can tell them apart; a probe's
 * figure is one sl_sniff_feed() call plus a counter and a call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sniff.h"
#include "sniff_captures.h"

#define ROUNDS 1000
#define PROBE(name)                                                          \
	static unsigned name##_calls;                                        \
	__attribute__((noinline, noipa)) static void name(                   \
		struct sl_sniff *s, enum sl_sniff_dir dir, const void *p,    \
		size_t n)                                                    \
	{                                                                    \
		name##_calls++;                                              \
		sl_sniff_feed(s, dir, p, n, on_event, NULL);                 \
	}
#define REPORT(name) printf("probe %s %u\n", #name, name##_calls)

static unsigned events;

static void on_event(void *ctx, const struct sl_sniff_ev *ev)
{
	(void)ctx;
	(void)ev;
	events++;
}

PROBE(tls_client_hello)
PROBE(tls_server_hello)
PROBE(tls_record)
PROBE(tls_after_done)
PROBE(http_request_head)
PROBE(http_response)
PROBE(http_body_16k)
PROBE(redis_command)

static uint8_t bytes[16384];

/* Chunk I of capture NAME, materialised ('x' past what it keeps). */
static const uint8_t *chunk(const char *name, unsigned i, size_t *n,
			    enum sl_sniff_dir *dir)
{
	for (size_t c = 0; c < sizeof(captures) / sizeof(*captures); c++) {
		const struct cap_chunk *k = &captures[c].chunks[i];

		if (strcmp(captures[c].name, name) != 0)
			continue;
		memcpy(bytes, k->data, k->keep);
		memset(bytes + k->keep, 'x', k->len - k->keep);
		*n = k->len;
		*dir = k->dir == 'S' ? SL_SNIFF_OUT : SL_SNIFF_IN;
		return bytes;
	}
	abort();
}

int main(void)
{
	static uint8_t hs_buf[SL_TLS_HS_BUF];
	static uint8_t body[16384];
	static struct sl_sniff s;
	enum sl_sniff_dir dir;
	const uint8_t *p;
	size_t n;

	memset(body, 'x', sizeof(body));
	for (int r = 0; r < ROUNDS; r++) {
		/* curl's TLS 1.3 connection: hello, answer, records. */
		sl_sniff_init(&s, hs_buf, sizeof(hs_buf));
		p = chunk("tls13_h11", 0, &n, &dir);
		tls_client_hello(&s, dir, p, n);
		for (unsigned i = 1; i < 3; i++) {
			p = chunk("tls13_h11", i, &n, &dir);
			tls_server_hello(&s, dir, p, n);
		}
		for (unsigned i = 3; i < 17; i++) {
			p = chunk("tls13_h11", i, &n, &dir);
			tls_record(&s, dir, p, n);
		}
		p = chunk("tls13_h11", 20, &n, &dir);
		tls_after_done(&s, dir, p, n);
		/* Keep-alive HTTP: heads, and a 1 MB body in 16 KiB reads. */
		sl_sniff_init(&s, NULL, 0);
		for (unsigned i = 0; i < 9; i++) {
			p = chunk("http_ka", i, &n, &dir);
			if (dir == SL_SNIFF_OUT)
				http_request_head(&s, dir, p, n);
			else
				http_response(&s, dir, p, n);
		}
		p = chunk("http_ka", 0, &n, &dir);
		http_request_head(&s, dir, p, n);
		http_response(&s, SL_SNIFF_IN,
			      "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n",
			      45);
		for (int i = 0; i < 64; i++)
			http_body_16k(&s, SL_SNIFF_IN, body, sizeof(body));
		sl_sniff_init(&s, NULL, 0);
		p = chunk("redis", 0, &n, &dir);
		redis_command(&s, dir, p, n);
	}
	REPORT(tls_client_hello);
	REPORT(tls_server_hello);
	REPORT(tls_record);
	REPORT(tls_after_done);
	REPORT(http_request_head);
	REPORT(http_response);
	REPORT(http_body_16k);
	REPORT(redis_command);
	printf("%u events\n", events);
	return 0;
}
