/*
 * The I/O calls that fault rules reach beyond send and recv, each
 * family on a loopback connection of its own: sendto and recvfrom,
 * sendmsg and recvmsg, writev and readv, sendmmsg and recvmmsg (two
 * messages a call, MSG_WAITFORONE), sendfile (from a file of the same
 * bytes) and recv, by name or through syscall().
 * The client end sends 10000 bytes with the family's send call, the
 * server end (plain read and write) takes them and sends 10000 back,
 * which the client reads with the family's receive call. A policy for
 * "[tcp client]" meets only the family's calls.
 *
 * usage: fault_calls named|syscall [nonblock]
 * Prints one line a family:
 *   FAMILY sends N sent BYTES send_err ERR recvs N got BYTES recv_err ERR
 *          again N ms MS ok|corrupt
 * (ERR an errno name or "-"; again: EAGAINs the client met; ms: the
 * receive phase's duration; ok: every byte the client got is right).
 * Exits 1 if the setup fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TOTAL 10000

enum fam { F_TO, F_MSG, F_V, F_MMSG, F_FILE };
static const char *const fam_names[] = { "to", "msg", "v", "mmsg", "file" };
static bool raw;
static int file_fd;		/* the TOTAL bytes, for sendfile */

static void die(const char *what)
{
	fprintf(stderr, "fault_calls: %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *err_name(int err)
{
	return err ? strerrorname_np(err) : "-";
}

/* The two messages of an mmsg call, one iovec each: its bytes moved. */
static ssize_t mmsg(bool rx, int fd, char *p, size_t len)
{
	struct iovec iov[2] = { { p, len / 2 }, { p + len / 2, len - len / 2 } };
	struct mmsghdr v[2] = {
		{ .msg_hdr = { .msg_iov = &iov[0], .msg_iovlen = 1 } },
		{ .msg_hdr = { .msg_iov = &iov[1], .msg_iovlen = 1 } },
	};
	int fl = rx ? MSG_WAITFORONE : MSG_NOSIGNAL;
	unsigned int cnt = len > 1 ? 2 : 1;
	long n;

	if (cnt == 1)
		iov[0].iov_len = len;
	if (rx)
		n = raw ? syscall(SYS_recvmmsg, fd, v, cnt, fl, NULL) :
			  recvmmsg(fd, v, cnt, fl, NULL);
	else
		n = raw ? syscall(SYS_sendmmsg, fd, v, cnt, fl) :
			  sendmmsg(fd, v, cnt, fl);
	if (n <= 0)
		return n;
	return (ssize_t)v[0].msg_len + (n > 1 ? (ssize_t)v[1].msg_len : 0);
}

static ssize_t file_send(int fd, size_t sent, size_t len)
{
	off_t off = (off_t)sent;

	return raw ? syscall(SYS_sendfile, fd, file_fd, &off, len) :
		     sendfile(fd, file_fd, &off, len);
}

/* One send of the family: two iovecs where it has them. */
static ssize_t fam_send(enum fam f, int fd, const char *p, size_t len,
			size_t sent)
{
	struct iovec iov[2] = {
		{ (void *)p, len / 2 }, { (void *)(p + len / 2), len - len / 2 },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	switch (f) {
	case F_MMSG:
		return mmsg(false, fd, (char *)p, len);
	case F_FILE:
		return file_send(fd, sent, len);
	case F_TO:
		return raw ? syscall(SYS_sendto, fd, p, len, MSG_NOSIGNAL,
				     NULL, 0) :
			     sendto(fd, p, len, MSG_NOSIGNAL, NULL, 0);
	case F_MSG:
		return raw ? syscall(SYS_sendmsg, fd, &m, MSG_NOSIGNAL) :
			     sendmsg(fd, &m, MSG_NOSIGNAL);
	default:
		return raw ? syscall(SYS_writev, fd, iov, 2) :
			     writev(fd, iov, 2);
	}
}

static ssize_t fam_recv(enum fam f, int fd, char *p, size_t len)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct iovec iov[2] = {
		{ p, len / 2 }, { p + len / 2, len - len / 2 },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	switch (f) {
	case F_MMSG:
		return mmsg(true, fd, p, len);
	case F_FILE:
		return raw ? syscall(SYS_recvfrom, fd, p, len, 0, NULL, NULL) :
			     recv(fd, p, len, 0);
	case F_TO:
		return raw ? syscall(SYS_recvfrom, fd, p, len, 0, &from, &fl) :
			     recvfrom(fd, p, len, 0, (struct sockaddr *)&from,
				      &fl);
	case F_MSG:
		return raw ? syscall(SYS_recvmsg, fd, &m, 0) :
			     recvmsg(fd, &m, 0);
	default:
		return raw ? syscall(SYS_readv, fd, iov, 2) :
			     readv(fd, iov, 2);
	}
}

static void wait_for(int fd, short ev, int *again)
{
	struct pollfd p = { .fd = fd, .events = ev };

	++*again;
	poll(&p, 1, 5000);
}

static void pair(int *cp, int *sp, bool nonblock)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, len) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&sin, &len))
		die("listener");
	*cp = socket(AF_INET, SOCK_STREAM, 0);
	if (*cp < 0 || connect(*cp, (struct sockaddr *)&sin, len) < 0)
		die("connect");
	*sp = accept(l, NULL, NULL);
	if (*sp < 0)
		die("accept");
	close(l);
	if (nonblock)
		fcntl(*cp, F_SETFL, O_NONBLOCK);
}

static uint64_t ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* The server end: up to TOTAL bytes in (end of stream stops it), then
 * TOTAL out. */
static void serve(int s, const char *data)
{
	char buf[TOTAL];
	size_t in = 0, out = 0;
	ssize_t n;

	while (in < TOTAL && (n = read(s, buf, TOTAL - in)) > 0)
		in += (size_t)n;
	while (out < TOTAL &&
	       (n = send(s, data + out, TOTAL - out, MSG_NOSIGNAL)) > 0)
		out += (size_t)n;
}

static void run(enum fam f, const char *data, bool nonblock)
{
	char got[TOTAL];
	size_t sent = 0, have = 0;
	int c, s, sends = 0, recvs = 0, again = 0, serr = 0, rerr = 0;
	uint64_t t0;
	ssize_t n;

	pair(&c, &s, nonblock);
	while (sent < TOTAL) {
		n = fam_send(f, c, data + sent, TOTAL - sent, sent);
		if (n < 0 && errno == EAGAIN) {
			wait_for(c, POLLOUT, &again);
			continue;
		}
		sends++;
		if (n < 0) {
			serr = errno;
			break;
		}
		sent += (size_t)n;
	}
	serve(s, data);
	t0 = ms_now();
	while (have < TOTAL) {
		n = fam_recv(f, c, got + have, TOTAL - have);
		if (n < 0 && errno == EAGAIN) {
			wait_for(c, POLLIN, &again);
			continue;
		}
		recvs++;
		if (n <= 0) {
			rerr = n < 0 ? errno : 0;
			break;
		}
		have += (size_t)n;
	}
	printf("%s sends %d sent %zu send_err %s recvs %d got %zu recv_err %s "
	       "again %d ms %llu %s\n", fam_names[f], sends, sent,
	       err_name(serr), recvs, have, err_name(rerr), again,
	       (unsigned long long)(ms_now() - t0),
	       memcmp(got, data, have) ? "corrupt" : "ok");
	close(c);
	close(s);
}

int main(int argc, char **argv)
{
	static char data[TOTAL];

	if (argc < 2) {
		fprintf(stderr, "usage: fault_calls named|syscall [nonblock]\n");
		return 2;
	}
	raw = strcmp(argv[1], "syscall") == 0;
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < TOTAL; i++)
		data[i] = (char)(i % 251);
	setvbuf(stdout, NULL, _IOLBF, 0);
	file_fd = fileno(tmpfile());
	if (file_fd < 0 || write(file_fd, data, TOTAL) != TOTAL)
		die("tmpfile");
	for (int f = F_TO; f <= F_FILE; f++)
		run(f, data, argc > 2);
	return 0;
}
