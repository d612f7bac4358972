/*
 * socklens audit [--json] [--fail-on SEVERITY] [THRESHOLDS] FILE
 *
 * Options only: the findings are out/audit.c's. Exit status: 0, 1 with
 * --fail-on when a finding is that severe, 2 when the trace could not be
 * read or the options are wrong.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/lib.h"
#include "file/trace.h"
#include "out/out.h"

/* A duration option: 500ms, 2s, 1min, or bare seconds. */
static int parse_dur(const char *t, uint64_t *ns)
{
	char *end;
	double v = strtod(t, &end);

	if (end == t || v < 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		v *= 1e9;
	else if (!strcmp(end, "ms"))
		v *= 1e6;
	else if (!strcmp(end, "us"))
		v *= 1e3;
	else if (!strcmp(end, "min"))
		v *= 60e9;
	else
		return -1;
	*ns = (uint64_t)v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s audit [--json] [--fail-on info|warning|error]\n"
		"       [--keepalive-after DUR] [--slow-connect DUR]\n"
		"       [--connect-failures N] FILE\n"
		"  defaults: --keepalive-after 60s --slow-connect 1s "
		"--connect-failures 3\n", sl_prog());
}

static int parse_args(struct sl_audit_opts *a, int *fail_on, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "keepalive-after", required_argument, NULL, 'k' },
		{ "slow-connect", required_argument, NULL, 's' },
		{ "connect-failures", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'F':
			if ((*fail_on = sl_severity_of(optarg)) < 0)
				return -1;
			break;
		case 'k':
			if (parse_dur(optarg, &a->keepalive_after_ns) < 0)
				return -1;
			break;
		case 's':
			if (parse_dur(optarg, &a->slow_connect_ns) < 0)
				return -1;
			break;
		case 'c':
			a->connect_failures = (uint32_t)atoi(optarg);
			if (!a->connect_failures)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return optind < argc ? 0 : -1;
}

int sl_cmd_audit(int argc, char **argv)
{
	struct sl_audit_opts o = { .keepalive_after_ns = 60000000000ull,
				   .slow_connect_ns = 1000000000ull,
				   .connect_failures = 3 };
	const char *path;
	int fail_on = -1, worst;

	if (parse_args(&o, &fail_on, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	/* Several files: the parts of one rotated trace. */
	path = sl_trace_pick(argv + optind, argc - optind);
	if (!path)
		return 2;
	worst = sl_audit_file(path, &o, stdout);
	if (worst == -2)
		return 2;
	return fail_on >= 0 && worst >= fail_on ? 1 : 0;
}
