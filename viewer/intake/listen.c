/*
 * Where the collector listens (collector.c): a SOCK_SEQPACKET socket in a
 * private 0700 directory it makes (or at the path it was given), with
 * credentials on every message, and the epoll instance its loop waits in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "intake/intake.h"

/* The directory for the socket: $XDG_RUNTIME_DIR, $TMPDIR or /tmp. */
static int make_private_dir(struct sl_collector *c)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	if (!base || access(base, W_OK))
		base = getenv("TMPDIR");
	if (!base || access(base, W_OK))
		base = "/tmp";
	if (snprintf(c->dir, sizeof(c->dir), "%s/socklens-XXXXXX", base) >=
	    (int)sizeof(c->dir))
		return -ENAMETOOLONG;
	if (!mkdtemp(c->dir))	/* mkdtemp makes it 0700 */
		return -errno;
	if (strlen(c->dir) + sizeof("/collector.sock") > sizeof(c->sock_path))
		return -ENAMETOOLONG;
	strcpy(c->sock_path, c->dir);
	strcat(c->sock_path, "/collector.sock");
	return 0;
}

static int listen_on(struct sl_collector *c, uint64_t tag)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	mode_t old;

	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (c->lfd < 0)
		return -errno;
	if (strlen(c->sock_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, c->sock_path);
	/* Credentials ride on every message from the start. */
	setsockopt(c->lfd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	old = umask(077);
	if (bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		return -errno;
	}
	umask(old);
	/* 4096 is a hint; the kernel caps it at somaxconn. A fork storm of
	 * traced children connects at once. */
	if (listen(c->lfd, 4096) < 0)
		return -errno;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		return -errno;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) < 0)
		return -errno;
	return 0;
}

int sl_collector_listen(struct sl_collector *c, const char *sock_path,
			uint64_t tag)
{
	int err;

	if (sock_path) {
		if (strlen(sock_path) >= sizeof(c->sock_path))
			return -ENAMETOOLONG;
		strcpy(c->sock_path, sock_path);
	} else {
		err = make_private_dir(c);
		if (err)
			return err;
	}
	return listen_on(c, tag);
}
