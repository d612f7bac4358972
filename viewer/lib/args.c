/*
 * Command-line mistakes, said the same way by every subcommand: one line
 * naming what was wrong ("socklens view: -w: 'abc' is not a number from
 * 20 to 400"), then the subcommand's usage, exit status 2. And the value
 * parsers the subcommands share (numbers, durations, --color), which
 * refuse trailing junk instead of reading "5parsecs" as 5.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/args.h"
#include "lib/lib.h"

int sl_arg_fail(const char *cmd, void (*usage)(FILE *f), const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", sl_prog(), cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

/*
 * getopt_long (with opterr 0 and a ':' after the '+' of its option
 * string) returned '?' or ':': name the option. Its text is the
 * argument getopt just stepped over, unless it was one letter of a
 * cluster ("-qx"), where optopt is all there is.
 */
int sl_arg_getopt_fail(const char *cmd, void (*usage)(FILE *f), int c,
		       char **argv)
{
	const char *arg = argv[optind - 1];
	char name[64];

	if (!strncmp(arg, "--", 2) || !optopt)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (c == ':')
		return sl_arg_fail(cmd, usage, "option '%s' needs a value", name);
	return sl_arg_fail(cmd, usage, "unknown option '%s'", name);
}

/* After the options: exactly NEED operands (named WHAT), or say which
 * is missing or which one is too many. */
int sl_arg_operands(const char *cmd, void (*usage)(FILE *f), int argc,
		    char **argv, int need, const char *what)
{
	int have = argc - optind;

	if (have < need)
		return sl_arg_fail(cmd, usage, "missing %s", what);
	if (have > need) {
		const char *extra = argv[optind + need];

		if (extra[0] == '-' && extra[1])
			return sl_arg_fail(cmd, usage, "option '%s' after %s: "
					   "options go before it", extra, what);
		return sl_arg_fail(cmd, usage, "unexpected argument '%s' "
				   "after %s", extra, what);
	}
	return 0;
}

/* After the options: one trace FILE, or the parts of one rotated trace
 * (`view t.trace.*`, file/trace_reader.c picks among them); an option
 * among them is said to go before. */
int sl_arg_files(const char *cmd, void (*usage)(FILE *f), int argc,
		 char **argv)
{
	if (optind >= argc)
		return sl_arg_fail(cmd, usage, "missing FILE");
	for (int i = optind + 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1])
			return sl_arg_fail(cmd, usage, "option '%s' after "
					   "FILE: options go before it",
					   argv[i]);
		if (access(argv[i], F_OK))
			return sl_arg_fail(cmd, usage, "unexpected argument "
					   "'%s' after FILE: no such file "
					   "(FILEs are the parts of one "
					   "rotated trace)", argv[i]);
	}
	return 0;
}

int sl_arg_long(const char *s, long min, long max, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end || errno || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

/* A duration: 500ms, 2s, 1min, 250us, or bare seconds. */
int sl_arg_dur(const char *t, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "ns", 1 }, { "min", 60e9 },
	};
	char *end;
	double v = strtod(t, &end);

	if (end == t || !(v >= 0) || v > 1e6)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			*ns = (uint64_t)(v * units[i].ns);
			return 0;
		}
	return -1;
}

int sl_arg_color(const char *s, bool *color)
{
	if (!strcmp(s, "always"))
		*color = true;
	else if (!strcmp(s, "never"))
		*color = false;
	else if (strcmp(s, "auto"))
		return -1;
	return 0;
}
