/*
 * What export -f jsonl adds beside the raw numbers of a record, so a
 * reader needs nothing else to understand one: the caller's function
 * (from the module records of the same stream, as the other outputs name
 * it: "connect_to+0x1f (curl)"), readiness events by name ("EPOLLIN"),
 * and the exact bytes of a string that is not valid UTF-8 (as hex: JSON
 * text cannot hold such bytes, and the string beside it shows each as
 * the code point of the same number).
 *
 * Memory follows the processes and their modules, never the records: a
 * process's map is kept from its hello (a new image starts a new one; a
 * fork child without a map of its own uses its parent's).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "elf/elf.h"
#include "out/out.h"

struct jsonl_proc {
	uint32_t pid, ppid;
	char exe[SL_EXE_MAX];
	struct sl_module *mods;
	uint32_t nmods, mods_cap;
};

struct sl_jsonl_names {
	struct sl_hash *procs;		/* pid -> struct jsonl_proc */
	struct jsonl_proc **all;
	uint32_t nall, all_cap;
	struct sl_symcache *syms;
};

struct sl_jsonl_names *sl_jsonl_names_new(void)
{
	struct sl_jsonl_names *n = sl_xcalloc(1, sizeof(*n));

	n->procs = sl_xhash_new();
	n->syms = sl_symcache_new();
	return n;
}

void sl_jsonl_names_free(struct sl_jsonl_names *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n->nall; i++) {
		free(n->all[i]->mods);
		free(n->all[i]);
	}
	free(n->all);
	sl_hash_free(n->procs);
	if (n->syms)
		sl_symcache_free(n->syms);
	free(n);
}

static struct jsonl_proc *proc_of(struct sl_jsonl_names *n, uint32_t pid,
				  bool make)
{
	struct jsonl_proc *p = pid ? sl_hash_get(n->procs, pid) : NULL;

	if (p || !make || !pid)
		return p;
	p = sl_xcalloc(1, sizeof(*p));
	p->pid = pid;
	n->all = sl_grow(n->all, &n->all_cap, n->nall + 1, sizeof(*n->all));
	n->all[n->nall++] = p;
	sl_xhash_put(n->procs, pid, p);
	return p;
}

/* A hello: a new image (not a fork child's first report, nor a
 * reconnect) starts a new module map. */
void sl_jsonl_names_hello(struct sl_jsonl_names *n,
			  const struct sl_rec_hello *h)
{
	struct jsonl_proc *p = proc_of(n, h->pid, true);

	if (!p)			/* pid 0: a hostile record */
		return;
	p->ppid = h->ppid;
	if (h->flags & SL_HELLO_RECONNECT)
		return;
	snprintf(p->exe, sizeof(p->exe), "%s", h->exe);
	p->nmods = 0;
}

void sl_jsonl_names_module(struct sl_jsonl_names *n, uint32_t pid,
			   const struct sl_rec_module *r)
{
	struct jsonl_proc *p = proc_of(n, pid, true);
	struct sl_module *md;

	if (!p)
		return;
	p->mods = sl_grow(p->mods, &p->mods_cap, p->nmods + 1,
			  sizeof(*p->mods));
	md = &p->mods[p->nmods++];
	md->base = r->base;
	md->start = r->start;
	md->end = r->end;
	snprintf(md->path, sizeof(md->path), "%s",
		 r->path[0] ? r->path : p->exe);
}

static const struct sl_module *module_at(struct sl_jsonl_names *n,
					 uint32_t pid, uint64_t addr)
{
	struct jsonl_proc *p = proc_of(n, pid, false);

	for (int hops = 0; p && hops < 8; hops++) {
		for (uint32_t i = 0; i < p->nmods; i++)
			if (addr >= p->mods[i].start && addr < p->mods[i].end)
				return &p->mods[i];
		if (p->nmods)
			return NULL;
		p = proc_of(n, p->ppid, false);
	}
	return NULL;
}

/* ,"caller_name":"function+0xoff (module)" where the module maps the
 * address; nothing where no map does. */
void sl_jsonl_caller(FILE *f, struct sl_jsonl_names *n, uint32_t pid,
		     uint64_t addr)
{
	const struct sl_module *md = addr ? module_at(n, pid, addr) : NULL;
	const char *name, *callee, *base;
	char buf[600];
	uint64_t off;

	if (!md)
		return;
	base = strrchr(md->path, '/') ? strrchr(md->path, '/') + 1 : md->path;
	name = sl_sym_caller(n->syms, md->path, addr - md->base, &off, &callee);
	if (!name)
		off = addr - md->base;
	if (callee)
		snprintf(buf, sizeof(buf), "%s (tail call from %s+0x%llx) (%s)",
			 callee, name ? name : base, (unsigned long long)off,
			 base);
	else if (name)
		snprintf(buf, sizeof(buf), "%s+0x%llx (%s)", name,
			 (unsigned long long)off, base);
	else
		snprintf(buf, sizeof(buf), "%s+0x%llx", base,
			 (unsigned long long)off);
	fputs(",\"caller_name\":", f);
	sl_json_str(f, buf, strlen(buf));
}

/* ,"KEY":["EPOLLIN",...]: the readiness bits of EVENTS by name; a bit
 * without one as its number. */
void sl_jsonl_events(FILE *f, const char *key, uint32_t events)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ EPOLLIN, "EPOLLIN" }, { EPOLLPRI, "EPOLLPRI" },
		{ EPOLLOUT, "EPOLLOUT" }, { EPOLLERR, "EPOLLERR" },
		{ EPOLLHUP, "EPOLLHUP" }, { EPOLLRDNORM, "EPOLLRDNORM" },
		{ EPOLLRDBAND, "EPOLLRDBAND" }, { EPOLLWRNORM, "EPOLLWRNORM" },
		{ EPOLLWRBAND, "EPOLLWRBAND" }, { EPOLLMSG, "EPOLLMSG" },
		{ EPOLLRDHUP, "EPOLLRDHUP" }, { EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE" },
		{ EPOLLWAKEUP, "EPOLLWAKEUP" }, { EPOLLONESHOT, "EPOLLONESHOT" },
		{ EPOLLET, "EPOLLET" },
	};
	bool first = true;

	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(events & bits[i].bit))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", bits[i].name);
		events &= ~bits[i].bit;
		first = false;
	}
	for (int b = 0; b < 32; b++)
		if (events & (1u << b)) {
			fprintf(f, "%s\"0x%x\"", first ? "" : ",", 1u << b);
			first = false;
		}
	fputc(']', f);
}

/* ,"KEY":"STRING", and where STRING's bytes are not all UTF-8 text,
 * ,"KEY_hex":"..." with them exactly. */
void sl_jsonl_str(FILE *f, const char *key, const char *s, size_t len)
{
	fprintf(f, ",\"%s\":", key);
	sl_json_str(f, s, len);
	if (sl_utf8_exact(s, len))
		return;
	fprintf(f, ",\"%s_hex\":\"", key);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", (unsigned char)s[i]);
	fputc('"', f);
}
