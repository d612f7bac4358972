/*
 * Micro benchmark: nanoseconds per operation for the calls socklens
 * wraps, one line per case: "case ns_per_op". Run bare, under the
 * preload, and under strace by tests/bench/run.sh, which prints medians
 * and ratios. Not a test: it checks nothing.
 *
 * usage: micro [-c] [-n SCALE] [CASE...]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int scale = 1;
/* -c: the thread's CPU time instead of the monotonic clock, so that on a
 * loaded machine the time spent waiting for a CPU is left out. */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double socket_close(int n)
{
	double t0 = now_ns();

	for (int i = 0; i < n; i++)
		close(socket(AF_INET, SOCK_STREAM, 0));
	return (now_ns() - t0) / n;
}

static double socket_setsockopt_close(int n)
{
	int one = 1;
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		close(fd);
	}
	return (now_ns() - t0) / n;
}

static double connect_accept(int n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	double t0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 128) ||
	    getsockname(l, (struct sockaddr *)&sin, &len))
		die("listener");
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (connect(c, (struct sockaddr *)&sin, sizeof(sin)))
			die("connect");
		s = accept(l, NULL, NULL);
		close(c);
		close(s);
	}
	close(l);
	return (now_ns() - t0) / n;
}

static double epoll_empty(int n)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[64];
	int ep = epoll_create1(0), fds[64][2];
	double t0;

	for (int i = 0; i < 32; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]))
			die("socketpair");
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i][0], &ev);
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i][1], &ev);
	}
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		epoll_wait(ep, out, 64, 0);
	t0 = (now_ns() - t0) / n;
	for (int i = 0; i < 32; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	close(ep);
	return t0;
}

/* An epoll_wait that returns one event each time (a byte left unread
 * on a level-triggered socket): the wait that is recorded. */
static double epoll_ready(int n)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	int ep = epoll_create1(0), sv[2];
	double t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) || write(sv[0], "x", 1) != 1)
		die("epoll_ready");
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (epoll_wait(ep, out, 4, 0) != 1)
			die("epoll_wait");
	t0 = (now_ns() - t0) / n;
	close(sv[0]);
	close(sv[1]);
	close(ep);
	return t0;
}

static double pair_roundtrip(int n)
{
	int sv[2];
	char b = 'x';
	double t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		if (send(sv[0], &b, 1, 0) != 1 || recv(sv[1], &b, 1, 0) != 1)
			die("roundtrip");
	}
	t0 = (now_ns() - t0) / n;
	close(sv[0]);
	close(sv[1]);
	return t0;
}

static double nonsocket_read(int n)
{
	int fd = open("/dev/zero", O_RDONLY);
	char b;
	double t0 = now_ns();

	for (int i = 0; i < n; i++)
		if (read(fd, &b, 1) != 1)
			die("read");
	t0 = (now_ns() - t0) / n;
	close(fd);
	return t0;
}

static const struct {
	const char *name;
	double (*fn)(int n);
	int n;
} cases[] = {
	{ "socket+close", socket_close, 20000 },
	{ "socket+setsockopt+close", socket_setsockopt_close, 20000 },
	{ "connect+accept", connect_accept, 2000 },
	{ "epoll_wait(0)x64", epoll_empty, 200000 },
	{ "epoll_wait(ready)", epoll_ready, 50000 },
	{ "send+recv(1B)", pair_roundtrip, 50000 },
	{ "read(non-socket)", nonsocket_read, 200000 },
};

int main(int argc, char **argv)
{
	int first = 1;

	for (;;) {
		if (argc > first + 1 && !strcmp(argv[first], "-n")) {
			scale = atoi(argv[first + 1]);
			first += 2;
		} else if (argc > first && !strcmp(argv[first], "-c")) {
			clock_id = CLOCK_THREAD_CPUTIME_ID;
			first++;
		} else {
			break;
		}
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int want = first >= argc;

		for (int a = first; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		if (!want)
			continue;
		cases[i].fn(cases[i].n / 10 / scale + 1);	/* warm up */
		printf("%s %.1f\n", cases[i].name,
		       cases[i].fn(cases[i].n / scale + 1));
		fflush(stdout);
	}
	return 0;
}
