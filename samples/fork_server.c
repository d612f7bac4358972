/*
 * The concurrent fork-per-connection server (APUE 16.6, UNP 4.8): the
 * parent accepts and forks; the child serves the connection and closes
 * it; the parent closes its copy at once. In the trace each connection is
 * one socket held by two processes, ending at the child's close.
 *
 * usage: fork_server -P PORTFILE [-n CONNECTIONS]
 * Serves CONNECTIONS (default 3) connections: reads one line, answers
 * "echo: LINE", shuts down its side and closes. Then exits 0.
 */
#include <signal.h>
#include <sys/wait.h>

#include "common.h"

static void serve(int fd)
{
	char line[256], reply[300];
	ssize_t n = read(fd, line, sizeof(line) - 1);
	int len;

	if (n < 0)
		die("read");
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	len = snprintf(reply, sizeof(reply), "echo: %s\n", line);
	if (write(fd, reply, (size_t)len) != len)
		die("write");
	shutdown(fd, SHUT_WR);
	/* Wait for the client's close, so that our close comes last. */
	while (read(fd, line, sizeof(line)) > 0)
		;
	close(fd);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int conns = 3, lfd, opt;

	while ((opt = getopt(argc, argv, "P:n:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile)
		return 2;
	lfd = listen_loopback(SOCK_STREAM);
	write_port(portfile, bound_port(lfd));
	for (int i = 0; i < conns; i++) {
		int cfd = accept(lfd, NULL, NULL);
		pid_t pid;

		if (cfd < 0)
			die("accept");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(lfd);
			serve(cfd);
			_exit(0);
		}
		close(cfd);
	}
	while (wait(NULL) > 0)
		;
	close(lfd);
	printf("served %d connections\n", conns);
	return 0;
}
