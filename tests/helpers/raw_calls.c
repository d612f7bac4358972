/*
 * A socket's whole life made through syscall() only, the way libuv
 * closes its fds: socket, setsockopt, bind, listen, epoll, a
 * non-blocking connect and its SO_ERROR, accept4, fcntl and ioctl, every
 * I/O call, dup and dup3, sendfile, shutdown, socketpair, close_range,
 * close; where the architecture has them, the older numbers too (accept,
 * dup2, poll, select, epoll_wait, epoll_create). epoll_pwait, ppoll and
 * pselect6 get their sigsetsize and packed sigmask as the kernel wants
 * them.
 *
 * Prints, one per line, "NAME inode" for the sockets the test looks for
 * and "bytes N" for what went from the client to the server end; exits 1
 * on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's sigset is 8 bytes, not glibc's 128. */
#define KSIGSET 8

static long check(long r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(1);
	}
	return r;
}

#define SYS(what, ...) check(syscall(__VA_ARGS__), what)

static void show(const char *name, int fd)
{
	struct stat st;

	fstat(fd, &st);
	printf("%s %lu\n", name, (unsigned long)st.st_ino);
}

/* Listener and epoll, a non-blocking connect, its outcome, the accept. */
static void connect_pair(int *lp, int *cp, int *ap, int *epp)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	struct pollfd pfd;
	struct timespec tmo = { 5, 0 };
	int one = 1, err = -1, l, c, a, ep;
	socklen_t elen = sizeof(err);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = SYS("socket", SYS_socket, AF_INET, SOCK_STREAM, 0);
	SYS("setsockopt", SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one));
	SYS("bind", SYS_bind, l, &sin, sizeof(sin));
	SYS("listen", SYS_listen, l, 8);
	getsockname(l, (struct sockaddr *)&sin, &len);
	ep = SYS("epoll_create1", SYS_epoll_create1, EPOLL_CLOEXEC);
	ev.data.fd = l;
	SYS("epoll_ctl", SYS_epoll_ctl, ep, EPOLL_CTL_ADD, l, &ev);
	c = SYS("socket", SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (syscall(SYS_connect, c, &sin, sizeof(sin)) == 0 || errno != EINPROGRESS)
		check(-1, "connect");
	pfd = (struct pollfd){ .fd = c, .events = POLLOUT };
	SYS("ppoll", SYS_ppoll, &pfd, 1, &tmo, NULL, KSIGSET);
	SYS("getsockopt", SYS_getsockopt, c, SOL_SOCKET, SO_ERROR, &err, &elen);
	if (err)
		check(-1, "SO_ERROR");
	if (SYS("epoll_pwait", SYS_epoll_pwait, ep, out, 4, 5000, NULL,
		KSIGSET) != 1)
		check(-1, "epoll_pwait");
	a = SYS("accept4", SYS_accept4, l, NULL, NULL, SOCK_CLOEXEC);
	*lp = l;
	*cp = c;
	*ap = a;
	*epp = ep;
}

/* Every I/O call from C to A; returns the bytes that went. */
static long talk(int c, int a)
{
	char buf[64];
	struct iovec iov[2] = { { "hello ", 6 }, { "world", 5 } };
	struct iovec in = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	struct msghdr rh = { .msg_iov = &in, .msg_iovlen = 1 };
	struct mmsghdr mm[2] = { { .msg_hdr = mh }, { .msg_hdr = mh } };
	struct timespec tmo = { 5, 0 };
	const void *packed[2] = { NULL, (void *)KSIGSET };
	long sent = 0, got = 0;
	int off = 0, file;
	fd_set rd;

	sent += SYS("write", SYS_write, c, "12345", 5);
	sent += SYS("writev", SYS_writev, c, iov, 2);
	sent += SYS("sendto", SYS_sendto, c, "abc", 3, 0, NULL, 0);
	sent += SYS("sendmsg", SYS_sendmsg, c, &mh, 0);
	SYS("sendmmsg", SYS_sendmmsg, c, mm, 2, 0);
	sent += mm[0].msg_len + mm[1].msg_len;
	file = open("/proc/self/exe", O_RDONLY);
	sent += SYS("sendfile", SYS_sendfile, c, file, NULL, 7);
	close(file);
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	SYS("pselect6", SYS_pselect6, a + 1, &rd, NULL, NULL, &tmo, packed);
	/* The server end blocking again, through both ways to say so. */
	SYS("ioctl", SYS_ioctl, a, FIONBIO, &off);
	SYS("fcntl", SYS_fcntl, a, F_SETFL, 0);
	/* Each of the four receive calls in turn, until all came. */
	for (int i = 0; got < sent; i++) {
		switch (i % 4) {
		case 0:
			got += SYS("read", SYS_read, a, buf, 5);
			break;
		case 1:
			got += SYS("readv", SYS_readv, a, &in, 1);
			break;
		case 2:
			got += SYS("recvfrom", SYS_recvfrom, a, buf, 3, 0, NULL,
				   NULL);
			break;
		default:
			got += SYS("recvmsg", SYS_recvmsg, a, &rh, 0);
		}
	}
	return sent;
}

/* dup, dup3, socketpair, close_range, and the x86-64-only numbers. */
static void copies(int a)
{
	int d = SYS("dup", SYS_dup, a), sv[2];

	SYS("dup3", SYS_dup3, d, 200, O_CLOEXEC);
	SYS("close", SYS_close, d);
	SYS("close", SYS_close, 200);
	SYS("socketpair", SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv);
	if (sv[1] != sv[0] + 1)
		check(-1, "socketpair numbers");
	SYS("close_range", SYS_close_range, sv[0], sv[1], 0);
#ifdef SYS_dup2
	d = SYS("dup2", SYS_dup2, a, 201);
	SYS("close", SYS_close, d);
#endif
}

#ifdef SYS_poll
/* The numbers only x86-64 has: a second connection on them. */
static void old_numbers(int l)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	struct pollfd pfd;
	struct timeval tv = { 5, 0 };
	fd_set rd;
	int c, a, ep;

	getsockname(l, (struct sockaddr *)&sin, &len);
	ep = SYS("epoll_create", SYS_epoll_create, 4);
	ev.data.fd = l;
	SYS("epoll_ctl", SYS_epoll_ctl, ep, EPOLL_CTL_ADD, l, &ev);
	c = SYS("socket", SYS_socket, AF_INET, SOCK_STREAM, 0);
	SYS("connect", SYS_connect, c, &sin, sizeof(sin));
	SYS("epoll_wait", SYS_epoll_wait, ep, out, 2, 5000);
	pfd = (struct pollfd){ .fd = l, .events = POLLIN };
	SYS("poll", SYS_poll, &pfd, 1, 5000);
	FD_ZERO(&rd);
	FD_SET(l, &rd);
	SYS("select", SYS_select, l + 1, &rd, NULL, NULL, &tv);
	a = SYS("accept", SYS_accept, l, NULL, NULL);
	show("old-client", c);
	show("old-server", a);
	SYS("close", SYS_close, c);
	SYS("close", SYS_close, a);
	SYS("close", SYS_close, ep);
}
#endif

int main(void)
{
	int l, c, a, ep;
	long sent;
	char b;

	signal(SIGPIPE, SIG_IGN);
	connect_pair(&l, &c, &a, &ep);
	show("listener", l);
	show("client", c);
	show("server", a);
	/* The client end blocking from here. */
	SYS("fcntl", SYS_fcntl, c, F_SETFL, 0);
	sent = talk(c, a);
	printf("bytes %ld\n", sent);
	copies(a);
	SYS("shutdown", SYS_shutdown, c, SHUT_WR);
	if (SYS("read", SYS_read, a, &b, 1) != 0)
		check(-1, "end of stream");
#ifdef SYS_poll
	old_numbers(l);
#endif
	SYS("close", SYS_close, c);
	SYS("close", SYS_close, a);
	SYS("close", SYS_close, l);
	SYS("close", SYS_close, ep);
	return 0;
}
