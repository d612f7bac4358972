/*
 * Between the audit engine's two files (not for other renderers): the
 * engine (audit.c) audits each socket as it ends; audit_print.c holds
 * the findings, groups them and prints them, text or JSON.
 */
#ifndef SL_OUT_AUDIT_INT_H
#define SL_OUT_AUDIT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/lib.h"
#include "model/model.h"
#include "out/out.h"

/* Who a finding is about: its socket, that socket's process (by its
 * program's name: the whole command line is the view's) and caller. */
struct who {
	uint32_t id;
	uint32_t pid;
	char exe[SL_EXE_MAX];
	char caller[400];
};

/* Sockets one process exited holding. */
struct exit_group {
	uint32_t pid;
	struct who first;	/* the lowest socket id among them */
	bool signalled;		/* it died by a signal, without exiting */
	const char *role;	/* the first socket's */
	uint32_t *ids;
	uint32_t nids, ids_cap;
};

/* A finding about one socket, rendered, waiting to be printed in the
 * order of socket ids (sockets are audited as they end). */
struct held {
	uint32_t id;
	uint32_t seq;
	char *text;
};

/* Failed connects to one address. */
struct fail_group {
	struct sl_addr remote;
	struct who first;	/* the lowest socket id among them */
	int err;		/* that socket's errno */
	uint32_t fails;
	uint32_t *ids;
	uint32_t nids, ids_cap;
};

/* What one policy rule did: its count and its first action. */
struct rule_use {
	uint32_t line;
	uint32_t count;
	struct who first;	/* the lowest socket id it touched */
	uint32_t k;		/* which of that socket's actions */
	char text[512];
};

struct audit {
	const struct sl_model *m;
	FILE *out;
	bool json;
	uint64_t keepalive_after_ns;
	uint64_t slow_connect_ns;
	uint32_t connect_failures;
	unsigned int count[3];
	int worst;
	struct held *held;
	uint32_t nheld, held_cap;
	struct fail_group *groups;
	uint32_t ngroups, groups_cap;
	struct sl_hash *by_remote;	/* address hash -> group index + 1 */
	struct rule_use *rules;
	uint32_t nrules, rules_cap;
	struct exit_group *exits;
	uint32_t nexits, exits_cap;
	int width;		/* a terminal's: a text finding fits a line */
};

void sl_audit_prog_name(char *buf, size_t len, const char *cmdline);
void sl_audit_who(const struct audit *a, const struct sl_sock *s,
		  struct who *w);
void sl_audit_count(struct audit *a, enum sl_severity sev);
void sl_audit_hold(struct audit *a, enum sl_severity sev, const char *kind,
		   const struct who *w, const char *msg);
void sl_audit_report(struct audit *a, bool print);
void sl_audit_gaps(struct audit *a, const struct sl_model *m);

#endif
