/*
 * socklens export -f jsonl|sockets|epoll|chrome|html [-o OUT] FILE
 *
 * Options only: the formats are out/export.c's, their fields
 * socklens-export(5)'s (a field is added, never renamed).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/lib.h"
#include "file/trace.h"
#include "out/out.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s export -f jsonl|sockets|epoll|chrome|html [-o OUT] FILE...\n"
		"  jsonl    one JSON object per record, in file order\n"
		"  sockets  one JSON object per socket\n"
		"  epoll    one JSON object per epoll instance\n"
		"  chrome   Trace Event JSON that Perfetto (ui.perfetto.dev) opens\n"
		"  html     one self-contained page: timeline, zoom, hover, filters\n"
		"  -o OUT   write there instead of to stdout\n"
		"The fields of each format: man socklens-export (5).\n",
		sl_prog());
}

int sl_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *fmt = NULL, *outp = NULL;
	FILE *out = stdout;
	const char *path;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return sl_arg_getopt_fail("export", usage, c, argv);
		}
	}
	if (!fmt)
		return sl_arg_fail("export", usage, "missing -f FORMAT");
	if (!sl_export_known(fmt))
		return sl_arg_fail("export", usage, "-f: unknown format '%s'",
				   fmt);
	if (sl_arg_files("export", usage, argc, argv))
		return 2;
	if (outp && !(out = fopen(outp, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), outp, strerror(errno));
		return 1;
	}
	/* Several files: the parts of one rotated trace. */
	path = sl_trace_pick(argv + optind, argc - optind);
	if (!path)
		return 2;
	rc = sl_export(path, fmt, out);
	if (fflush(out) || (outp && fclose(out))) {
		fprintf(stderr, "%s: writing %s: %s\n", sl_prog(),
			outp ? outp : "stdout", strerror(errno));
		return 1;
	}
	return rc;
}
