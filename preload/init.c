/*
 * Symbol binding and initialisation of libsocklens.so.
 *
 * The real libc functions are bound with dlsym(RTLD_NEXT) once, from the
 * constructor, before any wrapper needs them; a wrapper that runs earlier
 * (another preloaded library's constructor) binds them itself through
 * SL_REAL. The environment is read here and nowhere else.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

struct sl_real sl_real;
struct sl_config sl_cfg;
pid_t sl_pid;

static SL_TLS pid_t tid_cache;
SL_TLS int sl_in_vfork;
SL_TLS struct sl_vfork sl_vfork;

/* One row per bound name (the call table's SL_FN rows): where the
 * pointer goes, and the symbol. */
struct binding {
	void **slot;
	const char *name;
};

static const struct binding bindings[] = {
#define SL_FN(field, sym, ret, params, call, kind) \
	{ (void **)&sl_real.field, sym },
#include "socklens/calls.def"
};

/*
 * dlsym may run before libc is fully up; it does not call any function we
 * wrap, so there is no recursion to guard against here. Binding twice
 * from two threads stores the same pointers.
 */
void sl_bind(void)
{
	for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
		*bindings[i].slot = dlsym(RTLD_NEXT, bindings[i].name);
}

/* The vfork the parent made, now that it runs again: stamped when it
 * began, its child the pid that child left us. Keeps errno. */
static void vfork_record(void)
{
	int err = errno;
	struct sl_call_info ci = {
		.call = SL_CALL_VFORK, .fd = -1, .ts = sl_vfork.ts,
		.ret = sl_vfork.child, .caller = sl_vfork.caller,
	};

	sl_vfork.child = 0;
	ci.dur = sl_now_ns() - ci.ts;
	sl_emit(&ci);
	errno = err;
}

/* gettid(2) once per thread; a fork child's first thread renews it. */
pid_t sl_gettid(void)
{
	if (sl_unlikely(!tid_cache))
		tid_cache = gettid();
	return tid_cache;
}

/*
 * The vfork child runs on this thread's stack and TLS until it execs or
 * exits; sl_in_vfork, set before the real vfork, is then seen by both it
 * and (after) the parent. getpid(2) tells them apart: only paid while the
 * flag is up, and the parent lowers it at its first wrapped call. The
 * child leaves its pid in sl_vfork, the parent's memory, its one write
 * there; the parent, running again, records the vfork with it.
 */
bool sl_vfork_child(void)
{
	pid_t pid = getpid();

	if (pid != sl_pid) {
		sl_vfork.child = pid;
		return true;
	}
	sl_in_vfork = 0;
	if (sl_vfork.child > 0)
		vfork_record();
	return false;
}

void sl_reset_ids_after_fork(void)
{
	sl_pid = getpid();
	tid_cache = 0;
	sl_clock_after_fork();
}

void sl_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;
	int saved = errno;

	n = snprintf(buf, sizeof(buf), "socklens[%d]: %s", (int)sl_pid,
		     level <= 1 ? "error: " : "");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (SL_REAL(write)(STDERR_FILENO, buf, (size_t)n) < 0)
		errno = saved;
	errno = saved;
}

/* True when VALUE is set to something other than "", "0" or "no". */
static bool env_true(const char *value)
{
	return value && *value && strcmp(value, "0") && strcmp(value, "no");
}

/*
 * --no-follow: drop our library from LD_PRELOAD so that programs this one
 * execs run untraced. Forked children are the same image and stay traced.
 */
static void unfollow(void)
{
	const char *pre = getenv("LD_PRELOAD");
	char kept[4096] = "";
	char copy[4096];
	size_t used = 0;

	if (!pre || strlen(pre) >= sizeof(copy))
		return;
	strcpy(copy, pre);
	for (char *save, *tok = strtok_r(copy, ": ", &save); tok;
	     tok = strtok_r(NULL, ": ", &save)) {
		if (strstr(tok, "libsocklens"))
			continue;
		used += (size_t)snprintf(kept + used, sizeof(kept) - used,
					 "%s%s", used ? ":" : "", tok);
	}
	if (used)
		setenv("LD_PRELOAD", kept, 1);
	else
		unsetenv("LD_PRELOAD");
}

/*
 * The preload works for a collector (SOCKLENS_SOCKET), for a policy
 * (SOCKLENS_POLICY), or both; with neither it passes everything through.
 */
static void read_config(void)
{
	const char *sock = getenv("SOCKLENS_SOCKET");
	const char *debug = getenv("SOCKLENS_DEBUG");
	const char *policy = getenv("SOCKLENS_POLICY");
	const char *mode = getenv("SOCKLENS_POLICY_MODE");

	sl_cfg.log_level = debug ? atoi(debug) : 0;
	sl_cfg.ring_bytes = sl_ring_size(getenv("SOCKLENS_RING_KB"));
	sl_cfg.lossless_ns = sl_lossless_wait(getenv("SOCKLENS_LOSSLESS"),
					      getenv("SOCKLENS_LOSSLESS_MS"));
	sl_cfg.follow = !env_true(getenv("SOCKLENS_NO_FOLLOW"));
	if (env_true(getenv("SOCKLENS_DISABLE")))
		return;
	if (sock && strlen(sock) >= sizeof(sl_cfg.socket_path)) {
		SL_LOG(1, "SOCKLENS_SOCKET is longer than %zu bytes; tracing off",
		       sizeof(sl_cfg.socket_path) - 1);
	} else if (sock && *sock) {
		strcpy(sl_cfg.socket_path, sock);
		sl_cfg.collect = true;
	}
	sl_policy_init(policy, mode && !strcmp(mode, "audit"),
		       env_true(getenv("SOCKLENS_POLICY_STRICT")));
	sl_cfg.enabled = sl_cfg.collect || sl_pol_on;
	/* The waterfall's looks (peek.c, tcpinfo.c) make records only. */
	sl_cfg.peek = sl_cfg.collect && !env_true(getenv("SOCKLENS_NO_PEEK"));
	sl_cfg.tcp_info = sl_cfg.collect &&
			  !env_true(getenv("SOCKLENS_NO_TCP_INFO"));
	/* The kernel's inode as every socket's name: one fstat each. */
	sl_cfg.inode = env_true(getenv("SOCKLENS_INODE"));
}

/*
 * Priority 101 runs us before the program's own constructors, so their
 * sockets are traced too.
 */
__attribute__((constructor(101))) void sl_init(void)
{
	static int done;
	int saved = errno;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	sl_bind();
	sl_pid = getpid();
	read_config();
	sl_clock_init(!env_true(getenv("SOCKLENS_NO_TSC")));
	sl_sock_names_init();
	if (!sl_cfg.follow)
		unfollow();
	if (sl_cfg.enabled && sl_fdtab_init() < 0) {
		SL_LOG(1, "cannot map the fd table; tracing off");
		sl_cfg.enabled = false;
	}
	if (sl_cfg.enabled)
		sl_transport_init();
	errno = saved;
}
