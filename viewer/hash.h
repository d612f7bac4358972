/* A map from non-zero 64-bit keys to pointers (hash.c). */
#ifndef SL_HASH_H
#define SL_HASH_H

#include <stdint.h>

struct sl_hash;

struct sl_hash *sl_hash_new(void);
void sl_hash_free(struct sl_hash *h);
void *sl_hash_get(const struct sl_hash *h, uint64_t key);
int sl_hash_put(struct sl_hash *h, uint64_t key, void *val);
void sl_hash_del(struct sl_hash *h, uint64_t key);

#endif
