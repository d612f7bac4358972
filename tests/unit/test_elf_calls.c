/*
 * Unit tests of what the viewer reads from a module's code
 * (viewer/elf/: elf_calls.c, elf_escape.c, and their use in symbols.c), on
 * programs the system compiler builds here:
 *  - samples/tail_call.c in four code models (plain PLT; IBT, whose
 *    stubs are in .plt.sec; -fno-plt, calling through GOT slots; -O0):
 *    make_socket really ends in a jump to socket, and the call before
 *    each return address in main names make_socket, an import, or
 *    nothing (an indirect call, a wrapped function);
 *  - the same made for arm64 by clang and lld, where they are here;
 *  - a program with a raw syscall instruction, with the same two bytes
 *    inside another instruction, and in a data table kept in .text; the
 *    same with ASan, whose runtime's own system calls do not count;
 *  - the name a program was run as, through a link to it.
 */
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "elf/elf.h"

static char dir[64];

static char *path(const char *name)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sl-calls-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return elf_version(EV_CURRENT) == EV_NONE;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0;
}

/* A function's address and size from .symtab; false if absent. */
static bool func(const char *file, const char *name, uint64_t *addr,
		 uint64_t *size)
{
	int fd = open(file, O_RDONLY);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;

	while (e && !found && (scn = elf_nextscn(e, scn))) {
		Elf_Data *d = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !d)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(d, (int)i, &s))
				continue;
			n = elf_strptr(e, sh.sh_link, s.st_name);
			if (n && !strcmp(n, name) && s.st_value) {
				*addr = s.st_value;
				*size = s.st_size;
				found = true;
				break;
			}
		}
	}
	elf_end(e);
	close(fd);
	return found;
}

/* The bytes at VADDR of FILE, through its section headers. */
static bool code_at(const char *file, uint64_t vaddr, uint8_t *buf, size_t n)
{
	int fd = open(file, O_RDONLY);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool ok = false;

	while (e && (scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_PROGBITS &&
		    vaddr >= sh.sh_addr && vaddr + n <= sh.sh_addr + sh.sh_size) {
			ok = pread(fd, buf, n, (off_t)(sh.sh_offset + vaddr -
						       sh.sh_addr)) == (ssize_t)n;
			break;
		}
	elf_end(e);
	close(fd);
	return ok;
}

#define MAX_CALLS 64
struct site {
	struct sl_insn in;
	uint64_t ret;	/* the address after it */
};

/* The instructions of function NAME that call or jump, in order. */
static int branches(const char *file, const char *name, struct site *out)
{
	uint64_t addr, size;
	uint8_t buf[4096];
	int n = 0;

	if (!func(file, name, &addr, &size) || size > sizeof(buf) ||
	    !code_at(file, addr, buf, size))
		fail_msg("%s: no function %s", file, name);
	for (uint64_t pos = 0; pos < size;) {
		struct sl_insn in;
		unsigned int len = sl_x86_decode(buf + pos, size - pos, addr + pos,
						 &in);

		if (!len)
			fail_msg("%s: %s+0x%llx does not decode", file, name,
				 (unsigned long long)pos);
		pos += len;
		if (in.kind != SL_INSN_OTHER && in.kind != SL_INSN_SYSCALL &&
		    n < MAX_CALLS)
			out[n++] = (struct site){ in, addr + pos };
	}
	return n;
}

/* FLAGS builds samples/tail_call.c into NAME; false if this compiler
 * cannot build that model. */
static bool build_sample(const char *name, const char *flags)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cc -std=c11 -D_GNU_SOURCE -g %s -o %s "
		 "samples/tail_call.c 2>/dev/null", flags, path(name));
	return system(cmd) == 0;
}

static void check_tail_calls(const char *file, bool no_plt)
{
	struct sl_symcache *c = sl_symcache_new();
	struct site s[MAX_CALLS];
	uint64_t make_socket, plain_socket, size;
	int n, named = 0, indirect = 0, puts_seen = 0, wrapped = 0;

	assert_true(func(file, "make_socket", &make_socket, &size));
	assert_true(func(file, "plain_socket", &plain_socket, &size));
	/* make_socket's last instruction jumps to socket: a tail call. */
	n = branches(file, "make_socket", s);
	assert_true(n >= 1);
	if (s[n - 1].in.kind != (no_plt ? SL_INSN_JMP_IND : SL_INSN_JMP))
		fail_msg("%s: make_socket does not end in a jump (a tail "
			 "call); the test means nothing", file);
	/* Each call in main, and what a socket made there is credited to. */
	n = branches(file, "main", s);
	for (int i = 0; i < n; i++) {
		const char *callee;

		if (s[i].in.kind != SL_INSN_CALL && s[i].in.kind != SL_INSN_CALL_IND)
			continue;
		callee = sl_sym_tail_callee(c, file, s[i].ret);
		if (s[i].in.kind == SL_INSN_CALL &&
		    s[i].in.target == make_socket) {
			assert_non_null(callee);
			assert_string_equal(callee, "make_socket");
			named++;
		} else if (s[i].in.kind == SL_INSN_CALL &&
			   s[i].in.target == plain_socket) {
			assert_string_equal(callee, "plain_socket");
		} else if (s[i].in.kind == SL_INSN_CALL_IND && !s[i].in.slot) {
			assert_null(callee);	/* through make_indirect */
			indirect++;
		} else if (!callee) {
			wrapped++;	/* close */
		} else {
			puts_seen += !strcmp(callee, "puts");
		}
	}
	assert_int_equal(named, 1);
	assert_int_equal(indirect, 1);
	assert_true(wrapped >= 3);
	assert_true(puts_seen >= 1);
	/* plain_socket's call of socket is the recorded call itself. */
	n = branches(file, "plain_socket", s);
	assert_true(n >= 1 && (s[0].in.kind == SL_INSN_CALL ||
			       s[0].in.kind == SL_INSN_CALL_IND));
	assert_null(sl_sym_tail_callee(c, file, s[0].ret));
	/* Return addresses that are no code, or no file. */
	assert_null(sl_sym_tail_callee(c, file, 0));
	assert_null(sl_sym_tail_callee(c, file, 1));
	assert_null(sl_sym_tail_callee(c, file, UINT64_MAX));
	assert_null(sl_sym_tail_callee(c, path("nope"), 0x1000));
	sl_symcache_free(c);
}

static void test_tail_call_sample(void **state)
{
	const char *build = getenv("SL_BUILD") ? getenv("SL_BUILD") : "build";
	char made[512];

	(void)state;
	if (access("samples/tail_call.c", R_OK))
		skip();	/* run from elsewhere than the source tree */
	/* The sample as the Makefile builds it, when it is there. */
	snprintf(made, sizeof(made), "%s/samples/tail_call", build);
	if (!access(made, R_OK))
		check_tail_calls(made, false);
	assert_true(build_sample("tc-o2", "-O2"));
	check_tail_calls(path("tc-o2"), false);
	assert_true(build_sample("tc-o0", "-O0"));
	check_tail_calls(path("tc-o0"), false);
	if (build_sample("tc-ibt", "-O2 -fcf-protection=full -Wl,-z,ibtplt"))
		check_tail_calls(path("tc-ibt"), false);
	assert_true(build_sample("tc-noplt", "-O2 -fno-plt"));
	check_tail_calls(path("tc-noplt"), true);
}

static const char a64_src[] =
	"int socket(int, int, int);\n"
	"int puts(const char *);\n"
	"#define LOCAL __attribute__((noinline, visibility(\"hidden\")))\n"
	"LOCAL int make_socket(int t) { return socket(2, t, 0); }\n"
	"LOCAL int plain(void) { int fd = socket(2, 1, 0); return fd < 0 ? -1 : fd + 1; }\n"
	"int entry(void) { int a = make_socket(1), b = plain(); puts(\"x\"); return a + b; }\n"
	"long raw_svc(long fd) {\n"
	"	register long x8 __asm__(\"x8\") = 57, x0 __asm__(\"x0\") = fd;\n"
	"	__asm__ volatile(\"svc #0\" : \"+r\"(x0) : \"r\"(x8) : \"memory\");\n"
	"	return x0;\n"
	"}\n";

/* The calls (BL) of an arm64 function, with their return addresses. */
static int a64_calls(const char *file, const char *name, struct site *out)
{
	uint64_t addr, size;
	uint8_t buf[1024];
	int n = 0;

	if (!func(file, name, &addr, &size) || size > sizeof(buf) ||
	    !code_at(file, addr, buf, size))
		fail_msg("%s: no function %s", file, name);
	for (uint64_t pos = 0; pos + 4 <= size && n < MAX_CALLS; pos += 4) {
		uint32_t w = (uint32_t)buf[pos] | (uint32_t)buf[pos + 1] << 8 |
			     (uint32_t)buf[pos + 2] << 16 |
			     (uint32_t)buf[pos + 3] << 24;
		struct sl_insn in;

		if (sl_a64_call_before(w, addr + pos + 4, &in))
			out[n++] = (struct site){ in, addr + pos + 4 };
	}
	return n;
}

/* arm64: BL to a local function that ends in `b socket`; BL through
 * the PLT (adrp/ldr stubs) to socket and to puts; svc #0 found. */
static void test_a64_tail_call(void **state)
{
	struct sl_symcache *c = sl_symcache_new();
	struct site s[MAX_CALLS];
	struct sl_escape e;
	char cmd[512];
	FILE *f = fopen(path("a64.c"), "w");
	uint64_t make_socket, size;
	int n;

	(void)state;
	assert_non_null(f);
	fputs(a64_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target aarch64-linux-gnu -O2 -fPIC "
		 "-nostdlib -shared -fuse-ld=lld -o %s %s 2>/dev/null",
		 path("a64.so"), path("a64.c"));
	if (system(cmd) != 0)
		skip();	/* no clang with lld to make arm64 code */
	assert_true(func(path("a64.so"), "make_socket", &make_socket, &size));
	n = a64_calls(path("a64.so"), "entry", s);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].in.target, make_socket);
	assert_string_equal(sl_sym_tail_callee(c, path("a64.so"), s[0].ret),
			    "make_socket");
	assert_string_equal(sl_sym_tail_callee(c, path("a64.so"), s[1].ret),
			    "plain");
	assert_string_equal(sl_sym_tail_callee(c, path("a64.so"), s[2].ret),
			    "puts");
	n = a64_calls(path("a64.so"), "plain", s);
	assert_int_equal(n, 1);
	assert_null(sl_sym_tail_callee(c, path("a64.so"), s[0].ret));
	/* A return address that is not 4-byte aligned is no arm64 one. */
	assert_null(sl_sym_tail_callee(c, path("a64.so"), s[0].ret + 1));
	sl_symcache_free(c);
	assert_int_equal(sl_elf_scan_syscalls(path("a64.so"), &e), 0);
	assert_int_equal(e.nsyscalls, 1);
	assert_string_equal(e.where[0], "raw_svc");
}

static const char raw_prog[] =
	"#include <sys/syscall.h>\n"
	"__attribute__((noinline)) long raw_close(long fd) {\n"
	"	long r;\n"
	"	__asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(SYS_close), \"D\"(fd)\n"
	"			 : \"rcx\", \"r11\", \"memory\");\n"
	"	return r;\n"
	"}\n"
	"int main(void) { return raw_close(-1) != -9; }\n";

/* The bytes 0F 05 inside an immediate, and a table of them in .text
 * that a symbol calls data. */
static const char lookalike_prog[] =
	"__attribute__((noinline)) int imm(void) {\n"
	"	int r;\n"
	"	__asm__ volatile(\"mov $0x050f050f, %0\" : \"=r\"(r));\n"
	"	return r;\n"
	"}\n"
	"__asm__(\".text\\n.type table,@object\\ntable:\\n"
	".fill 64,2,0x050f\\n.size table,128\\n.previous\\n\");\n"
	"int main(void) { return imm() == 0; }\n";

static bool build_c(const char *name, const char *src, const char *flags)
{
	char cmd[512];
	FILE *f = fopen(path("src.c"), "w");

	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc %s -o %s %s 2>/dev/null", flags,
		 path(name), path("src.c"));
	return system(cmd) == 0;
}

static void test_syscall_scan(void **state)
{
	struct sl_escape e;
	struct sl_elf_info in;
	struct sl_risks r;

	(void)state;
	assert_true(build_c("raw", raw_prog, "-O2"));
	assert_int_equal(sl_elf_scan_syscalls(path("raw"), &e), 0);
	assert_int_equal(e.nsyscalls, 1);
	assert_int_equal(e.nwhere, 1);
	assert_string_equal(e.where[0], "raw_close");
	/* Stripped: found, not named. */
	assert_true(build_c("raw-s", raw_prog, "-O2 -s"));
	assert_int_equal(sl_elf_scan_syscalls(path("raw-s"), &e), 0);
	assert_int_equal(e.nsyscalls, 1);
	assert_int_equal(e.nwhere, 0);
	/* What run and inspect say of it. */
	assert_int_equal(sl_elf_inspect(path("raw"), &in), 0);
	sl_prog_risks(&in, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.line[0], "raw makes system calls itself "
				"(1 syscall instruction, in raw_close)"));
	sl_elf_info_free(&in);
	/* The same bytes, but no instruction. */
	assert_true(build_c("lookalike", lookalike_prog, "-O2"));
	assert_int_equal(sl_elf_scan_syscalls(path("lookalike"), &e), 0);
	assert_int_equal(e.nsyscalls, 0);
	/* A sanitizer runtime's own system calls are not the program's. */
	if (build_c("raw-asan", raw_prog, "-O1 -fsanitize=address")) {
		struct sl_deps d;

		assert_int_equal(sl_elf_inspect(path("raw-asan"), &in), 0);
		assert_int_equal(sl_deps_walk(&in, &d), 0);
		sl_prog_risks(&in, &d, &r);
		assert_int_equal(r.n, 1);
		assert_non_null(strstr(r.line[0], "raw-asan makes system calls"));
		sl_deps_free(&d);
		sl_elf_info_free(&in);
	}
	/* Not a file, not ELF. */
	assert_int_equal(sl_elf_scan_syscalls(path("nope"), &e), -1);
	assert_int_equal(sl_elf_scan_syscalls(path("src.c"), &e), -1);
}

/* Run through a link (as redis-server is a link to redis-check-rdb):
 * named as run when argv[0] is that file, else by the file itself. */
static void test_run_name(void **state)
{
	struct sl_symcache *c = sl_symcache_new();
	char cmd[512], *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char newpath[512];
	const char *real;

	(void)state;
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && printf x > %s && "
		 "ln -s real %s && printf y > %s", path("bin"), path("bin/real"),
		 path("bin/link"), path("other"));
	assert_int_equal(system(cmd), 0);
	real = path("bin/real");
	/* A bare name beside the file, a path to it, and the file's own. */
	assert_string_equal(sl_sym_run_name(c, real, "link"), path("bin/link"));
	assert_string_equal(sl_sym_run_name(c, real, path("bin/link")),
			    path("bin/link"));
	assert_string_equal(sl_sym_run_name(c, real, "real"), real);
	/* Names that are not the file: kept as the file. */
	assert_string_equal(sl_sym_run_name(c, real, path("other")), real);
	assert_string_equal(sl_sym_run_name(c, real, "-bash"), real);
	assert_string_equal(sl_sym_run_name(c, real, ""), real);
	assert_string_equal(sl_sym_run_name(c, path("gone"), "link"),
			    path("gone"));
	/* A bare name found on PATH, elsewhere than the file. */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && ln -s %s %s", path("path"),
		 real, path("path/alias"));
	assert_int_equal(system(cmd), 0);
	snprintf(newpath, sizeof(newpath), "%s:%s", path("path"),
		 old ? old : "/usr/bin");
	setenv("PATH", newpath, 1);
	assert_string_equal(sl_sym_run_name(c, real, "alias"), path("path/alias"));
	/* Kept: asked again, the same answer without looking. */
	assert_ptr_equal(sl_sym_run_name(c, real, "alias"),
			 sl_sym_run_name(c, real, "alias"));
	if (old)
		setenv("PATH", old, 1);
	free(old);
	sl_symcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_call_sample),
		cmocka_unit_test(test_a64_tail_call),
		cmocka_unit_test(test_syscall_scan),
		cmocka_unit_test(test_run_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
