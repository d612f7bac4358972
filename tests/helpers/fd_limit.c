/*
 * A program that lowers its own RLIMIT_NOFILE before it touches a socket
 * (so before the tracer has connected), then fills its fd table, forks,
 * and fills its child's: every fd number it gets, and the limit the
 * child finds, are printed on stdout, which must be the same traced as
 * bare (the tracer may take no fd the program could have had). The
 * child's pid goes to stderr, for the test to find in the trace.
 *
 *   fd_limit soft|hard|prlimit|raw SOFT
 *
 * soft: setrlimit of the soft limit only; hard: soft and hard limits
 * both (then a fork child cannot lift its own: it runs untraced, and the
 * parent's trace says so); prlimit: prlimit(0, ...); raw:
 * syscall(SYS_prlimit64, 0, ...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int lower(const char *mode, rlim_t soft)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rl.rlim_cur = soft;
	if (!strcmp(mode, "hard"))
		rl.rlim_max = soft;
	if (!strcmp(mode, "prlimit"))
		return prlimit(0, RLIMIT_NOFILE, &rl, NULL);
	if (!strcmp(mode, "raw"))
		return (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL);
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Sockets until the table is full: their numbers, then the errno. */
static void fill(const char *who)
{
	int fds[1024], n = 0, fd;

	printf("%s: fds", who);
	while (n < 1024 && (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0) {
		fds[n++] = fd;
		printf(" %d", fd);
	}
	printf(" then %s\n", n == 1024 ? "enough" : strerrorname_np(errno));
	while (n)
		close(fds[--n]);
}

/* A socket pair that carries a few bytes: something to trace. */
static void talk(const char *who)
{
	int sv[2];
	char buf[8];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    write(sv[0], "ping", 4) != 4 || read(sv[1], buf, 4) != 4) {
		printf("%s: socketpair: %s\n", who, strerror(errno));
		return;
	}
	close(sv[0]);
	close(sv[1]);
	printf("%s: talked\n", who);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	pid_t pid;
	int status;

	if (argc != 3) {
		fprintf(stderr, "usage: fd_limit soft|hard|prlimit|raw SOFT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (lower(argv[1], (rlim_t)atol(argv[2])) < 0) {
		perror("lower");
		return 1;
	}
	fill("parent");
	talk("parent");
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		fill("child");
		talk("child");
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("child: limit %llu %llu\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
		_exit(0);
	}
	fprintf(stderr, "child %d\n", (int)pid);
	waitpid(pid, &status, 0);
	fill("parent after fork");
	return 0;
}
