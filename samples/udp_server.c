/*
 * The UDP side of a request/response pair (APUE 16.5): recvfrom a
 * request, sendto the answer back to where it came from.
 *
 * usage: udp_server -P PORTFILE [-n REQUESTS]
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int requests = 3, fd, opt;
	struct sockaddr_in sin = loopback(0);

	while ((opt = getopt(argc, argv, "P:n:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'n')
			requests = atoi(optarg);
		else
			return 2;
	}
	if (!portfile)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	write_port(portfile, bound_port(fd));
	for (int i = 0; i < requests; i++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		char buf[512], reply[600];
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0,
				     (struct sockaddr *)&from, &len);
		int rl;

		if (n < 0)
			die("recvfrom");
		buf[n] = '\0';
		rl = snprintf(reply, sizeof(reply), "answer to %s", buf);
		if (sendto(fd, reply, (size_t)rl, 0, (struct sockaddr *)&from,
			   len) != rl)
			die("sendto");
	}
	close(fd);
	printf("answered %d requests\n", requests);
	return 0;
}
