/*
 * Unit tests of the fault engine (preload/fault.c), without a socket:
 * each action decides what the examples say, "after N" lets
 * exactly N bytes through, non-blocking delays become EAGAIN until due,
 * and the same seed gives the same faults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fault.h"

#define MS 1000000ull

static struct sl_policy pol;
static uint32_t all[64];
static struct sl_fault_state st;
static struct sl_fault_verdict v;

static void load(const char *text)
{
	char err[256];

	sl_policy_free(&pol);
	if (sl_policy_parse(&pol, "f.conf", text, strlen(text), err,
			    sizeof(err)))
		fail_msg("%s", err);
	for (uint32_t i = 0; i < pol.nfaults; i++)
		all[i] = i;
	memset(&st, 0, sizeof(st));
}

static void decide(int call, bool nonblock, size_t len, uint64_t now)
{
	sl_fault_decide(&pol, all, pol.nfaults, &st, call, nonblock, len, now,
			&v);
}

static void io(int call, size_t len, uint64_t now)
{
	decide(call, false, len, now);
	if (!v.err && !v.again)
		sl_fault_account(&pol, all, pol.nfaults, &st, call, v.len, now);
}

static void test_fail_connect(void **state)
{
	(void)state;
	load("[tcp]\nfail connect ECONNREFUSED\n");
	decide(SL_FC_CONNECT, false, 0, 0);
	assert_int_equal(v.err, ECONNREFUSED);
	assert_int_equal(v.delay_ns, 0);
	assert_false(v.kill);
	assert_int_equal(v.rule[SL_FA_FAIL], 0);
	decide(SL_FC_RECV, false, 100, 0);
	assert_false(sl_fault_acts(&v, 100));
	assert_int_equal(v.rule[SL_FA_FAIL], -1);
}

static void test_delay_and_timeout_connect(void **state)
{
	(void)state;
	load("[tcp]\ndelay connect 300ms\n");
	decide(SL_FC_CONNECT, false, 0, 0);
	assert_int_equal(v.err, 0);
	assert_int_equal(v.delay_ns, 300 * MS);
	load("[tcp]\nfail connect ETIMEDOUT\n");
	decide(SL_FC_CONNECT, false, 0, 0);
	assert_int_equal(v.err, ETIMEDOUT);
	assert_int_equal(v.delay_ns, SL_FAULT_CONNECT_TIMEOUT_NS);
	load("[tcp]\nfail connect ETIMEDOUT\ndelay connect 2s\n");
	decide(SL_FC_CONNECT, false, 0, 0);
	assert_int_equal(v.delay_ns, 2000 * MS);
}

static void test_reset_after_exactly_4k(void **state)
{
	(void)state;
	load("[tcp]\nfail recv ECONNRESET after 4k\n");
	io(SL_FC_RECV, 3000, 0);
	assert_int_equal(v.len, 3000);
	assert_int_equal(v.err, 0);
	io(SL_FC_RECV, 3000, 0);
	assert_int_equal(v.len, 4096 - 3000);
	assert_int_equal(v.err, 0);
	io(SL_FC_RECV, 3000, 0);
	assert_int_equal(v.err, ECONNRESET);
	assert_true(v.kill);
	assert_true(st.dead);
	/* The real, shut-down socket answers from now on. */
	io(SL_FC_RECV, 3000, 0);
	assert_false(sl_fault_acts(&v, 3000));
	assert_int_equal(st.bytes[SL_FC_RECV], 4096 + 3000);
	/* Sends are counted apart. */
	load("[tcp]\nfail send EPIPE after 10\n");
	io(SL_FC_RECV, 100, 0);
	io(SL_FC_SEND, 100, 0);
	assert_int_equal(v.len, 10);
	io(SL_FC_SEND, 100, 0);
	assert_int_equal(v.err, EPIPE);
}

static void test_short_caps_every_call(void **state)
{
	(void)state;
	load("[tcp]\nshort recv 1\nshort send 100\n");
	for (int i = 0; i < 5; i++) {
		io(SL_FC_RECV, 8192, 0);
		assert_int_equal(v.len, 1);
		assert_int_equal(v.rule[SL_FA_SHORT], 0);
	}
	io(SL_FC_SEND, 50, 0);
	assert_int_equal(v.len, 50);
	assert_int_equal(v.rule[SL_FA_SHORT], -1);
	io(SL_FC_SEND, 500, 0);
	assert_int_equal(v.len, 100);
	assert_int_equal(v.rule[SL_FA_SHORT], 1);
}

static void test_again_only_when_nonblocking(void **state)
{
	(void)state;
	load("[tcp]\nagain recv 3\n");
	decide(SL_FC_RECV, false, 10, 0);
	assert_false(sl_fault_acts(&v, 10));
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++) {
			decide(SL_FC_RECV, true, 10, 0);
			assert_true(v.again);
			assert_int_equal(v.rule[SL_FA_AGAIN], 0);
		}
		decide(SL_FC_RECV, true, 10, 0);
		assert_false(sl_fault_acts(&v, 10));
	}
}

static void test_delay_nonblocking_is_readiness_later(void **state)
{
	(void)state;
	load("[tcp]\ndelay recv 50ms\n");
	decide(SL_FC_RECV, false, 10, 0);
	assert_int_equal(v.delay_ns, 50 * MS);
	decide(SL_FC_RECV, true, 10, 100 * MS);
	assert_true(v.again);
	assert_int_equal(v.delay_ns, 0);
	decide(SL_FC_RECV, true, 10, 120 * MS);
	assert_true(v.again);
	decide(SL_FC_RECV, true, 10, 150 * MS);
	assert_false(sl_fault_acts(&v, 10));
	decide(SL_FC_RECV, true, 10, 151 * MS);
	assert_true(v.again);
}

static void test_limit_paces_bytes(void **state)
{
	(void)state;
	load("[tcp]\nlimit recv 10k/s\n");
	io(SL_FC_RECV, 65536, 0);
	assert_int_equal(v.len, 1024);
	assert_int_equal(v.delay_ns, 0);
	/* 1 KiB at 10 KiB/s: the next one waits 100 ms. */
	decide(SL_FC_RECV, false, 65536, 0);
	assert_int_equal(v.delay_ns, 100 * MS);
	assert_int_equal(v.rule[SL_FA_LIMIT], 0);
	decide(SL_FC_RECV, false, 65536, 40 * MS);
	assert_int_equal(v.delay_ns, 60 * MS);
	decide(SL_FC_RECV, false, 65536, 100 * MS);
	assert_int_equal(v.delay_ns, 0);
}

static void test_first_rule_of_an_action_wins(void **state)
{
	(void)state;
	load("[tcp]\nfail connect ECONNREFUSED 0%\nfail connect ENETUNREACH\n"
	     "fail connect EHOSTUNREACH\n");
	decide(SL_FC_CONNECT, false, 0, 0);
	assert_int_equal(v.err, ENETUNREACH);
	assert_int_equal(v.rule[SL_FA_FAIL], 1);
}

/* Which of 1000 sockets' connects a 30% rule fails, as a string. */
static void pattern(const char *seed, char *out)
{
	char text[128];

	snprintf(text, sizeof(text), "seed %s\n[tcp]\nfail connect "
		 "ETIMEDOUT 30%%\ndelay recv 1ms 50%%\n", seed);
	load(text);
	for (int s = 0; s < 1000; s++) {
		memset(&st, 0, sizeof(st));
		st.serial = (uint64_t)s;
		decide(SL_FC_CONNECT, false, 0, 0);
		out[s] = v.err ? 'x' : '.';
	}
	out[1000] = '\0';
}

static void test_same_seed_same_faults(void **state)
{
	static char a[1001], b[1001], c[1001];
	int n = 0;

	(void)state;
	pattern("42", a);
	pattern("42", b);
	pattern("43", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	for (int i = 0; i < 1000; i++)
		n += a[i] == 'x';
	/* A deterministic draw; only a gross bias would leave this band. */
	assert_in_range(n, 250, 350);
	/* Per call too: the n-th recv of a socket draws the same. */
	load("seed 7\n[tcp]\ndelay recv 1ms 50%\n");
	for (int i = 0; i < 100; i++) {
		decide(SL_FC_RECV, false, 1, 0);
		a[i] = v.delay_ns ? 'd' : '.';
	}
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 100; i++) {
		decide(SL_FC_RECV, false, 1, 0);
		b[i] = v.delay_ns ? 'd' : '.';
	}
	a[100] = b[100] = '\0';
	assert_string_equal(a, b);
	assert_non_null(strchr(a, 'd'));
	assert_non_null(strchr(a, '.'));
}

static int teardown(void **state)
{
	(void)state;
	sl_policy_free(&pol);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fail_connect, teardown),
		cmocka_unit_test_teardown(test_delay_and_timeout_connect, teardown),
		cmocka_unit_test_teardown(test_reset_after_exactly_4k, teardown),
		cmocka_unit_test_teardown(test_short_caps_every_call, teardown),
		cmocka_unit_test_teardown(test_again_only_when_nonblocking, teardown),
		cmocka_unit_test_teardown(test_delay_nonblocking_is_readiness_later, teardown),
		cmocka_unit_test_teardown(test_limit_paces_bytes, teardown),
		cmocka_unit_test_teardown(test_first_rule_of_an_action_wins, teardown),
		cmocka_unit_test_teardown(test_same_seed_same_faults, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
