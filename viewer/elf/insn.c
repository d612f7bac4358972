/*
 * Machine code, decoded only as far as socklens needs it: the length of
 * an x86-64 instruction and whether it is a call, a jump or a system
 * call. That is enough to walk a function's code from its first byte
 * (compilers keep data out of x86-64 text, so a linear walk stays on the
 * instructions), to find the call that ends at a return address, and to
 * read a PLT stub. arm64 instructions are four bytes and need no walk.
 *
 * The decoder knows the instruction formats, not their meaning: legacy
 * prefixes, REX, VEX and EVEX, the one-, two- and three-byte opcode maps
 * (which opcodes take a ModRM byte and how many immediate bytes), ModRM,
 * SIB and displacement sizes. Everything is bounded by the bytes given:
 * an instruction running past them, or longer than 15 bytes, is not one.
 */
#include <string.h>
#include "elf/elf.h"

/* What follows an opcode. */
#define M	0x001	/* a ModRM byte (and SIB, displacement) */
#define I8	0x002	/* 1 immediate byte */
#define I16	0x004	/* 2 */
#define I32	0x008	/* 4 */
#define IZ	0x010	/* 2 with an operand-size prefix, else 4 */
#define IV	0x020	/* 8 with REX.W, else as IZ (mov $imm, %reg) */
#define MO	0x040	/* a memory offset: 8 bytes, 4 with 67 */
#define G3	0x080	/* F6/F7: the immediate only for ModRM.reg 0, 1 */
#define BAD	0x100	/* no instruction in 64-bit mode */
#define PFX	0x200	/* a prefix: 66 67 F0 F2 F3, segments, REX */

static const uint16_t one_byte[256] = {
	[0x00 ... 0x03] = M, [0x04] = I8, [0x05] = IZ, [0x06 ... 0x07] = BAD,
	[0x08 ... 0x0b] = M, [0x0c] = I8, [0x0d] = IZ, [0x0e] = BAD,
	[0x10 ... 0x13] = M, [0x14] = I8, [0x15] = IZ, [0x16 ... 0x17] = BAD,
	[0x18 ... 0x1b] = M, [0x1c] = I8, [0x1d] = IZ, [0x1e ... 0x1f] = BAD,
	[0x20 ... 0x23] = M, [0x24] = I8, [0x25] = IZ, [0x26] = PFX,
	[0x27] = BAD,
	[0x28 ... 0x2b] = M, [0x2c] = I8, [0x2d] = IZ, [0x2e] = PFX,
	[0x2f] = BAD,
	[0x30 ... 0x33] = M, [0x34] = I8, [0x35] = IZ, [0x36] = PFX,
	[0x37] = BAD,
	[0x38 ... 0x3b] = M, [0x3c] = I8, [0x3d] = IZ, [0x3e] = PFX,
	[0x3f] = BAD,
	[0x40 ... 0x4f] = PFX,
	[0x60 ... 0x61] = BAD, [0x63] = M, [0x64 ... 0x67] = PFX,
	[0x68] = IZ, [0x69] = M | IZ, [0x6a] = I8, [0x6b] = M | I8,
	[0x70 ... 0x7f] = I8,
	[0x80] = M | I8, [0x81] = M | IZ, [0x82] = BAD, [0x83] = M | I8,
	[0x84 ... 0x8f] = M,
	[0x9a] = BAD,
	[0xa0 ... 0xa3] = MO, [0xa8] = I8, [0xa9] = IZ,
	[0xb0 ... 0xb7] = I8, [0xb8 ... 0xbf] = IV,
	[0xc0 ... 0xc1] = M | I8, [0xc2] = I16, [0xc6] = M | I8,
	[0xc7] = M | IZ, [0xc8] = I16 | I8, [0xca] = I16, [0xcd] = I8,
	[0xce] = BAD,
	[0xd0 ... 0xd3] = M, [0xd4 ... 0xd6] = BAD, [0xd8 ... 0xdf] = M,
	[0xe0 ... 0xe7] = I8, [0xe8 ... 0xe9] = I32, [0xea] = BAD,
	[0xeb] = I8,
	[0xf0] = PFX, [0xf2 ... 0xf3] = PFX, [0xf6] = M | G3 | I8,
	[0xf7] = M | G3 | IZ, [0xfe ... 0xff] = M,
};

/* The 0F map: a ModRM byte unless listed otherwise. */
static const uint16_t two_byte_other[256] = {
	[0x05 ... 0x09] = 1, [0x0b] = 1, [0x0e] = 1, [0x30 ... 0x37] = 1,
	[0x77] = 1, [0x80 ... 0x8f] = I32, [0xa0 ... 0xa2] = 1,
	[0xa8 ... 0xaa] = 1, [0xc8 ... 0xcf] = 1,
	[0x0f] = M | I8, [0x70 ... 0x73] = M | I8, [0xa4] = M | I8,
	[0xac] = M | I8, [0xba] = M | I8, [0xc2] = M | I8,
	[0xc4 ... 0xc6] = M | I8,
};

/* The 0F-map opcodes that carry an immediate byte in VEX and EVEX too. */
static bool vex_imm(unsigned int op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 ||
	       (op >= 0xc4 && op <= 0xc6);
}

static uint16_t two_byte(unsigned int op)
{
	uint16_t f = two_byte_other[op];

	if (!f)
		return M;
	return f == 1 ? 0 : f;
}

struct state {
	const uint8_t *p;
	size_t n;
	size_t pos;
	bool opsize;	/* 66 */
	bool addrsize;	/* 67 */
	bool rex_w;
};

static bool take(struct state *s, size_t k)
{
	if (s->pos + k > s->n || s->pos + k > SL_X86_MAX)
		return false;
	s->pos += k;
	return true;
}

/* ModRM, SIB and displacement; RIP_DISP gets a RIP-relative offset. */
static bool modrm(struct state *s, unsigned int *reg, bool *rip,
		  int32_t *rip_disp)
{
	unsigned int m, mod, rm;
	size_t disp = 0;

	if (s->pos >= s->n || !take(s, 1))
		return false;
	m = s->p[s->pos - 1];
	mod = m >> 6;
	rm = m & 7;
	*reg = (m >> 3) & 7;
	*rip = false;
	if (mod == 3)
		return true;
	if (rm == 4) {
		if (!take(s, 1))
			return false;
		if (mod == 0 && (s->p[s->pos - 1] & 7) == 5)
			disp = 4;
	}
	if (mod == 0 && rm == 5) {
		disp = 4;
		*rip = true;
	}
	if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	if (!take(s, disp))
		return false;
	if (*rip)
		memcpy(rip_disp, s->p + s->pos - 4, 4);
	return true;
}

static size_t imm_size(const struct state *s, uint16_t f, unsigned int reg)
{
	size_t k = 0;

	if ((f & G3) && reg > 1)
		return 0;
	if (f & I8)
		k += 1;
	if (f & I16)
		k += 2;
	if (f & I32)
		k += 4;
	if (f & IZ)
		k += s->opsize && !s->rex_w ? 2 : 4;
	if (f & IV)
		k += s->rex_w ? 8 : s->opsize ? 2 : 4;
	if (f & MO)
		k += s->addrsize ? 4 : 8;
	return k;
}

/* VEX (C4, C5) and EVEX (62): the map and the opcode, then ModRM. */
static uint16_t vex(struct state *s, unsigned int lead, unsigned int *op)
{
	size_t payload = lead == 0xc5 ? 1 : lead == 0xc4 ? 2 : 3;
	unsigned int map;

	if (!take(s, 1 + payload) || !take(s, 1))
		return BAD;
	*op = s->p[s->pos - 1];
	map = lead == 0xc5 ? 1 : lead == 0xc4 ? s->p[s->pos - 3] & 0x1f :
				 s->p[s->pos - 4] & 0x07;
	if (lead == 0xc4)
		s->rex_w = s->p[s->pos - 2] & 0x80;
	if (map == 3)
		return M | I8;
	if (map == 1 && vex_imm(*op))
		return M | I8;
	if (map == 1 && *op == 0x77 && lead != 0x62)
		return 0;	/* vzeroupper, vzeroall */
	return map >= 1 && map <= 7 ? M : BAD;
}

/* The opcode and its format, after the prefixes. */
static uint16_t opcode(struct state *s, unsigned int *op, unsigned int *map)
{
	unsigned int b = s->p[s->pos];

	*map = 0;
	if (b == 0xc4 || b == 0xc5 || b == 0x62) {
		*map = 4;
		return vex(s, b, op);
	}
	if (!take(s, 1))
		return BAD;
	*op = b;
	if (b != 0x0f)
		return one_byte[b];
	if (!take(s, 1))
		return BAD;
	*op = s->p[s->pos - 1];
	*map = 1;
	if (*op != 0x38 && *op != 0x3a)
		return two_byte(*op);
	*map = *op == 0x38 ? 2 : 3;
	if (!take(s, 1))
		return BAD;
	*op = s->p[s->pos - 1];
	return *map == 2 ? M : M | I8;
}

static void classify(unsigned int map, unsigned int op, unsigned int reg,
		     bool rip, int32_t disp, uint64_t vaddr, const struct state *s,
		     struct sl_insn *out)
{
	uint64_t next = vaddr + s->pos;
	int32_t rel32;

	if (map == 0 && (op == 0xe8 || op == 0xe9)) {
		memcpy(&rel32, s->p + s->pos - 4, 4);
		out->kind = op == 0xe8 ? SL_INSN_CALL : SL_INSN_JMP;
		out->target = next + (uint64_t)(int64_t)rel32;
	} else if (map == 0 && op == 0xeb) {
		out->kind = SL_INSN_JMP;
		out->target = next + (uint64_t)(int64_t)(int8_t)s->p[s->pos - 1];
	} else if (map == 0 && op == 0xff && (reg == 2 || reg == 4)) {
		out->kind = reg == 2 ? SL_INSN_CALL_IND : SL_INSN_JMP_IND;
		out->slot = rip ? next + (uint64_t)(int64_t)disp : 0;
	} else if ((map == 1 && op == 0x05) ||
		   (map == 0 && op == 0xcd && s->p[s->pos - 1] == 0x80)) {
		out->kind = SL_INSN_SYSCALL;
	}
}

unsigned int sl_x86_decode(const uint8_t *p, size_t n, uint64_t vaddr,
			   struct sl_insn *out)
{
	struct state s = { .p = p, .n = n };
	unsigned int op = 0, map, reg = 0;
	bool rip = false;
	int32_t disp = 0;
	uint16_t f;

	memset(out, 0, sizeof(*out));
	while (s.pos < n && (one_byte[p[s.pos]] & PFX)) {
		unsigned int b = p[s.pos];

		/* A REX prefix counts only right before the opcode. */
		s.rex_w = (b & 0xf0) == 0x40 && (b & 0x08);
		s.opsize |= b == 0x66;
		s.addrsize |= b == 0x67;
		if (!take(&s, 1))
			return 0;
	}
	if (s.pos >= n)
		return 0;
	f = opcode(&s, &op, &map);
	if (f & BAD)
		return 0;
	if ((f & M) && !modrm(&s, &reg, &rip, &disp))
		return 0;
	if (!take(&s, imm_size(&s, f, reg)))
		return 0;
	out->len = (unsigned int)s.pos;
	classify(map, op, reg, rip, disp, vaddr, &s, out);
	return out->len;
}

int sl_x86_calls_before(const uint8_t *buf, size_t n, uint64_t ret,
			struct sl_insn out[2])
{
	struct sl_insn in, ind = { 0 };
	int k = 0;

	if (n > SL_X86_MAX + 1) {
		buf += n - (SL_X86_MAX + 1);
		n = SL_X86_MAX + 1;
	}
	if (n >= 5 && buf[n - 5] == 0xe8 &&
	    sl_x86_decode(buf + n - 5, 5, ret - 5, &in) == 5 &&
	    in.kind == SL_INSN_CALL)
		out[k++] = in;
	/* FF /2 is 2 to 7 bytes with its ModRM forms, a few more with
	 * prefixes; a RIP-relative form names the pointer it goes through. */
	for (size_t len = 2; len <= n && len <= 9; len++) {
		if (sl_x86_decode(buf + n - len, len, ret - len, &in) != len ||
		    in.kind != SL_INSN_CALL_IND)
			continue;
		if (!ind.len || (in.slot && !ind.slot))
			ind = in;
	}
	if (ind.len)
		out[k++] = ind;
	return k;
}

bool sl_a64_call_before(uint32_t insn, uint64_t ret, struct sl_insn *out)
{
	uint64_t at = ret - 4;

	memset(out, 0, sizeof(*out));
	out->len = 4;
	if ((insn & 0xfc000000u) == 0x94000000u) {	/* BL imm26 */
		int64_t imm = (int32_t)((insn & 0x03ffffffu) << 6) >> 6;

		out->kind = SL_INSN_CALL;
		out->target = at + (uint64_t)(imm * 4);
		return true;
	}
	/* BLR Xn; BLRAA, BLRAAZ, BLRAB, BLRABZ (pointer authentication). */
	if ((insn & 0xfffffc1fu) == 0xd63f0000u ||
	    (insn & 0xfefff800u) == 0xd63f0800u) {
		out->kind = SL_INSN_CALL_IND;
		return true;
	}
	return false;
}

bool sl_a64_is_svc(uint32_t insn)
{
	return insn == 0xd4000001u;
}

uint64_t sl_x86_plt_slot(const uint8_t *p, size_t n, uint64_t vaddr)
{
	size_t off = 0;

	/* endbr64, then (bnd) jmp *slot(%rip); lazy stubs start with it. */
	for (int i = 0; i < 2 && off < n; i++) {
		struct sl_insn in;
		unsigned int len = sl_x86_decode(p + off, n - off, vaddr + off,
						 &in);

		if (!len)
			return 0;
		if (in.kind == SL_INSN_JMP_IND)
			return in.slot;
		if (len != 4 || memcmp(p + off, "\xf3\x0f\x1e\xfa", 4))
			return 0;
		off += len;
	}
	return 0;
}

static uint32_t a64_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t sl_a64_plt_slot(const uint8_t *p, size_t n, uint64_t vaddr)
{
	for (size_t off = 0; off + 8 <= n && off <= 8; off += 4) {
		uint32_t adrp = a64_at(p + off), ldr = a64_at(p + off + 4);
		int64_t page;

		/* adrp x16, PAGE; ldr x17, [x16, #OFF] */
		if ((adrp & 0x9f00001fu) != 0x90000010u ||
		    (ldr & 0xffc003ffu) != 0xf9400211u)
			continue;
		/* immhi:immlo, 21 bits signed, counts 4 KiB pages. */
		page = (int64_t)((uint64_t)((((adrp >> 5) & 0x7ffffu) << 2) |
					    ((adrp >> 29) & 3u)) << 43) >> 31;
		return ((vaddr + off) & ~0xfffull) + (uint64_t)page +
		       ((ldr >> 10) & 0xfffu) * 8;
	}
	return 0;
}
