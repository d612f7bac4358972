/*
 * The fault engine (fault.c) at work in the wrappers: which of the
 * policy's fault rules take a socket, what the engine decided done for
 * real (a wait, an errno), and each fault a policy record on the
 * socket's timeline (action fail, delay...; opt the call's name). In
 * audit mode the records say "would" and nothing is injected.
 *
 * A blocking connect spends its delay inside the call and returns an
 * injected failure itself; a non-blocking TCP one answers EINPROGRESS
 * and its socket is held (fault_ready.h) until the delay is over, then
 * SO_ERROR says the outcome. A failed one is left unconnected, as after
 * a refusal. A delayed non-blocking read or write holds its socket's
 * readiness in that direction until it is due.
 *
 * Send and receive keep a state per fd (fault.h), kept apart from the
 * fd table and reset when the fd holds another socket: the rules that
 * take the socket (matched once, on its first I/O, with its peer), its
 * byte counts, its draws' ordinal. A reset (ECONNRESET, EPIPE,
 * ETIMEDOUT on send or recv) shuts the socket down both ways: later
 * reads see end of file and writes EPIPE, as after a real reset. A rule
 * that acts on every call (short, limit, again, delay) is recorded the
 * first time it acts on a socket; a fail each time.
 */
#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fault_ready.h"
#include "fault_wire.h"
#include "wrap.h"

bool sl_fault_on;
static const struct sl_policy *fpol;
static uint64_t next_serial;	/* connects faulted so far: the draws' key */
static uint64_t next_io_serial;	/* sockets that met I/O rules so far */

/* Fds past this meet no send or recv faults. */
#define FSOCK_CAP 65536

struct sl_fault_sock *sl_fault_socks;
uint64_t *sl_fault_idle;
int sl_fault_nsocks;
static bool io_rules;		/* some rule is for send or recv */

void sl_fault_init(const struct sl_policy *p)
{
	void *p_fs;

	fpol = p;
	sl_fault_on = p->nfaults > 0;
	if (sl_fault_on && !p->audit)
		sl_hold_init();
	for (uint32_t i = 0; i < p->nfaults; i++)
		io_rules |= p->faults[i].call == SL_FC_SEND ||
			    p->faults[i].call == SL_FC_RECV ||
			    p->faults[i].call == SL_FC_ACCEPT;
	if (!io_rules)
		return;
	/* Init only: the table the hot path indexes, never grown; pages
	 * are touched (and cost memory) only where fds are. */
	p_fs = mmap(NULL, FSOCK_CAP * (sizeof(*sl_fault_socks) +
				       sizeof(*sl_fault_idle)),
		    PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p_fs == MAP_FAILED)
		return;
	sl_fault_idle = p_fs;
	sl_fault_socks = (struct sl_fault_sock *)(sl_fault_idle + FSOCK_CAP);
	sl_fault_nsocks = FSOCK_CAP;
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
	__attribute__((noinline));

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
	p->inode = e ? sl_fd_inode(e) : 0;
	p->prog_value = asked;
	p->value = value;
	p->fd = fd;
	p->line = f->line;
	p->ret = ret;
	p->err = ret < 0 ? err : 0;
	p->action = (uint8_t)(SL_PA_FAIL + f->action);
	/* No stage of its own for send and recv: "after connect"; a
	 * listener's accept is told with the accepted sockets' stage. */
	p->when = f->call == SL_FC_CONNECT ? SL_PW_CONNECT :
		  f->call == SL_FC_ACCEPT ? SL_PW_ACCEPT : SL_PW_CONNECTED;
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

/* The errnos a non-blocking connect learns later, through SO_ERROR. */
static bool later_err(int err)
{
	return !err || err == ECONNREFUSED || err == ETIMEDOUT ||
	       err == ENETUNREACH || err == EHOSTUNREACH ||
	       err == ECONNRESET;
}

/*
 * A non-blocking TCP connect with a delay or a failure that comes later:
 * EINPROGRESS now, the socket held (fault_ready.h) until the delay is
 * over, then writable with SO_ERROR the outcome. One that succeeds is
 * made now (the peer sees it at once); one that fails is not made, and
 * the socket stays unconnected, as after a refusal. 1: not so (the
 * caller goes on as for a blocking one).
 */
static int connect_later(struct sl_fd *e, int fd, const struct sockaddr *addr,
			 socklen_t len, const struct sl_fault_verdict *v)
{
	uint64_t due = sl_now_ns() + v->delay_ns;
	int family = SL_LOAD(e->family);

	if (!(sl_fd_flags(e) & SL_FD_NONBLOCK) || !later_err(v->err) ||
	    (family != AF_INET && family != AF_INET6) ||
	    SL_LOAD(e->type) != SOCK_STREAM)
		return 1;
	if (!v->err && SL_REAL(connect)(fd, addr, len) < 0 &&
	    errno != EINPROGRESS)
		return -1;
	if (!sl_hold_start(fd, sl_fd_inode(e), SL_HOLD_ALL, due, v->err)) {
		/* No room to hold it: the delay is spent here, as for a
		 * blocking one, and a connect already made goes on. */
		if (v->err)
			return 1;
		wait_ns(v->delay_ns);
	}
	errno = EINPROGRESS;
	return -1;
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
	int saved = errno, ret;

	ret = sl_hold_connect_again(fd, sl_fd_inode(e));
	if (ret)
		return ret;
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
	if ((v.delay_ns || v.err) &&
	    (ret = connect_later(e, fd, addr, len, &v)) <= 0)
		return ret;
	if (v.delay_ns)
		wait_ns(v.delay_ns);
	if (!v.err)
		return 1;
	errno = v.err;
	return -1;
}

/* A socket under a plain "delay recv" (every read, from the first byte)
 * is watched, so that its readiness comes the delay after its data
 * (fault_late.c). Not in audit mode. */
static void watch_late(int fd, struct sl_fault_sock *s)
{
	for (unsigned int i = 0; i < s->nrules && !fpol->audit; i++) {
		const struct sl_fault *f = &fpol->faults[s->rules[i]];

		if (f->call != SL_FC_RECV || f->action != SL_FA_DELAY ||
		    f->after || f->ppm < SL_FAULT_PPM_ALL)
			continue;
		s->late = true;
		sl_late_watch(fd, s->inode, f->value,
			      &s->st.due_ns[SL_FC_RECV]);
		return;
	}
}

/* Whether FD has nothing to read now (a look that does not block). */
static bool nothing_to_read(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return SL_REAL(poll)(&p, 1, 0) == 0;
}

/* FD's state, matched against the rules if it is a new socket; NULL if
 * no send or recv rule takes it. */
static struct sl_fault_sock *fsock_of(int fd, const struct sl_fd *e)
{
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);
	uint64_t inode = sl_fd_inode(e);
	struct sl_fault_sock *s;
	struct sl_sock_desc d = {
		.family = SL_LOAD(e->family), .type = SL_LOAD(e->type),
		.role = SL_LOAD(e->role),
	};
	unsigned int n;

	if (fd < 0 || fd >= sl_fault_nsocks)
		return NULL;
	s = &sl_fault_socks[fd];
	if (s->inode == inode)
		return s->nrules ? s : NULL;
	memset(s, 0, sizeof(*s));
	s->inode = inode;
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0) {
		d.remote = (struct sockaddr *)&peer;
		d.remote_len = pl;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0) {
		d.local = (struct sockaddr *)&local;
		d.local_len = ll;
	}
	n = matching(&d, SL_FC_SEND, s->rules, SL_FAULT_SOCK_RULES);
	n += matching(&d, SL_FC_RECV, s->rules + n, SL_FAULT_SOCK_RULES - n);
	n += matching(&d, SL_FC_ACCEPT, s->rules + n,
		      SL_FAULT_SOCK_RULES - n);
	s->nrules = n;
	sl_fault_idle[fd] = n ? 0 : inode;
	watch_late(fd, s);
	if (n)
		s->st.serial = __atomic_fetch_add(&next_io_serial, 1,
						  __ATOMIC_RELAXED);
	return n ? s : NULL;
}

/* Each rule that acted, recorded (the repeating ones once a socket). */
static void record_io(int fd, const struct sl_fd *e, struct sl_fault_sock *s,
		      const struct sl_fault_verdict *v, size_t asked,
		      uint64_t caller)
{
	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct sl_fault *f = &fpol->faults[s->rules[i]];
		int64_t value = f->action == SL_FA_FAIL ? v->err :
				f->action == SL_FA_DELAY ? (int64_t)f->value :
				f->action == SL_FA_AGAIN ? (int64_t)f->value :
				(int64_t)v->len;

		if (v->rule[f->action] != (int32_t)s->rules[i])
			continue;
		if (f->action != SL_FA_FAIL && (s->recorded & (1u << i)))
			continue;
		s->recorded |= 1u << i;
		record(fd, e, s->rules[i], (int64_t)asked, value,
		       f->action == SL_FA_FAIL || f->action == SL_FA_AGAIN ?
		       -1 : 0, f->action == SL_FA_AGAIN ? EAGAIN : v->err,
		       caller);
	}
}

int sl_fault_io_begin(struct sl_fd *e, int fd, int call, int flags,
		      size_t *len, uint64_t caller)
{
	struct sl_fault_verdict v;
	struct sl_fault_sock *s;
	bool nonblock, was_due;
	int saved = errno;

	if (!io_rules || !(s = fsock_of(fd, e)))
		return 0;
	nonblock = (flags & MSG_DONTWAIT) ||
		   (sl_fd_flags(e) & SL_FD_NONBLOCK);
	/* A watched socket's delay starts when there is data (the kernel
	 * says EAGAIN until then), not at a read that finds none. */
	if (s->late && nonblock && call == SL_FC_RECV &&
	    !s->st.due_ns[call] && nothing_to_read(fd)) {
		errno = saved;
		return 0;
	}
	was_due = s->st.due_ns[call] != 0;
	sl_fault_decide(fpol, s->rules, s->nrules, &s->st, call, nonblock,
			*len, sl_now_ns(), &v);
	if (!sl_fault_acts(&v, *len)) {
		/* A watched socket's delay was spent before its readable
		 * event (fault_late.c): this read ends it. */
		if (s->late && v.rule[SL_FA_DELAY] >= 0 && was_due)
			record_io(fd, e, s, &v, *len, caller);
		errno = saved;
		return 0;
	}
	record_io(fd, e, s, &v, *len, caller);
	errno = saved;
	if (fpol->audit)
		return 0;
	if (v.delay_ns)
		wait_ns(v.delay_ns);
	if (v.kill)
		SL_REAL(shutdown)(fd, SHUT_RDWR);
	/* A delay said EAGAIN: the socket is not ready until it is due. */
	if (v.again && s->st.due_ns[call])
		sl_hold_start(fd, sl_fd_inode(e), call == SL_FC_SEND ?
			      SL_HOLD_OUT : SL_HOLD_IN, s->st.due_ns[call], 0);
	*len = v.len;
	if (!v.err && !v.again)
		return 0;
	errno = v.err ? v.err : EAGAIN;
	return -1;
}

void sl_fault_io_done(int fd, int call, ssize_t n)
{
	struct sl_fault_sock *s;

	if (n <= 0 || fd < 0 || fd >= sl_fault_nsocks)
		return;
	s = &sl_fault_socks[fd];
	if (s->nrules)
		sl_fault_account(fpol, s->rules, s->nrules, &s->st, call,
				 (size_t)n, sl_now_ns());
}

/*
 * Before the real accept on listener L (FD): 0 to make it, or -1 with
 * errno set. The kernel's EMFILE, ENFILE, ENOBUFS, ENOMEM, EPERM and
 * EINTR leave the connection in the queue, so the real call is not
 * made; ECONNABORTED and EPROTO say a queued connection died, so one is
 * taken and reset (its client sees ECONNRESET), or the real call's own
 * failure (EAGAIN: none was queued) is returned instead.
 */
int sl_fault_accept(struct sl_fd *l, int fd, uint64_t caller)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	size_t len = 0;
	int err, nfd;

	if (!l || !sl_fault_wants(l, fd) ||
	    sl_fault_io_begin(l, fd, SL_FC_ACCEPT, 0, &len, caller) == 0)
		return 0;
	err = errno;
	if (err != ECONNABORTED && err != EPROTO)
		return -1;
	nfd = SL_REAL(accept4)(fd, NULL, NULL, SOCK_CLOEXEC);
	if (nfd < 0)
		return -1;
	SL_REAL(setsockopt)(nfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	SL_REAL(close)(nfd);
	errno = err;
	return -1;
}

/*
 * Before a name lookup (wrap_resolve.c's getaddrinfo asks): 0 to make
 * it, else the EAI_ code it fails with, after any delay. The rules are
 * those of the [name HOST] sections that take NAME and the resolve rules
 * of socket sections (any name); draws are keyed by the lookup's ordinal
 * in the process. Each fault is a policy record with no socket (fd -1),
 * beside the lookup's own record, which the wrapper marks.
 */
int sl_fault_resolve(unsigned int api, const char *name)
{
	static uint64_t next_lookup;
	struct sl_fault_state st = { 0 };
	struct sl_fault_verdict v;
	uint32_t rules[16];
	unsigned int n = 0;
	int saved = errno;

	(void)api;
	if (!sl_fault_on || !name)
		return 0;
	for (uint32_t i = 0; i < fpol->nfaults && n < 16; i++)
		if (fpol->faults[i].call == SL_FC_RESOLVE &&
		    sl_name_match(&fpol->sels[fpol->faults[i].sel], name))
			rules[n++] = i;
	if (!n)
		return 0;
	st.serial = __atomic_fetch_add(&next_lookup, 1, __ATOMIC_RELAXED);
	sl_fault_decide(fpol, rules, n, &st, SL_FC_RESOLVE, false, 0,
			sl_now_ns(), &v);
	if (v.rule[SL_FA_DELAY] >= 0)
		record(-1, NULL, (uint32_t)v.rule[SL_FA_DELAY], 0,
		       (int64_t)v.delay_ns, 0, 0, 0);
	if (v.rule[SL_FA_FAIL] >= 0)
		record(-1, NULL, (uint32_t)v.rule[SL_FA_FAIL], 0, v.err, -1,
		       v.err, 0);
	errno = saved;
	if (fpol->audit)
		return 0;
	if (v.delay_ns)
		wait_ns(v.delay_ns);
	return v.err;
}
