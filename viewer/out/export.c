/*
 * export: a trace file written in one of the machine formats. jsonl
 * streams the records from the file (json_jsonl.c); the others load the
 * socket model and hand it to their writer. sockets streams too: each
 * socket is written as soon as nothing can change it and then freed
 * (model/retire.c), so memory follows the sockets open at once, not the
 * trace's length. The formats and their fields are socklens-export(5).
 */
#include <string.h>

#include "model/model.h"
#include "out/out.h"

enum format { FMT_JSONL, FMT_SOCKETS, FMT_EPOLL, FMT_CHROME, FMT_HTML };

static const char *const formats[] = {
	[FMT_JSONL] = "jsonl", [FMT_SOCKETS] = "sockets",
	[FMT_EPOLL] = "epoll", [FMT_CHROME] = "chrome", [FMT_HTML] = "html",
};

static void sock_retired(void *ctx, const struct sl_model *m,
			 const struct sl_sock *s)
{
	sl_json_sock(ctx, m, s);
}

/* An incomplete trace said on stderr, and for the line formats in a
 * last line of their own ({"incomplete": "..."}, only then). */
static void gaps(FILE *out, const struct sl_model *m, const char *path,
		 bool line)
{
	char why[512];

	if (!sl_model_gaps(m, why, sizeof(why)))
		return;
	fprintf(stderr, "%s: %s: trace incomplete: %s\n", sl_prog(), path,
		why);
	if (!line)
		return;
	fputs("{\"incomplete\":", out);
	sl_json_str(out, why, strlen(why));
	fputs("}\n", out);
}

static int export_model(const char *path, FILE *out, enum format fmt)
{
	struct sl_model m;
	int err;

	sl_model_init(&m);
	if (fmt == FMT_SOCKETS) {
		m.retire = sock_retired;
		m.retire_ctx = out;
	}
	err = sl_model_load(&m, path);
	if (!err) {
		for (uint32_t i = 0; fmt == FMT_SOCKETS && i < m.nsocks; i++)
			if (m.socks[i])
				sl_json_sock(out, &m, m.socks[i]);
		for (uint32_t i = 0; fmt == FMT_EPOLL && i < m.nepolls; i++)
			sl_json_epoll(out, m.epolls[i]);
		if (fmt == FMT_CHROME)
			sl_render_chrome(out, &m);
		if (fmt == FMT_HTML)
			sl_render_html(out, &m);
		if (m.torn)
			fprintf(stderr, "%s: %s: torn tail: %s; everything "
				"before it was read\n", sl_prog(), path,
				m.torn_why);
		gaps(out, &m, path, fmt == FMT_SOCKETS || fmt == FMT_EPOLL);
	}
	sl_model_free(&m);
	return err ? 1 : 0;
}

bool sl_export_known(const char *format)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(format, formats[i]))
			return true;
	return false;
}

int sl_export(const char *path, const char *format, FILE *out)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(format, formats[i]))
			continue;
		if (i == FMT_JSONL)
			return sl_export_jsonl(path, out);
		return export_model(path, out, (enum format)i);
	}
	return 2;
}
