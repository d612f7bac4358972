/*
 * The socket-option policy library (preload/policy/): the option table
 * (opts.c), the parser (parse.c; fault rules faults.c), the printer
 * (print.c) and the matcher (match.c). Shared by the
 * preload, which enforces a policy (preload/enforce.c), and by the
 * socklens command, which checks one before a program starts; so it uses
 * nothing of either side, and both include it from here. Parsing
 * allocates (at init); matching never does. The grammar is
 * socklens-policy(5)'s; what a rule does at run time is told in
 * (preload/README.md, "The policy").
 */
#ifndef SL_POLICY_H
#define SL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "socklens/wire.h"

/* What a socket must be for an option to mean anything. */
enum sl_opt_needs {
	SL_NEEDS_ANY,
	SL_NEEDS_TCP,		/* inet or inet6 stream */
	SL_NEEDS_INET,		/* IPPROTO_IP: inet (or inet6, dual stack) */
	SL_NEEDS_INET6,
	SL_NEEDS_DGRAM,
	SL_NEEDS_UNIX,
};

struct sl_opt {
	const char *name;
	int level;
	int optname;
	uint8_t kind;		/* enum sl_pol_kind (wire.h) */
	uint8_t needs;		/* enum sl_opt_needs */
	bool early;		/* must precede connect/listen (or bind) */
};

extern const struct sl_opt sl_opts[];
extern const unsigned int sl_nopts;

int sl_opt_find(const char *name);
int sl_opt_by_number(int level, int optname);
/* The closest option name to NAME, for "did you mean", or NULL. */
const char *sl_opt_suggest(const char *name);

/* Values are kept as int64, in the units of enum sl_pol_kind (wire.h):
 * a record carries them so. */
int sl_opt_parse_value(const struct sl_opt *o, const char *text,
		       int64_t *out, char *why, size_t why_len);
int sl_opt_format(const struct sl_opt *o, int64_t v, char *buf, size_t len);
/* Between the kernel's bytes and our int64. */
socklen_t sl_opt_encode(const struct sl_opt *o, int64_t v, void *buf);
int sl_opt_decode(const struct sl_opt *o, const void *buf, socklen_t len,
		  int64_t *out);

/* "set", "clamp", "deny", "ignore": enum sl_pol_action (wire.h). */
extern const char *const sl_action_names[SL_PA_MAX];

enum sl_role_sel { SL_RS_ANY, SL_RS_LISTENER, SL_RS_CLIENT, SL_RS_SERVER };

/* Families and types a selector takes, as bits. */
#define SL_SEL_INET	0x1u
#define SL_SEL_INET6	0x2u
#define SL_SEL_UNIX	0x4u
#define SL_SEL_STREAM	0x1u
#define SL_SEL_DGRAM	0x2u

/* An address, a CIDR or '*', and a port range; has == false: no filter. */
struct sl_net {
	bool has_addr;
	bool has_port;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix;		/* bits that must match */
	uint8_t addr[16];
	uint16_t port_lo, port_hi;
};

struct sl_sel {
	uint8_t families;	/* SL_SEL_INET... */
	uint8_t types;		/* SL_SEL_STREAM, SL_SEL_DGRAM */
	uint8_t role;		/* enum sl_role_sel */
	struct sl_net local;
	struct sl_net remote;
	struct sl_net either;	/* a bare "port N": either end */
	/* [name HOST]: the host name its resolve rules are for ("*.x": any
	 * name under x); such a section takes no socket. "" otherwise. */
	char host[96];
	uint32_t line;
	char text[128];		/* normalised, for printing */
};

struct sl_rule {
	uint8_t action;		/* enum sl_pol_action (wire.h) */
	uint16_t opt;		/* index in sl_opts */
	uint32_t sel;		/* index in sels */
	uint32_t line;
	int64_t value;		/* set */
	int64_t min, max;	/* clamp */
};

/*
 * Fault rules (faults.c): "fail connect ECONNREFUSED", "delay recv 50ms",
 * "limit recv 64k/s", "short recv 1", "again recv 10", each with an
 * optional "after SIZE" (send, recv: once that many bytes went that way)
 * and a probability "30%". The engine that applies them is
 * preload/fault.c.
 */
enum sl_fault_action {
	SL_FA_FAIL,		/* the call fails with an errno (EAI_ code) */
	SL_FA_DELAY,		/* the call waits first: value in ns */
	SL_FA_LIMIT,		/* a throughput cap: value in bytes per second */
	SL_FA_SHORT,		/* at most value bytes a call */
	SL_FA_AGAIN,		/* value EAGAINs before each real call */
	SL_FA_MAX
};

enum sl_fault_call {
	SL_FC_CONNECT,
	SL_FC_ACCEPT,
	SL_FC_SEND,
	SL_FC_RECV,
	SL_FC_RESOLVE,
	SL_FC_MAX
};

#define SL_FAULT_PPM_ALL 1000000u	/* a probability of 100% */

struct sl_fault {
	uint8_t action;		/* enum sl_fault_action */
	uint8_t call;		/* enum sl_fault_call */
	uint32_t ppm;		/* probability, parts per million */
	uint32_t sel;		/* index in sels */
	uint32_t line;
	int err;		/* fail: an errno, or an EAI_ code for resolve */
	uint64_t after;		/* bytes that pass before the rule applies */
	uint64_t value;		/* ns, bytes per second, bytes, or a count */
};

/* Names, in the order of the enums above. */
extern const char *const sl_fault_action_names[SL_FA_MAX];
extern const char *const sl_fault_call_names[SL_FC_MAX];
/* Whether WORD opens a fault rule. */
bool sl_fault_is_action(const char *word);
/*
 * Parses the words of one fault rule (W[0] is the action) into F (all
 * but sel and line). 0, or -1 with the reason in WHY and in *BAD the
 * index of the word at fault (N: after the last one).
 */
int sl_fault_parse(struct sl_fault *f, const char *const *w, int n,
		   int *bad, char *why, size_t why_len);
/* "fail recv ECONNRESET after 4k 30%", as it would be written. */
int sl_fault_format(const struct sl_fault *f, char *buf, size_t len);
/* The errno (or EAI_ code) name of a fault, "?" if none. */
const char *sl_fault_err_name(int call, int err);
/* Edit distance, case-blind, of two short names (for "did you mean"). */
unsigned int sl_name_distance(const char *a, const char *b);

struct sl_policy {
	char path[256];
	bool audit;
	bool has_seed;
	uint64_t seed;		/* the fault engine's draws; 0 unless given */
	struct sl_sel *sels;
	uint32_t nsels;
	struct sl_rule *rules;
	uint32_t nrules;
	struct sl_fault *faults;
	uint32_t nfaults;
};

/*
 * Parses TEXT (LEN bytes) read from PATH. 0, or -1 with "PATH:LINE:COL:
 * reason" in ERR; either way P is usable (empty on error) and freed with
 * sl_policy_free.
 */
int sl_policy_parse(struct sl_policy *p, const char *path, const char *text,
		    size_t len, char *err, size_t err_len);
void sl_policy_free(struct sl_policy *p);
/* print.c: writes the normalised policy, one line at a time, through
 * PUT. */
void sl_policy_print(const struct sl_policy *p,
		     void (*put)(void *ctx, const char *line), void *ctx);

/* What is known of a socket when a rule is matched against it. */
struct sl_sock_desc {
	int family;
	int type;
	uint8_t role;			/* enum sl_role_sel, ANY: not yet */
	const struct sockaddr *local;	/* NULL: not known yet */
	socklen_t local_len;
	const struct sockaddr *remote;
	socklen_t remote_len;
};

/*
 * Whether SEL takes the socket D. *PENDING is set when it might, once
 * more is known (an address or the role): the rule waits for then.
 */
bool sl_sel_match(const struct sl_sel *sel, const struct sl_sock_desc *d,
		  bool *pending);
/* Whether the resolve rules of SEL are for NAME: any name unless it is a
 * [name HOST] section; case-blind, "*.x" takes x's subdomains. */
bool sl_name_match(const struct sl_sel *sel, const char *name);
/* Whether option O can apply to the socket at all. */
bool sl_opt_applies(const struct sl_opt *o, int family, int type);

#endif
