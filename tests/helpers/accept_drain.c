/*
 * An accept loop on a non-blocking listener, for callgrind: what a
 * failed accept costs under the preload.
 *
 *   accept_drain drain N   N rounds: 4 clients connect, the loop accepts
 *                          until EAGAIN, everything is closed
 *   accept_drain empty N   N accepts on an empty queue (each EAGAIN)
 *
 * Prints the accepts made and the EAGAINs met, the same traced or not.
 */
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 4

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	long n = argc > 2 ? atol(argv[2]) : 1000, accepted = 0, again = 0;
	bool drain = argc > 1 && !strcmp(argv[1], "drain");
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 64) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		int c[CLIENTS], s[CLIENTS + 1], nc = drain ? CLIENTS : 0, ns = 0;

		for (int k = 0; k < nc; k++) {
			c[k] = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(c[k], (struct sockaddr *)&a, sizeof(a)) < 0)
				return 1;
		}
		while (ns <= CLIENTS && (s[ns] = accept(l, NULL, NULL)) >= 0)
			ns++;
		if (errno == EAGAIN)
			again++;
		accepted += ns;
		while (ns)
			close(s[--ns]);
		for (int k = 0; k < nc; k++)
			close(c[k]);
	}
	printf("accepted %ld, EAGAIN %ld\n", accepted, again);
	return 0;
}
