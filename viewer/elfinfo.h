/* ELF files (elf.c, symbols.c): inspection and symbols, with libelf. */
#ifndef SL_ELF_H
#define SL_ELF_H

#include <stdbool.h>
#include <stdint.h>

struct sl_elf_info {
	char path[512];
	bool is_elf;
	bool dynamic;		/* has a PT_DYNAMIC */
	bool has_interp;	/* has a PT_INTERP: the loader runs it */
	bool stripped;		/* no .symtab */
	bool setuid, setgid, caps;
	bool imports_syscall;	/* can call the kernel around the preload */
	bool imports_io_uring;
	int elf_class;		/* 32 or 64 */
	int machine;		/* e_machine */
	int type;		/* e_type */
	char runpath[512];
	char **needed;		/* DT_NEEDED */
	uint32_t nneeded;
	char **socket_imports;	/* "connect libc.so.6" */
	uint32_t nsocket_imports;
	char err[256];
};

int sl_elf_inspect(const char *path, struct sl_elf_info *in);
void sl_elf_info_free(struct sl_elf_info *in);
const char *sl_elf_untraceable(const struct sl_elf_info *in);
const char *sl_elf_machine_name(int machine);
int sl_elf_our_machine(void);

/* Symbols, per file, cached. */
struct sl_symcache;
struct sl_symcache *sl_symcache_new(void);
void sl_symcache_free(struct sl_symcache *c);
/* The function of PATH containing VADDR (its own address space), with
 * the offset into it; NULL if none is known. */
const char *sl_sym_lookup(struct sl_symcache *c, const char *path,
			  uint64_t vaddr, uint64_t *off);

#endif
