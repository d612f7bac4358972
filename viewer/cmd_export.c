/*
 * socklens export -f jsonl|sockets|epoll [-o OUT] FILE
 *
 * jsonl: one JSON object per record, streamed from the file in order
 * (for log pipelines; memory does not grow with the trace).
 * sockets: one JSON object per socket of the model; epoll: one per epoll
 * instance. The schemas are in the README; a field is added, never
 * renamed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "policy.h"
#include "render.h"

struct jsonl_ctx {
	FILE *out;
	uint32_t *pids;		/* connection number -> kernel pid */
	uint32_t npids;
};

static void json_addr(FILE *f, const char *key, const struct sl_addr *a)
{
	char buf[256];
	int n = sl_addr_format(a, buf, sizeof(buf));

	fprintf(f, ",\"%s\":", key);
	if (a->len)
		sl_json_str(f, buf, (size_t)n);
	else
		fputs("null", f);
}

static void json_call_flags(FILE *f, unsigned int flags)
{
	static const char *const names[] = { "nonblock", "first-io", "eof",
					     "untracked", "outcome", "value",
					     "local-of-listener" };
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

static void jsonl_call(FILE *f, const struct sl_rec_call *c,
		       const struct sl_rec_call_addr *a)
{
	fprintf(f, ",\"call\":\"%s\",\"fd\":%d,\"ret\":%lld,\"errno\":",
		sl_call_name(c->call), c->fd, (long long)c->ret);
	if (c->err)
		fprintf(f, "\"%s\"", sl_errno_name(c->err));
	else
		fputs("null", f);
	fprintf(f, ",\"dur_ns\":%llu,\"caller\":\"0x%llx\",\"inode\":%llu",
		(unsigned long long)c->dur_ns, (unsigned long long)c->caller,
		(unsigned long long)c->inode);
	if (c->inode2)
		fprintf(f, ",\"inode2\":%llu", (unsigned long long)c->inode2);
	fprintf(f, ",\"arg0\":%lld,\"arg1\":%lld", (long long)c->arg0,
		(long long)c->arg1);
	fprintf(f, ",\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"tx_calls\":%u,"
		"\"rx_calls\":%u,\"eagain\":%u",
		(unsigned long long)c->tx_bytes,
		(unsigned long long)c->rx_bytes, c->tx_calls, c->rx_calls,
		c->eagain);
	json_call_flags(f, c->flags);
	if (a) {
		json_addr(f, "addr", &a->addr);
		json_addr(f, "local", &a->local);
	}
}

static void jsonl_hello(FILE *f, const struct sl_rec_hello *h)
{
	fprintf(f, ",\"ppid\":%u,\"uid\":%u,\"exe\":", h->ppid, h->uid);
	sl_json_str(f, h->exe, strlen(h->exe));
	fputs(",\"argv\":[", f);
	for (uint32_t off = 0; off < h->args_len;) {
		size_t n = strnlen(h->args + off, h->args_len - off);

		fputs(off ? "," : "", f);
		sl_json_str(f, h->args + off, n);
		off += (uint32_t)n + 1;
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
	[SL_REC_POLICY] = "policy",
};

static void jsonl_policy(FILE *f, const struct sl_rec_policy *r)
{
	static const char *const when[SL_PW_MAX] = {
		"create", "bind", "connect", "connected", "listen", "accept",
		"setsockopt",
	};

	fprintf(f, ",\"fd\":%d,\"inode\":%llu,\"option\":\"%s\",\"level\":%d,"
		"\"optname\":%d,\"action\":\"%s\",\"when\":\"%s\",\"line\":%u,"
		"\"program_value\":%lld,\"value\":%lld,\"ret\":%d,\"errno\":",
		r->fd, (unsigned long long)r->inode, r->opt, r->level,
		r->optname, sl_action_names[r->action & 3], when[r->when],
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
}

static void jsonl_policy_info(FILE *f, const struct sl_rec_policy_info *r)
{
	fputs(",\"path\":", f);
	sl_json_str(f, r->path, strlen(r->path));
	fprintf(f, ",\"audit\":%s,\"rules\":%u,\"refused\":%s,\"message\":",
		r->audit ? "true" : "false", r->rules, r->bad ? "true" : "false");
	sl_json_str(f, r->message, strlen(r->message));
}

static void jsonl_epoll_ctl(FILE *f, const struct sl_rec_epoll_ctl *e)
{
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
	fprintf(f, ",\"caller\":\"0x%llx\"", (unsigned long long)e->caller);
}

static void jsonl_wait(FILE *f, const struct sl_rec_wait *w)
{
	fprintf(f, ",\"call\":\"%s\",\"ret\":%d,\"errno\":", sl_call_name(w->call),
		w->ret);
	if (w->err)
		fprintf(f, "\"%s\"", sl_errno_name(w->err));
	else
		fputs("null", f);
	fprintf(f, ",\"dur_ns\":%llu,\"timeout_ms\":%d,\"caller\":\"0x%llx\"",
		(unsigned long long)w->dur_ns, w->timeout_ms,
		(unsigned long long)w->caller);
	if (w->epoll_id)
		fprintf(f, ",\"epoll\":\"0x%llx\",\"epfd\":%d",
			(unsigned long long)w->epoll_id, w->epfd);
	fprintf(f, ",\"nfds\":%u,\"idle_polls\":%u,\"more\":%u,\"ready\":[",
		w->nfds, w->idle_polls, w->more);
	for (uint32_t i = 0; i < w->nready; i++) {
		const struct sl_ready *r = &w->ready[i];

		if (w->epoll_id)
			fprintf(f, "%s{\"data\":\"0x%llx\",\"events\":%u}",
				i ? "," : "", (unsigned long long)r->key,
				r->events);
		else
			fprintf(f, "%s{\"fd\":%d,\"inode\":%llu,\"events\":%u}",
				i ? "," : "", r->fd, (unsigned long long)r->key,
				r->events);
	}
	fputc(']', f);
}

static void jsonl_record(void *vctx, uint32_t conn, const struct sl_hdr *h)
{
	struct jsonl_ctx *x = vctx;
	FILE *f = x->out;

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
	fprintf(f, "{\"type\":\"%s\",\"ts_ns\":%llu,\"pid\":%u,\"tid\":%u",
		rec_names[h->type], (unsigned long long)h->ts_ns,
		conn < x->npids ? x->pids[conn] : 0, h->tid);
	switch (h->type) {
	case SL_REC_CALL:
		jsonl_call(f, (const struct sl_rec_call *)h, NULL);
		break;
	case SL_REC_CALL_ADDR:
		jsonl_call(f, (const struct sl_rec_call *)h,
			   (const struct sl_rec_call_addr *)h);
		break;
	case SL_REC_HELLO:
		jsonl_hello(f, (const struct sl_rec_hello *)h);
		break;
	case SL_REC_EPOLL_CTL:
		jsonl_epoll_ctl(f, (const struct sl_rec_epoll_ctl *)h);
		break;
	case SL_REC_WAIT:
		jsonl_wait(f, (const struct sl_rec_wait *)h);
		break;
	case SL_REC_POLICY:
		jsonl_policy(f, (const struct sl_rec_policy *)h);
		break;
	case SL_REC_POLICY_INFO:
		jsonl_policy_info(f, (const struct sl_rec_policy_info *)h);
		break;
	case SL_REC_MODULE: {
		const struct sl_rec_module *m = (const void *)h;

		fprintf(f, ",\"base\":\"0x%llx\",\"start\":\"0x%llx\","
			"\"end\":\"0x%llx\",\"path\":",
			(unsigned long long)m->base,
			(unsigned long long)m->start,
			(unsigned long long)m->end);
		sl_json_str(f, m->path, strlen(m->path));
		break;
	}
	case SL_REC_DROP:
		fprintf(f, ",\"records\":%llu",
			(unsigned long long)((const struct sl_rec_drop *)h)->records);
		break;
	case SL_REC_GONE:
		fprintf(f, ",\"bad\":%s",
			((const struct sl_rec_gone *)h)->bad_records ? "true" :
								       "false");
		break;
	default:
		break;
	}
	fputs("}\n", f);
}

static int export_jsonl(const char *path, FILE *out)
{
	struct jsonl_ctx x = { .out = out };
	struct sl_reader r;
	struct sl_frame fr;
	const uint8_t *payload;
	int n, err = sl_reader_open(&r, path);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path,
			r.why[0] ? r.why : strerror(-err));
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
	sl_reader_close(&r);
	free(x.pids);
	return n < 0 ? 1 : 0;
}

static void json_u64_or_null(FILE *f, const char *key, uint64_t v)
{
	if (v)
		fprintf(f, ",\"%s\":%llu", key, (unsigned long long)v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void export_pacts(FILE *f, const struct sl_model *m,
			 const struct sl_sock *s)
{
	const char *path = sl_sock_policy_path(m, s);
	char buf[64], rule[SL_PATH_MAX + 16];

	fputs(",\"policy\":[", f);
	for (uint32_t i = 0; i < s->npacts; i++) {
		const struct sl_pact *a = &s->pacts[i];
		int n = snprintf(rule, sizeof(rule), "%s:%u", path, a->line);

		fprintf(f, "%s{\"rule\":", i ? "," : "");
		sl_json_str(f, rule, (size_t)n < sizeof(rule) ? (size_t)n :
				     sizeof(rule) - 1);
		fprintf(f, ",\"option\":\"%s\",\"action\":\"%s\",\"when\":\"%s\"",
			a->opt, sl_action_names[a->action & 3], sl_pact_when(a));
		fputs(",\"program_value\":", f);
		if (a->flags & SL_PF_PROG) {
			sl_pact_value(a, a->prog_value, buf, sizeof(buf));
			sl_json_str(f, buf, strlen(buf));
		} else {
			fputs("null", f);
		}
		sl_pact_value(a, a->value, buf, sizeof(buf));
		fputs(",\"value\":", f);
		sl_json_str(f, buf, strlen(buf));
		fprintf(f, ",\"outcome\":\"%s\",\"late\":%s,\"ts_ns\":%llu}",
			sl_pact_outcome(a, buf, sizeof(buf)),
			(a->flags & SL_PF_LATE) ? "true" : "false",
			(unsigned long long)a->ts);
	}
	fputc(']', f);
}

static void export_sock(FILE *f, const struct sl_model *m,
			const struct sl_sock *s)
{
	char caller[400];

	fprintf(f, "{\"id\":%u,\"inode\":%llu,\"pid\":%u,\"pids\":[", s->id,
		(unsigned long long)s->inode, s->creator_pid);
	for (uint32_t i = 0; i < s->npids; i++)
		fprintf(f, "%s%u", i ? "," : "", s->pids[i]);
	fprintf(f, "],\"fd\":%d,\"family\":\"%s\",", s->creator_fd,
		sl_family_name(s->family));
	fprintf(f, "\"type\":\"%s\",\"role\":\"%s\"", sl_type_name(s->type),
		sl_role_name(s->role));
	json_addr(f, "local", &s->local);
	json_addr(f, "remote", &s->remote);
	fprintf(f, ",\"start_ns\":%llu", (unsigned long long)s->start_ns);
	json_u64_or_null(f, "end_ns", s->closed ? s->end_ns : 0);
	fputs(",\"states\":[", f);
	for (uint32_t i = 0; i < s->nspans; i++) {
		fprintf(f, "%s{\"state\":\"%s\",\"start_ns\":%llu", i ? "," : "",
			sl_state_name(s->spans[i].state),
			(unsigned long long)s->spans[i].start_ns);
		json_u64_or_null(f, "end_ns", s->spans[i].end_ns);
		fputc('}', f);
	}
	fputs("],\"error\":", f);
	if (s->err)
		fprintf(f, "\"%s\"", sl_errno_name(s->err));
	else
		fputs("null", f);
	fprintf(f, ",\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"tx_calls\":%llu,"
		"\"rx_calls\":%llu,\"eagain\":%llu",
		(unsigned long long)s->tx_bytes, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->tx_calls, (unsigned long long)s->rx_calls,
		(unsigned long long)s->eagain);
	fprintf(f, ",\"connect_failures\":%u,\"accepted\":%u,\"listener\":",
		s->connect_failures, s->accepted);
	if (s->listener_id)
		fprintf(f, "%u", s->listener_id);
	else
		fputs("null", f);
	fputs(",\"peer\":", f);
	if (s->peer_id)
		fprintf(f, "%u", s->peer_id);
	else
		fputs("null", f);
	json_u64_or_null(f, "connect_to_accept_ns", s->peer_id ?
			 s->connect_to_accept_ns : 0);
	fprintf(f, ",\"nonblocking\":%s,\"epoll\":[",
		s->nonblocking ? "true" : "false");
	for (uint32_t i = 0; i < s->nepolls; i++)
		fprintf(f, "%s%u", i ? "," : "", s->epolls[i]);
	fprintf(f, "],\"ready_events\":%llu",
		(unsigned long long)s->ready_events);
	export_pacts(f, m, s);
	sl_sock_caller(m, s, caller, sizeof(caller));
	fprintf(f, ",\"open_at_exit\":%s,\"caller\":", s->open_at_exit ? "true" :
								      "false");
	sl_json_str(f, caller, strlen(caller));
	fprintf(f, ",\"caller_addr\":\"0x%llx\"}\n", (unsigned long long)s->caller);
}

static void export_watch_events(FILE *f, uint32_t ev)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ EPOLLIN, "IN" }, { EPOLLOUT, "OUT" }, { EPOLLRDHUP, "RDHUP" },
		{ EPOLLPRI, "PRI" }, { EPOLLERR, "ERR" }, { EPOLLHUP, "HUP" },
		{ EPOLLET, "ET" }, { EPOLLONESHOT, "ONESHOT" },
		{ EPOLLEXCLUSIVE, "EXCLUSIVE" },
	};
	bool first = true;

	fputc('"', f);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(ev & names[i].bit))
			continue;
		fprintf(f, "%s%s", first ? "" : "|", names[i].name);
		first = false;
	}
	fputc('"', f);
}

static void export_epoll(FILE *f, const struct sl_epoll *ep)
{
	fprintf(f, "{\"id\":%u,\"pid\":%u,\"fd\":%d,\"start_ns\":%llu",
		ep->id, ep->creator_pid, ep->fd,
		(unsigned long long)ep->start_ns);
	json_u64_or_null(f, "end_ns", ep->closed ? ep->end_ns : 0);
	fprintf(f, ",\"waits\":%llu,\"events\":%llu,\"blocked_ns\":%llu,"
		"\"idle_polls\":%llu,\"watches\":[",
		(unsigned long long)ep->waits_total,
		(unsigned long long)ep->events_total,
		(unsigned long long)ep->blocked_ns,
		(unsigned long long)ep->idle_polls);
	for (uint32_t i = 0; i < ep->nwatches; i++) {
		const struct sl_watch *w = &ep->watches[i];

		fprintf(f, "%s{\"fd\":%d,\"socket\":", i ? "," : "", w->fd);
		if (w->s)
			fprintf(f, "%u", w->s->id);
		else
			fputs("null", f);
		fputs(",\"events\":", f);
		export_watch_events(f, w->events);
		fprintf(f, ",\"mods\":%llu,\"added_ns\":%llu",
			(unsigned long long)w->mods,
			(unsigned long long)w->added_ns);
		json_u64_or_null(f, "removed_ns", w->removed_ns);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

enum model_format { FMT_SOCKETS, FMT_EPOLL, FMT_CHROME, FMT_HTML };

static void export_retired(void *ctx, const struct sl_model *m,
			   const struct sl_sock *s)
{
	export_sock(ctx, m, s);
}

static int export_model(const char *path, FILE *out, enum model_format fmt)
{
	struct sl_model m;
	int err;

	sl_model_init(&m);
	/* Sockets stream out as they end, then those still open: memory
	 * follows the sockets open at once, not the trace's length. */
	if (fmt == FMT_SOCKETS) {
		m.retire = export_retired;
		m.retire_ctx = out;
	}
	err = sl_model_load(&m, path);
	if (!err) {
		for (uint32_t i = 0; fmt == FMT_SOCKETS && i < m.nsocks; i++)
			if (m.socks[i])
				export_sock(out, &m, m.socks[i]);
		for (uint32_t i = 0; fmt == FMT_EPOLL && i < m.nepolls; i++)
			export_epoll(out, m.epolls[i]);
		if (fmt == FMT_CHROME)
			sl_render_chrome(out, &m);
		if (fmt == FMT_HTML)
			sl_render_html(out, &m);
		if (m.torn)
			fprintf(stderr, "%s: %s: torn tail: %s; everything "
				"before it was read\n", sl_prog(), path,
				m.torn_why);
	}
	sl_model_free(&m);
	return err ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s export -f jsonl|sockets|epoll|chrome|html [-o OUT] FILE\n"
		"  jsonl    one JSON object per record, in file order\n"
		"  sockets  one JSON object per socket\n"
		"  epoll    one JSON object per epoll instance\n"
		"  chrome   Trace Event JSON that Perfetto (ui.perfetto.dev) opens\n"
		"  html     one self-contained page: timeline, zoom, hover, filters\n",
		sl_prog());
}

int sl_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *fmt = NULL, *outp = NULL;
	FILE *out = stdout;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	static const char *const formats[] = {
		[FMT_SOCKETS] = "sockets", [FMT_EPOLL] = "epoll",
		[FMT_CHROME] = "chrome", [FMT_HTML] = "html",
	};
	int which = -1;

	for (int i = 0; fmt && i < (int)(sizeof(formats) / sizeof(formats[0])); i++)
		if (!strcmp(fmt, formats[i]))
			which = i;
	if (!fmt || optind != argc - 1 || (which < 0 && strcmp(fmt, "jsonl"))) {
		usage(stderr);
		return 2;
	}
	if (outp && !(out = fopen(outp, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), outp, strerror(errno));
		return 1;
	}
	rc = which < 0 ? export_jsonl(argv[optind], out) :
	     export_model(argv[optind], out, (enum model_format)which);
	if (fflush(out) || (outp && fclose(out))) {
		fprintf(stderr, "%s: writing %s: %s\n", sl_prog(),
			outp ? outp : "stdout", strerror(errno));
		return 1;
	}
	return rc;
}
