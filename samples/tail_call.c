/*
 * Sockets made in tail position, so that a trace must look past the
 * return address to name their maker. make_socket()'s last statement is
 * `return socket(...)`: at -O2 gcc makes it a jump to socket (a tail
 * call), and the return address the preload records is the one of
 * main's call of make_socket. The sample makes three sockets:
 *   - make_socket(SOCK_STREAM), called directly: a tail call;
 *   - make_socket(SOCK_DGRAM), called through a pointer: a tail call the
 *     caller's code cannot name (an indirect call);
 *   - plain_socket(), which does more after socket(): no tail call.
 * The functions are kept out of line and uncloned so their names exist
 * in the binary; the optimize attribute keeps the tail call when the
 * rest is built without optimisation.
 */
#include "common.h"

__attribute__((noinline, noclone, optimize("O2", "optimize-sibling-calls")))
int make_socket(int type)
{
	return socket(AF_INET, type, 0);
}

__attribute__((noinline, noclone)) int plain_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("plain_socket");
	return fd;
}

/* Volatile: the compiler must load it, so the call stays indirect. */
int (*volatile make_indirect)(int) = make_socket;

int main(void)
{
	int a = make_socket(SOCK_STREAM);
	int b = make_indirect(SOCK_DGRAM);
	int c = plain_socket();

	if (a < 0 || b < 0)
		die("make_socket");
	close(c);
	close(b);
	close(a);
	printf("tail calls done\n");
	return 0;
}
