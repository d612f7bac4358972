/*
 * Unit tests of the ELF code (viewer/elf.c, symbols.c) on files the test
 * builds itself with the system compiler: a dynamic and a -static build,
 * stripped and not, a setuid copy, a truncated file, a file that is not
 * ELF, and a 32-bit object where the compiler can make one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfinfo.h"

static char dir[64];

static const char prog[] =
	"#include <sys/socket.h>\n#include <unistd.h>\n"
	"__attribute__((noinline)) int make_socket(void)"
	" { return socket(AF_INET, SOCK_STREAM, 0); }\n"
	"int main(void) { int fd = make_socket(); close(fd);"
	" return syscall(39) < 0; }\n";

static char *path(const char *name)
{
	static char buf[8][128];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int build(const char *out, const char *flags)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cc %s -o %s %s 2>/dev/null", flags, path(out),
		 path("p.c"));
	return system(cmd);
}

static int setup(void **state)
{
	FILE *f;

	(void)state;
	strcpy(dir, "/tmp/sl-elf-XXXXXX");
	assert_non_null(mkdtemp(dir));
	f = fopen(path("p.c"), "w");
	fputs(prog, f);
	fclose(f);
	assert_int_equal(build("dyn", "-g -O1"), 0);
	assert_int_equal(build("stripped", "-O1 -s"), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0;
}

static bool imports(const struct sl_elf_info *in, const char *name)
{
	for (uint32_t i = 0; i < in->nsocket_imports; i++)
		if (!strncmp(in->socket_imports[i], name, strlen(name)) &&
		    in->socket_imports[i][strlen(name)] == ' ')
			return true;
	return false;
}

static void test_dynamic_program(void **state)
{
	struct sl_elf_info in;

	(void)state;
	assert_int_equal(sl_elf_inspect(path("dyn"), &in), 0);
	assert_true(in.is_elf);
	assert_true(in.has_interp && in.dynamic);
	assert_int_equal(in.elf_class, 64);
	assert_false(in.stripped);
	assert_true(imports(&in, "socket"));
	assert_true(in.imports_syscall);
	assert_null(sl_elf_untraceable(&in));
	assert_true(in.nneeded >= 1);
	sl_elf_info_free(&in);
}

static void test_stripped_program(void **state)
{
	struct sl_elf_info in;

	(void)state;
	assert_int_equal(sl_elf_inspect(path("stripped"), &in), 0);
	assert_true(in.stripped);
	assert_true(imports(&in, "socket"));
	sl_elf_info_free(&in);
}

static void test_static_program(void **state)
{
	struct sl_elf_info in;

	(void)state;
	if (build("static", "-static -O1") != 0)
		skip();
	assert_int_equal(sl_elf_inspect(path("static"), &in), 0);
	assert_false(in.has_interp);
	assert_non_null(strstr(sl_elf_untraceable(&in), "statically linked"));
	assert_int_equal(in.nsocket_imports, 0);
	sl_elf_info_free(&in);
}

static void test_setuid_copy(void **state)
{
	struct sl_elf_info in;
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod u+s %s", path("dyn"),
		 path("suid"), path("suid"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sl_elf_inspect(path("suid"), &in), 0);
	assert_true(in.setuid);
	assert_non_null(strstr(sl_elf_untraceable(&in), "setuid"));
	sl_elf_info_free(&in);
}

static void test_truncated_and_not_elf(void **state)
{
	struct sl_elf_info in;
	char cmd[256];
	FILE *f;

	(void)state;
	snprintf(cmd, sizeof(cmd), "head -c 200 %s > %s", path("dyn"),
		 path("trunc"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sl_elf_inspect(path("trunc"), &in), -1);
	assert_non_null(strstr(in.err, "truncated"));
	sl_elf_info_free(&in);
	assert_int_equal(sl_elf_inspect(path("p.c"), &in), -1);
	assert_string_equal(in.err, "not an ELF file");
	sl_elf_info_free(&in);
	/* An ELF header that lies about its tables. */
	f = fopen(path("liar"), "wb");
	fwrite("\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0\76\0\1\0\0\0", 1, 24, f);
	for (int i = 0; i < 40; i++)
		fputc(0xff, f);
	fclose(f);
	assert_int_equal(sl_elf_inspect(path("liar"), &in), -1);
	sl_elf_info_free(&in);
	assert_int_equal(sl_elf_inspect(path("nope"), &in), -1);
	sl_elf_info_free(&in);
}

/* A 32-bit object needs no 32-bit libraries, only the compiler. */
static void test_32bit_object(void **state)
{
	struct sl_elf_info in;
	char cmd[256];
	FILE *f = fopen(path("f.c"), "w");

	(void)state;
	fputs("int f(int x) { return x + 1; }\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -m32 -c -o %s %s 2>/dev/null", path("f32.o"),
		 path("f.c"));
	if (system(cmd) != 0)
		skip();	/* this compiler cannot make 32-bit code */
	assert_int_equal(sl_elf_inspect(path("f32.o"), &in), 0);
	assert_int_equal(in.elf_class, 32);
	assert_string_equal(sl_elf_untraceable(&in), "not an executable");
	sl_elf_info_free(&in);
}

static void test_symbols(void **state)
{
	struct sl_symcache *c = sl_symcache_new();
	struct sl_elf_info in;
	uint64_t off = 0, addr = 0;
	char cmd[256], line[128];
	const char *name;
	FILE *p;

	(void)state;
	snprintf(cmd, sizeof(cmd), "nm %s | grep ' make_socket$'", path("dyn"));
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p))
		skip();
	pclose(p);
	addr = strtoull(line, NULL, 16);
	name = sl_sym_lookup(c, path("dyn"), addr + 3, &off);
	assert_non_null(name);
	assert_string_equal(name, "make_socket");
	assert_int_equal(off, 3);
	/* Stripped: only .dynsym, which has no make_socket. */
	name = sl_sym_lookup(c, path("stripped"), addr + 3, &off);
	assert_true(!name || strcmp(name, "make_socket"));
	assert_null(sl_sym_lookup(c, path("nope"), addr, &off));
	(void)in;
	sl_symcache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic_program),
		cmocka_unit_test(test_stripped_program),
		cmocka_unit_test(test_static_program),
		cmocka_unit_test(test_setuid_copy),
		cmocka_unit_test(test_truncated_and_not_elf),
		cmocka_unit_test(test_32bit_object),
		cmocka_unit_test(test_symbols),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
