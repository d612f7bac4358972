/*
 * A socket option call as a person reads it: "SOL_SOCKET SO_KEEPALIVE =
 * 1", "SOL_TCP TCP_NODELAY = 1", "SOL_SOCKET SO_ERROR = ECONNREFUSED".
 * Levels are named as strace names them. Options come from the policy's
 * table (preload/policy/opts.c: those a policy can name) and, for the
 * others a program commonly sets or asks, from the names-only table
 * below; an option in neither is its number. The value is shown only
 * where the record's "int's worth" (wire.h, SL_F_VALUE) is the whole
 * value: not for a timeval, a linger or a structure.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>

#include "out/out.h"
#include "socklens/policy.h"

static const char *const level_names[] = {
	[SOL_SOCKET] = "SOL_SOCKET",
	[IPPROTO_IP] = "SOL_IP",
	[IPPROTO_TCP] = "SOL_TCP",
	[IPPROTO_UDP] = "SOL_UDP",
	[IPPROTO_IPV6] = "SOL_IPV6",
};

/* Options outside the policy's table; is_int: the value is one int. */
struct opt_name {
	int level;
	int optname;
	const char *name;
	bool is_int;
};

#define NAME(lvl, n, i) { lvl, n, #n, i }
static const struct opt_name extra_opts[] = {
	NAME(SOL_SOCKET, SO_ERROR, true),
	NAME(SOL_SOCKET, SO_TYPE, true),
	NAME(SOL_SOCKET, SO_DOMAIN, true),
	NAME(SOL_SOCKET, SO_PROTOCOL, true),
	NAME(SOL_SOCKET, SO_ACCEPTCONN, true),
	NAME(SOL_SOCKET, SO_SNDBUFFORCE, true),
	NAME(SOL_SOCKET, SO_RCVBUFFORCE, true),
	NAME(SOL_SOCKET, SO_PEERCRED, false),
	NAME(SOL_SOCKET, SO_BINDTODEVICE, false),
	NAME(SOL_SOCKET, SO_ATTACH_FILTER, false),
	NAME(SOL_SOCKET, SO_TIMESTAMPNS, true),
	NAME(IPPROTO_TCP, TCP_INFO, false),
	NAME(IPPROTO_TCP, TCP_CONGESTION, false),
	NAME(IPPROTO_IP, IP_PKTINFO, true),
	NAME(IPPROTO_IP, IP_RECVTOS, true),
	NAME(IPPROTO_IP, IP_ADD_MEMBERSHIP, false),
	NAME(IPPROTO_IP, IP_DROP_MEMBERSHIP, false),
	NAME(IPPROTO_IPV6, IPV6_RECVPKTINFO, true),
	NAME(IPPROTO_IPV6, IPV6_JOIN_GROUP, false),
};
#undef NAME

const char *sl_sockopt_level(int level)
{
	if (level >= 0 && (size_t)level < sizeof(level_names) /
					 sizeof(level_names[0]))
		return level_names[level];
	return NULL;
}

static const struct opt_name *extra(int level, int optname)
{
	for (size_t i = 0; i < sizeof(extra_opts) / sizeof(extra_opts[0]); i++)
		if (extra_opts[i].level == level &&
		    extra_opts[i].optname == optname)
			return &extra_opts[i];
	return NULL;
}

/* The option's name, NULL when neither table has it; *IS_INT whether its
 * value is one int. */
const char *sl_sockopt_name(int level, int optname, bool *is_int)
{
	int i = sl_opt_by_number(level, optname);
	const struct opt_name *x;

	if (i >= 0) {
		*is_int = sl_opts[i].kind != SL_PK_TIMEVAL &&
			  sl_opts[i].kind != SL_PK_LINGER;
		return sl_opts[i].name;
	}
	x = extra(level, optname);
	*is_int = x && x->is_int;
	return x ? x->name : NULL;
}

/*
 * What a getsockopt or setsockopt event tells: level, option and, when
 * the record has it and it is one int, the value. False for other
 * calls. getsockopt is recorded only as SO_ERROR ending a pending connect
 * (SL_F_OUTCOME): arg1 is then the errno SO_ERROR held.
 */
bool sl_evt_sockopt(const struct sl_evt *e, struct sl_sockopt *o)
{
	*o = (struct sl_sockopt){ .level = (int)e->arg0, .optname = (int)e->arg1 };
	if (e->call == SL_CALL_GETSOCKOPT && (e->flags & SL_F_OUTCOME)) {
		o->optname = SO_ERROR;
		o->value = e->arg1;
		o->has_value = true;
		o->is_errno = true;
	} else if (e->call == SL_CALL_SETSOCKOPT) {
		o->value = e->value;
		o->has_value = (e->flags & SL_F_VALUE) != 0;
	} else if (e->call != SL_CALL_GETSOCKOPT) {
		return false;
	}
	o->level_name = sl_sockopt_level(o->level);
	o->name = sl_sockopt_name(o->level, o->optname, &o->is_int);
	o->has_value &= o->is_int;
	return true;
}

/* The same as one string, empty for other calls: its length. */
int sl_evt_sockopt_text(const struct sl_evt *e, char *buf, size_t len)
{
	struct sl_sockopt o;
	char lv[16], nm[16], val[32] = "";

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!sl_evt_sockopt(e, &o))
		return 0;
	if (!o.level_name)
		snprintf(lv, sizeof(lv), "level %d", o.level);
	if (!o.name)
		snprintf(nm, sizeof(nm), "%d", o.optname);
	if (o.has_value && o.is_errno)
		snprintf(val, sizeof(val), " = %s", o.value ?
			 sl_errno_name((int)o.value) : "0");
	else if (o.has_value)
		snprintf(val, sizeof(val), " = %lld", (long long)o.value);
	return snprintf(buf, len, "%s %s%s", o.level_name ? o.level_name : lv,
			o.name ? o.name : nm, val);
}
