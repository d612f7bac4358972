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
#include "lib/lib.h"
#include "out/out.h"
#include "socklens/policy.h"

static void put_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

int sl_cmd_policy(int argc, char **argv)
{
	struct sl_policy p;
	int ret;

	if (argc != 3 || strcmp(argv[1], "check")) {
		fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
			"usage: %s policy check FILE\n", sl_prog());
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	ret = sl_policy_load(&p, argv[2]);
	if (!ret) {
		printf("# %s: %u rules, %u fault rules in %u sections\n",
		       argv[2], p.nrules, p.nfaults, p.nsels);
		sl_policy_print(&p, put_line, stdout);
	}
	sl_policy_free(&p);
	return ret ? 1 : 0;
}
