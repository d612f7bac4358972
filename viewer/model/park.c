/*
 * What waits before it is retired, and the list it may wait on.
 *
 * A finished socket (nobody holds it) is queued for retiring
 * (retire.c). Two things can still come for one later than the file's
 * grace, and it is parked until they have: the server end of a client
 * whose connection waited in a traced listener's queue (the client may
 * close long before the accept returns; it waits while that listener
 * listens), and the module map that names its caller (sent again after
 * a dlopen, at the process's next flush of its own; it waits while its
 * process runs). So the listeners open now are kept here too: pairing
 * (pair.c) asks which one a client connected to.
 */
#include <string.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* S is finished: queue it for retiring, if the reader retires. */
void sl_model_retire_later(struct sl_model *m, struct sl_sock *s)
{
	if (!m->retire || s->retire_queued)
		return;
	s->retire_queued = true;
	m->retire_q = sl_grow(m->retire_q, &m->retire_q_cap,
				    m->nretire_q + 1, sizeof(*m->retire_q));
	m->retire_q[m->nretire_q++] = s;
}

/* Where ADDR stands in the module map of P's IMAGE (a fork child runs
 * its parent's, and reports none of its own). */
enum mapping { NO_MAP, MAPPED, UNMAPPED };

static enum mapping mapping_of(const struct sl_model *m,
			       const struct sl_proc *p, uint32_t image,
			       uint64_t addr)
{
	for (int hops = 0; p && hops < 8; hops++) {
		bool any = false;

		for (uint32_t i = 0; i < p->nmods; i++) {
			if (p->mods[i].image != image)
				continue;
			any = true;
			if (addr >= p->mods[i].start && addr < p->mods[i].end)
				return MAPPED;
		}
		if (any)
			return UNMAPPED;
		p = sl_model_proc(m, p->ppid);
		image = p && p->nimages ? p->nimages - 1 : 0;
	}
	return NO_MAP;
}

/*
 * Something may still come for finished S (see the top): its peer, while
 * the listener it connected to listens; or, while its process runs, the
 * map of the object its caller is in (a map that names other objects
 * but not this one: a dlopen since; with no map at all, none is coming).
 */
bool sl_model_must_wait(const struct sl_model *m, const struct sl_sock *s)
{
	const struct sl_proc *p = s->proc_index < m->nprocs ?
				  m->procs[s->proc_index] : NULL;

	if (!s->peer_id && s->conn_listener) {
		for (uint32_t i = 0; i < m->nlistening; i++)
			if (m->listening[i]->id == s->conn_listener)
				return true;
	}
	return s->caller && p && !p->ended && !p->cut &&
	       mapping_of(m, p, s->image, s->caller) == UNMAPPED;
}

void sl_model_unpark_at(struct sl_model *m, uint32_t i)
{
	struct sl_sock *s = m->parked[i];

	m->parked[i] = m->parked[--m->nparked];
	s->parked = false;
}

/* Parked sockets that need not wait any more are queued again. */
void sl_model_unpark(struct sl_model *m)
{
	for (uint32_t i = 0; i < m->nparked; i++) {
		struct sl_sock *s = m->parked[i];

		if (s->holders || sl_model_must_wait(m, s))
			continue;
		sl_model_unpark_at(m, i--);
		sl_model_retire_later(m, s);
	}
}

/* S need not wait for its peer any more: queued again, if it is parked. */
void sl_model_unpark_sock(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; s->parked && i < m->nparked; i++) {
		if (m->parked[i] != s)
			continue;
		if (s->holders || sl_model_must_wait(m, s))
			return;
		sl_model_unpark_at(m, i);
		sl_model_retire_later(m, s);
		return;
	}
}

/* S must wait (sl_model_must_wait): parked until it need not. */
void sl_model_park(struct sl_model *m, struct sl_sock *s)
{
	m->parked = sl_grow(m->parked, &m->parked_cap, m->nparked + 1,
			    sizeof(*m->parked));
	m->parked[m->nparked++] = s;
	s->parked = true;
}

/* When S began to listen; 0 if it never did. */
uint64_t sl_model_listen_ns(const struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nspans; i++)
		if (s->spans[i].state == SL_SS_LISTENING)
			return s->spans[i].start_ns;
	return 0;
}

void sl_model_listener_add(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; i < m->nlistening; i++)
		if (m->listening[i] == s)
			return;
	m->listening = sl_grow(m->listening, &m->listening_cap,
				     m->nlistening + 1, sizeof(*m->listening));
	m->listening[m->nlistening++] = s;
}

/* S stopped listening (nobody holds it): the clients kept for it go. */
void sl_model_listener_gone(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; i < m->nlistening; i++) {
		if (m->listening[i] != s)
			continue;
		memmove(&m->listening[i], &m->listening[i + 1],
			(m->nlistening - i - 1) * sizeof(*m->listening));
		m->nlistening--;
		if (m->nparked)
			sl_model_unpark(m);
		return;
	}
}
