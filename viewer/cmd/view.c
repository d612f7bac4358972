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
#include "file/trace.h"
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
	const char *path;
	int c;

	while ((c = getopt_long(argc, argv, "+w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.width = atoi(optarg);
			break;
		case 'c':
			if (!strcmp(optarg, "always"))
				o.color = true;
			else if (!strcmp(optarg, "never"))
				o.color = false;
			else if (strcmp(optarg, "auto")) {
				usage(stderr);
				return 2;
			}
			break;
		case 'C':
			o.callers = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* Several files: the parts of one rotated trace. */
	path = sl_trace_pick(argv + optind, argc - optind);
	return path ? sl_view_file(stdout, path, &o) : 2;
}
