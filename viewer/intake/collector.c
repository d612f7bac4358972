/*
 * The collector: one thread, one epoll loop (viewer/README.md,
 * "Intake"). It listens on a
 * SOCK_SEQPACKET socket in a private 0700 directory, takes only peers of
 * its own uid (or root) by SO_PEERCRED, checks every batch against the
 * wire contract and appends it to the trace file as one frame. A process
 * that sends a bad record loses its connection; the others never notice.
 *
 * Most records arrive through the shared memory of each process
 * (include/socklens/ring.h: a lane per thread, a shared area), announced
 * on the connection with its memfd; a batch is what one read of a lane
 * or one shared-area chunk gave. The connection carries the rest. A
 * connection's memory is read before each of its messages (what a thread
 * wrote before it sent comes first), every SL_RING_POLL_MS
 * (SL_RING_BUSY_POLL_MS after a read that found much, SL_RING_IDLE_POLL_MS
 * while they are idle), and a last time when the connection ends: a
 * process killed outright keeps every record it finished.
 *
 * Order: a fork child's first records must not reach the file before
 * what its parent sent before forking. The parent's batch is in its ring
 * or queued on its connection before the child can even connect, so the
 * collector drains every open connection, rings included, before it
 * accepts a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <socklens/ring.h>

#include "intake/intake.h"
#include "lib/lib.h"

struct sl_conn {
	struct sl_conn *next;
	int fd;
	uint32_t id;
	uint32_t pid;		/* from the kernel, with the first message */
	bool announced;		/* SL_REC_CONN written */
	struct sl_check check;
	struct sl_ring_view ring;
	struct sl_said *said;	/* rotating: what each part restates */
};

/* epoll data for the listener; connections carry their sl_conn. */
#define LISTENER_TAG ((uint64_t)1)
#define EXTRA_TAG ((uint64_t)2)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void note(struct sl_collector *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct sl_collector *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	fprintf(stderr, "%s: ", sl_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The restate callback of a rotated trace: every connection that has
 * said who it is, oldest first. */
static void restate(void *ctx, struct sl_writer *w)
{
	struct sl_collector *c = ctx;

	for (struct sl_conn *k = c->conns; k; k = k->next)
		if (k->announced)
			sl_said_write(k->said, w, k->id);
}

int sl_collector_open(struct sl_collector *c, const char *sock_path,
		      const char *trace_path, const struct sl_writer_opts *o)
{
	static const struct sl_writer_opts none;
	int err;

	memset(c, 0, sizeof(*c));
	c->lfd = c->epfd = -1;
	c->w.fd = -1;
	c->next_conn = 1;
	c->ring_poll_ms = SL_RING_POLL_MS;
	err = sl_collector_listen(c, sock_path, LISTENER_TAG);
	if (!err)
		err = sl_writer_open_opts(&c->w, trace_path, o ? o : &none);
	c->w.restate = restate;
	c->w.restate_ctx = c;
	return err;
}

/* Extra fds (a pidfd, a signalfd) to wake the loop; tagged by value. */
int sl_collector_add_fd(struct sl_collector *c, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EXTRA_TAG };

	return epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* A failure of the trace file said on stderr at once, -q or not: the
 * file, the call, the error and the records lost so far. A disk that
 * fills again and again is said once a second at most (and at the end:
 * FINAL). */
static void say_failures(struct sl_collector *c, bool final)
{
	uint64_t now = mono_ns();

	if (c->w.failures == c->said_failures ||
	    (!final && c->said_ns && now - c->said_ns < 1000000000u))
		return;
	c->said_failures = c->w.failures;
	c->said_ns = now;
	fprintf(stderr, "%s: %s: %s: %s; %llu records lost so far\n",
		sl_prog(), c->w.cur, c->w.what ? c->w.what : "write",
		strerror(c->w.err), (unsigned long long)c->w.lost);
}

static void write_own(struct sl_collector *c, uint32_t conn, void *rec,
		      unsigned int type, size_t size)
{
	struct sl_hdr *h = rec;

	h->size = (uint16_t)size;
	h->type = (uint8_t)type;
	h->version = SL_WIRE_VERSION;
	h->tid = 0;
	h->ts_ns = mono_ns();
	sl_writer_frame(&c->w, conn, rec, size);
	if (c->tap)
		c->tap(c->tap_ctx, conn, rec, size);
}



static void drop_conn(struct sl_collector *c, struct sl_conn *k,
		      uint64_t bad_records)
{
	struct sl_rec_gone g = { .bad_records = bad_records };

	if (k->announced)
		write_own(c, k->id, &g, SL_REC_GONE, sizeof(g));
	if (k->ring.hdr) {
		sl_ring_beat(&k->ring, 0);
		sl_ring_unmap(&k->ring);
		c->nrings--;
	}
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	sl_said_free(k->said);
	for (struct sl_conn **pp = &c->conns; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	c->nconns--;
	free(k);
}

static uint64_t count_records(const uint8_t *p, size_t len)
{
	uint64_t n = 0;

	for (size_t off = 0; off < len; n++)
		off += ((const struct sl_hdr *)(p + off))->size;
	return n;
}

/*
 * The sender of a message, as the kernel says (SO_PASSCRED): a fork child
 * speaks on a connection its parent made, so the connect-time credentials
 * (SO_PEERCRED) name the parent. Later messages must come from the same
 * process; the first is announced to the trace with its pid.
 *
 * The uid was checked when the connection was accepted. A process that
 * then gives up its privileges (nginx's and sshd's workers become nobody
 * after the master, running as root, forked them) keeps speaking on the
 * connection it was given: it is the traced program's own child, and a
 * process of another user can only hold the connection if the traced
 * program handed it over, and then the pid check below catches it.
 */
static bool sender_ok(struct sl_collector *c, struct sl_conn *k,
		      struct msghdr *msg)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(msg);
	struct ucred cred;
	struct sl_rec_conn rc = { 0 };

	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_CREDENTIALS) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "message without credentials");
		return false;
	}
	memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
	if (k->announced && (uint32_t)cred.pid != k->pid) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "pid %d speaks on the connection of pid %u",
			 (int)cred.pid, k->pid);
		return false;
	}
	if (k->announced)
		return true;
	k->pid = (uint32_t)cred.pid;
	k->announced = true;
	rc.pid = k->pid;
	rc.uid = (uint32_t)cred.uid;
	rc.gid = (uint32_t)cred.gid;
	write_own(c, k->id, &rc, SL_REC_CONN, sizeof(rc));
	if (c->w.o.rot_size)
		sl_said_conn(&k->said, &rc);
	return true;
}

/* Checks one batch and keeps it; false (the reason in k->check.why) if
 * a record in it is bad. */
static bool keep_batch(struct sl_collector *c, struct sl_conn *k,
		       const void *buf, size_t n)
{
	if (sl_wire_check_batch(&k->check, buf, n))
		return false;
	/* Noted after it is written: a part it starts restates what
	 * came before it, and then holds it. */
	sl_writer_frame(&c->w, k->id, buf, n);
	if (c->w.o.rot_size)
		sl_said_note(&k->said, buf, n);
	if (c->tap)
		c->tap(c->tap_ctx, k->id, (const uint8_t *)buf, n);
	c->records += count_records((const uint8_t *)buf, n);
	c->batches++;
	return true;
}

/* Every committed batch in the connection's ring; false if it broke the
 * ring's rules or sent a bad record. */
static bool read_ring(struct sl_collector *c, struct sl_conn *k)
{
	uint64_t buf[SL_BATCH_MAX / sizeof(uint64_t)];
	int n;

	if (!k->ring.hdr)
		return true;
	while ((n = sl_ring_next(&k->ring, buf, k->check.why,
				 sizeof(k->check.why))) > 0) {
		if (!keep_batch(c, k, buf, (size_t)n))
			return false;
		c->ring_batches++;
	}
	return n == 0;
}

/*
 * An SL_REC_RING message: map the ring whose memfd came with it. An exec
 * brings a new one on the same connection; the old image's is read to
 * its end first.
 */
static bool take_ring(struct sl_collector *c, struct sl_conn *k,
		      const void *buf, size_t n, int fd)
{
	const struct sl_rec_ring *r = buf;

	if (n != sizeof(*r) || r->h.size != sizeof(*r) ||
	    r->h.version != SL_WIRE_VERSION) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "ring record of %zu bytes", n);
		return false;
	}
	if (!k->check.hello_seen) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "ring before hello");
		return false;
	}
	if (fd < 0) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "ring record without its fd");
		return false;
	}
	if (k->ring.hdr) {
		if (!read_ring(c, k))
			return false;
		sl_ring_unmap(&k->ring);
		c->nrings--;
	}
	if (sl_ring_map(&k->ring, fd, r->data_size, k->check.why,
			sizeof(k->check.why)))
		return false;
	sl_ring_beat(&k->ring, mono_ns());
	c->nrings++;
	return true;
}

/* The fd that came with a message (SCM_RIGHTS), or -1. More than one,
 * or one where a ring is not expected, is the caller's to refuse. */
static int passed_fd(struct msghdr *msg, int *count)
{
	int fd = -1;

	*count = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR(msg, cm)) {
		size_t nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int one;

			memcpy(&one, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
			if (fd < 0)
				fd = one;
			else
				close(one);
			(*count)++;
		}
	}
	return fd;
}

static void close_fds(struct msghdr *msg)
{
	int nfd, fd = passed_fd(msg, &nfd);

	if (fd >= 0)
		close(fd);
}

/* One message from the connection: a batch, or a ring. */
static bool take_msg(struct sl_collector *c, struct sl_conn *k,
		     struct msghdr *msg, const void *buf, size_t n)
{
	int nfd, fd = passed_fd(msg, &nfd);
	bool ok;

	if (!sender_ok(c, k, msg)) {
		ok = false;
	} else if (nfd > 1) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "%d fds with one message", nfd);
		ok = false;
	} else if (n >= sizeof(struct sl_hdr) &&
		   ((const struct sl_hdr *)buf)->type == SL_REC_RING) {
		ok = take_ring(c, k, buf, n, fd);
	} else if (fd >= 0) {
		snprintf(k->check.why, sizeof(k->check.why),
			 "an fd with a batch");
		ok = false;
	} else {
		ok = keep_batch(c, k, buf, n);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Reads every batch the connection has, its ring first; false if it is
 * gone. */
static bool drain(struct sl_collector *c, struct sl_conn *k)
{
	uint64_t buf[SL_BATCH_MAX / sizeof(uint64_t) + 1];
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) +
		       CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	for (;;) {
		ssize_t n;

		msg.msg_control = ctl.b;
		msg.msg_controllen = sizeof(ctl.b);
		n = recvmsg(k->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		/* What the ring holds was written before this message was
		 * sent, or at the same time by another thread. */
		if (!read_ring(c, k)) {
			if (n > 0)
				close_fds(&msg);
			goto err_bad;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			drop_conn(c, k, 0);
			return false;
		}
		if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    n > SL_BATCH_MAX) {
			close_fds(&msg);
			snprintf(k->check.why, sizeof(k->check.why),
				 (msg.msg_flags & MSG_CTRUNC) ?
				 "more ancillary data than a ring's fd" :
				 "batch larger than %d bytes", SL_BATCH_MAX);
			goto err_bad;
		}
		if (!take_msg(c, k, &msg, buf, (size_t)n))
			goto err_bad;
	}

err_bad:
	c->bad++;
	note(c, "dropped process %u: bad record: %s", k->pid, k->check.why);
	drop_conn(c, k, 1);
	return false;
}

static void drain_all(struct sl_collector *c)
{
	struct sl_conn *k = c->conns, *next;

	for (; k; k = next) {
		next = k->next;
		drain(c, k);
	}
}

/* The rings of every connection, for what came without a message. */
static void read_rings(struct sl_collector *c)
{
	struct sl_conn *k = c->conns, *next;
	uint64_t now = c->nrings ? mono_ns() : 0;
	uint64_t before = c->ring_batches;

	for (; k; k = next) {
		next = k->next;
		if (!k->ring.hdr)
			continue;
		sl_ring_beat(&k->ring, now);
		if (read_ring(c, k))
			continue;
		c->bad++;
		note(c, "dropped process %u: bad record: %s", k->pid,
		     k->check.why);
		drop_conn(c, k, 1);
	}
	/* Idle rings are looked at less often, busy ones sooner: a thread
	 * that has the CPU fills its lane in a few milliseconds. */
	if (c->ring_batches - before >= SL_RING_BUSY_BATCHES)
		c->ring_poll_ms = SL_RING_BUSY_POLL_MS;
	else if (c->ring_batches != before)
		c->ring_poll_ms = SL_RING_POLL_MS;
	else if (c->ring_poll_ms < SL_RING_IDLE_POLL_MS)
		c->ring_poll_ms = c->ring_poll_ms * 2 > SL_RING_IDLE_POLL_MS ?
				  SL_RING_IDLE_POLL_MS : c->ring_poll_ms * 2;
}

static void accept_all(struct sl_collector *c)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct sl_conn *k, **pp;
		struct epoll_event ev = { .events = EPOLLIN };
		int on = 1;
		int fd = accept4(c->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != getuid() && cred.uid != 0) ||
		    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on))) {
			c->refused++;
			note(c, "refused process %d of uid %u (not ours)",
			     (int)cred.pid, (unsigned int)cred.uid);
			close(fd);
			continue;
		}
		k = calloc(1, sizeof(*k));
		if (!k) {
			close(fd);
			continue;
		}
		k->fd = fd;
		k->id = c->next_conn++;
		k->pid = (uint32_t)cred.pid;
		/* At the end: drain_all goes oldest first, a parent before
		 * the child it made a connection for. */
		pp = &c->conns;
		while (*pp)
			pp = &(*pp)->next;
		*pp = k;
		c->nconns++;
		ev.data.ptr = k;
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
}

/*
 * One round of the loop: waits up to TIMEOUT_MS, handles what is ready.
 * Returns the number of extra fds that became readable (see add_fd).
 */
int sl_collector_poll(struct sl_collector *c, int timeout_ms)
{
	struct epoll_event evs[64];
	bool listener = false;
	int n, extra = 0;

	/* Rings wake nobody: look at them at least this often. */
	if (c->nrings && (timeout_ms < 0 || timeout_ms > c->ring_poll_ms))
		timeout_ms = c->ring_poll_ms;
	n = epoll_wait(c->epfd, evs, 64, timeout_ms);
	/* First what the rings hold: it was written before whatever message
	 * woke us was sent, or at the same time (a parent's pre-fork batch
	 * comes before its child's first message). */
	read_rings(c);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == LISTENER_TAG)
			listener = true;
		else if (evs[i].data.u64 == EXTRA_TAG)
			extra++;
		else
			drain(c, evs[i].data.ptr);
	}
	if (listener) {
		accept_all(c);
		drain_all(c);
	}
	sl_writer_flush(&c->w);
	say_failures(c, false);
	return extra;
}

void sl_collector_close(struct sl_collector *c)
{
	drain_all(c);
	/* A process that connected and ended before it was accepted (a
	 * short program, then SIGTERM to the collector) waits in the
	 * listen queue with everything it sent: take that too. */
	if (c->lfd >= 0) {
		accept_all(c);
		drain_all(c);
	}
	/* What is still connected now belongs to processes still running:
	 * the trace ends, they do not. No SL_REC_GONE for them: it would say
	 * they exited (the model would draw their sockets at-exit). */
	while (c->conns) {
		c->conns->announced = false;
		drop_conn(c, c->conns, 0);
	}
	sl_writer_close(&c->w);
	say_failures(c, true);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->sock_path);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->dir[0])
		rmdir(c->dir);
	c->lfd = c->epfd = -1;
}
