/*
 * The waterfall in the JSON exports: a socket's name, protocol, TLS,
 * HTTP exchanges, TCP_INFO and phases in `export -f sockets` (from the
 * model), and the waterfall's records as jsonl lines (from the file).
 * The fields are socklens-export(5)'s; a field is added, never renamed.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "out/out.h"

/* ---- export -f sockets ---- */

static void key_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\":", key);
	sl_json_str(f, s, strlen(s));
}

static void str_or_null(FILE *f, const char *key, const char *s)
{
	fputc(',', f);
	if (s && s[0])
		key_str(f, key, s);
	else
		fprintf(f, "\"%s\":null", key);
}

static void tls_json(FILE *f, const struct sl_wf *wf)
{
	const struct sl_wf_tls *t = &wf->tls;
	const char *v = sl_tls_version_text(t->version);

	fputs(",\"tls\":", f);
	if (!wf->has_tls) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	if (t->sni[0])
		key_str(f, "sni", t->sni);
	else
		fputs("\"sni\":null", f);
	fputs(",\"alpn\":", f);
	if (t->alpn_chosen[0])
		sl_json_str(f, t->alpn_chosen, strlen(t->alpn_chosen));
	else
		fputs("null", f);
	fputs(",\"alpn_offered\":[", f);
	for (unsigned int i = 0; i < t->alpn_n; i++) {
		fputs(i ? "," : "", f);
		sl_json_str(f, t->alpn[i], strlen(t->alpn[i]));
	}
	fputs("]", f);
	str_or_null(f, "version", v);
	fprintf(f, ",\"side\":\"%s\",\"alpn_hidden\":%s",
		t->server ? "server" : "client",
		t->alpn_hidden ? "true" : "false");
	sl_json_u64_or_null(f, "hello_ns", t->hello_ns);
	sl_json_u64_or_null(f, "done_ns", t->done_ns);
	sl_json_u64_or_null(f, "answer_ns", t->answer_ns);
	fputc('}', f);
}

static void http_json(FILE *f, const struct sl_wf *wf)
{
	uint32_t n = wf ? wf->nhttp : 0;

	fputs(",\"http\":[", f);
	for (uint32_t i = 0; i < n; i++) {
		const struct sl_wf_http *h = &wf->http[i];

		fputs(i ? ",{" : "{", f);
		key_str(f, "method", h->method);
		fputc(',', f);
		key_str(f, "target", h->target);
		fputs(",\"status\":", f);
		if (h->status)
			fprintf(f, "%u", h->status);
		else
			fputs("null", f);
		sl_json_u64_or_null(f, "sent_ns", h->sent_ns);
		sl_json_u64_or_null(f, "first_byte_ns", h->first_byte_ns);
		sl_json_u64_or_null(f, "end_ns", h->end_ns);
		sl_json_u64_or_null(f, "req_end_ns", h->req_end_ns);
		fprintf(f, ",\"index\":%u,\"side\":\"%s\",\"target_cut\":%s}",
			h->index, h->server ? "server" : "client",
			h->target_cut ? "true" : "false");
	}
	fprintf(f, "],\"http_more\":%llu", (unsigned long long)(wf ?
		wf->http_total - wf->nhttp : 0));
}

static void tcpinfo_json(FILE *f, const struct sl_wf *wf)
{
	const struct sl_wf_tcpinfo *t = &wf->ti;

	fputs(",\"tcp_info\":", f);
	if (!wf->has_tcpinfo) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"rtt_us\":%u,\"rttvar_us\":%u,\"min_rtt_us\":%u,"
		"\"retrans\":%u,\"lost\":%u,\"delivery_rate\":%llu,"
		"\"limited_by\":\"%s\",\"busy_us\":%llu,\"rwnd_limited_us\":%llu,"
		"\"sndbuf_limited_us\":%llu,\"segs_out\":%llu,\"ts_ns\":%llu}",
		t->rtt_us, t->rttvar_us, t->min_rtt_us, t->retrans, t->lost,
		(unsigned long long)t->delivery_rate,
		sl_limited_name(t->limited_by), (unsigned long long)t->busy_us,
		(unsigned long long)t->rwnd_limited_us,
		(unsigned long long)t->sndbuf_limited_us,
		(unsigned long long)t->segs_out, (unsigned long long)t->ts);
}

/* {"resolve":[start,end],...}: the phases seen, in order. */
static void phases_json(FILE *f, const struct sl_sock *s)
{
	struct sl_phase_span ph[SL_PH_MAX];
	bool first = true;

	sl_wf_phases(s, ph);
	fputs(",\"phases\":{", f);
	for (unsigned int i = 0; i < SL_PH_MAX; i++) {
		if (!ph[i].end_ns)
			continue;
		fprintf(f, "%s\"%s\":[%llu,%llu]", first ? "" : ",",
			sl_phase_name(i), (unsigned long long)ph[i].start_ns,
			(unsigned long long)ph[i].end_ns);
		first = false;
	}
	fputc('}', f);
}

void sl_json_sock_waterfall(FILE *f, const struct sl_sock *s)
{
	static const struct sl_wf none;
	const struct sl_wf *wf = s->wf ? s->wf : &none;

	str_or_null(f, "name", wf->name);
	fprintf(f, ",\"resolver\":%s", wf->resolver ? "true" : "false");
	fputs(",\"protocol\":{\"sent\":", f);
	if (wf->proto[0][0])
		sl_json_str(f, wf->proto[0], strlen(wf->proto[0]));
	else
		fputs("null", f);
	str_or_null(f, "received", wf->proto[1]);
	fputc('}', f);
	tls_json(f, wf);
	http_json(f, wf);
	tcpinfo_json(f, wf);
	phases_json(f, s);
}

/* ---- export -f jsonl ---- */

static const char *const res_apis[SL_RES_API_MAX] = {
	[SL_RES_GETADDRINFO] = "getaddrinfo",
	[SL_RES_GETNAMEINFO] = "getnameinfo",
	[SL_RES_GETHOSTBYNAME] = "gethostbyname",
	[SL_RES_GETHOSTBYNAME2] = "gethostbyname2",
	[SL_RES_GETHOSTBYNAME_R] = "gethostbyname_r",
	[SL_RES_GETHOSTBYNAME2_R] = "gethostbyname2_r",
	[SL_RES_GETHOSTBYADDR] = "gethostbyaddr",
	[SL_RES_RES_QUERY] = "res_query",
	[SL_RES_RES_SEARCH] = "res_search",
	[SL_RES_RES_NQUERY] = "res_nquery",
	[SL_RES_RES_NSEARCH] = "res_nsearch",
};

/* getaddrinfo's and getnameinfo's errors, by -code. */
static const char *const eai_names[] = {
	[-EAI_BADFLAGS] = "EAI_BADFLAGS", [-EAI_NONAME] = "EAI_NONAME",
	[-EAI_AGAIN] = "EAI_AGAIN", [-EAI_FAIL] = "EAI_FAIL",
	[-EAI_FAMILY] = "EAI_FAMILY", [-EAI_SOCKTYPE] = "EAI_SOCKTYPE",
	[-EAI_SERVICE] = "EAI_SERVICE", [-EAI_MEMORY] = "EAI_MEMORY",
	[-EAI_SYSTEM] = "EAI_SYSTEM", [-EAI_OVERFLOW] = "EAI_OVERFLOW",
	[-EAI_NODATA] = "EAI_NODATA", [-EAI_ADDRFAMILY] = "EAI_ADDRFAMILY",
};

/* The other APIs' h_errno. */
static const char *const h_names[] = {
	[HOST_NOT_FOUND] = "HOST_NOT_FOUND", [TRY_AGAIN] = "TRY_AGAIN",
	[NO_RECOVERY] = "NO_RECOVERY", [NO_DATA] = "NO_DATA",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void res_error(FILE *f, const struct sl_rec_resolve *r)
{
	bool eai = r->api == SL_RES_GETADDRINFO || r->api == SL_RES_GETNAMEINFO;
	const char *name = NULL;

	fputs(",\"error\":", f);
	if (!r->err) {
		fputs("null", f);
		return;
	}
	if (eai && r->err < 0 && (size_t)-r->err < COUNT(eai_names))
		name = eai_names[-r->err];
	else if (!eai && r->err > 0 && (size_t)r->err < COUNT(h_names))
		name = h_names[r->err];
	if (name)
		fprintf(f, "\"%s\"", name);
	else
		fprintf(f, "%d", r->err);
}

static void jsonl_resolve(FILE *f, const struct sl_rec_resolve *r)
{
	unsigned int n = r->naddr < SL_RESOLVE_ADDRS ? r->naddr :
			 SL_RESOLVE_ADDRS;
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, ",\"api\":\"%s\"", r->api < SL_RES_API_MAX ?
		res_apis[r->api] : "?");
	sl_jsonl_str(f, "name", r->name, strnlen(r->name, sizeof(r->name)));
	fprintf(f, ",\"name_len\":%u,\"name_cut\":%s,\"family\":\"%s\","
		"\"port\":%u,\"dur_ns\":%llu", r->name_len,
		(r->flags & SL_RES_F_NAME_CUT) ? "true" : "false",
		sl_family_name(r->family), r->port,
		(unsigned long long)r->dur_ns);
	res_error(f, r);
	fputs(",\"errno\":", f);
	sl_json_errno(f, r->sys_errno);
	fputs(",\"addrs\":[", f);
	for (unsigned int i = 0; i < n; i++) {
		bool v4 = r->v4 & (1u << i);

		inet_ntop(v4 ? AF_INET : AF_INET6, r->addr[i], buf, sizeof(buf));
		fprintf(f, "%s\"%s\"", i ? "," : "", buf);
	}
	fprintf(f, "],\"more\":%u,\"nested\":%s,\"caller\":\"0x%llx\"", r->more,
		(r->flags & SL_RES_F_NESTED) ? "true" : "false",
		(unsigned long long)r->caller);
	if (r->api >= SL_RES_RES_QUERY)
		fprintf(f, ",\"qtype\":%u,\"ret\":%d", r->qtype, r->ret);
}

static void jsonl_tls(FILE *f, const struct sl_rec_tls *t)
{
	const char *v = sl_tls_version_text(t->version);

	fprintf(f, ",\"fd\":%d,\"inode\":%llu", t->fd,
		(unsigned long long)t->inode);
	sl_jsonl_str(f, "sni", t->sni, strnlen(t->sni, sizeof(t->sni)));
	fputs(",\"alpn_offered\":[", f);
	for (unsigned int i = 0; i < t->alpn_n && i < SL_TLS_ALPN_N; i++) {
		fputs(i ? "," : "", f);
		sl_json_str(f, t->alpn[i], strnlen(t->alpn[i],
						   sizeof(t->alpn[i])));
	}
	fputc(']', f);
	sl_jsonl_str(f, "alpn", t->alpn_chosen,
		     strnlen(t->alpn_chosen, sizeof(t->alpn_chosen)));
	fprintf(f, ",\"version\":\"%s\",\"version_raw\":%u,\"cipher\":%u,"
		"\"flags\":%u,\"client_dir\":%u,\"ch_ns\":%llu,\"sh_ns\":%llu,"
		"\"app_ns\":[%llu,%llu],\"answer_ns\":%llu", v ? v : "",
		t->version, t->cipher, t->flags, t->client_dir,
		(unsigned long long)t->ch_ns, (unsigned long long)t->sh_ns,
		(unsigned long long)t->app_ns[0],
		(unsigned long long)t->app_ns[1],
		(unsigned long long)t->answer_ns);
}

static void jsonl_http(FILE *f, const struct sl_rec_http *h)
{
	fprintf(f, ",\"fd\":%d,\"inode\":%llu,\"side\":\"%s\",\"index\":%u",
		h->fd, (unsigned long long)h->inode,
		h->side ? "server" : "client", h->index);
	sl_jsonl_str(f, "method", h->method,
		     strnlen(h->method, sizeof(h->method)));
	sl_jsonl_str(f, "target", h->target,
		     strnlen(h->target, sizeof(h->target)));
	fprintf(f, ",\"target_len\":%u,\"status\":%u,\"sent_ns\":%llu,"
		"\"req_end_ns\":%llu,\"first_byte_ns\":%llu,\"end_ns\":%llu,"
		"\"req_flags\":%u,\"resp_flags\":%u", h->target_len, h->status,
		(unsigned long long)h->sent_ns,
		(unsigned long long)h->req_end_ns,
		(unsigned long long)h->first_byte_ns,
		(unsigned long long)h->end_ns, h->req_flags, h->resp_flags);
}

static void jsonl_tcpinfo(FILE *f, const struct sl_rec_tcpinfo *t)
{
	static const char *const when[SL_TI_WHEN_MAX] = {
		[SL_TI_CLOSE] = "close", [SL_TI_EXIT] = "exit",
	};

	fprintf(f, ",\"fd\":%d,\"inode\":%llu,\"when\":\"%s\",\"rtt_us\":%u,"
		"\"rttvar_us\":%u,\"min_rtt_us\":%u,\"retrans\":%u,"
		"\"total_retrans\":%u,\"lost\":%u,\"snd_cwnd\":%u,"
		"\"segs_out\":%u,\"segs_in\":%u,\"delivery_rate\":%llu,"
		"\"busy_us\":%llu,\"rwnd_limited_us\":%llu,"
		"\"sndbuf_limited_us\":%llu,\"bytes_acked\":%llu,"
		"\"bytes_received\":%llu,\"bytes_retrans\":%llu",
		t->fd, (unsigned long long)t->inode,
		t->when < SL_TI_WHEN_MAX ? when[t->when] : "?", t->rtt_us,
		t->rttvar_us, t->min_rtt_us, t->retrans, t->total_retrans,
		t->lost, t->snd_cwnd, t->segs_out, t->segs_in,
		(unsigned long long)t->delivery_rate,
		(unsigned long long)t->busy_us,
		(unsigned long long)t->rwnd_limited_us,
		(unsigned long long)t->sndbuf_limited_us,
		(unsigned long long)t->bytes_acked,
		(unsigned long long)t->bytes_received,
		(unsigned long long)t->bytes_retrans);
}

void sl_jsonl_waterfall(FILE *f, const struct sl_hdr *h)
{
	const struct sl_rec_sniff *sn = (const struct sl_rec_sniff *)h;

	switch (h->type) {
	case SL_REC_RESOLVE:
		jsonl_resolve(f, (const struct sl_rec_resolve *)h);
		break;
	case SL_REC_SNIFF:
		fprintf(f, ",\"fd\":%d,\"inode\":%llu,\"dir\":\"%s\","
			"\"protocol\":\"%s\",\"role\":\"%s\",\"off\":%llu,"
			"\"lost\":%s", sn->fd, (unsigned long long)sn->inode,
			sn->dir ? "received" : "sent", sl_proto_name(sn->proto),
			sn->role == SL_SNIFF_ROLE_CLIENT ? "client" :
			sn->role == SL_SNIFF_ROLE_SERVER ? "server" : "any",
			(unsigned long long)sn->off,
			(sn->flags & SL_SNIFF_F_LOST) ? "true" : "false");
		break;
	case SL_REC_TLS:
		jsonl_tls(f, (const struct sl_rec_tls *)h);
		break;
	case SL_REC_HTTP:
		jsonl_http(f, (const struct sl_rec_http *)h);
		break;
	case SL_REC_TCPINFO:
		jsonl_tcpinfo(f, (const struct sl_rec_tcpinfo *)h);
		break;
	default:
		break;
	}
}
