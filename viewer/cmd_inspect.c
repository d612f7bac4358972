/*
 * socklens inspect [--deps] [--json] PROGRAM...
 *
 * What a program is, before a run is wasted on it: dynamic or static,
 * setuid/setgid or with file capabilities (the loader then ignores
 * LD_PRELOAD), its architecture against the preload's, the socket
 * functions it imports and from which library, whether it calls syscall()
 * or io_uring (around the preload), whether it is stripped. With --deps,
 * the same for the libraries it needs, found as the loader would.
 * Exit status: 0 when every program can be traced, 1 otherwise.
 */
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"
#include "viewer.h"

#define MAX_DIRS 64

struct dirs {
	char *d[MAX_DIRS];
	int n;
};

static void add_dir(struct dirs *ds, const char *d)
{
	for (int i = 0; i < ds->n; i++)
		if (!strcmp(ds->d[i], d))
			return;
	if (ds->n < MAX_DIRS && *d)
		ds->d[ds->n++] = strdup(d);
}

/* A colon list of directories, $ORIGIN standing for ORIGIN. */
static void add_list(struct dirs *ds, const char *list, const char *origin)
{
	char *copy = strdup(list ? list : ""), *save = NULL;

	for (char *tok = strtok_r(copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		char buf[PATH_MAX];
		const char *rest = NULL;

		if (!strncmp(tok, "$ORIGIN", 7))
			rest = tok + 7;
		else if (!strncmp(tok, "${ORIGIN}", 9))
			rest = tok + 9;
		if (rest) {
			snprintf(buf, sizeof(buf), "%s%s", origin, rest);
			add_dir(ds, buf);
		} else {
			add_dir(ds, tok);
		}
	}
	free(copy);
}

/* /etc/ld.so.conf and what it includes. */
static void add_ldconf(struct dirs *ds, const char *path, int depth)
{
	FILE *f = depth < 4 ? fopen(path, "r") : NULL;
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");
		glob_t g;

		s[strcspn(s, "#\r\n")] = '\0';
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
			char *pat = s + 8 + strspn(s + 8, " \t");

			if (glob(pat, 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					add_ldconf(ds, g.gl_pathv[i], depth + 1);
				globfree(&g);
			}
		} else if (*s == '/') {
			s[strcspn(s, " \t")] = '\0';
			add_dir(ds, s);
		}
	}
	if (f)
		fclose(f);
}

static void search_dirs(struct dirs *ds, const struct sl_elf_info *in)
{
	char origin[PATH_MAX];

	snprintf(origin, sizeof(origin), "%s", in->path);
	add_list(ds, in->runpath, dirname(origin));
	add_list(ds, getenv("LD_LIBRARY_PATH"), ".");
	add_ldconf(ds, "/etc/ld.so.conf", 0);
	add_list(ds, "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
		 "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib64:"
		 "/usr/lib64:/lib:/usr/lib", "");
}

/* The library NAME resolves to, of the program's class and machine. */
static bool find_lib(const struct dirs *ds, const char *name,
		     const struct sl_elf_info *prog, char *out, size_t len)
{
	for (int i = 0; i < ds->n || (strchr(name, '/') && i == 0); i++) {
		struct sl_elf_info li;
		bool ok;

		if (strchr(name, '/'))
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%s/%s", ds->d[i], name);
		if (access(out, R_OK))
			continue;
		ok = sl_elf_inspect(out, &li) == 0 &&
		     li.elf_class == prog->elf_class && li.machine == prog->machine;
		sl_elf_info_free(&li);
		if (ok)
			return true;
	}
	return false;
}

static void print_text(const struct sl_elf_info *in)
{
	const char *why = sl_elf_untraceable(in);

	printf("%s: %d-bit %s %s, %s%s%s\n", in->path, in->elf_class,
	       sl_elf_machine_name(in->machine),
	       in->type == 2 ? "executable" : in->type == 3 ? "shared object/PIE" :
							"object",
	       in->has_interp ? "dynamically linked" : "statically linked",
	       in->stripped ? ", stripped" : ", with symbols",
	       in->setuid || in->setgid ? ", setuid/setgid" : "");
	printf("  traceable: %s%s\n", why ? "no: " : "yes", why ? why : "");
	printf("  socket functions imported:");
	for (uint32_t i = 0; i < in->nsocket_imports; i++)
		printf(" %s%s", in->socket_imports[i],
		       i + 1 < in->nsocket_imports ? "," : "");
	printf("%s\n", in->nsocket_imports ? "" : !in->has_interp ? " none (static)" :
	       " none (its libraries may: --deps)");
	if (in->imports_syscall || in->imports_io_uring)
		printf("  around the preload:%s%s\n",
		       in->imports_syscall ? " imports syscall()" : "",
		       in->imports_io_uring ? " uses io_uring" : "");
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

static void print_json_body(const struct sl_elf_info *in)
{
	const char *why = sl_elf_untraceable(in);

	printf("\"path\":");
	sl_json_str(stdout, in->path, strlen(in->path));
	printf(",\"class\":%d,\"machine\":\"%s\",\"dynamic\":%s,\"stripped\":%s,"
	       "\"setuid\":%s,\"caps\":%s,\"syscall\":%s,\"io_uring\":%s,"
	       "\"traceable\":%s,\"reason\":", in->elf_class,
	       sl_elf_machine_name(in->machine), in->has_interp ? "true" : "false",
	       in->stripped ? "true" : "false",
	       in->setuid || in->setgid ? "true" : "false",
	       in->caps ? "true" : "false", in->imports_syscall ? "true" : "false",
	       in->imports_io_uring ? "true" : "false", why ? "false" : "true");
	if (why)
		sl_json_str(stdout, why, strlen(why));
	else
		fputs("null", stdout);
	json_list("socket_imports", in->socket_imports, in->nsocket_imports);
	json_list("needed", in->needed, in->nneeded);
}

/* The libraries PROG needs, each once, breadth first, as the loader. */
static void deps(const struct sl_elf_info *prog, bool json)
{
	struct dirs ds = { .n = 0 };
	char *queue[256];
	int nq = 0, seen = 0;

	search_dirs(&ds, prog);
	for (uint32_t i = 0; i < prog->nneeded && nq < 256; i++)
		queue[nq++] = strdup(prog->needed[i]);
	if (json)
		fputs(",\"deps\":[", stdout);
	for (int k = 0; k < nq; k++) {
		char path[PATH_MAX];
		struct sl_elf_info li;
		bool found = find_lib(&ds, queue[k], prog, path, sizeof(path));

		if (!found || sl_elf_inspect(path, &li) < 0) {
			if (json)
				printf("%s{\"name\":\"%s\",\"path\":null}", seen++ ? "," : "",
				       queue[k]);
			else
				printf("  %s => not found\n", queue[k]);
			continue;
		}
		if (json) {
			printf("%s{\"name\":\"%s\",", seen++ ? "," : "", queue[k]);
			print_json_body(&li);
			putchar('}');
		} else {
			printf("  %s => %s: ", queue[k], path);
			if (li.nsocket_imports)
				printf("%u socket functions", li.nsocket_imports);
			else
				printf("no socket functions");
			printf("%s\n", li.imports_syscall ? ", imports syscall()" : "");
		}
		for (uint32_t i = 0; i < li.nneeded && nq < 256; i++) {
			bool dup = false;

			for (int q = 0; q < nq; q++)
				dup |= !strcmp(queue[q], li.needed[i]);
			if (!dup)
				queue[nq++] = strdup(li.needed[i]);
		}
		sl_elf_info_free(&li);
	}
	if (json)
		putchar(']');
	for (int i = 0; i < nq; i++)
		free(queue[i]);
	for (int i = 0; i < ds.n; i++)
		free(ds.d[i]);
}

/* Inspects one program; 0 if it can be traced. */
static int inspect_one(const char *path, bool with_deps, bool json)
{
	struct sl_elf_info in;
	int ret = sl_elf_inspect(path, &in);

	if (ret < 0) {
		if (json) {
			printf("{\"path\":");
			sl_json_str(stdout, path, strlen(path));
			printf(",\"error\":");
			sl_json_str(stdout, in.err, strlen(in.err));
			printf("}\n");
		}
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path, in.err);
		sl_elf_info_free(&in);
		return 1;
	}
	if (json) {
		putchar('{');
		print_json_body(&in);
	} else {
		print_text(&in);
	}
	if (with_deps && in.has_interp)
		deps(&in, json);
	if (json)
		printf("}\n");
	ret = sl_elf_untraceable(&in) ? 1 : 0;
	sl_elf_info_free(&in);
	return ret;
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

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'd')
			with_deps = true;
		else if (c == 'j')
			json = true;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: %s inspect [--deps] [--json] PROGRAM...\n",
				sl_prog());
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: %s inspect [--deps] [--json] PROGRAM...\n",
			sl_prog());
		return 2;
	}
	for (int i = optind; i < argc; i++)
		rc |= inspect_one(argv[i], with_deps, json);
	return rc;
}
