/*
 * Between model.c (bookkeeping) and model_calls.c (what each call does to
 * a socket): not for renderers, which read only model.h.
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

struct sl_sock *sl_model_new_sock(struct sl_model *m, uint64_t inode,
				  uint64_t ts);
struct sl_sock *sl_model_sock_by_inode(struct sl_model *m, uint64_t inode);
void sl_model_set_state(struct sl_sock *s, unsigned int st, uint64_t ts);
struct sl_hold *sl_model_hold(struct sl_proc *p, int fd);
struct sl_hold *sl_model_take(struct sl_model *m, struct sl_proc *p, int fd,
			      struct sl_sock *s, uint64_t ts);
void sl_model_release(struct sl_model *m, struct sl_proc *p, int fd,
		      uint64_t ts, enum sl_let how);
void sl_model_finish_procs(struct sl_model *m);
void sl_model_counters(struct sl_hold *h, const struct sl_rec_call *c);
void sl_model_fork(struct sl_model *m, struct sl_proc *p, uint32_t pid,
		   uint64_t ts, bool vfork);
void sl_model_fds_done(struct sl_model *m, struct sl_proc *p);
void *sl_grow(void *arr, uint32_t *cap, uint32_t need, size_t elem);
struct sl_hold *sl_model_take_epoll(struct sl_model *m, struct sl_proc *p,
				    int fd, struct sl_epoll *ep);
void sl_model_epoll_call(struct sl_model *m, struct sl_proc *p,
			 const struct sl_rec_call *c);
void sl_model_epoll_ctl(struct sl_model *m, struct sl_proc *p,
			const struct sl_rec_epoll_ctl *e);
void sl_model_wait(struct sl_model *m, struct sl_proc *p,
		   const struct sl_rec_wait *w);
void sl_model_pair_connect(struct sl_model *m, struct sl_sock *s);
void sl_model_pair_accept(struct sl_model *m, struct sl_sock *s,
			  const struct sl_sock *listener);
void sl_model_policy(struct sl_model *m, struct sl_proc *p,
		     const struct sl_rec_policy *r);
void sl_model_add_module(struct sl_proc *p, const struct sl_rec_module *r);
void sl_model_pair_forget(struct sl_model *m, const struct sl_sock *s);
void sl_model_sock_final(struct sl_sock *s);
void sl_model_sock_free(struct sl_sock *s);
void sl_model_retire_later(struct sl_model *m, struct sl_sock *s);
void sl_model_retire_due(struct sl_model *m);
void sl_model_call(struct sl_model *m, struct sl_proc *p,
		   const struct sl_rec_call *c,
		   const struct sl_rec_call_addr *a);
void sl_model_revive(struct sl_sock *s);
struct sl_epoll *sl_model_find_epoll(struct sl_model *m, struct sl_proc *p,
				     uint64_t key, int fd, uint64_t ts);
struct sl_epoll *sl_model_epoll_of_key(const struct sl_model *m,
					uint64_t key);
struct sl_epoll *sl_model_epoll_by_id(const struct sl_model *m, uint32_t id);
void sl_model_epoll_merge(struct sl_model *m, struct sl_epoll *into,
			  struct sl_epoll *from);
/* model_handoff.c */
void sl_model_fd_send(struct sl_model *m, struct sl_proc *p,
		      struct sl_sock *carrier, const struct sl_rec_call *c);
void sl_model_fd_recv(struct sl_model *m, struct sl_proc *p,
		      const struct sl_rec_call *c);
void sl_model_fd_recv_epoll(struct sl_model *m, struct sl_proc *p,
			    const struct sl_rec_call *c);
/* model_pair.c: the listeners open now */
void sl_model_listener_add(struct sl_model *m, struct sl_sock *s);
void sl_model_listener_gone(struct sl_model *m, struct sl_sock *s);
uint64_t sl_model_listen_ns(const struct sl_sock *s);
/* model_retire.c */
void sl_model_unpark(struct sl_model *m);
void sl_model_unpark_sock(struct sl_model *m, struct sl_sock *s);

#endif
