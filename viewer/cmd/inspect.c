/*
 * socklens inspect [--deps] [--json] PROGRAM...
 *
 * What a program is, before a run is wasted on it. PROGRAM is found as
 * `run` finds it (on PATH, and a #! script is its interpreter: both are
 * said). Then: dynamic or static, whether the kernel would run it in
 * secure mode for you (setuid, setgid, file capabilities: the loader then
 * ignores LD_PRELOAD), its architecture against the preload's, the socket
 * functions it imports and from which library, the socket functions it
 * reaches through its libraries (curl's come through libcurl), where it
 * can reach the kernel around the preload, and whether it is stripped.
 * With --deps, each library the loader would load, one line each.
 * Exit status: 0 when every program can be traced, 1 otherwise.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"
#include "cmd/cmd.h"
#include "lib/args.h"
#include "out/out.h"

static const char *kind(int type)
{
	return type == 2 ? "executable" : type == 3 ? "shared object/PIE" :
						      "object";
}

static void print_text(struct sl_elf_info *in)
{
	const char *why = sl_elf_untraceable(in);

	printf("%s: %d-bit %s %s, %s%s%s\n", in->path, in->elf_class,
	       sl_elf_machine_name(in->machine), kind(in->type),
	       in->has_interp ? "dynamically linked" : "statically linked",
	       in->stripped ? ", stripped" : ", with symbols",
	       in->setuid || in->setgid ? ", setuid/setgid" : "");
	printf("  traceable: %s%s\n", why ? "no: " : "yes", why ? why : "");
	if (in->privilege[0])
		printf("  privileges: %s\n", in->privilege);
	printf("  socket functions imported:");
	for (uint32_t i = 0; i < in->nsocket_imports; i++)
		printf(" %s%s", in->socket_imports[i],
		       i + 1 < in->nsocket_imports ? "," : "");
	printf("%s\n", in->nsocket_imports ? "" : !in->has_interp ?
	       " none (static)" : " none");
}

/* The name of an import line "connect libc.so.6": up to the space. */
static int import_name_len(const char *line)
{
	return (int)strcspn(line, " ");
}

/* Each library that imports socket functions, with them. */
static void print_via_libraries(const struct sl_deps *d)
{
	bool any = false;

	printf("  socket functions through its libraries:");
	for (int i = 0; i < d->n; i++) {
		const struct sl_elf_info *li = &d->libs[i].info;

		if (!d->libs[i].found || !li->nsocket_imports)
			continue;
		printf("\n    %s:", d->libs[i].name);
		for (uint32_t k = 0; k < li->nsocket_imports; k++)
			printf(" %.*s%s", import_name_len(li->socket_imports[k]),
			       li->socket_imports[k],
			       k + 1 < li->nsocket_imports ? "," : "");
		any = true;
	}
	printf("%s\n", any ? "" : " none");
}

static void print_deps_text(const struct sl_deps *d)
{
	for (int i = 0; i < d->n; i++) {
		const struct sl_lib *lib = &d->libs[i];

		if (!lib->found) {
			printf("  %s => not found\n", lib->name);
			continue;
		}
		printf("  %s => %s: ", lib->name, lib->info.path);
		if (lib->info.nsocket_imports)
			printf("%u socket functions", lib->info.nsocket_imports);
		else
			printf("no socket functions");
		printf("%s\n", lib->info.imports_syscall ? ", imports syscall()" : "");
	}
}

static void print_risks_text(const struct sl_elf_info *in,
			     const struct sl_risks *r)
{
	for (int i = 0; i < r->n; i++)
		printf("  around the preload: %s\n", r->line[i]);
	if (!r->n)
		printf("  around the preload: nothing found%s\n",
		       in->imports_syscall ? " (its syscall() calls are followed)" :
					     "");
}

static void json_list(const char *key, char **items, uint32_t n)
{
	printf(",\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		sl_json_str(stdout, items[i], strlen(items[i]));
	}
	putchar(']');
}

static void json_str_or_null(const char *s)
{
	if (s && *s)
		sl_json_str(stdout, s, strlen(s));
	else
		fputs("null", stdout);
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

static void print_json_body(struct sl_elf_info *in)
{
	const char *why = sl_elf_untraceable(in);

	printf("\"path\":");
	sl_json_str(stdout, in->path, strlen(in->path));
	printf(",\"class\":%d,\"machine\":\"%s\",\"dynamic\":%s,\"stripped\":%s,"
	       "\"setuid\":%s,\"caps\":%s,\"syscall\":%s,\"io_uring\":%s,"
	       "\"traceable\":%s,\"reason\":", in->elf_class,
	       sl_elf_machine_name(in->machine), tf(in->has_interp),
	       tf(in->stripped), tf(in->setuid || in->setgid), tf(in->caps),
	       tf(in->imports_syscall), tf(in->imports_io_uring), tf(!why));
	json_str_or_null(why);
	printf(",\"privilege\":");
	json_str_or_null(in->privilege);
	json_list("socket_imports", in->socket_imports, in->nsocket_imports);
	json_list("needed", in->needed, in->nneeded);
}

static void print_json_program(const struct sl_prog *pg)
{
	printf("\"given\":");
	sl_json_str(stdout, pg->file[0], strlen(pg->file[0]));
	printf(",\"scripts\":[");
	for (int i = 0; i + 1 < pg->n; i++) {
		printf("%s{\"path\":", i ? "," : "");
		sl_json_str(stdout, pg->file[i], strlen(pg->file[i]));
		printf(",\"line\":");
		sl_json_str(stdout, pg->line[i], strlen(pg->line[i]));
		putchar('}');
	}
	printf("],");
}

static void print_json_libs(const struct sl_deps *d, bool with_deps)
{
	printf(",\"via_libraries\":[");
	for (int i = 0, n = 0; i < d->n; i++) {
		struct sl_elf_info *li = &d->libs[i].info;

		if (!d->libs[i].found || !li->nsocket_imports)
			continue;
		printf("%s{\"lib\":", n++ ? "," : "");
		sl_json_str(stdout, d->libs[i].name, strlen(d->libs[i].name));
		printf(",\"functions\":[");
		for (uint32_t k = 0; k < li->nsocket_imports; k++) {
			fputs(k ? "," : "", stdout);
			sl_json_str(stdout, li->socket_imports[k],
				    (size_t)import_name_len(li->socket_imports[k]));
		}
		printf("]}");
	}
	putchar(']');
	if (!with_deps)
		return;
	printf(",\"deps\":[");
	for (int i = 0; i < d->n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		sl_json_str(stdout, d->libs[i].name, strlen(d->libs[i].name));
		if (d->libs[i].found) {
			putchar(',');
			print_json_body(&d->libs[i].info);
		} else {
			printf(",\"path\":null");
		}
		putchar('}');
	}
	putchar(']');
}

static void print_json_risks(const struct sl_risks *r)
{
	printf(",\"around_preload\":[");
	for (int i = 0; i < r->n; i++) {
		fputs(i ? "," : "", stdout);
		sl_json_str(stdout, r->line[i], strlen(r->line[i]));
	}
	putchar(']');
}

/* How PROG was found: on PATH, through #! scripts. */
static void print_found(const char *prog, const struct sl_prog *pg)
{
	if (pg->on_path)
		printf("%s: found on PATH: %s\n", prog, pg->file[0]);
	for (int i = 0; i + 1 < pg->n; i++)
		printf("%s: a script (%s): it runs %s%s\n", pg->file[i],
		       pg->line[i], pg->file[i + 1],
		       pg->by_env[i] ? " (env finds it on PATH)" : "");
}

static int not_found(const char *prog, const char *why, bool json)
{
	if (json) {
		printf("{\"path\":");
		sl_json_str(stdout, prog, strlen(prog));
		printf(",\"error\":");
		sl_json_str(stdout, why, strlen(why));
		printf("}\n");
	}
	fprintf(stderr, "%s: %s: %s\n", sl_prog(), prog, why);
	return 1;
}

/* Inspects one program; 0 if it can be traced. */
static int inspect_one(const char *prog, bool with_deps, bool json)
{
	struct sl_prog *pg = sl_xmalloc(sizeof(*pg));
	struct sl_deps d = { 0 };
	struct sl_risks r;
	struct sl_elf_info in;
	int ret;

	if (sl_prog_find(prog, pg) < 0) {
		ret = not_found(prog, pg->err, json);
		free(pg);
		return ret;
	}
	if (sl_elf_inspect(pg->file[pg->n - 1], &in) < 0) {
		if (!json)
			print_found(prog, pg);
		ret = not_found(pg->file[pg->n - 1], in.err, json);
		sl_elf_info_free(&in);
		free(pg);
		return ret;
	}
	if (in.has_interp)
		sl_deps_walk(&in, &d);
	sl_prog_risks(&in, &d, &r);
	if (json) {
		putchar('{');
		print_json_program(pg);
		print_json_body(&in);
		print_json_libs(&d, with_deps);
		print_json_risks(&r);
		printf("}\n");
	} else {
		print_found(prog, pg);
		print_text(&in);
		if (in.has_interp)
			print_via_libraries(&d);
		print_risks_text(&in, &r);
		if (with_deps)
			print_deps_text(&d);
	}
	ret = sl_elf_untraceable(&in) ? 1 : 0;
	sl_deps_free(&d);
	sl_elf_info_free(&in);
	free(pg);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s inspect [--deps] [--json] PROGRAM...\n"
		"  --deps   each library the loader would load, one line each\n"
		"  --json   one JSON object per program\n", sl_prog());
}

int sl_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "deps", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool with_deps = false, json = false;
	int c, rc = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'd')
			with_deps = true;
		else if (c == 'j')
			json = true;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else
			return sl_arg_getopt_fail("inspect", usage, c, argv);
	}
	if (optind == argc)
		return sl_arg_fail("inspect", usage, "missing PROGRAM");
	for (int i = optind; i < argc; i++)
		rc |= inspect_one(argv[i], with_deps, json);
	return rc;
}
