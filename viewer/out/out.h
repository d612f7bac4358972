/* The renderers of the socket model (render_*.c). */
#ifndef SL_RENDER_H
#define SL_RENDER_H

#include <stdio.h>

#include "model/model.h"

struct sl_collector;

/* text.c: writing strings for people and for machines */
void sl_json_str(FILE *f, const char *s, size_t len);
void sl_json_write(FILE *f, const char *s, size_t len, bool html);
void sl_term_str(FILE *f, const char *s, size_t len, size_t max);
int sl_addr_format(const struct sl_addr *a, char *buf, size_t len);
bool sl_color_wanted(FILE *f);
void sl_fmt_bytes(char *buf, size_t len, uint64_t n);
void sl_fmt_dur(char *buf, size_t len, uint64_t ns);

/* names.c */
const char *sl_call_name(unsigned int call);
const char *sl_state_name(unsigned int st);
const char *sl_role_name(unsigned int role);
const char *sl_family_name(int family);
const char *sl_type_name(int type);
const char *sl_errno_name(int err);

/* json_jsonl.c */
int sl_export_jsonl(const char *path, FILE *out);

struct sl_render_opts {
	int width;		/* terminal columns */
	bool color;
	bool open_only;		/* live: the sockets still open */
	bool callers;		/* name the code that made each socket */
	int max_rows;		/* live: at most this many sockets, 0: all */
};

void sl_render_term(FILE *f, const struct sl_model *m,
		    const struct sl_render_opts *o);
int sl_term_width(FILE *f);
int sl_view_file(FILE *f, const char *path, const struct sl_render_opts *o);

/* live.c: the view while a program runs */
struct sl_live;
struct sl_live *sl_live_new(struct sl_collector *c, bool redraw);
void sl_live_tick(struct sl_live *l);
void sl_live_free(struct sl_live *l);

void sl_render_chrome(FILE *f, const struct sl_model *m);
void sl_render_html(FILE *f, const struct sl_model *m);

/* policy_view.c */
const char *sl_pact_when(const struct sl_pact *a);
void sl_pact_value(const struct sl_pact *a, int64_t v, char *buf, size_t len);
const char *sl_pact_outcome(const struct sl_pact *a, char *buf, size_t len);
void sl_pact_text(const struct sl_pact *a, const char *path, char *buf,
		  size_t len);
const char *sl_sock_policy_path(const struct sl_model *m,
				const struct sl_sock *s);
void sl_render_policy(FILE *f, const struct sl_model *m, size_t max);

#endif
