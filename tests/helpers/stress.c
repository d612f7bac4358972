/*
 * Attacks on the tracer from inside a traced program. Each mode prints
 * what it did in a way that does not depend on the tracer; the fault test
 * runs it bare and traced and compares.
 *
 *   threads N [R]  N threads at once, each R rounds (default 200) of
 *                socketpair, a write and a read, close
 *   forks N      N children at once, each makes a socket and exits
 *   eintr        a blocking accept interrupted by a signal handler that
 *                was installed without SA_RESTART: EINTR must reach us;
 *                the handler itself makes and closes a socket
 *   spawn        vfork+exec, posix_spawn, and a chain of execs
 *   emfile       sockets until EMFILE, then close them all and go on
 *   shared N     N writers and N readers on one socketpair at once, while
 *                another thread polls it through epoll, asks its options,
 *                dups and closes the dups: one socket's entry touched by
 *                every thread (the ThreadSanitizer test runs it)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int nrounds = 200;

static void *rounds(void *arg)
{
	(void)arg;
	for (int i = 0; i < nrounds; i++) {
		int sv[2];
		char b;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    write(sv[0], "x", 1) != 1 || read(sv[1], &b, 1) != 1)
			abort();
		close(sv[0]);
		close(sv[1]);
	}
	return NULL;
}

static int threads(int n, int r)
{
	pthread_t t[256];

	if (r > 0)
		nrounds = r;
	for (int i = 0; i < n && i < 256; i++)
		pthread_create(&t[i], NULL, rounds, NULL);
	for (int i = 0; i < n && i < 256; i++)
		pthread_join(t[i], NULL);
	printf("%d threads x %d rounds\n", n, nrounds);
	return 0;
}

static int forks(int n)
{
	int ok = 0, status;

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			_exit(fd >= 0 && close(fd) == 0 ? 0 : 1);
		}
		if (p < 0)
			return 1;
	}
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("%d of %d children made a socket\n", ok, n);
	return ok != n;
}

static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)sig;
	if (fd >= 0 && close(fd) == 0)
		handled = 1;
}

enum { SHARED_BYTES = 2000 };
static int shared_sv[2];
static volatile int shared_done;

static void *shared_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < SHARED_BYTES; i++)
		if (send(shared_sv[0], "x", 1, 0) != 1)
			abort();
	return NULL;
}

static void *shared_reader(void *arg)
{
	char b;

	(void)arg;
	for (int i = 0; i < SHARED_BYTES; i++)
		if (recv(shared_sv[1], &b, 1, 0) != 1)
			abort();
	return NULL;
}

static void *shared_watcher(void *arg)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN }, out[2];

	(void)arg;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, shared_sv[1], &ev) < 0)
		abort();
	while (!__atomic_load_n(&shared_done, __ATOMIC_RELAXED)) {
		int v, d;
		socklen_t len = sizeof(v);

		epoll_wait(ep, out, 2, 0);
		getsockopt(shared_sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len);
		if ((d = dup(shared_sv[0])) >= 0)
			close(d);
	}
	close(ep);
	return NULL;
}

static int shared(int n)
{
	pthread_t t[2 * 64 + 1];

	if (n < 1 || n > 64 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, shared_sv) < 0)
		return 2;
	pthread_create(&t[2 * n], NULL, shared_watcher, NULL);
	for (int i = 0; i < n; i++) {
		pthread_create(&t[i], NULL, shared_writer, NULL);
		pthread_create(&t[n + i], NULL, shared_reader, NULL);
	}
	for (int i = 0; i < 2 * n; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&shared_done, 1, __ATOMIC_RELAXED);
	pthread_join(t[2 * n], NULL);
	close(shared_sv[0]);
	close(shared_sv[1]);
	printf("%d writers and %d readers moved %d bytes\n", n, n,
	       n * SHARED_BYTES);
	return 0;
}

static int eintr(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int l = socket(AF_INET, SOCK_STREAM, 0), r, err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (l < 0 || listen(l, 1) < 0)
		return 1;
	alarm(1);
	r = accept(l, NULL, NULL);
	err = errno;
	printf("accept: %d %s, handler made a socket: %s\n", r, strerror(err),
	       handled ? "yes" : "no");
	close(l);
	return !(r < 0 && err == EINTR && handled);
}

static int spawn(const char *self)
{
	char *argv[] = { (char *)self, "chain", "3", NULL };
	pid_t p;
	int status;

	p = vfork();
	if (p == 0) {
		execl(self, self, "chain", "2", (char *)NULL);
		_exit(127);
	}
	waitpid(p, &status, 0);
	printf("vfork+exec: %d\n", WEXITSTATUS(status));
	if (posix_spawn(&p, self, NULL, NULL, argv, environ) != 0)
		return 1;
	waitpid(p, &status, 0);
	printf("posix_spawn: %d\n", WEXITSTATUS(status));
	return 0;
}

/* Execs itself N more times, making a socket in each image. */
static int chain(int n)
{
	char arg[16];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	snprintf(arg, sizeof(arg), "%d", n - 1);
	execl("/proc/self/exe", "stress", "chain", arg, (char *)NULL);
	return 1;
}

static int emfile(void)
{
	static int fds[1 << 16];
	int n = 0, err;

	while (n < (1 << 16) && (fds[n] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0)
		n++;
	err = errno;
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* The count depends on the fd limit (and a tracer takes one fd):
	 * only the outcome is printed. */
	printf("ran out with %s; after closing, a socket: %s\n", strerror(err),
	       (fds[0] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0 ? "ok" : "failed");
	return err != EMFILE;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "threads"))
		return threads(argc > 2 ? atoi(argv[2]) : 64,
			       argc > 3 ? atoi(argv[3]) : 200);
	if (!strcmp(argv[1], "forks"))
		return forks(argc > 2 ? atoi(argv[2]) : 200);
	if (!strcmp(argv[1], "eintr"))
		return eintr();
	if (!strcmp(argv[1], "spawn"))
		return spawn(argv[0]);
	if (!strcmp(argv[1], "chain"))
		return chain(argc > 2 ? atoi(argv[2]) : 0);
	if (!strcmp(argv[1], "emfile"))
		return emfile();
	if (!strcmp(argv[1], "shared"))
		return shared(argc > 2 ? atoi(argv[2]) : 4);
	return 2;
}
