/*
 * The subcommands, one file each; main.c is their only caller. A
 * subcommand parses its options and calls the layers below (out/, the
 * policy library, intake/, elf/); it never calls another subcommand.
 */
#ifndef SL_CMD_H
#define SL_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int sl_cmd_run(int argc, char **argv);		/* run.c */
int sl_cmd_collect(int argc, char **argv);	/* collect.c */
int sl_cmd_view(int argc, char **argv);		/* view.c */
int sl_cmd_export(int argc, char **argv);	/* export.c */
int sl_cmd_audit(int argc, char **argv);	/* audit.c */
int sl_cmd_policy(int argc, char **argv);	/* policy.c */
int sl_cmd_inspect(int argc, char **argv);	/* inspect.c */


/*
 * args.c: what every subcommand says about a mistake, one line naming
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
/* Value parsers: 0, or -1 when S is not one (trailing junk included). */
int sl_arg_long(const char *s, long min, long max, long *v);
int sl_arg_dur(const char *s, uint64_t *ns);
int sl_arg_color(const char *s, bool *color);

#endif
