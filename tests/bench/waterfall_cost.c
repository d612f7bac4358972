/*
 * What the waterfall's looks cost (preload/peek.c, preload/tcpinfo.c):
 * nanoseconds per operation, one line per case ("case ns_per_op"), for
 * tests/bench/run.sh to run under callgrind bare, traced, traced with
 * SOCKLENS_NO_PEEK=1 and with SOCKLENS_NO_TCP_INFO=1. Not a test.
 *
 *   connect+accept  a TCP connection made, accepted and closed, no bytes
 *   http(keepalive) one HTTP/1.1 exchange on an open connection: the
 *                   client sends a request, the server reads it and
 *                   answers 200 with a 2-byte body, the client reads it
 *   http(conn)      the same on a new connection each time, closed after
 *
 * usage: waterfall_cost [-n SCALE] [CASE...]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char req[] = "GET /index.html HTTP/1.1\r\nHost: bench\r\n"
			  "User-Agent: waterfall_cost\r\n\r\n";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			   "Content-Type: text/plain\r\n\r\nok";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)sin, sizeof(*sin)) ||
	    listen(l, 128) || getsockname(l, (struct sockaddr *)sin, &len))
		die("listener");
	return l;
}

static void pair(int l, const struct sockaddr_in *sin, int *c, int *s)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (const struct sockaddr *)sin, sizeof(*sin)))
		die("connect");
	*s = accept(l, NULL, NULL);
	if (*s < 0)
		die("accept");
}

/* Reads exactly LEN bytes (both sides know the messages' sizes). */
static void read_all(int fd, size_t len)
{
	char buf[256];

	while (len) {
		ssize_t n = recv(fd, buf, len < sizeof(buf) ? len : sizeof(buf), 0);

		if (n <= 0)
			die("recv");
		len -= (size_t)n;
	}
}

static void exchange(int c, int s)
{
	if (send(c, req, sizeof(req) - 1, 0) != (ssize_t)sizeof(req) - 1)
		die("send request");
	read_all(s, sizeof(req) - 1);
	if (send(s, resp, sizeof(resp) - 1, 0) != (ssize_t)sizeof(resp) - 1)
		die("send response");
	read_all(c, sizeof(resp) - 1);
}

static double connect_accept(int n)
{
	struct sockaddr_in sin;
	int l = listener(&sin), c, s;
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pair(l, &sin, &c, &s);
		close(c);
		close(s);
	}
	t0 = (now_ns() - t0) / n;
	close(l);
	return t0;
}

static double http_keepalive(int n)
{
	struct sockaddr_in sin;
	int l = listener(&sin), c, s;
	double t0;

	pair(l, &sin, &c, &s);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		exchange(c, s);
	t0 = (now_ns() - t0) / n;
	close(c);
	close(s);
	close(l);
	return t0;
}

static double http_conn(int n)
{
	struct sockaddr_in sin;
	int l = listener(&sin), c, s;
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pair(l, &sin, &c, &s);
		exchange(c, s);
		close(c);
		close(s);
	}
	t0 = (now_ns() - t0) / n;
	close(l);
	return t0;
}

static const struct {
	const char *name;
	double (*fn)(int n);
	int n;
} cases[] = {
	{ "connect+accept", connect_accept, 2000 },
	{ "http(keepalive)", http_keepalive, 20000 },
	{ "http(conn)", http_conn, 2000 },
};

int main(int argc, char **argv)
{
	int first = 1, scale = 1;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		scale = atoi(argv[2]);
		first = 3;
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
