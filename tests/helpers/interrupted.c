/*
 * Calls that block and do not end well: a UDP client whose recvfrom
 * waits until a timer's signal cuts it (EINTR; once by name, once
 * through syscall()), a blocking accept cut the same way, a receive and
 * an accept that wait out their SO_RCVTIMEO (EAGAIN), the receive next
 * to one that cannot wait (MSG_DONTWAIT), an accept that finds the
 * process out of fds (EMFILE) before the idle-fd trick lets it through,
 * and a non-blocking listener's accepts that find its queue empty.
 *
 * Prints "CASE inode" for the socket each case is about; exits 1 if a
 * call does not fail or succeed as it should.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define WAIT_MS 300

static void on_alarm(int sig)
{
	(void)sig;
}

static void expect(long r, int err, const char *what)
{
	if (r != -1 || errno != err) {
		fprintf(stderr, "%s: %ld (%s), expected %s\n", what, r,
			strerror(errno), strerrorname_np(err));
		exit(1);
	}
}

static void show(const char *name, int fd)
{
	struct stat st;

	fstat(fd, &st);
	printf("%s %lu\n", name, (unsigned long)st.st_ino);
}

/* A timer that cuts the next blocking call: no SA_RESTART. */
static void arm(void)
{
	struct itimerval it = { .it_value = { 0, WAIT_MS * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* A UDP socket connected to a bound one that never answers. */
static int silent_peer(int *server)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int c;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*server = socket(AF_INET, SOCK_DGRAM, 0);
	bind(*server, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(*server, (struct sockaddr *)&sin, &len);
	c = socket(AF_INET, SOCK_DGRAM, 0);
	connect(c, (struct sockaddr *)&sin, sizeof(sin));
	send(c, "ping", 4, 0);
	return c;
}

static void udp_cases(void)
{
	struct timeval tv = { 0, WAIT_MS * 1000 };
	char buf[16];
	int s, c = silent_peer(&s);

	arm();
	expect(recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), EINTR,
	       "recvfrom");
	show("recvfrom", c);
	close(c);
	close(s);
	c = silent_peer(&s);
	arm();
	expect(syscall(SYS_recvfrom, c, buf, sizeof(buf), 0, NULL, NULL), EINTR,
	       "syscall recvfrom");
	show("raw-recvfrom", c);
	close(c);
	close(s);

	c = silent_peer(&s);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	expect(recv(c, buf, sizeof(buf), 0), EAGAIN, "recv SO_RCVTIMEO");
	expect(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN,
	       "recv MSG_DONTWAIT");
	show("timeout", c);
	close(c);
	close(s);
}

static int listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*sin = (struct sockaddr_in){ .sin_family = AF_INET };
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(l, (struct sockaddr *)sin, sizeof(*sin));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)sin, &len);
	return l;
}

/* accept that waits out its timeout, one cut by the timer, one out of
 * fds, then the idle-fd trick. */
static void accept_cases(void)
{
	struct sockaddr_in sin;
	struct rlimit old, low;
	int l = listener(&sin), c, fill[64], n = 0, a;

	struct timeval tv = { 0, WAIT_MS * 1000 }, none = { 0, 0 };

	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	expect(accept(l, NULL, NULL), EAGAIN, "accept SO_RCVTIMEO");
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	show("accept-timeout", l);
	arm();
	expect(accept(l, NULL, NULL), EINTR, "accept");
	show("accept", l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		exit(1);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = (rlim_t)c + 8;
	setrlimit(RLIMIT_NOFILE, &low);
	while (n < 64 && (fill[n] = dup(0)) >= 0)
		n++;
	expect(accept(l, NULL, NULL), EMFILE, "accept at the limit");
	close(fill[--n]);
	a = accept(l, NULL, NULL);
	if (a < 0)
		exit(1);
	show("emfile", l);
	close(a);
	while (n)
		close(fill[--n]);
	setrlimit(RLIMIT_NOFILE, &old);
	close(c);
	close(l);
}

/*
 * A non-blocking listener found empty: twice in a row (the second adds
 * nothing to the story: counted only), then once more after an accept
 * that took a connection. Each EAGAIN is counted.
 */
static void nonblocking_accept(void)
{
	struct sockaddr_in sin;
	int l = listener(&sin), c, a;

	fcntl(l, F_SETFL, O_NONBLOCK);
	expect(accept(l, NULL, NULL), EAGAIN, "accept, empty");
	expect(accept(l, NULL, NULL), EAGAIN, "accept, empty again");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		exit(1);
	a = accept(l, NULL, NULL);
	if (a < 0)
		exit(1);
	expect(accept(l, NULL, NULL), EAGAIN, "accept, drained");
	show("nb-accept", l);
	close(a);
	close(c);
	close(l);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	udp_cases();
	accept_cases();
	nonblocking_accept();
	return 0;
}
