/* A map from non-zero 64-bit keys to pointers (hash.c). */
#ifndef SL_HASH_H
#define SL_HASH_H

#include <stddef.h>
#include <stdint.h>

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

#endif
