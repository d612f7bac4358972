/*
 * A map from 64-bit keys to pointers: open addressing, linear probing,
 * power-of-two capacity, grown at half full. Key 0 marks an empty slot,
 * so callers never store key 0 (inode 0 and pid 0 do not occur).
 */
#include <stdlib.h>

#include "lib/lib.h"

struct sl_hash {
	uint64_t *keys;
	void **vals;
	size_t cap;
	size_t used;
};

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

struct sl_hash *sl_hash_new(void)
{
	struct sl_hash *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cap = 64;
	h->keys = calloc(h->cap, sizeof(*h->keys));
	h->vals = calloc(h->cap, sizeof(*h->vals));
	if (!h->keys || !h->vals) {
		sl_hash_free(h);
		return NULL;
	}
	return h;
}

void sl_hash_free(struct sl_hash *h)
{
	if (!h)
		return;
	free(h->keys);
	free(h->vals);
	free(h);
}

void *sl_hash_get(const struct sl_hash *h, uint64_t key)
{
	for (size_t i = slot_of(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->keys[i] == key)
			return h->vals[i];
		if (!h->keys[i])
			return NULL;
	}
}

static int grow(struct sl_hash *h)
{
	struct sl_hash n = { .cap = h->cap * 2 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	for (size_t i = 0; i < h->cap; i++)
		if (h->keys[i])
			sl_hash_put(&n, h->keys[i], h->vals[i]);
	free(h->keys);
	free(h->vals);
	*h = n;
	return 0;
}

/* Sets KEY to VAL, replacing what was there. 0, or -1 out of memory. */
int sl_hash_put(struct sl_hash *h, uint64_t key, void *val)
{
	size_t i;

	if ((h->used + 1) * 2 > h->cap && grow(h) < 0)
		return -1;
	for (i = slot_of(key, h->cap); h->keys[i] && h->keys[i] != key;
	     i = (i + 1) & (h->cap - 1))
		;
	if (!h->keys[i])
		h->used++;
	h->keys[i] = key;
	h->vals[i] = val;
	return 0;
}

/*
 * Removes KEY, if there. Linear probing cannot leave a hole in a run, so
 * the entries after it that may sit earlier move back into it.
 */
void sl_hash_del(struct sl_hash *h, uint64_t key)
{
	size_t mask = h->cap - 1, i = slot_of(key, h->cap);

	for (;; i = (i + 1) & mask) {
		if (!h->keys[i])
			return;
		if (h->keys[i] == key)
			break;
	}
	for (size_t j = (i + 1) & mask; h->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(h->keys[j], h->cap);

		/* The entry at J may fill the hole at I unless its home
		 * lies cyclically in (I, J]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		h->keys[i] = h->keys[j];
		h->vals[i] = h->vals[j];
		i = j;
	}
	h->keys[i] = 0;
	h->vals[i] = NULL;
	h->used--;
}
