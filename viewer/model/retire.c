/*
 * Retiring finished sockets, for a reader that wants each socket once and
 * as soon as it is done (export -f sockets): memory then follows the
 * sockets open at once, not the length of the trace.
 *
 * A socket is finished when no process holds it any more: closed by its
 * last holder, or its last holder exited (not when another thread's new
 * socket took its fd before its close record came). It is queued then,
 * and once the trace's time has passed its end by the file's grace (how
 * late a record may still be applied, order/window.c) it is handed to
 * m->retire; then everything that could find it forgets it (the inode
 * map, the pairing tables, the epoll watches, the id table, squeezed now
 * and then) and it is freed. By then its peer has paired with it. What
 * may still come for a finished socket parks it first (park.c).
 */
#include <string.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* The epoll instances that watched S keep its watches, without it. */
static void forget_watches(struct sl_model *m, const struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nepolls; i++) {
		struct sl_epoll *ep = sl_model_epoll_by_id(m, s->epolls[i]);

		if (!ep)
			continue;
		for (uint32_t w = 0; w < ep->nwatches; w++)
			if (ep->watches[w].s == s)
				ep->watches[w].s = NULL;
	}
}

static void retire(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; s->parked && i < m->nparked; i++)
		if (m->parked[i] == s)
			sl_model_unpark_at(m, i);
	sl_model_sock_final(s);
	m->retire(m->retire_ctx, m, s);
	if (s->inode && sl_hash_get(m->by_inode, s->inode) == s)
		sl_hash_del(m->by_inode, s->inode);
	sl_model_pair_forget(m, s);
	forget_watches(m, s);
	m->socks[s->slot] = NULL;
	m->holes++;
	sl_model_sock_free(s);
	m->retired++;
}

/* The id table without the retired: a long run keeps only what is open
 * (the live view walks it every second). */
static void squeeze(struct sl_model *m)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < m->nsocks; i++) {
		if (!m->socks[i])
			continue;
		m->socks[j] = m->socks[i];
		m->socks[j]->slot = j;
		j++;
	}
	m->nsocks = j;
	m->holes = 0;
}

/* When S finished: closed, or its last holder let it go. */
static uint64_t finished_at(const struct sl_sock *s)
{
	return s->closed ? s->end_ns : s->last_ns;
}

/*
 * Retires what is queued and due: finished more than retire_grace before
 * the time of the record about to be applied (a record of an earlier time
 * may still be applied until then: the peer's connect may come after the
 * server end closed; one of the same time may be a tie), unless something
 * took it up again. With FORCE (end of input), all.
 */
static void retire_due(struct sl_model *m, bool force)
{
	struct sl_sock **q = m->retire_q;
	uint32_t h = m->retire_head;

	/* In order of finishing, nearly: stop at the first not yet due. */
	while (h < m->nretire_q) {
		struct sl_sock *s = q[h];

		if (!force && finished_at(s) + m->retire_grace >= m->last_ns)
			break;
		h++;
		s->retire_queued = false;
		if (s->holders || s->parked)
			continue;
		if (!force && m->nparked < SL_PARKED_MAX && sl_model_must_wait(m, s)) {
			sl_model_park(m, s);
			continue;
		}
		retire(m, s);
	}
	if (h == m->nretire_q) {
		m->nretire_q = h = 0;
	} else if (h > 1024 && h * 2 > m->nretire_q) {
		memmove(q, q + h, (m->nretire_q - h) * sizeof(*q));
		m->nretire_q -= h;
		h = 0;
	}
	m->retire_head = h;
	if (m->holes > 64 && m->holes * 2 > m->nsocks)
		squeeze(m);
}

void sl_model_retire_due(struct sl_model *m)
{
	retire_due(m, false);
}

/* End of input: every finished socket goes, parked or not. */
void sl_model_retire_all(struct sl_model *m)
{
	while (m->nparked) {
		struct sl_sock *s = m->parked[m->nparked - 1];

		sl_model_unpark_at(m, m->nparked - 1);
		sl_model_retire_later(m, s);
	}
	if (m->nretire_q)
		retire_due(m, true);
}
