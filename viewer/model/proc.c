/*
 * Processes in the socket model, and the records that are not calls: the
 * collector's note of a connection and of its end, hellos (a new
 * process, a new image after exec, a reconnect), drop reports; fork,
 * exec's list of what survived, exit; and the dispatch of every record.
 *
 * A process has exited when its connection ended (SL_REC_GONE) or, at
 * the end of the trace, when it said it was exiting (its EXIT record).
 * One cut off by the collector for bad records, or still connected when
 * the trace ended, was still running: what it held was still held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* A new image of P (its first, or one an exec started): its argv. */
static void add_image(struct sl_proc *p)
{
	char *name;
	size_t used = 0;

	p->images = sl_grow(p->images, &p->images_cap, p->nimages + 1,
				  sizeof(*p->images));
	name = p->images[p->nimages++];
	for (uint32_t off = 0; off < p->args_len && used + 1 < SL_IMAGE_NAME;) {
		size_t n = strnlen(p->args + off, p->args_len - off);

		used += (size_t)snprintf(name + used, SL_IMAGE_NAME - used,
					 "%s%.*s", off ? " " : "", (int)n,
					 p->args + off);
		off += (uint32_t)n + 1;
	}
	if (!used)
		snprintf(name, SL_IMAGE_NAME, "%.*s", SL_IMAGE_NAME - 1, p->exe);
}

const char *sl_model_image(const struct sl_model *m, const struct sl_sock *s)
{
	const struct sl_proc *p = s->proc_index < m->nprocs ?
				  m->procs[s->proc_index] : NULL;

	if (!p || !p->nimages)
		return "";
	return p->images[s->image < p->nimages ? s->image : p->nimages - 1];
}

static struct sl_proc *new_proc(struct sl_model *m, uint32_t pid)
{
	struct sl_proc *p = sl_xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->exit_status = -1;
	p->index = m->nprocs;
	m->procs = sl_grow(m->procs, &m->procs_cap, m->nprocs + 1,
			      sizeof(*m->procs));
	m->procs[m->nprocs++] = p;
	sl_hash_put(m->by_pid, pid, p);
	return p;
}

/* The process exited at TS (its connection is gone, or the trace ended
 * after its EXIT record); its fds were let go by GONE at the latest
 * (when the collector saw its connection end; hold.c). */
static void proc_end_by(struct sl_model *m, struct sl_proc *p, uint64_t ts,
			uint64_t gone)
{
	while (p->nfds)
		sl_model_exit_hold(m, p, p->fds[p->nfds - 1].fd, ts, gone);
	p->ended = true;
	p->end_ns = ts;
	sl_model_unpark(m);
}

static void proc_end(struct sl_model *m, struct sl_proc *p, uint64_t ts)
{
	proc_end_by(m, p, ts, ts);
}

/* What P's holds moved so far goes on their sockets: the trace ended
 * while P held them. */
static void count_holds(struct sl_proc *p)
{
	for (uint32_t i = 0; i < p->nfds; i++) {
		struct sl_hold *h = &p->fds[i];

		if (!h->s)
			continue;
		h->s->tx_bytes += h->tx_bytes;
		h->s->rx_bytes += h->rx_bytes;
		h->s->tx_calls += h->tx_calls;
		h->s->rx_calls += h->rx_calls;
		h->s->eagain += h->eagain;
		h->s->peeks += h->peeks;
		h->tx_bytes = h->rx_bytes = h->tx_calls = h->rx_calls = 0;
		h->eagain = h->peeks = 0;
	}
}

/* End of input: a process that said it was exiting (its EXIT record) and
 * whose connection's end the trace did not get exited all the same; the
 * others were still running, holding what they held. */
void sl_model_finish_procs(struct sl_model *m)
{
	for (uint32_t i = 0; i < m->nprocs; i++) {
		struct sl_proc *p = m->procs[i];

		if (!p->ended && !p->cut && p->exit_ns && !p->pending_exec)
			proc_end(m, p, p->exit_ns);
		else if (!p->ended && p->vfork_child && p->awaiting_hello)
			/* It exited, or exec'd what we do not trace, before
			 * its parent ran again. */
			proc_end(m, p, p->start_ns);
		else if (!p->ended)
			count_holds(p);
	}
}

/* The map of CONN, made on first sight: in a list, found through a
 * hash, so a connection number a hostile trace makes up costs one entry,
 * not an array that long. */
struct sl_conn_map *sl_model_conn(struct sl_model *m, uint32_t conn)
{
	uintptr_t i;

	if (!conn)
		return NULL;
	i = (uintptr_t)sl_hash_get(m->by_conn, conn);
	if (i)
		return &m->conns[i - 1];
	m->conns = sl_grow(m->conns, &m->conns_cap, m->nconns + 1,
				 sizeof(*m->conns));
	sl_xhash_put(m->by_conn, conn, (void *)(uintptr_t)(m->nconns + 1));
	return &m->conns[m->nconns++];
}

/* CM now carries P (or nothing): each process counts its connections. */
void sl_model_conn_carries(struct sl_conn_map *cm, struct sl_proc *p)
{
	if (cm->proc)
		cm->proc->nconns--;
	cm->proc = p;
	if (p)
		p->nconns++;
}

/*
 * A hello: which process is it? A reconnect continues its process; a
 * second hello on a connection, or a hello from a pid whose last image
 * exec'd, is that process's new image; anything else (a fork child, a
 * new program) is a new process.
 */
void sl_model_hello(struct sl_model *m, struct sl_conn_map *cm,
		     const struct sl_rec_hello *h)
{
	uint32_t pid = cm->pid ? cm->pid : h->pid;
	struct sl_proc *p = cm->proc ? cm->proc : sl_model_proc(m, pid);

	if (p && !p->ended && (h->flags & SL_HELLO_RECONNECT)) {
		sl_model_conn_carries(cm, p);
		return;
	}
	if (p && p->awaiting_hello && (h->flags & SL_HELLO_FORKED)) {
		p->awaiting_hello = false;
		sl_model_conn_carries(cm, p);
		return;
	}
	/* A vfork child's first word is from the image it exec'd, which
	 * began at about its first clock reading. */
	if (p && p->awaiting_hello && p->vfork_child && h->ppid == p->ppid) {
		p->awaiting_hello = false;
		p->pending_exec = true;
		p->exec_ns = h->mono_ns && h->mono_ns < h->h.ts_ns ?
			     h->mono_ns : h->h.ts_ns;
	}
	if (p && (p->pending_exec || (h->flags & SL_HELLO_EXEC))) {
		p->pending_exec = false;
		p->vfork_child = false;
		p->exec_inherit = true;
		p->ended = false;
		p->execs++;
		for (uint32_t i = 0; i < p->nfds; i++)
			p->fds[i].confirmed = false;
	} else {
		if (p && !p->ended)
			proc_end(m, p, h->h.ts_ns);
		p = new_proc(m, pid);
		/* A fork child inherits its parent's start time reading. */
		p->start_ns = (h->flags & SL_HELLO_FORKED) ? h->h.ts_ns :
							     h->mono_ns;
	}
	p->ppid = h->ppid;
	p->real_offset = h->real_ns - h->mono_ns;
	memcpy(p->exe, h->exe, sizeof(p->exe));
	memcpy(p->args, h->args, h->args_len);
	p->args_len = h->args_len;
	add_image(p);
	sl_model_conn_carries(cm, p);
}

/*
 * The parent's fork record: the child holds a copy of every fd the parent
 * holds now, whatever the parent closes next. The child's own hello may
 * come before this record (then it has listed them itself) or after.
 *
 * A vfork child records nothing until the image it execs says hello
 * (without SL_HELLO_FORKED); its parent waits meanwhile, so the copies
 * are borrowed: what the new image lists is its own from then on, what
 * it does not list it let go before its parent ran again (hold.c's
 * release).
 */
void sl_model_fork(struct sl_model *m, struct sl_proc *p, uint32_t pid,
		   uint64_t ts, bool vfork)
{
	struct sl_proc *q = sl_model_proc(m, pid);

	/* The child's hello came first: it listed its fds itself, and may
	 * even be gone already. */
	if (q && q->ppid == p->pid)
		return;
	if (q && !q->ended)
		proc_end(m, q, ts);
	q = new_proc(m, pid);
	q->ppid = p->pid;
	q->start_ns = ts;
	q->awaiting_hello = true;
	q->vfork_child = vfork;
	q->real_offset = p->real_offset;
	memcpy(q->exe, p->exe, sizeof(q->exe));
	memcpy(q->args, p->args, p->args_len);
	q->args_len = p->args_len;
	add_image(q);
	for (uint32_t i = 0; i < p->nfds; i++) {
		struct sl_hold *h = NULL;

		if (p->fds[i].s)
			h = sl_model_take(m, q, p->fds[i].fd, p->fds[i].s, ts);
		else if (p->fds[i].ep)
			h = sl_model_take_epoll(m, q, p->fds[i].fd,
						p->fds[i].ep);
		if (h)
			h->borrowed = vfork;
	}
}

/* After a new image's INHERIT list: what it did not list died at exec. */
void sl_model_fds_done(struct sl_model *m, struct sl_proc *p)
{
	if (!p->exec_inherit)
		return;
	p->exec_inherit = false;
	/* Backwards: a release moves the last hold into its place, one
	 * already seen. */
	for (uint32_t i = p->nfds; i-- > 0;) {
		struct sl_hold *h = &p->fds[i];

		if (!h->confirmed) {
			sl_model_release(m, p, h->fd, p->exec_ns, SL_LET_CLOSE);
		} else if (h->s && h->fd > 2) {
			/* It survived the exec: no close-on-exec (as stdin,
			 * stdout or stderr it is meant to). */
			h->s->exec_inherited = true;
			h->s->exec_pid = p->pid;
		}
	}
}

void sl_model_gone(struct sl_model *m, struct sl_conn_map *cm,
		    const struct sl_rec_gone *g)
{
	struct sl_proc *p = cm->proc;

	if (g->bad_records)
		m->bad_conns++;
	sl_model_conn_carries(cm, NULL);
	/* An exec closed the old image's connection; the process lives on
	 * in its new image, whose hello may still come. */
	if (!p || p->ended || p->pending_exec)
		return;
	/* Cut off by the collector, the process ran on untraced: what it
	 * held was still held when its trace ended. */
	if (g->bad_records) {
		p->cut = true;
		return;
	}
	/* Gone without its EXIT record, it was killed: the counters of
	 * what it held went with it since each socket's last record. */
	if (!p->nconns && !p->exit_ns)
		for (uint32_t i = 0; i < p->nfds; i++)
			if (p->fds[i].s)
				p->fds[i].s->killed = true;
	/* It exited after its EXIT record, before the collector saw its
	 * connection end. */
	if (!p->nconns)
		proc_end_by(m, p, p->exit_ns && p->exit_ns <= g->h.ts_ns ?
			    p->exit_ns : g->h.ts_ns, g->h.ts_ns);
}

