/*
 * The preload's clock: CLOCK_MONOTONIC nanoseconds, read from the TSC
 * where the CPU says its TSC ticks at one rate on every CPU and in every
 * sleep state (constant_tsc and nonstop_tsc in /proc/cpuinfo's flags),
 * else from clock_gettime. A rdtsc costs about a third of a vDSO
 * clock_gettime here (README, Performance).
 *
 * Conversion: each thread keeps an anchor, a (tsc, ns) pair read
 * together, and turns a later tsc into ns with the image's rate
 * (ns per tick, 32.32 fixed point). The rate is measured against
 * CLOCK_MONOTONIC: first over the image's first 10 ms (until then
 * every call reads clock_gettime), then again at every re-anchor
 * over the span since the last one, so it follows the kernel's own
 * adjustments. A thread re-anchors when its anchor is SL_CLK_SPAN_NS
 * old, when the tsc went back (another CPU's, or a new anchor of
 * ours), and after fork; exec starts a new image and a new rate. A new
 * anchor never gives a time before the one the thread last read, so
 * durations (end - start) never wrap.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload.h"

bool sl_clk_tsc;			/* the TSC may be used */
bool sl_clk_stamp;			/* and its rate is known: sl_stamp */
static uint64_t calib_tsc, calib_ns;	/* the image's first pair */
static uint64_t clk_rate;		/* ns per tick << 32; 0 until measured */
static uint64_t clk_span;		/* SL_CLK_SPAN_NS in ticks */

SL_TLS struct sl_clk_anchor sl_clk_anchor;

/* How far past the clock a new anchor may start, to never give a time
 * before one the old anchor gave (sl_now_slow): far above the
 * conversion's error over a span (0.1% of 50 ms), far below a span. */
#define CLK_SLACK_NS 1000000ull

uint64_t sl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ns per tick, 32.32 fixed point, from TICKS ticks that took NS ns. */
uint64_t sl_clk_rate(uint64_t ns, uint64_t ticks)
{
	if (!ticks)
		return 0;
	return (uint64_t)(((unsigned __int128)ns << 32) / ticks);
}

/* TSC's time by anchor A: A->ns plus its ticks since A->tsc at A->rate. */
uint64_t sl_clk_conv(const struct sl_clk_anchor *a, uint64_t tsc)
{
	uint64_t d = tsc - a->tsc;

	return a->ns + (uint64_t)(((unsigned __int128)d * a->rate) >> 32);
}

/*
 * A new anchor for this thread at tsc T: the monotonic time read with
 * it, the rate measured again over the span since the last raw pair,
 * and a time never before LAST (the thread's last reading). A pair that
 * is not TIGHT (read_pair) measures nothing and is no raw pair for the
 * next measure: the last tight one stays.
 */
void sl_clk_reanchor(struct sl_clk_anchor *a, uint64_t tsc, uint64_t ns,
		     uint64_t last, bool tight)
{
	uint64_t old = __atomic_load_n(&clk_rate, __ATOMIC_RELAXED);

	if (tight && a->raw_tsc && tsc - a->raw_tsc < (1ull << 62) &&
	    ns > a->raw_ns + SL_CLK_SPAN_NS / 2) {
		uint64_t r = sl_clk_rate(ns - a->raw_ns, tsc - a->raw_tsc);

		/* A pair's tsc is within ~4 us of its ns (read_pair), so
		 * over 25 ms the rate is within 0.03%; the first one, over
		 * 10 ms, within 0.1%. More than 1.5% off is no measurement. */
		if (r > old - old / 64 && r < old + old / 64)
			__atomic_store_n(&clk_rate, r, __ATOMIC_RELAXED);
	}
	if (tight) {
		a->raw_tsc = tsc;
		a->raw_ns = ns;
	}
	a->tsc = tsc;
	a->ns = ns > last ? ns : last;
	a->rate = __atomic_load_n(&clk_rate, __ATOMIC_RELAXED);
}

/* Ticks between the two reads around a pair's clock_gettime: ~100
 * unless a preemption came between them. */
#define PAIR_TIGHT 20000

/*
 * The TSC and CLOCK_MONOTONIC read as one pair: the tsc is the middle
 * of two reads around the clock_gettime, read again (up to TRIES times)
 * while those two are far apart (a preemption between them); the
 * tightest pair read is kept. *TIGHT: whether it is tight.
 */
static uint64_t read_pair(uint64_t *ns, int tries, bool *tight)
{
	uint64_t best = UINT64_MAX, tsc = 0;

	for (int i = 0; i < tries && best >= PAIR_TIGHT; i++) {
		uint64_t t0 = sl_rdtsc(), n = sl_mono_ns(), t1 = sl_rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			tsc = t0 + best / 2;
			*ns = n;
		}
	}
	*tight = best < PAIR_TIGHT;
	return tsc;
}

/* Until the rate is known: clock_gettime, measuring once 10 ms passed,
 * from a tight pair only (a loose one, preempted each time, is waited
 * out: the next call measures). */
static uint64_t calibrating(void)
{
	uint64_t ns, tsc, r;
	bool tight;

	tsc = read_pair(&ns, 4, &tight);
	if (ns - calib_ns < 10000000 || tsc <= calib_tsc || !tight)
		return ns;
	r = sl_clk_rate(ns - calib_ns, tsc - calib_tsc);
	if (r) {
		__atomic_store_n(&clk_span,
				 (uint64_t)(((unsigned __int128)SL_CLK_SPAN_NS
					     << 32) / r),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&clk_rate, r, __ATOMIC_RELEASE);
		__atomic_store_n(&sl_clk_stamp, true, __ATOMIC_RELEASE);
	}
	return ns;
}

/*
 * A new anchor for this thread. A signal handler that records may run
 * in the middle of it: the span is zeroed first, so the handler takes
 * this path too instead of converting with a half-written anchor; what
 * the two leave behind is a mix of two pairs read microseconds apart,
 * both on the same line of time.
 */
uint64_t sl_now_slow(void)
{
	uint64_t ns, tsc, last;
	bool tight;

	if (!sl_clk_tsc)
		return sl_mono_ns();
	if (!__atomic_load_n(&clk_rate, __ATOMIC_ACQUIRE))
		return calibrating();
	/* The latest time this anchor can have given. */
	last = sl_clk_anchor.rate ? sl_clk_conv(&sl_clk_anchor, sl_clk_anchor.tsc + sl_clk_anchor.span)
			   : 0;
	sl_clk_anchor.span = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tsc = read_pair(&ns, 4, &tight);
	/* That is the end of its span only when it was used to the end. A
	 * thread whose tsc went back (another CPU's, on a VM whose CPUs'
	 * TSCs are a little apart) re-anchors early, and what its anchor
	 * gave was then the clock's time within the conversion's error
	 * (tens of us): the new anchor starts at most CLK_SLACK_NS past
	 * the clock, not a whole span ahead of it. */
	if (last > ns + CLK_SLACK_NS)
		last = ns + CLK_SLACK_NS;
	sl_clk_reanchor(&sl_clk_anchor, tsc, ns, last, tight);
	ns = sl_clk_anchor.ns;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	sl_clk_anchor.span = __atomic_load_n(&clk_span, __ATOMIC_RELAXED);
	return ns;
}

/* Ticks between a stamp and an anchor beyond which the stamp is not
 * believed: about a day at 5 GHz. */
#define STAMP_FAR (1ll << 49)

/* D ticks at RATE, in ns. */
static uint64_t ticks_ns(uint64_t d, uint64_t rate)
{
	return (uint64_t)(((unsigned __int128)d * rate) >> 32);
}

/*
 * STAMP (sl_stamp) in ns, by this thread's anchor, which NOW (sl_now_ns,
 * read just before) has made valid; never after NOW. A stamp before the
 * anchor is counted back from it: both are on the anchor's line. The
 * anchor is read, then its tsc again, as sl_now_ns does: a signal
 * handler that re-anchored between the reads changed it.
 */
uint64_t sl_stamp_ns(uint64_t stamp, uint64_t now)
{
	uint64_t a_tsc, a_ns, rate, ns, back;
	int64_t d;

	if (stamp & SL_STAMP_NS) {
		ns = stamp & ~SL_STAMP_NS;
		return ns < now ? ns : now;
	}
	do {
		a_tsc = sl_clk_anchor.tsc;
		a_ns = sl_clk_anchor.ns;
		rate = sl_clk_anchor.rate;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	} while (sl_clk_anchor.tsc != a_tsc);
	d = (int64_t)(stamp - a_tsc);
	/* No rate on this thread (NOW did not come from the TSC), or ticks
	 * no call can have lasted: the call is stamped when it returned. */
	if (!rate || d > STAMP_FAR || d < -STAMP_FAR)
		return now;
	if (d >= 0) {
		ns = a_ns + ticks_ns((uint64_t)d, rate);
	} else {
		back = ticks_ns((uint64_t)-d, rate);
		ns = back < a_ns ? a_ns - back : 0;
	}
	return ns < now ? ns : now;
}

/* Whether /proc/cpuinfo's first flags line has both FLAGS words. */
static bool cpu_has(const char *buf, const char *flag)
{
	const char *p = strstr(buf, "\nflags");
	const char *end;
	size_t n = strlen(flag);

	if (!p)
		return false;
	end = strchr(p + 1, '\n');
	for (p = strstr(p, flag); p && (!end || p < end);
	     p = strstr(p + 1, flag))
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* Once per image, from the constructor: whether the TSC may be used,
 * and the first pair the rate is measured from. */
void sl_clock_init(bool allow_tsc)
{
	bool tight;
	static char buf[8192];
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : SL_REAL(read)(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		SL_REAL(close)(fd);
	buf[n > 0 ? n : 0] = '\0';
	sl_clk_tsc = allow_tsc && sl_rdtsc() != 0 &&
		     cpu_has(buf, "constant_tsc") && cpu_has(buf, "nonstop_tsc");
	/* No anchor and no rate yet: sl_now_ns goes out of line, to
	 * clock_gettime, until the rate is measured (never without the
	 * TSC), and sl_stamp reads clock_gettime until then. */
	__atomic_store_n(&sl_clk_stamp, false, __ATOMIC_RELAXED);
	__atomic_store_n(&clk_rate, 0, __ATOMIC_RELAXED);
	sl_clk_anchor.span = 0;
	sl_clk_anchor.tsc = 0;
	/* The pair the first rate is measured from: as tight as 16 tries
	 * give (the constructor may be preempted as well as anything). */
	calib_tsc = read_pair(&calib_ns, 16, &tight);
}

/* A fork child: this thread's anchor is its parent's; take a new one. */
void sl_clock_after_fork(void)
{
	sl_clk_anchor.span = 0;
	sl_clk_anchor.tsc = 0;
}
