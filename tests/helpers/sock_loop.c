/*
 * Makes records: N rounds of socketpair, a write and a read each way,
 * close. With -w FILE, after the first N rounds it waits (up to 10 s) for
 * FILE to exist and then does N more. Prints the rounds done; exits 0.
 * The fault tests run it with the collector missing, killed or stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void rounds(int n, long pause_us)
{
	struct timespec ts = { 0, pause_us * 1000 };

	for (int i = 0; i < n; i++) {
		int sv[2];
		char b[4];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    write(sv[0], "abc", 3) != 3 || read(sv[1], b, 3) != 3) {
			perror("round");
			exit(1);
		}
		close(sv[0]);
		close(sv[1]);
		if (pause_us)
			nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	int n = 100, opt;
	long pause_us = 0;
	const char *wait_for = NULL;

	while ((opt = getopt(argc, argv, "n:p:w:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'p')
			pause_us = atol(optarg);
		else if (opt == 'w')
			wait_for = optarg;
	}
	rounds(n, pause_us);
	if (wait_for) {
		for (int i = 0; i < 1000 && access(wait_for, F_OK); i++)
			usleep(10000);
		rounds(n, pause_us);
	}
	printf("%d rounds\n", wait_for ? 2 * n : n);
	return 0;
}
