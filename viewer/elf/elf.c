/*
 * Reading ELF files with libelf: what a program is before it runs
 * (dynamic or static, its architecture, the socket functions it imports
 * and from which library, whether it can bypass the preload), and
 * whether the preload can work on it at all. Every libelf call is
 * checked: a truncated or hostile file is an error with a reason, never
 * a crash.
 *
 * setuid, setgid and file capabilities stop the preload only when the
 * kernel runs the program in secure mode (AT_SECURE), and the kernel
 * decides that at exec from who runs it (security/commoncap.c): when the
 * new effective uid differs from the real one (a setuid bit to another
 * user than the caller, or a caller already running with euid != ruid),
 * the same for gids, or when file capabilities raise the privileges of a
 * caller whose real uid is not 0. Root running a setuid-root program is
 * not in secure mode, and LD_PRELOAD works. The bits do nothing on a
 * nosuid mount or under no_new_privs. A security module may also ask for
 * secure mode on a domain change; that is not visible in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elf/elf.h"

/*
 * The functions through which a program reaches sockets, whose imports
 * `inspect` lists, and the other functions the preload wraps (a call to
 * one of either is the recorded call itself, never a tail call): the
 * call table's SL_FN rows by their last column, and its SL_IMPORT rows.
 */
#define SL_ELF_SOCK(sym) sym,
#define SL_ELF_LIBC(sym)
#define SL_ELF_BOUND(sym)
static const char *const socket_funcs[] = {
#define SL_FN(field, sym, ret, params, call, kind) SL_ELF_##kind(sym)
#define SL_IMPORT(sym) sym,
#include "socklens/calls.def"
};
#undef SL_ELF_SOCK
#undef SL_ELF_LIBC

#define SL_ELF_SOCK(sym)
#define SL_ELF_LIBC(sym) sym,
static const char *const other_wrapped[] = {
#define SL_FN(field, sym, ret, params, call, kind) SL_ELF_##kind(sym)
#include "socklens/calls.def"
};
#undef SL_ELF_SOCK
#undef SL_ELF_LIBC
#undef SL_ELF_BOUND

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static bool is_socket_func(const char *name)
{
	for (size_t i = 0; i < NITEMS(socket_funcs); i++)
		if (!strcmp(name, socket_funcs[i]))
			return true;
	return false;
}

bool sl_elf_wrapped_name(const char *name)
{
	if (is_socket_func(name))
		return true;
	for (size_t i = 0; i < NITEMS(other_wrapped); i++)
		if (!strcmp(name, other_wrapped[i]))
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

static bool glibc_private(Elf *e, size_t strtab, size_t name)
{
	const char *s = elf_strptr(e, strtab, name);

	return s && !strcmp(s, "GLIBC_PRIVATE");
}

static void read_verneed(Elf *e, Elf_Scn *scn, GElf_Shdr *sh,
			 struct verneed_map *vm, struct sl_elf_info *in)
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
			in->glibc |= glibc_private(e, sh->sh_link, va.vna_name);
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

/* The versions a library defines: the C library's own include
 * GLIBC_PRIVATE, which nothing outside it defines. */
static void read_verdef(Elf *e, Elf_Scn *scn, GElf_Shdr *sh,
			struct sl_elf_info *in)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;

	for (unsigned int k = 0; d && k < sh->sh_info && off < d->d_size; k++) {
		GElf_Verdef vd;
		GElf_Verdaux va;

		if (!gelf_getverdef(d, (int)off, &vd) ||
		    !gelf_getverdaux(d, (int)(off + vd.vd_aux), &va))
			return;
		in->glibc |= glibc_private(e, sh->sh_link, va.vda_name);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
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
		if (!strncmp(name, "io_uring", 8) && !in->imports_io_uring) {
			in->imports_io_uring = true;
			snprintf(in->io_uring_name, sizeof(in->io_uring_name),
				 "%s", name);
		}
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
			read_verneed(e, scn, &sh, &vm, in);
			break;
		case SHT_GNU_verdef:
			read_verdef(e, scn, &sh, in);
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

/* security.capability (struct vfs_cap_data, little-endian): a word of
 * revision and flags, then permitted and inheritable words, twice from
 * revision 2 on. */
#define CAP_FLAG_EFFECTIVE 0x000001u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void read_caps(const char *path, struct sl_elf_info *in)
{
	unsigned char v[64];
	ssize_t n = getxattr(path, "security.capability", v, sizeof(v));

	in->caps = n > 0;
	if (n < 12) {
		in->caps_raise = in->caps;	/* unreadable: assume they do */
		return;
	}
	in->caps_raise = (le32(v) & CAP_FLAG_EFFECTIVE) || le32(v + 4) ||
			 (n >= 20 && le32(v + 12));
}

static void read_mode(int fd, const char *path, struct sl_elf_info *in)
{
	struct statvfs vfs;
	struct stat st;

	if (fstat(fd, &st) == 0) {
		in->setuid = st.st_mode & S_ISUID;
		in->setgid = (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP);
		in->file_uid = st.st_uid;
		in->file_gid = st.st_gid;
	}
	in->nosuid = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);
	read_caps(path, in);
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

int sl_elf_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
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
	fd = sl_elf_open(path);
	if (fd < 0) {
		snprintf(in->err, sizeof(in->err), "%s", errno == EINVAL ?
			 "not a regular file" : strerror(errno));
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

#define SECURE "the kernel runs it in secure mode (AT_SECURE), where the " \
	"loader ignores LD_PRELOAD"

/*
 * Whether exec by this process puts the program in secure mode (see the
 * opening comment); false with what is true in in->privilege, true with
 * the reason in in->why.
 */
static bool secure_mode(struct sl_elf_info *in)
{
	uid_t ruid = getuid(), euid = geteuid();
	gid_t rgid = getgid(), egid = getegid();
	bool off = in->nosuid || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	bool suid = in->setuid && !off, sgid = in->setgid && !off;
	uid_t new_euid = suid ? in->file_uid : euid;
	gid_t new_egid = sgid ? in->file_gid : egid;
	char *w = in->why, *p = in->privilege;
	size_t wl = sizeof(in->why), pl = sizeof(in->privilege);

	if (new_euid != ruid) {
		snprintf(w, wl, suid ? "setuid to uid %u and you are uid %u: "
			 SECURE : "you run as uid %u with real uid %u: " SECURE,
			 (unsigned)new_euid, (unsigned)ruid);
		return true;
	}
	if (new_egid != rgid) {
		snprintf(w, wl, sgid ? "setgid to gid %u and your gid is %u: "
			 SECURE : "you run as gid %u with real gid %u: " SECURE,
			 (unsigned)new_egid, (unsigned)rgid);
		return true;
	}
	if (in->caps && in->caps_raise && !off && ruid != 0) {
		snprintf(w, wl, "has file capabilities and you are not root: "
			 SECURE);
		return true;
	}
	if (off && (in->setuid || in->setgid || in->caps))
		snprintf(p, pl, "%s: its setuid, setgid and capabilities do "
			 "nothing, the preload works", in->nosuid ?
			 "on a nosuid mount" : "no_new_privs is set");
	else if (in->setuid || in->setgid)
		snprintf(p, pl, "set%s to %s %u, which you are: no secure mode, "
			 "the preload works", in->setuid ? "uid" : "gid",
			 in->setuid ? "uid" : "gid", in->setuid ?
			 (unsigned)in->file_uid : (unsigned)in->file_gid);
	else if (in->caps)
		snprintf(p, pl, "file capabilities, and you are root: no secure "
			 "mode, the preload works");
	return false;
}

/*
 * Whether the preload can work on the program, and if not why: NULL, or
 * the reason. A static program never loads it; a program the kernel runs
 * in secure mode runs without LD_PRELOAD.
 */
const char *sl_elf_untraceable(struct sl_elf_info *in)
{
	in->privilege[0] = '\0';
	if (!in->is_elf)
		return "not an ELF program";
	if (in->type != ET_EXEC && in->type != ET_DYN)
		return "not an executable";
	if (!in->has_interp || !in->dynamic)
		return "statically linked: the preload cannot be loaded into it";
	if (in->machine != sl_elf_our_machine() || in->elf_class != 64)
		return "built for another architecture than the preload";
	if (secure_mode(in))
		return in->why;
	return NULL;
}
