/*
 * HTTP/1.x: a head's lines read whole (sniff_http.c reads them a byte
 * at a time). Most heads come whole in one chunk, each line in its
 * usual form: a request line "METHOD SP target SP HTTP/1.x", a status
 * line, "Name: value". Such a line, found whole at a line's start, is
 * checked in one pass and its effects made at once: a name is scanned
 * to its colon and, unless it is one of the two that frame a message
 * (told by its length, then compared), the value is skipped to its
 * line feed with memchr; nothing is copied but a target. A line that is
 * not whole in the chunk, or is in any other form (bad, or rare: a
 * CR inside a framing value, blank lines between messages, a head
 * nearing 64 KiB), is left alone before anything changes, and the byte
 * reader takes it: it knows every form and every way to give up, so
 * this file needs to know only the usual ones. Both readers must tell
 * the same story; tests/unit/test_sniff.c feeds the same streams whole
 * and a byte at a time and compares.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sniff_http.h"

/* The end of the line at P: the index of its LF, CE the end of its
 * content (before a CR LF's CR); 0 when there is no LF in N bytes. */
static size_t line_feed(const uint8_t *p, size_t from, size_t n, size_t *ce)
{
	const uint8_t *q = memchr(p + from, '\n', n - from);
	size_t lf;

	if (!q)
		return 0;
	lf = (size_t)(q - p);
	*ce = lf > from && p[lf - 1] == '\r' ? lf - 1 : lf;
	return lf;
}

static uint64_t load8(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* "HTTP/1.d" at P: the digit's value, or -1. */
static int version_at(const uint8_t *p)
{
	return memcmp(p, "HTTP/1.", 7) == 0 && p[7] >= '0' && p[7] <= '9' ?
		       p[7] - '0' : -1;
}

/* The start line's direction is the one requests (or responses) take. */
static bool side_ok(struct sl_http_run *r, bool response)
{
	int want = response ? !r->dir : (int)r->dir;

	if (r->h->client_dir >= 0 && r->h->client_dir != want)
		return false;
	r->h->client_dir = (int8_t)want;
	return true;
}

/* The line is taken: LEN bytes of the head, a header line next. */
static void took(struct sl_http_dir *d, size_t len)
{
	d->msg.head += (uint32_t)len;
	d->state = ST_LINE;
	d->pos = 0;
	d->num = 0;
	d->hdr = HDR_NONE;
}

/* "HTTP/1.x SP ddd [SP reason] CRLF". */
static size_t status_line(struct sl_http_run *r, const uint8_t *p, size_t n,
			  size_t at)
{
	size_t ce, lf;
	int minor = version_at(p);

	if (minor < 0 || n < 13 || p[8] != ' ' || p[9] < '1' || p[9] > '9' ||
	    p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9')
		return 0;
	lf = line_feed(p, 12, n, &ce);
	if (!lf || (p[12] != ' ' && ce != 12) || lf + 1 > SL_HTTP_HEAD_MAX ||
	    !side_ok(r, true))
		return 0;
	sl_http_begin_msg(r, at);
	r->d->msg.flags |= SL_HTTP_F_RESPONSE;
	r->d->msg.minor = (uint8_t)minor;
	r->d->msg.status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 +
				      (p[11] - '0'));
	took(r->d, lf + 1);
	sl_http_status_line(r, at + lf + 1);
	return lf + 1;
}

/* The end of a target from P[J] on: its first byte at or below space
 * or DEL (N bytes in all), sixteen at a time with SSE2 while sixteen
 * are left. */
static size_t target_end(const uint8_t *p, size_t j, size_t n)
{
#ifdef __SSE2__
	for (; j + 16 <= n; j += 16) {
		const __m128i x = _mm_loadu_si128((const void *)(p + j));
		unsigned e = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)),
			_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(' ')), x)));

		if (e)
			return j + (size_t)__builtin_ctz(e);
	}
#endif
	while (j < n && p[j] > ' ' && p[j] != 0x7f)
		j++;
	return j;
}

/* "METHOD SP target SP HTTP/1.x CRLF". */
static size_t request_line(struct sl_http_run *r, const uint8_t *p, size_t n,
			   size_t at)
{
	struct sl_http_msg *m = &r->d->msg;
	size_t k = 0, t, j, len, keep;
	int minor;

	while (k < n && k <= SL_HTTP_METHOD_MAX && sl_http_tchar(p[k]))
		k++;
	if (k == 0 || k > SL_HTTP_METHOD_MAX || k >= n || p[k] != ' ')
		return 0;
	t = k + 1;
	j = target_end(p, t, n);
	if (j == t || n - j < 11 || p[j] != ' ' ||
	    (minor = version_at(p + j + 1)) < 0)
		return 0;
	if (p[j + 9] == '\n')
		len = j + 10;
	else if (p[j + 9] == '\r' && p[j + 10] == '\n')
		len = j + 11;
	else
		return 0;
	if (len > SL_HTTP_HEAD_MAX || !side_ok(r, false))
		return 0;
	sl_http_begin_msg(r, at);
	memcpy(m->method, p, k);
	keep = j - t < SL_HTTP_TARGET_MAX ? j - t : SL_HTTP_TARGET_MAX;
	memcpy(m->target, p + t, keep);
	m->target[keep] = '\0';
	m->target_len = (uint32_t)(j - t);
	if (j - t > SL_HTTP_TARGET_MAX)
		m->flags |= SL_HTTP_F_TARGET_CUT;
	m->minor = (uint8_t)minor;
	took(r->d, len);
	sl_http_request_line(r, at + len);
	return len;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The bytes of X (eight of a line, the first lowest) that end a name,
 * one at or below space or ':' (sl_http_namec()), as their high bits:
 * exact for the lowest such byte (a borrow carries only upwards from
 * it), which is all name_len() reads. */
static uint64_t name_ends(uint64_t x)
{
	uint64_t c = x ^ (ONES * ':');

	return (((x - ONES * 0x21) & ~x) | ((c - ONES) & ~c)) & HIGHS;
}

/* The name's bytes at P, up to the line's LF at LF (which ends a name):
 * eight a step while eight are left up to the LF. */
static size_t name_len(const uint8_t *p, size_t lf)
{
	size_t k = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t m;

	for (; k + 8 <= lf + 1; k += 8)
		if ((m = name_ends(load8(p + k))))
			return k + ((unsigned)__builtin_ctzll(m) >> 3);
#endif
	while (sl_http_namec(p[k]))
		k++;
	return k;
}

/* The header line at P (N bytes left): the index of its LF, and its
 * name's length K (up to the first byte at or below space or ':', which
 * the LF is); false when no LF is in N bytes. With SSE2 (any x86-64)
 * the first sixteen bytes give both at once for most lines (the name
 * ends in them), and the LF is looked for sixteen bytes a step; a
 * longer name, or fewer than sixteen bytes, is read as before. */
static bool line_at(const uint8_t *p, size_t n, size_t *lf, size_t *k)
{
	const uint8_t *q;
#ifdef __SSE2__
	if (n >= 16) {
		const __m128i x = _mm_loadu_si128((const void *)p);
		unsigned e = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(x, _mm_set1_epi8(':')),
			_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(' ')), x)));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')));
		size_t i = 0;

		if (e) {
			while (!m && (i += 16) + 16 <= n)
				m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
					_mm_loadu_si128((const void *)(p + i)),
					_mm_set1_epi8('\n')));
			if (!m) {
				q = memchr(p + i, '\n', n - i);
				if (!q)
					return false;
				*lf = (size_t)(q - p);
			} else {
				*lf = i + (size_t)__builtin_ctz(m);
			}
			*k = (size_t)__builtin_ctz(e);
			return true;
		}
	}
#endif
	q = memchr(p, '\n', n);
	if (!q)
		return false;
	*lf = (size_t)(q - p);
	*k = name_len(p, *lf);
	return true;
}

/* The name at P is WANT (K bytes, 8 or more, lowercase letters and
 * '-'), in any case: eight bytes at a time, the last eight overlapping.
 * A name's bytes are above space, and among those OR 0x20 makes only an
 * uppercase letter into another (its lowercase): 0x0d would become '-'
 * and 0x80 and above stay there. */
static bool name_is(const uint8_t *p, size_t k, const char *want)
{
	const uint64_t lc = 0x2020202020202020ull;
	size_t i;

	for (i = 0; i + 8 <= k; i += 8)
		if ((load8(p + i) | lc) != load8(want + i))
			return false;
	return i == k || (load8(p + k - 8) | lc) == load8(want + k - 8);
}

/* Is the name at P (K bytes) one that frames a message? */
static enum hdr framing(const uint8_t *p, size_t k)
{
	if (k == 14 && (p[0] | 0x20) == 'c')
		return name_is(p, k, "content-length") ? HDR_CL : HDR_NONE;
	if (k == 17 && (p[0] | 0x20) == 't')
		return name_is(p, k, "transfer-encoding") ? HDR_TE : HDR_NONE;
	return HDR_NONE;
}

/* A Content-Length value in its usual form, P[I, CE) OWS, 1 to 15
 * digits, OWS: its number, and the byte reader's pos after it (1, or 2
 * past OWS after the digits), as sl_http_value_cl() would leave them;
 * false for any other form, which is read a byte at a time. */
static bool plain_length(const uint8_t *p, size_t i, size_t ce,
			 uint64_t *num, uint32_t *pos)
{
	size_t j, e;

	*num = 0;
	while (i < ce && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (j = i; j < ce && j - i < 15 && p[j] >= '0' && p[j] <= '9'; j++)
		*num = *num * 10 + (uint64_t)(p[j] - '0');
	for (e = j; e < ce && (p[e] == ' ' || p[e] == '\t'); e++)
		;
	*pos = j < ce ? 2 : 1;
	return j > i && e == ce;
}

/* A framing header's value (K its name's length), read as the byte
 * reader reads it (a plain Content-Length at once), but for a CR inside
 * it: that line is left to it. */
static size_t framing_line(struct sl_http_run *r, enum hdr which,
			   const uint8_t *p, size_t k, size_t n, size_t at)
{
	struct sl_http_dir *d = r->d;
	size_t ce, lf = line_feed(p, k + 1, n, &ce);
	uint64_t num;
	uint32_t pos;
	bool plain;

	if (!lf || d->msg.head + lf + 1 > SL_HTTP_HEAD_MAX)
		return 0;
	plain = which == HDR_CL && plain_length(p, k + 1, ce, &num, &pos);
	if (!plain && memchr(p + k + 1, '\r', ce - (k + 1)))
		return 0;
	took(d, lf + 1);
	d->hdr = (uint8_t)which;
	if (plain) {
		d->num = num;
		d->pos = pos;
	} else {
		d->state = ST_VALUE;
		for (size_t i = k + 1; i < ce && !r->h->dead; i++) {
			if (which == HDR_CL)
				sl_http_value_cl(r, p[i], at + i);
			else
				sl_http_value_te(d, p[i]);
		}
		if (r->h->dead)
			return lf + 1;
		d->state = ST_LINE;
	}
	sl_http_value_done(r, at + lf + 1);
	return lf + 1;
}

/* The blank line that ends the head, at P (its first byte CR or LF). */
static size_t blank_line(struct sl_http_run *r, const uint8_t *p, size_t n,
			 size_t at)
{
	struct sl_http_dir *d = r->d;
	size_t len = p[0] == '\n' ? 1 : 2;

	if ((len == 2 && (n < 2 || p[1] != '\n')) ||
	    d->msg.head + len > SL_HTTP_HEAD_MAX)
		return 0;
	d->msg.head += (uint32_t)len;
	sl_http_head_done(r, at + len);
	return len;
}

/* OFF bytes of ordinary header lines were skipped; none: nothing
 * changes (a line left to the byte reader is left before anything). */
static void skipped(struct sl_http_dir *d, size_t off)
{
	if (off)
		took(d, off);
}

/* "Name: value CRLF" lines, up to and with the blank line that ends the
 * head, in one loop: an ordinary header's line is only skipped, and the
 * skipped bytes are counted into the head once, before anything else
 * (a framing header, the head's end, a line left to the byte reader). */
static size_t header_lines(struct sl_http_run *r, const uint8_t *p, size_t n,
			   size_t at)
{
	struct sl_http_dir *d = r->d;
	size_t off = 0, k, lf;
	enum hdr which;

	while (off < n) {
		if (p[off] == '\r' || p[off] == '\n') {
			skipped(d, off);
			return off + blank_line(r, p + off, n - off, at + off);
		}
		if (!line_at(p + off, n - off, &lf, &k))
			break;
		if (k == 0 || p[off + k] != ':' ||
		    d->msg.head + off + lf + 1 > SL_HTTP_HEAD_MAX)
			break;
		which = framing(p + off, k);
		if (which != HDR_NONE) {
			skipped(d, off);
			return off + framing_line(r, which, p + off, k,
						  n - off, at + off);
		}
		off += lf + 1;
	}
	skipped(d, off);
	return off;
}

static size_t one_line(struct sl_http_run *r, const uint8_t *p, size_t n,
		       size_t at)
{
	struct sl_http_dir *d = r->d;

	if (d->cr)
		return 0;
	if (d->state == ST_LINE)
		return header_lines(r, p, n, at);
	/* A message's first byte; blank lines before it are the byte
	 * reader's. */
	if (d->state != ST_FIRST || d->pos != 0 || p[0] == '\r' || p[0] == '\n')
		return 0;
	if (p[0] == 'H' && n > 8 && p[4] == '/')
		return status_line(r, p, n, at);
	return request_line(r, p, n, at);
}

size_t sl_http_lines(struct sl_http_run *r, const uint8_t *p, size_t n,
		     size_t at)
{
	size_t off = 0, k;

	/* A head ends in a body (or chunks), or in the next message. */
	while (off < n && !r->h->dead &&
	       (r->d->state == ST_LINE || r->d->state == ST_FIRST) &&
	       (k = one_line(r, p + off, n - off, at + off)))
		off += k;
	return off;
}
