/*
 * The fd table: what the preload knows about each socket fd.
 *
 * One entry per fd number in an array mapped once at init, sized to the
 * hard RLIMIT_NOFILE (capped), with MAP_NORESERVE so untouched pages cost
 * nothing. A lookup is one bounds check and one load, which is all a
 * non-socket fd pays. Entries are written by the thread that creates or
 * closes the fd; the I/O counters are bumped with relaxed atomics so that
 * threads sharing a socket do not lose counts.
 *
 * An entry starts when we see the fd made (socket, accept, socketpair,
 * dup, epoll_create), found at start (inherited), or handed to us by
 * another process over a UNIX socket (sl_fd_adopt, for fdpass.c). An
 * epoll instance is an entry too, named by an id of ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "preload.h"

/* Beyond this many fds a program is not followed (64 MiB of address
 * space, reserved but never touched unless used). */
#define FD_CAP_MAX (1 << 20)
#define FD_CAP_MIN 1024

struct sl_fd *sl_fds;
int sl_fd_cap;
static int fd_high;

int sl_fdtab_init(void)
{
	struct rlimit rl;
	rlim_t cap = FD_CAP_MAX;
	void *p;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < cap)
		cap = rl.rlim_max < FD_CAP_MIN ? FD_CAP_MIN : rl.rlim_max;
	p = mmap(NULL, (size_t)cap * sizeof(struct sl_fd),
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	sl_fds = p;
	sl_fd_cap = (int)cap;
	return 0;
}

/* Starts following FD as a socket; returns its entry, NULL past the cap. */
struct sl_fd *sl_fd_track(int fd, uint64_t inode, int family, int type,
			  unsigned int flags)
{
	struct sl_fd *e;
	int high;

	if ((unsigned int)fd >= (unsigned int)sl_fd_cap || !inode)
		return NULL;
	e = &sl_fds[fd];
	/* The kernel gave us this number only after its last holder closed
	 * it, and that close released the entry (sl_fd_forget): acquiring it
	 * orders the old owner's writes before ours. The fields are stored
	 * one by one, not memset, because the inherit walk may be reading
	 * them from another thread; it sees them whole once it acquires the
	 * inode released below. */
	(void)__atomic_load_n(&e->inode, __ATOMIC_ACQUIRE);
	/* stdin, stdout, stderr: libc's stdio may use it unseen. */
	if (fd <= STDERR_FILENO)
		flags |= SL_FD_STDIO;
	if (type == SOCK_STREAM || type == SOCK_SEQPACKET)
		flags |= SL_FD_STREAM;
	else
		flags |= SL_FD_WANT_PEER;
	SL_STORE(e->tx_bytes, 0);
	SL_STORE(e->rx_bytes, 0);
	SL_STORE(e->tx_calls, 0);
	SL_STORE(e->rx_calls, 0);
	SL_STORE(e->eagain, 0);
	SL_STORE(e->flags, flags);
	SL_STORE(e->family, (uint16_t)family);
	SL_STORE(e->type, (uint16_t)type);
	SL_STORE(e->role, 0);
	SL_STORE(e->pol_rules, 0);
	SL_STORE(e->peeks, 0);
	__atomic_store_n(&e->inode, inode, __ATOMIC_RELEASE);
	high = __atomic_load_n(&fd_high, __ATOMIC_RELAXED);
	while (fd >= high &&
	       !__atomic_compare_exchange_n(&fd_high, &high, fd + 1, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return e;
}

/* A copy of E, read field by field while other threads may write it. */
void sl_fd_snapshot(const struct sl_fd *e, struct sl_fd *copy)
{
	*copy = (struct sl_fd){
		.inode = SL_LOAD(e->inode),
		.tx_bytes = SL_LOAD(e->tx_bytes),
		.rx_bytes = SL_LOAD(e->rx_bytes),
		.tx_calls = SL_LOAD(e->tx_calls),
		.rx_calls = SL_LOAD(e->rx_calls),
		.eagain = SL_LOAD(e->eagain),
		.flags = SL_LOAD(e->flags),
		.family = SL_LOAD(e->family),
		.type = SL_LOAD(e->type),
		.role = SL_LOAD(e->role),
		.pol_rules = SL_LOAD(e->pol_rules),
		.peeks = SL_LOAD(e->peeks),
	};
}

int sl_fd_high(void)
{
	return __atomic_load_n(&fd_high, __ATOMIC_RELAXED);
}

/*
 * A fork child holds copies of its parent's sockets: it reports them as
 * inherited, and the bytes the parent moved are the parent's, so the
 * child's copies count from zero.
 */
/* The parent after a fork: its child holds a copy of every fd. */
void sl_fd_mark_shared(void)
{
	int high = sl_fd_high();

	for (int fd = 0; fd < high; fd++) {
		struct sl_fd *e = &sl_fds[fd];

		if (sl_fd_inode(e))
			sl_fd_set(e, SL_FD_SHARED);
	}
}

void sl_fd_after_fork(void)
{
	int high = sl_fd_high();

	for (int fd = 0; fd < high; fd++) {
		struct sl_fd *e = &sl_fds[fd];

		if (!sl_fd_inode(e))
			continue;
		SL_STORE(e->tx_bytes, 0);
		SL_STORE(e->rx_bytes, 0);
		SL_STORE(e->tx_calls, 0);
		SL_STORE(e->rx_calls, 0);
		SL_STORE(e->eagain, 0);
		SL_STORE(e->peeks, 0);
		sl_fd_set(e, SL_FD_INHERITED);
	}
}

/*
 * The socket inode of FD (0 if FD is not a socket), with its family and
 * type when asked. Costs one fstat, plus two getsockopt for the family
 * and type: used only for sockets whose creation we did not see.
 */
uint64_t sl_fd_inode_of(int fd, int *family, int *type)
{
	struct stat st;
	socklen_t len = sizeof(int);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (family && SL_REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, family,
					  &len) < 0)
		*family = AF_UNSPEC;
	len = sizeof(int);
	if (type && SL_REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, type,
					&len) < 0)
		*type = 0;
	return (uint64_t)st.st_ino;
}

/*
 * An epoll instance has no inode of its own (all epoll fds share one
 * anonymous inode), so we name it: SL_EPOLL_ID_BIT, our pid (22 bits,
 * from bit 41), a sequence (30 bits, from bit 11), eleven zero bits: 53
 * significant bits, so an id is exact in JSON readers that hold numbers
 * as doubles (jq 1.6, JavaScript), as a socket's name is (names.h).
 */
uint64_t sl_epoll_id_new(void)
{
	static uint32_t seq;

	return SL_EPOLL_ID_BIT |
	       ((uint64_t)((uint32_t)sl_pid & 0x3fffff) << 41) |
	       ((uint64_t)(__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) &
			   0x3fffffff) << 11);
}

/*
 * A socket's name (names.h, SL_SOCK_NAME_BIT): made here, with no system
 * call, for every socket this process makes or accepts. name_seq counts
 * the names made; its bits past the sequence's 14 move the salt on, so a
 * wrap needs no lock. Under SOCKLENS_INODE=1 the name is the kernel's
 * inode, one fstat, for users who match sockets with ss -e or
 * /proc/PID/fdinfo.
 */
static uint64_t name_seq;
static uint64_t name_pid;	/* the tag bit and the pid, in place */
static uint32_t name_salt;

static void names_start(uint32_t salt)
{
	name_pid = SL_SOCK_NAME_BIT | ((uint64_t)((uint32_t)sl_pid & 0x3fffff)
				       << SL_SOCK_NAME_PID_SHIFT);
	name_salt = salt;
	name_seq = 0;
}

/* At init: a new image's salt is its AT_RANDOM, which the kernel gave it
 * (no system call), so it does not remake its predecessor's names. */
void sl_sock_names_init(void)
{
	const uint8_t *r = (const uint8_t *)getauxval(AT_RANDOM);

	names_start(r ? (uint32_t)(r[14] | r[15] << 8) : 0);
}

/* A fork child starts its own sequence under its pid; its salt is new
 * too, for a later child of the same parent may reuse this pid. */
void sl_sock_names_after_fork(void)
{
	uint64_t mix = (name_salt ^ name_seq ^ sl_now_ns()) *
		       0x9e3779b97f4a7c15ull;

	names_start((uint32_t)(mix >> 48));
}

uint64_t sl_sock_name(int fd)
{
	uint64_t n, salt;

	if (sl_cfg.inode) {
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
			return 0;
		return (uint64_t)st.st_ino;
	}
	n = __atomic_fetch_add(&name_seq, 1, __ATOMIC_RELAXED);
	salt = (name_salt + (n >> SL_SOCK_NAME_SEQ_BITS)) & 0xffff;
	return name_pid | salt << SL_SOCK_NAME_SALT_SHIFT |
	       ((n << SL_SOCK_NAME_SEQ_SHIFT) & SL_SOCK_NAME_SEQ_MASK);
}

/*
 * FD (entry E), a socket we named, is about to cross a line the fd table
 * cannot follow (SCM_RIGHTS, an exec): say once which kernel inode the
 * name stands for, stamped TS, before the crossing's own record. One
 * fstat, on an event that is a system call or more already.
 */
void sl_fd_alias(int fd, struct sl_fd *e, uint64_t ts)
{
	struct stat st;
	uint64_t name = sl_fd_inode(e);
	struct sl_call_info ci = {
		.call = SL_CALL_ALIAS, .fd = fd, .ts = ts, .inode = name,
	};

	if (!sl_is_sock_name(name) || (sl_fd_flags(e) & SL_FD_ALIASED))
		return;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	ci.inode2 = (uint64_t)st.st_ino;
	sl_fd_set(e, SL_FD_ALIASED);
	sl_emit(&ci);
}

/* Before an exec or a vfork: every named socket held, for the new image
 * names what it inherits by inode (sl_fdtab_scan_inherited). */
void sl_fd_alias_all(void)
{
	int high = sl_fd_high(), saved = errno;
	uint64_t now = sl_now_ns();

	for (int fd = 0; fd < high; fd++) {
		struct sl_fd *e = sl_fd_get(fd);

		if (e)
			sl_fd_alias(fd, e, now);
	}
	errno = saved;
}

/* Whether FD is an epoll instance: what /proc says it links to. */
static bool is_epoll(int fd)
{
	static const char want[] = "anon_inode:[eventpoll]";
	char path[32] = "/proc/self/fd/", digits[12], link[sizeof(want)];
	size_t at = strlen(path), nd = 0;
	ssize_t n;

	do
		digits[nd++] = (char)('0' + fd % 10);
	while ((fd /= 10) && nd < sizeof(digits));
	while (nd)
		path[at++] = digits[--nd];
	path[at] = '\0';
	n = readlink(path, link, sizeof(link));
	return n == (ssize_t)sizeof(want) - 1 && !memcmp(link, want, (size_t)n);
}

/*
 * An fd this process was handed by another one (SCM_RIGHTS): followed
 * from now on if it is a socket or an epoll instance, and its identity
 * returned for the record (0: neither, not followed). A socket is named
 * by the kernel's inode, the one name both processes share; an epoll
 * instance gets a new id of ours, since the sender's id is its own.
 * O_NONBLOCK is asked of the kernel: the file description is the
 * sender's, set however the sender set it, and whether a call on it can
 * block decides what we time and record. A received fd is not
 * inherited: it arrives as a call of this process.
 */
uint64_t sl_fd_adopt(int fd, int *family, int *type)
{
	uint64_t id = sl_fd_inode_of(fd, family, type);
	unsigned int flags = 0;
	int fl;

	if (!id) {
		*family = *type = 0;
		if ((unsigned int)fd >= (unsigned int)sl_fd_cap)
			return 0;
		if (!is_epoll(fd)) {
			/* The kernel gave a number we thought held a socket:
			 * that one was closed where we could not see. */
			sl_fd_forget(fd);
			return 0;
		}
		id = sl_epoll_id_new();
		sl_fd_track(fd, id, 0, 0, SL_FD_EPOLL);
		return id;
	}
	fl = SL_REAL(fcntl)(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		flags |= SL_FD_NONBLOCK;
	/* The sender may hold it still. */
	sl_fd_track(fd, id, *family, *type, flags | SL_FD_SHARED);
	return id;
}

static void track_inherited(int fd)
{
	int family = AF_UNSPEC, type = 0;
	uint64_t inode = sl_fd_inode_of(fd, &family, &type);
	unsigned int flags = SL_FD_INHERITED;
	int fl;

	if (!inode || (family == AF_UNIX && sl_transport_adopt(fd)))
		return;
	fl = SL_REAL(fcntl)(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		flags |= SL_FD_NONBLOCK;
	sl_fd_track(fd, inode, family, type, flags);
}

/* The counters of the sockets still open: the kernel closes them at exit
 * without a call we could see, and their bytes would be lost. I/O after
 * this (socat's signal handler writing to its own socketpair while the
 * process exits) sends them again (SL_FD_EXITED). */
void sl_fd_report_open(uint64_t now)
{
	int high = sl_fd_high();

	for (int fd = 0; fd < high; fd++) {
		struct sl_fd *e = sl_fd_get(fd);
		struct sl_call_info ci = {
			.call = SL_CALL_COUNTERS, .fd = fd, .ts = now,
		};

		if (e && !(sl_fd_flags(e) & SL_FD_EPOLL))
			sl_fd_claim(e, SL_FD_EXITED);
		if (!e || (sl_fd_flags(e) & SL_FD_EPOLL) ||
		    !(SL_LOAD(e->tx_calls) | SL_LOAD(e->rx_calls) |
		      SL_LOAD(e->eagain) | SL_LOAD(e->peeks)))
			continue;
		ci.inode = sl_fd_inode(e);
		ci.ent = e;
		sl_emit(&ci);
	}
}

/*
 * An exec'd image starts with the sockets its predecessor left open. Find
 * them once, at init, through /proc/self/fd (getdents64 on a stack buffer:
 * opendir would malloc), so that they are followed from the first call.
 */
void sl_fdtab_scan_inherited(void)
{
	char buf[4096];
	long n;
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return;
	while ((n = SL_REAL(syscall)(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			char *end;
			long fd = strtol(d->d_name, &end, 10);

			off += d->d_reclen;
			if (*end || end == d->d_name || fd == dir)
				continue;
			track_inherited((int)fd);
		}
	}
	SL_REAL(close)(dir);
}
