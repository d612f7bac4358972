/*
 * TLS without decrypting: a record-layer tracker per direction, and the
 * framing of the first handshake message each way (the hellos, parsed
 * by sniff_hello.c).
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
 */
#include <string.h>

#include "sniff.h"

#define REC_MAX (16384 + 2048)	/* TLSCiphertext, RFC 5246 6.2.3 */
#define HS_MSG_MAX 65536	/* a larger hello is taken for garbage */
#define ENC_MAX 16		/* type-23 records to find the end in */
#define ANSWER_MAX 64		/* the server's records to find an answer in */

enum rec_type {
	REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23,
	REC_HEARTBEAT = 24,
};
enum hs_type { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2 };
enum hs_state { HS_WANT = 0, HS_DONE };
enum { TLS13 = 0x0304 };

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
	if (t->buf_owner == (int)dir)
		t->buf_owner = -1;	/* its hello will not end */
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
		ok = sl_tls_parse_client_hello(&t->info, p, have, declared);
	else
		ok = sl_tls_parse_server_hello(&t->info, p, have, declared,
					       &hrr);
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
	if (d->phase < SL_TLS_PH_APPDATA && is_app(t, dir)) {
		d->phase = SL_TLS_PH_APPDATA;
		emit(t, dir, SL_EV_TLS_APPDATA, at, NULL, cb, ctx);
	} else if (d->phase < SL_TLS_PH_APPDATA && d->n_enc >= ENC_MAX) {
		d->phase = SL_TLS_PH_GAVEUP;
		emit(t, dir, SL_EV_TLS_BROKEN, at,
		     "no end of handshake found in 16 encrypted records", cb,
		     ctx);
		return;
	}
	/* The server's first record after the client's first data. */
	if (t->client_dir >= 0 && t->client_dir != (int)dir &&
	    t->d[t->client_dir].phase == SL_TLS_PH_APPDATA) {
		t->answered = 1;
		emit(t, dir, SL_EV_TLS_ANSWER, at, NULL, cb, ctx);
	} else if (d->n_enc >= ANSWER_MAX) {
		d->phase = SL_TLS_PH_GAVEUP;	/* a server that talks alone */
	}
}

/* Is DIR past all it can tell? The client's direction ends with its
 * first application data; the server's with its answer to that. */
static bool dir_done(const struct sl_tls *t, enum sl_sniff_dir dir)
{
	const struct sl_tls_dir *d = &t->d[dir];

	if (d->phase != SL_TLS_PH_APPDATA)
		return d->phase > SL_TLS_PH_APPDATA;
	return t->client_dir < 0 || t->client_dir == (int)dir || t->answered;
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

	while (off < len && !dir_done(t, dir)) {
		if (d->hdr_have < 5) {
			if (d->hdr_have == 0) {
				rec_begins(t, dir, p[off], off, cb, ctx);
				if (dir_done(t, dir))
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
	if (!dir_done(t, dir))
		broken(t, dir, 0, "the start of this direction was not seen",
		       cb, ctx);
}

void sl_tls_skip(struct sl_tls *t, enum sl_sniff_dir dir, uint64_t n,
		 sl_sniff_cb cb, void *ctx)
{
	struct sl_tls_dir *d = &t->d[dir];

	if (dir_done(t, dir) || n == 0)
		return;
	if (d->hdr_have == 5 && n <= d->left &&
	    !(d->hdr[0] == REC_HANDSHAKE && d->hs == HS_WANT) &&
	    d->hdr[0] != REC_ALERT) {
		d->left -= (uint32_t)n;
		if (d->left == 0)
			d->hdr_have = 0;
		return;
	}
	broken(t, dir, 0, "bytes went by unseen", cb, ctx);
}

bool sl_tls_done(const struct sl_tls *t)
{
	return dir_done(t, SL_SNIFF_OUT) && dir_done(t, SL_SNIFF_IN);
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
