/* The renderers of the socket model (render_*.c). */
#ifndef SL_RENDER_H
#define SL_RENDER_H

#include "model.h"

struct sl_render_opts {
	int width;		/* terminal columns */
	bool color;
};

void sl_render_term(FILE *f, const struct sl_model *m,
		    const struct sl_render_opts *o);
int sl_term_width(FILE *f);
int sl_view_file(FILE *f, const char *path, const struct sl_render_opts *o);

#endif
