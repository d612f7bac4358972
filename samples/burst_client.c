/*
 * A client that holds its connections: opens CONNECTIONS one after
 * another, waits on each for the server's first word (a greeting, or end
 * of stream when the server dropped it), and keeps them all open until
 * the last one has answered; then closes them all. Against a server with
 * a low fd limit this is more connections than it can hold at once
 * (samples/emfile_server.c).
 *
 * usage: burst_client -p PORT [-n CONNECTIONS]
 */
#include "common.h"

#define MAX_CONNS 256

/* Waits for the server's first word on FD and says what it was. */
static void hear(int fd, int n)
{
	char buf[128];
	ssize_t got = read(fd, buf, sizeof(buf) - 1);

	if (got < 0)
		printf("connection %d: %s\n", n, strerror(errno));
	else if (got == 0)
		printf("connection %d: closed by the server\n", n);
	else
		printf("connection %d: greeted\n", n);
}

int main(int argc, char **argv)
{
	int port = 0, conns = 6, opt;
	int fds[MAX_CONNS];

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (conns < 1 || conns > MAX_CONNS)
		return 2;
	for (int i = 0; i < conns; i++) {
		struct sockaddr_in sin = loopback(port);

		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0)
			die("socket");
		if (connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("connect");
		hear(fds[i], i + 1);
	}
	for (int i = 0; i < conns; i++)
		close(fds[i]);
	return 0;
}
