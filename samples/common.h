/*
 * Small helpers the samples share: argument parsing for a port and a
 * count, and failing loudly. Samples are examples of socket patterns, so
 * they stay plain: blocking calls, one thing each.
 */
#ifndef SAMPLES_COMMON_H
#define SAMPLES_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static inline struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* The port a bound socket got (we bind port 0 and read it back). */
static inline int bound_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname");
	return ntohs(sin.sin_port);
}

/*
 * A TCP listener on 127.0.0.1 and a port the kernel picks: initserver
 * (APUE 16.6), with SO_REUSEADDR so that it restarts without waiting out
 * TIME_WAIT. TYPE is SOCK_STREAM, with SOCK_NONBLOCK or'ed in if wanted.
 */
static inline int listen_loopback(int type)
{
	struct sockaddr_in sin = loopback(0);
	int fd = socket(AF_INET, type, 0), on = 1;

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		die("setsockopt");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	return fd;
}

/* Writes the port to PATH (atomically, so a reader never sees half). */
static inline void write_port(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%d\n", port);
	if (fclose(f) || rename(tmp, path))
		die(path);
}

/* Reads all of FD until EOF into BUF; returns the length. */
static inline size_t read_all(int fd, char *buf, size_t cap)
{
	size_t used = 0;
	ssize_t n;

	while (used < cap && (n = read(fd, buf + used, cap - used)) > 0)
		used += (size_t)n;
	if (n < 0)
		die("read");
	return used;
}

#endif
