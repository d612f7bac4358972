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
 *
 * Each hand-off is kept on the socket (who, when, over which socket) for
 * the timeline.
 */
#include <string.h>
#include <sys/socket.h>

#include "hash.h"
#include "model_int.h"

static struct sl_handoff *new_handoff(struct sl_sock *s)
{
	if (s->nhandoffs >= SL_HANDOFFS_KEPT)
		return NULL;
	s->handoffs = sl_model_grow(s->handoffs, &s->handoffs_cap,
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

static void queue_epoll(struct sl_sock *carrier, uint64_t key)
{
	carrier->epoll_sends = sl_model_grow(carrier->epoll_sends,
					     &carrier->epoll_sends_cap,
					     carrier->nepoll_sends + 1,
					     sizeof(*carrier->epoll_sends));
	carrier->epoll_sends[carrier->nepoll_sends++] = key;
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
		ep = sl_hash_get(m->by_epoll, c->inode2);
		if (!ep)
			return;
		ep->holders++;	/* the message holds it while in flight */
		queue_epoll(carrier, c->inode2);
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
	sl_model_set_state(s, SL_ST_ESTABLISHED, ts);
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
 * socket and not yet received. Unmatched, it is an instance of its own.
 */
void sl_model_fd_recv_epoll(struct sl_model *m, struct sl_proc *p,
			    const struct sl_rec_call *c)
{
	struct sl_sock *on = sl_model_sock_by_inode(m, c->inode2);
	struct sl_sock *from = on ? sl_model_sock_by_inode(m, on->peer_inode) :
			       NULL;
	struct sl_epoll *ep = NULL;

	if (c->ret < 0)
		return;
	if (from && from->nepoll_sends) {
		ep = sl_hash_get(m->by_epoll, from->epoll_sends[0]);
		memmove(from->epoll_sends, from->epoll_sends + 1,
			(from->nepoll_sends - 1) * sizeof(*from->epoll_sends));
		from->nepoll_sends--;
	}
	if (ep) {
		if (ep->holders)
			ep->holders--;	/* the message's hold, given over */
		sl_hash_put(m->by_epoll, c->inode, ep);
	} else {
		ep = sl_model_find_epoll(m, p, c->inode, c->fd,
					 c->h.ts_ns + c->dur_ns);
	}
	sl_model_take_epoll(m, p, c->fd, ep);
}
