/*
 * The socket model: records in, processes and sockets out. A socket is an
 * object named by its kernel inode, held by one or more (pid, fd) pairs
 * (a fork copies every fd; an fd passed over a UNIX socket makes its
 * receiver a holder too); it ends when its last holder closes it. Its
 * life is a list of state spans, with the moments that are not states on
 * it: its error, calls that failed and left it as it was, waits cut
 * short, hand-offs. Renderers and exporters read the model and never the
 * records.
 */
#ifndef SL_MODEL_H
#define SL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "socklens/wire.h"
#include "file/trace.h"

/* A socket's states, in the order a life goes through them. */
enum sl_state {
	SL_SS_CREATED,
	SL_SS_BOUND,
	SL_SS_LISTENING,
	SL_SS_CONNECTING,
	SL_SS_ESTABLISHED,
	SL_SS_SHUT_WR,
	SL_SS_SHUT_RD,
	SL_SS_SHUT_RDWR,
	SL_SS_PEER_CLOSED,
	SL_SS_MAX
};

enum sl_role {
	SL_ROLE_UNCONNECTED,
	SL_ROLE_LISTENER,
	SL_ROLE_CLIENT,
	SL_ROLE_SERVER,
	SL_ROLE_PAIR,
	SL_ROLE_DATAGRAM,
	SL_ROLE_MAX
};

struct sl_span {
	uint8_t state;		/* enum sl_state */
	uint64_t start_ns;
	uint64_t end_ns;	/* 0 while it lasts */
};

/* A readiness event on a socket: a wait returned it ready. */
struct sl_mark {
	uint64_t ts;
	uint32_t events;	/* EPOLLIN, EPOLLOUT, ... */
};

/* One action of the policy on a socket. */
struct sl_policy_act {
	uint64_t ts;
	uint32_t line;		/* the rule's line */
	uint8_t action;		/* set, clamp, deny, ignore */
	uint8_t when;		/* enum sl_pol_when */
	uint8_t flags;		/* SL_PF_* */
	uint8_t kind;
	int32_t ret;
	int32_t err;
	int64_t prog_value;
	int64_t value;
	char opt[SL_OPTNAME_MAX];
};

/* The socket's byte counters at a moment. */
struct sl_sample {
	uint64_t ts;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
};

/* One call on the socket, for the event list a person can open. */
struct sl_evt {
	uint64_t ts;
	uint64_t dur_ns;
	int64_t ret;
	int32_t err;
	uint16_t call;
	uint16_t flags;
	uint32_t pid;
	int32_t fd;
	uint64_t caller;
	int64_t arg0, arg1;	/* the record's (wire.h): setsockopt's level
				 * and option, a shutdown's how... */
	int64_t value;		/* setsockopt with SL_F_VALUE: the value */
};

/*
 * Something that happened to a socket without being its fate: a call that
 * failed and left the socket as it was (an accept that found no fd free,
 * an aborted connection), or a blocking call cut short (EINTR). Drawn at
 * its time, with the wait that ended in it.
 */
struct sl_incident {
	uint64_t ts;		/* the call's start */
	uint64_t dur_ns;	/* how long it waited */
	int32_t err;
	uint16_t call;
	uint32_t pid;
	uint32_t tid;
};

/* The socket passed from one process to another over a UNIX socket
 * (SCM_RIGHTS). */
struct sl_handoff {
	uint64_t sent_ns;	/* 0: the sending was not seen */
	uint64_t ts;		/* received; the sending, if never received */
	uint32_t from_pid;	/* 0: the sender is not traced */
	uint32_t to_pid;	/* 0: not (yet) received by a traced process */
	uint32_t via;		/* id of the socket it was sent on, 0: unknown */
	uint32_t received_on;	/* id of the socket it came in on, 0: unknown */
	int to_fd;
};

/* Keys waiting in order, first in first out. */
struct sl_keyq {
	uint64_t *keys;
	uint32_t n, cap;
};

/*
 * What a connection's own bytes and the kernel told, beyond its calls
 * (model/waterfall.c, model/resolve.c): the name the program resolved
 * for its remote address, the protocol each way, TLS's clear fields,
 * HTTP/1 requests, TCP_INFO at its end. NULL in a socket that learned
 * none of it.
 */
#define SL_WF_NAME_MAX 256	/* a DNS name is at most 253 */
#define SL_WF_PROTO_MAX 16
#define SL_WF_ALPN_N 4
#define SL_WF_ALPN_MAX 16
#define SL_WF_METHOD_MAX 16
#define SL_WF_TARGET_MAX 257	/* 256 bytes kept, and the NUL */
#define SL_WF_HTTP_KEPT 64	/* requests kept per connection; all counted */

/* Who or what held a TCP connection back (waterfall.c, sl_wf_verdict). */
enum sl_limited {
	SL_LIM_UNKNOWN,		/* no TCP_INFO */
	SL_LIM_PEER_WINDOW,	/* the receiver's window */
	SL_LIM_SEND_BUFFER,	/* our own send buffer */
	SL_LIM_NETWORK,		/* the congestion window: loss, the path */
	SL_LIM_APPLICATION,	/* nobody: the program had nothing to send */
	SL_LIM_MAX
};

/* One HTTP/1.x exchange; a time is 0 where it was not seen. */
struct sl_wf_http {
	uint64_t sent_ns;	/* the request's first byte went */
	uint64_t req_end_ns;	/* ... its last */
	uint64_t first_byte_ns;	/* the response's first byte came */
	uint64_t end_ns;	/* ... its last */
	uint32_t index;		/* 0, 1, ...: its place on the connection
				   (more than 0: keep-alive reuse) */
	uint16_t status;	/* 0: no response seen */
	bool server;		/* seen by the server: it received the request */
	bool target_cut;
	char method[SL_WF_METHOD_MAX];
	char target[SL_WF_TARGET_MAX];
};

struct sl_wf_tls {
	uint64_t hello_ns;	/* the ClientHello went by */
	uint64_t done_ns;	/* the client's first application data: the
				   handshake is over (0: not seen) */
	uint64_t answer_ns;	/* the server's first record after it */
	uint16_t version;	/* negotiated; 0 unknown */
	uint16_t offered_max;	/* the highest the client offered */
	uint8_t alpn_n;		/* offered, kept below */
	bool alpn_hidden;	/* TLS 1.3: the choice is encrypted */
	bool server;		/* the program received the ClientHello */
	char sni[SL_WF_NAME_MAX];
	char alpn[SL_WF_ALPN_N][SL_WF_ALPN_MAX];	/* offered */
	char alpn_chosen[SL_WF_ALPN_MAX];
};

struct sl_wf_tcpinfo {
	uint64_t ts;
	uint32_t rtt_us, rttvar_us, min_rtt_us;
	uint32_t retrans;	/* segments retransmitted, in all */
	uint32_t lost;		/* lost, by the kernel's reckoning at the end */
	uint64_t segs_out;	/* 0: not known */
	uint64_t delivery_rate;	/* bytes per second, the last sample */
	uint64_t busy_us;	/* time with data in flight */
	uint64_t rwnd_limited_us;	/* ... of it held by the peer's window */
	uint64_t sndbuf_limited_us;	/* ... of it by our send buffer */
	uint64_t bytes_acked, bytes_received;
	uint8_t limited_by;	/* enum sl_limited, sl_wf_verdict's */
};

struct sl_wf {
	char name[SL_WF_NAME_MAX];	/* "" none */
	bool resolver;			/* the resolver's own socket, made
					 * while it resolved the name */
	uint64_t resolve_ns;		/* that name's resolve: start, end */
	uint64_t resolve_end_ns;
	char proto[2][SL_WF_PROTO_MAX];	/* what it sent, what it received */
	bool has_tls, has_tcpinfo;
	struct sl_wf_tls tls;
	struct sl_wf_tcpinfo ti;
	struct sl_wf_http *http;	/* the first SL_WF_HTTP_KEPT */
	uint32_t nhttp, http_cap;
	uint64_t http_total;
};

/* The waterfall of one connection, as a browser's network panel draws a
 * request: resolve, connect, TLS, request, waiting, receiving. */
enum sl_phase {
	SL_PH_RESOLVE,
	SL_PH_CONNECT,
	SL_PH_TLS,
	SL_PH_REQUEST,
	SL_PH_WAITING,
	SL_PH_RECEIVING,
	SL_PH_MAX
};

struct sl_phase_span {
	uint64_t start_ns;
	uint64_t end_ns;	/* both 0: the phase did not happen or was
				   not seen */
};

/*
 * A holder's letting go of a socket, as a span: a close is stamped before
 * its call and, when another process may hold the socket, timed to its
 * return (wire.h); an exit is stamped at its start. The kernel let the
 * fd go somewhere in the span.
 */
struct sl_let_span {
	uint64_t ts;
	uint64_t done;
	uint32_t pid;
	uint8_t how;		/* closed (or close-on-exec), or exited */
};

/* Lets kept that may have been a socket's last: beyond it, those that
 * returned first are left out. */
#define SL_LASTS_KEPT 6

#define SL_SAMPLES_KEPT 512
#define SL_EVENTS_KEPT 256
#define SL_INCIDENTS_KEPT 256
#define SL_HANDOFFS_KEPT 256

/* Marks kept per socket for drawing; all are counted. */
#define SL_MARKS_KEPT 4096

struct sl_sock {
	uint32_t id;		/* 1, 2, ... in order of creation */
	uint64_t inode;		/* its name in the trace: a name of the
				 * preload's (names.h, SL_SOCK_NAME_BIT) or
				 * the kernel's inode */
	uint64_t kernel_inode;	/* the kernel's inode, 0 while unknown */
	int family;
	int type;
	int protocol;
	uint8_t role;		/* enum sl_role */
	uint8_t state;		/* current, enum sl_state */
	bool closed;		/* its last holder closed it */
	bool open_at_exit;	/* its last holder exited holding it; neither:
				 * still held when the trace ended */
	bool placeholder;	/* first seen by a use, not its creation */
	bool connect_pending;	/* EINPROGRESS, outcome not yet known */
	struct sl_addr local;
	struct sl_addr remote;
	uint64_t start_ns;
	uint64_t end_ns;	/* 0 while open */
	uint64_t last_ns;	/* last time anything was seen of it */
	int err;		/* errno of a failed outcome, 0 if none */
	uint64_t err_ns;	/* when the call that failed returned */
	uint32_t connect_failures;
	uint32_t accepted;	/* listener: connections accepted */
	uint64_t tx_bytes, rx_bytes;	/* holders that let go */
	uint64_t tx_calls, rx_calls, eagain;
	uint64_t peeks;		/* MSG_PEEK reads: not in rx */
	struct sl_span *spans;
	uint32_t nspans, spans_cap;
	uint32_t *pids;		/* every process that held it */
	uint32_t npids, pids_cap;
	uint32_t holders;	/* (pid, fd) pairs holding it now */
	uint64_t let_ns;	/* the latest a holder let it go (not a vfork
				 * child's copy, which never outlives its
				 * parent's): when, and how (enum sl_let) */
	uint64_t let_done_ns;	/* when that let was over: a timed close
				 * returned (later holders' lets sort by it) */
	uint8_t let_how;
	uint32_t let_pid;
	/* The lets that may have been the last the kernel saw (hold.c):
	 * each whose span reaches the latest stamp of all the others. Two
	 * holders' closes whose spans overlap cannot be ordered; the one
	 * that returned last is named (let_pid), the others are listed. */
	struct sl_let_span lasts[SL_LASTS_KEPT];
	uint8_t nlasts;
	uint64_t let_top_ts, let_next_ts;	/* the two latest stamps */
	uint32_t creator_pid;
	uint32_t proc_index;	/* sl_proc.index of the creator */
	uint32_t image;		/* which of its images: sl_proc.images */
	int creator_fd;
	uint64_t caller;
	uint64_t peer_inode;	/* socketpair: the other end */
	uint32_t peer_id;	/* 0: none known */
	uint32_t listener_id;	/* server side: the listener it came from */
	uint64_t listen_ns;	/* server side: when that listener listened */
	uint32_t conn_listener;	/* client side: the listener (id) that was
				 * listening on its address when it
				 * connected; 0 if none was traced */
	bool nonblocking;
	uint32_t connect_pid;	/* the process that called connect */
	uint32_t peer_pid;	/* UNIX server side: the client's pid */
	uint64_t connect_ns;	/* when connect was called */
	uint64_t connect_to_accept_ns;	/* paired: client connect to accept */
	uint32_t *epolls;	/* ids of the epoll instances that watched it */
	uint32_t nepolls, epolls_cap;
	struct sl_mark *marks;	/* readiness, at most SL_MARKS_KEPT, */
	uint32_t nmarks, marks_cap;	/* one in marks_stride past that */
	uint32_t marks_stride;
	uint64_t ready_events;	/* all readiness events */
	struct sl_policy_act *pacts;	/* the policy's actions on it */
	uint32_t npacts, pacts_cap;
	int8_t keepalive;	/* -1 never set, else SO_KEEPALIVE's value */
	bool stdio;		/* a stdio stream's fd in some process (the
				 * preload's SL_F_STDIO): what libc's stdio
				 * moved on it, and its fclose, were not
				 * seen; its bytes are at least those */
	bool killed;		/* held by a process that died without its
				 * EXIT record (a signal): what it moved
				 * since the socket's last record was not
				 * told; its bytes are at least those */
	bool exec_inherited;	/* held across an exec without cloexec */
	uint32_t exec_pid;	/* ... by this process */
	struct sl_sample *samples;	/* counters over time */
	uint32_t nsamples, samples_cap;
	struct sl_evt *evts;	/* its calls, the first SL_EVENTS_KEPT */
	uint32_t nevts, evts_cap;
	uint64_t evts_total;
	struct sl_incident *incs;	/* the first SL_INCIDENTS_KEPT, of */
	uint32_t nincs, incs_cap;	/* which at most half accepts that */
	uint32_t empty_accepts_kept;	/* found the queue empty (EAGAIN) */
	uint64_t incs_total;		/* all: incs_total - nincs more */
	uint32_t fd_limit_fails;	/* accepts that failed EMFILE/ENFILE */
	uint32_t enfile_fails;		/* ... of them ENFILE */
	uint64_t fd_limit_ns;		/* the first of them */
	struct sl_handoff *handoffs;	/* the first SL_HANDOFFS_KEPT */
	uint32_t nhandoffs, handoffs_cap;
	/* Carrier of epoll fds (handoff.c): the ids of the instances
	 * sent on it, waiting for the other end's receive, and of those
	 * received on it before their sending was seen. */
	struct sl_keyq epoll_sends, epoll_recvs;
	bool retire_queued;	/* finished; waiting in sl_model.retire_q */
	bool parked;		/* finished, but something may still come for
				 * it (model/retire.c) */
	uint32_t slot;		/* its index in sl_model.socks */
	struct sl_wf *wf;	/* names, TLS, HTTP, TCP_INFO: NULL if none */
};

/* One fd an epoll instance watches (or watched). */
struct sl_watch {
	uint64_t data;		/* what a wait returns for it */
	struct sl_sock *s;	/* NULL: not a socket we follow */
	int fd;
	uint32_t events;
	uint64_t added_ns;
	uint64_t removed_ns;	/* 0 while watched */
	uint64_t mods;		/* EPOLL_CTL_MOD calls on it */
};

/* One wait on an epoll instance, for drawing. */
struct sl_wait {
	uint64_t ts;
	uint64_t dur_ns;
	uint32_t nready;
};

#define SL_WAITS_KEPT (1u << 20)

struct sl_epoll {
	uint32_t id;		/* 1, 2, ... */
	uint64_t key;		/* the preload's epoll id */
	uint32_t creator_pid;
	uint32_t proc_index;
	int fd;
	uint64_t start_ns;
	uint64_t end_ns;	/* 0 while open */
	uint64_t last_ns;
	bool closed;
	uint32_t holders;
	struct sl_watch *watches;
	uint32_t nwatches, watches_cap;
	struct sl_hash *by_fd;		/* fd + 1 -> current watch index + 1 */
	struct sl_hash *by_data;	/* event data -> watch index + 1 */
	struct sl_wait *waits;	/* at most SL_WAITS_KEPT */
	uint32_t nwaits_kept, waits_cap;
	uint64_t waits_total;
	uint64_t events_total;
	uint64_t events_unlisted;	/* beyond a record's ready list */
	uint64_t blocked_ns;
	uint64_t idle_polls;
	struct sl_epoll *merged_into;	/* not NULL: this was that instance,
					 * seen late as a hand-off's receipt */
};

/* A (pid, fd) hold on a socket or an epoll instance, with that fd's
 * counters so far. */
struct sl_hold {
	struct sl_sock *s;
	struct sl_epoll *ep;
	int fd;
	uint64_t tx_bytes, rx_bytes;
	uint64_t tx_calls, rx_calls, eagain, peeks;
	bool confirmed;		/* seen in the INHERIT list after exec */
	bool borrowed;		/* a vfork child's copy, until its new image
				 * lists it: the parent holds it meanwhile */
};

/* A loaded object of a process image: where its code is mapped. */
struct sl_module {
	uint64_t base;		/* load bias: address - base = file vaddr */
	uint64_t start, end;
	uint32_t image;		/* which of the process's images */
	char path[SL_PATH_MAX];
};

/* A process image's command line, cut to this, for people to read. */
#define SL_IMAGE_NAME 96

struct sl_proc {
	uint32_t pid;
	uint32_t ppid;
	uint32_t index;		/* order of first appearance */
	char exe[SL_EXE_MAX];
	char args[SL_ARGS_MAX];	/* NUL separated */
	uint32_t args_len;
	uint64_t start_ns;
	uint64_t end_ns;	/* 0 while running */
	bool ended;		/* exited (its EXIT record, or its connection
				 * ended) */
	bool cut;		/* the collector cut it off (bad records):
				 * its trace ended, the process did not */
	bool pending_exec;	/* exec recorded, new image not yet seen */
	bool awaiting_hello;	/* made from the parent's fork record */
	bool vfork_child;	/* ... a vfork: its first hello is the image
				 * it exec'd */
	bool exec_inherit;	/* new image: sort its INHERIT list */
	uint64_t exec_ns;
	uint32_t execs;
	int64_t exit_status;	/* -1 when not known */
	uint64_t exit_ns;	/* its EXIT record, 0 if none */
	uint64_t dark_ns;	/* when its own seccomp filter ended tracing */
	uint64_t dropped;
	uint64_t real_offset;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool has_policy;
	struct sl_rec_policy_info policy;	/* the policy it ran under */
	char (*images)[SL_IMAGE_NAME];	/* argv of each image, joined */
	uint32_t nimages, images_cap;
	struct sl_module *mods;		/* the module maps, every image's */
	uint32_t nmods, mods_cap;
	/* The fds it holds now, in no order: memory follows the fds used,
	 * not the largest number a record names. */
	struct sl_hold *fds;
	uint32_t nfds, fds_cap;
	struct sl_hash *fd_index;	/* fd + 1 -> index in fds + 1 */
	uint32_t nconns;	/* collector connections carrying it now */
};

struct sl_model {
	struct sl_proc **procs;
	uint32_t nprocs, procs_cap;
	struct sl_sock **socks;	/* in order of id; with retire, compacted:
				 * an id is then not an index */
	uint32_t nsocks, socks_cap;
	uint32_t ids;		/* sockets ever made: the last id */
	struct sl_epoll **epolls;	/* in order of id; an instance found
					 * to be another's (a hand-off seen
					 * late) is merged and leaves */
	uint32_t nepolls, epolls_cap;
	uint32_t epoll_ids;		/* instances ever made: the last id */
	struct sl_epoll **merged;	/* left the list, kept for their keys */
	uint32_t nmerged, merged_cap;
	struct sl_hash *by_epoll;	/* preload epoll id -> instance */
	struct sl_symcache *syms;	/* function names, per module file:
					 * a cache, filled while reading */
	struct sl_hash *by_tuple;	/* TCP 4-tuple -> unpaired end */
	struct sl_sock **unix_pending;	/* UNIX clients not yet paired */
	uint32_t nunix_pending, unix_pending_cap;
	struct sl_sock **unix_srv_pending;	/* and server ends */
	uint32_t nunix_srv_pending, unix_srv_pending_cap;
	struct sl_sock **listening;	/* listeners open now (model/park.c) */
	uint32_t nlistening, listening_cap;
	uint64_t waits;			/* poll/select/epoll wait records */
	uint64_t policy_actions;
	struct sl_conn_map *conns;	/* collector connections, in order */
	uint32_t nconns, conns_cap;	/* of first sight */
	struct sl_hash *by_conn;	/* connection -> index in conns + 1 */
	struct sl_hash *by_inode;
	struct sl_hash *by_alias;	/* kernel inode -> the name it stands
					 * for (model/alias.c), or NULL */
	struct sl_hash *alias_of;	/* the other way: name -> inode */
	struct sl_hash *by_pid;
	uint64_t events;
	uint64_t dropped;
	uint64_t bad_conns;	/* connections the collector cut off */
	uint64_t first_ns, last_ns;
	bool torn;
	char torn_why[200];
	struct sl_gaps gaps;	/* what the file says it does not hold */
	char bad_why[200];	/* first bad record found in the file */
	/*
	 * Set before loading, for a reader that wants each socket once, as
	 * soon as nothing can change it (model/retire.c): it is handed over,
	 * then freed, and its slot in socks becomes NULL.
	 */
	void (*retire)(void *ctx, const struct sl_model *m,
		       const struct sl_sock *s);
	void *retire_ctx;
	struct sl_sock **retire_q;	/* finished, in order of finishing */
	uint32_t nretire_q, retire_q_cap;
	uint32_t retire_head;		/* the first not yet retired */
	struct sl_sock **parked;	/* finished, held back (model/retire.c) */
	uint32_t nparked, parked_cap;
	uint64_t retire_grace;	/* how long after it ends a socket waits:
				 * the lateness of the file (order/window.c) */
	uint64_t retired;
	uint32_t holes;		/* NULL slots in socks, squeezed out */
	struct sl_resolved *resolved;	/* (pid, address) -> the names it
					 * was resolved from (model/resolve.c) */
	uint64_t resolves;		/* resolve records */
	uint64_t resolves_failed;
};

void sl_model_init(struct sl_model *m);
void sl_model_free(struct sl_model *m);
void sl_model_record(void *model, uint32_t conn, const struct sl_hdr *h);
void sl_model_finish(struct sl_model *m);

/* Reads a whole trace file into M; 0, or -errno with a message printed. */
int sl_model_load(struct sl_model *m, const char *path);

/* "function+0x1a (module)", or the module and offset, or the address. */
void sl_model_caller(const struct sl_model *m, uint32_t proc_index,
		     uint32_t image, uint64_t addr, char *buf, size_t len);
void sl_sock_caller(const struct sl_model *m, const struct sl_sock *s,
		    char *buf, size_t len);

/*
 * The processes that may have closed S last, at most MAX into PIDS: the
 * one the trace names first when S was closed (S's end_ns is its close's
 * stamp), then any other whose close overlapped the last let in time, so
 * that the trace cannot say which the kernel saw last. The count; 0 while
 * S is held. sl_sock_exited_by: the same of the processes that exited
 * holding it (an exit is over by the end of its collector connection).
 */
uint32_t sl_sock_closed_by(const struct sl_sock *s, uint32_t *pids,
			   uint32_t max);
uint32_t sl_sock_exited_by(const struct sl_sock *s, uint32_t *pids,
			   uint32_t max);

/* The command line of the image a socket was made in. */
const char *sl_model_image(const struct sl_model *m, const struct sl_sock *s);

/* waterfall.c: a connection's phases (all SL_PH_MAX filled; returns
 * how many happened), what held it back, and their names. */
unsigned int sl_wf_phases(const struct sl_sock *s,
			  struct sl_phase_span ph[SL_PH_MAX]);
enum sl_limited sl_wf_verdict(const struct sl_wf_tcpinfo *ti,
			      uint64_t life_ns);
const char *sl_phase_name(unsigned int ph);
const char *sl_limited_name(unsigned int lim);
/* The first request's "GET /x 200", or "" with no request. */
int sl_wf_request_text(const struct sl_wf *wf, char *buf, size_t len);

/* The process of PID current at the end of the trace, or NULL. */
struct sl_proc *sl_model_proc(const struct sl_model *m, uint32_t pid);

#endif
