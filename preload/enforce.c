/*
 * The policy at work in the preload (preload/README.md, "The policy").
 *
 * Read and parsed once, at init, from $SOCKLENS_POLICY. A bad file is
 * reported on stderr and in the trace, and the program runs untouched by
 * any rule (with SOCKLENS_POLICY_STRICT=1 it exits 78 before main).
 *
 * `set` rules are applied as soon as their selector is decided: at
 * creation, after bind, just before connect (the remote is known), after
 * connect (the local end), just before listen, on accept. For one option
 * the last matching rule wins. The program's own setsockopt meets set
 * (the kernel gets the policy's value, the program is told success),
 * clamp, deny (EPERM) and ignore (0, nothing applied). In audit mode
 * nothing is changed and every record says what would have been done.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fault_wire.h"
#include "socklens/policy.h"
#include "wrap.h"

static struct sl_policy pol;
bool sl_pol_on;
static bool pol_bad;
static char pol_message[SL_POLICY_MSG_MAX];
static uint64_t opt_has_rules;	/* bit per option some rule names */
static bool needs_local, needs_remote;

/* Reads the policy file whole (init only: stdio-free, one malloc). */
static char *read_policy(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16;
	char *buf;
	ssize_t n;

	*len = 0;
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && *len < cap &&
	       (n = SL_REAL(read)(fd, buf + *len, cap - *len)) > 0)
		*len += (size_t)n;
	SL_REAL(close)(fd);
	if (buf && *len == cap) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	return buf;
}

static void refuse(const char *msg)
{
	char line[SL_POLICY_MSG_MAX + 64];
	int n;

	pol_bad = true;
	snprintf(pol_message, sizeof(pol_message), "%s", msg);
	n = snprintf(line, sizeof(line),
		     "socklens: policy refused, running without it: %s\n", msg);
	if (SL_REAL(write)(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

static void index_rules(void)
{
	for (uint32_t i = 0; i < pol.nrules; i++) {
		const struct sl_sel *s = &pol.sels[pol.rules[i].sel];

		opt_has_rules |= 1ull << pol.rules[i].opt;
		needs_local |= s->local.has_addr || s->local.has_port ||
			       s->either.has_port;
		needs_remote |= s->remote.has_addr || s->remote.has_port ||
				s->either.has_port;
	}
}

void sl_policy_init(const char *path, bool audit, bool strict)
{
	char err[SL_POLICY_MSG_MAX];
	size_t len;
	char *text;

	if (!path || !*path)
		return;
	snprintf(pol.path, sizeof(pol.path), "%s", path);
	text = read_policy(path, &len);
	if (!text) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
	} else if (sl_policy_parse(&pol, path, text, len, err,
				   sizeof(err)) == 0) {
		free(text);
		pol.audit |= audit;
		sl_pol_on = pol.nrules > 0 || pol.nfaults > 0;
		index_rules();
		sl_fault_init(&pol);
		return;
	}
	free(text);
	refuse(err);
	if (strict)
		SL_REAL(exit_)(78);	/* EX_CONFIG, before main */
}

bool sl_policy_info(struct sl_rec_policy_info *r)
{
	if (!pol.path[0])
		return false;
	r->audit = pol.audit;
	r->rules = pol.nrules;
	r->bad = pol_bad;
	r->pad = 0;
	snprintf(r->path, sizeof(r->path), "%s", pol.path);
	snprintf(r->message, sizeof(r->message), "%s", pol_message);
	return true;
}

static void record(int fd, const struct sl_fd *e, const struct sl_rule *r,
		   unsigned int when, unsigned int flags, int64_t prog,
		   int64_t value, int ret, int err, uint64_t caller)
{
	const struct sl_opt *o = &sl_opts[r->opt];
	uint64_t ts = sl_now_ns();
	struct sl_rec_policy *p;

	p = sl_rec_begin(sizeof(*p), SL_REC_POLICY, ts);
	if (!p)
		return;
	p->caller = caller;
	p->inode = sl_fd_inode(e);
	p->prog_value = prog;
	p->value = value;
	p->fd = fd;
	p->level = o->level;
	p->optname = o->optname;
	p->line = r->line;
	p->ret = ret;
	p->err = ret < 0 ? err : 0;
	p->action = r->action;
	p->when = (uint8_t)when;
	p->flags = (uint8_t)(flags | (pol.audit ? SL_PF_AUDIT : 0));
	p->kind = o->kind;
	p->pad = 0;
	memset(p->opt, 0, sizeof(p->opt));
	memcpy(p->opt, o->name, strnlen(o->name, sizeof(p->opt) - 1));
	sl_rec_done(ts);
}

static int real_set(int fd, const struct sl_opt *o, int64_t v)
{
	unsigned char buf[32];
	socklen_t len = sl_opt_encode(o, v, buf);

	return SL_REAL(setsockopt)(fd, o->level, o->optname, buf, len);
}

/*
 * The rule that decides option OPT for socket D: the last matching one;
 * for all options at once when OPT is -1 (EFF gets one per option).
 */
static const struct sl_rule *decide(const struct sl_sock_desc *d, int opt,
				    const struct sl_rule **eff)
{
	const struct sl_rule *last = NULL;
	uint32_t sel = UINT32_MAX;
	bool match = false, pending;

	for (uint32_t i = 0; i < pol.nrules; i++) {
		const struct sl_rule *r = &pol.rules[i];

		if (opt >= 0 && r->opt != opt)
			continue;
		if (r->sel != sel) {
			sel = r->sel;
			match = sl_sel_match(&pol.sels[sel], d, &pending);
		}
		if (!match)
			continue;
		last = r;
		if (eff)
			eff[r->opt] = r;
	}
	return last;
}

/* Applies one set rule at a stage; audit mode only records it. */
static void apply(int fd, struct sl_fd *e, const struct sl_rule *r,
		  unsigned int when, uint64_t caller)
{
	const struct sl_opt *o = &sl_opts[r->opt];
	unsigned int flags = 0;
	int ret = 0, err = 0;

	if (!sl_opt_applies(o, SL_LOAD(e->family), SL_LOAD(e->type))) {
		record(fd, e, r, when, SL_PF_MISFIT, 0, r->value, -1, ENOPROTOOPT,
		       caller);
		return;
	}
	if (o->early && (when == SL_PW_CONNECTED || when == SL_PW_ACCEPT))
		flags |= SL_PF_LATE;
	if (!pol.audit) {
		ret = real_set(fd, o, r->value);
		err = errno;
	}
	record(fd, e, r, when, flags, 0, r->value, ret, err, caller);
}

/*
 * A stage in a socket's life: apply the set rules its selector now
 * decides, each rule once per socket (rules past the 64th may repeat).
 */
void sl_policy_stage(int fd, struct sl_fd *e, unsigned int when,
		     const struct sockaddr *local, socklen_t local_len,
		     const struct sockaddr *remote, socklen_t remote_len,
		     uint64_t caller)
{
	const struct sl_rule *eff[64] = { 0 };
	struct sl_sock_desc d = {
		.family = SL_LOAD(e->family), .type = SL_LOAD(e->type),
		.role = SL_LOAD(e->role),
		.local = local, .local_len = local_len,
		.remote = remote, .remote_len = remote_len,
	};
	int saved = errno;

	decide(&d, -1, eff);
	for (unsigned int i = 0; i < sl_nopts; i++) {
		const struct sl_rule *r = eff[i];
		uint32_t idx = r ? (uint32_t)(r - pol.rules) : 0;

		if (!r || r->action != SL_PA_SET)
			continue;
		if (idx < 64 && (__atomic_fetch_or(&e->pol_rules, 1ull << idx,
						   __ATOMIC_RELAXED) &
				 (1ull << idx)))
			continue;
		apply(fd, e, r, when, caller);
	}
	errno = saved;
}

bool sl_policy_needs_local(void)
{
	return needs_local;
}

bool sl_policy_needs_remote(void)
{
	return needs_remote;
}

/*
 * The program's argument (an address, an option value), copied without
 * trusting it: a bad pointer must give the program EFAULT from the
 * kernel, not a fault in our wrapper. process_vm_readv on ourselves fails
 * where a read would.
 */
socklen_t sl_copy_user(struct sockaddr_storage *dst, const void *src,
		       socklen_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };

	if (!src || !len || len > sizeof(*dst))
		return 0;
	if (process_vm_readv(sl_pid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return 0;
	return len;
}

/* What we know of FD's socket for a setsockopt: its addresses, if the
 * policy's selectors look at them (two syscalls, only then). */
static void describe(int fd, const struct sl_fd *e, struct sl_sock_desc *d,
		     struct sockaddr_storage *l, struct sockaddr_storage *r)
{
	socklen_t ll = sizeof(*l), rl = sizeof(*r);

	*d = (struct sl_sock_desc){ .family = SL_LOAD(e->family),
				    .type = SL_LOAD(e->type),
				    .role = SL_LOAD(e->role) };
	if (needs_local && SL_REAL(getsockname)(fd, (struct sockaddr *)l, &ll) == 0) {
		d->local = (struct sockaddr *)l;
		d->local_len = ll;
	}
	if (needs_remote && getpeername(fd, (struct sockaddr *)r, &rl) == 0) {
		d->remote = (struct sockaddr *)r;
		d->remote_len = rl;
	}
}

static int64_t clamp(int64_t v, const struct sl_rule *r)
{
	return v < r->min ? r->min : v > r->max ? r->max : v;
}

/*
 * The program's setsockopt on a followed socket, with a rule for the
 * option. Returns what the program is told, errno set for -1.
 */
static int decide_setsockopt(int fd, struct sl_fd *e, const struct sl_rule *r,
			     const void *val, socklen_t len, int64_t *prog_out,
			     sl_setsockopt_fn *real, uint64_t caller)
{
	const struct sl_opt *o = &sl_opts[r->opt];
	struct sockaddr_storage copy;
	int64_t prog, v;
	int ret, err;

	/* The value is the program's pointer: read it as the kernel would,
	 * without faulting (deny and ignore never hand it to the kernel). */
	if (!val || len > sizeof(copy) ||
	    sl_copy_user(&copy, val, len) != len ||
	    sl_opt_decode(o, &copy, len, &prog) < 0)
		return real(fd, o->level, o->optname, val, len);
	*prog_out = prog;
	v = r->action == SL_PA_SET ? r->value :
	    r->action == SL_PA_CLAMP ? clamp(prog, r) : prog;
	if (r->action == SL_PA_CLAMP && v == prog)
		return real(fd, o->level, o->optname, val, len);
	if (pol.audit) {
		ret = real(fd, o->level, o->optname, val, len);
		err = errno;
	} else if (r->action == SL_PA_DENY) {
		ret = -1;
		err = EPERM;
	} else if (r->action == SL_PA_IGNORE) {
		ret = 0;
		err = 0;
	} else {
		ret = real_set(fd, o, v);
		err = errno;
	}
	record(fd, e, r, SL_PW_SETSOCKOPT, SL_PF_PROG, prog, v, ret, err,
	       caller);
	errno = err;
	return ret;
}

/*
 * The program's own setsockopt, recorded (audit findings need to know,
 * say, whether it asked for keepalive): arg0 the level, arg1 the option,
 * inode2 the value as an integer when it is one (the first int of it).
 * Not timed: setsockopt does not block (see dur_ns in wire.h).
 */
static inline __attribute__((always_inline)) void
record_setsockopt(int fd, struct sl_fd *e, int level, int name,
		  const int64_t *value, int ret, int err, uint64_t ts,
		  struct sl_site site)
{
	struct sl_rec_call *r = sl_call_begin(SL_CALL_SETSOCKOPT, fd, e, ts,
					      site);

	if (!r)
		return;
	sl_call_ret(r, ret, err);
	r->arg0 = level;
	r->arg1 = name;
	if (value) {
		r->inode2 = (uint64_t)*value;
		r->flags |= SL_F_VALUE;
	}
	sl_call_done();
}

/*
 * The program's setsockopt on the followed socket E, through REAL: libc's
 * function, or the system call when it came through syscall(). The
 * policy may change the value or answer in the kernel's place.
 */
static inline __attribute__((always_inline)) int
do_setsockopt(struct sl_fd *e, int fd, int level, int name, const void *val,
	      socklen_t len, sl_setsockopt_fn *real, struct sl_site site)
{
	struct sockaddr_storage l, r;
	struct sl_sock_desc d;
	const struct sl_rule *rule = NULL;
	int64_t value = INT64_MIN;
	uint64_t ts = sl_now_ns();
	int opt, ret, err, v;

	/* A transparent listener accepts for addresses not its own. */
	if ((level == SOL_IP && name == IP_TRANSPARENT) ||
	    (level == SOL_IPV6 && name == IPV6_TRANSPARENT))
		sl_fd_clear(e, SL_FD_LOCAL_FIXED);
	opt = sl_pol_on ? sl_opt_by_number(level, name) : -1;
	if (opt >= 0 && (opt_has_rules & (1ull << opt))) {
		describe(fd, e, &d, &l, &r);
		rule = decide(&d, opt, NULL);
	}
	if (rule) {
		ret = decide_setsockopt(fd, e, rule, val, len, &value, real,
					site.caller);
	} else {
		ret = real(fd, level, name, val, len);
		/* Success: the kernel read an int's worth of VAL. */
		if (ret == 0 && len >= sizeof(int)) {
			memcpy(&v, val, sizeof(v));
			value = v;
		}
	}
	/* errno is read only for the record of a failure: the record's
	 * way keeps it (record.h), and so the program's. */
	err = ret < 0 ? errno : 0;
	record_setsockopt(fd, e, level, name, value == INT64_MIN ? NULL : &value,
			  ret, err, ts, site);
	return ret;
}

/* syscall()'s way in (wrap_syscall.c); setsockopt has it inline. */
int sl_setsockopt(struct sl_fd *e, int fd, int level, int name,
		  const void *val, socklen_t len, sl_setsockopt_fn *real,
		  struct sl_site site)
{
	return do_setsockopt(e, fd, level, name, val, len, real, site);
}

SL_EXPORT int setsockopt(int fd, int level, int name, const void *val,
			 socklen_t len)
{
	struct sl_fd *e = sl_traced(fd);

	if (!e)
		return SL_REAL(setsockopt)(fd, level, name, val, len);
	return do_setsockopt(e, fd, level, name, val, len,
			     SL_REAL(setsockopt), SL_SITE());
}
