/*
 * Sockets and epoll instances passed from one process to another over a
 * UNIX socket (SCM_RIGHTS): the sender's SL_CALL_FD_SEND names what it
 * passed and the socket it went on; the receiver's SL_CALL_FD_RECV the
 * fd it got. The receiver becomes a holder of the passed socket (found by
 * its inode, which the kernel keeps across the hand-off), so its I/O is
 * counted there and the socket ends with its last holder, wherever that
 * is. While the message is in flight it holds the socket too: a sender
 * that closes its copy at once does not end it.
 *
 * An epoll instance has no inode to follow: the receiver's preload names
 * it anew. Each epoll fd sent on a connection waits on the sending end,
 * in order, and the first epoll fd received on the other end is that one.
 * A receipt applied before its sending (the sender's records came late)
 * waits on the receiving end as an instance of its own, and the sending
 * merges it into the instance sent: one instance, its waits in both.
 *
 * Each hand-off is kept on the socket (who, when, over which socket) for
 * the timeline.
 */
#include <string.h>
#include <sys/socket.h>

#include "lib/lib.h"
#include "model/model_int.h"

static struct sl_handoff *new_handoff(struct sl_sock *s)
{
	if (s->nhandoffs >= SL_HANDOFFS_KEPT)
		return NULL;
	s->handoffs = sl_grow(s->handoffs, &s->handoffs_cap,
				    s->nhandoffs + 1, sizeof(*s->handoffs));
	return &s->handoffs[s->nhandoffs++];
}

/* The hand-off of S still in flight (sent, not received), or NULL. */
static struct sl_handoff *in_flight(struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nhandoffs; i++)
		if (s->handoffs[i].sent_ns && !s->handoffs[i].to_pid)
			return &s->handoffs[i];
	return NULL;
}

/* A hand-off of S received before its sending was applied, or NULL. */
static struct sl_handoff *unsent(struct sl_sock *s)
{
	for (uint32_t i = 0; i < s->nhandoffs; i++)
		if (!s->handoffs[i].sent_ns && s->handoffs[i].to_pid &&
		    !s->handoffs[i].from_pid)
			return &s->handoffs[i];
	return NULL;
}

static void push_key(struct sl_keyq *q, uint64_t key)
{
	q->keys = sl_grow(q->keys, &q->cap, q->n + 1, sizeof(*q->keys));
	q->keys[q->n++] = key;
}

/* The first key waiting in Q (taken out), or 0. */
static uint64_t pop_key(struct sl_keyq *q)
{
	uint64_t key;

	if (!q->n)
		return 0;
	key = q->keys[0];
	memmove(q->keys, q->keys + 1, --q->n * sizeof(*q->keys));
	return key;
}

/* The other end of carrier S (socketpair, or paired connection). */
static struct sl_sock *other_end(struct sl_model *m, const struct sl_sock *s)
{
	struct sl_sock *o = s ? sl_model_sock_by_inode(m, s->peer_inode) :
			    NULL;

	return o && o->peer_inode == s->inode ? o : NULL;
}

/*
 * P sent epoll instance EP on CARRIER. If the other end already received
 * an epoll fd that nothing sent yet, that receipt was this instance:
 * what the receiver did with it is EP's. Otherwise the message holds EP
 * until it is received.
 */
static void send_epoll(struct sl_model *m, struct sl_sock *carrier,
		       struct sl_epoll *ep, uint64_t key)
{
	struct sl_sock *to = other_end(m, carrier);
	struct sl_epoll *got = to ? sl_model_epoll_of_key(m,
						pop_key(&to->epoll_recvs)) :
			       NULL;

	if (got) {
		sl_model_epoll_merge(m, ep, got);
		return;
	}
	ep->holders++;
	push_key(&carrier->epoll_sends, key);
}

/*
 * P sent an fd on CARRIER (C names it; arg0 the fd passed, inode2 what it
 * holds). A socket gets a hand-off in flight, which holds it until it is
 * received; an epoll instance waits on the carrier for the other end.
 */
void sl_model_fd_send(struct sl_model *m, struct sl_proc *p,
		      struct sl_sock *carrier, const struct sl_rec_call *c)
{
	struct sl_handoff *ho;
	struct sl_epoll *ep;
	struct sl_sock *s;

	if (c->ret < 0 || !c->inode2)
		return;
	if (c->inode2 & SL_EPOLL_ID_BIT) {
		ep = sl_model_epoll_of_key(m, c->inode2);
		if (ep)
			send_epoll(m, carrier, ep, c->inode2);
		return;
	}
	s = sl_model_sock_by_inode(m, c->inode2);
	if (!s)
		return;
	ho = unsent(s);
	if (ho) {		/* received already: only who sent it */
		ho->sent_ns = c->h.ts_ns;
		ho->from_pid = p->pid;
		ho->via = carrier->id;
		return;
	}
	ho = new_handoff(s);
	if (!ho)
		return;
	*ho = (struct sl_handoff){ .sent_ns = c->h.ts_ns, .ts = c->h.ts_ns,
				   .from_pid = p->pid, .via = carrier->id,
				   .to_fd = -1 };
	s->holders++;
	if (c->h.ts_ns > s->last_ns)
		s->last_ns = c->h.ts_ns;
}

/* The socket a received fd holds: the one of its inode, even if its
 * holders we know of closed it (the message held it meanwhile). */
static struct sl_sock *received_sock(struct sl_model *m, struct sl_proc *p,
				     const struct sl_rec_call *c, uint64_t ts)
{
	struct sl_sock *s = sl_model_sock_by_inode(m, c->inode);

	if (s && s->closed && !s->placeholder) {
		sl_model_revive(s);
		return s;
	}
	if (s)
		return s;
	/* Made where we did not see it (an untraced process). */
	s = sl_model_new_sock(m, c->inode, ts);
	s->placeholder = true;
	s->creator_pid = p->pid;
	s->proc_index = p->index;
	s->image = p->nimages ? p->nimages - 1 : 0;
	s->creator_fd = c->fd;
	s->family = (int)(c->arg0 & 0xffffffff);
	s->type = (int)(c->arg0 >> 32);
	sl_model_set_state(s, SL_SS_ESTABLISHED, ts);
	return s;
}

/*
 * P received the socket C->inode as fd C->fd on the socket C->inode2: P
 * holds it from the moment recvmsg returned. The hand-off in flight, if
 * its sending was seen, gives its hold over to P.
 */
void sl_model_fd_recv(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c)
{
	uint64_t ts = c->h.ts_ns + c->dur_ns;
	struct sl_sock *s, *on;
	struct sl_handoff *ho;

	if (c->ret < 0 || !c->inode)
		return;
	s = received_sock(m, p, c, ts);
	on = sl_model_sock_by_inode(m, c->inode2);
	ho = in_flight(s);
	if (ho) {
		if (s->holders)
			s->holders--;
	} else if ((ho = new_handoff(s))) {
		*ho = (struct sl_handoff){ .ts = ts, .to_fd = -1 };
	}
	if (ho) {
		ho->ts = ts;
		ho->to_pid = p->pid;
		ho->to_fd = c->fd;
		ho->received_on = on ? on->id : 0;
	}
	sl_model_take(m, p, c->fd, s, ts);
	if (ts > s->last_ns)
		s->last_ns = ts;
}

/*
 * P received an epoll fd C->fd, which its preload named C->inode, on the
 * socket C->inode2: the first epoll fd sent on the other end of that
 * socket and not yet received. If its sending has not been applied (the
 * sender's records came late), it is an instance of its own until the
 * sending comes and merges it (send_epoll).
 */
void sl_model_fd_recv_epoll(struct sl_model *m, struct sl_proc *p,
			    const struct sl_rec_call *c)
{
	struct sl_sock *on = sl_model_sock_by_inode(m, c->inode2);
	struct sl_sock *from = other_end(m, on);
	struct sl_epoll *ep = NULL;

	if (c->ret < 0)
		return;
	if (from)
		ep = sl_model_epoll_of_key(m, pop_key(&from->epoll_sends));
	if (ep) {
		if (ep->holders)
			ep->holders--;	/* the message's hold, given over */
		sl_hash_put(m->by_epoll, c->inode, ep);
	} else {
		ep = sl_model_find_epoll(m, p, c->inode, c->fd,
					 c->h.ts_ns + c->dur_ns);
		if (on)
			push_key(&on->epoll_recvs, c->inode);
	}
	sl_model_take_epoll(m, p, c->fd, ep);
}
