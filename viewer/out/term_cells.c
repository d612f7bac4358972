/*
 * The terminal view's cells: what each state and moment looks like (a
 * colour of its own, or a letter without colour), a bar drawn from its
 * cells, and the legend of exactly what the bars drew, so every letter
 * and colour on the screen is explained under it and nothing else is.
 */
#include <string.h>

#include "out/term_int.h"

/* Drawn in this order of importance when several states share a cell.
 * Each state its own colour; 256-colour codes where the 16 run out. */
static const struct {
	char letter;
	const char *color;	/* SGR parameters */
	const char *bright;	/* the same, where a wait found it ready */
	int weight;
} look[SL_SS_MAX] = {
	[SL_SS_CREATED] = { '.', "90", "37", 1 },
	[SL_SS_BOUND] = { 'b', "34", "94", 2 },
	[SL_SS_LISTENING] = { 'L', "36", "96", 3 },
	[SL_SS_ESTABLISHED] = { '=', "32", "92", 4 },
	[SL_SS_PEER_CLOSED] = { '-', "38;5;208", "38;5;215", 5 },
	[SL_SS_SHUT_RD] = { '<', "38;5;99", "38;5;141", 6 },
	[SL_SS_SHUT_WR] = { '>', "35", "95", 6 },
	[SL_SS_SHUT_RDWR] = { 'x', "38;5;161", "38;5;205", 6 },
	[SL_SS_CONNECTING] = { '~', "33", "93", 7 },
};

/* The other cells: glyph in colour, letter without, colour, meaning. */
static const struct {
	const char *glyph;
	char letter;
	const char *color;
	const char *what;
} marks[CELL_KINDS] = {
	[ERR_CELL] = { "\u2715", '!', "1;31", "error" },
	[WAIT_CELL] = { "\u2500", '-', "90", "epoll: blocked in a wait" },
	[WAKE_CELL] = { "\u2503", '|', "93", "epoll: woken with events" },
	[BLOCK_CELL] = { "\u2500", '_', "37", "blocked in a call" },
	[INC_CELL] = { "e", 'e', "1;33",
		       "call failed or cut short, socket lived on" },
	[HANDOFF_CELL] = { "@", '@', "1;36", "passed to another process" },
};

int sl_term_weight(int state)
{
	return look[state].weight;
}

/* What one cell looks like: a glyph, in colour or as a letter. */
static void draw_cell(FILE *f, const struct layout *l, int v)
{
	int st = v & ~MARKED;

	if (v == EMPTY_CELL)
		fputc(' ', f);
	else if (st >= SL_SS_MAX && l->color)
		fputs(marks[st].glyph, f);
	else if (st >= SL_SS_MAX)
		fputc(marks[st].letter, f);
	else if (v & MARKED && !l->color)
		fputc('*', f);
	else if (l->color)
		fputs("\u2588", f);
	else
		fputc(look[st].letter, f);
}

static const char *cell_color(int v)
{
	if ((v & ~MARKED) >= SL_SS_MAX)
		return marks[v & ~MARKED].color;
	if (v & MARKED)
		return look[v & ~MARKED].bright;
	return look[v].color;
}

void sl_term_draw_bar(FILE *f, struct layout *l, const uint8_t *cells)
{
	int prev = -1;

	for (int c = 0; c < l->bar; c++) {
		int v = cells[c];

		if (v != EMPTY_CELL) {
			l->drawn[v & ~MARKED] = true;
			l->drawn_marks |= (v & MARKED) && (v & ~MARKED) < SL_SS_MAX;
		}
		if (l->color && v != prev) {
			fputs("\033[0m", f);
			if (v != EMPTY_CELL)
				fprintf(f, "\033[%sm", cell_color(v));
			prev = v;
		}
		draw_cell(f, l, v);
	}
	if (l->color)
		fputs("\033[0m", f);
}

/* One legend entry, on a new line when this one is full. */
static void entry(FILE *f, const struct layout *l, int *col, const char *color,
		  const char *glyph, const char *letters, const char *what)
{
	int w = (int)strlen(letters) + 1 + (int)strlen(what) + 2;

	if (*col + w > l->width) {
		fputc('\n', f);
		*col = 0;
	}
	if (!*col) {
		fputs(" ", f);
		*col = 1;
	}
	if (l->color)
		fprintf(f, " \033[%sm%s\033[0m %s ", color, glyph, what);
	else
		fprintf(f, " %s %s ", letters, what);
	*col += w;
}

/* The legend: every kind of cell the bars drew, states in the order a
 * life goes through them, then the moments; the "B+" of byte counts. */
void sl_term_legend(FILE *f, const struct layout *l, const struct sl_model *m)
{
	static const uint8_t order[] = {
		SL_SS_CREATED, SL_SS_BOUND, SL_SS_LISTENING, SL_SS_CONNECTING,
		SL_SS_ESTABLISHED, SL_SS_SHUT_WR, SL_SS_SHUT_RD,
		SL_SS_SHUT_RDWR, SL_SS_PEER_CLOSED, ERR_CELL, BLOCK_CELL,
		INC_CELL, HANDOFF_CELL, WAIT_CELL, WAKE_CELL,
	};
	bool stdio = false;
	int col = 0;

	for (size_t i = 0; i < sizeof(order); i++) {
		int k = order[i];
		char letter[2] = { k < SL_SS_MAX ? look[k].letter :
				   marks[k].letter, '\0' };

		if (!l->drawn[k])
			continue;
		if (k < SL_SS_MAX)
			entry(f, l, &col, look[k].color, "\u2588", letter,
			      sl_state_name(k));
		else
			entry(f, l, &col, marks[k].color, marks[k].glyph,
			      letter, marks[k].what);
	}
	if (l->drawn_marks)
		entry(f, l, &col, "92", "\u2588", "*",
		      l->color ? "bright: a wait found it ready" :
				 "a wait found it ready");
	for (uint32_t i = 0; i < m->nsocks; i++)
		stdio |= m->socks[i] &&
			 (m->socks[i]->stdio || m->socks[i]->killed);
	if (stdio)
		entry(f, l, &col, "0", "B+", "B+", "at least (bytes through "
		      "stdio, or of a killed holder, not seen)");
	if (col)
		fputc('\n', f);
}
