/*
 * A TCP client: connects, sends one line, prints the reply until EOF,
 * closes. With -n, does that N times in a row.
 *
 * usage: client -p PORT [-n TIMES] [-m MESSAGE]
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *msg = "hello";
	int port = 0, times = 1, opt;

	while ((opt = getopt(argc, argv, "p:n:m:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'n')
			times = atoi(optarg);
		else if (opt == 'm')
			msg = optarg;
		else
			return 2;
	}
	for (int i = 0; i < times; i++) {
		struct sockaddr_in sin = loopback(port);
		char line[512], reply[512];
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int len = snprintf(line, sizeof(line), "%s %d\n", msg, i + 1);
		size_t n;

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("connect");
		if (write(fd, line, (size_t)len) != len)
			die("write");
		n = read_all(fd, reply, sizeof(reply) - 1);
		reply[n] = '\0';
		fputs(reply, stdout);
		close(fd);
	}
	return 0;
}
