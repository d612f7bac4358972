/*
 * The socket options a policy can name, in one table: the SOL_SOCKET,
 * IPPROTO_TCP, IPPROTO_IP and IPPROTO_IPV6 options Linux has whose value
 * is a number, a switch, a duration or a linger; and how their values are
 * written in a policy, kept, printed, and given to the kernel.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "socklens/policy.h"

#define OPT(lvl, n, k, needs, early) { #n, lvl, n, k, needs, early }
const struct sl_opt sl_opts[] = {
	OPT(SOL_SOCKET, SO_KEEPALIVE, SL_PK_BOOL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_REUSEADDR, SL_PK_BOOL, SL_NEEDS_ANY, true),
	OPT(SOL_SOCKET, SO_REUSEPORT, SL_PK_BOOL, SL_NEEDS_ANY, true),
	OPT(SOL_SOCKET, SO_RCVBUF, SL_PK_INT, SL_NEEDS_ANY, true),
	OPT(SOL_SOCKET, SO_SNDBUF, SL_PK_INT, SL_NEEDS_ANY, true),
	OPT(SOL_SOCKET, SO_RCVLOWAT, SL_PK_INT, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_RCVTIMEO, SL_PK_TIMEVAL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_SNDTIMEO, SL_PK_TIMEVAL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_LINGER, SL_PK_LINGER, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_BROADCAST, SL_PK_BOOL, SL_NEEDS_DGRAM, false),
	OPT(SOL_SOCKET, SO_DONTROUTE, SL_PK_BOOL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_OOBINLINE, SL_PK_BOOL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_PRIORITY, SL_PK_INT, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_MARK, SL_PK_INT, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_PASSCRED, SL_PK_BOOL, SL_NEEDS_UNIX, false),
	OPT(SOL_SOCKET, SO_BUSY_POLL, SL_PK_INT, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_INCOMING_CPU, SL_PK_INT, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_ZEROCOPY, SL_PK_BOOL, SL_NEEDS_ANY, false),
	OPT(SOL_SOCKET, SO_TIMESTAMP, SL_PK_BOOL, SL_NEEDS_ANY, false),
	OPT(IPPROTO_TCP, TCP_NODELAY, SL_PK_BOOL, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_CORK, SL_PK_BOOL, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_QUICKACK, SL_PK_BOOL, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_KEEPIDLE, SL_PK_SECS, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_KEEPINTVL, SL_PK_SECS, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_KEEPCNT, SL_PK_INT, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_MAXSEG, SL_PK_INT, SL_NEEDS_TCP, true),
	OPT(IPPROTO_TCP, TCP_FASTOPEN, SL_PK_INT, SL_NEEDS_TCP, true),
	OPT(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, SL_PK_BOOL, SL_NEEDS_TCP, true),
	OPT(IPPROTO_TCP, TCP_USER_TIMEOUT, SL_PK_MSECS, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_SYNCNT, SL_PK_INT, SL_NEEDS_TCP, true),
	OPT(IPPROTO_TCP, TCP_LINGER2, SL_PK_SECS, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_DEFER_ACCEPT, SL_PK_SECS, SL_NEEDS_TCP, true),
	OPT(IPPROTO_TCP, TCP_WINDOW_CLAMP, SL_PK_INT, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_NOTSENT_LOWAT, SL_PK_INT, SL_NEEDS_TCP, false),
	OPT(IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, SL_PK_BOOL, SL_NEEDS_TCP, false),
	OPT(IPPROTO_IP, IP_TOS, SL_PK_INT, SL_NEEDS_INET, false),
	OPT(IPPROTO_IP, IP_TTL, SL_PK_INT, SL_NEEDS_INET, false),
	OPT(IPPROTO_IP, IP_FREEBIND, SL_PK_BOOL, SL_NEEDS_INET, true),
	OPT(IPPROTO_IP, IP_TRANSPARENT, SL_PK_BOOL, SL_NEEDS_INET, true),
	OPT(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, SL_PK_BOOL, SL_NEEDS_INET, true),
	OPT(IPPROTO_IP, IP_RECVERR, SL_PK_BOOL, SL_NEEDS_INET, false),
	OPT(IPPROTO_IP, IP_MTU_DISCOVER, SL_PK_INT, SL_NEEDS_INET, false),
	OPT(IPPROTO_IP, IP_MULTICAST_TTL, SL_PK_INT, SL_NEEDS_INET, false),
	OPT(IPPROTO_IP, IP_MULTICAST_LOOP, SL_PK_BOOL, SL_NEEDS_INET, false),
	OPT(IPPROTO_IPV6, IPV6_V6ONLY, SL_PK_BOOL, SL_NEEDS_INET6, true),
	OPT(IPPROTO_IPV6, IPV6_TCLASS, SL_PK_INT, SL_NEEDS_INET6, false),
	OPT(IPPROTO_IPV6, IPV6_UNICAST_HOPS, SL_PK_INT, SL_NEEDS_INET6, false),
	OPT(IPPROTO_IPV6, IPV6_RECVERR, SL_PK_BOOL, SL_NEEDS_INET6, false),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, SL_PK_INT, SL_NEEDS_INET6, false),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, SL_PK_BOOL, SL_NEEDS_INET6, false),
};
#undef OPT

const unsigned int sl_nopts = sizeof(sl_opts) / sizeof(sl_opts[0]);

/* The applied-options mask of an fd entry has 64 bits. */
_Static_assert(sizeof(sl_opts) / sizeof(sl_opts[0]) <= 64, "option table");

const char *const sl_action_names[SL_PA_MAX] = {
	[SL_PA_SET] = "set", [SL_PA_CLAMP] = "clamp",
	[SL_PA_DENY] = "deny", [SL_PA_IGNORE] = "ignore",
	[SL_PA_FAIL] = "fail", [SL_PA_DELAY] = "delay",
	[SL_PA_LIMIT] = "limit", [SL_PA_SHORT] = "short",
	[SL_PA_AGAIN] = "again",
};

int sl_opt_find(const char *name)
{
	for (unsigned int i = 0; i < sl_nopts; i++)
		if (!strcasecmp(sl_opts[i].name, name))
			return (int)i;
	return -1;
}

int sl_opt_by_number(int level, int optname)
{
	for (unsigned int i = 0; i < sl_nopts; i++)
		if (sl_opts[i].level == level && sl_opts[i].optname == optname)
			return (int)i;
	return -1;
}

unsigned int sl_name_distance(const char *a, const char *b)
{
	unsigned int row[64], la = (unsigned int)strlen(a),
			      lb = (unsigned int)strlen(b);

	if (la > 63 || lb > 63)
		return 99;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j], best;

			best = diag + (toupper((unsigned char)a[i - 1]) !=
				       toupper((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *sl_opt_suggest(const char *name)
{
	unsigned int best = 4;
	const char *found = NULL;

	for (unsigned int i = 0; i < sl_nopts; i++) {
		unsigned int d = sl_name_distance(name, sl_opts[i].name);

		if (d < best) {
			best = d;
			found = sl_opts[i].name;
		}
	}
	return found;
}

static int bad_value(char *why, size_t len, const char *fmt,
		     const char *text, const char *name)
{
	snprintf(why, len, fmt, text, name);
	return -EINVAL;
}

static int parse_bool(const char *t, int64_t *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(t, yes[i]))
			return (int)(*out = 1);
		if (!strcasecmp(t, no[i]))
			return (int)(*out = 0);
	}
	return -1;
}

/* An integer with an optional k, m or g (1024s). */
static int parse_int(const char *t, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(t, &end, 10);
	if (end == t || errno)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		v *= 1024;
		end++;
		break;
	case 'm':
		v *= 1024 * 1024;
		end++;
		break;
	case 'g':
		v *= 1024ll * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end || v < INT32_MIN || v > INT32_MAX)
		return -1;
	*out = v;
	return 0;
}

/* A duration in microseconds: 250ms, 5s, 2min, 1h, 100us; a bare number
 * is in UNIT microseconds (the option's own unit). */
static int parse_duration(const char *t, int64_t unit, int64_t *out)
{
	static const struct {
		const char *suffix;
		int64_t us;
	} units[] = {
		{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
		{ "min", 60000000 }, { "m", 60000000 }, { "h", 3600000000ll },
	};
	char *end;
	long long v;

	errno = 0;
	v = strtoll(t, &end, 10);
	if (end == t || errno || v < 0 || v > 1000000000ll)
		return -1;
	if (!*end) {
		*out = v * unit;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].suffix)) {
			*out = v * units[i].us;
			return 0;
		}
	}
	return -1;
}

int sl_opt_parse_value(const struct sl_opt *o, const char *t, int64_t *out,
		       char *why, size_t why_len)
{
	int64_t us;

	switch (o->kind) {
	case SL_PK_BOOL:
		if (parse_bool(t, out) < 0)
			return bad_value(why, why_len,
					 "bad value '%s' for %s (expected on or off)",
					 t, o->name);
		return 0;
	case SL_PK_INT:
		if (parse_int(t, out) < 0)
			return bad_value(why, why_len,
					 "bad value '%s' for %s (expected an integer, "
					 "with k, m or g)", t, o->name);
		return 0;
	case SL_PK_SECS:
	case SL_PK_MSECS:
		if (parse_duration(t, o->kind == SL_PK_SECS ? 1000000 : 1000,
				   &us) < 0)
			return bad_value(why, why_len,
					 "bad value '%s' for %s (expected a number or "
					 "a duration: 500ms, 30s, 2min)", t, o->name);
		*out = o->kind == SL_PK_SECS ? us / 1000000 : us / 1000;
		return 0;
	case SL_PK_TIMEVAL:
		if (parse_duration(t, 1000000, out) < 0)
			return bad_value(why, why_len,
					 "bad value '%s' for %s (expected a duration: "
					 "250ms, 5s)", t, o->name);
		return 0;
	case SL_PK_LINGER:
		if (!strcasecmp(t, "off")) {
			*out = -1;
			return 0;
		}
		if (!strncasecmp(t, "on ", 3) &&
		    parse_duration(t + 3, 1000000, &us) == 0) {
			*out = us / 1000000;
			return 0;
		}
		return bad_value(why, why_len,
				 "bad value '%s' for %s (expected 'on SECONDS' or "
				 "'off')", t, o->name);
	default:
		return bad_value(why, why_len, "no value kind for %s%s", "",
				 o->name);
	}
}

int sl_opt_format(const struct sl_opt *o, int64_t v, char *buf, size_t len)
{
	switch (o->kind) {
	case SL_PK_BOOL:
		return snprintf(buf, len, "%s", v ? "on" : "off");
	case SL_PK_SECS:
		return snprintf(buf, len, "%llds", (long long)v);
	case SL_PK_MSECS:
		return snprintf(buf, len, "%lldms", (long long)v);
	case SL_PK_TIMEVAL:
		if (v % 1000)
			return snprintf(buf, len, "%lldus", (long long)v);
		if (v % 1000000)
			return snprintf(buf, len, "%lldms", (long long)v / 1000);
		return snprintf(buf, len, "%llds", (long long)v / 1000000);
	case SL_PK_LINGER:
		if (v < 0)
			return snprintf(buf, len, "off");
		return snprintf(buf, len, "on %lld", (long long)v);
	default:
		if (v >= 1 << 20 && !(v % (1 << 20)))
			return snprintf(buf, len, "%lldm", (long long)v >> 20);
		if (v >= 1 << 10 && !(v % (1 << 10)))
			return snprintf(buf, len, "%lldk", (long long)v >> 10);
		return snprintf(buf, len, "%lld", (long long)v);
	}
}

/* BUF must hold a struct timeval or a struct linger. */
socklen_t sl_opt_encode(const struct sl_opt *o, int64_t v, void *buf)
{
	struct timeval tv;
	struct linger lg;
	int i = (int)v;

	switch (o->kind) {
	case SL_PK_TIMEVAL:
		tv.tv_sec = v / 1000000;
		tv.tv_usec = v % 1000000;
		memcpy(buf, &tv, sizeof(tv));
		return sizeof(tv);
	case SL_PK_LINGER:
		lg.l_onoff = v >= 0;
		lg.l_linger = v >= 0 ? (int)v : 0;
		memcpy(buf, &lg, sizeof(lg));
		return sizeof(lg);
	default:
		memcpy(buf, &i, sizeof(i));
		return sizeof(i);
	}
}

/* The program's value as it handed it to setsockopt; -1 if too short. */
int sl_opt_decode(const struct sl_opt *o, const void *buf, socklen_t len,
		  int64_t *out)
{
	struct timeval tv;
	struct linger lg;
	int i;

	switch (o->kind) {
	case SL_PK_TIMEVAL:
		if (len < sizeof(tv))
			return -1;
		memcpy(&tv, buf, sizeof(tv));
		*out = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		return 0;
	case SL_PK_LINGER:
		if (len < sizeof(lg))
			return -1;
		memcpy(&lg, buf, sizeof(lg));
		*out = lg.l_onoff ? lg.l_linger : -1;
		return 0;
	default:
		if (len < sizeof(i))
			return -1;
		memcpy(&i, buf, sizeof(i));
		*out = o->kind == SL_PK_BOOL ? i != 0 : i;
		return 0;
	}
}

bool sl_opt_applies(const struct sl_opt *o, int family, int type)
{
	bool inet = family == AF_INET || family == AF_INET6;

	switch (o->needs) {
	case SL_NEEDS_TCP:
		return inet && type == SOCK_STREAM;
	case SL_NEEDS_INET:
		return inet;
	case SL_NEEDS_INET6:
		return family == AF_INET6;
	case SL_NEEDS_DGRAM:
		return type == SOCK_DGRAM;
	case SL_NEEDS_UNIX:
		return family == AF_UNIX;
	default:
		return true;
	}
}
