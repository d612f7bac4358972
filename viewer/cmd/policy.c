/*
 * socklens policy check FILE
 *
 * Parses a policy the way the preload will (the policy library,
 * preload/policy/), prints it normalised (one rule a line, with the line
 * it came from), or the first error as FILE:LINE:COL: reason, and exits
 * 1. The grammar is socklens-policy(5)'s.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/lib.h"
#include "out/out.h"
#include "socklens/policy.h"

static void put_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s policy check FILE\n"
		"  checks a socket-option policy as the preload will read it "
		"(socklens-policy(5))\n", sl_prog());
}

int sl_cmd_policy(int argc, char **argv)
{
	struct sl_policy p;
	int ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	if (argc < 2)
		return sl_arg_fail("policy", usage, "missing check FILE");
	if (strcmp(argv[1], "check"))
		return sl_arg_fail("policy", usage, "unknown action '%s' (only "
				   "check)", argv[1]);
	if (argc != 3)
		return sl_arg_fail("policy", usage, argc < 3 ? "missing FILE" :
				   "unexpected argument '%s' after FILE", argv[3]);
	ret = sl_policy_load(&p, argv[2]);
	if (!ret) {
		printf("# %s: %u rules, %u fault rules in %u sections\n",
		       argv[2], p.nrules, p.nfaults, p.nsels);
		sl_policy_print(&p, put_line, stdout);
	}
	sl_policy_free(&p);
	return ret ? 1 : 0;
}
