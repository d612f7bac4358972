/*
 * The consumer side of the shared-memory ring (include/socklens/ring.h).
 *
 * The ring is shared with a process we do not trust more than its
 * records: it can write anything into it at any moment. So the memfd is
 * checked before it is mapped (a regular file of exactly the announced
 * size, sealed against shrinking), our tail is our own copy, every header
 * is read once and checked, and a batch is copied out before anyone looks
 * at its records.
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

/*
 * Maps the ring in FD, announced with DATA_SIZE. The caller keeps FD and
 * closes it. 0, or -errno with the reason in WHY.
 */
int sl_ring_map(struct sl_ring_view *v, int fd, uint64_t data_size,
		char *why, size_t cap)
{
	struct stat st;
	int seals;
	void *p;

	memset(v, 0, sizeof(*v));
	if (data_size < SL_RING_MIN || data_size > SL_RING_MAX ||
	    (data_size & (data_size - 1)))
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
	v->size = data_size;
	if (v->hdr->magic != SL_RING_MAGIC ||
	    v->hdr->version != SL_RING_VERSION ||
	    v->hdr->data_size != data_size) {
		sl_ring_unmap(v);
		return bad(why, cap, "ring header does not match its record");
	}
	v->tail = __atomic_load_n(&v->hdr->tail, __ATOMIC_ACQUIRE);
	if (v->tail & 7) {
		sl_ring_unmap(v);
		return bad(why, cap, "ring tail not aligned");
	}
	return 0;
}

/* We are looking at the ring now (NOW_NS), or, with 0, never again. */
void sl_ring_beat(struct sl_ring_view *v, uint64_t now_ns)
{
	__atomic_store_n(&v->hdr->beat_ns, now_ns, __ATOMIC_RELAXED);
}

void sl_ring_unmap(struct sl_ring_view *v)
{
	if (v->hdr)
		munmap(v->hdr, SL_RING_DATA_OFF + v->size);
	v->hdr = NULL;
}

/*
 * The next batch, copied into BUF (SL_BATCH_MAX bytes): its length, 0 if
 * there is none yet, or -EINVAL with the reason in WHY when the ring
 * breaks its rules.
 */
int sl_ring_next(struct sl_ring_view *v, void *buf, char *why, size_t cap)
{
	char *data = (char *)v->hdr + SL_RING_DATA_OFF;

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
