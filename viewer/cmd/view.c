/*
 * socklens view [-w COLUMNS] [--color=WHEN] [--callers] [-t|-tt]
 *               [--summary] [FILTERS] FILE
 *
 * Reads a trace into the socket model and draws the terminal timeline,
 * or with --summary the tables of out/summary.c; the filters
 * (out/filter.c) choose the sockets either shows.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/lib.h"
#include "file/trace.h"
#include "out/out.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s view [-w COLUMNS] [--color=auto|always|never] "
		"[--callers] [-t|-tt]\n"
		"                     [--summary] [FILTERS] FILE...\n"
		"  --callers     name the function that made each socket\n"
		"  -t, -tt       wall-clock start of each row (-tt: to the "
		"microsecond)\n"
		"  --summary     per process and per remote endpoint: sockets, "
		"connects,\n"
		"                accepts, bytes, lifetimes, connect-to-accept "
		"latency\n"
		"FILTERS (each may repeat; all must match):\n"
		"  -p PID        held by this process\n"
		"  --port N      this port on either end\n"
		"  --addr CIDR   an address on either end in it (10.0.0.0/8, "
		"::1)\n"
		"  --role R      listener, client, server, pair, datagram, "
		"unconnected\n"
		"  --state S     went through created, bound, listening, "
		"connecting,\n"
		"                established, shut-wr, shut-rd, shut-rdwr, "
		"peer-closed\n"
		"  --family F    inet, inet6, unix, ip, tcp, udp\n"
		"  --errors      only sockets with an error or a failed call\n",
		sl_prog());
}

/* The filter options: getopt's value for each, and its key. */
static const struct {
	int opt;
	enum sl_filter_key key;
	const char *name;
	const char *want;	/* what a value must be */
} filter_opts[] = {
	{ 'p', SL_FILTER_PID, "-p", "a process id" },
	{ 'P', SL_FILTER_PORT, "--port", "a port from 0 to 65535" },
	{ 'a', SL_FILTER_ADDR, "--addr", "an IPv4 or IPv6 address[/prefix]" },
	{ 'r', SL_FILTER_ROLE, "--role", "listener, client, server, pair, "
	  "datagram or unconnected" },
	{ 's', SL_FILTER_STATE, "--state", "a state (see --help)" },
	{ 'f', SL_FILTER_FAMILY, "--family", "inet, inet6, unix, ip, tcp "
	  "or udp" },
	{ 'e', SL_FILTER_ERRORS, "--errors", "" },
};

static int filter_opt(struct sl_filter *flt, int c)
{
	for (size_t i = 0; i < sizeof(filter_opts) / sizeof(filter_opts[0]); i++) {
		if (filter_opts[i].opt != c)
			continue;
		if (sl_filter_add(flt, filter_opts[i].key, optarg) < 0)
			return sl_arg_fail("view", usage, "%s: '%s' is not %s "
					   "(or more than %d were given)",
					   filter_opts[i].name, optarg,
					   filter_opts[i].want, SL_FILTER_MAX);
		return 0;
	}
	return sl_arg_fail("view", usage, "unknown option");
}

int sl_cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "width", required_argument, NULL, 'w' },
		{ "color", required_argument, NULL, 'c' },
		{ "callers", no_argument, NULL, 'C' },
		{ "summary", no_argument, NULL, 'S' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "addr", required_argument, NULL, 'a' },
		{ "role", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "family", required_argument, NULL, 'f' },
		{ "errors", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct sl_filter flt;
	struct sl_render_opts o = { .width = sl_term_width(stdout),
				    .color = sl_color_wanted(stdout),
				    .filter = &flt };
	bool summary = false;
	const char *path;
	int c;
	long n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:w:htp:", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (sl_arg_long(optarg, 60, 400, &n) < 0)
				return sl_arg_fail("view", usage, "-w: '%s' is not "
						   "a width from 60 to 400 "
						   "columns", optarg);
			o.width = (int)n;
			break;
		case 'c':
			if (sl_arg_color(optarg, &o.color) < 0)
				return sl_arg_fail("view", usage, "--color: '%s' "
						   "is not auto, always or "
						   "never", optarg);
			break;
		case 'C':
			o.callers = true;
			break;
		case 'S':
			summary = true;
			break;
		case 't':
			o.clock = o.clock == SL_CLOCK_NONE ? SL_CLOCK_SEC :
							     SL_CLOCK_USEC;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case '?':
		case ':':
			return sl_arg_getopt_fail("view", usage, c, argv);
		default:
			if (filter_opt(&flt, c))
				return 2;
		}
	}
	if (sl_arg_files("view", usage, argc, argv))
		return 2;
	/* Several files: the parts of one rotated trace. */
	path = sl_trace_pick(argv + optind, argc - optind);
	if (!path)
		return 2;
	if (summary)
		return sl_view_summary_file(stdout, path, &o);
	return sl_view_file(stdout, path, &o);
}
