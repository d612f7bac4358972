/*
 * What each recorded call does to a socket: created -> bound ->
 * listening, or created -> connecting -> established -> shut-wr / shut-rd
 * / peer-closed -> closed, with the errno of a failed outcome kept on the
 * socket with the time its call returned. A call that failed and left
 * the socket as it was (an accept with no fd free, a wait cut short by a
 * signal) is an incident on the socket at its time, not its fate.
 * apply.c decides which of these a record calls for.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "model/model_int.h"

static bool is_stream(const struct sl_sock *s)
{
	return s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET;
}

static void copy_addr(struct sl_addr *dst, const struct sl_addr *src)
{
	if (src && src->len)
		*dst = *src;
}

/* Whether A says no more than "not bound": no address, or an IP address
 * with port 0 (getsockname of a socket the kernel has not bound yet). */
static bool addr_unset(const struct sl_addr *a)
{
	sa_family_t fam;
	uint16_t port;

	if (a->len < sizeof(fam))
		return true;
	memcpy(&fam, a->raw, sizeof(fam));
	if ((fam != AF_INET && fam != AF_INET6) || a->len < 4)
		return false;
	memcpy(&port, a->raw + 2, sizeof(port));
	return port == 0;
}

/* The socket's fate: ERR, from a call that returned at TS. */
static void set_err(struct sl_sock *s, int err, uint64_t ts)
{
	s->err = err;
	s->err_ns = err ? ts : 0;
}

/*
 * A call that failed and left S as it was, at its time with its wait: an
 * accept that found no fd free or a connection aborted in the queue, or a
 * blocking call a signal cut short (EINTR).
 */
void sl_model_incident(struct sl_sock *s, struct sl_proc *p,
		     const struct sl_rec_call *c)
{
	bool accept = c->call == SL_CALL_ACCEPT || c->call == SL_CALL_ACCEPT4;
	bool empty = accept && (c->err == EAGAIN || c->err == EWOULDBLOCK);

	if (accept && (c->err == EMFILE || c->err == ENFILE)) {
		if (!s->fd_limit_fails++)
			s->fd_limit_ns = c->h.ts_ns + c->dur_ns;
		s->enfile_fails += c->err == ENFILE;
	}
	s->incs_total++;
	/* A busy listener's empty queue (woken with the others, or polled)
	 * is counted always, kept for drawing within half the room: it
	 * must not crowd out the failures that matter. */
	if (s->nincs >= SL_INCIDENTS_KEPT ||
	    (empty && s->empty_accepts_kept >= SL_INCIDENTS_KEPT / 2))
		return;
	s->empty_accepts_kept += empty;
	s->incs = sl_grow(s->incs, &s->incs_cap, s->nincs + 1,
				sizeof(*s->incs));
	s->incs[s->nincs++] = (struct sl_incident){
		.ts = c->h.ts_ns, .dur_ns = c->dur_ns, .err = c->err,
		.call = c->call, .pid = p->pid, .tid = c->h.tid,
	};
	if (c->h.ts_ns + c->dur_ns > s->last_ns)
		s->last_ns = c->h.ts_ns + c->dur_ns;
}

static void keep_event(struct sl_sock *s, struct sl_proc *p,
		       const struct sl_rec_call *c)
{
	s->evts_total++;
	if (s->nevts >= SL_EVENTS_KEPT)
		return;
	s->evts = sl_grow(s->evts, &s->evts_cap, s->nevts + 1,
				sizeof(*s->evts));
	s->evts[s->nevts++] = (struct sl_evt){
		.ts = c->h.ts_ns, .dur_ns = c->dur_ns, .ret = c->ret,
		.err = c->err, .call = c->call, .flags = c->flags,
		.pid = p->pid, .fd = c->fd, .caller = c->caller,
		.arg0 = c->arg0, .arg1 = c->arg1,
		.value = (c->flags & SL_F_VALUE) ? (int64_t)c->inode2 : 0,
	};
}

/* The socket's counters when they move: this holder's running totals on
 * top of what earlier holders moved. */
static void keep_sample(struct sl_sock *s, const struct sl_hold *h,
			uint64_t ts)
{
	uint64_t tx = s->tx_bytes + (h ? h->tx_bytes : 0);
	uint64_t rx = s->rx_bytes + (h ? h->rx_bytes : 0);
	struct sl_sample *last = s->nsamples ? &s->samples[s->nsamples - 1] :
					       NULL;

	if ((last && last->tx_bytes == tx && last->rx_bytes == rx) ||
	    (!last && !tx && !rx))
		return;
	if (s->nsamples >= SL_SAMPLES_KEPT) {
		*last = (struct sl_sample){ ts, tx, rx };
		return;
	}
	s->samples = sl_grow(s->samples, &s->samples_cap,
				   s->nsamples + 1, sizeof(*s->samples));
	s->samples[s->nsamples++] = (struct sl_sample){ ts, tx, rx };
}

/*
 * A creation record (socket, accept, socketpair) for INODE. A placeholder
 * made by an earlier use of the same inode (a thread's buffer can arrive
 * after another's) becomes this socket; anything else of that inode is
 * an older socket whose inode the kernel reused.
 */
static struct sl_sock *create(struct sl_model *m, struct sl_proc *p,
			      const struct sl_rec_call *c, int fd,
			      uint64_t inode, uint64_t ts)
{
	struct sl_sock *s = sl_model_sock_by_inode(m, inode);

	if (s && s->placeholder) {
		s->placeholder = false;
		if (ts < s->start_ns)
			s->start_ns = ts;
		if (s->nspans && ts < s->spans[0].start_ns)
			s->spans[0].start_ns = ts;
	} else {
		s = sl_model_new_sock(m, inode, ts);
	}
	s->creator_pid = p->pid;
	s->proc_index = p->index;
	s->image = p->nimages ? p->nimages - 1 : 0;
	s->creator_fd = fd;
	s->caller = c->caller;
	keep_event(s, p, c);
	if (!s->closed && (!sl_model_hold(p, fd) ||
			   sl_model_hold(p, fd)->s != s))
		sl_model_take(m, p, fd, s, ts);
	return s;
}

/* The socket a record speaks of, held by (P, fd) or known by inode. */
struct sl_sock *sl_model_find_sock(struct sl_model *m, struct sl_proc *p,
			    const struct sl_rec_call *c, struct sl_hold **hp)
{
	struct sl_hold *h = sl_model_hold(p, c->fd);
	struct sl_sock *s;

	/* The fd may hold an epoll instance instead (a record that lies). */
	if (h && h->s && (!c->inode || h->s->inode == c->inode)) {
		*hp = h;
		return h->s;
	}
	s = sl_model_sock_by_inode(m, c->inode);
	if (!s || (s->closed && !s->placeholder)) {
		if (!c->inode)
			return NULL;
		s = sl_model_new_sock(m, c->inode, c->h.ts_ns);
		s->placeholder = true;
		s->creator_pid = p->pid;
		s->proc_index = p->index;
		s->image = p->nimages ? p->nimages - 1 : 0;
		s->creator_fd = c->fd;
		sl_model_set_state(s, SL_SS_ESTABLISHED, c->h.ts_ns);
	}
	*hp = sl_model_take(m, p, c->fd, s, c->h.ts_ns);
	return s;
}

void sl_model_socket(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c)
{
	struct sl_sock *s;

	if (c->ret < 0 || !c->inode)
		return;
	s = create(m, p, c, (int)c->ret, c->inode, c->h.ts_ns);
	s->family = (int)c->arg0;
	s->type = (int)(c->arg1 & 0xffffffff) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	s->protocol = (int)(c->arg1 >> 32);
	s->nonblocking = (c->arg1 & SOCK_NONBLOCK) != 0;
	s->role = SL_ROLE_UNCONNECTED;
	sl_model_set_state(s, SL_SS_CREATED, c->h.ts_ns);
}

void sl_model_socketpair(struct sl_model *m, struct sl_proc *p,
			  const struct sl_rec_call *c)
{
	struct sl_sock *s, *peer;

	if (c->ret < 0 || !c->inode)
		return;
	s = create(m, p, c, c->fd, c->inode, c->h.ts_ns);
	s->family = (int)c->arg0;
	s->type = (int)c->arg1 & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	s->role = SL_ROLE_PAIR;
	s->peer_inode = c->inode2;
	sl_model_set_state(s, SL_SS_ESTABLISHED, c->h.ts_ns);
	peer = sl_model_sock_by_inode(m, c->inode2);
	if (peer && peer->peer_inode == s->inode) {
		peer->peer_id = s->id;
		s->peer_id = peer->id;
	}
}

void sl_model_accept(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c,
		      const struct sl_rec_call_addr *a)
{
	struct sl_sock *l = sl_model_sock_by_inode(m, c->inode2);
	struct sl_sock *s;
	uint64_t ts = c->h.ts_ns + c->dur_ns;

	if (c->ret < 0) {
		if (l)
			sl_model_incident(l, p, c);
		return;
	}
	s = create(m, p, c, c->fd, c->inode, ts);
	s->role = SL_ROLE_SERVER;
	if (l) {
		s->family = l->family;
		s->type = l->type;
		s->protocol = l->protocol;
		s->listener_id = l->id;
		l->accepted++;
	} else if (a && a->addr.len >= sizeof(sa_family_t)) {
		sa_family_t fam;

		memcpy(&fam, a->addr.raw, sizeof(fam));
		s->family = fam;
		s->type = SOCK_STREAM;
	}
	if (a) {
		copy_addr(&s->remote, &a->addr);
		copy_addr(&s->local, &a->local);
	}
	/* The preload did not ask: it is the listener's own. */
	if ((c->flags & SL_F_LOCAL_LISTENER) && !s->local.len && l)
		s->local = l->local;
	s->nonblocking = (c->arg0 & SOCK_NONBLOCK) != 0;
	s->peer_pid = c->peer_pid;
	if (l)
		s->listen_ns = sl_model_listen_ns(l);
	sl_model_set_state(s, SL_SS_ESTABLISHED, ts);
	sl_model_pair_accept(m, s, l);
}

/*
 * connect: a span of connecting for as long as the call took, then
 * established, or back where it was with the errno kept. EINPROGRESS
 * (and a blocking connect cut by a signal) leaves it connecting until
 * the first I/O tells.
 */
void sl_model_connect(struct sl_model *m, struct sl_proc *p,
		       struct sl_sock *s, const struct sl_rec_call *c,
		       const struct sl_rec_call_addr *a)
{
	uint64_t ts = c->h.ts_ns, end = c->h.ts_ns + c->dur_ns;
	unsigned int before = s->state;

	if (a) {
		copy_addr(&s->remote, &a->addr);
		copy_addr(&s->local, &a->local);
	}
	if (c->ret < 0 && (c->err == EALREADY || c->err == EISCONN))
		return;
	s->connect_ns = ts;
	s->connect_pid = p->pid;
	if (c->ret == 0 || c->err == EINPROGRESS)
		sl_model_pair_connect(m, s);
	s->role = is_stream(s) ? SL_ROLE_CLIENT : SL_ROLE_DATAGRAM;
	if (!is_stream(s)) {
		if (c->ret == 0)
			sl_model_set_state(s, SL_SS_ESTABLISHED, ts);
		return;
	}
	sl_model_set_state(s, SL_SS_CONNECTING, ts);
	if (c->ret == 0) {
		sl_model_set_state(s, SL_SS_ESTABLISHED, end);
		set_err(s, 0, 0);
		return;
	}
	if (c->err == EINPROGRESS || c->err == EINTR) {
		/* Cut short, the connect goes on in the kernel. */
		if (c->err == EINTR)
			sl_model_incident(s, p, c);
		s->connect_pending = true;
		return;
	}
	set_err(s, c->err, end);
	s->connect_failures++;
	sl_model_set_state(s, before < SL_SS_MAX ? before : SL_SS_CREATED, end);
}

/* The first I/O after a pending connect tells how it ended, or
 * getsockopt(SO_ERROR) does (SL_F_OUTCOME: the errno is in arg1). */
static void connect_outcome(struct sl_sock *s, const struct sl_rec_call *c)
{
	int err = (c->flags & SL_F_OUTCOME) ? (int)c->arg1 :
		  c->ret < 0 ? c->err : 0;

	s->connect_pending = false;
	if (!err || err == EAGAIN) {
		sl_model_set_state(s, SL_SS_ESTABLISHED, c->h.ts_ns);
		return;
	}
	set_err(s, err, c->h.ts_ns + c->dur_ns);
	s->connect_failures++;
	s->conn_listener = 0;	/* no connection waits for an accept */
	sl_model_set_state(s, SL_SS_CREATED, c->h.ts_ns);
}

void sl_model_io(struct sl_sock *s, struct sl_proc *p,
		  const struct sl_rec_call *c, const struct sl_rec_call_addr *a)
{
	bool opt = c->call == SL_CALL_GETSOCKOPT ||
		   c->call == SL_CALL_SETSOCKOPT || c->call == SL_CALL_COUNTERS;
	/* Only I/O tells how a pending connect ended, not a record about
	 * the fd (an ioctl, the preload's note of an fdopen). */
	bool io = c->call >= SL_CALL_SEND && c->call <= SL_CALL_SENDFILE;

	if (c->flags & (SL_F_FIRST_IO | SL_F_OUTCOME) ||
	    (s->connect_pending && io))
		connect_outcome(s, c);
	if (opt)
		return;
	/* A timed I/O record tells what the call saw when it returned
	 * (wire.h): a blocking read meets the end of stream at its end. */
	if (c->flags & SL_F_EOF)
		sl_model_set_state(s, SL_SS_PEER_CLOSED,
				   c->h.ts_ns + c->dur_ns);
	if (c->ret < 0 && c->err == EINTR)
		sl_model_incident(s, p, c);
	/* A call that blocked and then failed (a reset while waiting in
	 * recv) failed when it returned. */
	else if (c->ret < 0 && !s->err && c->err != EAGAIN)
		set_err(s, c->err, c->h.ts_ns + c->dur_ns);
	if (a && a->addr.len && !s->remote.len) {
		copy_addr(&s->remote, &a->addr);
		if (s->role == SL_ROLE_UNCONNECTED)
			s->role = SL_ROLE_DATAGRAM;
	}
	/* A datagram socket's first sendto binds it: the kernel's choice is
	 * on the record (getsockname after the call). */
	if (a && !addr_unset(&a->local) && addr_unset(&s->local))
		copy_addr(&s->local, &a->local);
}

/* A policy action goes on the timeline of the socket it acted on. */
void sl_model_policy(struct sl_model *m, struct sl_proc *p,
		     const struct sl_rec_policy *r)
{
	struct sl_hold *h = sl_model_hold(p, r->fd);
	struct sl_sock *s = h && h->s && h->s->inode == r->inode ? h->s :
			    sl_model_sock_by_inode(m, r->inode);
	struct sl_policy_act *a;

	m->policy_actions++;
	if (!s)
		return;
	s->pacts = sl_grow(s->pacts, &s->pacts_cap, s->npacts + 1,
				 sizeof(*s->pacts));
	a = &s->pacts[s->npacts++];
	*a = (struct sl_policy_act){
		.ts = r->h.ts_ns, .line = r->line, .action = r->action,
		.when = r->when, .flags = r->flags, .kind = r->kind,
		.ret = r->ret, .err = r->err, .prog_value = r->prog_value,
		.value = r->value,
	};
	memcpy(a->opt, r->opt, sizeof(a->opt));
	if (!(r->flags & (SL_PF_AUDIT | SL_PF_MISFIT)) && r->ret == 0 &&
	    r->level == SOL_SOCKET && r->optname == SO_KEEPALIVE)
		s->keepalive = r->value != 0;
}

void sl_model_shutdown(struct sl_sock *s, const struct sl_rec_call *c)
{
	static const uint8_t by_how[] = {
		[SHUT_RD] = SL_SS_SHUT_RD,
		[SHUT_WR] = SL_SS_SHUT_WR,
		[SHUT_RDWR] = SL_SS_SHUT_RDWR,
	};

	if (c->ret < 0 || c->arg0 < 0 || c->arg0 > SHUT_RDWR)
		return;
	sl_model_set_state(s, by_how[c->arg0], c->h.ts_ns);
}

void sl_model_dup(struct sl_model *m, struct sl_proc *p,
		   const struct sl_rec_call *c)
{
	struct sl_hold *h = sl_model_hold(p, c->fd);
	struct sl_sock *s = h ? h->s : sl_model_sock_by_inode(m, c->inode2);

	if (c->ret < 0 || !s)
		return;
	sl_model_take(m, p, (int)c->ret, s, c->h.ts_ns);
}

void sl_model_inherit(struct sl_model *m, struct sl_proc *p,
		       const struct sl_rec_call *c)
{
	struct sl_hold *h = sl_model_hold(p, c->fd);
	struct sl_sock *s;

	if (h && h->s && h->s->inode == c->inode) {
		h->confirmed = true;
		h->borrowed = false;	/* the new image's own */
		return;
	}
	/* Held, so alive: whoever we saw close it was not its last holder
	 * (a vfork or posix_spawn child holds what its parent held, and may
	 * report after the parent closed its copy). */
	s = sl_model_sock_by_inode(m, c->inode);
	if (s && s->closed && !s->placeholder)
		sl_model_revive(s);
	s = sl_model_find_sock(m, p, c, &h);
	if (!s)
		return;
	if (!s->family)
		s->family = (int)c->arg0;
	if (!s->type)
		s->type = (int)c->arg1;
}

/* What the program set: SO_KEEPALIVE, for the audit. */
void sl_model_setsockopt(struct sl_sock *s, const struct sl_rec_call *c)
{
	if (c->ret == 0 && (c->flags & SL_F_VALUE) &&
	    c->arg0 == SOL_SOCKET && c->arg1 == SO_KEEPALIVE)
		s->keepalive = c->inode2 != 0;
}

/*
 * What every call on a socket it found leaves there: the fd's counters
 * in its hold (not a hand-off's: that record is about the fd passed),
 * the call in the socket's event list, a sample of its bytes, its last
 * time, and whether it was non-blocking.
 */
void sl_model_seen(struct sl_sock *s, struct sl_hold *h, struct sl_proc *p,
		   const struct sl_rec_call *c)
{
	if (c->call != SL_CALL_FD_SEND)
		sl_model_counters(h, c);
	keep_event(s, p, c);
	keep_sample(s, h, c->h.ts_ns);
	if (c->h.ts_ns > s->last_ns)
		s->last_ns = c->h.ts_ns;
	if (c->flags & SL_F_NONBLOCK)
		s->nonblocking = true;
}

void sl_model_bind(struct sl_sock *s, const struct sl_rec_call *c,
		   const struct sl_rec_call_addr *a)
{
	if (c->ret == 0) {
		copy_addr(&s->local, a ? &a->local : NULL);
		if (!s->local.len && a)
			copy_addr(&s->local, &a->addr);
		sl_model_set_state(s, SL_SS_BOUND, c->h.ts_ns);
	} else if (!s->err) {
		set_err(s, c->err, c->h.ts_ns + c->dur_ns);
	}
}

void sl_model_listen(struct sl_model *m, struct sl_sock *s,
		     const struct sl_rec_call *c,
		     const struct sl_rec_call_addr *a)
{
	if (c->ret != 0)
		return;
	if (a)
		copy_addr(&s->local, &a->local);
	s->role = SL_ROLE_LISTENER;
	sl_model_set_state(s, SL_SS_LISTENING, c->h.ts_ns);
	sl_model_listener_add(m, s);
}
