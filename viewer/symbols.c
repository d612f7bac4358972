/*
 * Naming callers (DESIGN.md 14): the preload stores only a return
 * address and the module map; here an address becomes function+offset
 * from the module's .symtab, its .dynsym when stripped, or the separate
 * debug file that /usr/lib/debug/.build-id names. One table per module,
 * loaded once and sorted, looked up by binary search.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"

struct sym {
	uint64_t addr;
	uint64_t size;
	char *name;
};

struct symtab {
	char *path;
	struct sym *syms;
	size_t n;
};

struct sl_symcache {
	struct symtab *tabs;
	size_t n;
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
	}
	free(c->tabs);
	free(c);
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The functions of one symbol section. */
static void read_syms(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
		      struct symtab *t)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Sym s;
		const char *name;
		struct sym *grown;

		if (!gelf_getsym(d, (int)i, &s) ||
		    GELF_ST_TYPE(s.st_info) != STT_FUNC || !s.st_value ||
		    s.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		grown = realloc(t->syms, (t->n + 1) * sizeof(*grown));
		if (!grown)
			return;
		t->syms = grown;
		t->syms[t->n++] = (struct sym){ s.st_value, s.st_size,
						strdup(name) };
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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

const char *sl_sym_lookup(struct sl_symcache *c, const char *path,
			  uint64_t vaddr, uint64_t *off)
{
	struct symtab *t = c ? table(c, path) : NULL;
	size_t lo = 0, hi;

	if (!t || !t->n)
		return NULL;
	hi = t->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (t->syms[mid].addr <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	if (t->syms[lo].addr > vaddr ||
	    (t->syms[lo].size && vaddr >= t->syms[lo].addr + t->syms[lo].size))
		return NULL;
	*off = vaddr - t->syms[lo].addr;
	return t->syms[lo].name;
}
