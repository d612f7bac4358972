/*
 * The ELF layer: what a program is, read from its files with libelf
 * (elf.c: inspection and verdicts; elf_prog.c: PATH, #! and the
 * libraries the loader would load; elf_escape.c: system calls around the
 * preload; elf_calls.c: what a call before a return address called;
 * symbols.c: names for addresses; insn.c: machine code, decoded only as
 * far as that needs). Uses only lib.h.
 */
#ifndef SL_ELF_H
#define SL_ELF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

struct sl_elf_info {
	char path[512];
	bool is_elf;
	bool dynamic;		/* has a PT_DYNAMIC */
	bool has_interp;	/* has a PT_INTERP: the loader runs it */
	bool stripped;		/* no .symtab */
	bool setuid, setgid, caps;
	bool caps_raise;	/* its capabilities are effective or permitted */
	bool nosuid;		/* on a nosuid mount: the bits do nothing */
	uid_t file_uid;
	gid_t file_gid;
	bool glibc;		/* part of the C library (GLIBC_PRIVATE) */
	bool imports_syscall;	/* syscall(): followed by the preload */
	bool imports_io_uring;	/* io_uring_*: around the preload */
	char io_uring_name[64];	/* the first such import */
	int elf_class;		/* 32 or 64 */
	int machine;		/* e_machine */
	int type;		/* e_type */
	char runpath[512];
	char **needed;		/* DT_NEEDED */
	uint32_t nneeded;
	char **socket_imports;	/* "connect libc.so.6" */
	uint32_t nsocket_imports;
	char err[256];
	char why[256];		/* sl_elf_untraceable's reason */
	char privilege[256];	/* setuid, setgid, capabilities: the verdict */
};

/* Opens PATH to read, if it is a regular file (a FIFO or a device named
 * by a hostile trace must not block or feed us); -1 with errno if not. */
int sl_elf_open(const char *path);
int sl_elf_inspect(const char *path, struct sl_elf_info *in);
void sl_elf_info_free(struct sl_elf_info *in);
/* NULL when the preload can work on the program, else why not. For
 * setuid, setgid and file capabilities it depends on who runs it: this
 * process's user, as `run` would start it. */
const char *sl_elf_untraceable(struct sl_elf_info *in);
const char *sl_elf_machine_name(int machine);
int sl_elf_our_machine(void);

/* Whether NAME is a function the preload wraps (a call to it is the
 * call that was recorded, not a tail call). */
bool sl_elf_wrapped_name(const char *name);

/* Symbols, per file, cached (symbols.c). */
struct sl_symcache;
struct sl_symcache *sl_symcache_new(void);
void sl_symcache_free(struct sl_symcache *c);
/* The function of PATH containing VADDR (its own address space), with
 * the offset into it; NULL if none is known. */
const char *sl_sym_lookup(struct sl_symcache *c, const char *path,
			  uint64_t vaddr, uint64_t *off);
/* Whether VADDR lies in a data object that PATH's symbols place in an
 * executable section (a table of hand-written assembly). */
bool sl_sym_is_data(struct sl_symcache *c, const char *path, uint64_t vaddr);
/* The function that the call returning to RET (a vaddr of PATH) called,
 * when it is not the wrapped function: the recorded call was then a tail
 * call from that function. NULL when it is, or when the code does not
 * tell (an indirect call). */
const char *sl_sym_tail_callee(struct sl_symcache *c, const char *path,
			       uint64_t ret);
/* Both at once, for a return address RET: the function holding the call
 * (OFF from its start to RET), and in CALLEE the tail call's callee. */
const char *sl_sym_caller(struct sl_symcache *c, const char *path,
			  uint64_t ret, uint64_t *off, const char **callee);
/* The name the program was run as: ARGV0's path when it is the same file
 * as EXE (a link to it), else EXE; kept per pair. */
const char *sl_sym_run_name(struct sl_symcache *c, const char *exe,
			    const char *argv0);

/* A program as the kernel and the loader see it (elf_prog.c). */
#define SL_PROG_DEPTH 4		/* #! interpreters the kernel follows */
struct sl_prog {
	char file[SL_PROG_DEPTH + 1][PATH_MAX];	/* as found, then each #!
						 * interpreter: the last runs */
	char line[SL_PROG_DEPTH][520];	/* file[i]'s #! line */
	bool by_env[SL_PROG_DEPTH];	/* #!/usr/bin/env NAME: file[i + 1] is
					 * NAME found on PATH, run by env */
	int n;			/* files in file[] */
	bool on_path;		/* named without a slash: found on PATH */
	char err[128];
};
/* PROG as execvp finds it (a name without a slash on PATH). */
bool sl_prog_on_path(const char *prog, char *out, size_t len);
/* PROG as the kernel runs it; -1 with out->err if it cannot be found. */
int sl_prog_find(const char *prog, struct sl_prog *out);

/* The libraries a program loads, each once, in the loader's order. */
#define SL_DEPS_MAX 256
struct sl_lib {
	char name[256];		/* as DT_NEEDED says */
	int needer;		/* index of the object that needs it, -1 the
				 * program */
	bool found;
	struct sl_elf_info info;	/* when found */
};
struct sl_deps {
	struct sl_lib *libs;
	int n;
};
int sl_deps_walk(const struct sl_elf_info *prog, struct sl_deps *d);
void sl_deps_free(struct sl_deps *d);

/* Where a program reaches the kernel around the preload, one sentence
 * each: system call instructions outside the C library, io_uring. */
#define SL_RISKS_MAX 8
struct sl_risks {
	char line[SL_RISKS_MAX][320];
	int n;
};
void sl_prog_risks(const struct sl_elf_info *prog, const struct sl_deps *d,
		   struct sl_risks *r);

/* System call instructions in a module's own code (elf_escape.c). */
#define SL_ESCAPE_WHERE 3
struct sl_escape {
	uint32_t nsyscalls;
	char where[SL_ESCAPE_WHERE][64];	/* functions holding them */
	unsigned int nwhere;
};
int sl_elf_scan_syscalls(const char *path, struct sl_escape *out);

/* What a module's calls call (elf_calls.c), for symbols.c. */
struct sl_code;
struct sl_code *sl_code_load(const char *path);
void sl_code_free(struct sl_code *k);
const char *sl_code_callee(const struct sl_code *k, struct sl_symcache *c,
			   const char *path, uint64_t ret);

/*
 * insn.c: machine code, decoded only as far as socklens needs it: the
 * length of an x86-64 instruction and whether it calls, jumps or enters
 * the kernel; the call that ends at a return address (x86-64 and arm64);
 * the pointer a PLT stub jumps through.
 */
enum sl_insn_kind {
	SL_INSN_OTHER,
	SL_INSN_CALL,		/* direct: target is known */
	SL_INSN_CALL_IND,	/* through a register or memory */
	SL_INSN_JMP,		/* direct: target is known */
	SL_INSN_JMP_IND,
	SL_INSN_SYSCALL,	/* syscall, int $0x80 (x86-64); svc #0 (arm64) */
};

struct sl_insn {
	unsigned int len;
	enum sl_insn_kind kind;
	uint64_t target;	/* CALL, JMP: where it goes */
	uint64_t slot;		/* CALL_IND, JMP_IND through a RIP-relative
				 * operand: the pointer's address; else 0 */
};

/* The longest x86-64 instruction, and so the bytes worth reading. */
#define SL_X86_MAX 15

/* Decodes the x86-64 instruction at P (N bytes readable, at VADDR);
 * returns its length, 0 if the bytes are no valid instruction. */
unsigned int sl_x86_decode(const uint8_t *p, size_t n, uint64_t vaddr,
			   struct sl_insn *out);

/*
 * The calls that can end at RET, given the N bytes before it in BUF (at
 * most SL_X86_MAX + 1 are looked at): a direct call (E8) first if the
 * bytes allow one, then an indirect one (FF /2), RIP-relative preferred.
 * Code read backwards is ambiguous, so the caller checks a direct call's
 * target (a function's first byte, a PLT stub). Returns how many of
 * OUT[2] were filled.
 */
int sl_x86_calls_before(const uint8_t *buf, size_t n, uint64_t ret,
			struct sl_insn out[2]);

/* The arm64 instruction INSN at RET - 4, if it is a call (BL, BLR and
 * its authenticated forms). */
bool sl_a64_call_before(uint32_t insn, uint64_t ret, struct sl_insn *out);

/* Whether the arm64 instruction is svc #0, the system call. */
bool sl_a64_is_svc(uint32_t insn);

/*
 * The pointer a PLT stub at VADDR (N bytes at P) jumps through, 0 if
 * the bytes are not such a stub: x86-64 `jmp *slot(%rip)` after an
 * optional endbr64 and bnd prefix; arm64 adrp x16 + ldr x17, [x16, #off]
 * after an optional bti.
 */
uint64_t sl_x86_plt_slot(const uint8_t *p, size_t n, uint64_t vaddr);
uint64_t sl_a64_plt_slot(const uint8_t *p, size_t n, uint64_t vaddr);

#endif
