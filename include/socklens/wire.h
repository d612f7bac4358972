/*
 * The wire contract between libsocklens.so and the socklens collector.
 *
 * A traced process holds one SOCK_SEQPACKET connection to the collector.
 * Every message on it is a batch: one or more records laid end to end.
 * Every record starts with struct sl_hdr, whose size covers the whole
 * record and is a multiple of 8, so the next record starts aligned.
 * Fields are fixed width, in host byte order: both ends run on one host.
 *
 * The first record on a connection is SL_REC_HELLO; then come the module
 * map (SL_REC_MODULE), the sockets the process already holds
 * (SL_CALL_INHERIT calls, closed by SL_CALL_FDS_DONE), and then the calls
 * as they happen. An exec keeps the connection: the new image starts
 * again with a hello (SL_HELLO_EXEC). The collector learns the sender's
 * pid from the kernel (SCM_CREDENTIALS), never from a record. The collector validates every record against this file
 * (sl_wire_check) before it keeps it; a record that fails closes that one
 * connection.
 *
 * The trace file stores the same records, framed (see SL_FILE_MAGIC).
 */
#ifndef SOCKLENS_WIRE_H
#define SOCKLENS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define SL_WIRE_VERSION 1

/* A batch never exceeds this: it bounds what the collector reads at once
 * from a lane or the socket, and its receive buffer. */
#define SL_BATCH_MAX 8192

enum sl_rec_type {
	SL_REC_HELLO = 1,	/* process identity, first on a connection */
	SL_REC_MODULE = 2,	/* one loaded object of the module map */
	SL_REC_CALL = 3,	/* a wrapped call, no address */
	SL_REC_CALL_ADDR = 4,	/* a wrapped call that carries addresses */
	SL_REC_DROP = 5,	/* records the preload could not send */
	SL_REC_CONN = 6,	/* collector: a process connected (peer creds) */
	SL_REC_GONE = 7,	/* collector: the connection ended */
	SL_REC_EPOLL_CTL = 8,	/* epoll_ctl on an epoll instance we follow */
	SL_REC_WAIT = 9,	/* a readiness wait: epoll, poll or select */
	SL_REC_POLICY_INFO = 10, /* the policy in force, after hello */
	SL_REC_POLICY = 11,	/* one action of the policy on a socket */
	SL_REC_RING = 12,	/* transport: the shared memory (ring.h) */
	SL_REC_LOSS = 13,	/* trace file: records the collector lost */
	SL_REC_PART = 14,	/* trace file: one part of a rotated set */
	SL_REC_RESOLVE = 15,	/* a name lookup: getaddrinfo... res_query */
	SL_REC_SNIFF = 16,	/* a TCP stream's protocol, one direction */
	SL_REC_TLS = 17,	/* what a TLS handshake said in the clear */
	SL_REC_HTTP = 18,	/* one HTTP/1.x request and its response */
	SL_REC_TCPINFO = 19,	/* the kernel's TCP_INFO of a socket */
	SL_REC_TYPE_MAX
};

/*
 * The calls a record names: one value per SL_CALL row of the call table
 * (calls.def), in its order; SL_CALL_INHERIT, SL_CALL_FDS_DONE,
 * SL_CALL_EXIT, SL_CALL_COUNTERS, SL_CALL_SANDBOX, SL_CALL_FD_SEND and
 * SL_CALL_FD_RECV are events of the preload, not libc calls. The values
 * are in trace files: rows are appended, never inserted or removed.
 */
enum sl_call {
#define SL_CALL(id, name) SL_CALL_##id,
#include "socklens/calls.def"
	SL_CALL_MAX
};

_Static_assert(SL_CALL_SOCKET == 1 && SL_CALL_SENDFILE == 31 &&
	       SL_CALL_FDOPEN == 51, "calls.def: a row was inserted");

struct sl_hdr {
	uint16_t size;		/* whole record in bytes, multiple of 8 */
	uint8_t type;		/* enum sl_rec_type */
	uint8_t version;	/* SL_WIRE_VERSION */
	uint32_t tid;		/* kernel thread id of the caller */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC at the start of the call */
};

/* Flags of struct sl_rec_call. */
#define SL_F_NONBLOCK	0x0001u	/* the fd was non-blocking at the call */
#define SL_F_FIRST_IO	0x0002u	/* first I/O after a pending connect */
#define SL_F_EOF	0x0004u	/* a read saw end of stream */
#define SL_F_UNTRACKED	0x0008u	/* fd beyond the table: not followed */
#define SL_F_OUTCOME	0x0010u	/* ends a pending connect; arg1 is its
				 * errno (0: connected), from SO_ERROR */
#define SL_F_VALUE	0x0020u	/* setsockopt: inode2 holds the value */
#define SL_F_LOCAL_LISTENER 0x0040u /* accept: no local address asked of
				 * the kernel; it is the listener's, which
				 * was bound to one address (or a path) */
#define SL_F_SYSCALL	0x0080u	/* made through libc's syscall(), not the
				 * function of that name: otherwise the
				 * same record the function would make */
#define SL_F_STDIO	0x0100u	/* the fd is a stdio stream's: 0, 1 or 2
				 * (held at start, or made so by dup2,
				 * dup3, dup, accept... onto that number),
				 * or one fdopen was called on. libc's stdio
				 * (printf, fwrite, getc...) moves bytes on
				 * it through libc's internal calls, which
				 * no wrapper sees: the socket's byte
				 * counts may miss them. Set on every
				 * record about such an fd, INHERIT
				 * included; for dup*, the new fd's */

/*
 * One wrapped call. fd and inode name the socket the record is about:
 *   socket: the new socket; arg0 the domain, arg1 the type in its low 32
 *     bits (with SOCK_NONBLOCK/SOCK_CLOEXEC) and the protocol above
 *   accept, accept4: the new socket; inode2 and arg1 the listener's inode
 *     and fd, arg0 accept4's flags. On failure: the listener, one record
 *     per failure with its time (EMFILE, ENFILE, ECONNABORTED, EINTR,
 *     EAGAIN...). EAGAIN is also counted (eagain). A non-blocking
 *     listener's EAGAIN (an accept that found the queue empty) is stamped
 *     at the call's start with dur_ns 0; a run of them by one thread on
 *     one listener with no other record of that thread between them is
 *     one record, the first (a loop that spins on accept), the rest only
 *     counted. A blocking listener's EAGAIN within 1 ms is only counted
 *     (its O_NONBLOCK was set where we could not see)
 *   socketpair: one record per end; inode2 the other end; arg0 the
 *     domain, arg1 the type
 *   dup, dup2, dup3, fcntl(F_DUPFD*): the old fd; ret the new fd
 *   close, close_range: the closed fd; arg0 1 when dup2/dup3 closed it.
 *     ts is before the call (the fd may be taken again once it
 *     returns). The close of a socket another process may hold (a fork
 *     since it was made, inherited, passed over SCM_RIGHTS) is timed:
 *     dur_ns until it returned, so that of two holders' closes the one
 *     the kernel saw last is known; 0 otherwise
 *   shutdown: arg0 is how; listen: arg0 is the backlog
 *   fork: ret is the child's pid; exec: ret -1 only when it failed
 *   vfork: ret is the child's pid, ts when vfork was called. Sent by the
 *     parent once it runs again (the child has exec'd or exited), and
 *     only when the child made a wrapped call (its exec, a dup2...) that
 *     told us its pid. The child held a copy of every fd from ts until
 *     its exec; its new image lists what survived (INHERIT, after a
 *     hello without SL_HELLO_FORKED or SL_HELLO_EXEC: a vfork child
 *     records nothing, its exec included)
 *   INHERIT: a socket held when the process first reported; arg0 the
 *     family, arg1 the type
 *   getsockopt, setsockopt: arg0 the level, arg1 the option name, but
 *     with SL_F_OUTCOME (getsockopt(SO_ERROR) after EINPROGRESS);
 *     setsockopt with SL_F_VALUE: inode2 is the value (an int's worth)
 *   epoll_create: fd, ret the epoll fd, inode its epoll id (below), arg0
 *     the flags (epoll_create1) or -1 (epoll_create)
 *   close, dup* of an epoll fd: inode is its epoll id
 *   FDOPEN: fdopen(fd) on a followed socket succeeded: fd and inode
 *     the socket, flags SL_F_STDIO; ts when it returned, dur_ns 0
 *   COUNTERS: the fd's counters while it is open, sent every
 *     SL_COUNTER_CALLS calls or SL_COUNTER_BYTES bytes each way
 *   FD_SEND: one per fd a sendmsg/sendmmsg passed (SCM_RIGHTS) on the
 *     UNIX socket fd/inode; arg0 the fd passed, inode2 its socket inode
 *     or epoll id (0: not followed), ret the sendmsg's result; ts when
 *     the sendmsg started (before the receiver can have it), dur_ns 0
 *   FD_RECV: one per fd a recvmsg/recvmmsg received (SCM_RIGHTS): fd
 *     the new fd, inode its socket inode (asked of the kernel: an fd
 *     that crossed a process line) or a new epoll id, 0 if neither;
 *     inode2 the carrier socket's inode, arg1 the carrier's fd; arg0 the
 *     family in its low 32 bits and the type above; ret the recvmsg's
 *     result; ts when the recvmsg returned (the fd exists from then),
 *     dur_ns 0. A receive cut short (MSG_CTRUNC) lists only the fds it
 *     installed.
 *   the I/O calls (send... recvmmsg, read... sendfile): a record only
 *     for end of stream (SL_F_EOF), the first hard error, the first I/O
 *     after a pending connect, a datagram socket's first peer, every
 *     EINTR, and an EAGAIN after a blocking call waited out its timeout
 *     (SO_RCVTIMEO, SO_SNDTIMEO). A call that can block (a blocking
 *     socket, no MSG_DONTWAIT) is timed: ts is when it started and dur_ns
 *     how long it took, so what the record reports happened at ts +
 *     dur_ns (a recvfrom cut by a signal after 1 s: ts its start, dur_ns
 *     1 s, err EINTR). One that cannot block is not timed: ts is when it
 *     returned, dur_ns 0. ret is the bytes moved (sendmmsg, recvmmsg:
 *     the sum of msg_len over the messages moved). A MSG_PEEK read is
 *     counted in peeks, not in rx_bytes or rx_calls.
 * The counters are the fd's totals so far, sent with every state change
 * instead of one record per I/O call.
 */
struct sl_rec_call {
	struct sl_hdr h;
	uint64_t dur_ns;	/* time spent in the real call; 0 for the
				 * calls that never block and are not timed
				 * (socket, socketpair, setsockopt, a close
				 * of a socket no other process holds, I/O on
				 * a non-blocking socket) */
	uint64_t caller;	/* return address into the caller */
	uint64_t inode;
	uint64_t inode2;
	int64_t ret;		/* what libc returned */
	int64_t arg0;		/* call specific, see above and sl_call_args */
	int64_t arg1;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint32_t tx_calls;
	uint32_t rx_calls;
	uint32_t eagain;	/* EAGAIN/EWOULDBLOCK results seen */
	int32_t fd;
	int32_t err;		/* errno when ret < 0, else 0 */
	uint16_t call;		/* enum sl_call */
	uint16_t flags;		/* SL_F_* */
	uint32_t peer_pid;	/* UNIX stream accept: SO_PEERCRED's pid */
	uint32_t peeks;		/* MSG_PEEK reads seen: their bytes are not
				 * in rx_bytes, nor are they in rx_calls */
};

/* An epoll instance has no inode of its own (they share the anonymous
 * inode), so the preload names it: this bit, the pid, a sequence. */
#define SL_EPOLL_ID_BIT (1ull << 63)

#define SL_COUNTER_CALLS 256
#define SL_COUNTER_BYTES (1u << 20)

/*
 * A socket address as the kernel gave it: len bytes of a struct sockaddr
 * (sun_path is not NUL-terminated; an abstract name starts with a NUL).
 * len 0 means no address.
 */
#define SL_ADDR_MAX 128
struct sl_addr {
	uint16_t len;
	uint8_t raw[SL_ADDR_MAX - 2];
};

/* A call with addresses: addr is the call's own (bind, connect, accept's
 * peer, sendto's destination, recvfrom's source), local what
 * getsockname(2) said right after it. */
struct sl_rec_call_addr {
	struct sl_rec_call c;
	struct sl_addr addr;
	struct sl_addr local;
};

#define SL_EXE_MAX 256
#define SL_ARGS_MAX 1024

/* Hello flags. */
#define SL_HELLO_FORKED	0x1u	/* first report of a child after fork */
#define SL_HELLO_RECONNECT 0x2u	/* same image, after the collector was lost */
#define SL_HELLO_EXEC	0x4u	/* a new image on its predecessor's connection */

struct sl_rec_hello {
	struct sl_hdr h;
	uint64_t mono_ns;	/* CLOCK_MONOTONIC and ...             */
	uint64_t real_ns;	/* ... CLOCK_REALTIME read together     */
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t flags;		/* SL_HELLO_* */
	uint32_t preload_version;	/* SL_WIRE_VERSION of the preload */
	uint32_t args_len;	/* bytes of args used, NUL separated */
	char exe[SL_EXE_MAX];	/* NUL-terminated */
	char args[SL_ARGS_MAX];	/* argv, each NUL-terminated */
};

#define SL_PATH_MAX 256
struct sl_rec_module {
	struct sl_hdr h;
	uint64_t base;		/* load address (dlpi_addr) */
	uint64_t start;		/* lowest mapped address */
	uint64_t end;		/* one past the highest mapped address */
	char path[SL_PATH_MAX];	/* NUL-terminated, "" for the main program */
};

/*
 * Records the preload could not send. reason says why:
 *   SL_DROP_UNSENT: the collector was absent, slow or gone (full socket
 *     and ring, a lost connection); pid 0.
 *   SL_DROP_NO_FD: no connection could be made, because no fd was free
 *     where ours must go: at or above the fd limit the program had when
 *     it lowered it (setrlimit), for the preload never takes an fd below
 *     the program's limit. pid 0: this process's own records, counted
 *     while it had no connection (reported once it has one again, e.g.
 *     after raising its limit). pid non-zero: a fork child of this
 *     process that can have no connection at all (its hard limit is
 *     below our fd); records and batches are 0, as nothing of it will
 *     ever be counted here: it and what it execs are untraced.
 */
enum sl_drop_reason {
	SL_DROP_UNSENT = 0,
	SL_DROP_NO_FD = 1,
	SL_DROP_REASON_MAX
};

struct sl_rec_drop {
	struct sl_hdr h;
	uint64_t records;	/* records lost since the last drop record */
	uint64_t batches;
	uint32_t reason;	/* enum sl_drop_reason */
	uint32_t pid;		/* SL_DROP_NO_FD: an untraced fork child */
};

/* epoll_ctl(epfd, op, fd, event) on an epoll instance we follow. */
struct sl_rec_epoll_ctl {
	struct sl_hdr h;
	uint64_t caller;
	uint64_t epoll_id;
	uint64_t inode;		/* the target's socket inode, 0 if none */
	uint64_t data;		/* event.data, what a wait returns for it */
	int32_t epfd;
	int32_t fd;
	int32_t op;		/* EPOLL_CTL_ADD, _MOD, _DEL */
	uint32_t events;	/* event.events */
	int32_t ret;
	int32_t err;
};

/*
 * One readiness wait. epoll: key is the event's data (epoll_ctl said
 * which fd it stands for), fd -1. poll, select: key is the socket's
 * inode, fd the fd. Only followed sockets are listed, at most
 * SL_READY_MAX; `more` counts the rest.
 */
#define SL_READY_MAX 16
struct sl_ready {
	uint64_t key;
	uint32_t events;	/* EPOLLIN... (poll and select mapped to them) */
	int32_t fd;
};

struct sl_rec_wait {
	struct sl_hdr h;
	uint64_t dur_ns;	/* time blocked in the call */
	uint64_t caller;
	uint64_t epoll_id;	/* 0 for poll and select */
	int32_t epfd;		/* -1 for poll and select */
	int32_t ret;
	int32_t err;
	int32_t timeout_ms;	/* -1: no timeout */
	uint16_t call;		/* SL_CALL_EPOLL_WAIT ... SL_CALL_PSELECT */
	uint16_t nready;	/* entries in ready[] */
	uint32_t more;		/* ready followed sockets not listed */
	uint32_t idle_polls;	/* empty zero-timeout waits folded into
				 * this record since the last one */
	uint32_t nfds;		/* poll/select: followed sockets asked of */
	struct sl_ready ready[];	/* nready entries: size says */
};

/* The policy a process runs under, sent after its hello. */
#define SL_POLICY_MSG_MAX 256
struct sl_rec_policy_info {
	struct sl_hdr h;
	uint32_t audit;		/* 1: actions are recorded, not taken */
	uint32_t rules;
	uint32_t bad;		/* 1: the file was refused; see message */
	uint32_t pad;
	char path[SL_PATH_MAX];		/* NUL-terminated */
	char message[SL_POLICY_MSG_MAX];	/* FILE:LINE:COL: reason */
};

enum sl_pol_when {
	SL_PW_CREATE,		/* applied when the socket was made */
	SL_PW_BIND,		/* just before bind */
	SL_PW_CONNECT,		/* just before connect */
	SL_PW_CONNECTED,	/* after connect, once the local end is known */
	SL_PW_LISTEN,		/* just before listen */
	SL_PW_ACCEPT,		/* on an accepted socket */
	SL_PW_SETSOCKOPT,	/* on the program's own setsockopt */
	SL_PW_MAX
};

/* What a policy rule does (struct sl_rec_policy's action). */
enum sl_pol_action {
	SL_PA_SET,		/* set the option to the rule's value */
	SL_PA_CLAMP,		/* keep the program's value within bounds */
	SL_PA_DENY,		/* the program's setsockopt fails: EPERM */
	SL_PA_IGNORE,		/* it returns 0 and nothing is applied */
	/* Fault rules (socklens-policy(5)): opt names the call, value is
	 * the errno (fail), ns (delay), bytes (limit, short) or EAGAINs
	 * said (again); prog_value the length the program asked for. */
	SL_PA_FAIL,
	SL_PA_DELAY,
	SL_PA_LIMIT,
	SL_PA_SHORT,
	SL_PA_AGAIN,
	SL_PA_MAX
};

/*
 * How an option's value reads (struct sl_rec_policy's kind): the values
 * travel as int64, in these units.
 */
enum sl_pol_kind {
	SL_PK_BOOL,		/* 0 or 1: off, on */
	SL_PK_INT,		/* an integer */
	SL_PK_SECS,		/* seconds */
	SL_PK_MSECS,		/* milliseconds */
	SL_PK_TIMEVAL,		/* microseconds (a struct timeval) */
	SL_PK_LINGER,		/* -1: off; else on, that many seconds */
	SL_PK_MAX
};

/* Flags of a policy action. */
#define SL_PF_AUDIT	0x01u	/* audit mode: what would have been done */
#define SL_PF_PROG	0x02u	/* prog_value holds the program's value */
#define SL_PF_LATE	0x04u	/* the option should have preceded connect
				 * or listen but the rule matched only now */
#define SL_PF_MISFIT	0x08u	/* the option does not apply to the socket */

#define SL_OPTNAME_MAX 32
struct sl_rec_policy {
	struct sl_hdr h;
	uint64_t caller;
	uint64_t inode;
	int64_t prog_value;	/* what the program asked for */
	int64_t value;		/* what the kernel got (or would have) */
	int32_t fd;
	int32_t level;
	int32_t optname;
	uint32_t line;		/* the rule's line in the policy file */
	int32_t ret;		/* of the setsockopt we made, or told */
	int32_t err;
	uint8_t action;		/* enum sl_pol_action */
	uint8_t when;		/* enum sl_pol_when */
	uint8_t flags;		/* SL_PF_* */
	uint8_t kind;		/* enum sl_pol_kind: the values' unit */
	uint32_t pad;
	char opt[SL_OPTNAME_MAX];	/* the option's name, NUL-terminated */
};

/* Written by the collector, never sent by a preload. */
struct sl_rec_conn {
	struct sl_hdr h;
	uint32_t pid;		/* SO_PEERCRED: trusted over the records */
	uint32_t uid;
	uint32_t gid;
	uint32_t pad;
};

struct sl_rec_gone {
	struct sl_hdr h;
	uint64_t bad_records;	/* non-zero: dropped for a bad record */
};

/*
 * The preload's shared-memory ring (ring.h): a message of this one record
 * carries the ring's memfd (SCM_RIGHTS). The collector maps it and keeps
 * nothing of it in the trace: it is transport, never a file record.
 */
struct sl_rec_ring {
	struct sl_hdr h;
	uint64_t data_size;	/* bytes of the data area, a power of two */
	uint64_t reserved;
};

/*
 * The trace file's own records, written by the file layer in a frame of
 * their own on connection 0 (no process has that number) and read back
 * by it; a reader of records never sees them.
 *
 * SL_REC_LOSS: the collector could not write RECORDS records to the file
 * (a full disk, a file-size limit, an I/O error): err is the errno of the
 * first failure, h.ts_ns its time, last_ns the last one's. One record per
 * run of failures, written once writing works again (or at once, in
 * place of the torn bytes, and rewritten as the count grows).
 */
struct sl_rec_loss {
	struct sl_hdr h;
	uint64_t records;
	uint64_t last_ns;	/* CLOCK_MONOTONIC, as h.ts_ns */
	int32_t err;
	uint32_t pad;
};

/*
 * SL_REC_PART: the first frame of each file of a rotated set (socklens
 * collect -C). set_id is the same in every part of one set (the creation
 * time of its first), part counts from 0. restated is how many bytes of
 * frames after this one repeat what earlier parts said (each open
 * connection's SL_REC_CONN, latest hello, module map and policy): a
 * reader that read the previous part skips them, one that starts here
 * reads them.
 */
struct sl_rec_part {
	struct sl_hdr h;
	uint64_t set_id;
	uint64_t restated;
	uint32_t part;
	uint32_t pad;
};

/*
 * The records of the network waterfall (issue 18). Each fits a lane
 * record (SL_LANE_REC_MAX, ring.h). The per-socket ones (SNIFF, TLS,
 * HTTP, TCPINFO) name their socket as a call record does: inode (the
 * socket's) and fd (the number it had when the record was made). What
 * the preload reads of a stream's bytes (SNIFF, TLS, HTTP) is only what
 * the program itself passed through send/recv, from each direction's
 * first byte, until nothing more is to be learned (preload/README.md,
 * "Peek"); SOCKLENS_NO_PEEK=1 turns all three off, SOCKLENS_NO_TCP_INFO=1
 * the fourth. Moments are CLOCK_MONOTONIC ns of the call that moved the
 * bytes (its return); 0 means not seen.
 */

/* Which resolver entry point a SL_REC_RESOLVE is about. */
enum sl_res_api {
	SL_RES_GETADDRINFO = 0,
	SL_RES_GETNAMEINFO,
	SL_RES_GETHOSTBYNAME,
	SL_RES_GETHOSTBYNAME2,
	SL_RES_GETHOSTBYNAME_R,
	SL_RES_GETHOSTBYNAME2_R,
	SL_RES_GETHOSTBYADDR,
	SL_RES_RES_QUERY,
	SL_RES_RES_SEARCH,
	SL_RES_RES_NQUERY,
	SL_RES_RES_NSEARCH,
	SL_RES_API_MAX
};

#define SL_RESOLVE_ADDRS 16	/* answer addresses kept */
#define SL_RESOLVE_NAME_MAX 192	/* bytes of name kept, NUL included */

/* Flags of struct sl_rec_resolve. */
#define SL_RES_F_NAME_CUT 0x01u	/* name longer than kept: name_len says */
#define SL_RES_F_MORE	0x02u	/* more answers than addr[]: more says */
#define SL_RES_F_NO_NAME 0x04u	/* no name asked (getaddrinfo(NULL, ...)) */
#define SL_RES_F_NESTED	0x08u	/* made from inside another lookup */
#define SL_RES_F_FAULT	0x10u	/* failed by a fault rule, not the resolver */

/*
 * One resolver call. h.ts_ns is when it began, dur_ns how long it took.
 *   getaddrinfo: name the node asked, family the hints' (AF_UNSPEC when
 *     none), port the service's as the first answer has it; addr[] the
 *     answers in list order (duplicates for each socket type removed);
 *     err the EAI_* code (0: found), sys_errno errno for EAI_SYSTEM.
 *   getnameinfo: addr[0] the address asked (naddr 1), port its port;
 *     name the host name it gave, err the EAI_* code.
 *   gethostbyname, gethostbyname2 and their _r forms: name asked,
 *     family AF_INET or gethostbyname2's, addr[] h_addr_list; err the
 *     h_errno (HOST_NOT_FOUND 1, TRY_AGAIN 2, NO_RECOVERY 3, NO_DATA 4),
 *     sys_errno the _r form's return (ERANGE: buffer too small).
 *   gethostbyaddr: addr[0] the address asked, name the host name found.
 *   res_query, res_search and the res_n forms: name asked, qtype the
 *     query type, ret the answer's length (-1 on failure), addr[] the A
 *     and AAAA records in its answer section, err h_errno.
 * An address is 16 bytes: IPv6 as is, IPv4 in the first 4 (bit i of v4
 * set for addr[i]).
 */
struct sl_rec_resolve {
	struct sl_hdr h;
	uint64_t dur_ns;
	uint64_t caller;	/* return address into the caller */
	int32_t err;		/* EAI_* or h_errno, by api; 0: found */
	int32_t sys_errno;	/* see above, else 0 */
	uint8_t api;		/* enum sl_res_api */
	uint8_t family;		/* AF_UNSPEC, AF_INET, AF_INET6 asked */
	uint8_t naddr;		/* entries of addr[] used */
	uint8_t flags;		/* SL_RES_F_* */
	uint16_t qtype;		/* res_*: the query's type (1 A, 28 AAAA) */
	uint16_t port;		/* host byte order; 0 none */
	uint32_t more;		/* answers past addr[] */
	uint32_t v4;		/* bit i: addr[i] is IPv4 */
	uint16_t name_len;	/* the whole name's length */
	uint16_t pad;
	int32_t ret;		/* res_*: the answer's length or -1 */
	uint8_t addr[SL_RESOLVE_ADDRS][16];
	char name[SL_RESOLVE_NAME_MAX];	/* NUL-terminated, cut to fit */
};

/* The protocols a stream is recognised as: one table of prefaces
 * (preload/sniff_proto.c). */
enum sl_proto {
	SL_PROTO_NONE = 0,	/* not decided yet: too few bytes */
	SL_PROTO_UNKNOWN,	/* decided: no preface matched */
	SL_PROTO_TLS,
	SL_PROTO_HTTP1,
	SL_PROTO_H2,		/* the client preface, cleartext (h2c) */
	SL_PROTO_REDIS,		/* RESP: a client's array of bulk strings */
	SL_PROTO_SSH,
	SL_PROTO_PGSQL,		/* PostgreSQL startup, SSL or cancel request */
	SL_PROTO_MYSQL,		/* the server's greeting, protocol 10 */
	SL_PROTO_DNS,		/* a DNS query over TCP */
	SL_PROTO_COUNT
};

/* "tls", "http/1", "h2", "redis", ...; "unknown" for NONE and UNKNOWN
 * and anything out of range. */
static inline const char *sl_proto_name(unsigned int proto)
{
	static const char *const names[SL_PROTO_COUNT] = {
		[SL_PROTO_NONE] = "unknown",
		[SL_PROTO_UNKNOWN] = "unknown",
		[SL_PROTO_TLS] = "tls",
		[SL_PROTO_HTTP1] = "http/1",
		[SL_PROTO_H2] = "h2",
		[SL_PROTO_REDIS] = "redis",
		[SL_PROTO_SSH] = "ssh",
		[SL_PROTO_PGSQL] = "postgresql",
		[SL_PROTO_MYSQL] = "mysql",
		[SL_PROTO_DNS] = "dns",
	};
	return proto < SL_PROTO_COUNT ? names[proto] : "unknown";
}

/* Who sends bytes like the ones that matched (struct sl_rec_sniff). */
#define SL_SNIFF_ROLE_ANY 0	/* either side (SSH banners) */
#define SL_SNIFF_ROLE_CLIENT 1
#define SL_SNIFF_ROLE_SERVER 2

/* Flags of struct sl_rec_sniff. */
#define SL_SNIFF_F_LOST	0x01u	/* the direction's start went by unseen */

/*
 * A direction of a TCP stream was recognised: dir 0 what the program
 * sent, 1 what it received; proto its enum sl_proto (SL_PROTO_UNKNOWN
 * when no preface matched), role who sends such bytes. off is how many
 * bytes of that direction came before the chunk that decided it.
 * h.ts_ns: that chunk's call.
 */
struct sl_rec_sniff {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t off;
	int32_t fd;
	uint8_t dir;		/* 0 sent, 1 received */
	uint8_t proto;		/* enum sl_proto */
	uint8_t role;		/* SL_SNIFF_ROLE_* */
	uint8_t flags;		/* SL_SNIFF_F_* */
};

#define SL_TLS_SNI_MAX 255	/* host_name bytes kept (DNS: 253) */
#define SL_TLS_ALPN_N 4		/* offered protocols kept */
#define SL_TLS_ALPN_MAX 15	/* bytes of one protocol name kept */

/* What a TLS parse saw (struct sl_rec_tls's flags). */
enum sl_tls_flag {
	SL_TLS_F_CH = 1u << 0,		/* a ClientHello was parsed */
	SL_TLS_F_SH = 1u << 1,		/* a ServerHello (not HRR) was parsed */
	SL_TLS_F_HRR = 1u << 2,		/* a HelloRetryRequest came first */
	SL_TLS_F_SNI_BAD = 1u << 3,	/* host_name with bad bytes: not kept */
	SL_TLS_F_ALPN_MORE = 1u << 4,	/* offered more (or longer) than kept */
	SL_TLS_F_EARLY_DATA = 1u << 5,	/* the ClientHello offered 0-RTT */
	SL_TLS_F_TRUNC = 1u << 6,	/* a hello outgrew the buffer */
	SL_TLS_F_LOST = 1u << 7,	/* a hello split with no room to join */
	SL_TLS_F_BAD = 1u << 8,		/* a hello did not parse */
	SL_TLS_F_ALPN_HIDDEN = 1u << 9,	/* TLS 1.3: chosen ALPN encrypted */
	SL_TLS_F_GUESS = 1u << 10,	/* version unknown: phase end guessed */
	SL_TLS_F_ALERT = 1u << 11,	/* a plaintext alert was seen */
	/* Set by the preload, not the parser: */
	SL_TLS_F_DONE = 1u << 16,	/* all it could tell: nothing follows */
	SL_TLS_F_CLOSED = 1u << 17,	/* written at close, before done */
	SL_TLS_F_EXIT = 1u << 18,	/* written at exit, before done */
};

/*
 * What a TLS connection said in the clear, one record per socket: when
 * the parse is over (SL_TLS_F_DONE), else at its close or the process's
 * exit. client_dir is the direction the ClientHello took (0: this
 * program sent it, it is the client). The moments by direction (index 0
 * sent, 1 received): enc_ns the first type-23 record, app_ns its first
 * application data (the handshake is over that way; TLS 1.3 as
 * preload/sniff.h says), answer_ns the server's first record after the
 * client's first application data (the answer's first byte).
 * Versions: 0x0303 is 1.2, 0x0304 1.3; ch_versions bit n is 0x0300 + n
 * offered in supported_versions. Strings end in NUL.
 */
struct sl_rec_tls {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t ch_ns;		/* the ClientHello's call */
	uint64_t sh_ns;		/* the ServerHello's call */
	uint64_t enc_ns[2];
	uint64_t app_ns[2];
	uint64_t answer_ns;
	int32_t fd;
	uint32_t flags;		/* enum sl_tls_flag */
	uint16_t ch_version;	/* ClientHello legacy_version */
	uint16_t ch_max_version; /* highest offered */
	uint16_t version;	/* negotiated; 0 unknown */
	uint16_t cipher;	/* the chosen cipher suite */
	uint8_t ch_versions;
	uint8_t alpn_offered;	/* how many were offered (to 255) */
	uint8_t alpn_n;		/* how many are kept in alpn[] */
	uint8_t client_dir;	/* 0, 1; 255 no ClientHello seen */
	uint8_t alert_level, alert_desc; /* the first plaintext alert */
	uint8_t pad[2];
	char sni[SL_TLS_SNI_MAX + 1];	/* "" when absent or bad */
	char alpn[SL_TLS_ALPN_N][SL_TLS_ALPN_MAX + 1];	/* offered */
	char alpn_chosen[SL_TLS_ALPN_MAX + 1];	/* TLS <= 1.2 only */
};

#define SL_HTTP_METHOD_MAX 15
#define SL_HTTP_TARGET_MAX 256

/* How an HTTP/1.x message was framed (struct sl_rec_http's flags). */
enum sl_http_flag {
	SL_HTTP_F_RESPONSE = 1u << 0,	/* a status line, not a request */
	SL_HTTP_F_TARGET_CUT = 1u << 1,	/* target longer than kept */
	SL_HTTP_F_HEAD = 1u << 2,	/* request HEAD / response to one */
	SL_HTTP_F_CONNECT = 1u << 3,	/* request CONNECT / response to one */
	SL_HTTP_F_NO_BODY = 1u << 4,	/* 1xx, 204, 304, HEAD, or none sent */
	SL_HTTP_F_CHUNKED = 1u << 5,	/* Transfer-Encoding: chunked */
	SL_HTTP_F_LENGTH = 1u << 6,	/* Content-Length framed */
	SL_HTTP_F_UNTIL_CLOSE = 1u << 7, /* body ends at the stream's end */
	SL_HTTP_F_INTERIM = 1u << 8,	/* 1xx but 101: the real one follows */
	SL_HTTP_F_ORPHAN = 1u << 9,	/* a response with no request seen */
	/* Set by the preload, not the parser: */
	SL_HTTP_F_CLOSED = 1u << 16,	/* written at close, exchange unfinished */
	SL_HTTP_F_EXIT = 1u << 17,	/* written at exit, exchange unfinished */
	SL_HTTP_F_LOST = 1u << 18,	/* requests in flight past what is kept:
					 * this one's start line is unknown */
};

/*
 * One HTTP/1.x exchange on a socket, written when its response ended
 * (or at close or exit, unfinished: end_ns 0). side 0: this program sent
 * the request (a client), 1: it received it (a server). index counts
 * the socket's requests from 0: index > 0 is keep-alive reuse.
 * sent_ns is the request's first byte, req_end_ns its last, first_byte_ns
 * the response's first byte (the time to first byte is first_byte_ns -
 * sent_ns, or - req_end_ns for the server's think time), end_ns its last.
 * A 1xx interim response is not an exchange's response: the final one is.
 */
struct sl_rec_http {
	struct sl_hdr h;
	uint64_t inode;
	uint64_t sent_ns;
	uint64_t req_end_ns;
	uint64_t first_byte_ns;
	uint64_t end_ns;
	uint64_t req_body;	/* body bytes of the request */
	uint64_t resp_body;	/* and of the response */
	int32_t fd;
	uint32_t index;
	uint32_t req_flags;	/* enum sl_http_flag */
	uint32_t resp_flags;
	uint32_t target_len;	/* the whole target's length */
	uint16_t status;	/* 0: no response seen */
	uint8_t minor;		/* HTTP/1.<minor> of the request */
	uint8_t side;		/* 0 client, 1 server */
	char method[SL_HTTP_METHOD_MAX + 1];
	char target[SL_HTTP_TARGET_MAX + 1];	/* cut: target_len says */
	uint8_t pad[7];
};

/* When a SL_REC_TCPINFO was taken. */
enum sl_tcpinfo_when {
	SL_TI_CLOSE = 0,	/* just before the program's close */
	SL_TI_EXIT,		/* at the process's exit, still open */
	SL_TI_WHEN_MAX
};

/*
 * getsockopt(TCP_INFO) of a TCP socket (struct tcp_info, linux/tcp.h),
 * taken at close when the socket lived 10 ms or more or moved 64 KiB or
 * more, and at exit for those still open. len is how many bytes of
 * struct tcp_info the kernel filled: fields past it are 0. Times in
 * microseconds, rates in bytes per second.
 */
struct sl_rec_tcpinfo {
	struct sl_hdr h;
	uint64_t inode;
	int32_t fd;
	uint8_t when;		/* enum sl_tcpinfo_when */
	uint8_t state;		/* tcpi_state (TCP_ESTABLISHED 1...) */
	uint8_t ca_state;	/* tcpi_ca_state */
	uint8_t app_limited;	/* tcpi_delivery_rate_app_limited */
	uint32_t rtt_us;	/* smoothed RTT */
	uint32_t rttvar_us;
	uint32_t min_rtt_us;
	uint32_t retrans;	/* segments unacknowledged and resent now */
	uint32_t total_retrans;	/* retransmitted segments in its life */
	uint32_t lost;		/* segments taken for lost now */
	uint32_t snd_mss;
	uint32_t rcv_mss;
	uint32_t snd_cwnd;	/* in segments */
	uint32_t snd_ssthresh;
	uint32_t reordering;
	uint32_t rcv_space;
	uint32_t segs_out;
	uint32_t segs_in;
	uint32_t data_segs_out;
	uint32_t data_segs_in;
	uint32_t len;		/* bytes of struct tcp_info filled */
	uint32_t snd_wnd;	/* the peer's window as last advertised */
	uint64_t delivery_rate;
	uint64_t pacing_rate;
	uint64_t busy_us;	/* sending with data queued */
	uint64_t rwnd_limited_us; /* of it, stalled by the peer's window */
	uint64_t sndbuf_limited_us; /* of it, by our send buffer */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint64_t bytes_sent;
	uint64_t bytes_retrans;
};

_Static_assert(sizeof(struct sl_rec_resolve) == 512, "sl_rec_resolve layout");
_Static_assert(sizeof(struct sl_rec_sniff) == 40, "sl_rec_sniff layout");
_Static_assert(sizeof(struct sl_rec_tls) == 440, "sl_rec_tls layout");
_Static_assert(sizeof(struct sl_rec_http) == 376, "sl_rec_http layout");
_Static_assert(sizeof(struct sl_rec_tcpinfo) == 176, "sl_rec_tcpinfo layout");

_Static_assert(sizeof(struct sl_hdr) == 16, "sl_hdr layout");
_Static_assert(sizeof(struct sl_rec_loss) == 40, "sl_rec_loss layout");
_Static_assert(sizeof(struct sl_rec_part) == 40, "sl_rec_part layout");
_Static_assert(sizeof(struct sl_rec_ring) == 32, "sl_rec_ring layout");
_Static_assert(sizeof(struct sl_rec_call) == 120, "sl_rec_call layout");
_Static_assert(sizeof(struct sl_addr) == SL_ADDR_MAX, "sl_addr layout");
_Static_assert(sizeof(struct sl_rec_call_addr) == 120 + 2 * SL_ADDR_MAX,
	       "sl_rec_call_addr layout");
_Static_assert(sizeof(struct sl_rec_epoll_ctl) == 72, "sl_rec_epoll_ctl layout");
_Static_assert(sizeof(struct sl_ready) == 16, "sl_ready layout");
_Static_assert(sizeof(struct sl_rec_wait) == 72, "sl_rec_wait layout");
_Static_assert(sizeof(struct sl_rec_policy_info) == 32 + SL_PATH_MAX +
	       SL_POLICY_MSG_MAX, "sl_rec_policy_info layout");
_Static_assert(sizeof(struct sl_rec_policy) == 112, "sl_rec_policy layout");
_Static_assert(sizeof(struct sl_rec_hello) == 16 + 40 + SL_EXE_MAX +
	       SL_ARGS_MAX, "sl_rec_hello layout");
_Static_assert(sizeof(struct sl_rec_module) == 16 + 24 + SL_PATH_MAX,
	       "sl_rec_module layout");
_Static_assert(sizeof(struct sl_rec_drop) == 40, "sl_rec_drop layout");
_Static_assert(sizeof(struct sl_rec_conn) == 32, "sl_rec_conn layout");
_Static_assert(sizeof(struct sl_rec_gone) == 24, "sl_rec_gone layout");
_Static_assert(sizeof(struct sl_rec_hello) % 8 == 0, "hello alignment");
_Static_assert(sizeof(struct sl_rec_hello) <= SL_BATCH_MAX, "hello fits");

/*
 * The trace file: struct sl_file_hdr, then frames. A frame is struct
 * sl_frame followed by len bytes: one batch as the collector received it,
 * or one record the collector wrote itself. crc is CRC-32 (IEEE) of conn
 * (4 bytes) followed by the len bytes; a frame whose length runs past the
 * end or whose crc does not match is a torn tail, and reading stops there.
 * Frames on connection 0 hold the file's own records (SL_REC_LOSS,
 * SL_REC_PART); collector connections are numbered from 1.
 */
#define SL_FILE_MAGIC "SOCKLENS"
#define SL_FILE_VERSION 1

struct sl_file_hdr {
	char magic[8];		/* SL_FILE_MAGIC, no NUL */
	uint32_t version;	/* SL_FILE_VERSION */
	uint32_t wire_version;	/* SL_WIRE_VERSION of the records */
	uint64_t created_real_ns;
	uint64_t reserved;
};

#define SL_FRAME_MAGIC 0x534c4652u	/* "SLFR" */
struct sl_frame {
	uint32_t magic;		/* SL_FRAME_MAGIC: rejects garbage early */
	uint32_t len;
	uint32_t crc;
	uint32_t conn;		/* collector's connection number */
};

_Static_assert(sizeof(struct sl_file_hdr) == 32, "sl_file_hdr layout");
_Static_assert(sizeof(struct sl_frame) == 16, "sl_frame layout");

/*
 * Expected size of a record type, 0 for an unknown type. SL_REC_WAIT is
 * this plus nready * sizeof(struct sl_ready).
 */
static inline size_t sl_rec_size(unsigned int type)
{
	static const uint16_t sizes[SL_REC_TYPE_MAX] = {
		[SL_REC_HELLO] = sizeof(struct sl_rec_hello),
		[SL_REC_MODULE] = sizeof(struct sl_rec_module),
		[SL_REC_CALL] = sizeof(struct sl_rec_call),
		[SL_REC_CALL_ADDR] = sizeof(struct sl_rec_call_addr),
		[SL_REC_DROP] = sizeof(struct sl_rec_drop),
		[SL_REC_CONN] = sizeof(struct sl_rec_conn),
		[SL_REC_GONE] = sizeof(struct sl_rec_gone),
		[SL_REC_EPOLL_CTL] = sizeof(struct sl_rec_epoll_ctl),
		[SL_REC_WAIT] = sizeof(struct sl_rec_wait),
		[SL_REC_POLICY_INFO] = sizeof(struct sl_rec_policy_info),
		[SL_REC_POLICY] = sizeof(struct sl_rec_policy),
		[SL_REC_RING] = sizeof(struct sl_rec_ring),
		[SL_REC_LOSS] = sizeof(struct sl_rec_loss),
		[SL_REC_PART] = sizeof(struct sl_rec_part),
		[SL_REC_RESOLVE] = sizeof(struct sl_rec_resolve),
		[SL_REC_SNIFF] = sizeof(struct sl_rec_sniff),
		[SL_REC_TLS] = sizeof(struct sl_rec_tls),
		[SL_REC_HTTP] = sizeof(struct sl_rec_http),
		[SL_REC_TCPINFO] = sizeof(struct sl_rec_tcpinfo),
	};
	return type < SL_REC_TYPE_MAX ? sizes[type] : 0;
}

#endif
