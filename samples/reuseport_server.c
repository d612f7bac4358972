/*
 * SO_REUSEPORT workers (Linux 3.9; nginx's `reuseport`, the study notes'
 * cure for the thundering herd): WORKERS forked processes, each with a
 * listener of its own bound to one port; the kernel spreads incoming
 * connections over the listeners by their 4-tuple, so no two workers
 * ever wake for one connection.
 *
 * The parent finds a free port with a bound probe socket (SO_REUSEPORT
 * too, so the workers may join it), forks the workers, waits until every
 * one listens, closes the probe and writes the port file. Each worker
 * answers a line with "worker W pid P tid T peer PORT: LINE", PORT being
 * the client's port as accept gave it, so the client's output says who
 * served which connection. After CONNECTIONS in all the parent closes
 * the workers' stop pipe; each prints its pid and count, and exits.
 *
 * usage: reuseport_server -P PORTFILE [-w WORKERS] [-n CONNECTIONS]
 */
#include <poll.h>

#include "common.h"
#include "workers.h"

/* A listener of this worker's own on PORT. */
static int own_listener(int port)
{
	struct sockaddr_in sin = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		die("setsockopt SO_REUSEPORT");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	return fd;
}

static void worker(int w, int port, struct crew *c)
{
	int lfd = own_listener(port), served = 0;

	crew_ready(c);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = c->stop, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0)
			die("poll");
		if (p[1].revents)
			break;
		if (p[0].revents) {
			/* Our own queue: no other worker takes from it. */
			if (serve_one(lfd, w) < 0)
				die("accept");
			served++;
			crew_tally(c);
		}
	}
	close(lfd);
	printf("worker %d pid %d accepted %d\n", w, (int)getpid(), served);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int workers = 3, conns = 12, probe, port, opt, on = 1;
	struct sockaddr_in sin = loopback(0);
	struct crew c;

	while ((opt = getopt(argc, argv, "P:w:n:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'w')
			workers = atoi(optarg);
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile || workers < 1 || workers > MAX_WORKERS)
		return 2;
	probe = socket(AF_INET, SOCK_STREAM, 0);
	if (probe < 0)
		die("socket");
	if (setsockopt(probe, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		die("setsockopt SO_REUSEPORT");
	if (bind(probe, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	port = bound_port(probe);
	crew_open(&c);
	for (int w = 1; w <= workers; w++) {
		if (crew_fork(&c) == 0) {
			close(probe);
			worker(w, port, &c);
			exit(0);
		}
	}
	crew_wait_ready(&c, workers);
	/* Every worker listens: the probe has done its work. */
	close(probe);
	write_port(portfile, port);
	crew_finish(&c, conns);
	printf("workers served %d connections\n", conns);
	return 0;
}
