/*
 * Collector ingest benchmark: WRITERS processes connect to a collector's
 * socket as the preload does and each sends BATCHES full batches of call
 * records (as many 120-byte records as a batch holds), blocking when the
 * collector falls behind, so nothing is dropped and the rate is the
 * collector's. With "ring", each writer hands the collector a 1 MiB
 * shared-memory ring (include/socklens/ring.h) as the preload does and
 * writes its batches there while it is at most half full, on the socket
 * otherwise, and waits for the collector to have read everything before
 * it goes. Prints "records N seconds S".
 * Not a test: it checks nothing but its own sends. tests/bench/run.sh
 * reads the collector's CPU time around it.
 *
 * usage: ingest SOCKET WRITERS BATCHES [ring]
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "records.h"
#include "socklens/ring.h"
#include "socklens/wire.h"

#define PER_BATCH (SL_BATCH_MAX / sizeof(struct sl_rec_call))

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define RING_SIZE (1u << 20)

/* A sealed ring, announced to the collector on FD; NULL on failure. */
static struct sl_ring_hdr *offer_ring(int fd, uint64_t ts)
{
	struct sl_rec_ring rec = {
		.h = { .size = sizeof(rec), .type = SL_REC_RING,
		       .version = SL_WIRE_VERSION, .ts_ns = ts },
		.data_size = RING_SIZE,
	};
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { .iov_base = &rec, .iov_len = sizeof(rec) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	struct sl_ring_hdr *r;
	int mfd = memfd_create("ingest-ring", MFD_ALLOW_SEALING);

	if (mfd < 0 || ftruncate(mfd, SL_RING_DATA_OFF + RING_SIZE) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return NULL;
	r = mmap(NULL, SL_RING_DATA_OFF + RING_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, mfd, 0);
	if (r == MAP_FAILED)
		return NULL;
	r->magic = SL_RING_MAGIC;
	r->version = SL_RING_VERSION;
	r->data_size = RING_SIZE;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
	if (sendmsg(fd, &msg, 0) != (ssize_t)sizeof(rec))
		return NULL;
	close(mfd);
	return r;
}

/* One batch into the ring (one writer: no reservation race), as the
 * preload does: while it is at most half full; false when it is not. */
static bool ring_put(struct sl_ring_hdr *r, const void *buf, uint32_t len)
{
	uint64_t need = sl_ring_chunk_bytes(len), head = r->head;
	uint64_t off = head & (RING_SIZE - 1);
	uint64_t pad = RING_SIZE - off < need ? RING_SIZE - off : 0;
	char *data = (char *)r + SL_RING_DATA_OFF;
	struct sl_ring_chunk *c;

	if (head + pad + need - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >
	    RING_SIZE / 2)
		return false;
	__atomic_store_n(&r->head, head + pad + need, __ATOMIC_RELAXED);
	if (pad) {
		c = (struct sl_ring_chunk *)(data + off);
		c->len = (uint32_t)(pad - sizeof(*c));
		__atomic_store_n(&c->state, SL_CHUNK_PAD, __ATOMIC_RELEASE);
		off = 0;
	}
	c = (struct sl_ring_chunk *)(data + off);
	memcpy(c + 1, buf, len);
	c->len = len;
	__atomic_store_n(&c->state, SL_CHUNK_BATCH, __ATOMIC_RELEASE);
	return true;
}

static int writer(const char *path, int id, long batches, bool ring)
{
	struct sl_ring_hdr *r = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static struct sl_rec_call batch[PER_BATCH];
	struct sl_rec_hello hello;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	uint64_t ts = now_ns();

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 1;
	rec_hello(&hello, (uint32_t)getpid(), (uint32_t)getppid(), 0, ts);
	hello.h.tid = (uint32_t)getpid();
	snprintf(hello.exe, sizeof(hello.exe), "ingest-writer-%d", id);
	if (send(fd, &hello, sizeof(hello), 0) != (ssize_t)sizeof(hello))
		return 1;
	if (ring && !(r = offer_ring(fd, ts)))
		return 1;
	for (long b = 0; b < batches; b++) {
		for (size_t i = 0; i < PER_BATCH; i++) {
			struct sl_rec_call *c = &batch[i];

			rec_call(c, SL_CALL_SEND, 3, 1, 1000 + (uint64_t)id,
				 ++ts);
			c->h.tid = (uint32_t)getpid();
			c->tx_bytes = (uint64_t)(b * PER_BATCH + i + 1);
			c->tx_calls = (uint32_t)(b * PER_BATCH + i + 1);
		}
		/* Past half full the socket takes it, and wakes the
		 * collector to empty the ring. */
		if ((!r || !ring_put(r, batch, sizeof(batch))) &&
		    send(fd, batch, sizeof(batch), 0) != (ssize_t)sizeof(batch))
			return 1;
	}
	/* Done when the collector has read it all: it reads rings on its
	 * timer, so this also counts its last wait. */
	while (r && __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) != r->head)
		usleep(100);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int writers, status, failed = 0;
	long batches;
	uint64_t t0;

	bool ring = argc == 5 && !strcmp(argv[4], "ring");

	if (argc != 4 && !ring)
		return 2;
	writers = atoi(argv[2]);
	batches = atol(argv[3]);
	t0 = now_ns();
	for (int w = 0; w < writers; w++)
		if (fork() == 0)
			_exit(writer(argv[1], w, batches, ring));
	while (wait(&status) > 0)
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	printf("records %ld seconds %.3f\n", (long)writers * batches * (long)PER_BATCH,
	       (double)(now_ns() - t0) / 1e9);
	return failed != 0;
}
