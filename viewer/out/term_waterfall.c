/*
 * The waterfall in the terminal view (term.c): a connection's remote end
 * by the name its process resolved, and its phases in short words with
 * how long each took ("dns 1.5ms conn 300us tls 4.0ms wait 6.0ms recv 20ms
 * GET /x 200"): in a PHASES column where the terminal is wide
 * enough (TERM_WF_COLUMN_MIN), else on a line of its own under the row.
 */
#include <string.h>

#include "out/term_int.h"

static const char *const short_names[SL_PH_MAX] = {
	[SL_PH_RESOLVE] = "dns", [SL_PH_CONNECT] = "conn",
	[SL_PH_TLS] = "tls", [SL_PH_REQUEST] = "req",
	[SL_PH_WAITING] = "wait", [SL_PH_RECEIVING] = "recv",
};

/* Whether S's row has phases to tell: more than a connect (a name, TLS
 * or a request; a protocol alone adds nothing the bar does not show). */
bool sl_term_has_phases(const struct sl_sock *s)
{
	struct sl_phase_span ph[SL_PH_MAX];

	return s->wf && (s->wf->name[0] || s->wf->has_tls || s->wf->nhttp) &&
	       sl_wf_phases(s, ph);
}

/* The host S's process resolved for its remote address; else the one
 * its TLS ClientHello named (curl --resolve looks nothing up); or NULL. */
const char *sl_term_name(const struct sl_sock *s)
{
	if (!s->wf)
		return NULL;
	if (s->wf->name[0])
		return s->wf->name;
	if (s->wf->has_tls && !s->wf->tls.server && s->wf->tls.sni[0])
		return s->wf->tls.sni;
	return NULL;
}

/* A duration in at most 5 columns: "300us", "4.0ms", "20ms", "1.2s". */
static void short_dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.0fus", ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.0fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

/* The phases and what the connection carried, in BUF. A request phase
 * of no length (TLS's first application data) is left out. */
int sl_term_phases_text(char *buf, size_t len, const struct sl_sock *s)
{
	struct sl_phase_span ph[SL_PH_MAX];
	char dur[32], req[SL_WF_TARGET_MAX + 32];
	size_t at = 0;

	buf[0] = '\0';
	if (!sl_term_has_phases(s) || !sl_wf_phases(s, ph))
		return 0;
	for (unsigned int i = 0; i < SL_PH_MAX && at < len; i++) {
		if (!ph[i].end_ns || (i == SL_PH_REQUEST &&
				      ph[i].end_ns == ph[i].start_ns))
			continue;
		short_dur(dur, sizeof(dur), ph[i].end_ns - ph[i].start_ns);
		at += (size_t)snprintf(buf + at, len - at, "%s%s %s",
				       at ? " " : "", short_names[i], dur);
	}
	if (sl_wf_request_text(s->wf, req, sizeof(req)) > 0 && at < len)
		at += (size_t)snprintf(buf + at, len - at, " %s", req);
	else if (s->wf->has_tls && s->wf->tls.sni[0] && at < len)
		at += (size_t)snprintf(buf + at, len - at, " sni %s",
				       s->wf->tls.sni);
	else if ((s->wf->proto[0][0] || s->wf->proto[1][0]) && at < len)
		at += (size_t)snprintf(buf + at, len - at, " %s",
				       s->wf->proto[0][0] ? s->wf->proto[0] :
				       s->wf->proto[1]);
	if (s->wf->has_tcpinfo && at < len &&
	    s->wf->ti.limited_by != SL_LIM_APPLICATION)
		at += (size_t)snprintf(buf + at, len - at, " [%s]",
				       sl_limited_name(s->wf->ti.limited_by));
	return at < len ? (int)at : (int)len - 1;
}

/* The PHASES column of S's row: its text cut to the column, padded. */
void sl_term_phase_cell(FILE *f, const struct layout *l,
			const struct sl_sock *s)
{
	char buf[512];
	int n = sl_term_phases_text(buf, sizeof(buf), s);
	size_t cols = sl_term_str(f, buf, (size_t)n, (size_t)l->phases);

	for (int pad = l->phases - (int)cols; pad > 0; pad--)
		fputc(' ', f);
	fputc(' ', f);
}

/* Narrower: the phases on a line under the row, from the bar's column. */
void sl_term_phase_line(FILE *f, const struct layout *l,
			const struct sl_sock *s)
{
	char buf[512];
	int n = sl_term_phases_text(buf, sizeof(buf), s);
	int indent = l->stamp + 4 + 1 + 6 + 1;

	if (n <= 0)
		return;
	fprintf(f, "%*sphases ", indent, "");
	sl_term_str(f, buf, (size_t)n, (size_t)(l->width - indent - 7));
	fputc('\n', f);
}
