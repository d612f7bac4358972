/*
 * One of each thing `socklens audit` looks for, in one program:
 *   - a listener on every interface (0.0.0.0);
 *   - a TCP connection held open a while without keepalive;
 *   - three refused connects to the same address (port 1);
 *   - a connect that blocks: the listener's queue is full, the SYN is
 *     dropped and retried a second later;
 *   - a socket without close-on-exec, still open when it execs sh, so it
 *     leaks into the new image and is never closed.
 *
 * usage: audit_cases [-h HOLD_MS]
 */
#include <pthread.h>
#include <time.h>

#include "common.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

__attribute__((noinline)) static int listener(uint32_t addr, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, backlog) < 0)
		die("listener");
	return fd;
}

__attribute__((noinline)) static int dial(int port)
{
	struct sockaddr_in sin = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *accept_later(void *arg)
{
	int l = *(int *)arg;

	sleep_ms(200);
	close(accept(l, NULL, NULL));
	close(accept(l, NULL, NULL));
	return NULL;
}

int main(int argc, char **argv)
{
	long hold = 150;
	int l, c, s, opt, slow_l, first, second;
	pthread_t t;

	while ((opt = getopt(argc, argv, "h:")) != -1)
		if (opt == 'h')
			hold = atol(optarg);
	/* every interface, no keepalive on the connection */
	l = listener(INADDR_ANY, 4);
	c = dial(bound_port(l));
	s = accept(l, NULL, NULL);
	if (c < 0 || s < 0)
		die("connect");
	sleep_ms(hold);
	close(c);
	close(s);
	close(l);
	/* refused, three times */
	for (int i = 0; i < 3; i++)
		if (dial(1) >= 0)
			die("port 1 answered");
	/* a full queue: the second connect waits for a SYN retry */
	slow_l = listener(INADDR_LOOPBACK, 0);
	first = dial(bound_port(slow_l));
	pthread_create(&t, NULL, accept_later, &slow_l);
	second = dial(bound_port(slow_l));
	pthread_join(t, NULL);
	close(first);
	close(second);
	close(slow_l);
	/* leaks into the exec'd image, which exits holding it */
	if (socket(AF_INET, SOCK_STREAM, 0) < 0)
		die("socket");
	printf("audit cases done\n");
	fflush(stdout);
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	die("exec");
}
