/*
 * Collector ingest benchmark: WRITERS processes connect to a collector's
 * socket as the preload does and each sends BATCHES full batches of call
 * records (as many 120-byte records as a batch holds), blocking when the
 * collector falls behind, so nothing is dropped and the rate is the
 * collector's. With "ring", each writer hands the collector a shared
 * memory of the preload's default size and layout (include/socklens/
 * ring.h: 64 lanes of 32 KiB) and writes its records there one by one as
 * a thread of the preload does, in place, each published by a release
 * store of the lane's head; when its lane is full it moves to the next
 * lane, and when every lane is full it waits for the collector; at the
 * end it waits for the collector to have read everything.
 * Prints "records N seconds S".
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

#define LANES 64
#define LANE (32u * 1024)
#define SHARED (2u * 1024 * 1024)

struct mem {
	struct sl_ring_hdr *r;
	struct sl_lane *lanes;
	char *data;		/* lane 0's area; lane i's at + i * LANE */
	uint32_t cur;		/* the lane we write */
};

/* A sealed memory, announced to the collector on FD; false on failure. */
static bool offer_mem(int fd, uint64_t ts, struct mem *m)
{
	struct sl_ring_layout l;
	struct sl_rec_ring rec = {
		.h = { .size = sizeof(rec), .type = SL_REC_RING,
		       .version = SL_WIRE_VERSION, .ts_ns = ts },
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
	int mfd = memfd_create("ingest-ring", MFD_ALLOW_SEALING);
	size_t len;

	if (!sl_ring_layout(LANES, LANE, SHARED, &l))
		return false;
	len = SL_RING_DATA_OFF + l.data_size;
	rec.data_size = l.data_size;
	if (mfd < 0 || ftruncate(mfd, (off_t)len) < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return false;
	m->r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (m->r == MAP_FAILED)
		return false;
	m->r->magic = SL_RING_MAGIC;
	m->r->version = SL_RING_VERSION;
	m->r->data_size = l.data_size;
	m->r->lanes = LANES;
	m->r->lane_size = LANE;
	m->r->shared_size = SHARED;
	m->r->lanes_used = LANES;
	m->lanes = (struct sl_lane *)((char *)m->r + l.lanes_off);
	m->data = (char *)m->r + l.lane_data_off;
	m->cur = 0;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
	if (sendmsg(fd, &msg, 0) != (ssize_t)sizeof(rec))
		return false;
	close(mfd);
	return true;
}

/* Where a record of SIZE bytes goes in lane I (a pad first to the end of
 * the lap, if need be), or NULL when the lane has no room. */
static void *lane_slot(struct mem *m, uint32_t i, uint32_t size)
{
	struct sl_lane *ln = &m->lanes[i];
	char *area = m->data + (uint64_t)i * LANE;
	uint64_t head = ln->head;
	uint64_t tail = __atomic_load_n(&ln->tail, __ATOMIC_ACQUIRE);
	uint64_t lap_end = (head | (LANE - 1)) + 1;

	if (head + size > lap_end) {
		if (lap_end + size > tail + LANE)
			return NULL;
		((struct sl_hdr *)(area + (head & (LANE - 1))))->size =
			(uint16_t)(lap_end - head);
		((struct sl_hdr *)(area + (head & (LANE - 1))))->type =
			SL_LANE_PAD;
		__atomic_store_n(&ln->head, lap_end, __ATOMIC_RELEASE);
		head = lap_end;
	}
	if (head + size > tail + LANE)
		return NULL;
	return area + (head & (LANE - 1));
}

/* One record into our lane, the next one when it is full, waiting for
 * the collector when all are. */
static void lane_put(struct mem *m, const void *rec, uint32_t size)
{
	void *slot;

	for (uint32_t tries = 0; !(slot = lane_slot(m, m->cur, size));
	     tries++) {
		m->cur = (m->cur + 1) % LANES;
		if (tries >= LANES)
			usleep(100);
	}
	memcpy(slot, rec, size);
	__atomic_store_n(&m->lanes[m->cur].head, m->lanes[m->cur].head + size,
			 __ATOMIC_RELEASE);
}

static bool all_read(struct mem *m)
{
	for (uint32_t i = 0; i < LANES; i++)
		if (__atomic_load_n(&m->lanes[i].tail, __ATOMIC_ACQUIRE) !=
		    m->lanes[i].head)
			return false;
	return true;
}

static int writer(const char *path, int id, long batches, bool ring)
{
	struct mem m = { 0 };
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
	if (ring && !offer_mem(fd, ts, &m))
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
		if (ring) {
			for (size_t i = 0; i < PER_BATCH; i++)
				lane_put(&m, &batch[i], sizeof(batch[i]));
		} else if (send(fd, batch, sizeof(batch), 0) !=
			   (ssize_t)sizeof(batch)) {
			return 1;
		}
	}
	/* Done when the collector has read it all: it reads the memory on
	 * its timer, so this also counts its last wait. */
	while (ring && !all_read(&m))
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
