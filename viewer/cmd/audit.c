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
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/lib.h"
#include "file/trace.h"
#include "out/out.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s audit [--json] [--fail-on info|warning|error]\n"
		"       [--keepalive-after DUR] [--slow-connect DUR]\n"
		"       [--connect-failures N] FILE...\n"
		"  defaults: --keepalive-after 60s --slow-connect 1s "
		"--connect-failures 3\n"
		"  DUR: 500ms, 2s, 1min, 250us (bare: seconds)\n", sl_prog());
}

static int bad_dur(const char *opt, const char *val)
{
	return sl_arg_fail("audit", usage, "%s: '%s' is not a duration "
			   "(500ms, 2s, 1min)", opt, val);
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
	long n;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'F':
			if ((*fail_on = sl_severity_of(optarg)) < 0)
				return sl_arg_fail("audit", usage, "--fail-on: "
						   "'%s' is not info, warning "
						   "or error", optarg);
			break;
		case 'k':
			if (sl_arg_dur(optarg, &a->keepalive_after_ns) < 0)
				return bad_dur("--keepalive-after", optarg);
			break;
		case 's':
			if (sl_arg_dur(optarg, &a->slow_connect_ns) < 0)
				return bad_dur("--slow-connect", optarg);
			break;
		case 'c':
			if (sl_arg_long(optarg, 1, 1000000, &n) < 0)
				return sl_arg_fail("audit", usage, "--connect-"
						   "failures: '%s' is not a "
						   "count from 1", optarg);
			a->connect_failures = (uint32_t)n;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return sl_arg_getopt_fail("audit", usage, c, argv);
		}
	}
	if (sl_arg_files("audit", usage, argc, argv))
		return -1;
	return 0;
}

int sl_cmd_audit(int argc, char **argv)
{
	struct sl_audit_opts o = { .keepalive_after_ns = 60000000000ull,
				   .slow_connect_ns = 1000000000ull,
				   .connect_failures = 3 };
	const char *path;
	int fail_on = -1, worst;

	if (parse_args(&o, &fail_on, argc, argv))
		return 2;
	/* On a terminal a finding fits its line; a pipe gets it whole. */
	if (isatty(STDOUT_FILENO))
		o.width = sl_term_width(stdout);
	/* Several files: the parts of one rotated trace. */
	path = sl_trace_pick(argv + optind, argc - optind);
	if (!path)
		return 2;
	worst = sl_audit_file(path, &o, stdout);
	if (worst == -2)
		return 2;
	return fail_on >= 0 && worst >= fail_on ? 1 : 0;
}
