/*
 * Reading ELF files with libelf (DESIGN.md 14): what a program is before
 * it runs (dynamic or static, its architecture, the socket functions it
 * imports and from which library, whether it can bypass the preload),
 * and the function symbols that name a caller's address. Every libelf
 * call is checked: a truncated or hostile file is an error with a reason,
 * never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elfinfo.h"

/* The functions through which a program reaches sockets; imports of
 * these are what the preload sees. */
static const char *const socket_funcs[] = {
	"socket", "socketpair", "bind", "listen", "connect", "accept",
	"accept4", "shutdown", "send", "sendto", "sendmsg", "sendmmsg", "recv",
	"recvfrom", "recvmsg", "recvmmsg", "setsockopt", "getsockopt",
	"getaddrinfo", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "poll", "ppoll", "select", "pselect",
	"sendfile", "__recv_chk", "__recvfrom_chk",
};

static bool is_socket_func(const char *name)
{
	for (size_t i = 0; i < sizeof(socket_funcs) / sizeof(socket_funcs[0]); i++)
		if (!strcmp(name, socket_funcs[i]))
			return true;
	return false;
}

static int fail(struct sl_elf_info *in, const char *what)
{
	snprintf(in->err, sizeof(in->err), "%s", what);
	return -1;
}

static int fail_elf(struct sl_elf_info *in, const char *what)
{
	snprintf(in->err, sizeof(in->err), "%s: %s", what, elf_errmsg(-1));
	return -1;
}

static void add_str(char ***list, uint32_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(**list));
	char *copy = strdup(s);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			*list = grown;
		return;
	}
	*list = grown;
	(*list)[(*n)++] = copy;
}

/* Version index -> the library that provides it (.gnu.version_r). */
struct verneed_map {
	uint16_t idx[256];
	const char *file[256];
	unsigned int n;
};

static void read_verneed(Elf *e, Elf_Scn *scn, GElf_Shdr *sh,
			 struct verneed_map *vm)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;
	GElf_Verneed vn;

	if (!d)
		return;
	for (unsigned int k = 0; k < sh->sh_info && off < d->d_size; k++) {
		size_t aoff;
		GElf_Vernaux va;

		if (!gelf_getverneed(d, (int)off, &vn))
			return;
		aoff = off + vn.vn_aux;
		for (unsigned int a = 0; a < vn.vn_cnt && vm->n < 256; a++) {
			if (!gelf_getvernaux(d, (int)aoff, &va))
				return;
			vm->idx[vm->n] = (uint16_t)(va.vna_other & 0x7fff);
			vm->file[vm->n++] = elf_strptr(e, sh->sh_link, vn.vn_file);
			aoff += va.vna_next;
			if (!va.vna_next)
				break;
		}
		if (!vn.vn_next)
			break;
		off += vn.vn_next;
	}
}

static const char *library_of(const struct verneed_map *vm, uint16_t ver)
{
	for (unsigned int i = 0; i < vm->n; i++)
		if (vm->idx[i] == (ver & 0x7fff))
			return vm->file[i] ? vm->file[i] : "?";
	return "";
}

/* The undefined dynamic symbols: socket functions, syscall, io_uring. */
static void read_imports(Elf *e, Elf_Scn *dynsym, GElf_Shdr *sh,
			 Elf_Scn *versym, const struct verneed_map *vm,
			 struct sl_elf_info *in)
{
	Elf_Data *d = elf_getdata(dynsym, NULL);
	Elf_Data *vd = versym ? elf_getdata(versym, NULL) : NULL;
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	char line[192];

	for (size_t i = 1; d && i < n; i++) {
		GElf_Sym sym;
		GElf_Versym ver = 0;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx != SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (vd)
			gelf_getversym(vd, (int)i, &ver);
		if (!strcmp(name, "syscall"))
			in->imports_syscall = true;
		if (!strncmp(name, "io_uring", 8))
			in->imports_io_uring = true;
		if (!is_socket_func(name))
			continue;
		snprintf(line, sizeof(line), "%s%s%s", name,
			 *library_of(vm, ver) ? " " : "", library_of(vm, ver));
		add_str(&in->socket_imports, &in->nsocket_imports, line);
	}
}

static void read_dynamic(Elf *e, Elf_Scn *scn, GElf_Shdr *sh,
			 struct sl_elf_info *in)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Dyn dyn;
		const char *s;

		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH &&
		    dyn.d_tag != DT_RPATH)
			continue;
		s = elf_strptr(e, sh->sh_link, dyn.d_un.d_val);
		if (!s)
			continue;
		if (dyn.d_tag == DT_NEEDED)
			add_str(&in->needed, &in->nneeded, s);
		else
			snprintf(in->runpath, sizeof(in->runpath), "%s", s);
	}
}

/* Walks the sections: what is imported, needed, and whether stripped. */
static int read_sections(Elf *e, struct sl_elf_info *in)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *versym = NULL;
	GElf_Shdr dsh = { 0 }, sh;
	struct verneed_map vm = { .n = 0 };
	size_t nsec;

	if (elf_getshdrnum(e, &nsec) < 0)
		return fail_elf(in, "section headers");
	in->stripped = true;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return fail_elf(in, "section header");
		switch (sh.sh_type) {
		case SHT_SYMTAB:
			in->stripped = false;
			break;
		case SHT_DYNSYM:
			dynsym = scn;
			dsh = sh;
			break;
		case SHT_GNU_versym:
			versym = scn;
			break;
		case SHT_GNU_verneed:
			read_verneed(e, scn, &sh, &vm);
			break;
		case SHT_DYNAMIC:
			read_dynamic(e, scn, &sh, in);
			break;
		default:
			break;
		}
	}
	if (dynsym)
		read_imports(e, dynsym, &dsh, versym, &vm, in);
	return 0;
}

static void read_program_headers(Elf *e, struct sl_elf_info *in)
{
	size_t n;

	if (elf_getphdrnum(e, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			continue;
		if (ph.p_type == PT_INTERP)
			in->has_interp = true;
		if (ph.p_type == PT_DYNAMIC)
			in->dynamic = true;
	}
}

static void read_mode(int fd, const char *path, struct sl_elf_info *in)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		in->setuid = st.st_mode & S_ISUID;
		in->setgid = (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP);
	}
	in->caps = getxattr(path, "security.capability", NULL, 0) > 0;
}

/* Whether the header tables the ELF header promises lie in the file. */
static bool truncated(int fd, const GElf_Ehdr *eh, struct sl_elf_info *in)
{
	struct stat st;
	uint64_t ph_end = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	uint64_t sh_end = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;

	if (fstat(fd, &st) < 0)
		return false;
	if (ph_end > (uint64_t)st.st_size || sh_end > (uint64_t)st.st_size) {
		snprintf(in->err, sizeof(in->err), "truncated: its %s end past "
			 "the file's %lld bytes", ph_end > (uint64_t)st.st_size ?
			 "program headers" : "section headers",
			 (long long)st.st_size);
		return true;
	}
	return false;
}

int sl_elf_inspect(const char *path, struct sl_elf_info *in)
{
	GElf_Ehdr eh;
	Elf *e;
	int fd, ret = -1;

	memset(in, 0, sizeof(*in));
	snprintf(in->path, sizeof(in->path), "%s", path);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(in, "libelf is too old");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(in->err, sizeof(in->err), "%s", strerror(errno));
		return -1;
	}
	read_mode(fd, path, in);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		fail(in, e ? "not an ELF file" : "cannot be read as ELF");
		goto out_end;
	}
	if (!gelf_getehdr(e, &eh)) {
		fail_elf(in, "ELF header");
		goto out_end;
	}
	if (truncated(fd, &eh, in))
		goto out_end;
	in->is_elf = true;
	in->elf_class = gelf_getclass(e) == ELFCLASS32 ? 32 : 64;
	in->machine = eh.e_machine;
	in->type = eh.e_type;
	read_program_headers(e, in);
	ret = read_sections(e, in);
out_end:
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

void sl_elf_info_free(struct sl_elf_info *in)
{
	for (uint32_t i = 0; i < in->nneeded; i++)
		free(in->needed[i]);
	for (uint32_t i = 0; i < in->nsocket_imports; i++)
		free(in->socket_imports[i]);
	free(in->needed);
	free(in->socket_imports);
	in->needed = in->socket_imports = NULL;
	in->nneeded = in->nsocket_imports = 0;
}

/* The machine this socklens (and so its preload) was built for. */
#if defined(__x86_64__)
#define OUR_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define OUR_MACHINE EM_AARCH64
#else
#define OUR_MACHINE EM_NONE
#endif

int sl_elf_our_machine(void)
{
	return OUR_MACHINE;
}

const char *sl_elf_machine_name(int m)
{
	switch (m) {
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "arm";
	case EM_RISCV:
		return "riscv";
	default:
		return "other";
	}
}

/*
 * Whether the preload can work on the program, and if not why: NULL, or
 * the reason. A setuid program runs without LD_PRELOAD (the loader's
 * secure mode), a static one never loads it.
 */
const char *sl_elf_untraceable(const struct sl_elf_info *in)
{
	if (!in->is_elf)
		return "not an ELF program";
	if (in->type != ET_EXEC && in->type != ET_DYN)
		return "not an executable";
	if (!in->has_interp || !in->dynamic)
		return "statically linked: the preload cannot be loaded into it";
	if (in->machine != sl_elf_our_machine() || in->elf_class != 64)
		return "built for another architecture than the preload";
	if (in->setuid || in->setgid)
		return "setuid/setgid: the loader ignores LD_PRELOAD for it";
	if (in->caps)
		return "has file capabilities: the loader ignores LD_PRELOAD for it";
	return NULL;
}
