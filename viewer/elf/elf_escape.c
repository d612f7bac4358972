/*
 * Whether a module's own code enters the kernel with the `syscall`
 * instruction (or `int $0x80`, or arm64's `svc #0`) instead of through
 * libc, where the preload cannot see it. The C library does so by design
 * and is not scanned (sl_elf_info.glibc); any other module that does can
 * make socket calls that no trace will show: Go's runtime, hand-written
 * system call stubs, liburing.
 *
 * Searching the bytes is cheap (memchr over the executable sections);
 * each place where 0F 05 or CD 80 appears is then decoded (insn.c) from
 * the start of its function, or a little before when the module has no
 * symbols, and counts only when it is an instruction there, in a run of
 * well-formed ones: the same two bytes occur inside other instructions
 * and in the constant tables that hand-written assembly keeps in its
 * text (those are skipped by their symbols where they have some).
 *
 * The sanitizer runtimes (ASan, TSan, UBSan... in libasan.so and the
 * like, or linked into the program) make system calls of their own for
 * their bookkeeping (signal masks, their logs, /proc/self/maps), while
 * the program's own calls still go through libc (their interceptors call
 * the real functions): a system call instruction in one of their
 * functions is no way around the preload for the program, and is not
 * counted.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elf/elf.h"

/* How far back decoding starts without a function start, and how many
 * well-formed instructions must come before and after. */
#define LEAD_BYTES 128
#define CLEAN_BEFORE 16
#define CLEAN_AFTER 8
#define MAX_FUNC_WALK 65536

struct scan {
	const char *path;
	struct sl_symcache *syms;	/* loaded at the first candidate */
	struct sl_escape *out;
};

/* Whether FN (a symbol, mangled or not) belongs to a sanitizer runtime. */
static bool sanitizer(const char *fn)
{
	static const char *const spaces[] = {
		"__sanitizer", "__interception", "__interceptor", "__asan",
		"__tsan", "__lsan", "__ubsan", "__msan", "__hwasan", "__dsan",
	};

	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++)
		if (strstr(fn, spaces[i]))
			return true;
	return false;
}

static void note(struct scan *sc, uint64_t vaddr)
{
	struct sl_escape *o = sc->out;
	const char *fn;
	uint64_t off;

	fn = sl_sym_lookup(sc->syms, sc->path, vaddr, &off);
	if (fn && sanitizer(fn))
		return;
	o->nsyscalls++;
	if (!fn || o->nwhere == SL_ESCAPE_WHERE)
		return;
	for (unsigned int i = 0; i < o->nwhere; i++)
		if (!strcmp(o->where[i], fn))
			return;
	snprintf(o->where[o->nwhere++], sizeof(o->where[0]), "%s", fn);
}

/* Whether the instruction at offset AT of the section P (N bytes at
 * ADDR) is a system call amid well-formed code, decoding from POS with
 * CLEAN instructions known good before it. */
static bool x86_real_from(const uint8_t *p, size_t n, uint64_t addr,
			  size_t at, size_t pos, unsigned int clean)
{
	struct sl_insn in;

	while (pos < at) {
		unsigned int len = sl_x86_decode(p + pos, n - pos, addr + pos, &in);

		if (!len) {
			clean = 0;
			pos++;
			continue;
		}
		clean++;
		pos += len;
	}
	if (pos != at || clean < CLEAN_BEFORE ||
	    !sl_x86_decode(p + pos, n - pos, addr + pos, &in) ||
	    in.kind != SL_INSN_SYSCALL)
		return false;
	pos += in.len;
	for (int i = 0; i < CLEAN_AFTER && pos < n; i++) {
		unsigned int len = sl_x86_decode(p + pos, n - pos, addr + pos, &in);

		if (!len)
			return false;
		pos += len;
	}
	return true;
}

/*
 * Whether the bytes at AT are a system call: first decoding from a
 * little before, which needs no symbols and rules out most chance
 * bytes; then, with the module's symbols, not in a data object, and
 * decoded from the start of its function when it has one.
 */
static bool x86_real(struct scan *sc, const uint8_t *p, size_t n,
		     uint64_t addr, size_t at)
{
	uint64_t off;

	if (!x86_real_from(p, n, addr, at, at > LEAD_BYTES ? at - LEAD_BYTES : 0,
			   0))
		return false;
	if (!sc->syms && !(sc->syms = sl_symcache_new()))
		return false;
	if (sl_sym_is_data(sc->syms, sc->path, addr + at))
		return false;
	if (sl_sym_lookup(sc->syms, sc->path, addr + at, &off) && off <= at &&
	    off <= MAX_FUNC_WALK)
		return x86_real_from(p, n, addr, at, at - off, CLEAN_BEFORE);
	return true;
}

/* 0x80 in each byte of X that is zero. */
static uint64_t zero_bytes(uint64_t x)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((x & low7) + low7) | x | low7);
}

/*
 * Where the two bytes A B occur, eight positions at a time (memmem is
 * slow on a two-byte needle, and this runs over every library's code
 * before each `run`): a bit in the byte of each position i where p[i]
 * is A and p[i + 1] is B.
 */
static uint64_t pairs_at(const uint8_t *p, uint8_t a, uint8_t b)
{
	uint64_t w0, w1;

	memcpy(&w0, p, 8);
	memcpy(&w1, p + 1, 8);
	return zero_bytes(w0 ^ (0x0101010101010101ull * a)) &
	       zero_bytes(w1 ^ (0x0101010101010101ull * b));
}

static void scan_x86(struct scan *sc, const uint8_t *p, size_t n,
		     uint64_t addr)
{
	static const uint8_t pat[2][2] = { { 0x0f, 0x05 }, { 0xcd, 0x80 } };
	size_t at = 0;

	for (; at + 9 <= n; at += 8) {
		for (int k = 0; k < 2; k++) {
			uint64_t m = pairs_at(p + at, pat[k][0], pat[k][1]);

			for (; m; m &= m - 1) {
				size_t i = at + (size_t)__builtin_ctzll(m) / 8;

				if (x86_real(sc, p, n, addr, i))
					note(sc, addr + i);
			}
		}
	}
	for (; at + 1 < n; at++)
		for (int k = 0; k < 2; k++)
			if (p[at] == pat[k][0] && p[at + 1] == pat[k][1] &&
			    x86_real(sc, p, n, addr, at))
				note(sc, addr + at);
}

static void scan_a64(struct scan *sc, const uint8_t *p, size_t n,
		     uint64_t addr)
{
	for (size_t at = (4 - (addr & 3)) & 3; at + 4 <= n; at += 4) {
		uint32_t w = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 |
			     (uint32_t)p[at + 2] << 16 | (uint32_t)p[at + 3] << 24;

		if (!sl_a64_is_svc(w))
			continue;
		if (!sc->syms && !(sc->syms = sl_symcache_new()))
			return;
		if (!sl_sym_is_data(sc->syms, sc->path, addr + at))
			note(sc, addr + at);
	}
}

int sl_elf_scan_syscalls(const char *path, struct sl_escape *out)
{
	struct scan sc = { .path = path, .out = out };
	int fd = sl_elf_open(path);
	Elf *e = fd >= 0 && elf_version(EV_CURRENT) != EV_NONE ?
		 elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		goto out;
	ret = 0;
	while ((scn = elf_nextscn(e, scn)) && gelf_getshdr(scn, &sh)) {
		Elf_Data *d;

		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(d = elf_getdata(scn, NULL)) || !d->d_buf ||
		    d->d_size != sh.sh_size)
			continue;
		if (eh.e_machine == EM_X86_64)
			scan_x86(&sc, d->d_buf, d->d_size, sh.sh_addr);
		else if (eh.e_machine == EM_AARCH64)
			scan_a64(&sc, d->d_buf, d->d_size, sh.sh_addr);
	}
out:
	sl_symcache_free(sc.syms);
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return ret;
}
