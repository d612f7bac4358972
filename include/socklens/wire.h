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
 * One wrapped call. fd and inode name the socket the record is about
 * (inode: its name, SL_SOCK_NAME_BIT below, or its kernel inode):
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
 *   ALIAS: inode, a name of ours (SL_SOCK_NAME_BIT), is the socket of
 *     kernel inode inode2; fd its fd (see SL_SOCK_NAME_BIT)
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

#include "socklens/names.h"

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

/* The network waterfall's records: RESOLVE, SNIFF, TLS, HTTP, TCPINFO. */
#include "socklens/waterfall.h"

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
 *
 * Version 2 adds packed frames (struct sl_pack_frame): the batches the
 * collector kept between two flushes, of every connection, in one frame,
 * each record encoded against an earlier one of its connection and type
 * (viewer/README.md, "The trace file", has the encoding). A reader keeps
 * what it decoded from one packed frame to the next, and forgets it at a
 * frame flagged SL_PACK_RESET (the first of a part, the first after a
 * failed write). Plain frames may still come between them (the file's
 * own records are always plain). A version 1 file holds plain frames
 * only; readers of version 2 read both.
 */
#define SL_FILE_MAGIC "SOCKLENS"
#define SL_FILE_VERSION 2
#define SL_FILE_VERSION_MIN 1	/* the oldest version still read */

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

/* A packed frame: len bytes of encoded batches follow. crc is CRC-32 of
 * the 12 bytes from flags to raw_len, then the len bytes. */
#define SL_PACK_MAGIC 0x534c4650u	/* "SLFP" */
#define SL_PACK_RESET 0x1u	/* forget what earlier frames said */
struct sl_pack_frame {
	uint32_t magic;		/* SL_PACK_MAGIC */
	uint32_t len;
	uint32_t crc;
	uint32_t flags;		/* SL_PACK_* */
	uint32_t records;	/* records it holds */
	uint32_t raw_len;	/* their bytes, unpacked */
};

_Static_assert(sizeof(struct sl_file_hdr) == 32, "sl_file_hdr layout");
_Static_assert(sizeof(struct sl_frame) == 16, "sl_frame layout");
_Static_assert(sizeof(struct sl_pack_frame) == 24, "sl_pack_frame layout");

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
