/*
 * socklens export -f jsonl|sockets|epoll|chrome|html [-o OUT] FILE
 *
 * jsonl: one JSON object per record, streamed from the file in order
 * (export_jsonl.c). sockets: one JSON object per socket of the model;
 * epoll: one per epoll instance; chrome and html: the renderers. The
 * schemas are in the README; a field is added, never renamed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "cmd/cmd.h"
#include "socklens/policy.h"
#include "out/out.h"

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

static void json_errno(FILE *f, int err)
{
	if (err)
		fprintf(f, "\"%s\"", sl_errno_name(err));
	else
		fputs("null", f);
}

/* What happened to it without being its fate: failed calls it lived
 * through, waits cut short; the first ones the model kept, and how many
 * more there were. */
static void export_incidents(FILE *f, const struct sl_sock *s)
{
	fputs(",\"incidents\":[", f);
	for (uint32_t i = 0; i < s->nincs; i++) {
		const struct sl_incident *in = &s->incs[i];

		fprintf(f, "%s{\"call\":\"%s\",\"errno\":", i ? "," : "",
			sl_call_name(in->call));
		json_errno(f, in->err);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"ts_ns\":%llu,"
			"\"dur_ns\":%llu}", in->pid, in->tid,
			(unsigned long long)in->ts,
			(unsigned long long)in->dur_ns);
	}
	fprintf(f, "],\"incidents_more\":%llu",
		(unsigned long long)(s->incs_total - s->nincs));
}

static void json_u32_or_null(FILE *f, const char *key, uint32_t v)
{
	if (v)
		fprintf(f, ",\"%s\":%u", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

/* Passed to another process over a UNIX socket (SCM_RIGHTS). */
static void export_handoffs(FILE *f, const struct sl_sock *s)
{
	fputs(",\"handoffs\":[", f);
	for (uint32_t i = 0; i < s->nhandoffs; i++) {
		const struct sl_handoff *h = &s->handoffs[i];

		fputs(i ? ",{" : "{", f);
		fprintf(f, "\"ts_ns\":%llu", (unsigned long long)h->ts);
		json_u64_or_null(f, "sent_ns", h->sent_ns);
		json_u32_or_null(f, "from_pid", h->from_pid);
		json_u32_or_null(f, "to_pid", h->to_pid);
		json_u32_or_null(f, "via", h->via);
		json_u32_or_null(f, "received_on", h->received_on);
		fputc('}', f);
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
	json_errno(f, s->err);
	json_u64_or_null(f, "error_ns", s->err ? s->err_ns : 0);
	fprintf(f, ",\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"tx_calls\":%llu,"
		"\"rx_calls\":%llu,\"eagain\":%llu",
		(unsigned long long)s->tx_bytes, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->tx_calls, (unsigned long long)s->rx_calls,
		(unsigned long long)s->eagain);
	if (s->peeks)
		fprintf(f, ",\"peeks\":%llu", (unsigned long long)s->peeks);
	/* What the preload could not see on it: its bytes are at least
	 * those said. */
	fprintf(f, ",\"unseen\":[%s]", s->stdio ? "\"stdio\"" : "");
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
	export_incidents(f, s);
	export_handoffs(f, s);
	sl_sock_caller(m, s, caller, sizeof(caller));
	fprintf(f, ",\"open_at_exit\":%s,\"open_at_end\":%s,\"caller\":",
		s->open_at_exit ? "true" : "false",
		!s->closed && !s->open_at_exit ? "true" : "false");
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
	rc = which < 0 ? sl_export_jsonl(argv[optind], out) :
	     export_model(argv[optind], out, (enum model_format)which);
	if (fflush(out) || (outp && fclose(out))) {
		fprintf(stderr, "%s: writing %s: %s\n", sl_prog(),
			outp ? outp : "stdout", strerror(errno));
		return 1;
	}
	return rc;
}
