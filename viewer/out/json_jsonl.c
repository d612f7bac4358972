/*
 * export -f jsonl: one JSON object per record, streamed from the trace
 * file in file order, for log pipelines (memory does not grow with the
 * trace). Numbers are the record's, with names beside them where a
 * person would look one up (jsonl_names.c: the caller's function,
 * readiness events, the exact bytes of a string that is not UTF-8). The
 * schema is socklens-export(5)'s; a field is added, never renamed.
 */
#include <stdlib.h>
#include <string.h>

#include "socklens/policy.h"
#include "file/trace.h"
#include "intake/intake.h"
#include "out/out.h"

struct jsonl_ctx {
	FILE *out;
	struct sl_jsonl_names *names;
	uint32_t *pids;		/* connection number -> kernel pid */
	uint32_t npids;
	uint64_t dropped;	/* the processes' drop records, summed */
	uint64_t first_ns;	/* the earliest time seen */
};

static void json_call_flags(FILE *f, unsigned int flags)
{
	static const char *const names[] = { "nonblock", "first-io", "eof",
					     "untracked", "outcome", "value",
					     "local-of-listener", "syscall",
					     "stdio" };
	bool first = true;

	fputs(",\"flags\":[", f);
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", names[i]);
		first = false;
	}
	fputc(']', f);
}

/* ,"KEY":"address" (null when none), its bytes beside it when the
 * address (a UNIX path) is not UTF-8 text. */
static void jsonl_addr(FILE *f, const char *key, const struct sl_addr *a)
{
	char buf[256];
	int n = sl_addr_format(a, buf, sizeof(buf));

	if (!a->len)
		fprintf(f, ",\"%s\":null", key);
	else
		sl_jsonl_str(f, key, buf, (size_t)n < sizeof(buf) ?
			     (size_t)n : sizeof(buf) - 1);
}

/* An option call's level and option by name, beside arg0 and arg1. */
static void jsonl_sockopt(FILE *f, const struct sl_rec_call *c)
{
	const struct sl_evt e = {
		.call = c->call, .flags = c->flags, .arg0 = c->arg0,
		.arg1 = c->arg1,
	};
	struct sl_sockopt o;

	if (!sl_evt_sockopt(&e, &o))
		return;
	if (o.level_name)
		fprintf(f, ",\"level_name\":\"%s\"", o.level_name);
	if (o.name)
		fprintf(f, ",\"option_name\":\"%s\"", o.name);
}

static void jsonl_call(struct jsonl_ctx *x, uint32_t pid,
		       const struct sl_rec_call *c,
		       const struct sl_rec_call_addr *a)
{
	FILE *f = x->out;

	fprintf(f, ",\"call\":\"%s\",\"fd\":%d,\"ret\":%lld,\"errno\":",
		sl_call_name(c->call), c->fd, (long long)c->ret);
	if (c->err)
		fprintf(f, "\"%s\"", sl_errno_name(c->err));
	else
		fputs("null", f);
	fprintf(f, ",\"dur_ns\":%llu,\"caller\":\"0x%llx\"",
		(unsigned long long)c->dur_ns, (unsigned long long)c->caller);
	sl_jsonl_caller(f, x->names, pid, c->caller);
	fprintf(f, ",\"inode\":%llu", (unsigned long long)c->inode);
	if (c->inode2)
		fprintf(f, ",\"inode2\":%llu", (unsigned long long)c->inode2);
	fprintf(f, ",\"arg0\":%lld,\"arg1\":%lld", (long long)c->arg0,
		(long long)c->arg1);
	jsonl_sockopt(f, c);
	fprintf(f, ",\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"tx_calls\":%u,"
		"\"rx_calls\":%u,\"eagain\":%u",
		(unsigned long long)c->tx_bytes,
		(unsigned long long)c->rx_bytes, c->tx_calls, c->rx_calls,
		c->eagain);
	if (c->peeks)
		fprintf(f, ",\"peeks\":%u", c->peeks);
	json_call_flags(f, c->flags);
	if (a) {
		jsonl_addr(f, "addr", &a->addr);
		jsonl_addr(f, "local", &a->local);
	}
}

static void jsonl_hello(FILE *f, const struct sl_rec_hello *h)
{
	bool exact = true;

	fprintf(f, ",\"ppid\":%u,\"uid\":%u", h->ppid, h->uid);
	sl_jsonl_str(f, "exe", h->exe, strlen(h->exe));
	fputs(",\"argv\":[", f);
	for (uint32_t off = 0; off < h->args_len;) {
		size_t n = strnlen(h->args + off, h->args_len - off);

		fputs(off ? "," : "", f);
		sl_json_str(f, h->args + off, n);
		exact &= sl_utf8_exact(h->args + off, n);
		off += (uint32_t)n + 1;
	}
	/* Every argument's exact bytes when one is not text. */
	for (uint32_t off = 0; !exact && off < h->args_len;) {
		size_t n = strnlen(h->args + off, h->args_len - off);

		fputs(off ? "\",\"" : "],\"argv_hex\":[\"", f);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%02x", (unsigned char)h->args[off + i]);
		off += (uint32_t)n + 1;
		if (off >= h->args_len)
			fputc('"', f);
	}
	fprintf(f, "],\"mono_ns\":%llu,\"real_ns\":%llu,\"forked\":%s,"
		"\"reconnect\":%s",
		(unsigned long long)h->mono_ns, (unsigned long long)h->real_ns,
		(h->flags & SL_HELLO_FORKED) ? "true" : "false",
		(h->flags & SL_HELLO_RECONNECT) ? "true" : "false");
}

static const char *const rec_names[SL_REC_TYPE_MAX] = {
	[SL_REC_HELLO] = "hello", [SL_REC_MODULE] = "module",
	[SL_REC_CALL] = "call", [SL_REC_CALL_ADDR] = "call",
	[SL_REC_DROP] = "drop", [SL_REC_CONN] = "connect",
	[SL_REC_GONE] = "gone", [SL_REC_EPOLL_CTL] = "epoll_ctl",
	[SL_REC_WAIT] = "wait", [SL_REC_POLICY_INFO] = "policy_info",
	[SL_REC_POLICY] = "policy", [SL_REC_RESOLVE] = "resolve",
	[SL_REC_SNIFF] = "sniff", [SL_REC_TLS] = "tls",
	[SL_REC_HTTP] = "http", [SL_REC_TCPINFO] = "tcpinfo",
};

static void jsonl_policy(struct jsonl_ctx *x, uint32_t pid,
			 const struct sl_rec_policy *r)
{
	FILE *f = x->out;
	static const char *const when[SL_PW_MAX] = {
		"create", "bind", "connect", "connected", "listen", "accept",
		"setsockopt",
	};

	fprintf(f, ",\"fd\":%d,\"inode\":%llu,\"option\":\"%s\",\"level\":%d,"
		"\"optname\":%d,\"action\":\"%s\",\"when\":\"%s\",\"line\":%u,"
		"\"program_value\":%lld,\"value\":%lld,\"ret\":%d,\"errno\":",
		r->fd, (unsigned long long)r->inode, r->opt, r->level,
		r->optname, sl_action_names[r->action], when[r->when],
		r->line, (long long)r->prog_value, (long long)r->value, r->ret);
	if (r->err)
		fprintf(f, "\"%s\"", sl_errno_name(r->err));
	else
		fputs("null", f);
	fprintf(f, ",\"audit\":%s,\"program_gave\":%s,\"late\":%s,"
		"\"misfit\":%s,\"caller\":\"0x%llx\"",
		r->flags & SL_PF_AUDIT ? "true" : "false",
		r->flags & SL_PF_PROG ? "true" : "false",
		r->flags & SL_PF_LATE ? "true" : "false",
		r->flags & SL_PF_MISFIT ? "true" : "false",
		(unsigned long long)r->caller);
	sl_jsonl_caller(f, x->names, pid, r->caller);
}

static void jsonl_policy_info(FILE *f, const struct sl_rec_policy_info *r)
{
	sl_jsonl_str(f, "path", r->path, strlen(r->path));
	fprintf(f, ",\"audit\":%s,\"rules\":%u,\"refused\":%s",
		r->audit ? "true" : "false", r->rules, r->bad ? "true" : "false");
	sl_jsonl_str(f, "message", r->message, strlen(r->message));
}

static void jsonl_epoll_ctl(struct jsonl_ctx *x, uint32_t pid,
			    const struct sl_rec_epoll_ctl *e)
{
	FILE *f = x->out;
	static const char *const ops[] = { "?", "add", "del", "mod" };

	fprintf(f, ",\"epoll\":\"0x%llx\",\"epfd\":%d,\"op\":\"%s\",\"fd\":%d,"
		"\"inode\":%llu,\"events\":%u,\"data\":\"0x%llx\",\"ret\":%d,"
		"\"errno\":", (unsigned long long)e->epoll_id, e->epfd,
		ops[e->op], e->fd, (unsigned long long)e->inode, e->events,
		(unsigned long long)e->data, e->ret);
	if (e->err)
		fprintf(f, "\"%s\"", sl_errno_name(e->err));
	else
		fputs("null", f);
	sl_jsonl_events(f, "event_names", e->events);
	fprintf(f, ",\"caller\":\"0x%llx\"", (unsigned long long)e->caller);
	sl_jsonl_caller(f, x->names, pid, e->caller);
}

static void jsonl_wait(struct jsonl_ctx *x, uint32_t pid,
		       const struct sl_rec_wait *w)
{
	FILE *f = x->out;
	fprintf(f, ",\"call\":\"%s\",\"ret\":%d,\"errno\":", sl_call_name(w->call),
		w->ret);
	if (w->err)
		fprintf(f, "\"%s\"", sl_errno_name(w->err));
	else
		fputs("null", f);
	fprintf(f, ",\"dur_ns\":%llu,\"timeout_ms\":%d,\"caller\":\"0x%llx\"",
		(unsigned long long)w->dur_ns, w->timeout_ms,
		(unsigned long long)w->caller);
	sl_jsonl_caller(f, x->names, pid, w->caller);
	if (w->epoll_id)
		fprintf(f, ",\"epoll\":\"0x%llx\",\"epfd\":%d",
			(unsigned long long)w->epoll_id, w->epfd);
	fprintf(f, ",\"nfds\":%u,\"idle_polls\":%u,\"more\":%u,\"ready\":[",
		w->nfds, w->idle_polls, w->more);
	for (uint32_t i = 0; i < w->nready; i++) {
		const struct sl_ready *r = &w->ready[i];

		if (w->epoll_id)
			fprintf(f, "%s{\"data\":\"0x%llx\",\"events\":%u",
				i ? "," : "", (unsigned long long)r->key,
				r->events);
		else
			fprintf(f, "%s{\"fd\":%d,\"inode\":%llu,\"events\":%u",
				i ? "," : "", r->fd, (unsigned long long)r->key,
				r->events);
		sl_jsonl_events(f, "event_names", r->events);
		fputc('}', f);
	}
	fputc(']', f);
}

static void jsonl_record(void *vctx, uint32_t conn, const struct sl_hdr *h)
{
	struct jsonl_ctx *x = vctx;
	FILE *f = x->out;
	uint32_t pid;

	if (h->type == SL_REC_DROP)
		x->dropped += ((const struct sl_rec_drop *)h)->records;
	if (h->ts_ns && (!x->first_ns || h->ts_ns < x->first_ns))
		x->first_ns = h->ts_ns;

	if (h->type == SL_REC_CONN && conn < (1u << 26)) {
		if (conn >= x->npids) {
			uint32_t n = conn * 2 + 16;
			uint32_t *p = realloc(x->pids, n * sizeof(*p));

			if (!p)
				return;
			memset(p + x->npids, 0, (n - x->npids) * sizeof(*p));
			x->pids = p;
			x->npids = n;
		}
		x->pids[conn] = ((const struct sl_rec_conn *)h)->pid;
	}
	pid = conn < x->npids ? x->pids[conn] : 0;
	fprintf(f, "{\"type\":\"%s\",\"ts_ns\":%llu,\"pid\":%u,\"tid\":%u",
		rec_names[h->type], (unsigned long long)h->ts_ns, pid, h->tid);
	switch (h->type) {
	case SL_REC_CALL:
		jsonl_call(x, pid, (const struct sl_rec_call *)h, NULL);
		break;
	case SL_REC_CALL_ADDR:
		jsonl_call(x, pid, (const struct sl_rec_call *)h,
			   (const struct sl_rec_call_addr *)h);
		break;
	case SL_REC_HELLO:
		sl_jsonl_names_hello(x->names, (const struct sl_rec_hello *)h);
		jsonl_hello(f, (const struct sl_rec_hello *)h);
		break;
	case SL_REC_EPOLL_CTL:
		jsonl_epoll_ctl(x, pid, (const struct sl_rec_epoll_ctl *)h);
		break;
	case SL_REC_WAIT:
		jsonl_wait(x, pid, (const struct sl_rec_wait *)h);
		break;
	case SL_REC_POLICY:
		jsonl_policy(x, pid, (const struct sl_rec_policy *)h);
		break;
	case SL_REC_POLICY_INFO:
		jsonl_policy_info(f, (const struct sl_rec_policy_info *)h);
		break;
	case SL_REC_MODULE: {
		const struct sl_rec_module *m = (const void *)h;

		sl_jsonl_names_module(x->names, pid, m);
		fprintf(f, ",\"base\":\"0x%llx\",\"start\":\"0x%llx\","
			"\"end\":\"0x%llx\"", (unsigned long long)m->base,
			(unsigned long long)m->start,
			(unsigned long long)m->end);
		sl_jsonl_str(f, "path", m->path, strlen(m->path));
		break;
	}
	case SL_REC_DROP: {
		const struct sl_rec_drop *d = (const struct sl_rec_drop *)h;

		fprintf(f, ",\"records\":%llu,\"reason\":\"%s\"",
			(unsigned long long)d->records,
			d->reason == SL_DROP_NO_FD ? "no-fd" : "unsent");
		if (d->pid)
			fprintf(f, ",\"child_pid\":%u", d->pid);
		break;
	}
	case SL_REC_GONE:
		fprintf(f, ",\"bad\":%s",
			((const struct sl_rec_gone *)h)->bad_records ? "true" :
								       "false");
		break;
	default:
		sl_jsonl_waterfall(f, h);
		if (h->type == SL_REC_RESOLVE)
			sl_jsonl_caller(f, x->names, pid,
					((const struct sl_rec_resolve *)h)->caller);
		break;
	}
	fputs("}\n", f);
}

int sl_export_jsonl(const char *path, FILE *out)
{
	struct jsonl_ctx x = { .out = out, .names = sl_jsonl_names_new() };
	struct sl_reader r;
	struct sl_frame fr;
	const uint8_t *payload;
	char gaps[512];
	int n, err = sl_reader_open(&r, path);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path,
			r.why[0] ? r.why : strerror(-err));
		sl_jsonl_names_free(x.names);
		return 1;
	}
	while ((n = sl_reader_next(&r, &fr, &payload)) > 0) {
		char why[160] = "";

		sl_frame_records(fr.conn, payload, fr.len, jsonl_record, &x, why,
				 sizeof(why));
		if (why[0])
			fprintf(stderr, "%s: %s: skipped a bad record: %s\n",
				sl_prog(), path, why);
	}
	if (r.torn)
		fprintf(stderr, "%s: %s: torn tail: %s; everything before it "
			"was read\n", sl_prog(), path, r.why);
	/* An incomplete trace ends with a line that says so. */
	if (sl_gaps_text(&r.gaps, x.dropped, x.first_ns, gaps, sizeof(gaps))) {
		fprintf(stderr, "%s: %s: trace incomplete: %s\n", sl_prog(),
			path, gaps);
		fputs("{\"incomplete\":", out);
		sl_json_str(out, gaps, strlen(gaps));
		fputs("}\n", out);
	}
	sl_reader_close(&r);
	sl_jsonl_names_free(x.names);
	free(x.pids);
	return n < 0 ? 1 : 0;
}
