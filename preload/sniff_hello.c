/*
 * The two hellos of a TLS handshake, parsed for the few fields sniff.h
 * keeps (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1; extensions: server_name
 * RFC 6066 3, ALPN RFC 7301, supported_versions and early_data RFC 8446
 * 4.2). Bodies only: the record layer and the message header are
 * sniff_tls.c's.
 *
 * Everything is read through a bounded reader (struct rd) that fails
 * rather than read past its end, so every length a hello declares is
 * checked against the bytes that are there. A hello cut short by the
 * caller's buffer (HAVE < DECLARED) keeps the extensions that arrived
 * whole and is not called malformed for the rest. The extensions read
 * are one table (ext_rows); the others are skipped.
 */
#include <string.h>

#include "sniff.h"

enum { TLS13 = 0x0304 };

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ---- A bounded reader ---- */

struct rd {
	const uint8_t *p;
	size_t n;		/* bytes left */
};

static bool rd_u8(struct rd *r, unsigned *v)
{
	if (r->n < 1)
		return false;
	*v = r->p[0];
	r->p++;
	r->n--;
	return true;
}

static bool rd_u16(struct rd *r, unsigned *v)
{
	if (r->n < 2)
		return false;
	*v = (unsigned)r->p[0] << 8 | r->p[1];
	r->p += 2;
	r->n -= 2;
	return true;
}

static bool rd_skip(struct rd *r, size_t k)
{
	if (r->n < k)
		return false;
	r->p += k;
	r->n -= k;
	return true;
}

/* The next K bytes as a reader of their own. */
static bool rd_sub(struct rd *r, size_t k, struct rd *sub)
{
	sub->p = r->p;
	sub->n = k;
	return rd_skip(r, k);
}

/* A vector with a 16-bit length that fills R exactly. */
static bool rd_vec16_all(struct rd *r)
{
	unsigned k;

	return rd_u16(r, &k) && k == r->n && k > 0;
}

/* ---- Extensions ---- */

/* RFC 8701: GREASE values, to be ignored. */
static bool grease16(unsigned v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* server_name: the first host_name, kept if every byte may be in one. */
static void ch_server_name(struct sl_tls_info *i, struct rd r)
{
	unsigned type, len;

	if (!rd_vec16_all(&r))
		goto bad;
	while (rd_u8(&r, &type) && rd_u16(&r, &len)) {
		struct rd name;

		if (!rd_sub(&r, len, &name))
			goto bad;
		if (type != 0)
			continue;
		if (len == 0 || len > SL_TLS_SNI_MAX)
			goto bad;
		for (size_t k = 0; k < len; k++)
			if (!host_char(name.p[k]))
				goto bad;
		memcpy(i->sni, name.p, len);
		i->sni[len] = '\0';
		return;
	}
	return;
bad:
	i->flags |= SL_TLS_F_SNI_BAD;
}

/* An ALPN protocol name worth keeping: short, printable, not GREASE. */
static bool alpn_keep(const uint8_t *p, unsigned len)
{
	if (len > SL_TLS_ALPN_MAX)
		return false;
	for (unsigned k = 0; k < len; k++)
		if (p[k] < 0x21 || p[k] > 0x7e)
			return false;
	return true;
}

static void ch_alpn(struct sl_tls_info *i, struct rd r)
{
	unsigned len;
	struct rd name;

	if (!rd_vec16_all(&r))
		return;
	while (rd_u8(&r, &len) && len > 0 && rd_sub(&r, len, &name)) {
		if (len == 2 && grease16((unsigned)name.p[0] << 8 | name.p[1]))
			continue;
		if (i->alpn_offered < 255)
			i->alpn_offered++;
		if (i->alpn_n < SL_TLS_ALPN_N && alpn_keep(name.p, len)) {
			memcpy(i->alpn[i->alpn_n], name.p, len);
			i->alpn[i->alpn_n++][len] = '\0';
		} else {
			i->flags |= SL_TLS_F_ALPN_MORE;
		}
	}
}

static void ch_early_data(struct sl_tls_info *i, struct rd r)
{
	i->flags |= SL_TLS_F_EARLY_DATA;
}

static void ch_versions(struct sl_tls_info *i, struct rd r)
{
	unsigned len, v;

	if (!rd_u8(&r, &len) || len != r.n || len < 2 || (len & 1))
		return;
	i->ch_max_version = 0;	/* it replaces legacy_version */
	while (rd_u16(&r, &v)) {
		if (grease16(v) || v < 0x0300 || v > TLS13)
			continue;
		i->ch_versions |= (uint8_t)(1u << (v - 0x0300));
		if (v > i->ch_max_version)
			i->ch_max_version = (uint16_t)v;
	}
}

static void sh_version(struct sl_tls_info *i, struct rd r)
{
	unsigned v;

	if (r.n == 2 && rd_u16(&r, &v))
		i->version = (uint16_t)v;
}

/* The server's choice: one name (RFC 7301 3.1). */
static void sh_alpn(struct sl_tls_info *i, struct rd r)
{
	unsigned len;

	if (!rd_vec16_all(&r) || !rd_u8(&r, &len) || len != r.n || len == 0)
		return;
	if (!alpn_keep(r.p, len)) {
		i->flags |= SL_TLS_F_ALPN_MORE;
		return;
	}
	memcpy(i->alpn_chosen, r.p, len);
	i->alpn_chosen[len] = '\0';
}

/* The extensions we read, in one table: type, in a ClientHello, in a
 * ServerHello (or HelloRetryRequest). */
static const struct ext_row {
	uint16_t type;
	void (*ch)(struct sl_tls_info *i, struct rd r);
	void (*sh)(struct sl_tls_info *i, struct rd r);
} ext_rows[] = {
	{ 0, ch_server_name, NULL },		/* server_name */
	{ 16, ch_alpn, sh_alpn },		/* ALPN */
	{ 42, ch_early_data, NULL },		/* early_data */
	{ 43, ch_versions, sh_version },	/* supported_versions */
};

/*
 * Walks the extensions block of a hello. TRUNC: the hello was cut by the
 * buffer, so the block may end early; the extensions that arrived whole
 * are read. False when the block is malformed.
 */
static bool walk_exts(struct sl_tls_info *i, struct rd *r, bool trunc,
		      bool server)
{
	unsigned total, type, len;
	struct rd all, ext;

	if (!rd_u16(r, &total))
		return trunc;
	if (total != r->n && !trunc)
		return false;
	rd_sub(r, total < r->n ? total : r->n, &all);
	while (rd_u16(&all, &type) && rd_u16(&all, &len)) {
		if (!rd_sub(&all, len, &ext))
			return trunc;
		for (size_t k = 0; k < sizeof(ext_rows) / sizeof(*ext_rows);
		     k++) {
			const struct ext_row *e = &ext_rows[k];
			void (*fn)(struct sl_tls_info *, struct rd) =
				server ? e->sh : e->ch;

			if (e->type == type && fn)
				fn(i, ext);
		}
	}
	return all.n == 0 || trunc;
}

/* A ClientHello's body: HAVE of its DECLARED bytes are at P. */
bool sl_tls_parse_client_hello(struct sl_tls_info *i, const uint8_t *p,
			       size_t have, size_t declared)
{
	struct rd r = { p, have };
	bool trunc = have < declared;
	unsigned ver, sid, cs, comp;

	if (!rd_u16(&r, &ver))
		return trunc;
	i->ch_version = (uint16_t)ver;
	if (!rd_skip(&r, 32) || !rd_u8(&r, &sid) || sid > 32 ||
	    !rd_skip(&r, sid) || !rd_u16(&r, &cs) || cs < 2 || (cs & 1) ||
	    !rd_skip(&r, cs) || !rd_u8(&r, &comp) || comp < 1 ||
	    !rd_skip(&r, comp))
		return trunc;
	i->flags |= SL_TLS_F_CH;
	i->ch_max_version = (uint16_t)ver;
	/* No extensions at all: TLS 1.0 style. */
	return (r.n == 0 && !trunc) || walk_exts(i, &r, trunc, false);
}

/* A ServerHello's body; *HRR says whether it is a HelloRetryRequest. */
bool sl_tls_parse_server_hello(struct sl_tls_info *i, const uint8_t *p,
			       size_t have, size_t declared, bool *hrr)
{
	struct rd r = { p, have };
	bool trunc = have < declared;
	unsigned ver, sid, cipher, comp;

	*hrr = false;
	if (!rd_u16(&r, &ver) || r.n < 32)
		return trunc;
	*hrr = memcmp(r.p, hrr_random, 32) == 0;
	if (!rd_skip(&r, 32) || !rd_u8(&r, &sid) || sid > 32 ||
	    !rd_skip(&r, sid) || !rd_u16(&r, &cipher) || !rd_u8(&r, &comp))
		return trunc;
	i->version = (uint16_t)ver;
	i->cipher = (uint16_t)cipher;
	i->alpn_chosen[0] = '\0';
	if (r.n > 0 || trunc)
		if (!walk_exts(i, &r, trunc, true))
			return false;
	if (*hrr) {
		i->flags |= SL_TLS_F_HRR;
	} else {
		i->flags |= SL_TLS_F_SH;
		if (i->version == TLS13)
			i->flags |= SL_TLS_F_ALPN_HIDDEN;
	}
	return true;
}
