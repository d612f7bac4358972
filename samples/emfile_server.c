/*
 * The EMFILE idle-fd trick (muduo's Acceptor, in the study notes under
 * "too many open files"): a server at its fd limit cannot accept, and a
 * level-triggered loop would spin on a listener that stays readable while
 * the connection waits in the queue, with the client left hanging. So the
 * server keeps one fd in reserve (/dev/null); when accept fails with
 * EMFILE it closes the reserve, accepts the connection, closes it at once
 * (the client sees end of stream instead of waiting) and opens the reserve
 * again.
 *
 * The server lowers its own RLIMIT_NOFILE so that, beside its listener
 * and the reserve, it can hold HOLD connections. It greets each
 * connection it keeps, drops the rest as above, and after CONNECTIONS in
 * all waits for each kept client to close first.
 *
 * usage: emfile_server -P PORTFILE [-k HOLD] [-n CONNECTIONS]
 * Prints one line per connection (kept or dropped) and a total.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include "common.h"

#define MAX_HOLD 64

/* Opens the reserve: the fd the trick gives up to make room. */
static int open_reserve(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/null");
	return fd;
}

/*
 * The limit sits HOLD fds above the highest one we have: fds are taken
 * lowest first, so the next HOLD accepts fit and the one after fails.
 */
static void lower_limit(int highest, int hold)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	rl.rlim_cur = (rlim_t)(highest + 1 + hold);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
}

/* The trick: room for one, take the connection off the queue, drop it. */
static void drop_one(int lfd, int *reserve)
{
	int fd;

	close(*reserve);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept after closing the reserve");
	close(fd);
	*reserve = open_reserve();
}

static void greet(int fd, int n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "welcome %d\n", n);

	if (write(fd, line, (size_t)len) != len)
		die("write");
}

/* The client closes first; then so do we. */
static void wait_close(int fd)
{
	char buf[64];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die("read");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int hold = 3, conns = 6, nkept = 0, lfd, reserve, opt;
	int kept[MAX_HOLD];

	while ((opt = getopt(argc, argv, "P:k:n:")) != -1) {
		if (opt == 'P')
			portfile = optarg;
		else if (opt == 'k')
			hold = atoi(optarg);
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile || hold < 1 || hold > MAX_HOLD)
		return 2;
	lfd = listen_loopback(SOCK_STREAM);
	reserve = open_reserve();
	lower_limit(reserve > lfd ? reserve : lfd, hold);
	write_port(portfile, bound_port(lfd));
	for (int i = 1; i <= conns; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		/* Level-triggered readiness, as in an event loop: the
		 * listener stays readable until the queue is empty. */
		if (poll(&p, 1, -1) < 0)
			die("poll");
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			if (nkept == MAX_HOLD)
				die("more connections than the limit allows");
			greet(fd, i);
			kept[nkept++] = fd;
			printf("connection %d: kept\n", i);
		} else if (fd < 0 && errno == EMFILE) {
			drop_one(lfd, &reserve);
			printf("connection %d: EMFILE, dropped\n", i);
		} else {
			die("accept");
		}
	}
	for (int i = 0; i < nkept; i++)
		wait_close(kept[i]);
	close(lfd);
	close(reserve);
	printf("kept %d, dropped %d\n", nkept, conns - nkept);
	return 0;
}
