/*
 * Naming the code behind a socket: each process image's module map (from
 * the preload's module records) and the lookup of a caller's address in
 * it, to function+offset through the symbol cache (symbols.c).
 *
 * Two things make the plain lookup untrue, and are mended here:
 *  - a tail call: make_socket() ending in `return socket(...)` jumps to
 *    socket, so the return address is its caller's; the call before that
 *    address says make_socket was called, and the caller reads
 *    "make_socket (tail call from main+0x12) (prog)";
 *  - a program run through a link: the main program's file is what
 *    /proc/self/exe resolves to (redis-check-rdb for redis-server), so
 *    the module is named as argv[0] when that is a path to the same
 *    file; its symbols are still read from the resolved file.
 */
#include <stdio.h>
#include <string.h>

#include "elf/elf.h"
#include "model/model_int.h"

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
	p->mods = sl_grow(p->mods, &p->mods_cap, p->nmods + 1,
				sizeof(*p->mods));
	md = &p->mods[p->nmods++];
	md->base = r->base;
	md->start = r->start;
	md->end = r->end;
	md->image = image;
	snprintf(md->path, sizeof(md->path), "%s", r->path[0] ? r->path : p->exe);
}

/* The module of P's image IMAGE that maps ADDR, and in OWNER the process
 * whose map has it. A fork child reports no map of its own: it runs its
 * parent's. */
static const struct sl_module *module_at(const struct sl_model *m,
					 const struct sl_proc *p,
					 uint32_t image, uint64_t addr,
					 const struct sl_proc **owner)
{
	for (int hops = 0; p && hops < 8; hops++) {
		bool any = false;

		for (uint32_t i = 0; i < p->nmods; i++) {
			const struct sl_module *md = &p->mods[i];

			if (md->image != image)
				continue;
			any = true;
			*owner = p;
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

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The module's name for people: its file's, or for the main program of
 * the owner's current image, the name it was run as when that is
 * another name for the same file. */
static const char *module_name(const struct sl_model *m,
			       const struct sl_proc *owner,
			       const struct sl_module *md)
{
	const char *file = base_name(md->path);

	if (owner && owner->nimages && md->image == owner->nimages - 1 &&
	    owner->args_len && memchr(owner->args, '\0', owner->args_len) &&
	    strcmp(base_name(owner->args), file) &&
	    !strcmp(md->path, owner->exe))
		return base_name(sl_sym_run_name(m->syms, md->path, owner->args));
	return file;
}

void sl_model_caller(const struct sl_model *m, uint32_t proc_index,
		     uint32_t image, uint64_t addr, char *buf, size_t len)
{
	const struct sl_proc *p = proc_index < m->nprocs ?
				  m->procs[proc_index] : NULL, *owner = NULL;
	const struct sl_module *md = addr ? module_at(m, p, image, addr, &owner) :
				     NULL;
	const char *name, *base, *callee;
	unsigned long long off;
	uint64_t o;

	if (!md) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return;
	}
	base = module_name(m, owner, md);
	/* A return address is the instruction after the call: the call
	 * itself is one byte back, inside the calling function. */
	name = sl_sym_caller(m->syms, md->path, addr - md->base, &o, &callee);
	off = name ? o : addr - md->base;
	if (callee)
		snprintf(buf, len, "%s (tail call from %s+0x%llx) (%s)", callee,
			 name ? name : base, off, base);
	else if (name)
		snprintf(buf, len, "%s+0x%llx (%s)", name, off, base);
	else
		snprintf(buf, len, "%s+0x%llx", base, off);
}

void sl_sock_caller(const struct sl_model *m, const struct sl_sock *s,
		    char *buf, size_t len)
{
	sl_model_caller(m, s->proc_index, s->image, s->caller, buf, len);
}
