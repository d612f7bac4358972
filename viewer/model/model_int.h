/*
 * Between the files of the model, not for renderers (which read only
 * model.h). The files are listed from the top down: a file calls only
 * the files listed after it, never one before it (viewer/README.md, "The
 * model"; tests/e2e/test_layers.sh checks it on the objects).
 */
#ifndef SL_MODEL_INT_H
#define SL_MODEL_INT_H

#include "model/model.h"

/* How a hold ends (sl_model_release). */
enum sl_let {
	SL_LET_CLOSE,		/* closed (or close-on-exec) */
	SL_LET_EXIT,		/* the holder exited, or exec'd it away */
	SL_LET_DISPLACED,	/* its fd was reused before its close came */
};

/* Collector connection number -> the process it carries. */
struct sl_conn_map {
	uint32_t pid;
	struct sl_proc *proc;
};

/* load.c, apply.c: in model.h. */

/* alias.c: a name's kernel inode (an SL_CALL_ALIAS), put back to the
 * name in the records after it. */
void sl_model_alias(struct sl_model *m, const struct sl_rec_call *c);
const struct sl_hdr *sl_model_unalias(const struct sl_model *m,
				      const struct sl_hdr *h, void *buf);

/* proc.c: processes, their connections, fork, exec's list, exit. */
struct sl_conn_map *sl_model_conn(struct sl_model *m, uint32_t conn);
void sl_model_conn_carries(struct sl_conn_map *cm, struct sl_proc *p);
void sl_model_hello(struct sl_model *m, struct sl_conn_map *cm,
		    const struct sl_rec_hello *h);
void sl_model_gone(struct sl_model *m, struct sl_conn_map *cm,
		   const struct sl_rec_gone *g);
void sl_model_fork(struct sl_model *m, struct sl_proc *p, uint32_t pid,
		   uint64_t ts, bool vfork);
void sl_model_fds_done(struct sl_model *m, struct sl_proc *p);
void sl_model_finish_procs(struct sl_model *m);

/* calls.c: what a call does to a socket. */
struct sl_sock *sl_model_find_sock(struct sl_model *m, struct sl_proc *p,
				   const struct sl_rec_call *c,
				   struct sl_hold **hp);
void sl_model_seen(struct sl_sock *s, struct sl_hold *h, struct sl_proc *p,
		   const struct sl_rec_call *c);
void sl_model_incident(struct sl_sock *s, struct sl_proc *p,
		       const struct sl_rec_call *c);
void sl_model_socket(struct sl_model *m, struct sl_proc *p,
		     const struct sl_rec_call *c);
void sl_model_socketpair(struct sl_model *m, struct sl_proc *p,
			 const struct sl_rec_call *c);
void sl_model_accept(struct sl_model *m, struct sl_proc *p,
		     const struct sl_rec_call *c,
		     const struct sl_rec_call_addr *a);
void sl_model_bind(struct sl_sock *s, const struct sl_rec_call *c,
		   const struct sl_rec_call_addr *a);
void sl_model_listen(struct sl_model *m, struct sl_sock *s,
		     const struct sl_rec_call *c,
		     const struct sl_rec_call_addr *a);
void sl_model_connect(struct sl_model *m, struct sl_proc *p,
		      struct sl_sock *s, const struct sl_rec_call *c,
		      const struct sl_rec_call_addr *a);
void sl_model_io(struct sl_sock *s, struct sl_proc *p,
		 const struct sl_rec_call *c, const struct sl_rec_call_addr *a);
void sl_model_shutdown(struct sl_sock *s, const struct sl_rec_call *c);
void sl_model_dup(struct sl_model *m, struct sl_proc *p,
		  const struct sl_rec_call *c);
void sl_model_inherit(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c);
void sl_model_setsockopt(struct sl_sock *s, const struct sl_rec_call *c);
void sl_model_policy(struct sl_model *m, struct sl_proc *p,
		     const struct sl_rec_policy *r);

/* handoff.c: sockets and epoll fds passed over UNIX sockets. */
void sl_model_fd_send(struct sl_model *m, struct sl_proc *p,
		      struct sl_sock *carrier, const struct sl_rec_call *c);
void sl_model_fd_recv(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c);
void sl_model_fd_recv_epoll(struct sl_model *m, struct sl_proc *p,
			    const struct sl_rec_call *c);

/* retire.c: finished sockets handed to m->retire and freed. */
void sl_model_retire_due(struct sl_model *m);
void sl_model_retire_all(struct sl_model *m);

/* pair.c: the two ends of a connection, where both are traced. */
void sl_model_pair_connect(struct sl_model *m, struct sl_sock *s);
void sl_model_pair_accept(struct sl_model *m, struct sl_sock *s,
			  const struct sl_sock *listener);
void sl_model_pair_forget(struct sl_model *m, const struct sl_sock *s);

/* epoll.c: epoll instances, their watches and waits. */
struct sl_epoll *sl_model_find_epoll(struct sl_model *m, struct sl_proc *p,
				     uint64_t key, int fd, uint64_t ts);
struct sl_epoll *sl_model_epoll_of_key(const struct sl_model *m,
					uint64_t key);
struct sl_epoll *sl_model_epoll_by_id(const struct sl_model *m, uint32_t id);
void sl_model_epoll_call(struct sl_model *m, struct sl_proc *p,
			 const struct sl_rec_call *c);
void sl_model_epoll_ctl(struct sl_model *m, struct sl_proc *p,
			const struct sl_rec_epoll_ctl *e);
void sl_model_wait(struct sl_model *m, struct sl_proc *p,
		   const struct sl_rec_wait *w);
void sl_model_epoll_merge(struct sl_model *m, struct sl_epoll *into,
			  struct sl_epoll *from);

/* hold.c: (pid, fd) holds of sockets and epoll instances. */
struct sl_hold *sl_model_hold(struct sl_proc *p, int fd);
struct sl_hold *sl_model_take(struct sl_model *m, struct sl_proc *p, int fd,
			      struct sl_sock *s, uint64_t ts);
struct sl_hold *sl_model_take_epoll(struct sl_model *m, struct sl_proc *p,
				    int fd, struct sl_epoll *ep);
void sl_model_counters(struct sl_hold *h, const struct sl_rec_call *c);
void sl_model_release(struct sl_model *m, struct sl_proc *p, int fd,
		      uint64_t ts, enum sl_let how);
/* P exited holding FD: its EXIT record's stamp TS, the kernel let it go
 * by GONE (hold.c, release). */
void sl_model_exit_hold(struct sl_model *m, struct sl_proc *p, int fd,
			uint64_t ts, uint64_t gone);
/* A close record: P's hold of its fd ends (timed: hold.c, release). */
void sl_model_close(struct sl_model *m, struct sl_proc *p,
		    const struct sl_rec_call *c);

/* park.c: what a finished socket waits for, and the listeners open now.
 * Parked sockets at most: past it, they go without waiting. */
#define SL_PARKED_MAX 65536
void sl_model_retire_later(struct sl_model *m, struct sl_sock *s);
bool sl_model_must_wait(const struct sl_model *m, const struct sl_sock *s);
void sl_model_park(struct sl_model *m, struct sl_sock *s);
void sl_model_unpark_at(struct sl_model *m, uint32_t i);
void sl_model_unpark(struct sl_model *m);
void sl_model_unpark_sock(struct sl_model *m, struct sl_sock *s);
void sl_model_listener_add(struct sl_model *m, struct sl_sock *s);
void sl_model_listener_gone(struct sl_model *m, struct sl_sock *s);
uint64_t sl_model_listen_ns(const struct sl_sock *s);

/* callers.c: module maps (and names for callers: model.h). */
void sl_model_add_module(struct sl_proc *p, const struct sl_rec_module *r);

/* sock.c: sockets as objects, and their state spans. */
struct sl_sock *sl_model_new_sock(struct sl_model *m, uint64_t inode,
				  uint64_t ts);
struct sl_sock *sl_model_sock_by_inode(struct sl_model *m, uint64_t inode);
void sl_model_set_state(struct sl_sock *s, unsigned int st, uint64_t ts);
void sl_model_end_spans(struct sl_sock *s, uint64_t ts);
void sl_model_revive(struct sl_sock *s);
void sl_model_sock_final(struct sl_sock *s);
void sl_model_sock_free(struct sl_sock *s);

/* resolve.c: names for the addresses a process resolved. */
void sl_model_resolve(struct sl_model *m, uint32_t pid,
		      const struct sl_rec_resolve *rec);
void sl_model_name_sock(struct sl_model *m, struct sl_sock *s, uint32_t pid,
			uint32_t tid, uint64_t ts);
void sl_model_resolved_free(struct sl_model *m);

/* waterfall.c: what the bytes and the kernel told, kept on a socket. */
struct sl_wf *sl_wf_of(struct sl_sock *s);
void sl_wf_free(struct sl_wf *wf);
void sl_wf_copy(char *dst, size_t cap, const char *src, size_t field);
void sl_wf_proto(struct sl_sock *s, int dir, const char *name, size_t field);
void sl_wf_http(struct sl_sock *s, const struct sl_wf_http *h);
void sl_wf_tcpinfo(struct sl_sock *s, const struct sl_wf_tcpinfo *ti);
void sl_wf_sniff_rec(struct sl_sock *s, const struct sl_rec_sniff *r);
void sl_wf_tls_rec(struct sl_sock *s, const struct sl_rec_tls *r);
void sl_wf_http_rec(struct sl_sock *s, const struct sl_rec_http *r);
void sl_wf_tcpinfo_rec(struct sl_sock *s, const struct sl_rec_tcpinfo *r);

#endif
