/*
 * What a connection to the collector starts with (preload/README.md,
 * "The connection"): the hello (who we are, read once at init), the
 * module map, the policy in force, and the sockets the process already
 * holds. Sent by the thread that makes the connection, through the
 * transport's send.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

/* Identity for the hello, read once at init. */
static char exe_path[SL_EXE_MAX];
static char args_blob[SL_ARGS_MAX];
static uint32_t args_len;
static uint64_t init_mono_ns, init_real_ns;

/* Builds the connect-time messages; only the CONNECTING thread uses it. */
static uint64_t ctl_buf[SL_BATCH_MAX / sizeof(uint64_t)];
static uint32_t ctl_len;

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t used = 0;

	if (fd < 0)
		return -errno;
	while (used < cap &&
	       (n = SL_REAL(read)(fd, buf + used, cap - used)) > 0)
		used += (size_t)n;
	SL_REAL(close)(fd);
	return (int)used;
}

void sl_hello_init(void)
{
	struct timespec ts;
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	int got;

	exe_path[n > 0 ? n : 0] = '\0';
	got = read_file("/proc/self/cmdline", args_blob, sizeof(args_blob));
	args_len = got > 0 ? (uint32_t)got : 0;
	/* A cut argv still ends in NUL, so the collector reads strings. */
	if (args_len == sizeof(args_blob))
		args_blob[args_len - 1] = '\0';
	init_mono_ns = sl_now_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	init_real_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends one record to the control buffer, sending it first if full. */
static int ctl_put(int (*send_msg)(const void *, size_t), const void *rec,
		   size_t size)
{
	int err;

	if (ctl_len + size > sizeof(ctl_buf)) {
		err = send_msg(ctl_buf, ctl_len);
		ctl_len = 0;
		if (err)
			return err;
	}
	memcpy((char *)ctl_buf + ctl_len, rec, size);
	ctl_len += (uint32_t)size;
	return 0;
}

static int send_hello(int (*send_msg)(const void *, size_t), uint64_t now,
		      uint32_t flags)
{
	struct sl_rec_hello *h = (struct sl_rec_hello *)ctl_buf;

	memset(h, 0, sizeof(*h));
	sl_fill_hdr(&h->h, sizeof(*h), SL_REC_HELLO, now);
	h->mono_ns = init_mono_ns;
	h->real_ns = init_real_ns;
	h->pid = (uint32_t)sl_pid;
	h->ppid = (uint32_t)getppid();
	h->uid = (uint32_t)getuid();
	h->preload_version = SL_WIRE_VERSION;
	h->flags = flags;
	memcpy(h->exe, exe_path, sizeof(h->exe));
	memcpy(h->args, args_blob, args_len);
	h->args_len = args_len;
	return send_msg(h, sizeof(*h));
}

/* The policy in force (or refused), once per connection. */
static int put_policy_info(int (*send_msg)(const void *, size_t),
			   uint64_t now)
{
	struct sl_rec_policy_info r;

	memset(&r, 0, sizeof(r));
	if (!sl_policy_info(&r))
		return 0;
	sl_fill_hdr(&r.h, sizeof(r), SL_REC_POLICY_INFO, now);
	return ctl_put(send_msg, &r, sizeof(r));
}

/*
 * The sockets this process already holds: those inherited across exec or
 * fork on the first connection, all of them on a reconnect (a collector
 * that restarted knows none of them). SL_CALL_FDS_DONE ends the list.
 */
static int put_inherited(int (*send_msg)(const void *, size_t), uint64_t now,
			 bool all)
{
	struct sl_rec_call r;
	int high = sl_fd_high();

	memset(&r, 0, sizeof(r));
	sl_fill_hdr(&r.h, sizeof(r), SL_REC_CALL, now);
	r.call = SL_CALL_INHERIT;
	/* Other threads may be making and closing sockets meanwhile: the
	 * entries are read as they write them, atomically. */
	for (int fd = 0; fd < high; fd++) {
		const struct sl_fd *e = &sl_fds[fd];
		uint64_t inode = __atomic_load_n(&e->inode, __ATOMIC_ACQUIRE);
		uint32_t flags = sl_fd_flags(e);

		if (!inode || (!all && !(flags & SL_FD_INHERITED)))
			continue;
		r.fd = fd;
		r.inode = inode;
		r.arg0 = SL_LOAD(e->family);
		r.arg1 = SL_LOAD(e->type);
		r.flags = ((flags & SL_FD_NONBLOCK) ? SL_F_NONBLOCK : 0) |
			  ((flags & SL_FD_STDIO) ? SL_F_STDIO : 0);
		if (ctl_put(send_msg, &r, sizeof(r)))
			return -1;
	}
	r.call = SL_CALL_FDS_DONE;
	r.fd = -1;
	r.inode = 0;
	r.arg0 = r.arg1 = 0;
	r.flags = 0;
	return ctl_put(send_msg, &r, sizeof(r));
}

/* What a connection starts with: hello, module map, the held sockets. */
int sl_introduce(int (*send_msg)(const void *, size_t), uint64_t now,
		 uint32_t hello_flags)
{
	int err;

	ctl_len = 0;
	err = send_hello(send_msg, now, hello_flags);
	if (!err && !(hello_flags & (SL_HELLO_RECONNECT | SL_HELLO_FORKED)))
		err = sl_modules_send(send_msg, now);
	if (!err)
		err = put_policy_info(send_msg, now);
	if (!err)
		err = put_inherited(send_msg, now, hello_flags & SL_HELLO_RECONNECT);
	if (!err && ctl_len)
		err = send_msg(ctl_buf, ctl_len);
	return err;
}

