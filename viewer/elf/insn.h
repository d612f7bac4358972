/*
 * Machine code, decoded only as far as socklens needs it (insn.c): the
 * length of an x86-64 instruction and whether it calls, jumps or enters
 * the kernel; the call that ends at a return address (x86-64 and arm64);
 * the pointer a PLT stub jumps through.
 */
#ifndef SL_INSN_H
#define SL_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
