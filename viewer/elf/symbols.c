/*
 * Naming callers: the preload stores only a return address and the
 * module map; here an address becomes function+offset from the module's
 * .symtab, its .dynsym when stripped, or the separate debug file that
 * /usr/lib/debug/.build-id names. One table per module, loaded once and
 * sorted, looked up by binary search.
 *
 * The table also holds the data objects that lie in executable sections
 * (the constant tables of hand-written assembly), so that a scan of the
 * code can tell them from instructions; a lookup never names them.
 *
 * A return address names the function that made the call; when that
 * call went to another function which then jumped to the wrapped one (a
 * tail call), the callee is what the reader wants: elf_calls.c decodes
 * the call, and each answer is kept per module and return address.
 *
 * The cache also keeps the name each program was run as (argv[0], when
 * it names the same file as /proc/self/exe's target), per pair.
 */
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elf.h"
#include "lib/lib.h"

struct sym {
	uint64_t addr;
	uint64_t size;
	char *name;
	bool data;	/* an object in an executable section */
};

/* Answers kept per module, at most this many: past it they are worked
 * out again each time (a bound on memory, not on correctness). */
#define MEMO_MAX 65536

struct symtab {
	char *path;
	struct sym *syms;
	size_t n;
	struct sl_code *code;	/* what its calls call (elf_calls.c) */
	bool code_tried;
	struct sl_hash *memo;	/* return address + 1 -> callee or &plain */
	uint32_t nmemo;
};

/* The memo's answer for a call that is not a tail call. */
static const char plain[] = "";

/* The name a program was run as, per (exe, argv[0]). */
struct alias {
	struct alias *next;	/* same hash */
	struct alias *all;	/* every alias, to free them */
	char *exe, *argv0, *name;
};

struct sl_symcache {
	struct symtab *tabs;
	size_t n;
	struct sl_hash *aliases;
	struct alias *all;
};

struct sl_symcache *sl_symcache_new(void)
{
	return calloc(1, sizeof(struct sl_symcache));
}

void sl_symcache_free(struct sl_symcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t k = 0; k < c->tabs[i].n; k++)
			free(c->tabs[i].syms[k].name);
		free(c->tabs[i].syms);
		free(c->tabs[i].path);
		sl_code_free(c->tabs[i].code);
		sl_hash_free(c->tabs[i].memo);
	}
	free(c->tabs);
	while (c->all) {
		struct alias *a = c->all;

		c->all = a->all;
		free(a->exe);
		free(a->argv0);
		free(a->name);
		free(a);
	}
	sl_hash_free(c->aliases);
	free(c);
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Whether symbol S is a data object inside an executable section. */
static bool data_in_code(Elf *e, const GElf_Sym *s)
{
	Elf_Scn *scn;
	GElf_Shdr sh;

	if (GELF_ST_TYPE(s->st_info) != STT_OBJECT || !s->st_size ||
	    s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE)
		return false;
	scn = elf_getscn(e, s->st_shndx);
	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

/* The functions of one symbol section, and the data in its code. */
static void read_syms(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
		      struct symtab *t)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	size_t cap = t->n;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Sym s;
		const char *name;
		char *copy;
		bool data;

		if (!gelf_getsym(d, (int)i, &s) || !s.st_value ||
		    s.st_shndx == SHN_UNDEF)
			continue;
		data = data_in_code(e, &s);
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC && !data)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (t->n == cap) {
			struct sym *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(t->syms, cap * sizeof(*grown));
			if (!grown)
				return;
			t->syms = grown;
		}
		copy = strdup(name);
		if (!copy)
			return;
		t->syms[t->n++] = (struct sym){ s.st_value, s.st_size, copy,
						data };
	}
}

/* The build id note, as the path of its debug file; false if none. */
static bool debug_path(Elf *e, char *out, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const uint8_t *id = (const uint8_t *)d->d_buf + doff;
			size_t used;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_descsz < 2 ||
			    doff + nh.n_descsz > d->d_size)
				continue;
			used = (size_t)snprintf(out, len,
						"/usr/lib/debug/.build-id/%02x/", id[0]);
			for (size_t i = 1; i < nh.n_descsz && used + 3 < len; i++)
				used += (size_t)snprintf(out + used, len - used,
							 "%02x", id[i]);
			snprintf(out + used, len - used, ".debug");
			return true;
		}
	}
	return false;
}

/* Loads PATH's functions: .symtab, else a debug file's, else .dynsym. */
static void load(struct symtab *t, const char *path, int depth)
{
	int fd = sl_elf_open(path);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr sh, dsh;
	char dbg[512];
	bool full = false;

	while (e && (scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			break;
		if (sh.sh_type == SHT_SYMTAB) {
			read_syms(e, scn, &sh, t);
			full = true;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dyn = scn;
			dsh = sh;
		}
	}
	if (e && !full && depth == 0 && debug_path(e, dbg, sizeof(dbg)) &&
	    access(dbg, R_OK) == 0)
		load(t, dbg, 1);
	if (e && !full && !t->n && dyn)
		read_syms(e, dyn, &dsh, t);
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
}

static struct symtab *table(struct sl_symcache *c, const char *path)
{
	struct symtab *grown;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->tabs[i].path, path))
			return &c->tabs[i];
	grown = realloc(c->tabs, (c->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->tabs = grown;
	c->tabs[c->n] = (struct symtab){ .path = strdup(path) };
	if (elf_version(EV_CURRENT) != EV_NONE)
		load(&c->tabs[c->n], path, 0);
	/* A module without symbols (stripped, unreadable) has none to sort. */
	if (c->tabs[c->n].n)
		qsort(c->tabs[c->n].syms, c->tabs[c->n].n, sizeof(struct sym),
		      by_addr);
	return &c->tabs[c->n++];
}

/* The symbol that holds VADDR: the last that starts at or before it,
 * if it has no size or the size reaches; NULL if none. */
static const struct sym *find(const struct symtab *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;

	if (!t->n)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (t->syms[mid].addr <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	/* Of several at one address (aliases), prefer a function. */
	while (lo > 0 && t->syms[lo].data &&
	       t->syms[lo - 1].addr == t->syms[lo].addr)
		lo--;
	if (t->syms[lo].addr > vaddr ||
	    (t->syms[lo].size && vaddr >= t->syms[lo].addr + t->syms[lo].size))
		return NULL;
	return &t->syms[lo];
}

const char *sl_sym_lookup(struct sl_symcache *c, const char *path,
			  uint64_t vaddr, uint64_t *off)
{
	struct symtab *t = c ? table(c, path) : NULL;
	const struct sym *s = t ? find(t, vaddr) : NULL;

	if (!s || s->data)
		return NULL;
	*off = vaddr - s->addr;
	return s->name;
}

bool sl_sym_is_data(struct sl_symcache *c, const char *path, uint64_t vaddr)
{
	struct symtab *t = c ? table(c, path) : NULL;
	const struct sym *s = t ? find(t, vaddr) : NULL;

	return s && s->data;
}

/* What the call that returns to RET called, worked out (uncached). */
static const char *callee(struct sl_symcache *c, struct symtab *t,
			  uint64_t ret)
{
	const char *name;

	if (!t->code_tried) {
		t->code_tried = true;
		t->code = sl_code_load(t->path);
	}
	if (!t->code)
		return plain;
	name = sl_code_callee(t->code, c, t->path, ret);
	return name && !sl_elf_wrapped_name(name) ? name : plain;
}

static const char *tail_callee(struct sl_symcache *c, struct symtab *t,
			       uint64_t ret)
{
	const char *name;

	if (ret == UINT64_MAX)
		return NULL;
	if (!t->memo)
		t->memo = sl_hash_new();
	name = t->memo ? sl_hash_get(t->memo, ret + 1) : NULL;
	if (!name) {
		name = callee(c, t, ret);
		if (t->memo && t->nmemo < MEMO_MAX &&
		    sl_hash_put(t->memo, ret + 1, (void *)name) == 0)
			t->nmemo++;
	}
	return name == plain ? NULL : name;
}

const char *sl_sym_tail_callee(struct sl_symcache *c, const char *path,
			       uint64_t ret)
{
	struct symtab *t = c ? table(c, path) : NULL;

	return t ? tail_callee(c, t, ret) : NULL;
}

const char *sl_sym_caller(struct sl_symcache *c, const char *path,
			  uint64_t ret, uint64_t *off, const char **callee)
{
	struct symtab *t = c ? table(c, path) : NULL;
	const struct sym *s = t && ret ? find(t, ret - 1) : NULL;

	*callee = t ? tail_callee(c, t, ret) : NULL;
	if (!s || s->data)
		return NULL;
	*off = ret - s->addr;
	return s->name;
}

static bool same_file(const char *path, const struct stat *st)
{
	struct stat o;

	return stat(path, &o) == 0 && o.st_dev == st->st_dev &&
	       o.st_ino == st->st_ino;
}

/*
 * Where ARGV0 names the file EXE, as the program was started: the path
 * itself if it has a slash (relative ones as seen from here), else the
 * directory of EXE (a link beside its target, as redis-server is) and
 * then our PATH. NULL if none is that file.
 */
static char *argv0_path(const char *exe, const char *argv0)
{
	char buf[PATH_MAX], *path, *save = NULL;
	const char *slash = strrchr(exe, '/');
	struct stat st;
	char *found = NULL;
	int dirs = 0;

	if (!*argv0 || stat(exe, &st) < 0)
		return NULL;
	if (strchr(argv0, '/'))
		return same_file(argv0, &st) ? strdup(argv0) : NULL;
	if (slash && snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - exe),
			      exe, argv0) < (int)sizeof(buf) &&
	    same_file(buf, &st))
		return strdup(buf);
	path = strdup(getenv("PATH") ? getenv("PATH") : "");
	for (char *d = path ? strtok_r(path, ":", &save) : NULL;
	     d && !found && dirs++ < 64; d = strtok_r(NULL, ":", &save))
		if (snprintf(buf, sizeof(buf), "%s/%s", d, argv0) <
		    (int)sizeof(buf) && same_file(buf, &st))
			found = strdup(buf);
	free(path);
	return found;
}

const char *sl_sym_run_name(struct sl_symcache *c, const char *exe,
			    const char *argv0)
{
	size_t el = strlen(exe), al = strlen(argv0);
	/* Asked once per caller named: hash the ends and lengths only (the
	 * chain compares whole strings). */
	uint64_t key = sl_fnv(sl_fnv(sl_fnv(SL_FNV_SEED, &el, sizeof(el)),
				     exe + (el > 24 ? el - 24 : 0), el > 24 ? 24 : el),
			      argv0, al > 24 ? 24 : al) ^ al;

	key |= 1;
	struct alias *a, *head;

	if (!c->aliases && !(c->aliases = sl_hash_new()))
		return exe;
	head = sl_hash_get(c->aliases, key);
	for (a = head; a; a = a->next)
		if (!strcmp(a->exe, exe) && !strcmp(a->argv0, argv0))
			return a->name;
	a = calloc(1, sizeof(*a));
	if (!a)
		return exe;
	a->exe = strdup(exe);
	a->argv0 = strdup(argv0);
	a->name = argv0_path(exe, argv0);
	if (!a->name)
		a->name = strdup(exe);
	a->next = head;
	if (!a->exe || !a->argv0 || !a->name ||
	    sl_hash_put(c->aliases, key, a) < 0) {
		free(a->exe);
		free(a->argv0);
		free(a->name);
		free(a);
		return exe;
	}
	a->all = c->all;
	c->all = a;
	return a->name;
}
