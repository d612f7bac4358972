/*
 * A load client: opens many short connections, one after another; each
 * sends a message, reads the echo back whole, and closes.
 *
 * usage: load_client -p PORT [-n CONNECTIONS] [-s MESSAGE_BYTES]
 */
#include "common.h"

int main(int argc, char **argv)
{
	int port = 0, conns = 100, size = 64, opt;
	unsigned long long echoed = 0;
	char *msg, *back;

	while ((opt = getopt(argc, argv, "p:n:s:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'n')
			conns = atoi(optarg);
		else if (opt == 's')
			size = atoi(optarg);
		else
			return 2;
	}
	msg = malloc((size_t)size);
	back = malloc((size_t)size);
	if (!msg || !back)
		die("malloc");
	for (int i = 0; i < size; i++)
		msg[i] = (char)('a' + i % 26);
	for (int i = 0; i < conns; i++) {
		struct sockaddr_in sin = loopback(port);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t got = 0, n;

		if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("connect");
		if (write(fd, msg, (size_t)size) != size)
			die("write");
		while (got < size && (n = read(fd, back + got, (size_t)(size - got))) > 0)
			got += n;
		if (got != size || memcmp(msg, back, (size_t)size))
			die("echo");
		echoed += (unsigned long long)got;
		close(fd);
	}
	printf("%d connections, %llu bytes echoed\n", conns, echoed);
	return 0;
}
