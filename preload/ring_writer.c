/*
 * The producer side of the shared memory (include/socklens/ring.h): made
 * with each connection to the collector (transport.c introduces us, then
 * offers its memfd), its lanes claimed by threads on their first record
 * (buffer.c writes into them), its shared area taking what a lane cannot
 * (sl_ring_put: a compare-and-swap to reserve, a copy, a release store to
 * commit). No system call, no wakeup; the collector reads on its own
 * timer. Safe in a signal handler: nothing here locks.
 *
 * A memory is never unmapped while threads may be writing into it: after
 * a lost connection it is only abandoned (records go elsewhere); only a
 * fork child, alone in its image, unmaps its parent's.
 *
 * Where the memory in use is known (sl_guard) is a page of its own marked
 * MADV_WIPEONFORK: in any child the kernel makes without CLONE_VM, be it
 * by our fork wrapper, by clone(), _Fork() or a raw fork system call, the
 * page reads as zero. A child that our wrapper has not set up (armed) is
 * then not traced at all, rather than writing into its parent's lanes,
 * which are single-producer, or speaking on its parent's connection.
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

#define RING_DEFAULT_KB 16384
/* Memories abandoned by reconnects stay mapped; past this many, a new
 * connection goes without one. */
#define RING_MAX_ABANDONED 4

/*
 * A chunk another thread committed is rewritten once the collector has
 * read it: the order is the collector's release of tail and our acquire
 * of it, through another process, which ThreadSanitizer cannot see. So
 * under TSan the copy into the shared area is not checked; the headers,
 * atomic on both sides, still are. (A lane is written by one thread at a
 * time, its owners ordered by the compare-and-swap on owner.)
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

/* Until sl_ring_guard_init maps the real page: no memory, armed. */
static struct sl_guard fallback = { .ring = NULL, .armed = 1 };
struct sl_guard *sl_guard = &fallback;
/* The memory in use, as this image mapped it: the guard's copy reads
 * NULL in a fork child, which must still unmap its parent's. */
static struct sl_ring_hdr *mapped;
static unsigned int abandoned;

/*
 * The guard page, at init. Without MADV_WIPEONFORK (a kernel before
 * 4.14) a child made behind our back is not told apart: it is as
 * today's README says, a limit.
 */
void sl_ring_guard_init(void)
{
	void *p = mmap(NULL, SL_RING_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	if (madvise(p, SL_RING_PAGE, MADV_WIPEONFORK) < 0)
		SL_LOG(2, "no MADV_WIPEONFORK: %s", strerror(errno));
	sl_guard = p;
	sl_guard->armed = 1;
}

/* Whether this process is the one our init or fork wrapper set up. */
bool sl_ring_armed(void)
{
	return __atomic_load_n(&sl_guard->armed, __ATOMIC_RELAXED) != 0;
}

/* SOCKLENS_RING_KB (ENV, read once at init): the record space in KiB,
 * lanes and shared area together, a power of two; 0 for none. */
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
 * How BYTES of record space divide: half for the shared area, half for
 * up to SL_LANES_MAX lanes of at least SL_LANE_MIN bytes. The default 16
 * MiB is 64 lanes of 128 KiB and 8 MiB shared, sized to bursts: 64
 * threads that each make 1,000 socketpairs at once on two cores
 * (tests/helpers/stress.c threads 64 1000, 256k records) lose nothing
 * where 4 MiB lost a third of them. A process touches only the pages it
 * writes (a thread's lane, the shared area when a lane overflows), so
 * the size costs a quiet process nothing.
 */
void sl_ring_split(uint32_t bytes, uint32_t *lanes, uint32_t *lane_size,
		   uint64_t *shared_size)
{
	uint32_t half = bytes / 2;
	uint32_t n = half / SL_LANE_MIN;

	*shared_size = half;
	*lanes = n > SL_LANES_MAX ? SL_LANES_MAX : n;
	*lane_size = half / *lanes;
	while (*lane_size & (*lane_size - 1))
		*lane_size &= *lane_size - 1;
}

/*
 * A new memory, sealed against shrinking and growing: its memfd in *FD
 * (close-on-exec) for the caller to send, then close. Not in use until
 * sl_ring_publish. Returns the mapping, or NULL (none: the socket
 * carries everything).
 */
struct sl_ring_hdr *sl_ring_create(int *fd)
{
	struct sl_ring_layout l;
	uint32_t lanes, lane_size;
	uint64_t shared;
	size_t len;
	struct sl_ring_hdr *r;
	int mfd;

	*fd = -1;
	if (!sl_cfg.ring_bytes || abandoned >= RING_MAX_ABANDONED)
		return NULL;
	sl_ring_split(sl_cfg.ring_bytes, &lanes, &lane_size, &shared);
	if (!sl_ring_layout(lanes, lane_size, shared, &l))
		return NULL;
	len = SL_RING_DATA_OFF + l.data_size;
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
	r->data_size = l.data_size;
	r->lanes = lanes;
	r->lane_size = lane_size;
	r->shared_size = shared;
	*fd = mfd;
	return r;

err:
	SL_LOG(2, "no shared memory: %s", strerror(errno));
	SL_REAL(close)(mfd);
	return NULL;
}

static size_t map_len(const struct sl_ring_hdr *r)
{
	return SL_RING_DATA_OFF + r->data_size;
}

static struct sl_lane *lane_hdrs(struct sl_ring_hdr *r)
{
	return (struct sl_lane *)((char *)r + SL_RING_DATA_OFF);
}

static char *shared_data(struct sl_ring_hdr *r)
{
	return (char *)r + sl_ring_shared_off(r->lanes);
}

/* The area of lane I of R. */
char *sl_lane_data(struct sl_ring_hdr *r, uint32_t i)
{
	return shared_data(r) + r->shared_size + (uint64_t)i * r->lane_size;
}

/*
 * A free lane of R with at least half of it unread-free, for thread TID,
 * or NULL when there is none (the thread writes into the shared area,
 * and tries again later). The lowest such, so that the collector's scan
 * stays short.
 */
struct sl_lane *sl_lane_claim(struct sl_ring_hdr *r, uint32_t tid,
			      uint32_t *index)
{
	struct sl_lane *lanes = lane_hdrs(r);

	for (uint32_t i = 0; i < r->lanes; i++) {
		uint32_t free_owner = 0;
		uint32_t used;

		if (__atomic_load_n(&lanes[i].owner, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&lanes[i].head, __ATOMIC_RELAXED) -
		    __atomic_load_n(&lanes[i].tail, __ATOMIC_RELAXED) >
		    r->lane_size / 2 ||
		    !__atomic_compare_exchange_n(&lanes[i].owner, &free_owner,
						 tid, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		used = __atomic_load_n(&r->lanes_used, __ATOMIC_RELAXED);
		while (used <= i &&
		       !__atomic_compare_exchange_n(&r->lanes_used, &used, i + 1,
						    true, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
		*index = i;
		return &lanes[i];
	}
	return NULL;
}

/* The owner's thread is ending, or its lane is full: the next thread to
 * claim L continues where it stopped. */
void sl_lane_give(struct sl_lane *l)
{
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

/*
 * A new memory for the connection being made, in use at once: the
 * threads that record while this one says hello write into it, and the
 * collector reads it from the start once it has it. Its memfd, or -1
 * (none: the socket carries everything).
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

/* The connection could not be made: what went into the memory is lost. */
void sl_ring_cancel(int mfd)
{
	SL_REAL(close)(mfd);
	sl_count_drop(sl_ring_abandon());
}

/* Hands the memory started with MFD to the collector on CONN_FD. */
void sl_ring_offer(int mfd, int conn_fd, uint64_t now)
{
	struct sl_ring_hdr *r = __atomic_load_n(&sl_guard->ring,
						__ATOMIC_ACQUIRE);
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

/* Records go into R from now on (the collector reads it once it has
 * been offered, from the start). */
void sl_ring_publish(struct sl_ring_hdr *r)
{
	mapped = r;
	__atomic_store_n(&sl_guard->ring, r, __ATOMIC_RELEASE);
}

/* Records in LEN bytes of records at P (a chunk's, or a lane's stretch
 * without a pad). */
static uint32_t count_in(const char *p, uint64_t len)
{
	uint32_t n = 0;

	for (uint64_t off = 0; off + sizeof(struct sl_hdr) <= len; n++) {
		uint16_t size = ((const struct sl_hdr *)(p + off))->size;

		if (!size)
			break;
		off += size;
	}
	return n;
}

/* What the shared area of R holds unread: records, counted from the
 * chunks between tail and head that are committed. */
static uint32_t unread_shared(struct sl_ring_hdr *r)
{
	uint64_t mask = r->shared_size - 1;
	uint64_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	uint64_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	const char *data = shared_data(r);
	uint32_t n = 0;

	while (t < h && h - t <= r->shared_size) {
		const struct sl_ring_chunk *c =
			(const void *)(data + (t & mask));
		uint32_t state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		uint32_t len = __atomic_load_n(&c->len, __ATOMIC_RELAXED);

		if (state == SL_CHUNK_EMPTY)
			break;
		if (state == SL_CHUNK_BATCH)
			n += count_in((const char *)(c + 1), len);
		t += sl_ring_chunk_bytes(len);
	}
	return n;
}

/* What lane I of R holds unread: its records between tail and head. */
static uint32_t unread_lane(struct sl_ring_hdr *r, uint32_t i)
{
	struct sl_lane *l = &lane_hdrs(r)[i];
	uint64_t t = __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE);
	uint64_t h = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE);
	uint64_t mask = r->lane_size - 1;
	const char *data = sl_lane_data(r, i);
	uint32_t n = 0;

	/* The walk trusts nothing it reads back: a lane another writer
	 * broke (or a test scribbled on) ends the count, never misaligns
	 * it. */
	while (t < h && h - t <= r->lane_size && !(t & 7)) {
		const struct sl_hdr *rec = (const void *)(data + (t & mask));

		if (!rec->size || (rec->size & 7) || rec->size > h - t)
			break;
		n += rec->type != SL_LANE_PAD;
		t += rec->size;
	}
	return n;
}

static uint32_t unread_records(struct sl_ring_hdr *r)
{
	uint32_t n = unread_shared(r);

	for (uint32_t i = 0; i < r->lanes; i++)
		n += unread_lane(r, i);
	return n;
}

/*
 * The connection is gone: stop writing into its memory (see above).
 * Returns the records in it that the collector never read.
 */
uint32_t sl_ring_abandon(void)
{
	struct sl_ring_hdr *r = __atomic_exchange_n(&sl_guard->ring, NULL,
						    __ATOMIC_ACQ_REL);

	if (!r)
		return 0;
	abandoned++;
	return unread_records(r);
}

/* A fork child: the memory is its parent's, and no other thread is left
 * that could be writing into it. Armed again by the caller once it has
 * set the rest of the child up. */
void sl_ring_after_fork(void)
{
	__atomic_store_n(&sl_guard->ring, NULL, __ATOMIC_RELAXED);
	if (mapped)
		munmap(mapped, map_len(mapped));
	mapped = NULL;
	abandoned = 0;
}

void sl_ring_arm(void)
{
	__atomic_store_n(&sl_guard->armed, 1, __ATOMIC_RELAXED);
}

bool sl_ring_active(void)
{
	return __atomic_load_n(&sl_guard->ring, __ATOMIC_ACQUIRE) != NULL;
}

/*
 * Whether the collector has looked at the memory lately, as of TS: if
 * not, it is stopped, starved of CPU or dead, and the transport asks the
 * connection which.
 */
bool sl_ring_fresh(uint64_t ts)
{
	struct sl_ring_hdr *r = __atomic_load_n(&sl_guard->ring,
						__ATOMIC_ACQUIRE);

	return r && __atomic_load_n(&r->beat_ns, __ATOMIC_RELAXED) +
			    SL_RING_STALE_NS >= ts;
}

/* The collector's last read of the memory in use (ring.h, beat_ns), 0
 * with none: what a lossless wait watches for (transport.c). */
uint64_t sl_ring_last_read(void)
{
	struct sl_ring_hdr *r = __atomic_load_n(&sl_guard->ring,
						__ATOMIC_ACQUIRE);

	return r ? __atomic_load_n(&r->beat_ns, __ATOMIC_RELAXED) : 0;
}

/* Whether LEN bytes of records would fit in the shared area now. */
bool sl_ring_room(uint32_t len)
{
	struct sl_ring_hdr *r = __atomic_load_n(&sl_guard->ring,
						__ATOMIC_ACQUIRE);
	uint64_t need = sl_ring_chunk_bytes(len), head, tail, off, pad;

	if (!r)
		return false;
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	off = head & (r->shared_size - 1);
	pad = r->shared_size - off < need ? r->shared_size - off : 0;
	return tail <= head && head + pad + need - tail <= r->shared_size;
}

/*
 * Copies LEN bytes of records into the shared area, unless that would
 * fill it past LIMIT_DIV: 2 keeps it at most half full (past that, the
 * caller sends on the socket, which wakes the collector to empty it), 1
 * lets it fill. False when they did not go in.
 */
bool sl_ring_put(const void *buf, uint32_t len, unsigned int limit_div)
{
	struct sl_ring_hdr *r = __atomic_load_n(&sl_guard->ring,
						__ATOMIC_ACQUIRE);
	struct sl_ring_chunk *c;
	uint64_t size, mask, head, tail, off, pad, need;
	char *data;

	if (!r)
		return false;
	size = r->shared_size;
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
	data = shared_data(r);
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
