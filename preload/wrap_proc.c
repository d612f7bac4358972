/*
 * Wrappers for the process calls: fork, vfork, the exec family,
 * posix_spawn, system and popen, _exit and _Exit.
 *
 * fork: our records go out before it, and the child drops the parent's
 * connection and buffer and reports under its own pid.
 * vfork: the child borrows our memory until it execs or exits, so it must
 * not touch our state but to leave its pid (sl_vfork_child); the parent
 * records the vfork when it runs again, and the child's new image lists
 * what survived its exec. exec: flush first, since the image and its
 * buffers are about to vanish; a failed exec is recorded.
 */
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

/* The most arguments execl and friends take; they fail with E2BIG past
 * it, as the kernel would for a long enough list. */
#define EXECL_ARGS_MAX 4096

SL_EXPORT pid_t fork(void)
{
	struct sl_call_info ci = { .call = SL_CALL_FORK, .fd = -1 };
	pid_t pid;
	int err, child_fd;

	if (!sl_active())
		return SL_REAL(fork)();
	sl_flush();
	ci.ts = sl_now_ns();
	child_fd = sl_transport_prefork();
	pid = SL_REAL(fork)();
	err = errno;
	if (pid == 0) {
		sl_transport_after_fork(child_fd);
		sl_sock_names_after_fork();
		errno = err;
		return 0;
	}
	ci.dur = sl_now_ns() - ci.ts;
	ci.ret = pid;
	ci.err = err;
	ci.caller = SL_CALLER();
	sl_emit(&ci);
	if (pid > 0)
		sl_fd_mark_shared();
	sl_transport_parent_after_fork(child_fd, pid, ci.ts);
	errno = err;
	return pid;
}

/*
 * Called from the vfork entry below with the program's return address;
 * returns the real vfork to jump to. The vfork is recorded by the parent
 * when it runs again (sl_vfork_child), with the pid the child left.
 */
__attribute__((used)) void *sl_vfork_prepare(uint64_t caller)
{
	if (sl_active()) {
		/* The child's new image names by inode what it inherits. */
		sl_fd_alias_all();
		sl_flush();
		sl_vfork.ts = sl_now_ns();
		sl_vfork.caller = caller;
		sl_vfork.child = 0;
		sl_in_vfork = 1;
	}
	return (void *)SL_REAL(vfork);
}

/*
 * vfork cannot be wrapped by a C function that calls the real one: the
 * child would return through our frame and the parent return through it
 * again after the child had reused the stack. So the entry is a tail
 * call: align the stack, ask sl_vfork_prepare for the target, and jump.
 * The real vfork then returns straight to our caller, in both processes.
 */
__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
#if defined(__x86_64__)
	"	mov (%rsp), %rdi\n"
	"	sub $8, %rsp\n"
	"	call sl_vfork_prepare\n"
	"	add $8, %rsp\n"
	"	jmp *%rax\n"
#elif defined(__aarch64__)
	"	mov x0, x30\n"
	"	stp x29, x30, [sp, #-16]!\n"
	"	bl sl_vfork_prepare\n"
	"	ldp x29, x30, [sp], #16\n"
	"	br x0\n"
#else
#error "vfork entry: add this architecture"
#endif
	".size vfork, .-vfork\n");

/*
 * posix_spawn, system and popen make their child with glibc's own clone,
 * not our fork or vfork, and it execs at once: only its new image
 * reports, naming what it inherited by inode. So the sockets we named
 * get their aliases first, as before an exec; nothing else is recorded.
 */
SL_EXPORT int posix_spawn(pid_t *pid, const char *path,
			  const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[],
			  char *const envp[])
{
	if (sl_active())
		sl_fd_alias_all();
	return SL_REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
}

SL_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	if (sl_active())
		sl_fd_alias_all();
	return SL_REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
}

SL_EXPORT int system(const char *command)
{
	if (sl_active() && command)
		sl_fd_alias_all();
	return SL_REAL(system)(command);
}

SL_EXPORT FILE *popen(const char *command, const char *type)
{
	if (sl_active())
		sl_fd_alias_all();
	return SL_REAL(popen)(command, type);
}

/* Before an exec: say so, and send everything, for the image is ending. */
static void before_exec(struct sl_call_info *ci, uint64_t caller)
{
	ci->call = SL_CALL_EXEC;
	ci->fd = -1;
	/* The new image names by inode what it inherits: say first which
	 * inode each name of ours stands for. */
	sl_fd_alias_all();
	ci->ts = sl_now_ns();
	ci->caller = caller;
	sl_emit(ci);
	sl_flush();
	sl_transport_before_exec();
}

/* The exec returned: it failed, and the image lives on. */
static void exec_failed(struct sl_call_info *ci, int err)
{
	sl_transport_exec_failed();
	ci->ret = -1;
	ci->err = err;
	ci->dur = sl_now_ns() - ci->ts;
	sl_emit(ci);
	errno = err;
}

SL_EXPORT int execve(const char *path, char *const argv[],
		     char *const envp[])
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(execve)(path, argv, envp);
	before_exec(&ci, SL_CALLER());
	SL_REAL(execve)(path, argv, envp);
	exec_failed(&ci, errno);
	return -1;
}

SL_EXPORT int execveat(int dirfd, const char *path, char *const argv[],
		       char *const envp[], int flags)
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(execveat)(dirfd, path, argv, envp, flags);
	before_exec(&ci, SL_CALLER());
	SL_REAL(execveat)(dirfd, path, argv, envp, flags);
	exec_failed(&ci, errno);
	return -1;
}

SL_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(fexecve)(fd, argv, envp);
	before_exec(&ci, SL_CALLER());
	SL_REAL(fexecve)(fd, argv, envp);
	exec_failed(&ci, errno);
	return -1;
}

SL_EXPORT int execv(const char *path, char *const argv[])
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(execv)(path, argv);
	before_exec(&ci, SL_CALLER());
	SL_REAL(execv)(path, argv);
	exec_failed(&ci, errno);
	return -1;
}

SL_EXPORT int execvp(const char *file, char *const argv[])
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(execvp)(file, argv);
	before_exec(&ci, SL_CALLER());
	SL_REAL(execvp)(file, argv);
	exec_failed(&ci, errno);
	return -1;
}

SL_EXPORT int execvpe(const char *file, char *const argv[],
		      char *const envp[])
{
	struct sl_call_info ci = { 0 };

	if (!sl_active())
		return SL_REAL(execvpe)(file, argv, envp);
	before_exec(&ci, SL_CALLER());
	SL_REAL(execvpe)(file, argv, envp);
	exec_failed(&ci, errno);
	return -1;
}

/*
 * execl, execlp, execle: glibc builds an argv and calls its internal
 * execve, which we would not see; so we build it (on the stack, as glibc
 * does) and go through our own wrappers. Returns the count, or -1.
 */
static int collect_args(const char *arg0, va_list ap, char **argv, int cap)
{
	int n = 0;

	argv[n++] = (char *)arg0;
	while (argv[n - 1]) {
		if (n == cap)
			return -1;
		argv[n++] = va_arg(ap, char *);
	}
	return n;
}

static int count_args(const char *arg0, va_list ap)
{
	int n = 1;

	if (!arg0)
		return 1;
	while (va_arg(ap, char *) && n < EXECL_ARGS_MAX)
		n++;
	return n + 1;
}

enum execl_kind { EXECL, EXECLP, EXECLE };

/* Builds the argv of an execl-style call and execs through our wrappers. */
static int execl_common(enum execl_kind kind, const char *file,
			const char *arg, va_list ap)
{
	va_list cp;
	char *const *envp;
	int n;

	va_copy(cp, ap);
	n = count_args(arg, cp);
	va_end(cp);
	if (n > EXECL_ARGS_MAX) {
		errno = E2BIG;
		return -1;
	}
	char *argv[n];
	if (collect_args(arg, ap, argv, n) < 0) {
		errno = E2BIG;
		return -1;
	}
	switch (kind) {
	case EXECLP:
		return execvp(file, argv);
	case EXECLE:
		envp = va_arg(ap, char *const *);
		return execve(file, argv, envp);
	default:
		return execv(file, argv);
	}
}

SL_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common(EXECL, path, arg, ap);
	va_end(ap);
	return ret;
}

SL_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common(EXECLP, file, arg, ap);
	va_end(ap);
	return ret;
}

SL_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common(EXECLE, path, arg, ap);
	va_end(ap);
	return ret;
}

SL_EXPORT void _exit(int status)
{
	if (sl_active())
		sl_transport_exit(status);
	SL_REAL(exit_)(status);
	__builtin_unreachable();
}

SL_EXPORT void _Exit(int status)
{
	if (sl_active())
		sl_transport_exit(status);
	SL_REAL(Exit)(status);
	__builtin_unreachable();
}
