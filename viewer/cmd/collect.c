/*
 * socklens collect [-s SOCKET] [-o FILE] [-C SIZE [-W COUNT]]
 *
 * The collector as a process of its own, for long runs and for many
 * programs at once: each is started with the preload and SOCKLENS_SOCKET
 * naming this socket. Runs until SIGINT or SIGTERM, then closes the trace.
 * -C rotates the trace into FILE.000, FILE.001... of at most SIZE bytes,
 * -W keeps the last COUNT of them (file/trace_rotate.c). Exits 1 when the
 * trace lost records or could not be written whole (said on stderr as it
 * happened), 0 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/paths.h"
#include "intake/intake.h"
#include "out/out.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s collect [-s SOCKET] [-o FILE] [-C SIZE [-W COUNT]] "
		"[--live]\n"
		"  -s SOCKET   listen here (default: a new private directory)\n"
		"  -o FILE     write the trace here (default socklens.trace)\n"
		"  -C SIZE     rotate into FILE.000, FILE.001... of at most SIZE "
		"bytes (k, M, G)\n"
		"  -W COUNT    with -C: keep only the last COUNT files\n"
		"  --live      redraw the open sockets' timeline as they come\n",
		sl_prog());
}

int sl_cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "live", no_argument, NULL, 'L' },
		{ "rotate-size", required_argument, NULL, 'C' },
		{ "rotate-count", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_stop };
	const char *sock = NULL, *out = "socklens.trace";
	struct sl_collector col;
	struct sl_live *live = NULL;
	struct sl_writer_opts wo = { 0 };
	bool want_live = false;
	char lib[PATH_MAX];
	int c, err;
	long n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:o:C:W:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (sl_parse_size(optarg, &wo.rot_size))
				return sl_arg_fail("collect", usage, "-C: '%s' is not "
						   "a size of at least %uk (k, M, "
						   "G)", optarg, SL_ROT_MIN >> 10);
			break;
		case 'W':
			if (sl_arg_long(optarg, 1, 1000000, &n) < 0)
				return sl_arg_fail("collect", usage, "-W: '%s' is not "
						   "a count from 1", optarg);
			wo.rot_keep = (uint32_t)n;
			break;
		case 's':
			sock = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'L':
			want_live = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return sl_arg_getopt_fail("collect", usage, c, argv);
		}
	}
	if (optind != argc)
		return sl_arg_fail("collect", usage, "unexpected argument '%s'",
				   argv[optind]);
	if (wo.rot_keep && !wo.rot_size)
		return sl_arg_fail("collect", usage, "-W COUNT needs -C SIZE");
	/* The handlers come before the socket: whoever waits for the socket
	 * to appear and then sends SIGINT must find them in place. A shell
	 * starts a background job with SIGINT ignored, so a signal that came
	 * before them was lost and the collector ran on forever (test_cli,
	 * about 1 run in 100 on a loaded machine). */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = sl_collector_open(&col, sock, out, &wo);
	if (err) {
		fprintf(stderr, "%s: collector on %s, trace %s: %s\n", sl_prog(),
			col.sock_path[0] ? col.sock_path : "(private dir)", out,
			strerror(-err));
		sl_collector_close(&col);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit fails the write (EFBIG), which is counted and
	 * said, instead of killing the collector. */
	signal(SIGXFSZ, SIG_IGN);
	if (sl_find_preload(lib, sizeof(lib)))
		snprintf(lib, sizeof(lib), "libsocklens.so");
	fprintf(stderr, "%s: collecting into %s; trace a program with\n"
		"  SOCKLENS_SOCKET=%s LD_PRELOAD=%s PROGRAM\n"
		"Ctrl-C (SIGINT) or SIGTERM to pid %d stops and closes the "
		"trace\n", sl_prog(), out, col.sock_path, lib, (int)getpid());
	if (want_live)
		live = sl_live_new(&col, true);
	while (!stopping) {
		sl_collector_poll(&col, live ? 250 : 1000);
		sl_live_tick(live);
	}
	sl_live_free(live);
	sl_collector_close(&col);
	fprintf(stderr, "%s: %llu records in %llu batches (%llu through "
		"rings), %llu refused, %llu cut off for bad records\n",
		sl_prog(), (unsigned long long)col.records,
		(unsigned long long)col.batches,
		(unsigned long long)col.ring_batches,
		(unsigned long long)col.refused, (unsigned long long)col.bad);
	if (col.w.lost || col.w.failures) {
		fprintf(stderr, "%s: %s: %llu records lost (%s: %s)\n", sl_prog(),
			out, (unsigned long long)col.w.lost,
			col.w.what ? col.w.what : "write", strerror(col.w.err));
		return 1;
	}
	return 0;
}
