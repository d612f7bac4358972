/*
 * A program as the kernel and the loader see it, for `inspect` and for
 * `run`'s checks before it starts one:
 *  - which file runs: a name without a slash is looked up on PATH as
 *    execvp does, and a `#!` script runs its interpreter (the kernel
 *    follows up to four levels; `#!/usr/bin/env NAME` runs NAME from
 *    PATH, which is what the preload then has to enter);
 *  - the libraries it loads, found as the loader would (each object's
 *    RUNPATH with $ORIGIN, LD_LIBRARY_PATH, /etc/ld.so.conf, the default
 *    directories), each once, breadth first, each inspected (elf.c);
 *  - where it can reach the kernel around the preload: a `syscall`
 *    instruction in its own code or a library's other than the C
 *    library's (elf_escape.c), and io_uring. Calls through libc's
 *    syscall() are followed by the preload and are no such risk.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf/elf.h"

bool sl_prog_on_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return true;
	}
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", *d ? d : ".", prog);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* env's options before the program's name: -S splits, -i, -u NAME... */
static const char *env_program(char *args)
{
	char *save = NULL;
	bool skip_next = false;

	for (char *w = strtok_r(args, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (skip_next) {
			skip_next = false;
			continue;
		}
		if (!strcmp(w, "-u") || !strcmp(w, "-C") || !strcmp(w, "--unset") ||
		    !strcmp(w, "--chdir"))
			skip_next = true;
		else if (*w != '-' && !strchr(w, '='))
			return w;
	}
	return NULL;
}

/* The #! line of PATH: true with the interpreter and its argument. Only
 * a regular file can be one (and a FIFO must not block us). */
static bool shebang(const char *path, char *interp, size_t ilen, char *arg,
		    size_t alen)
{
	int fd = sl_elf_open(path);
	char line[256];	/* the kernel reads this much of it */
	ssize_t n = -1;
	char *s, *a;
	bool ok = false;

	if (fd >= 0)
		n = read(fd, line, sizeof(line) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return false;
	line[n] = '\0';
	if (line[0] == '#' && line[1] == '!') {
		s = line + 2 + strspn(line + 2, " \t");
		s[strcspn(s, "\r\n")] = '\0';
		a = s + strcspn(s, " \t");
		if (*a)
			*a++ = '\0';
		a += strspn(a, " \t");
		snprintf(interp, ilen, "%s", s);
		snprintf(arg, alen, "%s", a);
		ok = *s != '\0';
	}
	return ok;
}

int sl_prog_find(const char *prog, struct sl_prog *out)
{
	memset(out, 0, sizeof(*out));
	if (!sl_prog_on_path(prog, out->file[0], sizeof(out->file[0]))) {
		snprintf(out->err, sizeof(out->err), "not found on PATH");
		return -1;
	}
	out->n = 1;
	out->on_path = !strchr(prog, '/');
	for (;;) {
		char interp[256], arg[256], found[PATH_MAX];
		const char *name;
		char *next = out->file[out->n];

		if (!shebang(out->file[out->n - 1], interp, sizeof(interp), arg,
			     sizeof(arg)))
			return 0;
		if (out->n > SL_PROG_DEPTH)
			break;
		snprintf(out->line[out->n - 1], sizeof(out->line[0]), "#!%s%s%s",
			 interp, *arg ? " " : "", arg);
		snprintf(next, sizeof(out->file[0]), "%s", interp);
		name = strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp;
		if (!strcmp(name, "env") && (name = env_program(arg)) &&
		    sl_prog_on_path(name, found, sizeof(found))) {
			snprintf(next, sizeof(out->file[0]), "%s", found);
			out->by_env[out->n - 1] = true;
		}
		out->n++;
	}
	snprintf(out->err, sizeof(out->err), "more than %d #! interpreters",
		 SL_PROG_DEPTH);
	return -1;
}

/* Directories, each once, to search for one object's needs. */
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
	if (ds->n < MAX_DIRS && *d && (ds->d[ds->n] = strdup(d)))
		ds->n++;
}

/* A colon list of directories, $ORIGIN standing for ORIGIN. */
static void add_list(struct dirs *ds, const char *list, const char *origin)
{
	char *copy = strdup(list ? list : ""), *save = NULL;

	for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok;
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

/* Where the loader looks after an object's own RUNPATH. */
static void system_dirs(struct dirs *ds)
{
	add_list(ds, getenv("LD_LIBRARY_PATH"), ".");
	add_ldconf(ds, "/etc/ld.so.conf", 0);
	add_list(ds, "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
		 "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib64:"
		 "/usr/lib64:/lib:/usr/lib", "");
}

/* The loader's order for the needs of the object at PATH with RUNPATH:
 * that, then the system's SYS. */
static void search_dirs(struct dirs *ds, const char *path,
			const char *runpath, const struct dirs *sys)
{
	char origin[PATH_MAX];
	const char *slash = strrchr(path, '/');

	snprintf(origin, sizeof(origin), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	add_list(ds, runpath, origin);
	for (int i = 0; i < sys->n; i++)
		add_dir(ds, sys->d[i]);
}

static void free_dirs(struct dirs *ds)
{
	for (int i = 0; i < ds->n; i++)
		free(ds->d[i]);
	ds->n = 0;
}

/* Finds NAME for the object NEEDER (the program's class and machine)
 * and inspects it into LIB. */
static void find_lib(const struct sl_elf_info *prog,
		     const struct sl_elf_info *needer, const struct dirs *sys,
		     struct sl_lib *lib)
{
	struct dirs ds = { .n = 0 };

	search_dirs(&ds, needer->path, needer->runpath, sys);
	for (int i = 0; i < ds.n || (strchr(lib->name, '/') && i == 0); i++) {
		char path[PATH_MAX];

		if (strchr(lib->name, '/'))
			snprintf(path, sizeof(path), "%s", lib->name);
		else
			snprintf(path, sizeof(path), "%s/%s", ds.d[i], lib->name);
		if (access(path, R_OK))
			continue;
		if (sl_elf_inspect(path, &lib->info) == 0 &&
		    lib->info.elf_class == prog->elf_class &&
		    lib->info.machine == prog->machine) {
			lib->found = true;
			break;
		}
		sl_elf_info_free(&lib->info);
	}
	free_dirs(&ds);
}

static bool queued(const struct sl_deps *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->libs[i].name, name))
			return true;
	return false;
}

static void enqueue(struct sl_deps *d, const struct sl_elf_info *needer,
		    int needer_index)
{
	for (uint32_t i = 0; i < needer->nneeded && d->n < SL_DEPS_MAX; i++) {
		if (queued(d, needer->needed[i]))
			continue;
		memset(&d->libs[d->n], 0, sizeof(d->libs[0]));
		snprintf(d->libs[d->n].name, sizeof(d->libs[0].name), "%s",
			 needer->needed[i]);
		d->libs[d->n++].needer = needer_index;
	}
}

int sl_deps_walk(const struct sl_elf_info *prog, struct sl_deps *d)
{
	struct dirs sys = { .n = 0 };

	memset(d, 0, sizeof(*d));
	d->libs = calloc(SL_DEPS_MAX, sizeof(*d->libs));
	if (!d->libs)
		return -ENOMEM;
	system_dirs(&sys);
	enqueue(d, prog, -1);
	for (int k = 0; k < d->n; k++) {
		struct sl_lib *lib = &d->libs[k];

		find_lib(prog, lib->needer < 0 ? prog : &d->libs[lib->needer].info,
			 &sys, lib);
		if (lib->found)
			enqueue(d, &lib->info, k);
	}
	free_dirs(&sys);
	return 0;
}

void sl_deps_free(struct sl_deps *d)
{
	for (int i = 0; d->libs && i < d->n; i++)
		sl_elf_info_free(&d->libs[i].info);
	free(d->libs);
	d->libs = NULL;
	d->n = 0;
}

static void add_risk(struct sl_risks *r, const char *module,
		     const struct sl_escape *e, const char *io_uring)
{
	char *line;
	size_t len = sizeof(r->line[0]), used;

	if (r->n == SL_RISKS_MAX)
		return;
	line = r->line[r->n++];
	if (io_uring) {
		snprintf(line, len, "%s uses io_uring (it imports %s)", module,
			 io_uring);
		return;
	}
	used = (size_t)snprintf(line, len, "%s makes system calls itself (%u "
				"syscall instruction%s", module, e->nsyscalls,
				e->nsyscalls == 1 ? "" : "s");
	for (unsigned int i = 0; i < e->nwhere && used < len; i++)
		used += (size_t)snprintf(line + used, len - used, "%s%s",
					 i ? ", " : ", in ", e->where[i]);
	if (used < len)
		snprintf(line + used, len - used, "%s)",
			 e->nsyscalls > e->nwhere && e->nwhere ? ", ..." : "");
}

static void module_risks(struct sl_risks *r, const struct sl_elf_info *in,
			 const char *module)
{
	struct sl_escape e;

	if (in->imports_io_uring)
		add_risk(r, module, NULL, in->io_uring_name);
	if (!in->glibc && sl_elf_scan_syscalls(in->path, &e) == 0 && e.nsyscalls)
		add_risk(r, module, &e, NULL);
}

void sl_prog_risks(const struct sl_elf_info *prog, const struct sl_deps *d,
		   struct sl_risks *r)
{
	const char *base = strrchr(prog->path, '/');

	memset(r, 0, sizeof(*r));
	module_risks(r, prog, base ? base + 1 : prog->path);
	for (int i = 0; d && i < d->n; i++)
		if (d->libs[i].found)
			module_risks(r, &d->libs[i].info, d->libs[i].name);
}
