/*
 * Sockets made by functions with names, so that a trace can name them:
 * open_listener() makes the listener, dial_home() the client, and
 * serve_one() accepts. The functions are kept out of line (and the sample
 * is built with symbols) so the names exist in the binary.
 */
#include "common.h"

__attribute__((noinline)) static int open_listener(void)
{
	struct sockaddr_in sin = loopback(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4) < 0)
		die("open_listener");
	return fd;
}

__attribute__((noinline)) static int dial_home(int port)
{
	struct sockaddr_in sin = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("dial_home");
	return fd;
}

__attribute__((noinline)) static int serve_one(int l)
{
	int fd = accept(l, NULL, NULL);

	if (fd < 0)
		die("serve_one");
	return fd;
}

int main(void)
{
	int l = open_listener(), c = dial_home(bound_port(l)), s = serve_one(l);

	close(s);
	close(c);
	close(l);
	printf("named callers done\n");
	return 0;
}
