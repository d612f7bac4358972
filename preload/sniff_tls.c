/*
 * TLS without decrypting: a record-layer tracker per direction, the
 * framing of the first handshake message each way, and the parsers of
 * the two hellos (RFC 8446 4.1, RFC 5246 7.4; extensions RFC 6066 3,
 * RFC 7301, RFC 8446 4.2).
 *
 * The tracker holds at most a record header (5 bytes) between chunks and
 * skips record bodies in O(1) per chunk, so its cost is per record, not
 * per byte. Handshake records (type 22) are framed into messages until
 * each side's hello has gone by: the client's first message must be a
 * ClientHello; the server's a ServerHello, and after a HelloRetryRequest
 * the next one too. A hello whole in one chunk is parsed where it lies;
 * one split over records or chunks is joined in the caller's buffer (up
 * to its size: what does not fit is lost, and said so). After the hellos
 * nothing of a record body is looked at but a plaintext alert's two
 * bytes. sniff.h says what the record types can and cannot tell about
 * the end of the handshake; is_app() decides it.
 *
 * The parsers read through a bounded reader (struct rd) that fails
 * rather than read past its end; every length in a hello is checked
 * against the bytes that are there, and a hello cut by the buffer keeps
 * the extensions that arrived whole.
 */
#include <string.h>

#include "sniff.h"

#define REC_MAX (16384 + 2048)	/* TLSCiphertext, RFC 5246 6.2.3 */
#define HS_MSG_MAX 65536	/* a larger hello is taken for garbage */
#define ENC_MAX 16		/* type-23 records to find the end in */

enum rec_type {
	REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23,
	REC_HEARTBEAT = 24,
};
enum hs_type { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2 };
enum hs_state { HS_WANT = 0, HS_DONE };
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
static bool parse_client_hello(struct sl_tls_info *i, const uint8_t *p,
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
	if (r.n == 0 && !trunc)
		return true;	/* no extensions: TLS 1.0 style */
	if (!walk_exts(i, &r, trunc, false))
		return false;
	if (!i->ch_max_version)
		i->ch_max_version = (uint16_t)ver;
	return true;
}

/* A ServerHello's body; *HRR says whether it is a HelloRetryRequest. */
static bool parse_server_hello(struct sl_tls_info *i, const uint8_t *p,
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

/* ---- Events ---- */

static void emit(const struct sl_tls *t, enum sl_sniff_dir dir,
		 enum sl_sniff_ev_type type, size_t at, const char *why,
		 sl_sniff_cb cb, void *ctx)
{
	struct sl_sniff_ev ev = {
		.type = type, .dir = dir, .at = at, .proto = SL_PROTO_TLS,
		.tls = &t->info, .why = why,
	};

	cb(ctx, &ev);
}

static void broken(struct sl_tls *t, enum sl_sniff_dir dir, size_t at,
		   const char *why, sl_sniff_cb cb, void *ctx)
{
	t->d[dir].phase = SL_TLS_PH_BROKEN;
	emit(t, dir, SL_EV_TLS_BROKEN, at, why, cb, ctx);
}

/* ---- Handshake messages ---- */

/* A whole (or buffer-cut) hello of DIR: parse it, say what it was. */
static void hs_message(struct sl_tls *t, enum sl_sniff_dir dir,
		       const uint8_t *p, size_t have, size_t at,
		       sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];
	size_t declared = d->hs_len;
	bool ok, hrr = false;

	if (have < declared)
		t->info.flags |= SL_TLS_F_TRUNC;
	if (d->hs_hdr[0] == HS_CLIENT_HELLO)
		ok = parse_client_hello(&t->info, p, have, declared);
	else
		ok = parse_server_hello(&t->info, p, have, declared, &hrr);
	if (!ok)
		t->info.flags |= SL_TLS_F_BAD;
	/* After a HelloRetryRequest the server's next message is its hello. */
	d->hs = ok && hrr ? HS_WANT : HS_DONE;
	d->hs_hdr_have = 0;
	if (!ok)
		return;
	if (d->hs_hdr[0] == HS_CLIENT_HELLO)
		emit(t, dir, SL_EV_TLS_CLIENT_HELLO, at, NULL, cb, ctx);
	else
		emit(t, dir, hrr ? SL_EV_TLS_HRR : SL_EV_TLS_SERVER_HELLO, at,
		     NULL, cb, ctx);
}

/* A message header is complete: is it the hello this side should send? */
static bool hs_begin(struct sl_tls *t, enum sl_sniff_dir dir)
{
	struct sl_tls_dir *d = &t->d[dir];
	uint8_t type = d->hs_hdr[0];

	if (t->client_dir < 0 && type == HS_CLIENT_HELLO)
		t->client_dir = (int8_t)dir;
	else if (t->client_dir < 0 && type == HS_SERVER_HELLO)
		t->client_dir = (int8_t)!dir;
	if (t->client_dir < 0 ||
	    type != (t->client_dir == (int)dir ? HS_CLIENT_HELLO
					       : HS_SERVER_HELLO))
		return false;
	d->hs_len = (uint32_t)d->hs_hdr[1] << 16 | d->hs_hdr[2] << 8 |
		    d->hs_hdr[3];
	d->hs_at = 0;
	return d->hs_len <= HS_MSG_MAX;
}

/* Takes the caller's buffer for DIR's split hello, if it is free. */
static bool claim_buf(struct sl_tls *t, enum sl_sniff_dir dir)
{
	if (!t->cap || (t->buf_owner >= 0 && t->buf_owner != (int)dir))
		return false;
	t->buf_owner = (int8_t)dir;
	t->buf_have = 0;
	return true;
}

/* N bytes of handshake-record body of DIR at P, AT in the chunk. */
static void hs_bytes(struct sl_tls *t, enum sl_sniff_dir dir,
		     const uint8_t *p, size_t n, size_t at, sl_sniff_cb cb,
		     void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];

	while (n > 0 && d->hs == HS_WANT) {
		size_t take;

		if (d->hs_hdr_have < 4) {
			take = 4u - d->hs_hdr_have;
			take = take < n ? take : n;
			memcpy(d->hs_hdr + d->hs_hdr_have, p, take);
			d->hs_hdr_have += (uint8_t)take;
			p += take, n -= take, at += take;
			if (d->hs_hdr_have < 4)
				return;
			if (!hs_begin(t, dir)) {
				t->info.flags |= SL_TLS_F_BAD;
				d->hs = HS_DONE;
				return;
			}
			if (n >= d->hs_len) {
				/* Whole here: parse it in place. */
				take = d->hs_len;
				hs_message(t, dir, p, take, at + take, cb, ctx);
				p += take, n -= take, at += take;
			} else if (!claim_buf(t, dir)) {
				t->info.flags |= SL_TLS_F_LOST;
				d->hs = HS_DONE;
			}
			continue;
		}
		take = d->hs_len - d->hs_at;
		take = take < n ? take : n;
		if (t->buf_have < t->cap) {
			size_t room = t->cap - t->buf_have;
			size_t k = take < room ? take : room;

			memcpy(t->buf + t->buf_have, p, k);
			t->buf_have += (uint16_t)k;
		}
		d->hs_at += (uint32_t)take;
		p += take, n -= take, at += take;
		if (d->hs_at == d->hs_len) {
			t->buf_owner = -1;
			hs_message(t, dir, t->buf, t->buf_have, at, cb, ctx);
		}
	}
}

/* ---- Records ---- */

/* The length of a TLS 1.3 Finished record under the chosen cipher
 * suite: 4 + hash + 1 (the inner content type) + the AEAD tag. */
static unsigned fin_len(uint16_t cipher)
{
	unsigned hash = cipher == 0x1302 ? 48 : 32;	/* AES_256_GCM_SHA384 */
	unsigned tag = cipher == 0x1305 ? 8 : 16;	/* AES_128_CCM_8 */

	return 4 + hash + 1 + tag;
}

/* Is a type-23 record that begins now in DIR application data? */
static bool is_app(struct sl_tls *t, enum sl_sniff_dir dir)
{
	const struct sl_tls_info *i = &t->info;

	if (!(i->flags & SL_TLS_F_SH) || t->client_dir < 0) {
		t->info.flags |= SL_TLS_F_GUESS;
		return true;
	}
	if (i->version != TLS13)
		return true;
	if (t->client_dir == (int)dir)
		return (i->flags & SL_TLS_F_EARLY_DATA) || t->d[dir].fin_seen;
	return t->d[t->client_dir].fin_seen;
}

/* The first byte of a record of DIR, AT in the chunk: its type. */
static void rec_begins(struct sl_tls *t, enum sl_sniff_dir dir, uint8_t type,
		       size_t at, sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];

	if (type < REC_CCS || type > REC_HEARTBEAT) {
		broken(t, dir, at, "not a TLS record type", cb, ctx);
		return;
	}
	if (type != REC_APPDATA)
		return;
	if (d->n_enc++ == 0) {
		d->phase = SL_TLS_PH_ENCRYPTED;
		emit(t, dir, SL_EV_TLS_ENCRYPTED, at, NULL, cb, ctx);
	}
	if (is_app(t, dir)) {
		d->phase = SL_TLS_PH_APPDATA;
		emit(t, dir, SL_EV_TLS_APPDATA, at, NULL, cb, ctx);
	} else if (d->n_enc >= ENC_MAX) {
		d->phase = SL_TLS_PH_GAVEUP;
		emit(t, dir, SL_EV_TLS_BROKEN, at,
		     "no end of handshake found in 16 encrypted records", cb,
		     ctx);
	}
}

/* A record header of DIR is complete (AT: the byte after it). */
static void rec_header(struct sl_tls *t, enum sl_sniff_dir dir, size_t at,
		       sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];
	uint8_t type = d->hdr[0];

	d->rec_len = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
	if (d->hdr[1] != 3 || d->hdr[2] > 4 || d->rec_len > REC_MAX ||
	    (d->rec_len == 0 && type != REC_APPDATA)) {
		broken(t, dir, at, "bad TLS record header", cb, ctx);
		return;
	}
	d->left = d->rec_len;
	d->alert_have = 0;
	if (type == REC_APPDATA && t->info.version == TLS13 &&
	    t->client_dir == (int)dir && !d->fin_seen &&
	    d->rec_len == fin_len(t->info.cipher))
		d->fin_seen = 1;
}

/* Two plaintext alert bytes are complete. */
static void alert(struct sl_tls *t, enum sl_sniff_dir dir, size_t at,
		  sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];

	if (t->info.flags & SL_TLS_F_ALERT)
		return;
	t->info.flags |= SL_TLS_F_ALERT;
	t->info.alert_level = d->alert[0];
	t->info.alert_desc = d->alert[1];
	emit(t, dir, SL_EV_TLS_ALERT, at, NULL, cb, ctx);
}

/* N bytes of the current record's body at P (AT in the chunk). */
static void rec_body(struct sl_tls *t, enum sl_sniff_dir dir,
		     const uint8_t *p, size_t n, size_t at, sl_sniff_cb cb,
		     void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];

	if (d->hdr[0] == REC_HANDSHAKE && d->hs == HS_WANT)
		hs_bytes(t, dir, p, n, at, cb, ctx);
	/* Two bytes, before any encryption: a plaintext alert. */
	if (d->hdr[0] == REC_ALERT && d->rec_len == 2 && d->n_enc == 0 &&
	    d->alert_have < 2) {
		while (n > 0 && d->alert_have < 2) {
			d->alert[d->alert_have++] = *p++;
			n--, at++;
		}
		if (d->alert_have == 2)
			alert(t, dir, at, cb, ctx);
	}
}

void sl_tls_init(struct sl_tls *t, void *buf, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->cap = buf ? (cap > 65535 ? 65535 : (uint16_t)cap) : 0;
	t->buf_owner = -1;
	t->client_dir = -1;
}

void sl_tls_feed(struct sl_tls *t, enum sl_sniff_dir dir, const void *buf,
		 size_t len, sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];
	const uint8_t *p = buf;
	size_t off = 0, take;

	while (off < len && d->phase < SL_TLS_PH_APPDATA) {
		if (d->hdr_have < 5) {
			if (d->hdr_have == 0) {
				rec_begins(t, dir, p[off], off, cb, ctx);
				if (d->phase >= SL_TLS_PH_APPDATA)
					return;
			}
			take = 5u - d->hdr_have;
			take = take < len - off ? take : len - off;
			memcpy(d->hdr + d->hdr_have, p + off, take);
			d->hdr_have += (uint8_t)take;
			off += take;
			if (d->hdr_have == 5)
				rec_header(t, dir, off, cb, ctx);
		} else {
			take = d->left < len - off ? d->left : len - off;
			rec_body(t, dir, p + off, take, off, cb, ctx);
			d->left -= (uint32_t)take;
			off += take;
		}
		if (d->hdr_have == 5 && d->left == 0)
			d->hdr_have = 0;	/* the next record */
	}
}

void sl_tls_lost(struct sl_tls *t, enum sl_sniff_dir dir, sl_sniff_cb cb,
		 void *ctx)
{
	if (t->d[dir].phase < SL_TLS_PH_APPDATA)
		broken(t, dir, 0, "the start of this direction was not seen",
		       cb, ctx);
}

bool sl_tls_done(const struct sl_tls *t)
{
	return t->d[0].phase >= SL_TLS_PH_APPDATA &&
	       t->d[1].phase >= SL_TLS_PH_APPDATA;
}

static const struct {
	uint16_t version;
	const char *name;
} version_names[] = {
	{ 0x0300, "3.0" }, { 0x0301, "1.0" }, { 0x0302, "1.1" },
	{ 0x0303, "1.2" }, { 0x0304, "1.3" },
};

const char *sl_tls_version_name(uint16_t version)
{
	for (size_t k = 0; k < sizeof(version_names) / sizeof(*version_names);
	     k++)
		if (version_names[k].version == version)
			return version_names[k].name;
	return NULL;
}
