/*
 * epoll instances in the socket model: which sockets each
 * watches with which events, added and removed when; each wait, how long
 * it blocked and what it returned. A wait's ready list holds the event
 * data the program registered, and epoll_ctl told which socket that data
 * stands for. poll and select name their sockets by inode directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* Event data may be 0 (fd 0, a NULL pointer); the map's key may not. */
#define DATA_KEY(d) ((d) ^ 0x9e3779b97f4a7c15ull)

static struct sl_epoll *new_epoll(struct sl_model *m, struct sl_proc *p,
				  uint64_t key, int fd, uint64_t ts)
{
	struct sl_epoll *ep = sl_xcalloc(1, sizeof(*ep));
	ep->id = ++m->epoll_ids;
	ep->key = key;
	ep->creator_pid = p->pid;
	ep->proc_index = p->index;
	ep->fd = fd;
	ep->start_ns = ep->last_ns = ts;
	ep->by_fd = sl_xhash_new();
	ep->by_data = sl_xhash_new();
	m->epolls = sl_grow(m->epolls, &m->epolls_cap, m->nepolls + 1,
				  sizeof(*m->epolls));
	m->epolls[m->nepolls++] = ep;
	sl_hash_put(m->by_epoll, key, ep);
	return ep;
}

/* The instance the preload's KEY names now, or NULL: an instance merged
 * into another (sl_model_epoll_merge) stands for that one. */
struct sl_epoll *sl_model_epoll_of_key(const struct sl_model *m, uint64_t key)
{
	struct sl_epoll *ep = key ? sl_hash_get(m->by_epoll, key) : NULL;

	while (ep && ep->merged_into)
		ep = ep->merged_into;
	return ep;
}

struct sl_epoll *sl_model_find_epoll(struct sl_model *m, struct sl_proc *p,
				     uint64_t key, int fd, uint64_t ts)
{
	struct sl_epoll *ep = sl_model_epoll_of_key(m, key);

	return ep ? ep : new_epoll(m, p, key, fd, ts);
}

/* Calls on an epoll fd: create, close, dup, inherit (a receipt is
 * handoff.c's). */
void sl_model_epoll_call(struct sl_model *m, struct sl_proc *p,
			 const struct sl_rec_call *c)
{
	struct sl_hold *h = sl_model_hold(p, c->fd);
	struct sl_epoll *ep;

	switch (c->call) {
	case SL_CALL_EPOLL_CREATE:
		if (c->ret < 0)
			return;
		ep = new_epoll(m, p, c->inode, (int)c->ret, c->h.ts_ns);
		sl_model_take_epoll(m, p, (int)c->ret, ep);
		return;
	case SL_CALL_CLOSE:
	case SL_CALL_CLOSE_RANGE:
	case SL_CALL_CLOSEFROM:
		sl_model_close(m, p, c);
		return;
	case SL_CALL_DUP:
	case SL_CALL_DUP2:
	case SL_CALL_DUP3:
	case SL_CALL_FCNTL:
		if (c->ret < 0)
			return;
		ep = h && h->ep ? h->ep :
			sl_model_find_epoll(m, p, c->inode, c->fd, c->h.ts_ns);
		sl_model_take_epoll(m, p, (int)c->ret, ep);
		return;
	case SL_CALL_INHERIT:
		if (h && h->ep && h->ep->key == c->inode) {
			h->confirmed = true;
			h->borrowed = false;
			return;
		}
		ep = sl_model_find_epoll(m, p, c->inode, c->fd, c->h.ts_ns);
		sl_model_take_epoll(m, p, c->fd, ep);
		return;
	default:
		return;
	}
}

static void add_epoll_id(struct sl_sock *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->nepolls; i++)
		if (s->epolls[i] == id)
			return;
	s->epolls = sl_grow(s->epolls, &s->epolls_cap, s->nepolls + 1,
				  sizeof(*s->epolls));
	s->epolls[s->nepolls++] = id;
}

/* Index + 1 as a map value; 0 is "none". */
#define IDX(i) ((void *)(uintptr_t)((i) + 1))
#define UNIDX(v) ((uint32_t)(uintptr_t)(v) - 1)

/* The watch of FD that is in force (not removed), or NULL. */
static struct sl_watch *current_watch(struct sl_epoll *ep, int fd)
{
	void *v = sl_hash_get(ep->by_fd, (uint64_t)(uint32_t)fd + 1);

	return v ? &ep->watches[UNIDX(v)] : NULL;
}

/*
 * ADD starts a watch, DEL ends it, MOD changes its events in place (an
 * event loop that toggles write interest does so per request).
 */
void sl_model_epoll_ctl(struct sl_model *m, struct sl_proc *p,
			const struct sl_rec_epoll_ctl *e)
{
	struct sl_epoll *ep = sl_model_find_epoll(m, p, e->epoll_id, e->epfd,
					 e->h.ts_ns);
	struct sl_watch *w = current_watch(ep, e->fd);
	struct sl_hold *h = sl_model_hold(p, e->fd);
	struct sl_sock *s = h && h->s ? h->s : NULL;
	uint64_t fd_key = (uint64_t)(uint32_t)e->fd + 1;

	ep->last_ns = e->h.ts_ns;
	if (e->ret < 0)
		return;
	if (w && e->op == EPOLL_CTL_MOD) {
		w->events = e->events;
		w->mods++;
		if (w->data != e->data) {
			w->data = e->data;
			sl_hash_put(ep->by_data, DATA_KEY(e->data),
				    IDX(w - ep->watches));
		}
		return;
	}
	if (w) {
		w->removed_ns = e->h.ts_ns;
		sl_hash_put(ep->by_fd, fd_key, NULL);
		if (sl_hash_get(ep->by_data, DATA_KEY(w->data)) ==
		    IDX(w - ep->watches))
			sl_hash_put(ep->by_data, DATA_KEY(w->data), NULL);
	}
	if (e->op == EPOLL_CTL_DEL)
		return;
	ep->watches = sl_grow(ep->watches, &ep->watches_cap,
				    ep->nwatches + 1, sizeof(*ep->watches));
	w = &ep->watches[ep->nwatches];
	*w = (struct sl_watch){ .data = e->data, .s = s, .fd = e->fd,
				.events = e->events, .added_ns = e->h.ts_ns };
	sl_hash_put(ep->by_fd, fd_key, IDX(ep->nwatches));
	sl_hash_put(ep->by_data, DATA_KEY(e->data), IDX(ep->nwatches));
	ep->nwatches++;
	if (s)
		add_epoll_id(s, ep->id);
}

/*
 * Keeps readiness marks spread over the socket's whole life: when the
 * array is full, every other mark goes and only one in twice as many is
 * kept from then on.
 */
static void mark(struct sl_sock *s, uint64_t ts, uint32_t events)
{
	if (!s->marks_stride)
		s->marks_stride = 1;
	if (s->ready_events++ % s->marks_stride)
		return;
	if (s->nmarks >= SL_MARKS_KEPT) {
		for (uint32_t i = 0; i < s->nmarks / 2; i++)
			s->marks[i] = s->marks[2 * i];
		s->nmarks /= 2;
		s->marks_stride *= 2;
	}
	s->marks = sl_grow(s->marks, &s->marks_cap, s->nmarks + 1,
				 sizeof(*s->marks));
	s->marks[s->nmarks++] = (struct sl_mark){ ts, events };
}

/* The socket a ready entry of an epoll wait stands for: the watch
 * registered with that data (records come in time order). */
static struct sl_sock *ready_sock(struct sl_epoll *ep, uint64_t data)
{
	void *v = sl_hash_get(ep->by_data, DATA_KEY(data));

	return v ? ep->watches[UNIDX(v)].s : NULL;
}

static void epoll_wait_rec(struct sl_model *m, struct sl_proc *p,
			   const struct sl_rec_wait *w)
{
	struct sl_epoll *ep = sl_model_find_epoll(m, p, w->epoll_id, w->epfd,
					 w->h.ts_ns);
	uint64_t end = w->h.ts_ns + w->dur_ns;

	ep->waits_total++;
	ep->idle_polls += w->idle_polls;
	ep->blocked_ns += w->dur_ns;
	ep->events_total += w->ret > 0 ? (uint64_t)w->ret : 0;
	ep->events_unlisted += w->more;
	ep->last_ns = end;
	if (ep->nwaits_kept < SL_WAITS_KEPT) {
		ep->waits = sl_grow(ep->waits, &ep->waits_cap,
					  ep->nwaits_kept + 1,
					  sizeof(*ep->waits));
		ep->waits[ep->nwaits_kept++] = (struct sl_wait){
			w->h.ts_ns, w->dur_ns,
			w->ret > 0 ? (uint32_t)w->ret : 0 };
	}
	for (uint32_t i = 0; i < w->nready; i++) {
		struct sl_sock *s = ready_sock(ep, w->ready[i].key);

		if (s)
			mark(s, end, w->ready[i].events);
	}
}

void sl_model_wait(struct sl_model *m, struct sl_proc *p,
		   const struct sl_rec_wait *w)
{
	uint64_t end = w->h.ts_ns + w->dur_ns;

	m->waits++;
	if (w->epoll_id) {
		epoll_wait_rec(m, p, w);
		return;
	}
	for (uint32_t i = 0; i < w->nready; i++) {
		struct sl_hold *h = sl_model_hold(p, w->ready[i].fd);

		if (h && h->s && h->s->inode == w->ready[i].key)
			mark(h->s, end, w->ready[i].events);
	}
}

/* The instance of ID, or NULL: the list is in order of id, with gaps
 * where a merged instance left it. */
struct sl_epoll *sl_model_epoll_by_id(const struct sl_model *m, uint32_t id)
{
	uint32_t lo = 0, hi = m->nepolls;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->epolls[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nepolls && m->epolls[lo]->id == id ? m->epolls[lo] :
							      NULL;
}

/* S was watched by FROM, which is INTO. */
static void rename_epoll_id(struct sl_sock *s, uint32_t from, uint32_t into)
{
	uint32_t k = 0;
	bool have = false;

	for (uint32_t i = 0; i < s->nepolls; i++)
		have |= s->epolls[i] == into;
	for (uint32_t i = 0; i < s->nepolls; i++) {
		if (s->epolls[i] == from && have)
			continue;
		s->epolls[k++] = s->epolls[i] == from ? into : s->epolls[i];
	}
	s->nepolls = k;
}

static void move_watches(struct sl_epoll *into, const struct sl_epoll *from)
{
	for (uint32_t i = 0; i < from->nwatches; i++) {
		const struct sl_watch *w = &from->watches[i];
		uint32_t at = into->nwatches;

		into->watches = sl_grow(into->watches, &into->watches_cap,
					      at + 1, sizeof(*into->watches));
		into->watches[into->nwatches++] = *w;
		if (!w->removed_ns) {
			sl_hash_put(into->by_fd, (uint64_t)(uint32_t)w->fd + 1,
				    IDX(at));
			sl_hash_put(into->by_data, DATA_KEY(w->data), IDX(at));
		}
		if (w->s)
			rename_epoll_id(w->s, from->id, into->id);
	}
}

/* Both instances' waits, in order of time, the first SL_WAITS_KEPT. */
static void merge_waits(struct sl_epoll *into, const struct sl_epoll *from)
{
	uint32_t n = into->nwaits_kept + from->nwaits_kept, i = 0, j = 0;
	struct sl_wait *w;

	if (n > SL_WAITS_KEPT)
		n = SL_WAITS_KEPT;
	w = sl_xcalloc(n, sizeof(*w));
	for (uint32_t k = 0; k < n; k++) {
		if (j >= from->nwaits_kept ||
		    (i < into->nwaits_kept &&
		     into->waits[i].ts <= from->waits[j].ts))
			w[k] = into->waits[i++];
		else
			w[k] = from->waits[j++];
	}
	free(into->waits);
	into->waits = w;
	into->nwaits_kept = into->waits_cap = n;
}

/* FROM leaves the list of instances; it is kept, emptied, for the keys
 * that still name it. */
static void retire_merged(struct sl_model *m, struct sl_epoll *from)
{
	for (uint32_t i = 0; i < m->nepolls; i++) {
		if (m->epolls[i] != from)
			continue;
		memmove(&m->epolls[i], &m->epolls[i + 1],
			(m->nepolls - i - 1) * sizeof(*m->epolls));
		m->nepolls--;
		break;
	}
	free(from->watches);
	sl_hash_free(from->by_fd);
	sl_hash_free(from->by_data);
	free(from->waits);
	from->watches = NULL;
	from->by_fd = from->by_data = NULL;
	from->waits = NULL;
	from->nwatches = from->nwaits_kept = 0;
	m->merged = sl_grow(m->merged, &m->merged_cap, m->nmerged + 1,
				  sizeof(*m->merged));
	m->merged[m->nmerged++] = from;
}

/*
 * FROM, an instance a receiver's preload named, turns out to be INTO,
 * the instance passed to it (its sending was applied after the receipt:
 * the sender's records came late). One instance: FROM's watches, waits
 * and holders become INTO's, and FROM's keys name INTO from now on.
 */
void sl_model_epoll_merge(struct sl_model *m, struct sl_epoll *into,
			  struct sl_epoll *from)
{
	if (into == from || from->merged_into)
		return;
	move_watches(into, from);
	merge_waits(into, from);
	into->waits_total += from->waits_total;
	into->events_total += from->events_total;
	into->events_unlisted += from->events_unlisted;
	into->blocked_ns += from->blocked_ns;
	into->idle_polls += from->idle_polls;
	if (from->last_ns > into->last_ns)
		into->last_ns = from->last_ns;
	if (from->end_ns > into->last_ns)
		into->last_ns = from->end_ns;
	into->holders += from->holders;
	for (uint32_t i = 0; i < m->nprocs; i++)
		for (uint32_t k = 0; k < m->procs[i]->nfds; k++)
			if (m->procs[i]->fds[k].ep == from)
				m->procs[i]->fds[k].ep = into;
	from->merged_into = into;
	retire_merged(m, from);
}
