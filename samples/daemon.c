/*
 * A daemon in the classic way (APUE 13.3): fork and let the parent exit,
 * setsid, fork again, chdir /, umask 0, close every fd up to the limit,
 * point 0, 1 and 2 at /dev/null; then serve. Tracing must survive the
 * fd-closing loop and the parent's early exit.
 *
 * usage: daemon -P PORTFILE [-n CONNECTIONS]
 * The port goes to PORTFILE (an absolute path: the daemon chdirs to /).
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common.h"

static void daemonize(void)
{
	struct rlimit rl;
	pid_t pid;
	int fd0;

	umask(0);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid != 0)
		exit(0);
	setsid();
	if ((pid = fork()) < 0)
		die("fork");
	if (pid != 0)
		exit(0);
	if (chdir("/") < 0)
		die("chdir");
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536)
		rl.rlim_max = 65536;
	for (rlim_t i = 0; i < rl.rlim_max; i++)
		close((int)i);
	fd0 = open("/dev/null", O_RDWR);
	if (fd0 != 0 || dup(0) != 1 || dup(0) != 2)
		exit(1);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int conns = 2, lfd, opt;
	struct sockaddr_in sin = loopback(0);

	while ((opt = getopt(argc, argv, "P:n:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile || portfile[0] != '/')
		return 2;
	daemonize();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		exit(1);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 8) < 0)
		exit(1);
	write_port(portfile, bound_port(lfd));
	for (int i = 0; i < conns; i++) {
		char buf[256];
		int cfd = accept(lfd, NULL, NULL);
		ssize_t n;

		if (cfd < 0)
			exit(1);
		n = read(cfd, buf, sizeof(buf));
		if (n > 0 && write(cfd, buf, (size_t)n) != n)
			exit(1);
		close(cfd);
	}
	close(lfd);
	return 0;
}
