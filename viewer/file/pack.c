/*
 * Packed frames (trace file version 2): how one batch is encoded into a
 * packed frame and decoded back, byte for byte. viewer/README.md ("The
 * trace file") has the layout; in short, each record is written as the
 * difference, 32-bit half by 32-bit half of each 8-byte word, from one of
 * the last SL_PACK_REFS records of the same type on the same connection
 * (the encoder tries each and keeps the shortest), or from zeros, or as
 * it is. A trace's records repeat themselves (the same socket, caller,
 * process; times and counters that grow a little), so most words cost
 * nothing and the rest a byte or three.
 *
 * Both sides keep the same history (struct sl_pack): the writer updates
 * it as it encodes, the reader as it decodes, and both forget a
 * connection's at its SL_REC_GONE. It knows records only as far as their
 * header (size, type); a batch that does not parse as records is kept as
 * it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file/trace.h"
#include "file/trace_int.h"
#include "lib/lib.h"

/* The history of one record type on one connection: its latest records,
 * newest at head - 1. */
struct pack_ring {
	uint8_t *rec[SL_PACK_REFS];
	uint32_t len[SL_PACK_REFS];
	uint32_t cap[SL_PACK_REFS];
	uint32_t head;
	uint32_t count;
};

struct sl__pack_conn {
	uint32_t conn;
	struct sl__pack_conn *prev, *next;
	struct pack_ring *ring[SL_PACK_TYPES];
};

/* The first byte of a record: its type, and what it is encoded against. */
enum {
	MODE_LITERAL = 0,	/* the record as it is */
	MODE_ZERO = 1,		/* against zeros */
	MODE_REF = 2,		/* MODE_REF + k - 1: the kth newest */
	MODE_SHIFT = 5,
};

_Static_assert(SL_PACK_TYPES == 1u << MODE_SHIFT, "type bits");
_Static_assert(MODE_REF + SL_PACK_REFS <= 8, "mode bits");

static struct sl__pack_conn *conn_of(struct sl_pack *p, uint32_t conn,
				 bool make)
{
	struct sl__pack_conn *c;

	if (!p->conns) {
		if (!make)
			return NULL;
		p->conns = sl_xhash_new();
	}
	c = sl_hash_get(p->conns, (uint64_t)conn + 1);
	if (c || !make)
		return c;
	c = sl_xcalloc(1, sizeof(*c));
	c->conn = conn;
	c->next = p->all;
	if (p->all)
		p->all->prev = c;
	p->all = c;
	sl_xhash_put(p->conns, (uint64_t)conn + 1, c);
	return c;
}

static void conn_free(struct sl__pack_conn *c)
{
	for (unsigned int t = 0; t < SL_PACK_TYPES; t++) {
		if (!c->ring[t])
			continue;
		for (unsigned int i = 0; i < SL_PACK_REFS; i++)
			free(c->ring[t]->rec[i]);
		free(c->ring[t]);
	}
	free(c);
}

/* A connection that ended: nothing more will be encoded against it. */
static void conn_forget(struct sl_pack *p, uint32_t conn)
{
	struct sl__pack_conn *c = conn_of(p, conn, false);

	if (!c)
		return;
	sl_hash_del(p->conns, (uint64_t)conn + 1);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	conn_free(c);
}

void sl__pack_reset(struct sl_pack *p)
{
	while (p->all) {
		struct sl__pack_conn *c = p->all;

		p->all = c->next;
		conn_free(c);
	}
	sl_hash_free(p->conns);
	p->conns = NULL;
}

/* The Kth newest record of RING (1: the newest), or NULL. */
static const uint8_t *ring_ref(const struct pack_ring *ring, unsigned int k,
			       uint32_t *len)
{
	uint32_t i;

	if (!ring || k < 1 || k > ring->count)
		return NULL;
	i = (ring->head + SL_PACK_REFS - k) % SL_PACK_REFS;
	*len = ring->len[i];
	return ring->rec[i];
}

static void ring_push(struct sl__pack_conn *c, unsigned int type,
		      const uint8_t *rec, uint32_t len)
{
	struct pack_ring *ring = c->ring[type];
	uint32_t i;

	if (!ring)
		ring = c->ring[type] = sl_xcalloc(1, sizeof(*ring));
	i = ring->head;
	if (ring->cap[i] < len) {
		ring->rec[i] = sl_xrealloc(ring->rec[i], len);
		ring->cap[i] = len;
	}
	memcpy(ring->rec[i], rec, len);
	ring->len[i] = len;
	ring->head = (i + 1) % SL_PACK_REFS;
	if (ring->count < SL_PACK_REFS)
		ring->count++;
}

static uint32_t zigzag(uint32_t d)
{
	return (d << 1) ^ (0u - (d >> 31));
}

static uint32_t unzigzag(uint32_t u)
{
	return (u >> 1) ^ (0u - (u & 1));
}

static unsigned int varint_len(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *o, uint64_t v)
{
	while (v >= 0x80) {
		*o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}

static inline bool get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	/* Most are one byte. */
	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return true;
	}
	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (p == end)
			return false;
		r |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			*pp = p;
			*v = r;
			return true;
		}
	}
	return false;
}

/* Word I of a record of LEN bytes at R; 0 past its end (or no record). */
static uint64_t word(const uint8_t *r, uint32_t len, uint32_t i)
{
	uint64_t w = 0;

	if (r && (i + 1) * 8 <= len)
		memcpy(&w, r + i * 8, 8);
	return w;
}

/* A word's difference from its reference: the low halves' (zigzag), one
 * bit for whether the high halves differ, then theirs. */
static unsigned int delta_len(uint64_t c, uint64_t r)
{
	uint32_t lo = (uint32_t)c - (uint32_t)r;
	uint32_t hi = (uint32_t)(c >> 32) - (uint32_t)(r >> 32);
	unsigned int n = varint_len(((uint64_t)zigzag(lo) << 1) | (hi != 0));

	return hi ? n + varint_len(zigzag(hi)) : n;
}

static uint8_t *put_delta(uint8_t *o, uint64_t c, uint64_t r)
{
	uint32_t lo = (uint32_t)c - (uint32_t)r;
	uint32_t hi = (uint32_t)(c >> 32) - (uint32_t)(r >> 32);

	o = put_varint(o, ((uint64_t)zigzag(lo) << 1) | (hi != 0));
	return hi ? put_varint(o, zigzag(hi)) : o;
}

static inline bool get_delta(const uint8_t **pp, const uint8_t *end, uint64_t r,
		      uint64_t *c)
{
	uint64_t v, h = 0;
	uint32_t lo, hi;

	if (!get_varint(pp, end, &v) || v >> 33)
		return false;
	if ((v & 1) && (!get_varint(pp, end, &h) || h >> 32 || !h))
		return false;
	lo = (uint32_t)r + unzigzag((uint32_t)(v >> 1));
	hi = (uint32_t)(r >> 32) + unzigzag((uint32_t)h);
	*c = (uint64_t)hi << 32 | lo;
	return true;
}

/* Bytes of REC (LEN) encoded against REF (RLEN; NULL: zeros): word 0,
 * a bit mask of the other words that differ, their differences. Counting
 * stops at LIMIT, the best found so far. */
static size_t delta_cost(const uint8_t *rec, uint32_t len, const uint8_t *ref,
			 uint32_t rlen, size_t limit)
{
	uint32_t words = len / 8;
	size_t n = delta_len(word(rec, len, 0), word(ref, rlen, 0)) +
		   (words - 1 + 7) / 8;

	for (uint32_t i = 1; i < words && n < limit; i++) {
		uint64_t c = word(rec, len, i), r = word(ref, rlen, i);

		if (c != r)
			n += delta_len(c, r);
	}
	return n;
}

static uint8_t *put_record(uint8_t *o, const uint8_t *rec, uint32_t len,
			   const uint8_t *ref, uint32_t rlen)
{
	uint32_t words = len / 8;
	uint8_t *mask = NULL;

	o = put_delta(o, word(rec, len, 0), word(ref, rlen, 0));
	mask = o;
	memset(mask, 0, (words - 1 + 7) / 8);
	o += (words - 1 + 7) / 8;
	for (uint32_t i = 1; i < words; i++) {
		uint64_t c = word(rec, len, i), r = word(ref, rlen, i);

		if (c == r)
			continue;
		mask[(i - 1) / 8] |= (uint8_t)(1u << ((i - 1) % 8));
		o = put_delta(o, c, r);
	}
	return o;
}

/* One record: the cheapest of its encodings. */
static uint8_t *pack_record(struct sl__pack_conn *c, const uint8_t *rec,
			    uint32_t len, uint8_t *o)
{
	/* The newest of its kind first: most often the best, and then the
	 * others stop early. */
	static const uint8_t order[] = { MODE_REF, MODE_REF + 1, MODE_REF + 2,
					 MODE_REF + 3, MODE_REF + 4,
					 MODE_REF + 5, MODE_ZERO };
	unsigned int type = ((const struct sl_hdr *)rec)->type;
	const struct pack_ring *ring = c->ring[type];
	unsigned int mode = MODE_LITERAL;
	const uint8_t *best = NULL;
	uint32_t best_len = 0;
	size_t cost = len;

	_Static_assert(sizeof(order) == SL_PACK_REFS + 1, "every mode");
	for (unsigned int k = 0; k < sizeof(order); k++) {
		unsigned int m = order[k];
		uint32_t rlen = 0;
		const uint8_t *ref = m == MODE_ZERO ? NULL :
				     ring_ref(ring, m - MODE_REF + 1, &rlen);
		size_t n;

		if (m != MODE_ZERO && !ref) {
			k = SL_PACK_REFS - 1;	/* no older ones: zeros next */
			continue;
		}
		n = delta_cost(rec, len, ref, rlen, cost);
		if (n < cost) {
			cost = n;
			mode = m;
			best = ref;
			best_len = rlen;
		}
	}
	*o++ = (uint8_t)(type | mode << MODE_SHIFT);
	if (mode == MODE_LITERAL) {
		memcpy(o, rec, len);
		o += len;
	} else {
		o = put_record(o, rec, len, best, best_len);
	}
	ring_push(c, type, rec, len);
	return o;
}

/* Whether BUF (LEN) is records the encoding can carry: whole, aligned,
 * of types below SL_PACK_TYPES. */
static bool packable(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct sl_hdr h;

		if (len - off < sizeof(h))
			return false;
		memcpy(&h, buf + off, sizeof(h));
		if (h.size < sizeof(h) || h.size % 8 || h.size > len - off ||
		    h.type >= SL_PACK_TYPES)
			return false;
		off += h.size;
	}
	return len > 0;
}

size_t sl__pack_bound(size_t len)
{
	return len + len / sizeof(struct sl_hdr) + 16;
}

size_t sl__pack_batch(struct sl_pack *p, uint32_t conn, const uint8_t *buf,
		      size_t len, uint8_t *out)
{
	uint8_t *o = put_varint(out, conn);
	struct sl__pack_conn *c;
	bool gone = false;
	uint64_t n = 0;

	if (!packable(buf, len)) {
		o = put_varint(o, (uint64_t)len << 1 | 1);
		memcpy(o, buf, len);
		return (size_t)(o + len - out);
	}
	for (size_t off = 0; off < len; n++)
		off += ((const struct sl_hdr *)(buf + off))->size;
	o = put_varint(o, n << 1);
	c = conn_of(p, conn, true);
	for (size_t off = 0; off < len;) {
		const struct sl_hdr *h = (const struct sl_hdr *)(buf + off);

		o = pack_record(c, buf + off, h->size, o);
		gone |= h->type == SL_REC_GONE;
		off += h->size;
	}
	if (gone)
		conn_forget(p, conn);
	return (size_t)(o - out);
}

/* One record into OUT (ROOM bytes): its length, or 0 if it is bad. */
static uint32_t unpack_record(struct sl__pack_conn *c, const uint8_t **pp,
			      const uint8_t *end, uint8_t *out, size_t room)
{
	unsigned int type = **pp & (SL_PACK_TYPES - 1), mode = **pp >> MODE_SHIFT;
	const uint8_t *ref = NULL, *p = *pp + 1;
	uint32_t rlen = 0, len, words;
	struct sl_hdr h;
	uint64_t w0;

	if (mode >= MODE_REF) {
		ref = ring_ref(c->ring[type], mode - MODE_REF + 1, &rlen);
		if (!ref)
			return 0;
	}
	if (mode == MODE_LITERAL) {
		if (end - p < 8)
			return 0;
		memcpy(&w0, p, 8);
		p += 8;
	} else if (!get_delta(&p, end, word(ref, rlen, 0), &w0)) {
		return 0;
	}
	memcpy(&h, &w0, 8);
	len = h.size;
	if (h.type != type || len < sizeof(h) || len % 8 || len > room)
		return 0;
	words = len / 8;
	if (mode == MODE_LITERAL) {
		if ((size_t)(end - p) < len - 8)
			return 0;
		memcpy(out, &w0, 8);
		memcpy(out + 8, p, len - 8);
		p += len - 8;
	} else {
		const uint8_t *mask = p;
		uint32_t same = rlen < len ? rlen : len;

		if ((size_t)(end - p) < (words - 1 + 7) / 8)
			return 0;
		p += (words - 1 + 7) / 8;
		/* The reference's words (zeros past its end), then the ones
		 * the mask says differ. */
		if (ref)
			memcpy(out, ref, same);
		else
			same = 0;
		memset(out + same, 0, len - same);
		memcpy(out, &w0, 8);
		for (uint32_t k = 0; k < (words - 1 + 7) / 8; k++) {
			for (unsigned int m = mask[k]; m; m &= m - 1) {
				uint32_t i = 1 + k * 8 + (uint32_t)__builtin_ctz(m);
				uint64_t v;

				if (i >= words)
					break;
				memcpy(&v, out + i * 8, 8);
				if (!get_delta(&p, end, v, &v))
					return 0;
				memcpy(out + i * 8, &v, 8);
			}
		}
	}
	ring_push(c, type, out, len);
	*pp = p;
	return len;
}

int sl__unpack_batch(struct sl_pack *p, const uint8_t **pp,
		     const uint8_t *end, uint32_t *conn, uint8_t *out,
		     size_t room, size_t *len)
{
	uint64_t v, n;
	struct sl__pack_conn *c;
	bool gone = false;
	size_t used = 0;

	if (!get_varint(pp, end, &v) || v > UINT32_MAX ||
	    !get_varint(pp, end, &n))
		return -EINVAL;
	*conn = (uint32_t)v;
	if (n & 1) {
		n >>= 1;
		if (n > room || n > (uint64_t)(end - *pp))
			return -EINVAL;
		memcpy(out, *pp, n);
		*pp += n;
		*len = n;
		return 0;
	}
	n >>= 1;
	if (!n || n > room / sizeof(struct sl_hdr))
		return -EINVAL;
	c = conn_of(p, *conn, true);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t got;

		if (*pp == end)
			return -EINVAL;
		got = unpack_record(c, pp, end, out + used, room - used);
		if (!got)
			return -EINVAL;
		gone |= ((const struct sl_hdr *)(out + used))->type ==
			SL_REC_GONE;
		used += got;
	}
	if (gone)
		conn_forget(p, *conn);
	*len = used;
	return 0;
}
