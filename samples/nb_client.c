/*
 * A non-blocking client (UNP 16.3): connect returns EINPROGRESS; poll
 * for writability; getsockopt(SO_ERROR) tells how it ended. Tried on a
 * port where a server listens (then one echo round trip) and on one
 * where nobody does.
 *
 * usage: nb_client -p OPEN_PORT -c CLOSED_PORT
 */
#include <fcntl.h>
#include <poll.h>

#include "common.h"

static int try_port(int port)
{
	struct sockaddr_in sin = loopback(port);
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0;
	char buf[16];

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS)
		err = errno;
	pfd.fd = fd;
	if (!err && poll(&pfd, 1, 5000) != 1)
		die("poll");
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		die("getsockopt");
	if (err) {
		printf("port %s: %s\n", port == 1 ? "closed" : "open",
		       strerror(err));
		close(fd);
		return 1;
	}
	if (write(fd, "nb", 2) != 2)
		die("write");
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || read(fd, buf, sizeof(buf)) != 2)
		die("echo");
	printf("port %s: connected, echo ok\n", port == 1 ? "closed" : "open");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int open_port = 0, closed_port = 1, opt;

	while ((opt = getopt(argc, argv, "p:c:")) != -1) {
		if (opt == 'p')
			open_port = atoi(optarg);
		else if (opt == 'c')
			closed_port = atoi(optarg);
		else
			return 2;
	}
	try_port(open_port);
	try_port(closed_port);
	return 0;
}
