/*
 * The subcommands, one file each; main.c is their only caller. A
 * subcommand parses its options and calls the layers below (out/, the
 * policy library, intake/, elf/); it never calls another subcommand.
 */
#ifndef SL_CMD_H
#define SL_CMD_H


int sl_cmd_run(int argc, char **argv);		/* run.c */
int sl_cmd_collect(int argc, char **argv);	/* collect.c */
int sl_cmd_view(int argc, char **argv);		/* view.c */
int sl_cmd_export(int argc, char **argv);	/* export.c */
int sl_cmd_audit(int argc, char **argv);	/* audit.c */
int sl_cmd_policy(int argc, char **argv);	/* policy.c */
int sl_cmd_inspect(int argc, char **argv);	/* inspect.c */

#endif
