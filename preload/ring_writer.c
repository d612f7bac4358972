/*
 * The producer side of the shared-memory ring (include/socklens/ring.h).
 *
 * One ring per process image, made with each connection to the collector
 * (transport.c introduces us, then offers its memfd) and used by every
 * thread's flush: a
 * compare-and-swap to reserve, a copy, a release store to commit. No
 * system call, no wakeup; the collector reads on its own timer. Safe in
 * a signal handler: nothing here locks.
 *
 * A ring is never unmapped while threads may be writing into it: after a
 * lost connection it is only abandoned (new flushes go elsewhere); only a
 * fork child, alone in its image, unmaps its parent's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <socklens/ring.h>

#include "preload.h"

#define RING_DEFAULT_KB 256
/* Rings abandoned by reconnects stay mapped; past this many, a new
 * connection goes without one. */
#define RING_MAX_ABANDONED 4

/*
 * A chunk another thread committed is rewritten once the collector has
 * read it: the order is the collector's release of tail and our acquire
 * of it, through another process, which ThreadSanitizer cannot see. So
 * under TSan the copy into the ring is not checked; the headers, atomic
 * on both sides, still are.
 */
#if defined(__SANITIZE_THREAD__)
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define ring_copy(dst, src, n) do { \
	AnnotateIgnoreWritesBegin(__FILE__, __LINE__); \
	memcpy(dst, src, n); \
	AnnotateIgnoreWritesEnd(__FILE__, __LINE__); } while (0)
#else
#define ring_copy(dst, src, n) memcpy(dst, src, n)
#endif

static struct sl_ring_hdr *ring;	/* the ring in use, or NULL */
static unsigned int abandoned;

/* SOCKLENS_RING_KB (ENV, read once at init): the data area in KiB, a
 * power of two; 0 for none. */
uint32_t sl_ring_size(const char *env)
{
	unsigned long kb = RING_DEFAULT_KB;
	char *end;

	if (env && *env) {
		kb = strtoul(env, &end, 10);
		if (*end || (kb && (kb & (kb - 1)))) {
			SL_LOG(1, "SOCKLENS_RING_KB=%s: not a power of two; "
			       "using %u", env, RING_DEFAULT_KB);
			kb = RING_DEFAULT_KB;
		}
	}
	if (!kb)
		return 0;
	if (kb * 1024 < SL_RING_MIN)
		kb = SL_RING_MIN / 1024;
	if (kb * 1024 > SL_RING_MAX)
		kb = SL_RING_MAX / 1024;
	return (uint32_t)(kb * 1024);
}

/*
 * A new ring, sealed against shrinking: its memfd in *FD (close-on-exec)
 * for the caller to send, then close. Not in use until sl_ring_publish.
 * Returns the mapping, or NULL (no ring: the socket carries everything).
 */
struct sl_ring_hdr *sl_ring_create(int *fd)
{
	uint64_t size = sl_cfg.ring_bytes;
	size_t len = SL_RING_DATA_OFF + size;
	struct sl_ring_hdr *r;
	int mfd;

	*fd = -1;
	if (!size || abandoned >= RING_MAX_ABANDONED)
		return NULL;
	mfd = memfd_create("socklens-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return NULL;
	if (ftruncate(mfd, (off_t)len) < 0 ||
	    SL_REAL(fcntl)(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			   F_SEAL_SEAL) < 0)
		goto err;
	r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (r == MAP_FAILED)
		goto err;
	r->magic = SL_RING_MAGIC;
	r->version = SL_RING_VERSION;
	r->data_size = size;
	*fd = mfd;
	return r;

err:
	SL_LOG(2, "no ring: %s", strerror(errno));
	SL_REAL(close)(mfd);
	return NULL;
}

/*
 * A ring for the connection being made, in use at once: the threads that
 * flush while this one says hello write into it, and the collector reads
 * it from the start once it has it. Its memfd, or -1 (no ring: the socket
 * carries everything).
 */
int sl_ring_start(void)
{
	struct sl_ring_hdr *r;
	int mfd;

	if (sl_ring_active())
		return -1;
	r = sl_ring_create(&mfd);
	if (!r)
		return -1;
	sl_ring_publish(r);
	return mfd;
}

/* The connection could not be made: what went into the ring is lost. */
void sl_ring_cancel(int mfd)
{
	SL_REAL(close)(mfd);
	sl_count_drop(sl_ring_abandon());
}

/* Hands the ring started with MFD to the collector on CONN_FD. */
void sl_ring_offer(int mfd, int conn_fd, uint64_t now)
{
	struct sl_ring_hdr *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);
	struct sl_rec_ring rec;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &rec, .iov_len = sizeof(rec) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *cm;

	if (!r) {
		SL_REAL(close)(mfd);
		return;
	}
	memset(&rec, 0, sizeof(rec));
	sl_fill_hdr(&rec.h, sizeof(rec), SL_REC_RING, now);
	rec.data_size = r->data_size;
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
	if (SL_REAL(sendmsg)(conn_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(rec))
		SL_REAL(close)(mfd);
	else
		sl_ring_cancel(mfd);
}

/* Flushes go into R from now on (the collector reads it once it has
 * been offered, from the start). */
void sl_ring_publish(struct sl_ring_hdr *r)
{
	__atomic_store_n(&ring, r, __ATOMIC_RELEASE);
}

/* What is in R and not yet read: records, counted from the chunks
 * between tail and head that are committed. */
static uint32_t unread_records(struct sl_ring_hdr *r)
{
	uint64_t mask = r->data_size - 1;
	uint64_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	uint64_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	const char *data = (const char *)r + SL_RING_DATA_OFF;
	uint32_t n = 0;

	while (t < h && h - t <= r->data_size) {
		const struct sl_ring_chunk *c =
			(const void *)(data + (t & mask));
		uint32_t state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		uint32_t len = __atomic_load_n(&c->len, __ATOMIC_RELAXED);

		if (state == SL_CHUNK_EMPTY)
			break;
		for (uint32_t off = 0; state == SL_CHUNK_BATCH &&
		     off + sizeof(struct sl_hdr) <= len; n++) {
			uint16_t size = ((const struct sl_hdr *)
					 ((const char *)(c + 1) + off))->size;

			if (!size)
				break;
			off += size;
		}
		t += sl_ring_chunk_bytes(len);
	}
	return n;
}

/*
 * The connection is gone: stop writing into its ring (see above).
 * Returns the records in it that the collector never read.
 */
uint32_t sl_ring_abandon(void)
{
	struct sl_ring_hdr *r = __atomic_exchange_n(&ring, NULL,
						    __ATOMIC_ACQ_REL);

	if (!r)
		return 0;
	abandoned++;
	return unread_records(r);
}

/* A fork child: the ring is its parent's, and no other thread is left
 * that could be writing into it. */
void sl_ring_after_fork(void)
{
	if (ring)
		munmap(ring, SL_RING_DATA_OFF + ring->data_size);
	ring = NULL;
	abandoned = 0;
}

bool sl_ring_active(void)
{
	return __atomic_load_n(&ring, __ATOMIC_ACQUIRE) != NULL;
}

/*
 * Whether the collector has looked at the ring lately, as of TS (the
 * first record of the batch about to go): if not, it is stopped, starved
 * of CPU or dead, and the transport asks the connection which.
 */
bool sl_ring_fresh(uint64_t ts)
{
	struct sl_ring_hdr *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);

	return r && __atomic_load_n(&r->beat_ns, __ATOMIC_RELAXED) +
			    SL_RING_STALE_NS >= ts;
}

/*
 * Copies one batch of LEN bytes into the ring, unless that would fill it
 * past LIMIT_DIV: 2 keeps it at most half full (past that, the caller
 * sends on the socket, which wakes the collector to empty the ring), 1
 * lets it fill. False when it did not go in.
 */
bool sl_ring_put(const void *buf, uint32_t len, unsigned int limit_div)
{
	struct sl_ring_hdr *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);
	struct sl_ring_chunk *c;
	uint64_t size, mask, head, tail, off, pad, need;
	char *data;

	if (!r)
		return false;
	size = r->data_size;
	mask = size - 1;
	need = sl_ring_chunk_bytes(len);
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	do {
		tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		off = head & mask;
		pad = size - off < need ? size - off : 0;
		/* A tail ahead of head is a consumer gone wrong: stop. */
		if (tail > head || head + pad + need - tail > size / limit_div)
			return false;
	} while (!__atomic_compare_exchange_n(&r->head, &head,
					      head + pad + need, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	data = (char *)r + SL_RING_DATA_OFF;
	if (pad) {
		c = (struct sl_ring_chunk *)(data + off);
		__atomic_store_n(&c->len, (uint32_t)(pad - sizeof(*c)),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&c->state, SL_CHUNK_PAD, __ATOMIC_RELEASE);
		off = 0;
	}
	c = (struct sl_ring_chunk *)(data + off);
	ring_copy(c + 1, buf, len);
	__atomic_store_n(&c->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&c->state, SL_CHUNK_BATCH, __ATOMIC_RELEASE);
	return true;
}
