/*
 * A program that takes every fd: it dup2()s onto whatever fd it did not
 * open (the tracer's, when traced), closes every fd up to its limit one
 * by one, then with close_range and closefrom, and then uses sockets. It
 * prints the same lines traced or not; the trace must hold the sockets
 * made after the purge, which proves the tracer's fd survived.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void pair_roundtrip(const char *tag)
{
	int sv[2];
	char buf[8];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    write(sv[0], "ping", 4) != 4 || read(sv[1], buf, 4) != 4) {
		perror(tag);
		exit(1);
	}
	close(sv[0]);
	close(sv[1]);
	printf("%s: ok\n", tag);
}

/* dup2 stdin onto every fd above 2 that is open, as a hostile program
 * (or a careless fd shuffle) would. */
static void dup2_onto_strangers(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[64], n = 0;

	while (d && (e = readdir(d)) && n < 64) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d))
			fds[n++] = fd;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		if (dup2(0, fds[i]) != fds[i])
			perror("dup2");
	printf("dup2 onto strangers: done\n");
}

int main(void)
{
	struct rlimit rl;

	pair_roundtrip("before");
	dup2_onto_strangers();
	pair_roundtrip("after dup2");
	getrlimit(RLIMIT_NOFILE, &rl);
	for (rlim_t fd = 3; fd < rl.rlim_cur; fd++)
		close((int)fd);
	pair_roundtrip("after close loop");
	close_range(3, ~0u, 0);
	pair_roundtrip("after close_range");
	closefrom(3);
	pair_roundtrip("after closefrom");
	return 0;
}
