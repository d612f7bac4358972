/*
 * Unit tests of the preload's clock (preload/clock.c): the fixed-point
 * rate and conversion, a re-anchor that never goes back in time and
 * measures the rate again, and sl_now_ns against CLOCK_MONOTONIC, in
 * this thread (with a signal handler that reads the clock too), another
 * thread and a fork child, across re-anchors.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "preload.h"

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_rate_and_conversion(void **state)
{
	/* 3 GHz: a third of a ns per tick. */
	struct sl_clk_anchor a = { .tsc = 1000, .ns = 5000000000ull,
				   .rate = sl_clk_rate(1000000000, 3000000000ull) };

	(void)state;
	assert_int_equal(sl_clk_rate(10, 0), 0);
	assert_int_equal(sl_clk_conv(&a, 1000), 5000000000ull);
	assert_int_equal(sl_clk_conv(&a, 1000 + 3000), 5000001000ull - 1);
	/* A whole second of ticks: off by at most 1 ns. */
	assert_in_range(sl_clk_conv(&a, 1000 + 3000000000ull),
			6000000000ull - 1, 6000000000ull);
	/* 2.5 GHz and 1 GHz. */
	a.rate = sl_clk_rate(2, 5);
	assert_in_range(sl_clk_conv(&a, 1000 + 2500000000ull),
			6000000000ull - 1, 6000000000ull);
	a.rate = sl_clk_rate(7, 7);
	assert_int_equal(sl_clk_conv(&a, 1000 + 123456789), 5123456789ull);
}

static void test_reanchor_never_goes_back(void **state)
{
	struct sl_clk_anchor a = { 0 };

	(void)state;
	sl_clk_reanchor(&a, 100, 1000, 0, true);
	assert_int_equal(a.ns, 1000);
	assert_int_equal(a.raw_ns, 1000);
	/* The thread already gave 1500: the new anchor starts there. */
	sl_clk_reanchor(&a, 200, 1200, 1500, true);
	assert_int_equal(a.ns, 1500);
	assert_int_equal(a.raw_ns, 1200);
	assert_int_equal(a.tsc, 200);
	assert_int_equal(sl_clk_conv(&a, 200), 1500);
	/* A loose pair (preempted): an anchor, but no raw pair to measure
	 * the next rate from; the last tight one stays. */
	sl_clk_reanchor(&a, 300, 1300, 0, false);
	assert_int_equal(a.tsc, 300);
	assert_int_equal(a.ns, 1300);
	assert_int_equal(a.raw_tsc, 200);
	assert_int_equal(a.raw_ns, 1200);
}

/* sl_now_ns over ~3 re-anchors: never back, never far from the clock. */
static void *follow(void *arg)
{
	uint64_t last = 0, worst = 0, end = mono() + 3 * SL_CLK_SPAN_NS;

	(void)arg;
	while (mono() < end) {
		uint64_t m0 = mono(), t = sl_now_ns(), m1 = mono();
		uint64_t off = t < m0 ? m0 - t : t > m1 ? t - m1 : 0;

		if (t < last)
			return (void *)"went back";
		last = t;
		if (off > worst)
			worst = off;
	}
	/* Preemptions on a loaded machine: 2 ms is far from any drift of
	 * a wrong rate or a lost anchor, and far above the clock's error. */
	return worst > 2000000 ? (void *)"far from CLOCK_MONOTONIC" : NULL;
}

static volatile uint64_t in_handler;

static void tick(int sig)
{
	(void)sig;
	in_handler = sl_now_ns();
}

static void test_now_follows_monotonic(void **state)
{
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = { 0 };
	pthread_t t;
	void *ret;
	pid_t pid;
	int status;

	(void)state;
	sl_clock_init(true);
	signal(SIGALRM, tick);
	setitimer(ITIMER_REAL, &every, NULL);
	assert_null(follow(NULL));
	setitimer(ITIMER_REAL, &off, NULL);
	assert_true(in_handler != 0);
	assert_int_equal(pthread_create(&t, NULL, follow, NULL), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	pid = fork();
	if (pid == 0) {
		sl_clock_after_fork();
		_exit(follow(NULL) ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	/* Without the TSC: clock_gettime itself. */
	sl_clock_init(false);
	assert_false(sl_clk_tsc);
	assert_null(follow(NULL));
}

/*
 * A stamp (sl_stamp) taken before a call and turned into ns after it
 * (sl_stamp_ns) is where the clock was at the stamp: before the TSC's
 * rate is known (clock_gettime's ns, marked), after it (a tsc), across a
 * re-anchor, and without the TSC; never after the NOW it is given.
 */
static void check_stamp(void)
{
	uint64_t m0 = mono(), s = sl_stamp(), m1 = mono();
	uint64_t now = sl_now_ns(), t = sl_stamp_ns(s, now);

	assert_true(t <= now);
	/* 2 ms: preemptions on a loaded machine, as in follow(). */
	assert_true(t + 2000000 >= m0);
	assert_true(t <= m1 + 2000000);
}

static void test_stamp_is_its_moment(void **state)
{
	uint64_t end;

	(void)state;
	sl_clock_init(true);
	check_stamp();	/* while the rate is measured */
	end = mono() + 3 * SL_CLK_SPAN_NS;
	while (mono() < end)
		check_stamp();
	if (sl_clk_tsc)
		assert_true(sl_clk_stamp);
	/* A stamp from before a new anchor is counted back from it. */
	{
		uint64_t s = sl_stamp(), m = mono(), now;

		sl_clk_anchor.span = 0;
		now = sl_now_ns();
		assert_true(sl_stamp_ns(s, now) <= now);
		assert_true(sl_stamp_ns(s, now) + 2000000 >= m);
	}
	/* Never after NOW, even when NOW is older than the stamp. */
	assert_true(sl_stamp_ns(sl_stamp(), 1) <= 1);
	sl_clock_init(false);
	assert_false(sl_clk_stamp);
	check_stamp();
	assert_true(sl_stamp() & SL_STAMP_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_conversion),
		cmocka_unit_test(test_reanchor_never_goes_back),
		cmocka_unit_test(test_now_follows_monotonic),
		cmocka_unit_test(test_stamp_is_its_moment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
