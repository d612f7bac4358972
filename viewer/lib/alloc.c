/*
 * The one out-of-memory exit of the socklens command. A viewer that
 * cannot allocate cannot draw what it read, so these never return NULL:
 * they say so once, on stderr, and exit SL_EXIT_OOM. Code that can go on
 * without memory (the reorder heap keeps arrival order instead; the
 * reader's frame buffer reports -ENOMEM) calls malloc itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

const char *sl_prog(void)
{
	return "socklens";
}

void sl_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", sl_prog());
	exit(SL_EXIT_OOM);
}

void *sl_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		sl_oom();
	return p;
}

void *sl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		sl_oom();
	return p;
}

void *sl_xrealloc(void *p, size_t size)
{
	void *n = realloc(p, size ? size : 1);

	if (!n)
		sl_oom();
	return n;
}

void *sl_grow(void *arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need)
		ncap *= 2;
	n = sl_xrealloc(arr, (size_t)ncap * elem);
	memset((char *)n + (size_t)*cap * elem, 0,
	       (size_t)(ncap - *cap) * elem);
	*cap = ncap;
	return n;
}

struct sl_hash *sl_xhash_new(void)
{
	struct sl_hash *h = sl_hash_new();

	if (!h)
		sl_oom();
	return h;
}

void sl_xhash_put(struct sl_hash *h, uint64_t key, void *val)
{
	if (sl_hash_put(h, key, val) < 0)
		sl_oom();
}
