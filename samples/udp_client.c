/*
 * The UDP client with a timeout (APUE 16.5, figure 16.19): sendto, then
 * recvfrom under alarm(); a lost answer interrupts the wait with EINTR
 * instead of blocking forever.
 *
 * usage: udp_client -p PORT [-n REQUESTS] [-t SECONDS]
 * SECONDS (default 5) is how long each answer may take.
 */
#include <signal.h>

#include "common.h"

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int port = 0, requests = 3, timeout = 5, fd, opt;

	while ((opt = getopt(argc, argv, "p:n:t:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'n')
			requests = atoi(optarg);
		else if (opt == 't')
			timeout = atoi(optarg);
		else
			return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: EINTR on timeout */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	for (int i = 0; i < requests; i++) {
		struct sockaddr_in to = loopback(port);
		char msg[64], buf[600];
		int len = snprintf(msg, sizeof(msg), "request %d", i + 1);
		ssize_t n;

		if (sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to,
			   sizeof(to)) != len)
			die("sendto");
		alarm((unsigned int)timeout);
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, NULL, NULL);
		alarm(0);
		if (n < 0)
			die("recvfrom");
		buf[n] = '\0';
		printf("%s\n", buf);
	}
	close(fd);
	return 0;
}
