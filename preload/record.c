/*
 * Building call records: the fixed fields from a struct sl_call_info, the
 * fd's counters, and the addresses for the calls that carry them.
 */
#include <errno.h>
#include <string.h>

#include "record.h"

static void fill_addr(struct sl_addr *a, const struct sockaddr *sa,
		      socklen_t len)
{
	if (!sa || len == 0) {
		a->len = 0;
		return;
	}
	if (len > sizeof(a->raw))
		len = sizeof(a->raw);
	a->len = (uint16_t)len;
	memcpy(a->raw, sa, len);
}

static void fill_local(struct sl_addr *a, int fd)
{
	socklen_t len = sizeof(a->raw);
	int saved = errno;

	if (SL_REAL(getsockname)(fd, (struct sockaddr *)a->raw, &len) < 0)
		len = 0;
	a->len = (uint16_t)(len > sizeof(a->raw) ? sizeof(a->raw) : len);
	errno = saved;
}

/*
 * Records one call. Never blocks, never fails visibly, leaves errno as
 * it found it (the two things here that can touch it, a flush and
 * getsockname, put it back themselves).
 */
void sl_emit(const struct sl_call_info *ci)
{
	bool with_addr = ci->addr || ci->want_local;
	struct sl_site site = { ci->caller, ci->flags };
	struct sl_rec_call *r;

	r = sl_rec_begin(with_addr ? sizeof(struct sl_rec_call_addr) :
				     sizeof(struct sl_rec_call),
			 with_addr ? SL_REC_CALL_ADDR : SL_REC_CALL, ci->ts);
	if (!r)
		return;
	sl_call_fill(r, ci->call, ci->fd, ci->ent, site);
	r->dur_ns = ci->dur;
	r->inode = ci->inode;
	r->inode2 = ci->inode2;
	r->ret = ci->ret;
	r->arg0 = ci->arg0;
	r->arg1 = ci->arg1;
	r->err = ci->ret < 0 ? ci->err : 0;
	r->peer_pid = ci->peer_pid;
	if (with_addr) {
		struct sl_rec_call_addr *ra = (struct sl_rec_call_addr *)r;

		fill_addr(&ra->addr, ci->addr, ci->addr_len);
		if (ci->want_local)
			fill_local(&ra->local, ci->fd);
		else
			ra->local.len = 0;
	}
	sl_rec_done(ci->ts);
}
