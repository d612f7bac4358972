/*
 * The consumer side of a process's shared memory (include/socklens/
 * ring.h): its lanes and its shared area.
 *
 * The memory is shared with a process we do not trust more than its
 * records: it can write anything into any byte at any moment. So the
 * memfd is checked before it is mapped (a regular file of exactly the
 * announced size, sealed against shrinking); the layout is read once, at
 * map time, checked, and kept here; every tail is our own copy; every
 * head and header is read once where it is used and checked; records are
 * copied out before anyone looks at them, and the copy is checked record
 * by record (wire_check.c) as a batch from the socket would be.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <socklens/ring.h>

#include "intake/intake.h"

_Static_assert(SL_LANES_MAX <= sizeof(((struct sl_ring_view *)0)->lane_tail) /
	       sizeof(uint64_t), "a tail for every lane");

static int bad(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static struct sl_lane *lane_hdr(struct sl_ring_view *v, uint32_t i)
{
	return (struct sl_lane *)((char *)v->hdr + SL_RING_DATA_OFF) + i;
}

/* The layout the header announces, read once; 0 or -EINVAL. */
static int take_layout(struct sl_ring_view *v, uint64_t data_size,
		       char *why, size_t cap)
{
	const struct sl_ring_hdr h = *(volatile struct sl_ring_hdr *)v->hdr;
	struct sl_ring_layout l;

	if (h.magic != SL_RING_MAGIC || h.version != SL_RING_VERSION ||
	    h.data_size != data_size ||
	    !sl_ring_layout(h.lanes, h.lane_size, h.shared_size, &l) ||
	    l.data_size != data_size)
		return bad(why, cap, "ring header does not match its record");
	v->size = h.shared_size;
	v->shared_off = l.shared_off;
	v->lane_data_off = l.lane_data_off;
	v->lanes = h.lanes;
	v->lane_size = h.lane_size;
	return 0;
}

/* Our tails start where the process says they are, checked: a new
 * memory's are 0. */
static int take_tails(struct sl_ring_view *v, char *why, size_t cap)
{
	v->tail = __atomic_load_n(&v->hdr->tail, __ATOMIC_ACQUIRE);
	if (v->tail & 7)
		return bad(why, cap, "ring tail not aligned");
	for (uint32_t i = 0; i < v->lanes; i++) {
		v->lane_tail[i] = __atomic_load_n(&lane_hdr(v, i)->tail,
						  __ATOMIC_ACQUIRE);
		if (v->lane_tail[i] & 7)
			return bad(why, cap, "lane %u tail not aligned", i);
	}
	return 0;
}

/*
 * Maps the memory in FD, announced with DATA_SIZE (the bytes after its
 * header page). The caller keeps FD and closes it. 0, or -errno with the
 * reason in WHY.
 */
int sl_ring_map(struct sl_ring_view *v, int fd, uint64_t data_size,
		char *why, size_t cap)
{
	struct stat st;
	int seals;
	void *p;
	int err;

	memset(v, 0, sizeof(*v));
	if (data_size < SL_RING_PAGE || data_size > 2ull * SL_RING_MAX ||
	    (data_size & (SL_RING_PAGE - 1)))
		return bad(why, cap, "ring of %llu bytes",
			   (unsigned long long)data_size);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != SL_RING_DATA_OFF + data_size)
		return bad(why, cap, "ring fd is not a file of %llu bytes",
			   (unsigned long long)(SL_RING_DATA_OFF + data_size));
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return bad(why, cap, "ring not sealed against shrinking");
	p = mmap(NULL, SL_RING_DATA_OFF + data_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return bad(why, cap, "cannot map the ring: %s", strerror(errno));
	v->hdr = p;
	v->map_size = SL_RING_DATA_OFF + data_size;
	err = take_layout(v, data_size, why, cap);
	if (!err)
		err = take_tails(v, why, cap);
	if (err)
		sl_ring_unmap(v);
	return err;
}

/* We are looking at the memory now (NOW_NS), or, with 0, never again. */
void sl_ring_beat(struct sl_ring_view *v, uint64_t now_ns)
{
	__atomic_store_n(&v->hdr->beat_ns, now_ns, __ATOMIC_RELAXED);
}

void sl_ring_unmap(struct sl_ring_view *v)
{
	if (v->hdr)
		munmap(v->hdr, v->map_size);
	v->hdr = NULL;
}

/*
 * The next batch of the shared area, copied into BUF (SL_BATCH_MAX
 * bytes): its length, 0 if there is none yet, or -EINVAL with the
 * reason in WHY when the area breaks its rules.
 */
static int shared_next(struct sl_ring_view *v, void *buf, char *why,
		       size_t cap)
{
	char *data = (char *)v->hdr + v->shared_off;

	for (;;) {
		uint64_t head = __atomic_load_n(&v->hdr->head, __ATOMIC_ACQUIRE);
		uint64_t off = v->tail & (v->size - 1);
		struct sl_ring_chunk *c = (struct sl_ring_chunk *)(data + off);
		uint32_t state, len;
		uint64_t bytes;

		if (head == v->tail)
			return 0;
		if (head - v->tail > v->size)	/* also: head behind tail */
			return bad(why, cap, "ring head %llu, tail %llu",
				   (unsigned long long)head,
				   (unsigned long long)v->tail);
		state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		if (state == SL_CHUNK_EMPTY)
			return 0;	/* reserved, not yet committed */
		len = __atomic_load_n(&c->len, __ATOMIC_RELAXED);
		bytes = sl_ring_chunk_bytes(len);
		if (state == SL_CHUNK_PAD) {
			if (bytes != v->size - off || bytes > head - v->tail)
				return bad(why, cap, "ring padding of %u bytes "
					   "at %llu", len,
					   (unsigned long long)off);
		} else if (state != SL_CHUNK_BATCH) {
			return bad(why, cap, "ring chunk state %u", state);
		} else if (len == 0 || len > SL_BATCH_MAX ||
			   bytes > v->size - off || bytes > head - v->tail) {
			return bad(why, cap, "ring chunk of %u bytes at %llu",
				   len, (unsigned long long)off);
		} else {
			memcpy(buf, c + 1, len);
		}
		memset(c, 0, bytes);
		v->tail += bytes;
		__atomic_store_n(&v->hdr->tail, v->tail, __ATOMIC_RELEASE);
		if (state == SL_CHUNK_BATCH)
			return (int)len;
	}
}

/* The size and type of the record at P, read once. */
static void peek_rec(const char *p, uint16_t *size, uint8_t *type)
{
	uint32_t w = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	struct sl_hdr h;

	memcpy(&h, &w, sizeof(w));
	*size = h.size;
	*type = h.type;
}

/*
 * How many bytes of whole records lie from T (below HEAD) to the first
 * pad, the end of the area, HEAD, or SL_BATCH_MAX: each header read once
 * and checked. A pad at T is skipped (*T moves past it; 0 returned, and
 * the caller looks again). -EINVAL with the reason in WHY when a header
 * lies.
 */
static int64_t lane_span(struct sl_ring_view *v, uint32_t i, const char *area,
			 uint64_t *t, uint64_t head, char *why, size_t cap)
{
	uint64_t off = *t & (v->lane_size - 1);
	uint64_t left = v->lane_size - off;
	uint64_t span = 0;

	while (*t + span < head && span < left) {
		uint16_t size;
		uint8_t type;

		peek_rec(area + off + span, &size, &type);
		if (type == SL_LANE_PAD) {
			if (span)
				break;
			if (size != left || left > head - *t)
				return bad(why, cap, "lane %u pad of %u bytes "
					   "at %llu", i, size,
					   (unsigned long long)off);
			*t += left;
			return 0;
		}
		if (size < sizeof(struct sl_hdr) || (size & 7) ||
		    size > SL_LANE_REC_MAX || size > left - span ||
		    size > head - *t - span)
			return bad(why, cap, "lane %u record of %u bytes at %llu",
				   i, size, (unsigned long long)(off + span));
		if (span + size > SL_BATCH_MAX)
			break;
		span += size;
	}
	return (int64_t)span;
}

/*
 * The records of lane I from our tail up to its head, as many as fit in
 * BUF (SL_BATCH_MAX bytes) in one stretch, pads skipped: their length, 0
 * when there are none, or -EINVAL with the reason in WHY. They are
 * copied at once; the wire checks that follow find any record the
 * process rewrote meanwhile. Our tail is published once they are copied,
 * for the producer to write there again.
 */
static int lane_next(struct sl_ring_view *v, uint32_t i, char *buf,
		     char *why, size_t cap)
{
	struct sl_lane *ln = lane_hdr(v, i);
	const char *area = (char *)v->hdr + v->lane_data_off +
			   (uint64_t)i * v->lane_size;
	uint64_t head = __atomic_load_n(&ln->head, __ATOMIC_ACQUIRE);
	uint64_t t = v->lane_tail[i];
	int64_t n = 0;

	if (head - t > v->lane_size)	/* also: head behind tail */
		return bad(why, cap, "lane %u head %llu, tail %llu", i,
			   (unsigned long long)head, (unsigned long long)t);
	while (t < head && !n) {
		n = lane_span(v, i, area, &t, head, why, cap);
		if (n < 0)
			return (int)n;
	}
	if (n) {
		memcpy(buf, area + (t & (v->lane_size - 1)), (size_t)n);
		t += (uint64_t)n;
	}
	if (t != v->lane_tail[i]) {
		v->lane_tail[i] = t;
		__atomic_store_n(&ln->tail, t, __ATOMIC_RELEASE);
	}
	return (int)n;
}

/*
 * The next batch, copied into BUF (SL_BATCH_MAX bytes): the shared
 * area's first (it holds what lanes could not take, often older), then
 * one lane's records, the lanes taken in turn. Its length, 0 when there
 * is nothing, or -EINVAL with the reason in WHY when the memory breaks
 * its rules.
 */
int sl_ring_next(struct sl_ring_view *v, void *buf, char *why, size_t cap)
{
	uint32_t used;
	int n = shared_next(v, buf, why, cap);

	if (n)
		return n;
	used = __atomic_load_n(&v->hdr->lanes_used, __ATOMIC_ACQUIRE);
	if (used > v->lanes)
		used = v->lanes;
	for (uint32_t k = 0; k < used; k++) {
		uint32_t i = (v->next_lane + k) % used;

		n = lane_next(v, i, buf, why, cap);
		if (n) {
			v->next_lane = i + 1;
			return n;
		}
	}
	return 0;
}
