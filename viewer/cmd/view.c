/*
 * socklens view [-w COLUMNS] [--color=auto|always|never] [--callers] FILE
 *
 * Reads a trace into the socket model and draws the terminal timeline.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/lib.h"
#include "out/out.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s view [-w COLUMNS] [--color=auto|always|never] "
		"[--callers] FILE\n"
		"  --callers   name the function that made each socket\n", sl_prog());
}

int sl_cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "width", required_argument, NULL, 'w' },
		{ "color", required_argument, NULL, 'c' },
		{ "callers", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sl_render_opts o = { .width = sl_term_width(stdout),
				    .color = sl_color_wanted(stdout) };
	int c;

	long n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:w:h", opts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			return sl_arg_getopt_fail("view", usage, c, argv);
		}
	}
	if (sl_arg_operands("view", usage, argc, argv, 1, "FILE"))
		return 2;
	return sl_view_file(stdout, argv[optind], &o);
}
