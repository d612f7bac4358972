/*
 * The output layer: everything socklens writes for people and machines
 * from a trace (the terminal timeline, the JSON exports, Perfetto, the
 * HTML page, the audit's findings, the live view) and the text helpers
 * they share. It reads the model (model.h) and never the records, but
 * for export -f jsonl, which streams them from the file.
 */
#ifndef SL_OUT_H
#define SL_OUT_H

#include <stdio.h>

#include "model/model.h"

struct sl_collector;

/* text.c: writing strings for people and for machines */
bool sl_utf8_exact(const char *s, size_t len);
void sl_json_str(FILE *f, const char *s, size_t len);
void sl_json_write(FILE *f, const char *s, size_t len, bool html);
size_t sl_term_str(FILE *f, const char *s, size_t len, size_t max);
size_t sl_term_cols(const char *s, size_t len);
int sl_addr_format(const struct sl_addr *a, char *buf, size_t len);
bool sl_color_wanted(FILE *f);
void sl_fmt_bytes(char *buf, size_t len, uint64_t n);
void sl_fmt_dur(char *buf, size_t len, uint64_t ns);
void sl_json_addr(FILE *f, const char *key, const struct sl_addr *a);
void sl_json_u64_or_null(FILE *f, const char *key, uint64_t v);
void sl_json_u32_or_null(FILE *f, const char *key, uint32_t v);
void sl_json_errno(FILE *f, int err);

/* names.c */
const char *sl_call_name(unsigned int call);
const char *sl_state_name(unsigned int st);
const char *sl_role_name(unsigned int role);
const char *sl_family_name(int family);
const char *sl_type_name(int type);
const char *sl_errno_name(int err);
/* "1.3", "1.2"... for a TLS version (0x0304...), NULL if none. */
const char *sl_tls_version_text(unsigned int version);

/* sockopt.c: a socket option event's level, option and value by name
 * (NULL where a name is not known). */
struct sl_sockopt {
	int level, optname;
	const char *level_name, *name;
	int64_t value;
	bool has_value;		/* the record has the value and it is an int */
	bool is_int;
	bool is_errno;		/* SO_ERROR's: an errno */
};
const char *sl_sockopt_level(int level);
const char *sl_sockopt_name(int level, int optname, bool *is_int);
bool sl_evt_sockopt(const struct sl_evt *e, struct sl_sockopt *o);
int sl_evt_sockopt_text(const struct sl_evt *e, char *buf, size_t len);

/* export.c: FORMAT is jsonl, sockets, epoll, chrome or html. */
bool sl_export_known(const char *format);
int sl_export(const char *path, const char *format, FILE *out);
/* json_jsonl.c */
int sl_export_jsonl(const char *path, FILE *out);
/* jsonl_names.c: names beside the raw numbers of jsonl's records. */
struct sl_jsonl_names;
struct sl_jsonl_names *sl_jsonl_names_new(void);
void sl_jsonl_names_free(struct sl_jsonl_names *n);
void sl_jsonl_names_hello(struct sl_jsonl_names *n,
			  const struct sl_rec_hello *h);
void sl_jsonl_names_module(struct sl_jsonl_names *n, uint32_t pid,
			   const struct sl_rec_module *r);
void sl_jsonl_caller(FILE *f, struct sl_jsonl_names *n, uint32_t pid,
		     uint64_t addr);
void sl_jsonl_events(FILE *f, const char *key, uint32_t events);
void sl_jsonl_str(FILE *f, const char *key, const char *s, size_t len);
/* json_sockets.c, json_epoll.c: one object, one line. */
void sl_json_sock(FILE *f, const struct sl_model *m, const struct sl_sock *s);
void sl_json_epoll(FILE *f, const struct sl_epoll *ep);
/* json_waterfall.c: a socket's name, TLS, HTTP, TCP_INFO and phases
 * (fields of sl_json_sock); the waterfall records' jsonl fields. */
void sl_json_sock_waterfall(FILE *f, const struct sl_sock *s);
void sl_jsonl_waterfall(FILE *f, const struct sl_hdr *h);
/* html_waterfall.c: the same for the page (html.c). */
void sl_html_sock_waterfall(FILE *f, uint64_t t0, const struct sl_sock *s);
void sl_html_phase_names(FILE *f);
uint64_t sl_html_waterfall_start(const struct sl_sock *s);

/* filter.c: which sockets a view shows. */
#define SL_FILTER_MAX 16
enum sl_filter_key {
	SL_FILTER_PID, SL_FILTER_PORT, SL_FILTER_ADDR, SL_FILTER_ROLE,
	SL_FILTER_STATE, SL_FILTER_FAMILY, SL_FILTER_ERRORS,
};
enum { SL_FAM_INET = 1, SL_FAM_INET6, SL_FAM_UNIX, SL_FAM_IP, SL_FAM_TCP,
       SL_FAM_UDP };
struct sl_filter_net {
	int family;
	uint8_t addr[16];
	uint8_t bits;
};
struct sl_filter {
	bool active;
	bool errors;
	uint32_t pids[SL_FILTER_MAX], ports[SL_FILTER_MAX];
	uint32_t roles[SL_FILTER_MAX], states[SL_FILTER_MAX];
	uint32_t families[SL_FILTER_MAX];
	struct sl_filter_net nets[SL_FILTER_MAX];
	uint8_t npids, nports, nroles, nstates, nfamilies, nnets;
};
/* 0, or -1 when V is not a value of KEY (or too many were given). */
int sl_filter_add(struct sl_filter *f, enum sl_filter_key key, const char *v);
bool sl_filter_match(const struct sl_filter *f, const struct sl_sock *s);
/* Whether an epoll instance of PID is shown: only -p names processes. */
bool sl_filter_match_proc(const struct sl_filter *f, uint32_t pid);
bool sl_sock_has_errors(const struct sl_sock *s);

/* The wall clock beside the time axis: none, -t (time of day to the
 * second), -tt (to the microsecond). */
enum sl_clock { SL_CLOCK_NONE, SL_CLOCK_SEC, SL_CLOCK_USEC };

struct sl_render_opts {
	int width;		/* terminal columns */
	bool color;
	const struct sl_filter *filter;	/* NULL: every socket */
	enum sl_clock clock;
	bool open_only;		/* live: the sockets still open */
	bool callers;		/* name the code that made each socket */
	int max_rows;		/* live: at most this many sockets, 0: all */
};

/* term.c */
void sl_render_term(FILE *f, const struct sl_model *m,
		    const struct sl_render_opts *o);
/* view.c: loads PATH and draws it on F (or, SUMMARY, its summary
 * table): 0, or 1 with the reason said. */
int sl_term_width(FILE *f);
int sl_view_file(FILE *f, const char *path, const struct sl_render_opts *o);
int sl_view_summary_file(FILE *f, const char *path,
			 const struct sl_render_opts *o);
/* summary.c: per process and per remote endpoint, like strace -c; the
 * tables are built once for the terminal and the HTML page alike. */
#define SL_SUM_ERRNOS 6
struct sl_durs {
	uint64_t *v;
	uint32_t n, cap;
};
struct sl_sum_row {
	char name[256];
	uint32_t socks, conn_ok, conn_fail, accepts;
	struct {
		int err;
		uint32_t n;
	} errs[SL_SUM_ERRNOS];		/* failed connects by errno */
	uint32_t nerrs, errs_other;
	uint64_t tx, rx;
	struct sl_durs life, c2a;	/* sorted */
};
struct sl_sum_table {
	struct sl_sum_row *rows;
	uint32_t n, cap;
};
struct sl_summary {
	struct sl_sum_table procs, ends;
	uint32_t n;			/* sockets counted */
};
void sl_summary_build(struct sl_summary *sum, const struct sl_model *m,
		      const struct sl_filter *filter);
void sl_summary_free(struct sl_summary *sum);
uint64_t sl_summary_pct(const struct sl_durs *d, unsigned int p);
void sl_summary_errs(char *buf, size_t len, const struct sl_sum_row *r);
void sl_render_summary(FILE *f, const struct sl_model *m,
		       const struct sl_render_opts *o);

/* live.c: the view while a program runs */
struct sl_live;
struct sl_live *sl_live_new(struct sl_collector *c, bool redraw);
void sl_live_tick(struct sl_live *l);
void sl_live_free(struct sl_live *l);

/* incomplete.c: what the trace M does not hold, in words; false when it
 * is complete. */
bool sl_model_gaps(const struct sl_model *m, char *buf, size_t len);

/* chrome.c, html.c */
void sl_render_chrome(FILE *f, const struct sl_model *m);
void sl_render_html(FILE *f, const struct sl_model *m);

/* audit.c: the audit engine. */
enum sl_severity { SL_SEV_INFO, SL_SEV_WARNING, SL_SEV_ERROR };
struct sl_audit_opts {
	bool json;
	uint64_t keepalive_after_ns;
	uint64_t slow_connect_ns;
	uint32_t connect_failures;
	int width;		/* cut text findings to this, 0: never */
};
/* audit_print.c: the findings printed (audit_int.h between the two). */
int sl_severity_of(const char *name);	/* -1: not a severity */
/* audit.c: Audits the trace at PATH, its findings on OUT: the worst severity
 * found (-1: none), or -2 when the trace could not be read. */
int sl_audit_file(const char *path, const struct sl_audit_opts *o,
		  FILE *out);

/* policy_text.c */
const char *sl_policy_act_when(const struct sl_policy_act *a);
void sl_policy_act_value(const struct sl_policy_act *a, int64_t v,
			 char *buf, size_t len);
const char *sl_policy_act_outcome(const struct sl_policy_act *a, char *buf,
				  size_t len);
void sl_policy_act_text(const struct sl_policy_act *a, const char *path,
			char *buf, size_t len);
const char *sl_sock_policy_path(const struct sl_model *m,
				const struct sl_sock *s);
void sl_render_policy(FILE *f, const struct sl_model *m, size_t max);
/* Reads and parses the policy file PATH into P, saying on stderr what
 * was wrong: 0 or -1. */
struct sl_policy;
int sl_policy_load(struct sl_policy *p, const char *path);

#endif
