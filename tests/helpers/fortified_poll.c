/*
 * poll and ppoll as a program built with _FORTIFY_SOURCE makes them:
 * with nfds not known at compile time, the compiler calls libc's
 * __poll_chk and __ppoll_chk instead (tests/e2e/test_fortify.sh). A
 * socketpair with a byte waiting on one end, asked of by both; prints
 * what each returned.
 *
 * usage: fortified_poll 1 (more fds than the array holds: libc aborts)
 */
#if defined(__OPTIMIZE__) && !defined(_FORTIFY_SOURCE)
#define _FORTIFY_SOURCE 2
#endif
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec tmo = { .tv_sec = 0, .tv_nsec = 100000000 };
	struct pollfd fds[1];
	nfds_t n = argc > 1 ? (nfds_t)atoi(argv[1]) : 1;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    write(sv[1], "x", 1) != 1)
		return 1;
	fds[0] = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	printf("poll %d\n", poll(fds, n, 100));
	printf("ppoll %d\n", ppoll(fds, n, &tmo, NULL));
	close(sv[0]);
	close(sv[1]);
	return 0;
}
