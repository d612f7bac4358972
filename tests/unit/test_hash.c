/*
 * Unit tests of the viewer's hash map (viewer/lib/hash.c): random puts and
 * deletes against a plain array, through many growths, with keys chosen
 * to collide (long probe runs, wrapping the end of the table), so that
 * a delete that left a hole in a run would lose the keys after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/lib.h"

#define KEYS 4096

static void test_put_get_del_against_array(void **state)
{
	static uintptr_t ref[KEYS];	/* key i+1 -> value, 0 absent */
	struct sl_hash *h = sl_hash_new();

	(void)state;
	assert_non_null(h);
	srand(11);
	for (int round = 0; round < 200000; round++) {
		uint64_t k = (uint64_t)(rand() % KEYS) + 1;

		if (rand() % 3) {
			ref[k - 1] = (uintptr_t)round + 1;
			assert_int_equal(sl_hash_put(h, k, (void *)ref[k - 1]), 0);
		} else {
			ref[k - 1] = 0;
			sl_hash_del(h, k);
		}
		if (round % 997 == 0) {
			for (uint64_t j = 1; j <= KEYS; j++)
				assert_ptr_equal(sl_hash_get(h, j),
						 (void *)ref[j - 1]);
		}
	}
	for (uint64_t j = 1; j <= KEYS; j++) {
		assert_ptr_equal(sl_hash_get(h, j), (void *)ref[j - 1]);
		sl_hash_del(h, j);
		assert_null(sl_hash_get(h, j));
	}
	sl_hash_del(h, 99999);		/* absent: nothing happens */
	sl_hash_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del_against_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
