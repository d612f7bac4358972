/*
 * An epoll echo server (the reactor of TLPI 63.4, UNP 6): a non-blocking
 * listener and connections in one epoll instance. Level-triggered by
 * default: one read per readiness. With -e, edge-triggered: read until
 * EAGAIN, or the edge is lost. Exits after CONNECTIONS have closed.
 *
 * usage: epoll_server -P PORTFILE [-e] [-n CONNECTIONS]
 */
#include <fcntl.h>
#include <sys/epoll.h>

#include "common.h"

static int edge;

static void add(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

static void accept_all(int ep, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd < 0)
			die("accept4");
		add(ep, fd, EPOLLIN | EPOLLRDHUP | (edge ? EPOLLET : 0));
	}
}

/* Echoes what is there; returns 1 when the peer has closed. */
static int echo(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return 1;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			die("read");
		if (write(fd, buf, (size_t)n) != n)
			die("write");
		if (!edge)
			return 0;
	}
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int conns = 5, closed = 0, lfd, ep, opt, on = 1;
	struct sockaddr_in sin = loopback(0);

	while ((opt = getopt(argc, argv, "P:en:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'e')
			edge = 1;
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile)
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on,
				  sizeof(on)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 128) < 0)
		die("listener");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	add(ep, lfd, EPOLLIN);
	write_port(portfile, bound_port(lfd));
	while (closed < conns) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				accept_all(ep, lfd);
			} else if (echo(fd)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				closed++;
			}
		}
	}
	close(ep);
	close(lfd);
	printf("served %d connections (%s-triggered)\n", conns,
	       edge ? "edge" : "level");
	return 0;
}
