/*
 * The viewer's bottom layer: what every layer above may use and which
 * uses nothing of theirs. A hash map from 64-bit keys to pointers, and
 * the one way the socklens command runs out of memory.
 */
#ifndef SL_LIB_H
#define SL_LIB_H

#include <stddef.h>
#include <stdint.h>

/* hash.c: a map from non-zero 64-bit keys to pointers. */
struct sl_hash;

struct sl_hash *sl_hash_new(void);
void sl_hash_free(struct sl_hash *h);
void *sl_hash_get(const struct sl_hash *h, uint64_t key);
int sl_hash_put(struct sl_hash *h, uint64_t key, void *val);
void sl_hash_del(struct sl_hash *h, uint64_t key);

#define SL_FNV_SEED 0xcbf29ce484222325ull

/* FNV-1a of N bytes at P, continuing from H (SL_FNV_SEED to start). */
static inline uint64_t sl_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/*
 * alloc.c: allocation that cannot fail. The viewer has nothing useful to
 * do without memory, so these print "socklens: out of memory" and exit
 * 70 (EX_SOFTWARE) instead of returning NULL; nowhere else does.
 */
#define SL_EXIT_OOM 70

const char *sl_prog(void);	/* "socklens", for messages */
__attribute__((noreturn)) void sl_oom(void);
void *sl_xmalloc(size_t size);
void *sl_xcalloc(size_t n, size_t size);
void *sl_xrealloc(void *p, size_t size);
/* ARR grown to hold NEED elements of ELEM bytes, doubling from 8, the
 * new part zeroed; *CAP is updated. */
void *sl_grow(void *arr, uint32_t *cap, uint32_t need, size_t elem);
struct sl_hash *sl_xhash_new(void);
void sl_xhash_put(struct sl_hash *h, uint64_t key, void *val);

#endif
