/*
 * A socket's waterfall for the page (html.c): its name, protocol, TLS,
 * first HTTP exchanges, TCP_INFO and phases, as one "wf" member of the
 * socket's object; absent where the socket learned none of it. Times
 * are nanoseconds from the page's start (T0). Strings are written for a
 * page ('<', '>' and '&' escaped), as html.c's are.
 */
#include <string.h>

#include "out/out.h"

/* Exchanges the page lists per socket; the rest are counted. */
#define HTTP_SHOWN 16

static uint64_t rel(uint64_t t0, uint64_t t)
{
	return t > t0 ? t - t0 : 0;
}

static void str(FILE *f, const char *s)
{
	sl_json_write(f, s, strlen(s), true);
}

static void tls(FILE *f, const struct sl_wf *wf)
{
	const struct sl_wf_tls *t = &wf->tls;
	const char *v = sl_tls_version_text(t->version);
	char offered[SL_WF_ALPN_N * SL_WF_ALPN_MAX + 8] = "";

	for (unsigned int i = 0; i < t->alpn_n; i++) {
		strcat(offered, i ? "," : "");
		strcat(offered, t->alpn[i]);
	}
	fputs(",\"tls\":[", f);
	str(f, t->sni);
	fputc(',', f);
	str(f, v ? v : "");
	fputc(',', f);
	str(f, t->alpn_chosen[0] ? t->alpn_chosen :
	       t->alpn_hidden ? "(encrypted)" : "");
	fputc(',', f);
	str(f, offered);
	fputc(']', f);
}

static void http(FILE *f, uint64_t t0, const struct sl_wf *wf)
{
	uint32_t n = wf->nhttp < HTTP_SHOWN ? wf->nhttp : HTTP_SHOWN;

	fputs(",\"ht\":[", f);
	for (uint32_t i = 0; i < n; i++) {
		const struct sl_wf_http *h = &wf->http[i];
		char target[SL_WF_TARGET_MAX + 4];

		snprintf(target, sizeof(target), "%s%s", h->target,
			 h->target_cut ? "..." : "");
		fputs(i ? ",[" : "[", f);
		str(f, h->method);
		fputc(',', f);
		str(f, target);
		fprintf(f, ",%u,%llu,%llu,%llu,%u]", h->status,
			(unsigned long long)(h->sent_ns ? rel(t0, h->sent_ns) : 0),
			(unsigned long long)(h->first_byte_ns ?
					     rel(t0, h->first_byte_ns) : 0),
			(unsigned long long)(h->end_ns ? rel(t0, h->end_ns) : 0),
			h->index);
	}
	fprintf(f, "],\"hm\":%llu", (unsigned long long)(wf->http_total - n));
}

static void tcpinfo(FILE *f, const struct sl_wf *wf)
{
	const struct sl_wf_tcpinfo *t = &wf->ti;

	if (!wf->has_tcpinfo)
		return;
	fprintf(f, ",\"ti\":[%u,%u,%u,%u,%u,%llu,\"%s\",%llu,%llu,%llu]",
		t->rtt_us, t->rttvar_us, t->min_rtt_us, t->retrans, t->lost,
		(unsigned long long)t->delivery_rate,
		sl_limited_name(t->limited_by), (unsigned long long)t->busy_us,
		(unsigned long long)t->rwnd_limited_us,
		(unsigned long long)t->sndbuf_limited_us);
}

void sl_html_sock_waterfall(FILE *f, uint64_t t0, const struct sl_sock *s)
{
	const struct sl_wf *wf = s->wf;
	struct sl_phase_span ph[SL_PH_MAX];
	bool first = true;

	if (!wf)
		return;
	fputs(",\"wf\":{\"n\":", f);
	str(f, wf->name);
	fprintf(f, ",\"rv\":%s,\"pr\":[", wf->resolver ? "true" : "false");
	str(f, wf->proto[0]);
	fputc(',', f);
	str(f, wf->proto[1]);
	fputs("],\"ph\":[", f);
	sl_wf_phases(s, ph);
	for (unsigned int i = 0; i < SL_PH_MAX; i++) {
		if (!ph[i].end_ns)
			continue;
		fprintf(f, "%s[%u,%llu,%llu]", first ? "" : ",", i,
			(unsigned long long)rel(t0, ph[i].start_ns),
			(unsigned long long)rel(t0, ph[i].end_ns));
		first = false;
	}
	fputc(']', f);
	if (wf->has_tls)
		tls(f, wf);
	http(f, t0, wf);
	tcpinfo(f, wf);
	fputc('}', f);
}

/* The phases' names, in enum sl_phase's order, for the page. */
void sl_html_phase_names(FILE *f)
{
	fputs(",\"phases\":[", f);
	for (unsigned int i = 0; i < SL_PH_MAX; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", sl_phase_name(i));
	fputc(']', f);
}

/* The earliest a socket's waterfall begins: its name's resolve, which
 * comes before the socket is made. */
uint64_t sl_html_waterfall_start(const struct sl_sock *s)
{
	if (s->wf && s->wf->name[0] && s->wf->resolve_ns &&
	    s->wf->resolve_ns < s->start_ns)
		return s->wf->resolve_ns;
	return s->start_ns;
}
