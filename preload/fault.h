/*
 * The fault engine: what an injected fault does to one call. Pure code:
 * given a socket's fault rules (those of the policy whose selectors take
 * it), its state (calls and bytes so far) and the clock, it decides to
 * fail with an errno, wait, cap the length, say EAGAIN, or let the call
 * pass; the wrappers do what it says. Draws for rules with a probability
 * come from a hash of the policy's seed, the socket's ordinal, the call
 * and its ordinal: the same program under the same seed meets the same
 * faults, and no draw depends on another thread.
 */
#ifndef SL_FAULT_H
#define SL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "socklens/policy.h"

/* What a connect that times out costs when no delay rule says: Linux's
 * 6 SYN retries (1 + 2 + 4 + ... + 64 s). */
#define SL_FAULT_CONNECT_TIMEOUT_NS (127ull * 1000000000)

/* A socket's fault state; zeroed at its birth, then SERIAL set. */
struct sl_fault_state {
	uint64_t serial;		/* the socket's ordinal in the process */
	uint64_t calls[SL_FC_MAX];	/* calls decided so far */
	uint64_t bytes[SL_FC_MAX];	/* bytes through send and recv */
	uint64_t due_ns[SL_FC_MAX];	/* non-blocking delay: passes from then */
	uint64_t paid_ns[SL_FC_MAX];	/* limit: the bytes so far paid until */
	uint32_t agains[SL_FC_MAX];	/* EAGAINs said in the current series */
	bool dead;			/* a fault reset it: nothing more fires */
};

struct sl_fault_verdict {
	int err;		/* fail with this errno (EAI_ code), 0: no */
	bool again;		/* fail with EAGAIN */
	bool kill;		/* the connection is reset: shut it down */
	uint64_t delay_ns;	/* wait this long first */
	size_t len;		/* the length the real call may use */
	int32_t rule[SL_FA_MAX];/* the rule (in p->faults) that fired, or -1 */
};

/*
 * Decides CALL (enum sl_fault_call) on a socket: RULES are the indices
 * in P->faults of its rules, LEN the length the program asked for,
 * NOW_NS a monotonic clock. Touches only ST and V.
 */
void sl_fault_decide(const struct sl_policy *p, const uint32_t *rules,
		     unsigned int nrules, struct sl_fault_state *st, int call,
		     bool nonblock, size_t len, uint64_t now_ns,
		     struct sl_fault_verdict *v);
/* After the real call: N bytes went through CALL (send, recv). */
void sl_fault_account(const struct sl_policy *p, const uint32_t *rules,
		      unsigned int nrules, struct sl_fault_state *st,
		      int call, size_t n, uint64_t now_ns);
/* Whether the verdict changes the call at all (LEN the length asked). */
bool sl_fault_acts(const struct sl_fault_verdict *v, size_t len);

#endif
