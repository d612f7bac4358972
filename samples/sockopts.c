/*
 * Sets socket options the way programs do and prints what the kernel
 * says afterwards (getsockopt tells the truth). Run bare, under an
 * enforcing policy and under audit, its output shows what a policy did:
 * tests/e2e/test_policy.sh.
 *
 * A TCP client connects to a listener of its own on loopback; a UDP
 * socket asks for SO_BROADCAST.
 */
#include <netinet/tcp.h>

#include "common.h"

static void try_set(int fd, int level, int name, const char *what, int v)
{
	int r = setsockopt(fd, level, name, &v, sizeof(v));

	printf("setsockopt %s %d: %s\n", what, v, r == 0 ? "ok" : strerror(errno));
}

static int get(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

int main(void)
{
	struct sockaddr_in sin = loopback(0);
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int s;

	if (l < 0 || c < 0 || u < 0 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0)
		die("listener");
	try_set(c, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", 8192);
	try_set(c, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", 1);
	try_set(u, SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST", 1);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	try_set(c, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 0);
	printf("client SO_KEEPALIVE=%d TCP_KEEPIDLE=%d SO_RCVBUF=%d "
	       "SO_REUSEPORT=%d TCP_NODELAY=%d\n",
	       get(c, SOL_SOCKET, SO_KEEPALIVE), get(c, IPPROTO_TCP, TCP_KEEPIDLE),
	       get(c, SOL_SOCKET, SO_RCVBUF), get(c, SOL_SOCKET, SO_REUSEPORT),
	       get(c, IPPROTO_TCP, TCP_NODELAY));
	printf("server SO_KEEPALIVE=%d\n", get(s, SOL_SOCKET, SO_KEEPALIVE));
	printf("udp SO_BROADCAST=%d\n", get(u, SOL_SOCKET, SO_BROADCAST));
	close(s);
	close(c);
	close(l);
	close(u);
	return 0;
}
