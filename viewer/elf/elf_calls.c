/*
 * What a module's calls call, read offline from its file: the viewer
 * names a caller by its return address, and when the function at that
 * address called another that ended in a jump to the wrapped one (a tail
 * call: `return socket(...)` at -O2 is `jmp socket@plt`), the return
 * address lies in the caller's caller. The call instruction just before
 * the return address says which function was called: its target is a
 * function of the module (named by symbols.c), or a PLT stub whose GOT
 * slot a relocation names, or a pointer the code loads (an indirect call:
 * then nothing is said, since the code alone does not tell).
 *
 * Per module this keeps the executable sections (where the bytes before a
 * return address are, read with pread when asked), the PLT sections'
 * bytes (small), and the GOT slots that JUMP_SLOT and GLOB_DAT
 * relocations name. Everything is bounded, and every offset is checked
 * against the section it comes from: the file may be anything.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf/elf.h"

#define MAX_TEXT 64		/* executable sections kept */
#define MAX_PLT 8		/* PLT sections kept */
#define MAX_PLT_BYTES (4u << 20)
#define MAX_SLOTS (1u << 20)

struct range {
	uint64_t addr, size, off;
	uint8_t *bytes;		/* PLT sections only */
};

struct slot {
	uint64_t addr;
	char *name;
};

struct sl_code {
	int machine;
	struct range text[MAX_TEXT];
	unsigned int ntext;
	struct range plt[MAX_PLT];
	unsigned int nplt;
	struct slot *slots;	/* sorted by addr */
	size_t nslots;
};

void sl_code_free(struct sl_code *k)
{
	if (!k)
		return;
	for (unsigned int i = 0; i < k->nplt; i++)
		free(k->plt[i].bytes);
	for (size_t i = 0; i < k->nslots; i++)
		free(k->slots[i].name);
	free(k->slots);
	free(k);
}

static bool is_plt(const char *name)
{
	return name && (!strcmp(name, ".plt") || !strcmp(name, ".plt.sec") ||
			!strcmp(name, ".plt.got") || !strcmp(name, ".plt.bnd"));
}

static void keep_plt(struct sl_code *k, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	struct range *r = &k->plt[k->nplt];

	if (!d || !d->d_buf || d->d_size != sh->sh_size ||
	    sh->sh_size > MAX_PLT_BYTES || k->nplt == MAX_PLT)
		return;
	r->bytes = malloc(d->d_size ? d->d_size : 1);
	if (!r->bytes)
		return;
	memcpy(r->bytes, d->d_buf, d->d_size);
	r->addr = sh->sh_addr;
	r->size = sh->sh_size;
	k->nplt++;
}

/* The relocation types that fill a GOT slot with a symbol's address. */
static bool slot_reloc(int machine, uint64_t type)
{
	if (machine == EM_X86_64)
		return type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT;
	return type == R_AARCH64_JUMP_SLOT || type == R_AARCH64_GLOB_DAT;
}

static void add_slot(struct sl_code *k, uint64_t addr, const char *name,
		     size_t *cap)
{
	if (k->nslots == *cap) {
		size_t more = *cap ? *cap * 2 : 64;
		struct slot *grown = realloc(k->slots, more * sizeof(*grown));

		if (!grown)
			return;
		k->slots = grown;
		*cap = more;
	}
	k->slots[k->nslots].name = strdup(name);
	if (k->slots[k->nslots].name)
		k->slots[k->nslots++].addr = addr;
}

/* The slots a RELA section against the dynamic symbols names. */
static void read_relocs(Elf *e, struct sl_code *k, Elf_Scn *scn,
			const GElf_Shdr *sh, size_t *cap)
{
	Elf_Scn *symscn = elf_getscn(e, sh->sh_link);
	Elf_Data *d = elf_getdata(scn, NULL), *sd;
	GElf_Shdr ssh;
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (!d || !symscn || !gelf_getshdr(symscn, &ssh) ||
	    ssh.sh_type != SHT_DYNSYM || !(sd = elf_getdata(symscn, NULL)))
		return;
	for (size_t i = 0; i < n && k->nslots < MAX_SLOTS; i++) {
		GElf_Rela r;
		GElf_Sym s;
		const char *name;

		if (!gelf_getrela(d, (int)i, &r) ||
		    !slot_reloc(k->machine, GELF_R_TYPE(r.r_info)) ||
		    !GELF_R_SYM(r.r_info) ||
		    !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &s))
			continue;
		name = elf_strptr(e, ssh.sh_link, s.st_name);
		if (name && *name)
			add_slot(k, r.r_offset, name, cap);
	}
}

static int by_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void read_sections(Elf *e, struct sl_code *k)
{
	Elf_Scn *scn = NULL;
	size_t shstr, cap = 0;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e, &shstr) < 0)
		return;
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return;
		name = elf_strptr(e, shstr, sh.sh_name);
		if (sh.sh_type == SHT_RELA)
			read_relocs(e, k, scn, &sh, &cap);
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !sh.sh_size)
			continue;
		if (is_plt(name))
			keep_plt(k, scn, &sh);
		else if (k->ntext < MAX_TEXT)
			k->text[k->ntext++] = (struct range){ sh.sh_addr, sh.sh_size,
							      sh.sh_offset, NULL };
	}
	if (k->nslots)
		qsort(k->slots, k->nslots, sizeof(*k->slots), by_slot);
}

struct sl_code *sl_code_load(const char *path)
{
	int fd = sl_elf_open(path);
	Elf *e = fd >= 0 && elf_version(EV_CURRENT) != EV_NONE ?
		 elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	struct sl_code *k = NULL;
	GElf_Ehdr eh;

	if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh) &&
	    gelf_getclass(e) == ELFCLASS64 &&
	    (eh.e_machine == EM_X86_64 || eh.e_machine == EM_AARCH64) &&
	    (k = calloc(1, sizeof(*k)))) {
		k->machine = eh.e_machine;
		read_sections(e, k);
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return k;
}

static const char *slot_name(const struct sl_code *k, uint64_t addr)
{
	size_t lo = 0, hi = k->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->slots[mid].addr == addr)
			return k->slots[mid].name;
		if (k->slots[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct range *holding(const struct range *r, unsigned int n,
				   uint64_t addr)
{
	for (unsigned int i = 0; i < n; i++)
		if (addr >= r[i].addr && addr - r[i].addr < r[i].size)
			return &r[i];
	return NULL;
}

/*
 * The function a direct call to TARGET enters: a function of the module
 * that starts there, or the import a PLT stub there jumps to; NULL when
 * TARGET is neither (the bytes were not a call after all).
 */
static const char *target_name(const struct sl_code *k,
			       struct sl_symcache *c, const char *path,
			       uint64_t target)
{
	const struct range *plt = holding(k->plt, k->nplt, target);
	const char *name;
	uint64_t off = 1, slot;

	if (plt) {
		const uint8_t *p = plt->bytes + (target - plt->addr);
		size_t n = plt->size - (target - plt->addr);

		slot = k->machine == EM_X86_64 ? sl_x86_plt_slot(p, n, target) :
						 sl_a64_plt_slot(p, n, target);
		return slot ? slot_name(k, slot) : NULL;
	}
	if (!holding(k->text, k->ntext, target))
		return NULL;
	name = sl_sym_lookup(c, path, target, &off);
	return name && off == 0 ? name : NULL;
}

/* The up to N bytes of code that end at RET; how many were read. */
static size_t code_before(const struct sl_code *k, const char *path,
			  uint64_t ret, uint8_t *buf, size_t n)
{
	const struct range *r = ret ? holding(k->text, k->ntext, ret - 1) : NULL;
	ssize_t got = 0;
	int fd;

	if (!r)
		return 0;
	if (ret - r->addr < n)
		n = (size_t)(ret - r->addr);
	fd = sl_elf_open(path);
	if (fd < 0)
		return 0;
	got = pread(fd, buf, n, (off_t)(r->off + (ret - n - r->addr)));
	close(fd);
	return got == (ssize_t)n ? n : 0;
}

static const char *x86_callee(const struct sl_code *k, struct sl_symcache *c,
			      const char *path, uint64_t ret)
{
	uint8_t buf[SL_X86_MAX + 1];
	size_t n = code_before(k, path, ret, buf, sizeof(buf));
	struct sl_insn calls[2];
	int ncalls = sl_x86_calls_before(buf, n, ret, calls);

	for (int i = 0; i < ncalls; i++) {
		const char *name;

		if (calls[i].kind == SL_INSN_CALL) {
			name = target_name(k, c, path, calls[i].target);
			if (name)
				return name;
			continue;
		}
		/* call *slot(%rip) through a GOT slot (-fno-plt) is as good
		 * as a direct call; any other pointer is not known here. */
		return calls[i].slot ? slot_name(k, calls[i].slot) : NULL;
	}
	return NULL;
}

static const char *a64_callee(const struct sl_code *k, struct sl_symcache *c,
			      const char *path, uint64_t ret)
{
	uint8_t b[4];
	struct sl_insn in;

	if ((ret & 3) || code_before(k, path, ret, b, 4) != 4 ||
	    !sl_a64_call_before((uint32_t)b[0] | (uint32_t)b[1] << 8 |
				(uint32_t)b[2] << 16 | (uint32_t)b[3] << 24,
				ret, &in) || in.kind != SL_INSN_CALL)
		return NULL;
	return target_name(k, c, path, in.target);
}

const char *sl_code_callee(const struct sl_code *k, struct sl_symcache *c,
			   const char *path, uint64_t ret)
{
	return k->machine == EM_X86_64 ? x86_callee(k, c, path, ret) :
					 a64_callee(k, c, path, ret);
}
