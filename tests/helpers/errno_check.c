/*
 * Calls every wrapped function with bad arguments and prints what each
 * returned and the errno it left, by name and through syscall() (where
 * the kernel's sigsetsize and packed sigmask must reach it untouched).
 * The test runs it bare and under the preload and diffs the two: a
 * wrapper must change neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(expr) do { long r_ = (long)(expr); show(#expr, r_, errno); } while (0)

/* Bad values the compiler cannot see through, so it lets us pass them. */
static void *volatile bad_ptr = (void *)1;
static void *volatile null_ptr;
static volatile int minus_one = -1;

static void show(const char *what, long ret, int err)
{
	printf("%-60s ret=%ld errno=%s\n", what, ret,
	       ret < 0 ? strerrorname_np(err) : "-");
	errno = 0;
}

/* The kernel's sigset is 8 bytes; 7 is wrong and must say EINVAL. */
#define KSIGSET 8
#define BADSIGSET 7

/* The same kind of bad calls through syscall(), on S (a TCP socket), U
 * (UDP), L (a non-blocking listener) and FILE (/dev/null). */
static void raw_calls(int s, int u, int l, int file)
{
	static const struct timespec zero;
	char buf[16] = "x";
	struct iovec iov = { buf, sizeof(buf) };
	struct epoll_event ev[1];
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	sigset_t mask;
	const void *packed[2] = { &mask, (void *)BADSIGSET };
	int ep = epoll_create1(0);

	sigemptyset(&mask);
	CHECK(syscall(SYS_close, -1));
	CHECK(syscall(SYS_close, 9999));
	CHECK(syscall(SYS_dup, -1));
	CHECK(syscall(SYS_dup3, s, s, 0));
	CHECK(syscall(SYS_dup3, s, 100, 12345));
	CHECK(syscall(SYS_socket, -1, SOCK_STREAM, 0));
	CHECK(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad_ptr));
	CHECK(syscall(SYS_bind, -1, buf, 16));
	CHECK(syscall(SYS_bind, s, bad_ptr, 200));
	CHECK(syscall(SYS_connect, s, bad_ptr, 16));
	CHECK(syscall(SYS_connect, file, buf, 16));
	CHECK(syscall(SYS_listen, file, 1));
	CHECK(syscall(SYS_accept4, u, NULL, NULL, 0));
	CHECK(syscall(SYS_accept4, l, NULL, NULL, 0));
	CHECK(syscall(SYS_accept4, l, NULL, NULL, 12345));
	CHECK(syscall(SYS_accept4, l, bad_ptr, bad_ptr, 0));
	CHECK(syscall(SYS_shutdown, l, 99));
	CHECK(syscall(SYS_fcntl, -1, F_GETFD));
	CHECK(syscall(SYS_fcntl, s, F_DUPFD, -1));
	CHECK(syscall(SYS_ioctl, s, FIONBIO, bad_ptr));
	CHECK(syscall(SYS_close_range, 5, 3, 0));
	CHECK(syscall(SYS_sendto, u, buf, 1, 0, NULL, 0));
	CHECK(syscall(SYS_sendto, u, buf, 1, 0, bad_ptr, 16));
	CHECK(syscall(SYS_sendmsg, u, NULL, 0));
	CHECK(syscall(SYS_recvmsg, u, NULL, MSG_DONTWAIT));
	CHECK(syscall(SYS_recvfrom, u, buf, 1, MSG_DONTWAIT, NULL, NULL));
	CHECK(syscall(SYS_recvfrom, u, buf, 1, MSG_DONTWAIT | MSG_PEEK, NULL,
		      NULL));
	CHECK(syscall(SYS_read, l, buf, 1));
	CHECK(syscall(SYS_write, l, buf, 1));
	CHECK(syscall(SYS_readv, s, NULL, -1));
	CHECK(syscall(SYS_writev, -1, &iov, 1));
	CHECK(syscall(SYS_sendfile, l, file, NULL, 1));
	CHECK(syscall(SYS_sendmmsg, -1, NULL, 1, 0));
	CHECK(syscall(SYS_recvmmsg, -1, NULL, 1, 0, NULL));
	CHECK(syscall(SYS_recvmmsg, u, bad_ptr, 1, MSG_DONTWAIT, NULL));
	CHECK(syscall(SYS_setsockopt, s, SOL_SOCKET, SO_KEEPALIVE, bad_ptr, 4));
	CHECK(syscall(SYS_getsockopt, s, SOL_SOCKET, SO_ERROR, buf, bad_ptr));
	CHECK(syscall(SYS_epoll_create1, 12345));
	CHECK(syscall(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, s, ev));
	CHECK(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, s, bad_ptr));
	CHECK(syscall(SYS_epoll_pwait, ep, ev, 1, 0, &mask, BADSIGSET));
	CHECK(syscall(SYS_epoll_pwait, ep, ev, 1, 0, &mask, KSIGSET));
	CHECK(syscall(SYS_epoll_pwait2, ep, ev, 1, &zero, &mask, BADSIGSET));
	CHECK(syscall(SYS_epoll_pwait2, ep, ev, 1, &zero, &mask, KSIGSET));
	CHECK(syscall(SYS_ppoll, &pfd, 1, &zero, &mask, BADSIGSET));
	CHECK(syscall(SYS_ppoll, &pfd, 1, &zero, &mask, KSIGSET));
	CHECK(syscall(SYS_pselect6, 1, NULL, NULL, NULL, &zero, packed));
	packed[1] = (void *)KSIGSET;
	CHECK(syscall(SYS_pselect6, 1, NULL, NULL, NULL, &zero, packed));
	CHECK(syscall(SYS_seccomp, 1, 0, NULL));
	CHECK(syscall(SYS_setrlimit, RLIMIT_NOFILE, bad_ptr));
	CHECK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, bad_ptr, NULL));
	CHECK(syscall(SYS_prlimit64, -1, RLIMIT_NOFILE, NULL, NULL));
#ifdef SYS_dup2
	CHECK(syscall(SYS_dup2, -1, 50));
	CHECK(syscall(SYS_accept, file, NULL, NULL));
	CHECK(syscall(SYS_poll, NULL, 1, 0));
	CHECK(syscall(SYS_select, -1, NULL, NULL, NULL, NULL));
	CHECK(syscall(SYS_epoll_wait, -1, ev, 1, 0));
	CHECK(syscall(SYS_epoll_create, 0));
#endif
	close(ep);
}

/* Resource limits: bad pointers, a soft limit above the hard one, a
 * pid that is not there; a good call last, that sets what was there. */
static void limits(void)
{
	struct rlimit rl, up;

	getrlimit(RLIMIT_NOFILE, &rl);
	up = (struct rlimit){ rl.rlim_max, rl.rlim_max };
	if (up.rlim_max != RLIM_INFINITY)
		up.rlim_cur = up.rlim_max + 1;
	CHECK(setrlimit(RLIMIT_NOFILE, bad_ptr));
	CHECK(setrlimit(RLIMIT_NOFILE, &up));
	CHECK(setrlimit64(RLIMIT_NOFILE, bad_ptr));
	CHECK(prlimit(0, RLIMIT_NOFILE, bad_ptr, NULL));
	CHECK(prlimit(0, RLIMIT_NOFILE, &rl, bad_ptr));
	CHECK(prlimit(-1, RLIMIT_NOFILE, &rl, NULL));
	CHECK(prlimit64(0, 12345, NULL, NULL));
	CHECK(setrlimit(RLIMIT_NOFILE, &rl));
}

int main(void)
{
	struct sockaddr_in lo = { .sin_family = AF_INET,
				  .sin_port = htons(1),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[16] = "x";
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t len = sizeof(lo);
	int sv[2], s, u, l, file;

	signal(SIGPIPE, SIG_IGN);
	file = open("/dev/null", O_RDONLY);
	s = socket(AF_INET, SOCK_STREAM, 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(socket(-1, SOCK_STREAM, 0));
	CHECK(socket(AF_INET, 12345, 0));
	CHECK(socketpair(AF_INET, SOCK_STREAM, 0, sv));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, bad_ptr));
	CHECK(bind(-1, (struct sockaddr *)&lo, sizeof(lo)));
	CHECK(bind(file, (struct sockaddr *)&lo, sizeof(lo)));
	CHECK(bind(s, NULL, sizeof(lo)));
	CHECK(bind(s, (struct sockaddr *)&lo, 1));
	CHECK(bind(s, bad_ptr, 200));
	CHECK(listen(-1, 1));
	CHECK(listen(file, 1));
	CHECK(connect(-1, (struct sockaddr *)&lo, sizeof(lo)));
	CHECK(connect(s, NULL, sizeof(lo)));
	CHECK(connect(s, (struct sockaddr *)&lo, 0));
	CHECK(connect(s, bad_ptr, 300));
	CHECK(connect(s, (struct sockaddr *)&lo, sizeof(lo)));
	CHECK(accept(-1, NULL, NULL));
	CHECK(accept(file, NULL, NULL));
	CHECK(accept(u, NULL, NULL));
	CHECK(listen(l, 1));
	CHECK(accept(l, NULL, NULL));
	CHECK(accept4(l, (struct sockaddr *)&lo, &len, SOCK_CLOEXEC));
	CHECK(accept4(l, NULL, NULL, 12345));
	CHECK(shutdown(-1, SHUT_RD));
	CHECK(shutdown(u, SHUT_RD));
	CHECK(shutdown(l, 99));
	CHECK(close(-1));
	CHECK(close(9999));
	CHECK(dup(-1));
	CHECK(dup2(-1, 50));
	CHECK(dup3(s, s, 0));
	CHECK(dup3(s, 100, 12345));
	CHECK(fcntl(-1, F_GETFD));
	CHECK(fcntl(s, F_DUPFD, -1));
	CHECK(close_range(5, 3, 0));
	CHECK(send(-1, buf, 1, 0));
	CHECK(send(l, buf, 1, 0));
	CHECK(sendto(u, buf, 1, 0, NULL, 0));
	CHECK(sendto(u, buf, 1, 0, bad_ptr, sizeof(lo)));
	CHECK(sendmsg(-1, &msg, 0));
	CHECK(sendmsg(u, NULL, 0));
	CHECK(recv(-1, buf, 1, 0));
	CHECK(recv(l, buf, 1, 0));
	CHECK(recv(u, buf, 1, MSG_DONTWAIT));
	CHECK(recvfrom(u, buf, 1, MSG_DONTWAIT, NULL, NULL));
	CHECK(recvmsg(-1, &msg, 0));
	CHECK(recvmsg(u, NULL, MSG_DONTWAIT));
	CHECK(read(-1, buf, 1));
	CHECK(read(l, buf, 1));
	CHECK(write(-1, buf, 1));
	CHECK(write(l, buf, 1));
	CHECK(readv(s, null_ptr, minus_one));
	CHECK(writev(-1, &iov, 1));
	CHECK(sendfile(-1, file, NULL, 1));
	CHECK(sendfile(l, file, NULL, 1));
	CHECK(sendmmsg(-1, NULL, 1, 0));
	CHECK(recvmmsg(-1, NULL, 1, 0, NULL));
	raw_calls(s, u, l, file);
	limits();
	CHECK(fdopen(-1, "r") ? 0 : -1);
	CHECK(fdopen(s, "no such mode") ? 0 : -1);
	CHECK(fdopen(file, "w") ? 0 : -1);
	CHECK(execl("/nonexistent/program", "x", (char *)NULL));
	CHECK(execlp("no-such-program-anywhere", "x", (char *)NULL));
	CHECK(execve("/nonexistent/program", null_ptr, null_ptr));
	CHECK(close(s));
	CHECK(close(s));
	return 0;
}
