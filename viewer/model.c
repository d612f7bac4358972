/*
 * The socket model's bookkeeping: processes, sockets, holds, state spans,
 * and the records that are not calls (hello, drop, the collector's
 * connect and gone). model_calls.c applies the calls.
 *
 * Records are applied in file order. The collector writes a parent's
 * pre-fork batch before its child's first (collector.c), and a child or
 * a new image declares the sockets it holds (SL_CALL_INHERIT), so the
 * model never has to copy holds across fork or guess them across exec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "elfinfo.h"
#include "hash.h"
#include "model.h"
#include "model_int.h"
#include "reorder.h"

/* Collector connection number -> the process it carries. */
struct sl_conn_map {
	uint32_t pid;
	struct sl_proc *proc;
};

void *sl_model_grow(void *arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need)
		ncap *= 2;
	n = realloc(arr, (size_t)ncap * elem);
	if (!n) {
		fprintf(stderr, "%s: out of memory\n", sl_prog());
		exit(70);
	}
	memset((char *)n + (size_t)*cap * elem, 0,
	       (size_t)(ncap - *cap) * elem);
	*cap = ncap;
	return n;
}

void sl_model_init(struct sl_model *m)
{
	memset(m, 0, sizeof(*m));
	m->by_inode = sl_hash_new();
	m->by_pid = sl_hash_new();
	m->by_epoll = sl_hash_new();
	m->by_tuple = sl_hash_new();
	m->syms = sl_symcache_new();
	if (!m->by_inode || !m->by_pid || !m->by_epoll || !m->by_tuple ||
	    !m->syms) {
		fprintf(stderr, "%s: out of memory\n", sl_prog());
		exit(70);
	}
}

void sl_model_free(struct sl_model *m)
{
	for (uint32_t i = 0; i < m->nsocks; i++)
		sl_model_sock_free(m->socks[i]);
	free(m->retire_q);
	for (uint32_t i = 0; i < m->nepolls; i++) {
		free(m->epolls[i]->watches);
		sl_hash_free(m->epolls[i]->by_fd);
		sl_hash_free(m->epolls[i]->by_data);
		free(m->epolls[i]->waits);
		free(m->epolls[i]);
	}
	free(m->epolls);
	free(m->unix_pending);
	free(m->unix_srv_pending);
	sl_hash_free(m->by_epoll);
	sl_symcache_free(m->syms);
	sl_hash_free(m->by_tuple);
	for (uint32_t i = 0; i < m->nprocs; i++) {
		free(m->procs[i]->fds);
		free(m->procs[i]->images);
		free(m->procs[i]->mods);
		free(m->procs[i]);
	}
	free(m->socks);
	free(m->procs);
	free(m->conns);
	sl_hash_free(m->by_inode);
	sl_hash_free(m->by_pid);
	memset(m, 0, sizeof(*m));
}

struct sl_proc *sl_model_proc(const struct sl_model *m, uint32_t pid)
{
	return sl_hash_get(m->by_pid, pid);
}

/* A new image of P (its first, or one an exec started): its argv. */
static void add_image(struct sl_proc *p)
{
	char *name;
	size_t used = 0;

	p->images = sl_model_grow(p->images, &p->images_cap, p->nimages + 1,
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
	struct sl_proc *p = calloc(1, sizeof(*p));

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", sl_prog());
		exit(70);
	}
	p->pid = pid;
	p->exit_status = -1;
	p->index = m->nprocs;
	m->procs = sl_model_grow(m->procs, &m->procs_cap, m->nprocs + 1,
			      sizeof(*m->procs));
	m->procs[m->nprocs++] = p;
	sl_hash_put(m->by_pid, pid, p);
	return p;
}

/* A new socket object; it replaces any older one of the same inode. */
struct sl_sock *sl_model_new_sock(struct sl_model *m, uint64_t inode,
				  uint64_t ts)
{
	struct sl_sock *s = calloc(1, sizeof(*s));

	if (!s) {
		fprintf(stderr, "%s: out of memory\n", sl_prog());
		exit(70);
	}
	s->id = ++m->ids;
	s->slot = m->nsocks;
	s->inode = inode;
	s->start_ns = s->last_ns = ts;
	s->state = SL_ST_MAX;
	s->creator_fd = -1;
	s->keepalive = -1;
	m->socks = sl_model_grow(m->socks, &m->socks_cap, m->nsocks + 1,
			      sizeof(*m->socks));
	m->socks[m->nsocks++] = s;
	if (inode)
		sl_hash_put(m->by_inode, inode, s);
	return s;
}

struct sl_sock *sl_model_sock_by_inode(struct sl_model *m, uint64_t inode)
{
	return inode ? sl_hash_get(m->by_inode, inode) : NULL;
}

/* Moves S into state ST at TS: the current span ends where it begins. */
void sl_model_set_state(struct sl_sock *s, unsigned int st, uint64_t ts)
{
	struct sl_span *cur = s->nspans ? &s->spans[s->nspans - 1] : NULL;

	if (cur && cur->state == st && !cur->end_ns)
		return;
	if (cur && !cur->end_ns)
		cur->end_ns = ts < cur->start_ns ? cur->start_ns : ts;
	s->spans = sl_model_grow(s->spans, &s->spans_cap, s->nspans + 1,
			      sizeof(*s->spans));
	s->spans[s->nspans++] = (struct sl_span){ .state = (uint8_t)st,
						  .start_ns = ts };
	s->state = (uint8_t)st;
	if (ts > s->last_ns)
		s->last_ns = ts;
}

static void end_spans(struct sl_sock *s, uint64_t ts)
{
	struct sl_span *cur = s->nspans ? &s->spans[s->nspans - 1] : NULL;

	if (cur && !cur->end_ns)
		cur->end_ns = ts < cur->start_ns ? cur->start_ns : ts;
}

struct sl_hold *sl_model_hold(struct sl_proc *p, int fd)
{
	if (fd < 0 || (uint32_t)fd >= p->nfds ||
	    (!p->fds[fd].s && !p->fds[fd].ep))
		return NULL;
	return &p->fds[fd];
}

/* A new hold of P's FD: whatever it held before is let go first. */
static void release(struct sl_model *m, struct sl_proc *p, int fd,
		    uint64_t ts, bool closed, bool may_retire);

static struct sl_hold *new_hold(struct sl_model *m, struct sl_proc *p,
				int fd, uint64_t ts)
{
	struct sl_hold *h;

	if (fd < 0 || fd > (1 << 24))
		return NULL;
	/* Not a close we saw: the fd was reused before its close record came
	 * (both are stamped before their calls), which may yet come. */
	if (sl_model_hold(p, fd))
		release(m, p, fd, ts, false, false);
	p->fds = sl_model_grow(p->fds, &p->nfds, (uint32_t)fd + 1,
			       sizeof(*p->fds));
	h = &p->fds[fd];
	memset(h, 0, sizeof(*h));
	h->confirmed = true;
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
	s->pids = sl_model_grow(s->pids, &s->pids_cap, s->npids + 1,
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
}

/*
 * PID lets go of FD at TS: by close (CLOSED) or by exit or exec. The
 * socket ends with its last holder; it is "closed" only if that holder
 * closed it.
 */
/* P's hold of FD ends at TS; with MAY_RETIRE, a socket nobody holds any
 * more is done with (model_retire.c). */
static void release(struct sl_model *m, struct sl_proc *p, int fd,
		    uint64_t ts, bool closed, bool may_retire)
{
	struct sl_hold *h = sl_model_hold(p, fd);
	struct sl_epoll *ep;
	struct sl_sock *s;

	if (!h)
		return;
	ep = h->ep;
	if (ep) {
		memset(h, 0, sizeof(*h));
		if (ep->holders && --ep->holders)
			return;
		ep->end_ns = ts;
		ep->closed = closed;
		return;
	}
	s = h->s;
	s->tx_bytes += h->tx_bytes;
	s->rx_bytes += h->rx_bytes;
	s->tx_calls += h->tx_calls;
	s->rx_calls += h->rx_calls;
	s->eagain += h->eagain;
	memset(h, 0, sizeof(*h));
	if (ts > s->last_ns)
		s->last_ns = ts;
	if (s->holders && --s->holders)
		return;
	if (closed) {
		s->closed = true;
		s->end_ns = ts < s->start_ns ? s->start_ns : ts;
		end_spans(s, s->end_ns);
	} else {
		s->open_at_exit = true;
	}
	if (may_retire)
		sl_model_retire_later(m, s);
}

void sl_model_release(struct sl_model *m, struct sl_proc *p, int fd,
		      uint64_t ts, bool closed)
{
	release(m, p, fd, ts, closed, true);
}

/* The process ended (its connection is gone) at TS. */
static void proc_end(struct sl_model *m, struct sl_proc *p, uint64_t ts)
{
	for (uint32_t fd = 0; fd < p->nfds; fd++)
		sl_model_release(m, p, (int)fd, ts, false);
	p->ended = true;
	p->end_ns = ts;
}

static struct sl_conn_map *conn_slot(struct sl_model *m, uint32_t conn)
{
	if (!conn || conn > (1u << 26))
		return NULL;
	m->conns = sl_model_grow(m->conns, &m->nconns, conn + 1,
			      sizeof(*m->conns));
	return &m->conns[conn];
}

struct sl_proc *sl_model_conn_proc(struct sl_model *m, uint32_t conn)
{
	return conn && conn < m->nconns ? m->conns[conn].proc : NULL;
}

/*
 * A hello: which process is it? A reconnect continues its process; a
 * second hello on a connection, or a hello from a pid whose last image
 * exec'd, is that process's new image; anything else (a fork child, a
 * new program) is a new process.
 */
static void on_hello(struct sl_model *m, struct sl_conn_map *cm,
		     const struct sl_rec_hello *h)
{
	uint32_t pid = cm->pid ? cm->pid : h->pid;
	struct sl_proc *p = cm->proc ? cm->proc : sl_model_proc(m, pid);

	if (p && !p->ended && (h->flags & SL_HELLO_RECONNECT)) {
		cm->proc = p;
		return;
	}
	if (p && p->awaiting_hello && (h->flags & SL_HELLO_FORKED)) {
		p->awaiting_hello = false;
		cm->proc = p;
		return;
	}
	if (p && (p->pending_exec || (h->flags & SL_HELLO_EXEC))) {
		p->pending_exec = false;
		p->exec_inherit = true;
		p->ended = false;
		p->execs++;
		for (uint32_t fd = 0; fd < p->nfds; fd++)
			p->fds[fd].confirmed = false;
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
	cm->proc = p;
}

/*
 * The parent's fork record: the child holds a copy of every fd the parent
 * holds now, whatever the parent closes next. The child's own hello may
 * come before this record (then it has listed them itself) or after.
 */
void sl_model_fork(struct sl_model *m, struct sl_proc *p, uint32_t pid,
		   uint64_t ts)
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
	q->real_offset = p->real_offset;
	memcpy(q->exe, p->exe, sizeof(q->exe));
	memcpy(q->args, p->args, p->args_len);
	q->args_len = p->args_len;
	add_image(q);
	for (uint32_t fd = 0; fd < p->nfds; fd++) {
		if (p->fds[fd].s)
			sl_model_take(m, q, (int)fd, p->fds[fd].s, ts);
		else if (p->fds[fd].ep)
			sl_model_take_epoll(m, q, (int)fd, p->fds[fd].ep);
	}
}

/* After a new image's INHERIT list: what it did not list died at exec. */
void sl_model_fds_done(struct sl_model *m, struct sl_proc *p)
{
	if (!p->exec_inherit)
		return;
	p->exec_inherit = false;
	for (uint32_t fd = 0; fd < p->nfds; fd++) {
		struct sl_hold *h = sl_model_hold(p, (int)fd);

		if (h && !h->confirmed) {
			sl_model_release(m, p, (int)fd, p->exec_ns, true);
		} else if (h && h->s) {
			/* It survived the exec: no close-on-exec. */
			h->s->exec_inherited = true;
			h->s->exec_pid = p->pid;
		}
	}
}

static void on_gone(struct sl_model *m, struct sl_conn_map *cm,
		    const struct sl_rec_gone *g)
{
	struct sl_proc *p = cm->proc;

	if (g->bad_records)
		m->bad_conns++;
	cm->proc = NULL;
	/* An exec closed the old image's connection; the process lives on
	 * in its new image, whose hello may still come. */
	if (!p || p->ended || p->pending_exec)
		return;
	for (uint32_t c = 0; c < m->nconns; c++)
		if (m->conns[c].proc == p)
			return;
	proc_end(m, p, g->h.ts_ns);
}

void sl_model_record(void *model, uint32_t conn, const struct sl_hdr *h)
{
	struct sl_model *m = model;
	struct sl_conn_map *cm = conn_slot(m, conn);

	/* What finished long enough ago goes before this is applied. */
	if (m->nretire_q)
		sl_model_retire_due(m);
	if (!cm)
		return;
	if (h->ts_ns && (!m->first_ns || h->ts_ns < m->first_ns))
		m->first_ns = h->ts_ns;
	if (h->ts_ns > m->last_ns)
		m->last_ns = h->ts_ns;
	switch (h->type) {
	case SL_REC_CONN:
		cm->pid = ((const struct sl_rec_conn *)h)->pid;
		cm->proc = NULL;
		break;
	case SL_REC_HELLO:
		on_hello(m, cm, (const struct sl_rec_hello *)h);
		break;
	case SL_REC_GONE:
		on_gone(m, cm, (const struct sl_rec_gone *)h);
		break;
	case SL_REC_DROP:
		m->dropped += ((const struct sl_rec_drop *)h)->records;
		if (cm->proc)
			cm->proc->dropped +=
				((const struct sl_rec_drop *)h)->records;
		break;
	case SL_REC_EPOLL_CTL:
		if (cm->proc)
			sl_model_epoll_ctl(m, cm->proc,
					   (const struct sl_rec_epoll_ctl *)h);
		break;
	case SL_REC_WAIT:
		if (cm->proc)
			sl_model_wait(m, cm->proc,
				      (const struct sl_rec_wait *)h);
		break;
	case SL_REC_MODULE:
		if (cm->proc)
			sl_model_add_module(cm->proc,
					    (const struct sl_rec_module *)h);
		break;
	case SL_REC_POLICY_INFO:
		if (cm->proc) {
			cm->proc->has_policy = true;
			cm->proc->policy = *(const struct sl_rec_policy_info *)h;
		}
		break;
	case SL_REC_POLICY:
		if (cm->proc)
			sl_model_policy(m, cm->proc,
					(const struct sl_rec_policy *)h);
		break;
	case SL_REC_CALL:
	case SL_REC_CALL_ADDR:
		if (cm->proc) {
			m->events++;
			sl_model_call(m, cm->proc, (const struct sl_rec_call *)h,
				      h->type == SL_REC_CALL_ADDR ?
				      (const struct sl_rec_call_addr *)h : NULL);
		}
		break;
	default:
		break;
	}
}

int sl_model_load(struct sl_model *m, const char *path)
{
	struct sl_reader r;
	struct sl_reorder ro;
	struct sl_frame fr;
	const uint8_t *payload;
	uint64_t window;
	int err, n;

	err = sl_reader_open(&r, path);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path,
			r.why[0] ? r.why : strerror(-err));
		return err;
	}
	sl_reorder_measure(path, &window, &m->retire_grace);
	sl_reorder_init(&ro, window, sl_model_record, m);
	while ((n = sl_reader_next(&r, &fr, &payload)) > 0) {
		char why[160] = "";
		int got = sl_frame_records(fr.conn, payload, fr.len,
					   sl_reorder_push, &ro, why,
					   sizeof(why));

		if (why[0] && !m->bad_why[0])
			snprintf(m->bad_why, sizeof(m->bad_why),
				 "frame at offset %llu, record %d: %s",
				 (unsigned long long)(r.offset - fr.len -
						      sizeof(fr)), got, why);
	}
	sl_reorder_finish(&ro);
	if (n < 0)
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path, strerror(-n));
	m->torn = r.torn;
	if (r.torn)
		snprintf(m->torn_why, sizeof(m->torn_why), "%s", r.why);
	sl_reader_close(&r);
	sl_model_finish(m);
	return n < 0 ? n : 0;
}
