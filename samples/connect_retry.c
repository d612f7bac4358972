/*
 * connect_retry with exponential backoff (APUE 16.4, figure 16.11): try,
 * sleep 1, 2, 4... units, give up past a maximum. On Linux a socket whose
 * connect failed is not reused: each try makes a new socket and closes it.
 *
 * usage: connect_retry -p PORT [-u UNIT_MS] [-t TRIES]
 * Exits 0 if it connected, 1 when it gave up (printing why).
 */
#include <time.h>

#include "common.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	int port = 0, tries = 4, opt;
	long unit = 10;

	while ((opt = getopt(argc, argv, "p:u:t:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'u')
			unit = atol(optarg);
		else if (opt == 't')
			tries = atoi(optarg);
		else
			return 2;
	}
	for (int i = 0, delay = 1; i < tries; i++, delay <<= 1) {
		struct sockaddr_in sin = loopback(port);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			printf("connected after %d attempts\n", i + 1);
			close(fd);
			return 0;
		}
		printf("attempt %d: %s\n", i + 1, strerror(errno));
		close(fd);
		if (i + 1 < tries)
			sleep_ms(unit * delay);
	}
	printf("gave up after %d attempts\n", tries);
	return 1;
}
