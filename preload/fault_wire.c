/*
 * The fault engine (fault.c) at work in the wrappers: which of the
 * policy's fault rules take a socket, what the engine decided done for
 * real (a wait, an errno), and each fault a policy record on the
 * socket's timeline (action fail, delay...; opt the call's name). In
 * audit mode the records say "would" and nothing is injected.
 *
 * Wired today: connect. A delay is spent inside the call, blocking or
 * not (an approximation: the kernel would answer EINPROGRESS at once and
 * make the socket writable later); an injected failure is returned by
 * the call itself, as a blocking connect would (the kernel would tell a
 * non-blocking one through SO_ERROR), and the socket is left unconnected,
 * as after a refusal.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fault.h"
#include "wrap.h"

bool sl_fault_on;
static const struct sl_policy *fpol;
static uint64_t next_serial;	/* connects faulted so far: the draws' key */

void sl_fault_init(const struct sl_policy *p)
{
	fpol = p;
	sl_fault_on = p->nfaults > 0;
}

/* The rules for CALL whose selectors take D, into OUT (at most MAX). */
static unsigned int matching(const struct sl_sock_desc *d, int call,
			     uint32_t *out, unsigned int max)
{
	unsigned int n = 0;
	bool pending;

	for (uint32_t i = 0; i < fpol->nfaults && n < max; i++) {
		const struct sl_fault *f = &fpol->faults[i];

		if (f->call == call &&
		    sl_sel_match(&fpol->sels[f->sel], d, &pending))
			out[n++] = i;
	}
	return n;
}

static void record(int fd, const struct sl_fd *e, uint32_t rule,
		   int64_t asked, int64_t value, int ret, int err,
		   uint64_t caller)
{
	const struct sl_fault *f = &fpol->faults[rule];
	const char *name = sl_fault_call_names[f->call];
	uint64_t ts = sl_now_ns();
	struct sl_rec_policy *p;

	p = sl_rec_begin(sizeof(*p), SL_REC_POLICY, ts);
	if (!p)
		return;
	memset((char *)p + sizeof(p->h), 0, sizeof(*p) - sizeof(p->h));
	p->caller = caller;
	p->inode = sl_fd_inode(e);
	p->prog_value = asked;
	p->value = value;
	p->fd = fd;
	p->line = f->line;
	p->ret = ret;
	p->err = ret < 0 ? err : 0;
	p->action = (uint8_t)(SL_PA_FAIL + f->action);
	p->when = SL_PW_CONNECT;
	p->flags = fpol->audit ? SL_PF_AUDIT : 0;
	p->kind = SL_PK_INT;
	memcpy(p->opt, name, strlen(name));
	sl_rec_done(ts);
}

static void wait_ns(uint64_t ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ns / 1000000000);
	t.tv_nsec += (long)(ns % 1000000000);
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	/* Absolute: a signal's interruption resumes to the same end. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	       EINTR)
		;
}

int sl_fault_connect(struct sl_fd *e, int fd, const struct sockaddr *addr,
		     socklen_t len, uint64_t caller)
{
	struct sockaddr_storage remote;
	struct sl_fault_state st = { 0 };
	struct sl_fault_verdict v;
	struct sl_sock_desc d = {
		.family = SL_LOAD(e->family), .type = SL_LOAD(e->type),
		.role = SL_LOAD(e->role),
	};
	uint32_t rules[64];
	unsigned int n;
	int saved = errno;

	d.remote_len = sl_copy_user(&remote, addr, len);
	d.remote = d.remote_len ? (struct sockaddr *)&remote : NULL;
	n = matching(&d, SL_FC_CONNECT, rules, 64);
	if (!n)
		return 1;
	st.serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
	sl_fault_decide(fpol, rules, n, &st, SL_FC_CONNECT, false, 0,
			sl_now_ns(), &v);
	if (v.rule[SL_FA_DELAY] >= 0)
		record(fd, e, (uint32_t)v.rule[SL_FA_DELAY], 0,
		       (int64_t)v.delay_ns, 0, 0, caller);
	if (v.rule[SL_FA_FAIL] >= 0)
		record(fd, e, (uint32_t)v.rule[SL_FA_FAIL], 0, v.err, -1,
		       v.err, caller);
	errno = saved;
	if (fpol->audit)
		return 1;
	if (v.delay_ns)
		wait_ns(v.delay_ns);
	if (!v.err)
		return 1;
	errno = v.err;
	return -1;
}
