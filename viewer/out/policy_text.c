/*
 * The policy's actions as people and machines read them: one phrase per
 * action ("set SO_KEEPALIVE on at creation", "would deny SO_REUSEPORT"),
 * the terminal's policy section under the timeline, and the `policy`
 * field of `export -f sockets`. And a policy file a person gave the
 * command, read and parsed by the policy library (preload/policy/), with
 * what was wrong said on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "socklens/policy.h"
#include "out/out.h"

static const char *const when_names[SL_PW_MAX] = {
	[SL_PW_CREATE] = "at creation",
	[SL_PW_BIND] = "after bind",
	[SL_PW_CONNECT] = "before connect",
	[SL_PW_CONNECTED] = "after connect",
	[SL_PW_LISTEN] = "before listen",
	[SL_PW_ACCEPT] = "on accept",
	[SL_PW_SETSOCKOPT] = "in the program's setsockopt",
};

const char *sl_policy_act_when(const struct sl_policy_act *a)
{
	return a->when < SL_PW_MAX ? when_names[a->when] : "?";
}

/* A fault's value: the errno, the delay, bytes or EAGAINs. */
static void fault_value(const struct sl_policy_act *a, int64_t v, char *buf,
			size_t len)
{
	if (a->action == SL_PA_FAIL)
		snprintf(buf, len, "%s", sl_errno_name((int)v));
	else if (a->action == SL_PA_DELAY && v % 1000000 == 0)
		snprintf(buf, len, "%lldms", (long long)(v / 1000000));
	else if (a->action == SL_PA_DELAY)
		snprintf(buf, len, "%lldus", (long long)(v / 1000));
	else
		snprintf(buf, len, "%lld", (long long)v);
}

void sl_policy_act_value(const struct sl_policy_act *a, int64_t v,
			 char *buf, size_t len)
{
	int i;

	if (a->action >= SL_PA_FAIL) {
		fault_value(a, v, buf, len);
		return;
	}
	i = sl_opt_find(a->opt);
	struct sl_opt o = { .kind = a->kind };

	sl_opt_format(i >= 0 ? &sl_opts[i] : &o, v, buf, len);
}

/* "applied", "would", "failed: EINVAL", "misfit". */
const char *sl_policy_act_outcome(const struct sl_policy_act *a, char *buf,
				  size_t len)
{
	if (a->flags & SL_PF_MISFIT)
		return "misfit";
	if (a->flags & SL_PF_AUDIT)
		return "would";
	if (a->ret < 0 && !(a->action == SL_PA_DENY && a->err == EPERM)) {
		snprintf(buf, len, "failed: %s", sl_errno_name(a->err));
		return buf;
	}
	return "applied";
}

/* One phrase: what the rule did (or would have) and where it came from. */
void sl_policy_act_text(const struct sl_policy_act *a, const char *path,
			char *buf, size_t len)
{
	char prog[48], val[48], out[48];
	const char *outcome = sl_policy_act_outcome(a, out, sizeof(out));
	bool audit = a->flags & SL_PF_AUDIT;
	const char *act = sl_action_names[a->action < SL_PA_MAX ?
					  a->action : SL_PA_SET];
	int n;

	sl_policy_act_value(a, a->prog_value, prog, sizeof(prog));
	sl_policy_act_value(a, a->value, val, sizeof(val));
	n = snprintf(buf, len, "%s%s %s", audit ? "would " : "", act, a->opt);
	if (a->action >= SL_PA_FAIL)
		n += snprintf(buf + n, len - (size_t)n, " %s", val);
	else if (a->action == SL_PA_SET && (a->flags & SL_PF_PROG))
		n += snprintf(buf + n, len - (size_t)n, " %s (program asked %s)",
			      val, prog);
	else if (a->action == SL_PA_SET)
		n += snprintf(buf + n, len - (size_t)n, " %s", val);
	else if (a->action == SL_PA_CLAMP)
		n += snprintf(buf + n, len - (size_t)n, " %s -> %s", prog, val);
	else
		n += snprintf(buf + n, len - (size_t)n, " (program asked %s)",
			      prog);
	if (a->action < SL_PA_FAIL)
		n += snprintf(buf + n, len - (size_t)n, " %s",
			      sl_policy_act_when(a));
	if (a->action < SL_PA_FAIL && strcmp(outcome, "applied") && strcmp(outcome, "would"))
		n += snprintf(buf + n, len - (size_t)n, ": %s", outcome);
	if (a->flags & SL_PF_LATE)
		n += snprintf(buf + n, len - (size_t)n,
			      " (late: should precede connect/listen)");
	snprintf(buf + n, len - (size_t)n, "  [%s:%u]", path, a->line);
}

const char *sl_sock_policy_path(const struct sl_model *m,
				const struct sl_sock *s)
{
	const struct sl_proc *p = s->proc_index < m->nprocs ?
				  m->procs[s->proc_index] : NULL;

	return p && p->has_policy ? p->policy.path : "policy";
}

/* Under the timeline: the policy each process ran under, and what it did,
 * at most MAX lines of actions. */
void sl_render_policy(FILE *f, const struct sl_model *m, size_t max)
{
	char line[512];
	size_t shown = 0;
	uint64_t total = 0;

	for (uint32_t i = 0; i < m->nprocs; i++) {
		const struct sl_proc *p = m->procs[i];

		if (!p->has_policy || !p->policy.bad)
			continue;
		fprintf(f, "policy refused in pid %u, which ran without it: ",
			p->pid);
		sl_term_str(f, p->policy.message, strlen(p->policy.message), 0);
		fputc('\n', f);
	}
	/* A NULL socket was retired (the live view keeps what is open). */
	for (uint32_t i = 0; i < m->nsocks; i++)
		total += m->socks[i] ? m->socks[i]->npacts : 0;
	if (!total)
		return;
	fprintf(f, "policy: %llu actions\n", (unsigned long long)total);
	for (uint32_t i = 0; i < m->nsocks && shown < max; i++) {
		const struct sl_sock *s = m->socks[i];

		for (uint32_t k = 0; s && k < s->npacts && shown < max;
		     k++, shown++) {
			sl_policy_act_text(&s->pacts[k],
					   sl_sock_policy_path(m, s), line,
					   sizeof(line));
			fprintf(f, "  %4u ", s->id);
			sl_term_str(f, line, strlen(line), 0);
			fputc('\n', f);
		}
	}
	if (shown < total)
		fprintf(f, "  ... %llu more: socklens export -f sockets\n",
			(unsigned long long)(total - shown));
}

/* Reads FILE whole; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		char *grown;

		cap = cap ? cap * 2 : 4096;
		if (cap > (1u << 24)) {
			errno = EFBIG;
			goto err_close;
		}
		grown = realloc(buf, cap);
		if (!grown)
			goto err_close;
		buf = grown;
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (*len == cap);
	if (ferror(f))
		goto err_close;
	fclose(f);
	return buf;

err_close:
	free(buf);
	fclose(f);
	return NULL;
}

/* Parses PATH into P, printing the error; 0 or -1. */
int sl_policy_load(struct sl_policy *p, const char *path)
{
	char err[512];
	size_t len;
	char *text = slurp(path, &len);
	int ret;

	if (!text) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path, strerror(errno));
		memset(p, 0, sizeof(*p));
		return -1;
	}
	ret = sl_policy_parse(p, path, text, len, err, sizeof(err));
	free(text);
	if (ret < 0)
		fprintf(stderr, "%s\n", err);
	return ret;
}
