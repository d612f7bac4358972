/*
 * The fault engine (fault.h): rules in the order the policy gives them,
 * the first rule of each action that fires wins. A fail rule with
 * "after N" lets exactly N bytes through: the call that would cross the
 * mark is shortened to it, and the next one fails. Delays on a
 * non-blocking socket become EAGAIN until they are due, as readiness
 * later would look to a program that retries.
 */
#include <errno.h>

#include "fault.h"

/* A 64-bit mix (splitmix64's finaliser): a draw from a key. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static bool drawn(const struct sl_policy *p, const struct sl_fault *f,
		  const struct sl_fault_state *st, int call, uint32_t rule)
{
	uint64_t key;

	if (f->ppm >= SL_FAULT_PPM_ALL)
		return true;
	key = mix(p->seed ^ mix(st->serial ^ mix(((uint64_t)call << 32 | rule) ^
					 mix(st->calls[call]))));
	return key % SL_FAULT_PPM_ALL < f->ppm;
}

static bool is_io(int call)
{
	return call == SL_FC_SEND || call == SL_FC_RECV;
}

static void cap(struct sl_fault_verdict *v, uint64_t max)
{
	if (v->len > max)
		v->len = (size_t)max;
}

/* LIMIT: wait until the bytes so far are paid for; 100 ms worth a call. */
static bool limit(const struct sl_fault *f, const struct sl_fault_state *st,
		  int call, uint64_t now_ns, struct sl_fault_verdict *v)
{
	uint64_t burst = f->value / 10 ? f->value / 10 : 1;
	bool acted = v->len > burst;

	cap(v, burst);
	if (st->paid_ns[call] > now_ns) {
		uint64_t wait = st->paid_ns[call] - now_ns;

		if (wait > v->delay_ns)
			v->delay_ns = wait;
		acted = true;
	}
	return acted;
}

/* Whether rule F acts on this call; fills its part of V. */
static bool apply(const struct sl_fault *f, struct sl_fault_state *st,
		  int call, bool nonblock, uint64_t now_ns,
		  struct sl_fault_verdict *v)
{
	bool acted = false;

	switch (f->action) {
	case SL_FA_FAIL:
		acted = !v->err;
		if (acted)
			v->err = f->err;
		break;
	case SL_FA_DELAY:
		acted = f->value > v->delay_ns;
		if (acted)
			v->delay_ns = f->value;
		break;
	case SL_FA_SHORT:
		acted = v->len > f->value;
		cap(v, f->value);
		break;
	case SL_FA_LIMIT:
		acted = limit(f, st, call, now_ns, v);
		break;
	case SL_FA_AGAIN:
		if (!nonblock || v->again)
			break;
		acted = st->agains[call] < f->value;
		st->agains[call] = acted ? st->agains[call] + 1 : 0;
		v->again = acted;
		break;
	}
	return acted;
}

/* A delay on a non-blocking call: EAGAIN until it is due. */
static void delay_nonblock(struct sl_fault_state *st, int call,
			   uint64_t now_ns, struct sl_fault_verdict *v)
{
	if (!st->due_ns[call])
		st->due_ns[call] = now_ns + v->delay_ns;
	v->delay_ns = 0;
	if (now_ns < st->due_ns[call]) {
		v->again = true;
		v->err = 0;
		return;
	}
	st->due_ns[call] = 0;
}

void sl_fault_decide(const struct sl_policy *p, const uint32_t *rules,
		     unsigned int nrules, struct sl_fault_state *st, int call,
		     bool nonblock, size_t len, uint64_t now_ns,
		     struct sl_fault_verdict *v)
{
	*v = (struct sl_fault_verdict){ .len = len };
	for (int a = 0; a < SL_FA_MAX; a++)
		v->rule[a] = -1;
	if (st->dead)
		return;
	for (unsigned int i = 0; i < nrules; i++) {
		const struct sl_fault *f = &p->faults[rules[i]];

		if (f->call != call)
			continue;
		if (is_io(call) && st->bytes[call] < f->after) {
			if (f->action == SL_FA_FAIL)
				cap(v, f->after - st->bytes[call]);
			continue;
		}
		if (!drawn(p, f, st, call, rules[i]))
			continue;
		if (apply(f, st, call, nonblock, now_ns, v) &&
		    v->rule[f->action] < 0)
			v->rule[f->action] = (int32_t)rules[i];
	}
	st->calls[call]++;
	if (v->err == ETIMEDOUT && call == SL_FC_CONNECT &&
	    v->rule[SL_FA_DELAY] < 0)
		v->delay_ns = SL_FAULT_CONNECT_TIMEOUT_NS;
	if (nonblock && v->delay_ns && call != SL_FC_CONNECT &&
	    call != SL_FC_RESOLVE)
		delay_nonblock(st, call, now_ns, v);
	if (v->err)
		v->again = false;
	v->kill = is_io(call) && (v->err == ECONNRESET || v->err == EPIPE ||
				  v->err == ETIMEDOUT);
	if (v->kill)
		st->dead = true;
}

void sl_fault_account(const struct sl_policy *p, const uint32_t *rules,
		      unsigned int nrules, struct sl_fault_state *st,
		      int call, size_t n, uint64_t now_ns)
{
	if (!is_io(call))
		return;
	st->bytes[call] += n;
	for (unsigned int i = 0; i < nrules; i++) {
		const struct sl_fault *f = &p->faults[rules[i]];

		if (f->call != call || f->action != SL_FA_LIMIT)
			continue;
		if (st->paid_ns[call] < now_ns)
			st->paid_ns[call] = now_ns;
		st->paid_ns[call] += (uint64_t)n * 1000000000 / f->value;
		return;
	}
}

bool sl_fault_acts(const struct sl_fault_verdict *v, size_t len)
{
	return v->err || v->again || v->delay_ns || v->len != len;
}
