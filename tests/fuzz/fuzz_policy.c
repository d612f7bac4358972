/* Fuzz harness: a policy file through the parser, printed back. */
#include <stdint.h>
#include <stdio.h>

#include "socklens/policy.h"

static void put(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_policy p;
	char err[512];

	if (sl_policy_parse(&p, "fuzz.conf", (const char *)data, size, err,
			    sizeof(err)) == 0)
		sl_policy_print(&p, put, NULL);
	sl_policy_free(&p);
	return 0;
}
