/*
 * Between the transport's two files, not for the rest of the preload:
 * transport.c keeps the connection and sends, transport_wait.c waits.
 */
#ifndef SL_PRELOAD_TRANSPORT_INT_H
#define SL_PRELOAD_TRANSPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload.h"

/* DARK: the process put itself under a seccomp filter (wrap_sandbox.c);
 * nothing is sent again, and no system call is made to try. */
enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP, CONN_DARK };

/* transport.c */
extern int sl__conn_state;		/* enum conn_state */
extern SL_TLS bool sl__connecting_here;
extern SL_TLS bool sl__in_fork;
int sl__send_msg(const void *buf, size_t len);
void sl__conn_lost(uint64_t now);

/* transport_drops.c */
void sl__count_drop(uint32_t records, int reason);
bool sl__drops_pending(void);
void sl__send_drop_records(uint64_t now);
void sl__drops_forget(void);

/* transport_wait.c */
extern uint64_t sl__next_ask_ns;
bool sl__collector_gone(uint64_t ts);
bool sl__wait_for_memory(uint64_t now);
bool sl__may_wait(void);
bool sl__wait_for_conn(const void *buf, uint32_t len);
bool sl__wait_for_room(const void *buf, uint32_t len);

#endif
