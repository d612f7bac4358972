/*
 * What the files of libsocklens.so share: the bound libc functions, the
 * configuration read once at init, the fd table, the record buffer and
 * the logging macro. Nothing here is exported from the shared object
 * (-fvisibility=hidden); only the wrapped libc names are.
 */
#ifndef SL_PRELOAD_H
#define SL_PRELOAD_H

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "socklens/wire.h"

#define SL_EXPORT __attribute__((visibility("default")))
/* Our own globals, declared hidden: the wrappers then reach them
 * rip-relative, not through the GOT (one load fewer at each use). */
#define SL_HIDDEN __attribute__((visibility("hidden")))
#define SL_TLS __thread __attribute__((tls_model("initial-exec")))
#define sl_likely(x) __builtin_expect(!!(x), 1)
#define sl_unlikely(x) __builtin_expect(!!(x), 0)
#define SL_CALLER() ((uint64_t)(uintptr_t)__builtin_return_address(0))

/* res_nquery's state; resolv.h is not included (it renames res_query). */
struct __res_state;

/* The real libc functions, bound once by sl_bind(): one pointer per
 * SL_FN row of the call table, named by its first column. */
struct sl_real {
#define SL_FN(field, sym, ret, params, call, kind) ret (*field) params;
#include "socklens/calls.def"
};

extern SL_HIDDEN struct sl_real sl_real;
void sl_bind(void);

/* Calls a real function, binding first if a wrapper runs before init. */
#define SL_REAL(fn) (sl_likely(sl_real.fn) ? sl_real.fn : (sl_bind(), sl_real.fn))

/* Configuration, read from the environment once, in the constructor. */
struct sl_config {
	bool enabled;		/* a collector or a policy, and not disabled */
	bool collect;		/* SOCKLENS_SOCKET names a collector */
	bool follow;		/* keep the preload across exec */
	int log_level;		/* SOCKLENS_DEBUG: 0 quiet, 1 errors, 2 all */
	uint32_t ring_bytes;	/* SOCKLENS_RING_KB, as bytes; 0: no ring */
	uint64_t lossless_ns;	/* SOCKLENS_LOSSLESS: longest wait for room */
	bool peek;		/* look at streams' first bytes (peek.c) */
	bool tcp_info;		/* TCP_INFO at close and exit (tcpinfo.c) */
	bool inode;		/* SOCKLENS_INODE: name sockets by their
				 * kernel inode (one fstat each), not ours */
	char socket_path[108];
};

extern SL_HIDDEN struct sl_config sl_cfg;
extern SL_HIDDEN pid_t sl_pid;		/* cached getpid(), renewed after fork */

pid_t sl_gettid(void);
void sl_reset_ids_after_fork(void);

/*
 * The clock (clock.c): CLOCK_MONOTONIC ns, from the TSC where it is
 * constant and nonstop (SOCKLENS_NO_TSC=1 keeps clock_gettime). An
 * anchor maps a thread's tsc readings to ns for up to SL_CLK_SPAN_NS.
 */
#define SL_CLK_SPAN_NS 50000000ull
struct sl_clk_anchor {
	uint64_t tsc, ns;	/* the pair conversions start from */
	uint64_t rate;		/* ns per tick << 32 */
	uint64_t span;		/* ticks the anchor is used for */
	uint64_t raw_tsc, raw_ns; /* the pair as read, for the next rate */
};
extern SL_HIDDEN bool sl_clk_tsc;
extern SL_TLS struct sl_clk_anchor sl_clk_anchor;
uint64_t sl_mono_ns(void);
uint64_t sl_now_slow(void);
uint64_t sl_clk_rate(uint64_t ns, uint64_t ticks);
uint64_t sl_clk_conv(const struct sl_clk_anchor *a, uint64_t tsc);
void sl_clk_reanchor(struct sl_clk_anchor *a, uint64_t tsc, uint64_t ns,
		     uint64_t last, bool tight);
void sl_clock_init(bool allow_tsc);

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t sl_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#else
static inline uint64_t sl_rdtsc(void)
{
	return 0;	/* no TSC: sl_clock_init keeps clock_gettime */
}
#endif

/*
 * Now, in CLOCK_MONOTONIC ns. Inline, since every recorded call reads it:
 * one rdtsc and a multiply by this thread's anchor (clock.c), which is
 * read, then its tsc again: a signal handler that re-anchored between
 * the reads changed it, and the reading is taken again. An anchor too
 * old, a tsc gone back (an unsigned d beyond the span) and no TSC at all
 * (its span stays 0, which even a reading of 0 is not below) go out of
 * line.
 */
static inline uint64_t sl_now_ns(void)
{
	for (;;) {
		uint64_t tsc, d, a_tsc, a_ns, rate, span;

		a_tsc = sl_clk_anchor.tsc;
		span = sl_clk_anchor.span;
		a_ns = sl_clk_anchor.ns;
		rate = sl_clk_anchor.rate;
		tsc = sl_rdtsc();
		d = tsc - a_tsc;
		if (sl_unlikely(d >= span))
			return sl_now_slow();
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (sl_likely(sl_clk_anchor.tsc == a_tsc))
			return a_ns +
			       (uint64_t)(((unsigned __int128)d * rate) >> 32);
	}
}

/*
 * A moment taken cheaply, for a call that may block and may then make a
 * record: the TSC as read, once the clock runs on it with a known rate
 * (sl_clk_stamp), else CLOCK_MONOTONIC ns marked SL_STAMP_NS. Turned into
 * ns (sl_stamp_ns, clock.c) only where a record is made, so that the
 * plain path of a blocking send or receive pays one rdtsc.
 */
#define SL_STAMP_NS (1ull << 63)
extern SL_HIDDEN bool sl_clk_stamp;
uint64_t sl_stamp_ns(uint64_t stamp, uint64_t now);

static inline uint64_t sl_stamp(void)
{
	if (sl_likely(__atomic_load_n(&sl_clk_stamp, __ATOMIC_RELAXED)))
		return sl_rdtsc();
	return sl_mono_ns() | SL_STAMP_NS;
}

void sl_clock_after_fork(void);
void sl_init(void);

/* Logging: formats into a stack buffer, one write(2) to stderr. */
void sl_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define SL_LOG(level, ...) \
	do { if (sl_unlikely(sl_cfg.log_level >= (level))) \
		sl_log((level), __VA_ARGS__); } while (0)

/*
 * The fd table: one entry per fd number, in an mmap'd array sized to the
 * hard fd limit, so a lookup is one index. inode 0 means "not a socket we
 * follow": everything else passes straight through.
 */
#define SL_FD_NONBLOCK	0x01u
#define SL_FD_CONNECTING 0x02u	/* connect returned EINPROGRESS/EINTR */
#define SL_FD_EOF	0x04u	/* end of stream reported once */
#define SL_FD_STREAM	0x08u	/* SOCK_STREAM or SOCK_SEQPACKET */
#define SL_FD_HAS_PEER	0x10u	/* datagram peer address reported */
#define SL_FD_ERR	0x20u	/* a hard I/O error reported once */
#define SL_FD_INHERITED	0x40u	/* held before this image or child reported */
#define SL_FD_WANT_PEER	0x80u	/* datagram socket, no peer reported yet */
#define SL_FD_EPOLL	0x100u	/* an epoll instance, not a socket */
#define SL_FD_LOCAL_FIXED 0x200u /* a listener on one address or a path:
				  * what it accepts has its local address */
#define SL_FD_STDIO	0x400u	/* fd 0-2, or fdopen'ed: stdio may move
				 * bytes on it unseen (SL_F_STDIO) */
#define SL_FD_SHARED	0x800u	/* another process may hold it too (a fork
				 * since, or passed over SCM_RIGHTS): its
				 * close is timed (wrap.h, sl_close_begin) */
#define SL_FD_PEEK	0x1000u	/* its first bytes are looked at (peek.c) */
#define SL_FD_TCP	0x2000u	/* a connected TCP socket: TCP_INFO at its
				 * close (tcpinfo.c) */
#define SL_FD_EXITED	0x4000u	/* its counters went with the EXIT record:
				 * I/O after it (a signal handler while the
				 * process exits) sends them again */
#define SL_FD_ALIASED	0x8000u	/* a socket we named: its kernel inode went
				 * out in an SL_CALL_ALIAS (sl_fd_alias) */

struct sl_fd {
	uint64_t inode;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint32_t tx_calls;
	uint32_t rx_calls;
	uint32_t eagain;
	uint32_t flags;		/* SL_FD_* */
	uint16_t family;
	uint16_t type;
	uint8_t role;		/* policy's enum sl_role_sel, once known */
	uint8_t pad;
	uint16_t peek_slot;	/* with SL_FD_PEEK: its state (peek.c) */
	uint64_t pol_rules;	/* policy set rules applied (first 64) */
	uint32_t peeks;		/* MSG_PEEK reads: not in rx_bytes/rx_calls */
	uint32_t born_ms;	/* with SL_FD_TCP: connected or accepted, in
				 * ms of the monotonic clock (tcpinfo.c) */
};

extern SL_HIDDEN struct sl_fd *sl_fds;
extern SL_HIDDEN int sl_fd_cap;		/* entries in sl_fds */

int sl_fdtab_init(void);
struct sl_fd *sl_fd_track(int fd, uint64_t inode, int family, int type,
			  unsigned int flags);

/* Lets FD's entry go: inline, as close makes it on every socket. The
 * release orders our last writes to the entry before the next owner's
 * (sl_fd_track acquires it). */
static inline void sl_fd_forget(int fd)
{
	if ((unsigned int)fd < (unsigned int)sl_fd_cap)
		__atomic_store_n(&sl_fds[fd].inode, 0, __ATOMIC_RELEASE);
}

void sl_fd_snapshot(const struct sl_fd *e, struct sl_fd *copy);
void sl_fd_after_fork(void);
void sl_fd_mark_shared(void);
int sl_fd_high(void);		/* one past the highest fd ever tracked */
uint64_t sl_fd_inode_of(int fd, int *family, int *type);
void sl_fdtab_scan_inherited(void);
void sl_fd_report_open(uint64_t now);
uint64_t sl_epoll_id_new(void);
uint64_t sl_fd_adopt(int fd, int *family, int *type);
uint64_t sl_sock_name(int fd);
void sl_sock_names_init(void);
void sl_sock_names_after_fork(void);
void sl_fd_alias(int fd, struct sl_fd *e, uint64_t ts);
void sl_fd_alias_all(void);

/*
 * fd numbers are process-wide, so any thread may read any entry while
 * another makes or ends the socket behind it (the inherit walk reads them
 * all). Every field another thread may touch is read and written through
 * these, as relaxed atomics: the same plain moves on x86-64 and arm64,
 * but defined behaviour, and quiet under ThreadSanitizer. Flags change by
 * atomic read-modify-write, so two threads never lose each other's bits.
 */
#define SL_LOAD(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define SL_STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline uint64_t sl_fd_inode(const struct sl_fd *e)
{
	return SL_LOAD(e->inode);
}

static inline uint32_t sl_fd_flags(const struct sl_fd *e)
{
	return SL_LOAD(e->flags);
}

static inline void sl_fd_set(struct sl_fd *e, uint32_t f)
{
	__atomic_or_fetch(&e->flags, f, __ATOMIC_RELAXED);
}

/* Clears F; true if this call cleared it (it was set, and no other
 * thread cleared it first). */
static inline bool sl_fd_clear(struct sl_fd *e, uint32_t f)
{
	return __atomic_fetch_and(&e->flags, ~f, __ATOMIC_RELAXED) & f;
}

/* Sets F; true if this call set it. */
static inline bool sl_fd_claim(struct sl_fd *e, uint32_t f)
{
	return !(__atomic_fetch_or(&e->flags, f, __ATOMIC_RELAXED) & f);
}

/* The entry of a tracked fd, or NULL: the one check every wrapper makes. */
static inline struct sl_fd *sl_fd_get(int fd)
{
	struct sl_fd *e;

	if (sl_unlikely((unsigned int)fd >= (unsigned int)sl_fd_cap))
		return NULL;
	e = &sl_fds[fd];
	/* Never NULL: the table is mapped before sl_fd_cap leaves 0. Said
	 * so that the wrappers' own test of the entry folds away. */
	if (!e)
		__builtin_unreachable();
	return sl_fd_inode(e) ? e : NULL;
}

/*
 * Where a call came from: the caller's return address, and SL_F_SYSCALL
 * when the program made it through libc's syscall(). The wrappers' shared
 * halves (wrap.h) take one, so a record made either way is built by the
 * same code and differs only in that flag.
 */
struct sl_site {
	uint64_t caller;
	uint16_t flags;		/* SL_F_SYSCALL or 0 */
};

#define SL_SITE() ((struct sl_site){ SL_CALLER(), 0 })

/* Records: built on the stack, appended to this thread's buffer. */
struct sl_call_info {
	uint16_t call;
	uint16_t flags;
	int fd;
	int64_t ret;
	int err;
	uint64_t ts;
	uint64_t dur;
	uint64_t caller;
	uint64_t inode;
	uint64_t inode2;
	int64_t arg0;
	int64_t arg1;
	const struct sl_fd *ent;	/* counters to send, may be NULL */
	const struct sockaddr *addr;	/* the call's address, may be NULL */
	socklen_t addr_len;
	bool want_local;		/* add getsockname(fd) */
	uint32_t peer_pid;
};

void sl_emit(const struct sl_call_info *ci);

/*
 * Records built where this thread writes: sl_call_begin, sl_call_done,
 * sl_rec_begin and sl_rec_done are inline (record.h, included at the end
 * of this file), their plain case a few loads and stores.
 */
/* How many records this thread has made so far: equal at two moments
 * when it made none between them. */
uint64_t sl_rec_seq(void);
bool sl_rec_nested(void);

/* Where a thread's records go (buffer.c): its lane. */
void sl_flush(void);
void sl_go_dark(void);
void sl_buffer_after_fork(void);
void sl_buffer_init(void);
void sl_fill_hdr(struct sl_hdr *h, size_t size, unsigned int type,
		 uint64_t ts);

/* The module map (modules.c). */
bool sl_modules_changed(void);
int sl_modules_send(int (*send)(const void *, size_t), uint64_t ts);

/*
 * The shared memory (ring_writer.c, include/socklens/ring.h). Which one is in
 * use is on a page of its own that a fork child sees zeroed (ring_writer.c):
 * armed only in a process our init or fork wrapper set up.
 */
struct sl_ring_hdr;
struct sl_lane;
struct sl_guard {
	struct sl_ring_hdr *ring;	/* the memory in use, or NULL */
	int armed;
};
extern SL_HIDDEN struct sl_guard *sl_guard;
void sl_ring_guard_init(void);
bool sl_ring_armed(void);
void sl_ring_arm(void);
uint32_t sl_ring_size(const char *env);
void sl_ring_split(uint32_t bytes, uint32_t *lanes, uint32_t *lane_size,
		   uint64_t *shared_size);
struct sl_ring_hdr *sl_ring_create(int *fd);
int sl_ring_start(void);
void sl_ring_cancel(int mfd);
void sl_ring_offer(int mfd, int conn_fd, uint64_t now);
void sl_ring_publish(struct sl_ring_hdr *r);
uint32_t sl_ring_abandon(void);
void sl_ring_after_fork(void);
bool sl_ring_active(void);
bool sl_ring_fresh(uint64_t ts);
uint64_t sl_ring_last_read(void);
bool sl_ring_put(const void *buf, uint32_t len, unsigned int limit_div);
bool sl_ring_room(uint32_t len);
struct sl_lane *sl_lane_claim(struct sl_ring_hdr *r, uint32_t tid,
			      uint32_t *index);
void sl_lane_give(struct sl_lane *l);
char *sl_lane_data(struct sl_ring_hdr *r, uint32_t i);

/* What a connection starts with (hello.c). */
void sl_hello_init(void);
int sl_introduce(int (*send_msg)(const void *, size_t), uint64_t now,
		 uint32_t hello_flags);

/* The transport (transport.c). */
void sl_transport_send(const void *buf, uint32_t len);
uint64_t sl_lossless_wait(const char *on, const char *ms);
bool sl_transport_may_send(uint64_t ts, size_t size);
void sl_transport_tick(uint64_t ts);
void sl_transport_sync(void);
void sl_count_drop(uint32_t records);
/* What sl_transport_prefork returns when it made no connection: none to
 * make (no collector), the child makes its own (the program's soft fd
 * limit leaves no room for it above ours: the child, alone in its
 * process, lifts it for a moment), or the child can have none (its hard
 * limit is below our fd). */
#define SL_PREFORK_NONE	(-1)
#define SL_PREFORK_CHILD (-2)
#define SL_PREFORK_NO_FD (-3)
int sl_transport_prefork(void);
void sl_transport_parent_after_fork(int child_fd, pid_t pid, uint64_t ts);
void sl_transport_after_fork(int child_fd);
void sl_transport_before_nofile(uint64_t soft);
/* A connection to the collector at or above fd FROM (-EMFILE: no room
 * there). */
int sl_conn_open(int from);

/* Where our connection's fd may go (fdslot.c). */
int sl_conn_from(void);
void sl_conn_floor_raise(int fd);
int sl_conn_in_child(int slot);
void sl_transport_before_exec(void);
void sl_transport_exec_failed(void);
bool sl_transport_adopt(int fd);
void sl_transport_exit(int status);
extern SL_HIDDEN int sl_conn_fd;

/* Whether FD is our connection to the collector: asked by every close. */
static inline bool sl_is_transport_fd(int fd)
{
	return fd >= 0 && fd == __atomic_load_n(&sl_conn_fd, __ATOMIC_RELAXED);
}

int sl_transport_fd(void);
int sl_transport_move_from(int fd);
void sl_transport_init(void);

/* The resolver (wrap_resolve.c). A fault rule may fail a lookup: a
 * strong definition elsewhere returns the error to fail it with (EAI_*
 * for getaddrinfo and getnameinfo, an h_errno for the others), 0 to let
 * it through; the weak one lets everything through. */
int sl_fault_resolve(unsigned int api, const char *name);

/* The policy (enforce.c). */
extern SL_HIDDEN bool sl_pol_on;
void sl_policy_init(const char *path, bool audit, bool strict);
bool sl_policy_info(struct sl_rec_policy_info *r);
void sl_policy_stage(int fd, struct sl_fd *e, unsigned int when,
		     const struct sockaddr *local, socklen_t local_len,
		     const struct sockaddr *remote, socklen_t remote_len,
		     uint64_t caller);
bool sl_policy_needs_local(void);
bool sl_policy_needs_remote(void);
/* Copies LEN bytes of the program's memory without trusting the pointer:
 * LEN, or 0 where a read would fault. */
socklen_t sl_copy_user(struct sockaddr_storage *dst, const void *src,
		       socklen_t len);

/* vfork: the child shares our memory and must do nothing but leave its
 * pid in sl_vfork.child, for the parent's record of the vfork. */
struct sl_vfork {
	uint64_t ts;		/* when vfork was called */
	uint64_t caller;
	pid_t child;		/* written by the child */
};
extern SL_TLS int sl_in_vfork;
extern SL_TLS struct sl_vfork sl_vfork;
bool sl_vfork_child(void);

/* Guards a wrapper: false when the call must pass straight through. */
static inline bool sl_active(void)
{
	return sl_likely(sl_cfg.enabled) &&
	       !(sl_unlikely(sl_in_vfork) && sl_vfork_child());
}

/* The entry of FD if we follow it and may record now, else NULL. */
static inline struct sl_fd *sl_traced(int fd)
{
	struct sl_fd *e = sl_fd_get(fd);

	if (sl_likely(!sl_in_vfork) || !e)
		return e;
	return sl_vfork_child() ? NULL : e;
}

#include "record.h"

#endif
