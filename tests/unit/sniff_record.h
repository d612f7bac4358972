/*
 * What test_sniff.c and test_sniff_hostile.c share: the event recorder
 * (every event of the sniffers, preload/sniff.h, is checked to fall
 * inside its chunk and kept, with the start line or the reason), and
 * builders of hand-made TLS hellos.
 */
#ifndef SNIFF_RECORD_H
#define SNIFF_RECORD_H

#include <stdio.h>
#include <string.h>

#include "sniff.h"

#define MAX_EV 256

struct rec {
	enum sl_sniff_ev_type type;
	enum sl_sniff_dir dir;
	size_t at;
	unsigned chunk;		/* which fed chunk it came with */
	uint16_t status;
	enum sl_role role;		/* SL_EV_PROTO */
	char text[64];		/* method and target, or why */
};

struct log {
	struct rec ev[MAX_EV];
	unsigned n;
	unsigned chunk;
	size_t len;		/* of the chunk being fed */
};

static inline void record(void *ctx, const struct sl_sniff_ev *ev)
{
	struct log *l = ctx;
	struct rec *r;

	assert_true(ev->at <= l->len);
	assert_true(l->n < MAX_EV);
	r = &l->ev[l->n++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->dir = ev->dir;
	r->at = ev->at;
	r->chunk = l->chunk;
	r->role = ev->role;
	if (ev->type == SL_EV_HTTP_START) {
		r->status = ev->http->status;
		snprintf(r->text, sizeof(r->text), "%s %.30s", ev->http->method,
			 ev->http->target);
	}
	if (ev->why)
		snprintf(r->text, sizeof(r->text), "%.63s", ev->why);
}

/* The number of events of TYPE (in DIR, or either for -1). */
static inline unsigned count(const struct log *l, enum sl_sniff_ev_type type,
		      int dir)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->n; i++)
		n += l->ev[i].type == type && (dir < 0 || (int)l->ev[i].dir == dir);
	return n;
}

/* The first event of TYPE in DIR, or NULL. */
static inline const struct rec *find(const struct log *l, enum sl_sniff_ev_type type,
			      int dir)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->ev[i].type == type && (int)l->ev[i].dir == dir)
			return &l->ev[i];
	return NULL;
}

static inline void feed(struct sl_sniff *s, struct log *l, enum sl_sniff_dir dir,
		 const void *p, size_t n)
{
	l->len = n;
	sl_sniff_feed(s, dir, p, n, record, l);
	l->chunk++;
}

static inline void feed_str(struct sl_sniff *s, struct log *l, enum sl_sniff_dir dir,
		     const char *str)
{
	feed(s, l, dir, str, strlen(str));
}

/* ---- Hand-made hellos ---- */

static inline size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* An extension: type, then its body. */
static inline size_t ext(uint8_t *p, unsigned type, const void *body, size_t n)
{
	put16(p, type);
	put16(p + 2, (unsigned)n);
	memcpy(p + 4, body, n);
	return 4 + n;
}

static inline size_t ext_sni(uint8_t *p, const char *name)
{
	uint8_t b[300];
	size_t n = strlen(name);

	put16(b, (unsigned)n + 3);
	b[2] = 0;
	put16(b + 3, (unsigned)n);
	memcpy(b + 5, name, n);
	return ext(p, 0, b, n + 5);
}

/* ALPN from a NUL-separated list ending in an empty name. */
static inline size_t ext_alpn(uint8_t *p, const char *names)
{
	uint8_t b[300];
	size_t n = 2;

	for (const char *s = names; *s; s += strlen(s) + 1) {
		b[n++] = (uint8_t)strlen(s);
		memcpy(b + n, s, strlen(s));
		n += strlen(s);
	}
	put16(b, (unsigned)n - 2);
	return ext(p, 16, b, n);
}

/* A record with a hello of TYPE (1 or 2) and the extensions EXTS. */
static inline size_t hello(uint8_t *out, int type, const uint8_t *exts, size_t n)
{
	uint8_t *b = out + 9;
	size_t k = 0;

	k += put16(b, 0x0303);
	memset(b + k, 0x42, 32);
	k += 32;
	b[k++] = 0;			/* session id */
	if (type == 1) {
		k += put16(b + k, 2);
		k += put16(b + k, 0x1301);
		b[k++] = 1;
		b[k++] = 0;
	} else {
		k += put16(b + k, 0x1301);
		b[k++] = 0;
	}
	k += put16(b + k, (unsigned)n);
	memcpy(b + k, exts, n);
	k += n;
	out[0] = 22;
	put16(out + 1, 0x0301);
	put16(out + 3, (unsigned)k + 4);
	out[5] = (uint8_t)type;
	out[6] = 0;
	put16(out + 7, (unsigned)k);
	return k + 9;
}

#endif
