/*
 * Names for the numbers in records: calls, address families, socket
 * types, socket states and errnos. Tables with designated initializers,
 * looked up by index; an unknown number gets a printable fallback.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "out/out.h"

static const char *const call_names[SL_CALL_MAX] = {
#define SL_CALL(id, name) [SL_CALL_##id] = name,
#include "socklens/calls.def"
};

static const char *const state_names[SL_SS_MAX] = {
	[SL_SS_CREATED] = "created",
	[SL_SS_BOUND] = "bound",
	[SL_SS_LISTENING] = "listening",
	[SL_SS_CONNECTING] = "connecting",
	[SL_SS_ESTABLISHED] = "established",
	[SL_SS_SHUT_WR] = "shut-wr",
	[SL_SS_SHUT_RD] = "shut-rd",
	[SL_SS_SHUT_RDWR] = "shut-rdwr",
	[SL_SS_PEER_CLOSED] = "peer-closed",
};

static const char *const role_names[SL_ROLE_MAX] = {
	[SL_ROLE_UNCONNECTED] = "unconnected",
	[SL_ROLE_LISTENER] = "listener",
	[SL_ROLE_CLIENT] = "client",
	[SL_ROLE_SERVER] = "server",
	[SL_ROLE_PAIR] = "pair",
	[SL_ROLE_DATAGRAM] = "datagram",
};

struct num_name {
	int num;
	const char *name;
};

static const struct num_name families[] = {
	{ AF_UNIX, "unix" }, { AF_INET, "inet" }, { AF_INET6, "inet6" },
	{ AF_NETLINK, "netlink" }, { AF_PACKET, "packet" },
	{ AF_UNSPEC, "unspec" }, { AF_VSOCK, "vsock" }, { AF_ALG, "alg" },
	{ AF_BLUETOOTH, "bluetooth" }, { AF_TIPC, "tipc" },
};

static const struct num_name types[] = {
	{ SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" },
	{ SOCK_SEQPACKET, "seqpacket" }, { SOCK_RAW, "raw" },
	{ SOCK_RDM, "rdm" }, { SOCK_PACKET, "packet" },
};

#define E(x) { x, #x }
static const struct num_name errnos[] = {
	E(EPERM), E(ENOENT), E(EINTR), E(EIO), E(EBADF), E(EAGAIN),
	E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV),
	E(EINVAL), E(ENFILE), E(EMFILE), E(ENOSPC), E(EPIPE), E(ERANGE),
	E(ENOSYS), E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE),
	E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT),
	E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
	E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED), E(ECONNRESET),
	E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY),
	E(EINPROGRESS), E(E2BIG), E(ENOEXEC), E(ECHILD), E(ENOTDIR),
	E(EISDIR), E(ETXTBSY), E(ELOOP), E(ENAMETOOLONG), E(EPROTO),
};
#undef E

static const char *lookup(const struct num_name *t, size_t n, int num)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

#define N(t) (sizeof(t) / sizeof((t)[0]))

const char *sl_call_name(unsigned int call)
{
	return call < SL_CALL_MAX && call_names[call] ? call_names[call] : "?";
}

const char *sl_state_name(unsigned int st)
{
	return st < SL_SS_MAX && state_names[st] ? state_names[st] : "?";
}

const char *sl_role_name(unsigned int role)
{
	return role < SL_ROLE_MAX && role_names[role] ? role_names[role] : "?";
}

/* Names that are not in a table come back as "af42", "type9", "E123",
 * in a static buffer per kind. */
const char *sl_family_name(int family)
{
	static char buf[16];
	const char *n = lookup(families, N(families), family);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "af%d", family);
	return buf;
}

const char *sl_type_name(int type)
{
	static char buf[16];
	const char *n = lookup(types, N(types), type);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "type%d", type);
	return buf;
}

const char *sl_errno_name(int err)
{
	static char buf[16];
	const char *n = lookup(errnos, N(errnos), err);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

const char *sl_tls_version_text(unsigned int version)
{
	static const char *const names[] = {
		[0] = "3.0", [1] = "1.0", [2] = "1.1", [3] = "1.2", [4] = "1.3",
	};

	if ((version >> 8) != 3 || (version & 0xff) >= N(names))
		return NULL;
	return names[version & 0xff];
}
