/*
 * Naming the code behind a socket: each process image's module map (from
 * the preload's module records) and the lookup of a caller's address in
 * it, to function+offset through the symbol cache (symbols.c).
 */
#include <stdio.h>
#include <string.h>

#include "elfinfo.h"
#include "model_int.h"

/* A module of the process's current image (the main program's path is
 * its exe). The same mapping twice is one module. */
void sl_model_add_module(struct sl_proc *p, const struct sl_rec_module *r)
{
	uint32_t image = p->nimages ? p->nimages - 1 : 0;
	struct sl_module *md;

	for (uint32_t i = 0; i < p->nmods; i++)
		if (p->mods[i].image == image && p->mods[i].base == r->base &&
		    p->mods[i].start == r->start)
			return;
	p->mods = sl_model_grow(p->mods, &p->mods_cap, p->nmods + 1,
				sizeof(*p->mods));
	md = &p->mods[p->nmods++];
	md->base = r->base;
	md->start = r->start;
	md->end = r->end;
	md->image = image;
	snprintf(md->path, sizeof(md->path), "%s", r->path[0] ? r->path : p->exe);
}

/* The module of P's image IMAGE that maps ADDR. A fork child reports no
 * map of its own: it runs its parent's. */
static const struct sl_module *module_at(const struct sl_model *m,
					 const struct sl_proc *p,
					 uint32_t image, uint64_t addr)
{
	for (int hops = 0; p && hops < 8; hops++) {
		bool any = false;

		for (uint32_t i = 0; i < p->nmods; i++) {
			const struct sl_module *md = &p->mods[i];

			if (md->image != image)
				continue;
			any = true;
			if (addr >= md->start && addr < md->end)
				return md;
		}
		if (any)
			return NULL;
		p = sl_model_proc(m, p->ppid);
		image = p && p->nimages ? p->nimages - 1 : 0;
	}
	return NULL;
}

void sl_model_caller(const struct sl_model *m, uint32_t proc_index,
		     uint32_t image, uint64_t addr, char *buf, size_t len)
{
	const struct sl_proc *p = proc_index < m->nprocs ?
				  m->procs[proc_index] : NULL;
	const struct sl_module *md = addr ? module_at(m, p, image, addr) : NULL;
	const char *name, *base;
	uint64_t off;

	if (!md) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return;
	}
	base = strrchr(md->path, '/') ? strrchr(md->path, '/') + 1 : md->path;
	/* A return address is the instruction after the call: the call
	 * itself is one byte back, inside the calling function. */
	name = sl_sym_lookup(m->syms, md->path, addr - md->base - 1, &off);
	if (name)
		snprintf(buf, len, "%s+0x%llx (%s)", name,
			 (unsigned long long)off + 1, base);
	else
		snprintf(buf, len, "%s+0x%llx", base,
			 (unsigned long long)(addr - md->base));
}

void sl_sock_caller(const struct sl_model *m, const struct sl_sock *s,
		    char *buf, size_t len)
{
	sl_model_caller(m, s->proc_index, s->image, s->caller, buf, len);
}
