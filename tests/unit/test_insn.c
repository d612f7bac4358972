/*
 * Unit tests of the instruction decoder (viewer/elf/insn.c) on bytes built
 * here: x86-64 lengths across the formats (prefixes, REX, ModRM, SIB,
 * displacements, immediates, the 0F, 0F38 and 0F3A maps, VEX, EVEX),
 * calls and jumps with their targets, system calls, what is no
 * instruction; the call before a return address, direct and indirect;
 * PLT stubs; arm64 BL, BLR, svc and PLT stubs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "elf/elf.h"


struct len_case {
	const char *what;
	const char *bytes;
	size_t n;
	unsigned int len;
};

#define CASE(what, bytes, len) { what, bytes, sizeof(bytes) - 1, len }

static const struct len_case lens[] = {
	CASE("push %rbp", "\x55", 1),
	CASE("mov %rsp,%rbp", "\x48\x89\xe5", 3),
	CASE("ret", "\xc3", 1),
	CASE("mov $1,%eax", "\xb8\x01\x00\x00\x00", 5),
	CASE("movabs $imm64,%rax", "\x48\xb8\1\2\3\4\5\6\7\x08", 10),
	CASE("mov $imm16,%ax", "\x66\xb8\x01\x00", 4),
	CASE("mov $imm32,%r8d (REX.B)", "\x41\xb8\1\0\0\0", 6),
	CASE("sub $8,%rsp", "\x48\x83\xec\x08", 4),
	CASE("add $0x1000,%rsp", "\x48\x81\xc4\x00\x10\x00\x00", 7),
	CASE("lea 0x10(%rip),%rdi", "\x48\x8d\x3d\x10\x00\x00\x00", 7),
	CASE("mov 0x8(%rsp),%rax (SIB, disp8)", "\x48\x8b\x44\x24\x08", 5),
	CASE("mov (%rax,%rbx,4),%ecx", "\x8b\x0c\x98", 3),
	CASE("mov 0x0(,%rax,8),%rcx (SIB, no base)",
	     "\x48\x8b\x0c\xc5\x00\x00\x00\x00", 8),
	CASE("movl $1,0x10(%rbp)", "\xc7\x45\x10\x01\x00\x00\x00", 7),
	CASE("movw $1,(%rax)", "\x66\xc7\x00\x01\x00", 5),
	CASE("test $1,%cl", "\xf6\xc1\x01", 3),
	CASE("testl $imm32,disp(%rip)", "\xf7\x05\0\0\0\0\1\0\0\0", 10),
	CASE("not %eax (F7 /2: no immediate)", "\xf7\xd0", 2),
	CASE("nopw %cs:0x0(%rax,%rax,1)",
	     "\x66\x2e\x0f\x1f\x84\x00\x00\x00\x00\x00", 10),
	CASE("data16 nopw %cs:...", "\x66\x66\x2e\x0f\x1f\x84\0\0\0\0\0", 11),
	CASE("endbr64", "\xf3\x0f\x1e\xfa", 4),
	CASE("jne rel32", "\x0f\x85\x10\x00\x00\x00", 6),
	CASE("je rel8", "\x74\x05", 2),
	CASE("cmovs %eax,%ebx", "\x0f\x48\xd8", 3),
	CASE("pshufd $0x1b,%xmm1,%xmm0", "\x66\x0f\x70\xc1\x1b", 5),
	CASE("pshufb %xmm1,%xmm0 (0F38)", "\x66\x0f\x38\x00\xc1", 5),
	CASE("palignr $8,%xmm1,%xmm0 (0F3A)", "\x66\x0f\x3a\x0f\xc1\x08", 6),
	CASE("vzeroupper", "\xc5\xf8\x77", 3),
	CASE("vmovdqu (%rsi),%ymm0", "\xc5\xfe\x6f\x06", 4),
	CASE("vbroadcastss disp(%rip),%xmm0 (VEX 0F38)",
	     "\xc4\xe2\x79\x18\x05\x00\x00\x00\x00", 9),
	CASE("vpalignr $8 (VEX 0F3A)", "\xc4\xe3\x75\x0f\xc2\x08", 6),
	CASE("vmovups (%rcx),%zmm0 (EVEX)", "\x62\xf1\x7c\x48\x10\x01", 6),
	CASE("enter $16,$0", "\xc8\x10\x00\x00", 4),
	CASE("mov 0x1122334455667788,%al (moffs)",
	     "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", 9),
	CASE("lock cmpxchg %ecx,(%rdx)", "\xf0\x0f\xb1\x0a", 4),
	CASE("rep stos", "\xf3\x48\xab", 3),
	CASE("xchg %ax,%ax", "\x66\x90", 2),
	CASE("fldl 0x8(%rsp)", "\xdd\x44\x24\x08", 4),
	CASE("cpuid", "\x0f\xa2", 2),
	CASE("rdtsc", "\x0f\x31", 2),
	CASE("ud2", "\x0f\x0b", 2),
	CASE("shld $4,%eax,%ebx", "\x0f\xa4\xc3\x04", 4),
	CASE("bt $3,%eax", "\x0f\xba\xe0\x03", 4),
	/* Not instructions in 64-bit mode, or cut short. */
	CASE("push %es (invalid)", "\x06", 0),
	CASE("pusha (invalid)", "\x60", 0),
	CASE("call, cut short", "\xe8\x00\x00", 0),
	CASE("ModRM missing", "\x48\x8b", 0),
	CASE("SIB missing", "\x8b\x04", 0),
	CASE("16 prefixes", "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	     "\x66\x66\x66\x66\x90", 0),
	CASE("lone prefix", "\x66", 0),
};

static void test_x86_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct sl_insn in;
		unsigned int got = sl_x86_decode((const uint8_t *)lens[i].bytes,
						 lens[i].n, 0x1000, &in);

		if (got != lens[i].len)
			fail_msg("%s: length %u, expected %u", lens[i].what, got,
				 lens[i].len);
	}
}

static void test_x86_kinds(void **state)
{
	struct sl_insn in;

	(void)state;
	/* call rel32 from 0x1000: target = 0x1005 + 0x100. */
	assert_int_equal(sl_x86_decode((const uint8_t *)"\xe8\x00\x01\x00\x00", 5,
				       0x1000, &in), 5);
	assert_int_equal(in.kind, SL_INSN_CALL);
	assert_int_equal(in.target, 0x1105);
	/* Backwards: rel32 -0x10. */
	sl_x86_decode((const uint8_t *)"\xe8\xf0\xff\xff\xff", 5, 0x1000, &in);
	assert_int_equal(in.target, 0xff5);
	sl_x86_decode((const uint8_t *)"\xe9\x10\x00\x00\x00", 5, 0x2000, &in);
	assert_int_equal(in.kind, SL_INSN_JMP);
	assert_int_equal(in.target, 0x2015);
	sl_x86_decode((const uint8_t *)"\xeb\xfe", 2, 0x2000, &in);
	assert_int_equal(in.kind, SL_INSN_JMP);
	assert_int_equal(in.target, 0x2000);
	/* call *%rax, call *0x8(%rbx), call *disp(%rip), jmp *disp(%rip). */
	sl_x86_decode((const uint8_t *)"\xff\xd0", 2, 0, &in);
	assert_int_equal(in.kind, SL_INSN_CALL_IND);
	assert_int_equal(in.slot, 0);
	sl_x86_decode((const uint8_t *)"\xff\x53\x08", 3, 0, &in);
	assert_int_equal(in.kind, SL_INSN_CALL_IND);
	assert_int_equal(in.slot, 0);
	assert_int_equal(sl_x86_decode((const uint8_t *)"\xff\x15\x10\x00\x00\x00",
				       6, 0x3000, &in), 6);
	assert_int_equal(in.kind, SL_INSN_CALL_IND);
	assert_int_equal(in.slot, 0x3016);
	sl_x86_decode((const uint8_t *)"\xff\x25\xf0\xff\xff\xff", 6, 0x3000, &in);
	assert_int_equal(in.kind, SL_INSN_JMP_IND);
	assert_int_equal(in.slot, 0x2ff6);
	/* inc (FF /0) and push (FF /6) are neither. */
	sl_x86_decode((const uint8_t *)"\xff\xc0", 2, 0, &in);
	assert_int_equal(in.kind, SL_INSN_OTHER);
	sl_x86_decode((const uint8_t *)"\xff\x30", 2, 0, &in);
	assert_int_equal(in.kind, SL_INSN_OTHER);
	/* syscall, int $0x80; int $3 is not one. */
	assert_int_equal(sl_x86_decode((const uint8_t *)"\x0f\x05", 2, 0, &in), 2);
	assert_int_equal(in.kind, SL_INSN_SYSCALL);
	sl_x86_decode((const uint8_t *)"\xcd\x80", 2, 0, &in);
	assert_int_equal(in.kind, SL_INSN_SYSCALL);
	sl_x86_decode((const uint8_t *)"\xcd\x03", 2, 0, &in);
	assert_int_equal(in.kind, SL_INSN_OTHER);
}

/* Code that ends at RET = 0x5000 + n, for the backward decoder. */
static int calls_before(const char *bytes, size_t n, struct sl_insn out[2])
{
	return sl_x86_calls_before((const uint8_t *)bytes, n, 0x5000 + n, out);
}

static void test_x86_calls_before(void **state)
{
	struct sl_insn c[2];

	(void)state;
	/* mov %edi,%esi; call rel32 (-0x100). */
	assert_int_equal(calls_before("\x89\xfe\xe8\x00\xff\xff\xff", 7, c), 1);
	assert_int_equal(c[0].kind, SL_INSN_CALL);
	assert_int_equal(c[0].target, 0x5007 - 0x100);
	/* mov 0x10(%rip),%rax; call *%rax: indirect, nothing to name. */
	assert_int_equal(calls_before("\x48\x8b\x05\x10\x00\x00\x00\xff\xd0", 9, c),
			 1);
	assert_int_equal(c[0].kind, SL_INSN_CALL_IND);
	assert_int_equal(c[0].slot, 0);
	/* call *%r12 (REX). */
	assert_int_equal(calls_before("\x90\x41\xff\xd4", 4, c), 1);
	assert_int_equal(c[0].kind, SL_INSN_CALL_IND);
	/* call *disp(%rip) (-fno-plt): the slot it goes through. */
	assert_int_equal(calls_before("\x90\xff\x15\x00\x01\x00\x00", 7, c), 1);
	assert_int_equal(c[0].kind, SL_INSN_CALL_IND);
	assert_int_equal(c[0].slot, 0x5007 + 0x100);
	/* call *0x18(%rsp) (SIB, disp8) and call *0x100(%rbx) (disp32). */
	assert_int_equal(calls_before("\xff\x54\x24\x18", 4, c), 1);
	assert_int_equal(c[0].kind, SL_INSN_CALL_IND);
	assert_int_equal(calls_before("\xff\x93\x00\x01\x00\x00", 6, c), 1);
	/* No call: a mov, a jmp, too few bytes. */
	assert_int_equal(calls_before("\x48\x89\xe5", 3, c), 0);
	assert_int_equal(calls_before("\xe9\x00\x00\x00\x00", 5, c), 0);
	assert_int_equal(calls_before("\xd0", 1, c), 0);
	assert_int_equal(calls_before("", 0, c), 0);
	/* Ambiguous bytes give both readings; the caller checks targets:
	 * E8 then 4 bytes that end with FF D0. */
	assert_int_equal(calls_before("\xe8\x00\x00\xff\xd0", 5, c), 2);
	assert_int_equal(c[0].kind, SL_INSN_CALL);
	assert_int_equal(c[1].kind, SL_INSN_CALL_IND);
}

static void test_x86_plt_stubs(void **state)
{
	/* Lazy .plt: jmp *slot(%rip); push $n; jmp .plt */
	static const uint8_t lazy[] = "\xff\x25\xfa\x2f\x00\x00\x68\x00\x00\x00\x00"
				      "\xe9\xe0\xff\xff\xff";
	/* .plt.sec (IBT): endbr64; bnd jmp *slot(%rip); nop */
	static const uint8_t ibt[] = "\xf3\x0f\x1e\xfa\xf2\xff\x25\x00\x10\x00\x00"
				     "\x0f\x1f\x44\x00\x00";
	/* PLT0: push GOT+8(%rip); jmp *GOT+16(%rip): the first is no jump. */
	static const uint8_t plt0[] = "\xff\x35\x02\x30\x00\x00\xff\x25\x04\x30\x00\x00";

	(void)state;
	assert_int_equal(sl_x86_plt_slot(lazy, 16, 0x1030), 0x1030 + 6 + 0x2ffa);
	assert_int_equal(sl_x86_plt_slot(ibt, 16, 0x1100), 0x1100 + 11 + 0x1000);
	assert_int_equal(sl_x86_plt_slot(plt0, 12, 0x1020), 0);
	assert_int_equal(sl_x86_plt_slot((const uint8_t *)"\x90\x90", 2, 0), 0);
	assert_int_equal(sl_x86_plt_slot((const uint8_t *)"\xff\x25", 2, 0), 0);
}

static void put32(uint8_t *p, uint32_t w)
{
	p[0] = (uint8_t)w;
	p[1] = (uint8_t)(w >> 8);
	p[2] = (uint8_t)(w >> 16);
	p[3] = (uint8_t)(w >> 24);
}

static void test_a64(void **state)
{
	struct sl_insn in;
	uint8_t stub[16];

	(void)state;
	/* bl +0x100 at 0x4000 (ret 0x4004); bl -8 */
	assert_true(sl_a64_call_before(0x94000040u, 0x4004, &in));
	assert_int_equal(in.kind, SL_INSN_CALL);
	assert_int_equal(in.target, 0x4100);
	assert_true(sl_a64_call_before(0x97fffffeu, 0x4004, &in));
	assert_int_equal(in.target, 0x4000 - 8);
	/* blr x3; blraaz x1: indirect. */
	assert_true(sl_a64_call_before(0xd63f0060u, 0x4004, &in));
	assert_int_equal(in.kind, SL_INSN_CALL_IND);
	assert_true(sl_a64_call_before(0xd63f083fu, 0x4004, &in));
	assert_int_equal(in.kind, SL_INSN_CALL_IND);
	/* b (no link), ret, nop: no call. */
	assert_false(sl_a64_call_before(0x14000040u, 0x4004, &in));
	assert_false(sl_a64_call_before(0xd65f03c0u, 0x4004, &in));
	assert_false(sl_a64_call_before(0xd503201fu, 0x4004, &in));
	assert_true(sl_a64_is_svc(0xd4000001u));
	assert_false(sl_a64_is_svc(0xd4000002u));
	/* adrp x16, +1 page; ldr x17, [x16, #0x18]; add; br x17 at 0x10010. */
	put32(stub, 0xb0000010u);
	put32(stub + 4, 0xf9400e11u);
	put32(stub + 8, 0x91006210u);
	put32(stub + 12, 0xd61f0220u);
	assert_int_equal(sl_a64_plt_slot(stub, 16, 0x10010), 0x11000 + 0x18);
	/* The same after a bti c. */
	{
		uint8_t bti[20];

		put32(bti, 0xd503245fu);
		memcpy(bti + 4, stub, 16);
		assert_int_equal(sl_a64_plt_slot(bti, 20, 0x1000c), 0x11000 + 0x18);
	}
	/* adrp with a negative page count. */
	put32(stub, 0xd0fffff0u);
	assert_int_equal(sl_a64_plt_slot(stub, 16, 0x10010),
			 0x10000 - 0x2000 + 0x18);
	assert_int_equal(sl_a64_plt_slot(stub, 7, 0x10010), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_lengths),
		cmocka_unit_test(test_x86_kinds),
		cmocka_unit_test(test_x86_calls_before),
		cmocka_unit_test(test_x86_plt_stubs),
		cmocka_unit_test(test_a64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
