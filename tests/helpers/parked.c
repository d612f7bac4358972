/*
 * Records that must reach the collector although nothing flushes them
 * (tests/e2e/test_lanes.sh):
 *
 *   cond      a thread makes a socketpair (a write and a read on it), a
 *             listener and a UDP socket, then parks in pthread_cond_wait
 *             for ever; the main thread, once told, returns from main
 *             (Ruby's pattern: its main thread exits while others wait)
 *   kill      the same thread's calls; then the main thread makes a
 *             socketpair and the process SIGKILLs itself at once
 *   spin      the same, but the main thread computes for 300 ms without a
 *             call between its socketpair and the SIGKILL
 *
 * Prints "ready" once the thread has made its calls. The test counts the
 * sockets in the trace: 4 (cond), 6 (kill, spin).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int made;

static void calls(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int sv[2], l, u;
	char b[3];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    write(sv[0], "abc", 3) != 3 || read(sv[1], b, 3) != 3)
		abort();
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(l, 4) < 0)
		abort();
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0)
		abort();
}

static void *parker(void *arg)
{
	(void)arg;
	calls();
	pthread_mutex_lock(&lock);
	made = 1;
	pthread_cond_broadcast(&cond);
	for (;;)
		pthread_cond_wait(&cond, &lock);
	return NULL;
}

static void spin(long ms)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "cond";
	pthread_t t;
	int sv[2];

	if (pthread_create(&t, NULL, parker, NULL))
		return 2;
	pthread_mutex_lock(&lock);
	while (!made)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("ready\n");
	fflush(stdout);
	if (strcmp(mode, "kill") && strcmp(mode, "spin"))
		return 0;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return 2;
	if (!strcmp(mode, "spin"))
		spin(300);
	raise(SIGKILL);
	return 2;
}
