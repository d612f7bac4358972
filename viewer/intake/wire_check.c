/*
 * Validation of records against the wire contract, before anything uses
 * them: by the collector on what a process sends, and by the reader on
 * what a trace file holds (a file is input too). A record passes only if
 * its size is its type's, its enums are in range and its strings end
 * inside it; whatever fails is named in st->why.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "intake/intake.h"

static int bad(struct sl_check *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct sl_check *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static int check_addr(struct sl_check *st, const struct sl_addr *a)
{
	if (a->len > sizeof(a->raw))
		return bad(st, "address length %u > %zu", a->len,
			   sizeof(a->raw));
	return 0;
}

static int check_call(struct sl_check *st, const struct sl_rec_call *c)
{
	if (c->call == SL_CALL_NONE || c->call >= SL_CALL_MAX)
		return bad(st, "unknown call %u", c->call);
	if (c->fd < -1)
		return bad(st, "fd %d", c->fd);
	if (c->err < 0 || c->err > 4095)
		return bad(st, "errno %d out of range", c->err);
	/* A hand-off names two fds: the one passed and its carrier. */
	if (c->call == SL_CALL_FD_SEND &&
	    (c->fd < 0 || c->arg0 < 0 || c->arg0 > INT32_MAX))
		return bad(st, "send-fd: fd %d passes fd %lld", c->fd,
			   (long long)c->arg0);
	/* An alias ties a name of the preload's to a kernel inode: one
	 * of each, or the reader would tie two sockets together. */
	if (c->call == SL_CALL_ALIAS &&
	    (c->fd < 0 || !sl_is_sock_name(c->inode) || !c->inode2 ||
	     c->inode2 >> 62))
		return bad(st, "alias: fd %d name %#llx inode %#llx", c->fd,
			   (unsigned long long)c->inode,
			   (unsigned long long)c->inode2);
	if (c->call == SL_CALL_FD_RECV &&
	    (c->fd < 0 || c->arg1 < 0 || c->arg1 > INT32_MAX))
		return bad(st, "recv-fd: fd %d from carrier fd %lld", c->fd,
			   (long long)c->arg1);
	return 0;
}

static int check_hello(struct sl_check *st, const struct sl_rec_hello *h)
{
	if (!terminated(h->exe, sizeof(h->exe)))
		return bad(st, "hello: exe not terminated");
	if (h->args_len > sizeof(h->args))
		return bad(st, "hello: args_len %u", h->args_len);
	if (h->args_len && h->args[h->args_len - 1] != '\0')
		return bad(st, "hello: args not terminated");
	if (!h->pid)
		return bad(st, "hello: pid 0");
	return 0;
}

static int check_resolve(struct sl_check *st, const struct sl_rec_resolve *r)
{
	if (r->api >= SL_RES_API_MAX)
		return bad(st, "resolve: api %u", r->api);
	if (r->naddr > SL_RESOLVE_ADDRS)
		return bad(st, "resolve: %u addresses, more than %d", r->naddr,
			   SL_RESOLVE_ADDRS);
	if (r->naddr < 32 && (r->v4 >> r->naddr))
		return bad(st, "resolve: IPv4 mark past the addresses");
	if (!terminated(r->name, sizeof(r->name)))
		return bad(st, "resolve: name not terminated");
	if (r->err < -4095 || r->err > 4095 || r->sys_errno < 0 ||
	    r->sys_errno > 4095)
		return bad(st, "resolve: error %d/%d out of range", r->err,
			   r->sys_errno);
	return 0;
}

static int check_sniff(struct sl_check *st, const struct sl_rec_sniff *r)
{
	if (r->fd < -1 || r->dir > 1)
		return bad(st, "sniff: fd %d dir %u", r->fd, r->dir);
	if (r->proto == SL_PROTO_NONE || r->proto >= SL_PROTO_COUNT ||
	    r->role > SL_SNIFF_ROLE_SERVER)
		return bad(st, "sniff: protocol %u role %u", r->proto, r->role);
	return 0;
}

static int check_tls(struct sl_check *st, const struct sl_rec_tls *r)
{
	if (r->fd < -1)
		return bad(st, "tls: fd %d", r->fd);
	if (r->alpn_n > SL_TLS_ALPN_N || r->alpn_n > r->alpn_offered)
		return bad(st, "tls: %u protocols kept of %u", r->alpn_n,
			   r->alpn_offered);
	if (r->client_dir > 1 && r->client_dir != 255)
		return bad(st, "tls: client direction %u", r->client_dir);
	if (!terminated(r->sni, sizeof(r->sni)) ||
	    !terminated(r->alpn_chosen, sizeof(r->alpn_chosen)))
		return bad(st, "tls: string not terminated");
	for (unsigned int i = 0; i < SL_TLS_ALPN_N; i++)
		if (!terminated(r->alpn[i], sizeof(r->alpn[i])))
			return bad(st, "tls: protocol %u not terminated", i);
	return 0;
}

static int check_http(struct sl_check *st, const struct sl_rec_http *r)
{
	if (r->fd < -1 || r->side > 1)
		return bad(st, "http: fd %d side %u", r->fd, r->side);
	if (r->status > 999)
		return bad(st, "http: status %u", r->status);
	if (!terminated(r->method, sizeof(r->method)) ||
	    !terminated(r->target, sizeof(r->target)))
		return bad(st, "http: string not terminated");
	return 0;
}

static int check_tcpinfo(struct sl_check *st, const struct sl_rec_tcpinfo *r)
{
	if (r->fd < -1 || r->when >= SL_TI_WHEN_MAX)
		return bad(st, "tcp_info: fd %d when %u", r->fd, r->when);
	return 0;
}

/*
 * Checks one record that starts at REC with AVAIL bytes left in its
 * batch. FROM_COLLECTOR allows the types only the collector writes.
 */
int sl_wire_check_rec(struct sl_check *st, const void *rec, size_t avail,
		      bool from_collector)
{
	const struct sl_hdr *h = rec;
	size_t want;

	if (avail < sizeof(*h))
		return bad(st, "%zu bytes left, less than a header", avail);
	if (h->version != SL_WIRE_VERSION)
		return bad(st, "wire version %u, expected %u", h->version,
			   SL_WIRE_VERSION);
	want = sl_rec_size(h->type);
	if (!want)
		return bad(st, "unknown record type %u", h->type);
	if (h->type == SL_REC_WAIT && h->size >= want && avail >= want) {
		const struct sl_rec_wait *w = rec;

		if (w->nready > SL_READY_MAX)
			return bad(st, "wait lists %u ready, more than %d",
				   w->nready, SL_READY_MAX);
		want += (size_t)w->nready * sizeof(struct sl_ready);
	}
	if (h->size != want)
		return bad(st, "record type %u has size %u, expected %zu",
			   h->type, h->size, want);
	if (h->size > avail)
		return bad(st, "record of %u bytes runs past the batch (%zu)",
			   h->size, avail);
	if (h->type == SL_REC_RING)
		return bad(st, "a ring record is transport, not a record");
	if (!from_collector &&
	    (h->type == SL_REC_CONN || h->type == SL_REC_GONE))
		return bad(st, "record type %u is the collector's", h->type);
	if (h->type == SL_REC_LOSS || h->type == SL_REC_PART)
		return bad(st, "record type %u is the trace file's", h->type);
	if (h->type != SL_REC_HELLO && h->type != SL_REC_CONN &&
	    h->type != SL_REC_GONE && !st->hello_seen)
		return bad(st, "record type %u before hello", h->type);

	switch (h->type) {
	case SL_REC_HELLO:
		st->hello_seen = true;
		return check_hello(st, rec);
	case SL_REC_MODULE:
		if (!terminated(((const struct sl_rec_module *)rec)->path,
				SL_PATH_MAX))
			return bad(st, "module path not terminated");
		return 0;
	case SL_REC_CALL:
		return check_call(st, rec);
	case SL_REC_CALL_ADDR: {
		const struct sl_rec_call_addr *a = rec;
		int err = check_call(st, &a->c);

		if (!err)
			err = check_addr(st, &a->addr);
		if (!err)
			err = check_addr(st, &a->local);
		return err;
	}
	case SL_REC_EPOLL_CTL: {
		const struct sl_rec_epoll_ctl *e = rec;

		if (e->op < 1 || e->op > 3)
			return bad(st, "epoll_ctl op %d", e->op);
		if (!(e->epoll_id & SL_EPOLL_ID_BIT))
			return bad(st, "epoll id without its mark");
		return 0;
	}
	case SL_REC_POLICY_INFO: {
		const struct sl_rec_policy_info *i = rec;

		if (!terminated(i->path, sizeof(i->path)) ||
		    !terminated(i->message, sizeof(i->message)))
			return bad(st, "policy info: string not terminated");
		return 0;
	}
	case SL_REC_POLICY: {
		const struct sl_rec_policy *pr = rec;

		if (pr->action >= SL_PA_MAX || pr->when >= SL_PW_MAX ||
		    pr->kind >= SL_PK_MAX)
			return bad(st, "policy action %u/%u/%u out of range",
				   pr->action, pr->when, pr->kind);
		if (!terminated(pr->opt, sizeof(pr->opt)))
			return bad(st, "policy option name not terminated");
		return 0;
	}
	case SL_REC_DROP: {
		const struct sl_rec_drop *d = rec;

		if (d->reason >= SL_DROP_REASON_MAX)
			return bad(st, "drop reason %u", d->reason);
		if (d->pid && d->reason != SL_DROP_NO_FD)
			return bad(st, "drop for pid %u without a reason",
				   d->pid);
		return 0;
	}
	case SL_REC_WAIT: {
		const struct sl_rec_wait *w = rec;

		if (w->call < SL_CALL_EPOLL_WAIT || w->call > SL_CALL_PSELECT)
			return bad(st, "wait call %u", w->call);
		if (w->err < 0 || w->err > 4095)
			return bad(st, "errno %d out of range", w->err);
		return 0;
	}
	case SL_REC_RESOLVE:
		return check_resolve(st, rec);
	case SL_REC_SNIFF:
		return check_sniff(st, rec);
	case SL_REC_TLS:
		return check_tls(st, rec);
	case SL_REC_HTTP:
		return check_http(st, rec);
	case SL_REC_TCPINFO:
		return check_tcpinfo(st, rec);
	default:
		return 0;
	}
}

/* A batch as a process sent it: one or more records, nothing left over. */
int sl_wire_check_batch(struct sl_check *st, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t off = 0;
	int err;

	if (!len)
		return bad(st, "empty batch");
	while (off < len) {
		err = sl_wire_check_rec(st, p + off, len - off, false);
		if (err)
			return err;
		off += ((const struct sl_hdr *)(p + off))->size;
	}
	return 0;
}

/*
 * The records of a trace file frame. Connections are checked
 * independently: a reader keeps one sl_check per connection number, but
 * a frame may also start a connection (SL_REC_CONN), which resets it.
 */
int sl_frame_records(uint32_t conn, const uint8_t *p, size_t len,
		     sl_rec_fn fn, void *ctx, char *why, size_t why_len)
{
	struct sl_check st = { .hello_seen = true };
	size_t off = 0;
	int n = 0;

	while (off < len) {
		const struct sl_hdr *h = (const struct sl_hdr *)(p + off);

		if (sl_wire_check_rec(&st, h, len - off, true)) {
			snprintf(why, why_len, "%s", st.why);
			return n;
		}
		fn(ctx, conn, h);
		off += h->size;
		n++;
		/* A file may hold a hello per connection; each is checked as
		 * a record, and order is the collector's business. */
		st.hello_seen = true;
	}
	return n;
}
