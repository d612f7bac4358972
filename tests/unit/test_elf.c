/*
 * Unit tests of the ELF code (viewer/elf/: elf.c, elf_prog.c, symbols.c) on
 * files the test builds itself with the system compiler: a dynamic and a
 * -static build, stripped and not, setuid and setgid copies, a truncated
 * file, a file that is not ELF, and a 32-bit object where the compiler
 * can make one; #! scripts and PATH; the libraries a program loads and
 * where it can reach the kernel around the preload.
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

#include "elf/elf.h"

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

/* The verdict on a copy of the program that CMD (with %s for the copy,
 * three times) prepares: NULL if traceable. */
static const char *verdict(const char *name, const char *cmd_fmt,
			   struct sl_elf_info *in)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), cmd_fmt, path("dyn"), path(name), path(name),
		 path(name));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sl_elf_inspect(path(name), in), 0);
	return sl_elf_untraceable(in);
}

/*
 * Secure mode comes from who runs it: setuid to the user who runs it is
 * no change of uid, and the preload works (root running a setuid-root
 * program); setuid to another user is.
 */
static void test_setuid_copy(void **state)
{
	struct sl_elf_info in;
	const char *why;
	char want[64];

	(void)state;
	why = verdict("suid", "cp %s %s && chmod u+s %s", &in);
	assert_true(in.setuid);
	if (in.nosuid)
		skip();	/* the bits do nothing here */
	assert_null(why);
	snprintf(want, sizeof(want), "setuid to uid %u, which you are",
		 (unsigned)getuid());
	assert_non_null(strstr(in.privilege, want));
	sl_elf_info_free(&in);
	if (getuid() != 0)
		return;	/* giving a file away takes root */
	why = verdict("suid-nobody", "cp %s %s && chown 65534 %s && chmod u+s %s",
		      &in);
	assert_non_null(why);
	assert_non_null(strstr(why, "setuid to uid 65534 and you are uid 0"));
	assert_non_null(strstr(why, "AT_SECURE"));
	sl_elf_info_free(&in);
	why = verdict("sgid-nobody", "cp %s %s && chgrp 65534 %s && chmod g+s %s",
		      &in);
	assert_true(in.setgid);
	assert_non_null(why);
	assert_non_null(strstr(why, "setgid to gid 65534"));
	sl_elf_info_free(&in);
	/* File capabilities do not put root in secure mode. */
	if (system("command -v setcap >/dev/null 2>&1") == 0) {
		why = verdict("caps", "cp %s %s && setcap cap_net_raw+ep %s "
			      "2>/dev/null; true %s", &in);
		if (in.caps) {
			assert_null(why);
			assert_non_null(strstr(in.privilege, "capabilities"));
		}
		sl_elf_info_free(&in);
	}
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
	/* A FIFO (a trace can name anything) is refused, not waited on. */
	assert_int_equal(mkfifo(path("fifo"), 0600), 0);
	assert_int_equal(sl_elf_inspect(path("fifo"), &in), -1);
	assert_string_equal(in.err, "not a regular file");
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
	if (mkfifo(path("fifo2"), 0600) == 0) {
		assert_null(sl_sym_lookup(c, path("fifo2"), addr, &off));
		assert_null(sl_sym_tail_callee(c, path("fifo2"), addr));
	}
	(void)in;
	sl_symcache_free(c);
}

/* Every function the preload exports is one the caller naming knows as
 * wrapped: a call to it is the recorded call, never a tail call. */
static void test_wrapped_names_cover_preload(void **state)
{
	const char *build = getenv("SL_BUILD") ? getenv("SL_BUILD") : "build";
	char cmd[512], line[256];
	int n = 0;
	FILE *p;

	(void)state;
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s/libsocklens.so "
		 "2>/dev/null", build);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		char type, name[200];

		if (sscanf(line, "%*s %c %199s", &type, name) != 2 ||
		    (type != 'T' && type != 'W'))
			continue;
		n++;
		if (!sl_elf_wrapped_name(name))
			fail_msg("the preload wraps %s, the viewer's lists "
				 "(from calls.def) do not know it", name);
	}
	if (p)
		pclose(p);
	if (!n)
		skip();	/* no preload built yet */
	assert_true(sl_elf_wrapped_name("epoll_pwait2"));
	assert_true(sl_elf_wrapped_name("sendfile64"));
	assert_false(sl_elf_wrapped_name("make_socket"));
}

static void write_file(const char *name, const char *text, int mode)
{
	FILE *f = fopen(path(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path(name), (mode_t)mode);
}

/* A name on PATH, #! to an interpreter, #!/usr/bin/env NAME, a script
 * run by a script, a loop of them. */
static void test_prog_find(void **state)
{
	struct sl_prog *pg = malloc(sizeof(*pg));
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char text[256], newpath[512], sh[PATH_MAX];

	(void)state;
	assert_non_null(pg);
	assert_true(sl_prog_on_path("sh", sh, sizeof(sh)));
	write_file("s1", "#!/bin/sh\necho hi\n", 0755);
	write_file("s2", "#! /usr/bin/env sh\necho hi\n", 0755);
	snprintf(text, sizeof(text), "#!%s -x\n", path("s1"));
	write_file("s3", text, 0755);
	snprintf(text, sizeof(text), "#!%s\n", path("loop"));
	write_file("loop", text, 0755);

	assert_int_equal(sl_prog_find(path("s1"), pg), 0);
	assert_int_equal(pg->n, 2);
	assert_false(pg->on_path);
	assert_string_equal(pg->file[1], "/bin/sh");
	assert_string_equal(pg->line[0], "#!/bin/sh");

	assert_int_equal(sl_prog_find(path("s2"), pg), 0);
	assert_int_equal(pg->n, 2);
	assert_true(pg->by_env[0]);
	assert_string_equal(pg->file[1], sh);

	assert_int_equal(sl_prog_find(path("s3"), pg), 0);
	assert_int_equal(pg->n, 3);
	assert_string_equal(pg->file[1], path("s1"));
	assert_string_equal(pg->file[2], "/bin/sh");

	assert_int_equal(sl_prog_find(path("loop"), pg), -1);
	assert_non_null(strstr(pg->err, "#!"));

	/* A name without a slash is found on PATH, as execvp does. */
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, old ? old : "/usr/bin");
	setenv("PATH", newpath, 1);
	assert_int_equal(sl_prog_find("dyn", pg), 0);
	assert_true(pg->on_path);
	assert_string_equal(pg->file[0], path("dyn"));
	assert_int_equal(pg->n, 1);
	assert_int_equal(sl_prog_find("no-such-program-here", pg), -1);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	free(pg);
}

/* The libraries as the loader finds them, the C library among them and
 * not scanned; syscall() alone is no risk, a syscall instruction is. */
static void test_deps_and_risks(void **state)
{
	struct sl_elf_info in;
	struct sl_deps d;
	struct sl_risks r;
	bool libc = false;

	(void)state;
	assert_int_equal(sl_elf_inspect(path("dyn"), &in), 0);
	assert_true(in.imports_syscall);
	assert_int_equal(sl_deps_walk(&in, &d), 0);
	for (int i = 0; i < d.n; i++)
		if (!strcmp(d.libs[i].name, "libc.so.6")) {
			assert_true(d.libs[i].found);
			assert_true(d.libs[i].info.glibc);
			libc = true;
		}
	assert_true(libc);
	sl_prog_risks(&in, &d, &r);
	assert_int_equal(r.n, 0);
	sl_deps_free(&d);
	sl_elf_info_free(&in);
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
		cmocka_unit_test(test_wrapped_names_cover_preload),
		cmocka_unit_test(test_prog_find),
		cmocka_unit_test(test_deps_and_risks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
