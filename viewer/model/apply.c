/*
 * Applying one record to the model: the one place that decides what a
 * record does, by its type and, for a call, by the call. Everything it
 * calls lives below it (viewer/README.md, "The model"): the processes
 * (proc.c), what a call does to a socket (calls.c), hand-offs
 * (handoff.c), epoll (epoll.c), module maps (callers.c), retiring
 * (retire.c), names (resolve.c) and what a connection's bytes and the
 * kernel told (waterfall.c). Records come in time order (order/reorder.c), each with
 * the collector connection it came on, which names its process.
 */
#include <stdint.h>

#include "model/model_int.h"

static bool is_intro(const struct sl_hdr *h)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;

	if (h->type == SL_REC_HELLO || h->type == SL_REC_POLICY_INFO ||
	    h->type == SL_REC_MODULE)
		return true;
	return h->type == SL_REC_CALL &&
	       (c->call == SL_CALL_INHERIT || c->call == SL_CALL_FDS_DONE);
}

/* Calls that are about the process, or make a socket, rather than act
 * on one the record's fd holds. */
static bool proc_call(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c)
{
	switch (c->call) {
	case SL_CALL_FORK:
	case SL_CALL_VFORK:
		if (c->ret > 0 && c->ret < (1 << 30))
			sl_model_fork(m, p, (uint32_t)c->ret, c->h.ts_ns,
				      c->call == SL_CALL_VFORK);
		return true;
	case SL_CALL_EXEC:
		p->pending_exec = c->ret == 0;
		if (p->pending_exec)
			p->exec_ns = c->h.ts_ns;
		return true;
	case SL_CALL_EXIT:
		p->exit_status = c->ret;
		p->exit_ns = c->h.ts_ns;
		return true;
	case SL_CALL_SANDBOX:
		/* Sent just before the filter goes in; a second record
		 * with the failure follows if it did not. */
		p->dark_ns = c->ret == 0 ? c->h.ts_ns : 0;
		return true;
	case SL_CALL_FDS_DONE:
		sl_model_fds_done(m, p);
		return true;
	case SL_CALL_INHERIT:
		sl_model_inherit(m, p, c);
		return true;
	case SL_CALL_FD_RECV:
		sl_model_fd_recv(m, p, c);
		return true;
	case SL_CALL_SOCKET:
		sl_model_socket(m, p, c);
		return true;
	case SL_CALL_SOCKETPAIR:
		sl_model_socketpair(m, p, c);
		return true;
	case SL_CALL_DUP:
	case SL_CALL_DUP2:
	case SL_CALL_DUP3:
	case SL_CALL_FCNTL:
		sl_model_dup(m, p, c);
		return true;
	default:
		return false;
	}
}

static void apply_call(struct sl_model *m, struct sl_proc *p,
		       const struct sl_rec_call *c,
		       const struct sl_rec_call_addr *a)
{
	struct sl_hold *h = NULL;
	struct sl_sock *s;

	if (proc_call(m, p, c))
		return;
	if (c->call == SL_CALL_ACCEPT || c->call == SL_CALL_ACCEPT4) {
		/* A failed accept names the listener: an incident on it, not
		 * its fate. */
		if (c->ret >= 0 || c->inode2)
			sl_model_accept(m, p, c, a);
		else if ((s = sl_model_find_sock(m, p, c, &h)))
			sl_model_incident(s, p, c);
		return;
	}
	s = sl_model_find_sock(m, p, c, &h);
	if (!s)
		return;
	sl_model_seen(s, h, p, c);
	switch (c->call) {
	case SL_CALL_BIND:
		sl_model_bind(s, c, a);
		break;
	case SL_CALL_LISTEN:
		sl_model_listen(m, s, c, a);
		break;
	case SL_CALL_CONNECT:
		sl_model_connect(m, p, s, c, a);
		sl_model_name_sock(m, s, p->pid, c->h.tid, c->h.ts_ns);
		break;
	case SL_CALL_SHUTDOWN:
		sl_model_shutdown(s, c);
		break;
	case SL_CALL_SETSOCKOPT:
		sl_model_setsockopt(s, c);
		break;
	case SL_CALL_FD_SEND:
		sl_model_fd_send(m, p, s, c);
		break;
	case SL_CALL_CLOSE:
	case SL_CALL_CLOSE_RANGE:
	case SL_CALL_CLOSEFROM:
		sl_model_close(m, p, c);
		break;
	default:
		sl_model_io(s, p, c, a);
		/* A datagram's first destination, as a connect's. */
		if (a && a->addr.len)
			sl_model_name_sock(m, s, p->pid, c->h.tid,
					   c->h.ts_ns);
		break;
	}
}

static void apply_any_call(struct sl_model *m, struct sl_proc *p,
			   const struct sl_rec_call *c,
			   const struct sl_rec_call_addr *a)
{
	struct sl_sock *s;

	if ((c->inode & SL_EPOLL_ID_BIT) && c->call == SL_CALL_FD_RECV) {
		sl_model_fd_recv_epoll(m, p, c);
		return;
	}
	if (c->inode & SL_EPOLL_ID_BIT) {
		sl_model_epoll_call(m, p, c);
		return;
	}
	apply_call(m, p, c, a);
	/* Any record about a stdio stream's fd says so; it names the socket
	 * by inode (a dup's, the socket both fds hold). */
	if ((c->flags & SL_F_STDIO) && (s = sl_model_sock_by_inode(m, c->inode)))
		s->stdio = true;
}

/* The socket a waterfall record names: the one its fd holds if that is
 * its inode (the fd is the number it had then), else by inode. */
static struct sl_sock *named_sock(struct sl_model *m, struct sl_proc *p,
				  int fd, uint64_t inode)
{
	struct sl_hold *h = sl_model_hold(p, fd);

	if (h && h->s && h->s->inode == inode)
		return h->s;
	return sl_model_sock_by_inode(m, inode);
}

/* A name lookup, or what a socket's bytes or the kernel told. */
static void apply_waterfall(struct sl_model *m, struct sl_proc *p,
			    const struct sl_hdr *h)
{
	const struct sl_rec_sniff *sn = (const struct sl_rec_sniff *)h;
	const struct sl_rec_tls *tl = (const struct sl_rec_tls *)h;
	const struct sl_rec_http *ht = (const struct sl_rec_http *)h;
	const struct sl_rec_tcpinfo *ti = (const struct sl_rec_tcpinfo *)h;
	struct sl_sock *s;

	switch (h->type) {
	case SL_REC_RESOLVE:
		sl_model_resolve(m, p->pid, (const struct sl_rec_resolve *)h);
		break;
	case SL_REC_SNIFF:
		if ((s = named_sock(m, p, sn->fd, sn->inode)))
			sl_wf_sniff_rec(s, sn);
		break;
	case SL_REC_TLS:
		if ((s = named_sock(m, p, tl->fd, tl->inode)))
			sl_wf_tls_rec(s, tl);
		break;
	case SL_REC_HTTP:
		if ((s = named_sock(m, p, ht->fd, ht->inode)))
			sl_wf_http_rec(s, ht);
		break;
	case SL_REC_TCPINFO:
		if ((s = named_sock(m, p, ti->fd, ti->inode)))
			sl_wf_tcpinfo_rec(s, ti);
		break;
	default:
		break;
	}
}

/* The records that speak for a process: it must be known by now. */
static void apply_proc_record(struct sl_model *m, struct sl_proc *p,
			      const struct sl_hdr *h)
{
	switch (h->type) {
	case SL_REC_EPOLL_CTL:
		sl_model_epoll_ctl(m, p, (const struct sl_rec_epoll_ctl *)h);
		break;
	case SL_REC_WAIT:
		sl_model_wait(m, p, (const struct sl_rec_wait *)h);
		break;
	case SL_REC_MODULE:
		sl_model_add_module(p, (const struct sl_rec_module *)h);
		/* Sockets that waited for their caller's name. */
		if (m->nparked)
			sl_model_unpark(m);
		break;
	case SL_REC_POLICY_INFO:
		p->has_policy = true;
		p->policy = *(const struct sl_rec_policy_info *)h;
		break;
	case SL_REC_POLICY:
		sl_model_policy(m, p, (const struct sl_rec_policy *)h);
		break;
	case SL_REC_CALL:
	case SL_REC_CALL_ADDR:
		m->events++;
		apply_any_call(m, p, (const struct sl_rec_call *)h,
			       h->type == SL_REC_CALL_ADDR ?
			       (const struct sl_rec_call_addr *)h : NULL);
		break;
	case SL_REC_RESOLVE:
	case SL_REC_SNIFF:
	case SL_REC_TLS:
	case SL_REC_HTTP:
	case SL_REC_TCPINFO:
		apply_waterfall(m, p, h);
		break;
	default:
		break;
	}
}

void sl_model_record(void *model, uint32_t conn, const struct sl_hdr *h)
{
	struct sl_model *m = model;
	struct sl_conn_map *cm = sl_model_conn(m, conn);
	uint64_t buf[SL_BATCH_MAX / sizeof(uint64_t)];

	if (!cm)
		return;
	/* A name's alias is the name's business, not a call of the
	 * program: noted, and the inode it gives put back to the name in
	 * every later record (model/alias.c). */
	if (h->type == SL_REC_CALL &&
	    ((const struct sl_rec_call *)h)->call == SL_CALL_ALIAS) {
		sl_model_alias(m, (const struct sl_rec_call *)h);
		return;
	}
	if (m->by_alias)
		h = sl_model_unalias(m, h, buf);
	if (h->ts_ns && (!m->first_ns || h->ts_ns < m->first_ns))
		m->first_ns = h->ts_ns;
	/* A connection's introduction is stamped when it was made but sorts
	 * at its image's start (order/reorder.c): the calls buffered
	 * meanwhile come after it, so it does not move the trace's time on.
	 * Nor does a module map: it says where code is, not when anything
	 * happened. */
	if (h->ts_ns > m->last_ns && !is_intro(h))
		m->last_ns = h->ts_ns;
	/* What finished long enough before this goes before it is applied. */
	if (m->nretire_q)
		sl_model_retire_due(m);
	switch (h->type) {
	case SL_REC_CONN:
		cm->pid = ((const struct sl_rec_conn *)h)->pid;
		sl_model_conn_carries(cm, NULL);
		break;
	case SL_REC_HELLO:
		sl_model_hello(m, cm, (const struct sl_rec_hello *)h);
		break;
	case SL_REC_GONE:
		sl_model_gone(m, cm, (const struct sl_rec_gone *)h);
		break;
	case SL_REC_DROP:
		m->dropped += ((const struct sl_rec_drop *)h)->records;
		if (cm->proc)
			cm->proc->dropped +=
				((const struct sl_rec_drop *)h)->records;
		break;
	default:
		if (cm->proc)
			apply_proc_record(m, cm->proc, h);
		break;
	}
}

/* End of input: processes still running and their sockets stay open. */
void sl_model_finish(struct sl_model *m)
{
	sl_model_finish_procs(m);
	sl_model_retire_all(m);
	for (uint32_t i = 0; i < m->nsocks; i++)
		if (m->socks[i])
			sl_model_sock_final(m->socks[i]);
}
