/*
 * Command-line mistakes and values, the same in every subcommand
 * (args.c). At the bottom with lib.h: stdio only, nothing of the layers.
 */
#ifndef SL_ARGS_H
#define SL_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What every subcommand says about a mistake, one line naming
 * it ("socklens CMD: ...") then its usage on stderr; each returns 2, the
 * exit status of a usage error. The getopt_long option string starts
 * "+:" and opterr is 0, so getopt says nothing itself.
 */
int sl_arg_fail(const char *cmd, void (*usage)(FILE *f), const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sl_arg_getopt_fail(const char *cmd, void (*usage)(FILE *f), int c,
		       char **argv);
int sl_arg_operands(const char *cmd, void (*usage)(FILE *f), int argc,
		    char **argv, int need, const char *what);
int sl_arg_files(const char *cmd, void (*usage)(FILE *f), int argc,
		 char **argv);
/* Value parsers: 0, or -1 when S is not one (trailing junk included). */
int sl_arg_long(const char *s, long min, long max, long *v);
int sl_arg_dur(const char *s, uint64_t *ns);
int sl_arg_color(const char *s, bool *color);

#endif
