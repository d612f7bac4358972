/*
 * socklens policy check FILE
 *
 * Parses a policy the way the preload will, prints it normalised (one
 * rule a line, with the line it came from), or the first error as
 * FILE:LINE:COL: reason, and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "socklens/policy.h"
#include "cmd/cmd.h"
#include "lib/lib.h"

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
		printf("# %s: %u rules in %u sections\n", argv[2], p.nrules,
		       p.nsels);
		sl_policy_print(&p, put_line, stdout);
	}
	sl_policy_free(&p);
	return ret ? 1 : 0;
}
