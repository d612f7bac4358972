/*
 * Holds: which (pid, fd) pairs hold a socket or an epoll instance, with
 * that fd's counters so far. Records are applied in time order
 * (order/reorder.c). A fork copies every fd: the parent's fork record
 * gives the child a hold of everything the parent holds at that moment,
 * whatever the parent closes next, and the child's own list of what it
 * inherited (SL_CALL_INHERIT) confirms it. A new image lists what
 * survived its exec; the rest was close-on-exec (proc.c).
 *
 * A socket's last holder lets go by closing it (closed; close-on-exec
 * too), by exiting (open at exit: see proc.c), or not at all: then it
 * was still held when the trace ended (the collector stopped while the
 * program ran on). A socket that nobody holds any more is finished: a
 * listener leaves the list of listeners, and the socket is queued for
 * retiring (park.c).
 */
#include <string.h>

#include "lib/lib.h"
#include "model/model_int.h"

struct sl_hold *sl_model_hold(struct sl_proc *p, int fd)
{
	uintptr_t i;

	if (fd < 0 || !p->fd_index)
		return NULL;
	i = (uintptr_t)sl_hash_get(p->fd_index, (uint64_t)fd + 1);
	return i ? &p->fds[i - 1] : NULL;
}

static void index_hold(struct sl_proc *p, uint32_t i)
{
	sl_xhash_put(p->fd_index, (uint64_t)p->fds[i].fd + 1,
		     (void *)(uintptr_t)(i + 1));
}

/* Takes H out of P's holds: the last one moves into its place. */
static void drop_hold(struct sl_proc *p, struct sl_hold *h)
{
	uint32_t i = (uint32_t)(h - p->fds);

	sl_hash_del(p->fd_index, (uint64_t)h->fd + 1);
	if (i != --p->nfds) {
		*h = p->fds[p->nfds];
		index_hold(p, i);
	}
	memset(&p->fds[p->nfds], 0, sizeof(*h));
}

/* A new hold of P's FD: whatever it held before is let go first. */
static void release(struct sl_model *m, struct sl_proc *p, int fd,
		    uint64_t ts, uint64_t done, enum sl_let how);

static struct sl_hold *new_hold(struct sl_model *m, struct sl_proc *p,
				int fd, uint64_t ts)
{
	struct sl_hold *h;

	if (fd < 0)
		return NULL;
	if (!p->fd_index)
		p->fd_index = sl_xhash_new();
	/* Not a close we saw: the fd was reused before its close record came
	 * (both are stamped before their calls), which may yet come. */
	if (sl_model_hold(p, fd))
		release(m, p, fd, ts, ts, SL_LET_DISPLACED);
	p->fds = sl_grow(p->fds, &p->fds_cap, p->nfds + 1,
			       sizeof(*p->fds));
	h = &p->fds[p->nfds];
	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->confirmed = true;
	index_hold(p, p->nfds++);
	return h;
}

struct sl_hold *sl_model_take_epoll(struct sl_model *m, struct sl_proc *p,
				    int fd, struct sl_epoll *ep)
{
	struct sl_hold *h = new_hold(m, p, fd, ep->last_ns);

	if (h) {
		h->ep = ep;
		ep->holders++;
	}
	return h;
}

static void add_pid(struct sl_sock *s, uint32_t pid)
{
	for (uint32_t i = 0; i < s->npids; i++)
		if (s->pids[i] == pid)
			return;
	s->pids = sl_grow(s->pids, &s->pids_cap, s->npids + 1,
			     sizeof(*s->pids));
	s->pids[s->npids++] = pid;
}

/* PID's FD now holds S (releasing whatever it held before). */
struct sl_hold *sl_model_take(struct sl_model *m, struct sl_proc *p, int fd,
			      struct sl_sock *s, uint64_t ts)
{
	struct sl_hold *h = new_hold(m, p, fd, ts);

	if (!h)
		return NULL;
	h->s = s;
	s->holders++;
	s->open_at_exit = false;	/* held again: it did not end there */
	add_pid(s, p->pid);
	return h;
}

/* Copies a record's fd counters into its hold: they are running totals. */
void sl_model_counters(struct sl_hold *h, const struct sl_rec_call *c)
{
	if (!h)
		return;
	h->tx_bytes = c->tx_bytes;
	h->rx_bytes = c->rx_bytes;
	h->tx_calls = c->tx_calls;
	h->rx_calls = c->rx_calls;
	h->eagain = c->eagain;
	h->peeks = c->peeks;
}

/* P let go of a vfork copy of S unused: unless it holds S at another fd,
 * it never held S as a program of its own. */
static void forget_pid(struct sl_proc *p, struct sl_sock *s)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < p->nfds; i++)
		if (p->fds[i].s == s)
			return;
	for (uint32_t i = 0; i < s->npids; i++)
		if (s->pids[i] != p->pid)
			s->pids[k++] = s->pids[i];
	s->npids = k;
}

/* P's hold H of S is gone: its counters go on S. */
static void let_go(struct sl_proc *p, struct sl_hold *h, struct sl_sock *s)
{
	s->tx_bytes += h->tx_bytes;
	s->rx_bytes += h->rx_bytes;
	s->tx_calls += h->tx_calls;
	s->rx_calls += h->rx_calls;
	s->eagain += h->eagain;
	s->peeks += h->peeks;
	drop_hold(p, h);
}

static void release_epoll(struct sl_proc *p, struct sl_hold *h, uint64_t ts,
			  enum sl_let how)
{
	struct sl_epoll *ep = h->ep;

	drop_hold(p, h);
	if (ep->holders && --ep->holders)
		return;
	/* A wait that returned after this close (another thread's, or a
	 * receiver's seen before its sending) used it until then. */
	ep->end_ns = ts > ep->last_ns ? ts : ep->last_ns;
	ep->closed = how == SL_LET_CLOSE;
}

/* Whether L may have come after every other let of S: each let is
 * stamped before its call, so one that returned before another's stamp
 * came first. */
static bool may_be_last(const struct sl_sock *s, const struct sl_let_span *l)
{
	uint64_t others = l->ts == s->let_top_ts ? s->let_next_ts :
			  s->let_top_ts;

	return l->done >= others;
}

/*
 * PID let go of S over [TS, DONE]. The lets that may have been the last
 * stay in S's list; a let that fails may_be_last never passes it again
 * (the latest stamps only grow). Past SL_LASTS_KEPT, the one that
 * returned first goes: the one that returned last always stays.
 */
static void note_let(struct sl_sock *s, uint32_t pid, uint64_t ts,
		     uint64_t done, enum sl_let how)
{
	struct sl_let_span l = { .ts = ts, .done = done, .pid = pid,
				 .how = (uint8_t)how };
	uint32_t k = 0, first = 0;

	if (ts >= s->let_top_ts) {
		s->let_next_ts = s->let_top_ts;
		s->let_top_ts = ts;
	} else if (ts > s->let_next_ts) {
		s->let_next_ts = ts;
	}
	for (uint32_t i = 0; i < s->nlasts; i++)
		if (may_be_last(s, &s->lasts[i]))
			s->lasts[k++] = s->lasts[i];
	s->nlasts = (uint8_t)k;
	if (!may_be_last(s, &l))
		return;
	if (s->nlasts == SL_LASTS_KEPT) {
		for (uint32_t i = 1; i < s->nlasts; i++)
			if (s->lasts[i].done < s->lasts[first].done)
				first = i;
		s->lasts[first] = s->lasts[--s->nlasts];
	}
	s->lasts[s->nlasts++] = l;
}

static bool has_pid(const uint32_t *pids, uint32_t n, uint32_t pid)
{
	for (uint32_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The processes whose lets of kind HOW may have been S's last, into
 * PIDS: the one named first when its end was of that kind, then the
 * others by when they were over, the latest first. */
static uint32_t lasts_of(const struct sl_sock *s, enum sl_let how,
			 uint32_t *pids, uint32_t max)
{
	uint32_t n = 0;
	bool taken[SL_LASTS_KEPT] = { false };

	if ((!s->closed && !s->open_at_exit) || !s->let_pid)
		return 0;
	if (n < max && s->let_how == how)
		pids[n++] = s->let_pid;
	while (n < max) {
		int best = -1;

		for (uint32_t i = 0; i < s->nlasts; i++) {
			const struct sl_let_span *l = &s->lasts[i];

			if (taken[i] || l->how != how)
				continue;
			if (best < 0 || l->done > s->lasts[best].done)
				best = (int)i;
		}
		if (best < 0)
			break;
		taken[best] = true;
		if (!has_pid(pids, n, s->lasts[best].pid))
			pids[n++] = s->lasts[best].pid;
	}
	return n;
}

uint32_t sl_sock_closed_by(const struct sl_sock *s, uint32_t *pids,
			   uint32_t max)
{
	return lasts_of(s, SL_LET_CLOSE, pids, max);
}

uint32_t sl_sock_exited_by(const struct sl_sock *s, uint32_t *pids,
			   uint32_t max)
{
	return lasts_of(s, SL_LET_EXIT, pids, max);
}

/*
 * P's hold of FD ends at TS, as HOW says. The socket ends with its last
 * holder: "closed" only if that holder closed it, open at exit if it
 * exited; then nobody holds it any more and it is done with
 * (retire.c). Displaced (the fd reused before its close record
 * came), it is neither: the close may yet come. The end is the latest
 * of the holders' lets, whatever order they were applied in; a vfork
 * child's copy let go before its new image listed it is none of them
 * (it ended before its parent ran again).
 *
 * Lets are ordered by DONE, when the call was over: a close is stamped
 * before it is entered (its fd may be reused as soon as it returns), so
 * two processes' closes can be stamped in one order and reach the
 * kernel in the other. The preload times the close of a socket another
 * process may hold (wire.h: dur_ns of a close), and the end is drawn at
 * the winner's stamp TS.
 */
static void release(struct sl_model *m, struct sl_proc *p, int fd,
		    uint64_t ts, uint64_t done, enum sl_let how)
{
	struct sl_hold *h = sl_model_hold(p, fd);
	struct sl_sock *s;
	bool borrowed;

	if (!h)
		return;
	if (h->ep) {
		release_epoll(p, h, ts, how);
		return;
	}
	s = h->s;
	borrowed = h->borrowed;
	let_go(p, h, s);
	if (borrowed)
		forget_pid(p, s);
	else if (how != SL_LET_DISPLACED)
		note_let(s, p->pid, ts, done, how);
	/* An exit is named by its stamp: the kernel lets a process's fds go
	 * soon after its EXIT record, though surely only by DONE. */
	if (how == SL_LET_EXIT)
		done = ts;
	if (!borrowed && how != SL_LET_DISPLACED && done >= s->let_done_ns) {
		s->let_ns = ts;
		s->let_done_ns = done;
		s->let_how = (uint8_t)how;
		s->let_pid = p->pid;
	}
	if (ts > s->last_ns && !borrowed)
		s->last_ns = ts;
	if (s->holders && --s->holders)
		return;
	if (how == SL_LET_DISPLACED && !borrowed)
		return;
	/* Records come in time order, not always: whoever let go latest
	 * ended it (an exit known by its EXIT record, applied when its
	 * connection's end came after another holder's close). */
	if (s->let_ns) {
		ts = s->let_ns;
		how = (enum sl_let)s->let_how;
	}
	if (how == SL_LET_DISPLACED)
		return;
	if (how == SL_LET_CLOSE) {
		s->closed = true;
		s->end_ns = ts < s->start_ns ? s->start_ns : ts;
		sl_model_end_spans(s, s->end_ns);
	} else {
		s->open_at_exit = true;
	}
	if (s->role == SL_ROLE_LISTENER)
		sl_model_listener_gone(m, s);
	sl_model_retire_later(m, s);
}

void sl_model_release(struct sl_model *m, struct sl_proc *p, int fd,
		      uint64_t ts, enum sl_let how)
{
	release(m, p, fd, ts, ts, how);
}

void sl_model_exit_hold(struct sl_model *m, struct sl_proc *p, int fd,
			uint64_t ts, uint64_t gone)
{
	release(m, p, fd, ts, gone > ts ? gone : ts, SL_LET_EXIT);
}

void sl_model_close(struct sl_model *m, struct sl_proc *p,
		    const struct sl_rec_call *c)
{
	release(m, p, c->fd, c->h.ts_ns, c->h.ts_ns + c->dur_ns,
		SL_LET_CLOSE);
}
