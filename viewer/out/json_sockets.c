/*
 * export -f sockets: one JSON object per socket of the model, written as
 * the model hands each one over (sockets retire as they end: out/
 * export.c), then those still open. The fields are socklens-export(5)'s;
 * a field is added, never renamed.
 */
#include <string.h>

#include "out/out.h"
#include "socklens/policy.h"

static void export_pacts(FILE *f, const struct sl_model *m,
			 const struct sl_sock *s)
{
	const char *path = sl_sock_policy_path(m, s);
	char buf[64], rule[SL_PATH_MAX + 16];

	fputs(",\"policy\":[", f);
	for (uint32_t i = 0; i < s->npacts; i++) {
		const struct sl_policy_act *a = &s->pacts[i];
		int n = snprintf(rule, sizeof(rule), "%s:%u", path, a->line);

		fprintf(f, "%s{\"rule\":", i ? "," : "");
		sl_json_str(f, rule, (size_t)n < sizeof(rule) ? (size_t)n :
				     sizeof(rule) - 1);
		fprintf(f, ",\"option\":\"%s\",\"action\":\"%s\",\"when\":\"%s\"",
			a->opt, sl_action_names[a->action],
			sl_policy_act_when(a));
		fputs(",\"program_value\":", f);
		if (a->flags & SL_PF_PROG) {
			sl_policy_act_value(a, a->prog_value, buf, sizeof(buf));
			sl_json_str(f, buf, strlen(buf));
		} else {
			fputs("null", f);
		}
		sl_policy_act_value(a, a->value, buf, sizeof(buf));
		fputs(",\"value\":", f);
		sl_json_str(f, buf, strlen(buf));
		fprintf(f, ",\"outcome\":\"%s\",\"late\":%s,\"ts_ns\":%llu}",
			sl_policy_act_outcome(a, buf, sizeof(buf)),
			(a->flags & SL_PF_LATE) ? "true" : "false",
			(unsigned long long)a->ts);
	}
	fputc(']', f);
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
		sl_json_errno(f, in->err);
		fprintf(f, ",\"pid\":%u,\"tid\":%u,\"ts_ns\":%llu,"
			"\"dur_ns\":%llu}", in->pid, in->tid,
			(unsigned long long)in->ts,
			(unsigned long long)in->dur_ns);
	}
	fprintf(f, "],\"incidents_more\":%llu",
		(unsigned long long)(s->incs_total - s->nincs));
}

/* A name, or the number when no name is known. */
static void name_or_num(FILE *f, const char *key, const char *name, int n)
{
	if (name)
		fprintf(f, ",\"%s\":\"%s\"", key, name);
	else
		fprintf(f, ",\"%s\":%d", key, n);
}

/* The option calls among its kept calls (the first SL_EVENTS_KEPT):
 * what the program set, and SO_ERROR asked after a pending connect. */
static void export_options(FILE *f, const struct sl_sock *s)
{
	bool first = true;

	fputs(",\"options\":[", f);
	for (uint32_t i = 0; i < s->nevts; i++) {
		const struct sl_evt *e = &s->evts[i];
		struct sl_sockopt o;

		if (!sl_evt_sockopt(e, &o))
			continue;
		fprintf(f, "%s{\"call\":\"%s\"", first ? "" : ",",
			sl_call_name(e->call));
		first = false;
		name_or_num(f, "level", o.level_name, o.level);
		name_or_num(f, "option", o.name, o.optname);
		fputs(",\"value\":", f);
		if (o.has_value && o.is_errno && o.value)
			sl_json_errno(f, (int)o.value);
		else if (o.has_value)
			fprintf(f, "%lld", (long long)o.value);
		else
			fputs("null", f);
		fprintf(f, ",\"ret\":%lld,\"errno\":", (long long)e->ret);
		sl_json_errno(f, e->ret < 0 ? e->err : 0);
		fprintf(f, ",\"pid\":%u,\"fd\":%d,\"ts_ns\":%llu}", e->pid,
			e->fd, (unsigned long long)e->ts);
	}
	fputc(']', f);
}

/* Passed to another process over a UNIX socket (SCM_RIGHTS). */
static void export_handoffs(FILE *f, const struct sl_sock *s)
{
	fputs(",\"handoffs\":[", f);
	for (uint32_t i = 0; i < s->nhandoffs; i++) {
		const struct sl_handoff *h = &s->handoffs[i];

		fputs(i ? ",{" : "{", f);
		fprintf(f, "\"ts_ns\":%llu", (unsigned long long)h->ts);
		sl_json_u64_or_null(f, "sent_ns", h->sent_ns);
		sl_json_u32_or_null(f, "from_pid", h->from_pid);
		sl_json_u32_or_null(f, "to_pid", h->to_pid);
		sl_json_u32_or_null(f, "via", h->via);
		sl_json_u32_or_null(f, "received_on", h->received_on);
		fputc('}', f);
	}
	fputc(']', f);
}

static void export_pids(FILE *f, const char *key, const uint32_t *pids,
			uint32_t n)
{
	fprintf(f, ",\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", pids[i]);
	fputc(']', f);
}

/* Who let it go last: the closers, and the holders that exited, whose
 * lets may have been the last (several when they overlapped in time;
 * the named one first). */
static void export_closed_by(FILE *f, const struct sl_sock *s)
{
	uint32_t pids[SL_LASTS_KEPT];

	export_pids(f, "closed_by", pids,
		    sl_sock_closed_by(s, pids, SL_LASTS_KEPT));
	export_pids(f, "exited_by", pids,
		    sl_sock_exited_by(s, pids, SL_LASTS_KEPT));
}

void sl_json_sock(FILE *f, const struct sl_model *m,
			const struct sl_sock *s)
{
	char caller[400];

	/* inode: the kernel's when known, else the socket's name (one
	 * number, as before names); sock_name: the trace's key for it
	 * (socklens-export(5)). */
	fprintf(f, "{\"id\":%u,\"inode\":%llu,\"sock_name\":%llu,\"pid\":%u,"
		"\"pids\":[", s->id,
		(unsigned long long)(s->kernel_inode ? s->kernel_inode :
				     s->inode),
		(unsigned long long)s->inode, s->creator_pid);
	for (uint32_t i = 0; i < s->npids; i++)
		fprintf(f, "%s%u", i ? "," : "", s->pids[i]);
	fprintf(f, "],\"fd\":%d,\"family\":\"%s\",", s->creator_fd,
		sl_family_name(s->family));
	fprintf(f, "\"type\":\"%s\",\"role\":\"%s\"", sl_type_name(s->type),
		sl_role_name(s->role));
	sl_json_addr(f, "local", &s->local);
	sl_json_addr(f, "remote", &s->remote);
	fprintf(f, ",\"start_ns\":%llu", (unsigned long long)s->start_ns);
	sl_json_u64_or_null(f, "end_ns", s->closed ? s->end_ns : 0);
	fputs(",\"states\":[", f);
	for (uint32_t i = 0; i < s->nspans; i++) {
		fprintf(f, "%s{\"state\":\"%s\",\"start_ns\":%llu", i ? "," : "",
			sl_state_name(s->spans[i].state),
			(unsigned long long)s->spans[i].start_ns);
		sl_json_u64_or_null(f, "end_ns", s->spans[i].end_ns);
		fputc('}', f);
	}
	fputs("],\"error\":", f);
	sl_json_errno(f, s->err);
	sl_json_u64_or_null(f, "error_ns", s->err ? s->err_ns : 0);
	fprintf(f, ",\"tx_bytes\":%llu,\"rx_bytes\":%llu,\"tx_calls\":%llu,"
		"\"rx_calls\":%llu,\"eagain\":%llu",
		(unsigned long long)s->tx_bytes, (unsigned long long)s->rx_bytes,
		(unsigned long long)s->tx_calls, (unsigned long long)s->rx_calls,
		(unsigned long long)s->eagain);
	if (s->peeks)
		fprintf(f, ",\"peeks\":%llu", (unsigned long long)s->peeks);
	/* What the preload could not see on it: its bytes are at least
	 * those said. */
	fprintf(f, ",\"unseen\":[%s%s%s]", s->stdio ? "\"stdio\"" : "",
		s->stdio && s->killed ? "," : "",
		s->killed ? "\"killed\"" : "");
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
	sl_json_u64_or_null(f, "connect_to_accept_ns", s->peer_id ?
			 s->connect_to_accept_ns : 0);
	fprintf(f, ",\"nonblocking\":%s,\"epoll\":[",
		s->nonblocking ? "true" : "false");
	for (uint32_t i = 0; i < s->nepolls; i++)
		fprintf(f, "%s%u", i ? "," : "", s->epolls[i]);
	fprintf(f, "],\"ready_events\":%llu",
		(unsigned long long)s->ready_events);
	export_pacts(f, m, s);
	export_options(f, s);
	export_incidents(f, s);
	export_handoffs(f, s);
	sl_json_sock_waterfall(f, s);
	sl_sock_caller(m, s, caller, sizeof(caller));
	export_closed_by(f, s);
	fprintf(f, ",\"open_at_exit\":%s,\"open_at_end\":%s,\"caller\":",
		s->open_at_exit ? "true" : "false",
		!s->closed && !s->open_at_exit ? "true" : "false");
	sl_json_str(f, caller, strlen(caller));
	fprintf(f, ",\"caller_addr\":\"0x%llx\"}\n", (unsigned long long)s->caller);
}
