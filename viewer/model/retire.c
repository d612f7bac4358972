/*
 * Retiring finished sockets, for a reader that wants each socket once and
 * as soon as it is done (export -f sockets): memory then follows the
 * sockets open at once, not the length of the trace.
 *
 * A socket is finished when no process holds it any more: closed by its
 * last holder, or its last holder exited (not when another thread's new
 * socket took its fd before its close record came). It is queued then,
 * and once the trace's time has passed its end by the file's grace (how
 * late a record may still be applied, reorder.c) it is handed to
 * m->retire; then everything that could find it forgets it (the inode
 * map, the pairing tables, the epoll watches, the id table, squeezed now
 * and then) and it is freed. By then its peer has paired with it.
 *
 * Two things can still come for a finished socket later than that, and
 * it is parked until they have: the server end of a client whose
 * connection waited in a traced listener's queue (the client may close
 * long before the accept returns; it waits while that listener listens),
 * and the module map that names its caller (sent again after a dlopen,
 * at the process's next flush of its own; it waits while its process
 * runs).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/lib.h"
#include "model/model_int.h"

void sl_model_sock_free(struct sl_sock *s)
{
	if (!s)
		return;
	free(s->spans);
	free(s->pids);
	free(s->epolls);
	free(s->marks);
	free(s->pacts);
	free(s->samples);
	free(s->evts);
	free(s->incs);
	free(s->handoffs);
	free(s->epoll_sends.keys);
	free(s->epoll_recvs.keys);
	free(s);
}

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

/* Parked sockets at most: past it, they go without waiting. */
#define PARKED_MAX 65536

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
static bool must_wait(const struct sl_model *m, const struct sl_sock *s)
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

static void unpark_one(struct sl_model *m, uint32_t i)
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

		if (s->holders || must_wait(m, s))
			continue;
		unpark_one(m, i--);
		sl_model_retire_later(m, s);
	}
}

/* S need not wait for its peer any more: queued again, if it is parked. */
void sl_model_unpark_sock(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; s->parked && i < m->nparked; i++) {
		if (m->parked[i] != s)
			continue;
		if (s->holders || must_wait(m, s))
			return;
		unpark_one(m, i);
		sl_model_retire_later(m, s);
		return;
	}
}

static void retire(struct sl_model *m, struct sl_sock *s)
{
	for (uint32_t i = 0; s->parked && i < m->nparked; i++)
		if (m->parked[i] == s)
			unpark_one(m, i);
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
		if (!force && m->nparked < PARKED_MAX && must_wait(m, s)) {
			m->parked = sl_grow(m->parked, &m->parked_cap,
						  m->nparked + 1,
						  sizeof(*m->parked));
			m->parked[m->nparked++] = s;
			s->parked = true;
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

/* End of input: processes still running and their sockets stay open. */
void sl_model_finish(struct sl_model *m)
{
	sl_model_finish_procs(m);
	while (m->nparked) {
		struct sl_sock *s = m->parked[m->nparked - 1];

		unpark_one(m, m->nparked - 1);
		sl_model_retire_later(m, s);
	}
	if (m->nretire_q)
		retire_due(m, true);
	for (uint32_t i = 0; i < m->nsocks; i++)
		if (m->socks[i])
			sl_model_sock_final(m->socks[i]);
}

/* What a socket's last view needs, once nothing more will change it. */
void sl_model_sock_final(struct sl_sock *s)
{
	if (s->last_ns < s->start_ns)
		s->last_ns = s->start_ns;
	if (s->role == SL_ROLE_UNCONNECTED && s->type == SOCK_DGRAM &&
	    s->remote.len)
		s->role = SL_ROLE_DATAGRAM;
}
