/*
 * Between the terminal view's files (out/term*.c) only: the cell values
 * a bar is drawn from and the layout they share. term.c fills the cells
 * and lays out the rows, term_cells.c draws cells and the legend of
 * what it drew, term_foot.c writes the lines under the timeline,
 * term_waterfall.c a connection's name and phases.
 */
#ifndef SL_TERM_INT_H
#define SL_TERM_INT_H

#include "out/out.h"

/* A cell is a state (enum sl_state), or one of these. */
#define ERR_CELL (SL_SS_MAX + 1)
#define EMPTY_CELL 0xff
/* Epoll rows: blocked in a wait, and woken with events. */
#define WAIT_CELL (SL_SS_MAX + 2)
#define WAKE_CELL (SL_SS_MAX + 3)
/* Socket rows: blocked in a call that then failed or was cut short; that
 * call's end; a hand-off to another process. */
#define BLOCK_CELL (SL_SS_MAX + 4)
#define INC_CELL (SL_SS_MAX + 5)
#define HANDOFF_CELL (SL_SS_MAX + 6)
#define CELL_KINDS (SL_SS_MAX + 7)
/* A socket cell that also saw a readiness event. */
#define MARKED 0x80

struct layout {
	bool callers;
	bool via;	/* server rows name their listener */
	bool live;	/* open sockets of a running program */
	enum sl_clock clock;
	int width;
	int ep;		/* endpoint column */
	int bar;	/* timeline cells */
	int stamp;	/* wall-clock column, 0: none */
	int phases;	/* the waterfall's PHASES column, 0: none */
	bool phase_lines;	/* ... or a line under each such row */
	bool color;
	uint64_t t0, t1;
	/* What the bars drew, for the legend: cell kinds, and marks. */
	bool drawn[CELL_KINDS];
	bool drawn_marks;
	bool closers;	/* rows say "closed by A or B" (else the footer) */
};

/* term_cells.c */
int sl_term_weight(int state);
void sl_term_draw_bar(FILE *f, struct layout *l, const uint8_t *cells);
void sl_term_legend(FILE *f, const struct layout *l, const struct sl_model *m);

/* term_waterfall.c: names and phases. A PHASES column from this width
 * of terminal on (below it, a line under the row). */
#define TERM_WF_COLUMN_MIN 160
bool sl_term_has_phases(const struct sl_sock *s);
const char *sl_term_name(const struct sl_sock *s);
int sl_term_phases_text(char *buf, size_t len, const struct sl_sock *s);
void sl_term_phase_cell(FILE *f, const struct layout *l,
			const struct sl_sock *s);
void sl_term_phase_line(FILE *f, const struct layout *l,
			const struct sl_sock *s);

/* term_foot.c */
void sl_term_footer(FILE *f, const struct sl_model *m,
		    const struct layout *l, uint32_t shown);
/* "closed by 1234 or 1240" where S's last closes overlapped ("... or at
 * exit of 1250" where an exit did too; "at exit of 1250 or closed by
 * 1234" where it ended with the exit), else "closed" or "at-exit"; in
 * BUF. */
const char *sl_term_closed_by(const struct sl_sock *s, char *buf,
			      size_t len);

#endif
