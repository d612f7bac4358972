/*
 * Socket names and their aliases (names.h, SL_SOCK_NAME_BIT). A socket
 * made in a traced process is named by it; where it crosses a line the
 * fd table cannot follow (SCM_RIGHTS, an exec, a vfork), its process
 * says which kernel inode the name stands for (SL_CALL_ALIAS), and the
 * other side names it by that inode from then on. Here, before anything
 * else sees a record, such an inode is put back to the name, so the rest
 * of the model, and every view and export, sees one socket under one
 * key. Records come in time order, and an alias is stamped before its
 * crossing: every record that names the inode comes after it.
 */
#include <stddef.h>
#include <string.h>

#include "lib/lib.h"
#include "model/model_int.h"

/* An SL_CALL_ALIAS: note it, and give the socket its kernel inode. */
void sl_model_alias(struct sl_model *m, const struct sl_rec_call *c)
{
	struct sl_sock *s;

	if (!sl_is_sock_name(c->inode) || !c->inode2 ||
	    sl_is_sock_name(c->inode2) || (c->inode2 & SL_EPOLL_ID_BIT))
		return;
	if (!m->by_alias) {
		m->by_alias = sl_xhash_new();
		m->alias_of = sl_xhash_new();
	}
	sl_hash_put(m->by_alias, c->inode2, (void *)(uintptr_t)c->inode);
	sl_hash_put(m->alias_of, c->inode, (void *)(uintptr_t)c->inode2);
	s = sl_model_sock_by_inode(m, c->inode);
	if (s)
		s->kernel_inode = c->inode2;
}

/* The name an aliased inode stands for, or 0. */
static uint64_t name_of(const struct sl_model *m, uint64_t id)
{
	if (!id || (id >> 62))
		return 0;
	return (uint64_t)(uintptr_t)sl_hash_get(m->by_alias, id);
}

/* The fields of H that name a socket, at most SL_READY_MAX + 2. */
static unsigned int id_fields(const struct sl_hdr *h, size_t *at)
{
	const struct sl_rec_call *c = (const struct sl_rec_call *)h;
	const struct sl_rec_wait *w = (const struct sl_rec_wait *)h;
	unsigned int n = 0;

	switch (h->type) {
	case SL_REC_CALL:
	case SL_REC_CALL_ADDR:
		at[n++] = offsetof(struct sl_rec_call, inode);
		/* inode2 is a value for the option calls. */
		if (c->call != SL_CALL_SETSOCKOPT &&
		    c->call != SL_CALL_GETSOCKOPT)
			at[n++] = offsetof(struct sl_rec_call, inode2);
		break;
	case SL_REC_EPOLL_CTL:
		at[n++] = offsetof(struct sl_rec_epoll_ctl, inode);
		break;
	case SL_REC_POLICY:
		at[n++] = offsetof(struct sl_rec_policy, inode);
		break;
	case SL_REC_SNIFF:
		at[n++] = offsetof(struct sl_rec_sniff, inode);
		break;
	case SL_REC_TLS:
		at[n++] = offsetof(struct sl_rec_tls, inode);
		break;
	case SL_REC_HTTP:
		at[n++] = offsetof(struct sl_rec_http, inode);
		break;
	case SL_REC_TCPINFO:
		at[n++] = offsetof(struct sl_rec_tcpinfo, inode);
		break;
	case SL_REC_WAIT:
		/* An epoll wait's keys are the program's data. */
		if (w->epoll_id)
			break;
		for (unsigned int i = 0; i < w->nready && i < SL_READY_MAX; i++)
			at[n++] = offsetof(struct sl_rec_wait, ready) +
				  i * sizeof(struct sl_ready) +
				  offsetof(struct sl_ready, key);
		break;
	default:
		break;
	}
	return n;
}

/*
 * H with every aliased inode put back to its name: H itself when none
 * is, else a copy in BUF (SL_BATCH_MAX bytes, 8-aligned).
 */
const struct sl_hdr *sl_model_unalias(const struct sl_model *m,
				      const struct sl_hdr *h, void *buf)
{
	size_t at[SL_READY_MAX + 2];
	unsigned int n = id_fields(h, at);
	bool copied = false;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t id, name;

		memcpy(&id, (const char *)h + at[i], sizeof(id));
		name = name_of(m, id);
		if (!name)
			continue;
		if (!copied) {
			memcpy(buf, h, h->size);
			h = buf;
			copied = true;
		}
		memcpy((char *)buf + at[i], &name, sizeof(name));
	}
	return h;
}
