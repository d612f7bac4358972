/*
 * The view while the program runs. The collector's tap feeds every frame
 * it writes into a model of its own, through a short reorder window
 * (LIVE_WINDOW_NS): threads' lanes are drained in turn, and a record
 * applied before an older one of another thread can tell a false story
 * (a socket received over SCM_RIGHTS before its sender's alias: two
 * sockets). Once a second this draws
 * either the timeline of the sockets still open (run --live, collect
 * --live), or one status line (run, on a terminal, after two seconds):
 * processes, open sockets, events per second, dropped.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "intake/intake.h"
#include "order/reorder.h"
#include "out/out.h"

/* How long a record waits for older ones of other threads: a lane is
 * drained within a collector round, far less than this, and the screen
 * is drawn once a second. */
#define LIVE_WINDOW_NS (200ull * 1000 * 1000)

struct sl_live {
	struct sl_collector *c;
	struct sl_model m;
	struct sl_reorder order;	/* into m */
	bool redraw;		/* whole screen, else a status line */
	bool status_shown;
	uint64_t start_ns;
	uint64_t last_ns;
	uint64_t last_records;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void tap(void *ctx, uint32_t conn, const uint8_t *buf, size_t len)
{
	struct sl_live *l = ctx;
	char why[160];

	sl_frame_records(conn, buf, len, sl_reorder_push, &l->order, why,
			 sizeof(why));
}

static void forget(void *ctx, const struct sl_model *m,
		   const struct sl_sock *s)
{
	(void)ctx;
	(void)m;
	(void)s;
}

struct sl_live *sl_live_new(struct sl_collector *c, bool redraw)
{
	struct sl_live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->c = c;
	l->redraw = redraw;
	l->start_ns = l->last_ns = now_ns();
	sl_model_init(&l->m);
	sl_reorder_init(&l->order, LIVE_WINDOW_NS, sl_model_record, &l->m);
	/* The live view shows open sockets: the others need not stay. */
	l->m.retire = forget;
	c->tap = tap;
	c->tap_ctx = l;
	return l;
}

static void counts(const struct sl_model *m, uint32_t *procs, uint32_t *open)
{
	*procs = *open = 0;
	for (uint32_t i = 0; i < m->nprocs; i++)
		*procs += !m->procs[i]->ended;
	for (uint32_t i = 0; i < m->nsocks; i++)
		*open += m->socks[i] && !m->socks[i]->closed &&
			 !m->socks[i]->open_at_exit;
}

static void status(struct sl_live *l, uint64_t rate)
{
	uint32_t procs, open;

	counts(&l->m, &procs, &open);
	fprintf(stderr, "\r\033[Ksocklens: %u processes, %u open sockets, "
		"%llu events/s, %llu dropped", procs, open,
		(unsigned long long)rate, (unsigned long long)l->m.dropped);
	l->status_shown = true;
}

static void screen(struct sl_live *l, uint64_t rate)
{
	struct winsize ws = { 0 };
	struct sl_render_opts o = { .width = sl_term_width(stderr),
				    .color = sl_color_wanted(stderr),
				    .open_only = true };

	ioctl(STDERR_FILENO, TIOCGWINSZ, &ws);
	o.max_rows = ws.ws_row > 12 ? ws.ws_row - 10 : 20;
	fputs("\033[H\033[2J", stderr);
	sl_render_term(stderr, &l->m, &o);
	status(l, rate);
}

/* After each round of the collector: at most once a second. */
void sl_live_tick(struct sl_live *l)
{
	uint64_t now = now_ns(), rate;

	if (!l || now - l->last_ns < 1000000000ull)
		return;
	/* What no newer record pushed out: the clock says it is due. */
	if (now > LIVE_WINDOW_NS)
		sl_reorder_release(&l->order, now - LIVE_WINDOW_NS);
	rate = (l->c->records - l->last_records) * 1000000000ull /
	       (now - l->last_ns);
	l->last_ns = now;
	l->last_records = l->c->records;
	if (l->redraw)
		screen(l, rate);
	else if (now - l->start_ns > 2000000000ull)
		status(l, rate);
	fflush(stderr);
}

void sl_live_free(struct sl_live *l)
{
	if (!l)
		return;
	if (l->status_shown)
		fputs(l->redraw ? "\n" : "\r\033[K", stderr);
	l->c->tap = NULL;
	sl_reorder_finish(&l->order);
	sl_model_free(&l->m);
	free(l);
}
