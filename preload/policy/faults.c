/*
 * Fault rules of the policy file: their words, the errnos each call can
 * fail with, and the parser and printer of one rule.
 *
 *     fail  CALL ERRNO [after SIZE] [PCT%]
 *     delay CALL DURATION [after SIZE] [PCT%]
 *     limit CALL RATE [after SIZE]
 *     short CALL SIZE [after SIZE] [PCT%]
 *     again CALL COUNT [after SIZE] [PCT%]
 *
 * A call cannot fail in every way: the table below says which errnos the
 * kernel (or getaddrinfo) can answer for which call, so that a rule says
 * nothing a program could never meet.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "socklens/policy.h"

#define CB(c) (1u << (c))
#define C_CONNECT CB(SL_FC_CONNECT)
#define C_ACCEPT CB(SL_FC_ACCEPT)
#define C_SEND CB(SL_FC_SEND)
#define C_RECV CB(SL_FC_RECV)
#define C_RESOLVE CB(SL_FC_RESOLVE)
#define C_IO (C_SEND | C_RECV)

const char *const sl_fault_action_names[SL_FA_MAX] = {
	[SL_FA_FAIL] = "fail",
	[SL_FA_DELAY] = "delay",
	[SL_FA_LIMIT] = "limit",
	[SL_FA_SHORT] = "short",
	[SL_FA_AGAIN] = "again",
};

const char *const sl_fault_call_names[SL_FC_MAX] = {
	[SL_FC_CONNECT] = "connect",
	[SL_FC_ACCEPT] = "accept",
	[SL_FC_SEND] = "send",
	[SL_FC_RECV] = "recv",
	[SL_FC_RESOLVE] = "resolve",
};

/* The calls each action can take. */
static const unsigned int action_calls[SL_FA_MAX] = {
	[SL_FA_FAIL] = C_CONNECT | C_ACCEPT | C_IO | C_RESOLVE,
	[SL_FA_DELAY] = C_CONNECT | C_ACCEPT | C_IO | C_RESOLVE,
	[SL_FA_LIMIT] = C_IO,
	[SL_FA_SHORT] = C_IO,
	[SL_FA_AGAIN] = C_ACCEPT | C_IO,
};

static const struct {
	const char *name;
	int value;
	unsigned int calls;	/* bits of enum sl_fault_call */
} errnos[] = {
	{ "ECONNREFUSED", ECONNREFUSED, C_CONNECT | C_IO },
	{ "ETIMEDOUT", ETIMEDOUT, C_CONNECT | C_IO },
	{ "ENETUNREACH", ENETUNREACH, C_CONNECT | C_IO },
	{ "EHOSTUNREACH", EHOSTUNREACH, C_CONNECT | C_IO },
	{ "ENETDOWN", ENETDOWN, C_CONNECT | C_IO },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL, C_CONNECT },
	{ "EADDRINUSE", EADDRINUSE, C_CONNECT },
	{ "EACCES", EACCES, C_CONNECT | C_SEND },
	{ "EPERM", EPERM, C_CONNECT | C_ACCEPT | C_SEND },
	{ "ECONNRESET", ECONNRESET, C_CONNECT | C_IO },
	{ "EINTR", EINTR, C_CONNECT | C_ACCEPT | C_IO },
	{ "EPIPE", EPIPE, C_SEND },
	{ "ENOBUFS", ENOBUFS, C_ACCEPT | C_SEND },
	{ "ENOMEM", ENOMEM, C_ACCEPT | C_IO },
	{ "EMSGSIZE", EMSGSIZE, C_SEND },
	{ "EMFILE", EMFILE, C_ACCEPT },
	{ "ENFILE", ENFILE, C_ACCEPT },
	{ "ECONNABORTED", ECONNABORTED, C_ACCEPT },
	{ "EPROTO", EPROTO, C_ACCEPT },
	{ "EAI_AGAIN", EAI_AGAIN, C_RESOLVE },
	{ "EAI_FAIL", EAI_FAIL, C_RESOLVE },
	{ "EAI_NONAME", EAI_NONAME, C_RESOLVE },
	{ "EAI_MEMORY", EAI_MEMORY, C_RESOLVE },
	{ "EAI_NODATA", EAI_NODATA, C_RESOLVE },
};

#define NERRNOS (sizeof(errnos) / sizeof(errnos[0]))

bool sl_fault_is_action(const char *word)
{
	for (int a = 0; a < SL_FA_MAX; a++)
		if (!strcmp(word, sl_fault_action_names[a]))
			return true;
	return false;
}

const char *sl_fault_err_name(int call, int err)
{
	unsigned int want = call == SL_FC_RESOLVE ? C_RESOLVE : ~C_RESOLVE;

	for (size_t i = 0; i < NERRNOS; i++)
		if (errnos[i].value == err && (errnos[i].calls & want))
			return errnos[i].name;
	return "?";
}

static int why_fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The errnos CALL can fail with, "A, B or C", into BUF. */
static void list_errnos(int call, char *buf, size_t len)
{
	size_t used = 0, n = 0, total = 0;

	for (size_t i = 0; i < NERRNOS; i++)
		total += !!(errnos[i].calls & CB(call));
	buf[0] = '\0';
	for (size_t i = 0; i < NERRNOS && used < len; i++) {
		if (!(errnos[i].calls & CB(call)))
			continue;
		n++;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 n == 1 ? "" : n == total ? " or " :
					 ", ", errnos[i].name);
	}
}

static int parse_errno(struct sl_fault *f, const char *w, char *why,
		       size_t len)
{
	const char *hint = NULL;
	unsigned int best = 4;
	char can[320];

	for (size_t i = 0; i < NERRNOS; i++) {
		unsigned int d;

		if (!strcmp(w, errnos[i].name)) {
			if (!(errnos[i].calls & CB(f->call)))
				break;
			f->err = errnos[i].value;
			return 0;
		}
		d = sl_name_distance(w, errnos[i].name);
		if (d < best && (errnos[i].calls & CB(f->call))) {
			best = d;
			hint = errnos[i].name;
		}
	}
	list_errnos(f->call, can, sizeof(can));
	for (size_t i = 0; i < NERRNOS; i++)
		if (!strcmp(w, errnos[i].name))
			return why_fail(why, len, "%s cannot fail with %s (it "
					"can with %s)",
					sl_fault_call_names[f->call], w, can);
	if (hint)
		return why_fail(why, len, "unknown errno '%s' (did you mean "
				"%s?)", w, hint);
	return why_fail(why, len, "unknown errno '%s' (%s can fail with %s)",
			w, sl_fault_call_names[f->call], can);
}

/* A count of bytes: N, Nk, Nm, Ng (1024s). */
static int parse_size(const char *w, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*w < '0' || *w > '9')
		return -1;
	v = strtoull(w, &end, 10);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* A duration: Nus, Nms, Ns, into ns. */
static int parse_duration(const char *w, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned long long unit;

	if (*w < '0' || *w > '9')
		return -1;
	v = strtoull(w, &end, 10);
	if (!strcmp(end, "us"))
		unit = 1000;
	else if (!strcmp(end, "ms"))
		unit = 1000000;
	else if (!strcmp(end, "s"))
		unit = 1000000000;
	else
		return -1;
	if (v > 3600ull * 1000000000 / unit)
		return -1;
	*out = v * unit;
	return 0;
}

/* "30%", "0.5%": into parts per million. */
static int parse_pct(const char *w, uint32_t *ppm, char *why, size_t len)
{
	char *end;
	double v = strtod(w, &end);

	if (end == w || strcmp(end, "%") || v < 0)
		return why_fail(why, len, "bad percentage '%s' (expected N%% "
				"or N.N%%)", w);
	if (v > 100)
		return why_fail(why, len, "percentage '%s' is over 100%%", w);
	*ppm = (uint32_t)(v * 10000 + 0.5);
	return 0;
}

/* The word after CALL: what the action needs. */
static int parse_value(struct sl_fault *f, const char *w, char *why,
		       size_t len)
{
	const char *act = sl_fault_action_names[f->action];
	const char *call = sl_fault_call_names[f->call];
	uint64_t per = 0;
	char buf[32];
	size_t l;

	switch (f->action) {
	case SL_FA_FAIL:
		return parse_errno(f, w, why, len);
	case SL_FA_DELAY:
		if (parse_duration(w, &f->value) < 0)
			return why_fail(why, len, "bad duration '%s' (expected "
					"N with us, ms or s, at most an hour)",
					w);
		return 0;
	case SL_FA_LIMIT:
		l = strlen(w);
		if (l >= 3 && l < sizeof(buf) && !strcmp(w + l - 2, "/s")) {
			memcpy(buf, w, l - 2);
			buf[l - 2] = '\0';
			if (!parse_size(buf, &per) && per)
				break;
		}
		return why_fail(why, len, "bad rate '%s' (expected "
					"bytes per second: 64k/s)", w);
	default:
		if (parse_size(w, &f->value) < 0 || !f->value)
			return why_fail(why, len, "%s %s needs a %s above 0, "
					"not '%s'", act, call,
					f->action == SL_FA_SHORT ? "size" :
					"count", w);
		return 0;
	}
	f->value = per;
	return 0;
}

static int parse_call(struct sl_fault *f, const char *w, char *why,
		      size_t len)
{
	const char *act = sl_fault_action_names[f->action];

	for (int c = 0; c < SL_FC_MAX; c++) {
		if (strcmp(w, sl_fault_call_names[c]))
			continue;
		if (!(action_calls[f->action] & CB(c)))
			return why_fail(why, len, "%s %s: %s cannot be %s%s",
					act, w, w, f->action == SL_FA_AGAIN ?
					"told to try again (EAGAIN)" :
					f->action == SL_FA_LIMIT ?
					"rate-limited" : "shortened",
					f->action == SL_FA_AGAIN ? "" :
					" (only send and recv)");
		f->call = (uint8_t)c;
		return 0;
	}
	return why_fail(why, len, "unknown call '%s' (expected connect, "
			"accept, send, recv or resolve)", w);
}

/* [after SIZE] [PCT%], in any order, each at most once. */
static int parse_tail(struct sl_fault *f, const char *const *w, int n,
		      int *bad, char *why, size_t len)
{
	bool has_after = false, has_pct = false;

	for (int i = 3; i < n; i++) {
		*bad = i;
		if (!strcmp(w[i], "after") && !has_after) {
			if (!(CB(f->call) & C_IO))
				return why_fail(why, len, "'after' counts bytes: "
						"only send and recv take it");
			*bad = i + 1;
			if (i + 1 >= n)
				return why_fail(why, len, "after needs a size "
						"(4k, 1m)");
			if (parse_size(w[i + 1], &f->after) < 0)
				return why_fail(why, len, "bad size '%s' "
						"(expected N, Nk, Nm or Ng)",
						w[i + 1]);
			has_after = true;
			i++;
		} else if (strchr(w[i], '%') && !has_pct &&
			   f->action != SL_FA_LIMIT) {
			if (parse_pct(w[i], &f->ppm, why, len) < 0)
				return -1;
			has_pct = true;
		} else {
			return why_fail(why, len, "unexpected '%s' (expected "
					"after SIZE%s)", w[i],
					f->action == SL_FA_LIMIT ? "" :
					" or a percentage");
		}
	}
	return 0;
}

int sl_fault_parse(struct sl_fault *f, const char *const *w, int n,
		   int *bad, char *why, size_t why_len)
{
	static const char *const needs[SL_FA_MAX] = {
		[SL_FA_FAIL] = "an errno name",
		[SL_FA_DELAY] = "a duration (300ms)",
		[SL_FA_LIMIT] = "a rate (64k/s)",
		[SL_FA_SHORT] = "a size in bytes",
		[SL_FA_AGAIN] = "a count",
	};

	memset(f, 0, sizeof(*f));
	f->ppm = SL_FAULT_PPM_ALL;
	for (int a = 0; a < SL_FA_MAX; a++)
		if (!strcmp(w[0], sl_fault_action_names[a]))
			f->action = (uint8_t)a;
	*bad = 1;
	if (n < 2)
		return why_fail(why, why_len, "%s needs a call (connect, "
				"accept, send, recv or resolve)", w[0]);
	if (parse_call(f, w[1], why, why_len) < 0)
		return -1;
	*bad = 2;
	if (n < 3)
		return why_fail(why, why_len, "%s %s needs %s", w[0], w[1],
				needs[f->action]);
	if (parse_value(f, w[2], why, why_len) < 0)
		return -1;
	return parse_tail(f, w, n, bad, why, why_len);
}

/* A size the way it was likely written: 4k, 1m, 100. */
static void format_size(uint64_t v, char *buf, size_t len)
{
	if (v && !(v & ((1u << 20) - 1)))
		snprintf(buf, len, "%" PRIu64 "m", v >> 20);
	else if (v && !(v & ((1u << 10) - 1)))
		snprintf(buf, len, "%" PRIu64 "k", v >> 10);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void format_value(const struct sl_fault *f, char *buf, size_t len)
{
	switch (f->action) {
	case SL_FA_FAIL:
		snprintf(buf, len, "%s", sl_fault_err_name(f->call, f->err));
		break;
	case SL_FA_DELAY:
		if (f->value % 1000000000 == 0)
			snprintf(buf, len, "%" PRIu64 "s", f->value / 1000000000);
		else if (f->value % 1000000 == 0)
			snprintf(buf, len, "%" PRIu64 "ms", f->value / 1000000);
		else
			snprintf(buf, len, "%" PRIu64 "us", f->value / 1000);
		break;
	case SL_FA_LIMIT:
		format_size(f->value, buf, len - 2);
		strcat(buf, "/s");
		break;
	default:
		snprintf(buf, len, "%" PRIu64, f->value);
		break;
	}
}

int sl_fault_format(const struct sl_fault *f, char *buf, size_t len)
{
	char value[32], after[40] = "", pct[24] = "";

	format_value(f, value, sizeof(value));
	if (f->after) {
		strcpy(after, " after ");
		format_size(f->after, after + 7, sizeof(after) - 7);
	}
	if (f->ppm != SL_FAULT_PPM_ALL)
		snprintf(pct, sizeof(pct), " %g%%", f->ppm / 10000.0);
	return snprintf(buf, len, "%-6s %-7s %s%s%s",
			sl_fault_action_names[f->action],
			sl_fault_call_names[f->call], value, after, pct);
}
