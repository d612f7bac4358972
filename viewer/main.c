/*
 * socklens: the command. Dispatches to one file per subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "socklens/wire.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
};

static const struct subcommand subcommands[] = {
	{ "run", sl_cmd_run, "run a program under the tracer, then show it" },
	{ "collect", sl_cmd_collect, "collect from traced processes into a file" },
	{ "view", sl_cmd_view, "draw a trace's socket timeline in the terminal" },
	{ "export", sl_cmd_export, "write a trace for other tools (-f FORMAT)" },
	{ "audit", sl_cmd_audit, "findings: exposed listeners, leaks, failures" },
	{ "policy", sl_cmd_policy, "check a socket-option policy file" },
	{ "inspect", sl_cmd_inspect, "can a program be traced? what it imports" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: socklens COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].what);
	fprintf(f, "\nexport formats (-f):\n"
		"  jsonl    one JSON object per record, in file order\n"
		"  sockets  one JSON object per socket: endpoints, states, bytes\n"
		"  epoll    one JSON object per epoll instance\n"
		"  chrome   Trace Event JSON for Perfetto and Chrome DevTools\n"
		"  html     one self-contained page to open in a browser\n"
		"\n  --help     this text       --version  the version\n"
		"'socklens COMMAND --help' for a command's options; "
		"man socklens.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "socklens: missing COMMAND\n");
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("socklens %s (wire %d)\n", SL_VERSION, SL_WIRE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "socklens: unknown %s '%s'\n",
		argv[1][0] == '-' ? "option" : "command", argv[1]);
	usage(stderr);
	return 2;
}
