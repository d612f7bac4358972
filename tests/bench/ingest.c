/*
 * Collector ingest benchmark: WRITERS processes connect to a collector's
 * socket as the preload does and each sends BATCHES full batches of call
 * records (as many 120-byte records as a batch holds), blocking when the
 * collector falls behind, so nothing is dropped and the rate is the
 * collector's. Prints "records N seconds S". Not a test: it checks
 * nothing but its own sends. tests/bench/run.sh reads the collector's CPU
 * time around it.
 *
 * usage: ingest SOCKET WRITERS BATCHES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "socklens/wire.h"

#define PER_BATCH (SL_BATCH_MAX / sizeof(struct sl_rec_call))

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int writer(const char *path, int id, long batches)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static struct sl_rec_call batch[PER_BATCH];
	struct sl_rec_hello hello;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	uint64_t ts = now_ns();

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 1;
	memset(&hello, 0, sizeof(hello));
	hello.h = (struct sl_hdr){ .size = sizeof(hello), .type = SL_REC_HELLO,
				   .version = SL_WIRE_VERSION,
				   .tid = (uint32_t)getpid(), .ts_ns = ts };
	hello.pid = (uint32_t)getpid();
	hello.ppid = (uint32_t)getppid();
	hello.preload_version = SL_WIRE_VERSION;
	snprintf(hello.exe, sizeof(hello.exe), "ingest-writer-%d", id);
	hello.args_len = 0;
	if (send(fd, &hello, sizeof(hello), 0) != (ssize_t)sizeof(hello))
		return 1;
	for (long b = 0; b < batches; b++) {
		for (size_t i = 0; i < PER_BATCH; i++) {
			struct sl_rec_call *c = &batch[i];

			memset(c, 0, sizeof(*c));
			c->h = (struct sl_hdr){ .size = sizeof(*c),
						.type = SL_REC_CALL,
						.version = SL_WIRE_VERSION,
						.tid = (uint32_t)getpid(),
						.ts_ns = ++ts };
			c->call = SL_CALL_SEND;
			c->fd = 3;
			c->ret = 1;
			c->inode = 1000 + (uint64_t)id;
			c->tx_bytes = (uint64_t)(b * PER_BATCH + i + 1);
			c->tx_calls = (uint32_t)(b * PER_BATCH + i + 1);
		}
		if (send(fd, batch, sizeof(batch), 0) != (ssize_t)sizeof(batch))
			return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int writers, status, failed = 0;
	long batches;
	uint64_t t0;

	if (argc != 4)
		return 2;
	writers = atoi(argv[2]);
	batches = atol(argv[3]);
	t0 = now_ns();
	for (int w = 0; w < writers; w++)
		if (fork() == 0)
			_exit(writer(argv[1], w, batches));
	while (wait(&status) > 0)
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	printf("records %ld seconds %.3f\n", (long)writers * batches * (long)PER_BATCH,
	       (double)(now_ns() - t0) / 1e9);
	return failed != 0;
}
