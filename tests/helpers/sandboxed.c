/*
 * A program that puts itself under a strict seccomp filter, as sshd's
 * pre-auth child does: from the filter on, only write, close and exit
 * are allowed; any other system call kills the process. It makes a
 * socketpair first, then installs the filter, then writes and closes on
 * the pair. Under the preload it must run exactly as bare.
 *
 *   sandboxed prctl     the filter by prctl(PR_SET_SECCOMP)
 *   sandboxed syscall   by syscall(SYS_seccomp), as libseccomp does
 *   sandboxed fail      a prctl that fails (EFAULT), then go on traced
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static struct sock_filter insns[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_write),
	ALLOW(SYS_close),
	ALLOW(SYS_exit),
	ALLOW(SYS_exit_group),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };
	const char *mode = argc > 1 ? argv[1] : "prctl";
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 2;
	if (!strcmp(mode, "fail")) {
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (void *)8);
		printf("bad filter: %d %s\n", r, strerror(errno));
		fflush(stdout);
		/* still traced: an ordinary call goes on working */
		r = (int)write(sv[0], "x", 1);
		printf("write: %d\n", r);
		return 0;
	}
	if (!strcmp(mode, "syscall"))
		r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	else
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	if (r != 0)
		return 4;
	say("filter in\n");
	if (write(sv[0], "ping", 4) != 4)
		return 5;
	close(sv[0]);
	close(sv[1]);
	say("wrote and closed under the filter\n");
	_exit(0);
}
