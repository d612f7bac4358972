/*
 * What one clock read costs (issue 15: "one clock read per call at
 * most; measure rdtsc-based against clock_gettime here"), run by
 * tests/bench/run.sh. It is built with the preload's own clock
 * (preload/clock.c, and sl_now_ns inline from preload/preload.h), not a
 * copy: the two libc calls clock.c makes at init go to libc through the
 * sl_real stub below.
 *
 * Cases, each a loop of N reads in a function of its own, ROUNDS rounds
 * with the cases alternating in each, the median of each case's ns per
 * read:
 *   sl_now_ns        the preload's read: rdtsc and the thread's anchor
 *   sl_now_ns-notsc  the same with the TSC refused (SOCKLENS_NO_TSC=1):
 *                    clock_gettime behind sl_now_ns's test
 *   rdtsc            the instruction alone
 *   MONOTONIC        clock_gettime(CLOCK_MONOTONIC) (the vDSO)
 *   MONOTONIC_COARSE clock_gettime(CLOCK_MONOTONIC_COARSE): a tick's
 *                    resolution (4 ms here), shown for its cost only
 * and how far sl_now_ns strays from CLOCK_MONOTONIC: the distance of a
 * reading outside the [before, after] pair of clock_gettime around it,
 * over SAMPLES samples spread over about 0.3 s (it re-anchors every
 * 50 ms): median, 99th percentile and most, in ns. Wall time: on a loaded machine a round
 * may be preempted; the median leaves those out.
 *
 *   clock_cost [-n N] [-r ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

/* clock.c's init reads /proc/cpuinfo through SL_REAL(read) and
 * SL_REAL(close): libc's, as the preload binds them. */
struct sl_real sl_real;

void sl_bind(void)
{
	sl_real.read = read;
	sl_real.close = close;
}

#define SAMPLES 100000

static volatile uint64_t sink;
static uint64_t dist[SAMPLES];

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t read_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define LOOP(name, expr)                                                     \
	__attribute__((noinline)) static void name(long n)                  \
	{                                                                    \
		uint64_t s = 0;                                              \
		for (long i = 0; i < n; i++)                                 \
			s += (expr);                                         \
		sink = s;                                                    \
	}

LOOP(loop_sl_now, sl_now_ns())
LOOP(loop_rdtsc, sl_rdtsc())
LOOP(loop_mono, now())
LOOP(loop_coarse, read_coarse())

/* sl_now_ns with the TSC refused: what SOCKLENS_NO_TSC=1 reads. */
__attribute__((noinline)) static void loop_notsc(long n)
{
	bool was = sl_clk_tsc;

	sl_clk_tsc = false;
	loop_sl_now(n);
	sl_clk_tsc = was;
}

static const struct {
	const char *name;
	void (*loop)(long n);
} cases[] = {
	{ "sl_now_ns", loop_sl_now },
	{ "sl_now_ns-notsc", loop_notsc },
	{ "rdtsc", loop_rdtsc },
	{ "MONOTONIC", loop_mono },
	{ "MONOTONIC_COARSE", loop_coarse },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* How far sl_now_ns strays from CLOCK_MONOTONIC: for each of SAMPLES
 * samples, the distance (ns) of a reading outside the pair of
 * clock_gettime read around it (0 inside), sorted into D. */
static void stray(uint64_t *d, int samples)
{
	for (int i = 0; i < samples; i++) {
		uint64_t a = now(), t = sl_now_ns(), b = now();

		d[i] = t < a ? a - t : t > b ? t - b : 0;
		for (volatile int k = 0; k < 3000; k++)	/* ~1 us apart */
			;
	}
	qsort(d, samples, sizeof(*d), cmp_u64);
}

int main(int argc, char **argv)
{
	long n = 200000;
	int rounds = 31, opt;
	double *ns;
	uint64_t t0;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = atol(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: clock_cost [-n N] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (n < 1 || rounds < 1)
		return 2;
	ns = calloc((size_t)rounds * NCASES, sizeof(*ns));
	if (!ns)
		return 1;
	sl_clock_init(true);
	/* The rate is measured over the first 10 ms: until then sl_now_ns
	 * reads clock_gettime. */
	for (t0 = now(); now() - t0 < 30000000;)
		sink = sl_now_ns();
	for (int r = 0; r < rounds; r++)
		for (size_t c = 0; c < NCASES; c++) {
			uint64_t a = now();

			cases[c].loop(n);
			ns[c * rounds + r] = (double)(now() - a) / n;
		}
	printf("clock reads, ns each (median of %d rounds of %ld, cases alternating; min-max)\n",
	       rounds, n);
	for (size_t c = 0; c < NCASES; c++) {
		double *v = ns + c * rounds;

		qsort(v, rounds, sizeof(*v), cmp);
		printf("  %-18s %7.1f  (%.1f-%.1f)\n", cases[c].name,
		       v[rounds / 2], v[0], v[rounds - 1]);
	}
	printf("  TSC in use: %s (constant_tsc and nonstop_tsc)\n",
	       sl_clk_tsc ? "yes" : "no, sl_now_ns reads clock_gettime");
	stray(dist, SAMPLES);
	printf("  sl_now_ns outside the CLOCK_MONOTONIC pair read around it, ns:"
	       " median %llu, 99th percentile %llu, most %llu (%d samples)\n",
	       (unsigned long long)dist[SAMPLES / 2],
	       (unsigned long long)dist[SAMPLES / 100 * 99],
	       (unsigned long long)dist[SAMPLES - 1], SAMPLES);
	free(ns);
	return 0;
}
