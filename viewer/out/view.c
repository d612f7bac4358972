/*
 * The terminal view of a trace file, for `view` and for the timeline
 * `run` draws after its program: the model loaded, term.c drawing it
 * (or summary.c its tables).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "model/model.h"
#include "out/out.h"

/* The terminal's width, $COLUMNS, or 80. */
int sl_term_width(FILE *f)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	if (cols && atoi(cols) > 0)
		return atoi(cols);
	return 80;
}

static int load_and(FILE *f, const char *path, const struct sl_render_opts *o,
		    void (*render)(FILE *f, const struct sl_model *m,
				   const struct sl_render_opts *o))
{
	struct sl_model m;
	int err;

	sl_model_init(&m);
	err = sl_model_load(&m, path);
	if (!err)
		render(f, &m, o);
	sl_model_free(&m);
	return err ? 1 : 0;
}

/* Loads PATH and draws it on F: 0, or 1 with the reason printed. */
int sl_view_file(FILE *f, const char *path, const struct sl_render_opts *o)
{
	return load_and(f, path, o, sl_render_term);
}

/* The same, its summary tables. */
int sl_view_summary_file(FILE *f, const char *path,
			 const struct sl_render_opts *o)
{
	return load_and(f, path, o, sl_render_summary);
}
