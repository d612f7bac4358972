/*
 * A parsed policy printed back, normalised, a line at a time (`socklens
 * policy check`, and the preload's log at SOCKLENS_DEBUG): the mode, the
 * seed, then each section with its option and fault rules in the order
 * of their lines.
 */
#include <stdint.h>
#include <stdio.h>

#include "socklens/policy.h"

static void print_rule(const struct sl_rule *r, char *line, size_t len)
{
	const struct sl_opt *o = &sl_opts[r->opt];
	char a[48], b[48];

	if (r->action == SL_PA_SET) {
		sl_opt_format(o, r->value, a, sizeof(a));
		snprintf(line, len, "%-6s %-24s %-12s # line %u", "set",
			 o->name, a, r->line);
	} else if (r->action == SL_PA_CLAMP) {
		sl_opt_format(o, r->min, a, sizeof(a));
		sl_opt_format(o, r->max, b, sizeof(b));
		snprintf(line, len, "%-6s %-24s %s %s  # line %u", "clamp",
			 o->name, a, b, r->line);
	} else {
		snprintf(line, len, "%-6s %-24s %-12s # line %u",
			 sl_action_names[r->action], o->name, "", r->line);
	}
}

/* Option and fault rules, in the order of their lines. */
void sl_policy_print(const struct sl_policy *p,
		     void (*put)(void *ctx, const char *line), void *ctx)
{
	char line[320], f[200];
	uint32_t cur = UINT32_MAX, i = 0, j = 0;

	snprintf(line, sizeof(line), "mode %s", p->audit ? "audit" : "enforce");
	put(ctx, line);
	if (p->has_seed) {
		snprintf(line, sizeof(line), "seed %llu",
			 (unsigned long long)p->seed);
		put(ctx, line);
	}
	while (i < p->nrules || j < p->nfaults) {
		bool opt = j >= p->nfaults || (i < p->nrules &&
			   p->rules[i].line < p->faults[j].line);
		uint32_t sel = opt ? p->rules[i].sel : p->faults[j].sel;

		if (sel != cur) {
			cur = sel;
			snprintf(line, sizeof(line), "\n[%s]", p->sels[cur].text);
			put(ctx, line);
		}
		if (opt) {
			print_rule(&p->rules[i++], line, sizeof(line));
		} else {
			sl_fault_format(&p->faults[j], f, sizeof(f));
			snprintf(line, sizeof(line), "%-44s # line %u", f,
				 p->faults[j++].line);
		}
		put(ctx, line);
	}
}
