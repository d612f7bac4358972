/*
 * The transport to the collector: one SOCK_SEQPACKET connection per
 * process, and with it the shared memory (ring_writer.c) where the threads
 * write their records (buffer.c); its waits are transport_wait.c's, its
 * count of lost records transport_drops.c's. The socket carries what is
 * not a record (the hello, the module map, drop reports, the memory's
 * memfd) and what the memory cannot take: a record no lane took goes
 * into the shared area while it is less than half full, else on the
 * socket, which also wakes the collector to empty the memory. Sends use MSG_DONTWAIT |
 * MSG_NOSIGNAL: a slow or absent collector costs the program dropped
 * records, counted and reported later, never a wait or a SIGPIPE.
 *
 * The connection is made lazily, by the first record, so that processes
 * that never touch a socket never connect. Its fd lives high, close-on-
 * exec; once chosen its number never changes for the life of the image
 * (a reconnect dup3()s the new socket onto it), so a thread that sends
 * while another reconnects can never write into a program's fd.
 *
 * Our fd never takes a number the program could have had (fdslot.c): a
 * program that lowers its soft RLIMIT_NOFILE below where our fd goes
 * gets our connection made first (sl_transport_before_nofile, from
 * wrap_rlimit.c); where no room is left, records are dropped and counted
 * with the reason (SL_DROP_NO_FD), never sent from an fd that is the
 * program's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <socklens/ring.h>

#include "peek.h"
#include "preload.h"
#include "transport_int.h"

#define BACKOFF_MIN_MS 50u
#define BACKOFF_MAX_MS 5000u
/* How long a socket found full is left alone. */
#define SOCKET_FULL_NS (1000 * 1000ull)

/* The connection's fd: read by every close (sl_is_transport_fd). */
int sl_conn_fd = -1;
int sl__conn_state = CONN_DOWN;
static unsigned int conn_count;		/* connections made by this image */
static uint64_t next_try_ns;
static uint64_t socket_full_until;
/* This thread is the one connecting (a signal handler that interrupts it
 * must not wait for it). */
SL_TLS bool sl__connecting_here;
static unsigned int backoff_ms = BACKOFF_MIN_MS;
/* Why we are not connected: what records lost meanwhile count as. */
static int down_reason = SL_DROP_UNSENT;
/* This thread is between the fork wrapper's prefork and its after-fork
 * halves: it never waits for the collector there. */
SL_TLS bool sl__in_fork;

int sl__send_msg(const void *buf, size_t len)
{
	int fd = __atomic_load_n(&sl_conn_fd, __ATOMIC_ACQUIRE);

	if (SL_REAL(send)(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len)
		return 0;
	return -errno;
}

static void schedule_retry(uint64_t now)
{
	next_try_ns = now + (uint64_t)backoff_ms * 1000000u;
	backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
						       backoff_ms * 2;
}

/*
 * A new connection to the collector, on a close-on-exec fd at or above
 * FROM. Nothing below FROM is kept, only the moment socket() needs it:
 * -EMFILE when no fd is free there (F_DUPFD's EINVAL means FROM is at or
 * past the soft limit), for the records lost to say so.
 */
int sl_conn_open(int from)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s, fd;

	if (from < 0)
		return -EMFILE;
	s = SL_REAL(socket)(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, 0);
	if (s < 0)
		return errno == ENFILE ? -EMFILE : -errno;
	memcpy(sun.sun_path, sl_cfg.socket_path, sizeof(sl_cfg.socket_path));
	if (SL_REAL(connect)(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err_close;
	fd = SL_REAL(fcntl)(s, F_DUPFD_CLOEXEC, from);
	if (fd < 0 && errno == EINVAL)
		errno = EMFILE;
	if (fd < 0)
		goto err_close;
	SL_REAL(close)(s);
	return fd;

err_close:
	fd = -errno;
	SL_REAL(close)(s);
	return fd;
}

/* Puts a fresh connection where our fd already is, or makes it ours. */
static int install_conn(int fd)
{
	if (sl_conn_fd >= 0 && fd != sl_conn_fd) {
		if (SL_REAL(dup3)(fd, sl_conn_fd, O_CLOEXEC) < 0) {
			SL_REAL(close)(fd);
			return -errno;
		}
		SL_REAL(close)(fd);
		return 0;
	}
	__atomic_store_n(&sl_conn_fd, fd, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A connection's start: the introduction, then the memfd of MFD, the
 * memory made for it (or -1: none) before the connection was, for the
 * other threads to write into while this one connects and introduces us
 * (a burst of threads at start would otherwise drop what they record
 * meanwhile).
 */
static int start_conn(uint64_t now, uint32_t hello_flags, int mfd)
{
	int err = sl_introduce(sl__send_msg, now, hello_flags);

	if (mfd >= 0 && err)
		sl_ring_cancel(mfd);
	else if (mfd >= 0)
		sl_ring_offer(mfd, __atomic_load_n(&sl_conn_fd, __ATOMIC_ACQUIRE),
			      now);
	return err;
}

static uint32_t hello_flags_now(void)
{
	return conn_count ? SL_HELLO_RECONNECT : 0;
}

/* Connects, or returns quickly: another thread connects, or it is not
 * yet time to retry. Only the CONNECTING thread gets past the CAS. */
static void try_connect(uint64_t now)
{
	int expect = CONN_DOWN;
	int fd, err, mfd;

	if (!sl_cfg.collect ||
	    now < __atomic_load_n(&next_try_ns, __ATOMIC_RELAXED) ||
	    !__atomic_compare_exchange_n(&sl__conn_state, &expect, CONN_CONNECTING,
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	sl__connecting_here = true;
	mfd = sl_ring_start();
	fd = sl_conn_open(sl_conn_from());
	err = fd < 0 ? fd : install_conn(fd);
	if (!err)
		err = start_conn(now, hello_flags_now(), mfd);
	else if (mfd >= 0)
		sl_ring_cancel(mfd);
	sl__connecting_here = false;
	if (err) {
		SL_LOG(2, "collector %s: %s", sl_cfg.socket_path,
		       strerror(-err));
		/* EBADF: our number is past a lowered limit (dup3). */
		down_reason = err == -EMFILE || err == -EBADF ? SL_DROP_NO_FD :
							       SL_DROP_UNSENT;
		schedule_retry(now);
		__atomic_store_n(&sl__conn_state, CONN_DOWN, __ATOMIC_RELEASE);
		return;
	}
	down_reason = SL_DROP_UNSENT;
	conn_count++;
	backoff_ms = BACKOFF_MIN_MS;
	__atomic_store_n(&sl__conn_state, CONN_UP, __ATOMIC_RELEASE);
}

/* The collector went away: keep the fd number, stop sending. */
void sl__conn_lost(uint64_t now)
{
	int expect = CONN_UP;

	if (__atomic_compare_exchange_n(&sl__conn_state, &expect, CONN_DOWN, false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		SL_LOG(2, "collector gone; running on untraced");
		/* What the dead collector never read: counted, so the next
		 * one hears of it. */
		sl_count_drop(sl_ring_abandon());
		backoff_ms = BACKOFF_MIN_MS;
		schedule_retry(now);
	}
}

/*
 * Sends one record that no lane took (buffer.c): into the shared area
 * while it is less than half full and the collector reads it; else on
 * the socket, which wakes the collector to empty the memory; else into
 * the shared area to its end; else it is counted as dropped. Connects
 * first if we are not (and it is time to try). Safe in a signal handler.
 */
void sl_transport_send(const void *buf, uint32_t len)
{
	uint64_t ts = ((const struct sl_hdr *)buf)->ts_ns;
	int err;

	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_UP &&
	    sl__collector_gone(ts)) {
		sl_count_drop(1);
		return;
	}
	if (sl_ring_put(buf, len, 2))
		return;
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
		try_connect(sl_now_ns());
	/* Another thread is connecting: its memory takes the record. */
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_CONNECTING &&
	    sl__wait_for_memory(ts) && sl_ring_put(buf, len, 1))
		return;
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_CONNECTING &&
	    sl__may_wait() && sl__wait_for_conn(buf, len))
		return;
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP) {
		sl__count_drop(1, down_reason);
		return;
	}
	if (sl_ring_put(buf, len, 2))
		return;
	/* A socket found full is not tried again for SOCKET_FULL_NS: a
	 * stopped collector must not cost a failed send per record. */
	err = ts < __atomic_load_n(&socket_full_until, __ATOMIC_RELAXED) ?
	      -EAGAIN : sl__send_msg(buf, len);
	if (err == -EAGAIN || err == -ENOBUFS)
		__atomic_store_n(&socket_full_until, ts + SOCKET_FULL_NS,
				 __ATOMIC_RELAXED);
	/* The socket is full: the shared area may still have room, and in
	 * lossless mode the collector makes some. */
	if ((err == -EAGAIN || err == -ENOBUFS) &&
	    (sl_ring_put(buf, len, 1) || (sl__may_wait() && sl__wait_for_room(buf, len))))
		return;
	if (err) {
		sl_count_drop(1);
		if (err != -EAGAIN && err != -ENOBUFS)
			sl__conn_lost(ts);
	}
}

/*
 * Whether a record of SIZE bytes made at TS that no lane takes can go
 * anywhere: not while we are down and it is not yet time to try again,
 * nor while the socket was found full lately and the shared area has no
 * room for it (a stopped collector) and it may not wait (lossless mode).
 * Counted as dropped here, before the record is built.
 */
bool sl_transport_may_send(uint64_t ts, size_t size)
{
	int state = __atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE);

	if (state == CONN_DOWN && sl_cfg.collect &&
	    ts < __atomic_load_n(&next_try_ns, __ATOMIC_RELAXED)) {
		sl__count_drop(1, down_reason);
		return false;
	}
	if (state == CONN_UP &&
	    ts < __atomic_load_n(&socket_full_until, __ATOMIC_RELAXED) &&
	    sl_ring_active() && !sl_ring_room((uint32_t)size) && !sl__may_wait()) {
		sl_count_drop(1);
		return false;
	}
	return true;
}

/*
 * A thread's look at the collector, at most every few milliseconds, from
 * a record (buffer.c; maybe in a signal handler): the drop counts go out,
 * and a collector that has stopped reading is asked whether it is gone.
 */
void sl_transport_tick(uint64_t ts)
{
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
		return;
	if (sl__drops_pending())
		sl__send_drop_records(ts);
	sl__collector_gone(ts);
}

/*
 * At a point where the program's own call allows it (sl_flush: before
 * fork, exec, a seccomp filter, at exit): the drop counts, and the module
 * map again after a dlopen (dl_iterate_phdr takes the loader's lock, so
 * never from a record, which a signal handler may make).
 */
void sl_transport_sync(void)
{
	uint64_t now;

	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
		return;
	now = sl_now_ns();
	if (sl__drops_pending())
		sl__send_drop_records(now);
	if (sl_modules_changed())
		sl_modules_send(sl__send_msg, now);
}

/*
 * From now on this process is not traced: the wrappers pass through (not
 * enabled), no fd is followed, and the transport never sends nor
 * connects. The connection stays open: its end tells the collector when
 * the process is gone.
 */
void sl_go_dark(void)
{
	int high = sl_fd_high();

	__atomic_store_n(&sl__conn_state, CONN_DARK, __ATOMIC_RELEASE);
	__atomic_store_n(&sl_cfg.enabled, false, __ATOMIC_RELAXED);
	for (int fd = 0; fd < high; fd++)
		sl_fd_forget(fd);
}

int sl_transport_fd(void)
{
	return __atomic_load_n(&sl_conn_fd, __ATOMIC_RELAXED);
}

/*
 * The program wants our fd's number (dup2 onto it): move our connection
 * elsewhere first. Returns 0, or -errno when no fd is left to move to.
 */
int sl_transport_move_from(int fd)
{
	int nfd;

	if (!sl_is_transport_fd(fd))
		return 0;
	nfd = SL_REAL(fcntl)(fd, F_DUPFD_CLOEXEC, fd > 64 ? fd / 2 : 3);
	if (nfd < 0)
		return -errno;
	__atomic_store_n(&sl_conn_fd, nfd, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Before fork: a connection for the child, made by the parent, so that
 * the collector knows of the child before the parent can exit (a daemon's
 * parent exits at once). The collector takes the child's pid from the
 * kernel with its first message. A negative SL_PREFORK_* when there is
 * none: no collector, or no room for it where our fds go.
 */
int sl_transport_prefork(void)
{
	struct rlimit rl;
	int fd;

	sl__in_fork = true;
	/* Our own connection first: a daemon's first call may be fork. */
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
		try_connect(sl_now_ns());
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) != CONN_UP)
		return SL_PREFORK_NONE;
	fd = sl_conn_open(sl_conn_from());
	if (fd >= 0)
		return fd;
	if (fd != -EMFILE)
		return SL_PREFORK_NONE;
	/* The program lowered its limit under our fd: the child may lift
	 * its own for a moment, within its hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    (rlim_t)sl_conn_fd < rl.rlim_max)
		return SL_PREFORK_CHILD;
	return SL_PREFORK_NO_FD;
}

/*
 * In the parent after fork (PID the child, TS the fork's start): the
 * child's connection is the child's. A child that can have none is said
 * to be untraced, in a drop record of ours that names it.
 */
void sl_transport_parent_after_fork(int child_fd, pid_t pid, uint64_t ts)
{
	struct sl_rec_drop *d;

	sl__in_fork = false;
	if (child_fd >= 0)
		SL_REAL(close)(child_fd);
	if (child_fd != SL_PREFORK_NO_FD || pid <= 0)
		return;
	d = sl_rec_begin(sizeof(*d), SL_REC_DROP, ts);
	if (!d)
		return;
	d->records = d->batches = 0;
	d->reason = SL_DROP_NO_FD;
	d->pid = (uint32_t)pid;
	sl_rec_done(ts);
}

/*
 * In a fork child: the connection and the buffer are the parent's. Drop
 * both without sending, and introduce ourselves on the connection the
 * parent made for us, or made here (SL_PREFORK_CHILD), or lazily.
 */
void sl_transport_after_fork(int child_fd)
{
	int slot = sl_conn_fd;
	uint64_t now;

	/* Nothing below waits: introductions go on the socket. */
	sl__in_fork = false;
	sl_reset_ids_after_fork();
	sl_buffer_after_fork();
	sl_ring_after_fork();
	sl__next_ask_ns = 0;
	sl_ring_arm();
	if (sl_conn_fd >= 0)
		SL_REAL(close)(sl_conn_fd);
	sl_conn_fd = -1;
	sl__conn_state = CONN_DOWN;
	conn_count = 0;
	next_try_ns = 0;
	socket_full_until = 0;
	backoff_ms = BACKOFF_MIN_MS;
	sl__drops_forget();
	down_reason = SL_DROP_UNSENT;
	sl_fd_after_fork();
	if (child_fd == SL_PREFORK_CHILD)
		child_fd = sl_conn_in_child(slot);
	if (child_fd == SL_PREFORK_NO_FD || child_fd == -EMFILE)
		down_reason = SL_DROP_NO_FD;
	if (child_fd < 0)
		return;
	now = sl_now_ns();
	sl_conn_fd = child_fd;
	if (start_conn(now, SL_HELLO_FORKED, sl_ring_start())) {
		schedule_retry(now);
		return;
	}
	conn_count = 1;
	sl__conn_state = CONN_UP;
}

/*
 * The program is about to set its soft RLIMIT_NOFILE to SOFT. An fd at
 * or above the limit stays valid when the limit comes down, so if ours
 * would no longer fit under SOFT it is made now, where it would have
 * gone, whatever the retry backoff says; and no connection of ours goes
 * below that number from now on. The program's call comes after, with
 * its own arguments.
 */
void sl_transport_before_nofile(uint64_t soft)
{
	int from = sl_conn_fd >= 0 ? sl_conn_fd : sl_conn_from();

	if (!sl_cfg.collect || from < 0 || soft > (uint64_t)from ||
	    __atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_DARK)
		return;
	sl_conn_floor_raise(from);
	if (__atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_UP)
		return;
	__atomic_store_n(&next_try_ns, 0, __ATOMIC_RELAXED);
	try_connect(sl_now_ns());
}

/*
 * exec keeps our connection (when following): the new image finds it by
 * its peer address and goes on with a new hello. Close-on-exec comes
 * back if the exec fails.
 */
void sl_transport_before_exec(void)
{
	if (sl_cfg.follow &&
	    __atomic_load_n(&sl__conn_state, __ATOMIC_ACQUIRE) == CONN_UP)
		SL_REAL(fcntl)(sl_conn_fd, F_SETFD, 0);
}

void sl_transport_exec_failed(void)
{
	if (sl_conn_fd >= 0)
		SL_REAL(fcntl)(sl_conn_fd, F_SETFD, FD_CLOEXEC);
}

/* At init: is FD the connection a traced exec left us? */
bool sl_transport_adopt(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	size_t plen = strlen(sl_cfg.socket_path);

	if (sl_conn_fd >= 0 ||
	    getpeername(fd, (struct sockaddr *)&sun, &len) < 0 ||
	    sun.sun_family != AF_UNIX ||
	    len < offsetof(struct sockaddr_un, sun_path) + plen ||
	    memcmp(sun.sun_path, sl_cfg.socket_path, plen) ||
	    (len > offsetof(struct sockaddr_un, sun_path) + plen &&
	     sun.sun_path[plen] != '\0'))
		return false;
	SL_REAL(fcntl)(fd, F_SETFD, FD_CLOEXEC);
	sl_conn_fd = fd;
	return true;
}

/* Process exit: say so, and send what this thread still holds. */
void sl_transport_exit(int status)
{
	struct sl_call_info ci = {
		.call = SL_CALL_EXIT, .fd = -1, .ret = status,
	};

	/* A process that never reported need not connect to say goodbye. */
	if (!conn_count || !sl_ring_armed())
		return;
	/* What goes on the socket first (a module map, drop counts: sends
	 * that can take milliseconds), then the counters and the EXIT
	 * record, stamped as late as we can: the kernel lets go of the
	 * process's fds only after it, and another holder's close in
	 * between would otherwise seem to come after the exit. */
	sl_wf_exit();
	sl_flush();
	ci.ts = sl_now_ns();
	sl_fd_report_open(ci.ts);
	sl_emit(&ci);
}

/*
 * The process is exiting: a destructor, not an atexit handler, so that it
 * runs in the loader's fini pass, after the program's own atexit handlers
 * and the destructors of the libraries loaded after us (we are preloaded,
 * so nearly everything is): the EXIT record comes as close to the
 * kernel's release of the fds as we can be.
 */
__attribute__((destructor)) static void at_exit(void)
{
	if (sl_active())
		sl_transport_exit(-1);
}

void sl_transport_init(void)
{
	sl_ring_guard_init();
	sl_hello_init();
	sl_buffer_init();
	sl_fdtab_scan_inherited();
	/* An exec'd image says hello on the connection it inherited, and
	 * one that inherited sockets reports them now, not at its first
	 * call: they may be all it ever uses. */
	if (sl_conn_fd >= 0 &&
	    !start_conn(sl_now_ns(), SL_HELLO_EXEC, sl_ring_start())) {
		conn_count = 1;
		sl__conn_state = CONN_UP;
	} else if (sl_fd_high()) {
		try_connect(sl_now_ns());
	}
}
