/*
 * The model's objects at the bottom of it: the model itself (made and
 * freed), sockets by inode and id, and a socket's life as state spans.
 * Every other file of the model builds on these; these call none of
 * them (viewer/README.md, "The model").
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "elf/elf.h"
#include "lib/lib.h"
#include "model/model_int.h"

void sl_model_init(struct sl_model *m)
{
	memset(m, 0, sizeof(*m));
	m->by_inode = sl_xhash_new();
	m->by_pid = sl_xhash_new();
	m->by_epoll = sl_xhash_new();
	m->by_tuple = sl_xhash_new();
	m->by_conn = sl_xhash_new();
	m->syms = sl_symcache_new();
	if (!m->syms)
		sl_oom();
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
	for (uint32_t i = 0; i < m->nmerged; i++)
		free(m->merged[i]);
	free(m->merged);
	free(m->unix_pending);
	free(m->unix_srv_pending);
	free(m->listening);
	free(m->parked);
	sl_model_resolved_free(m);
	sl_hash_free(m->by_epoll);
	sl_symcache_free(m->syms);
	sl_hash_free(m->by_tuple);
	for (uint32_t i = 0; i < m->nprocs; i++) {
		free(m->procs[i]->fds);
		sl_hash_free(m->procs[i]->fd_index);
		free(m->procs[i]->images);
		free(m->procs[i]->mods);
		free(m->procs[i]);
	}
	free(m->socks);
	free(m->procs);
	free(m->conns);
	sl_hash_free(m->by_conn);
	sl_hash_free(m->by_inode);
	sl_hash_free(m->by_alias);
	sl_hash_free(m->alias_of);
	sl_hash_free(m->by_pid);
	memset(m, 0, sizeof(*m));
}

struct sl_proc *sl_model_proc(const struct sl_model *m, uint32_t pid)
{
	return sl_hash_get(m->by_pid, pid);
}

/* A new socket object; it replaces any older one of the same inode. */
struct sl_sock *sl_model_new_sock(struct sl_model *m, uint64_t inode,
				  uint64_t ts)
{
	struct sl_sock *s = sl_xcalloc(1, sizeof(*s));
	s->id = ++m->ids;
	s->slot = m->nsocks;
	s->inode = inode;
	/* A socket named by the kernel's inode knows it already; a name
	 * may have had its alias before its first record (a part of a
	 * rotated trace restates it: intake/restate.c). */
	s->kernel_inode = inode >> 62 ? 0 : inode;
	if (m->alias_of && sl_is_sock_name(inode))
		s->kernel_inode = (uint64_t)(uintptr_t)sl_hash_get(m->alias_of,
								   inode);
	s->start_ns = s->last_ns = ts;
	s->state = SL_SS_MAX;
	s->creator_fd = -1;
	s->keepalive = -1;
	m->socks = sl_grow(m->socks, &m->socks_cap, m->nsocks + 1,
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
	s->spans = sl_grow(s->spans, &s->spans_cap, s->nspans + 1,
			      sizeof(*s->spans));
	s->spans[s->nspans++] = (struct sl_span){ .state = (uint8_t)st,
						  .start_ns = ts };
	s->state = (uint8_t)st;
	if (ts > s->last_ns)
		s->last_ns = ts;
}

/* S's current span ends at TS: its last holder closed it. */
void sl_model_end_spans(struct sl_sock *s, uint64_t ts)
{
	struct sl_span *cur = s->nspans ? &s->spans[s->nspans - 1] : NULL;

	if (cur && !cur->end_ns)
		cur->end_ns = ts < cur->start_ns ? cur->start_ns : ts;
}

/* Its last holder's close was not the end: someone we did not see hold
 * it (a vfork child, a message in flight) still does. */
void sl_model_revive(struct sl_sock *s)
{
	s->closed = false;
	s->end_ns = 0;
	if (s->nspans)
		s->spans[s->nspans - 1].end_ns = 0;
}

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
	sl_wf_free(s->wf);
	free(s->epoll_sends.keys);
	free(s->epoll_recvs.keys);
	free(s);
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
