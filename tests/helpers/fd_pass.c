/*
 * Sockets and epoll instances handed between two processes over a UNIX
 * socket (SCM_RIGHTS), both ways. The parent passes a TCP listener and
 * an epoll fd (sendmsg), then one end of a socketpair (syscall
 * SYS_sendmsg); the child takes them (recvmsg, recvmmsg), accepts a
 * connection on the listener it was given, watches it in the epoll
 * instance it was given, and writes 12 bytes on the socketpair end. The
 * child passes back a UDP socket and an epoll fd of its own (sendmmsg),
 * which the parent takes through syscall(SYS_recvmsg), and the same two
 * again into room for one (MSG_CTRUNC: the kernel closes the other).
 *
 * Prints what each receive saw (fds, control length, flags) and "NAME
 * inode" for the sockets passed; exits 1 on any failure.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTL_FOR(n) (CMSG_SPACE((n) * sizeof(int)))

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static void show(const char *name, int fd)
{
	struct stat st;

	fstat(fd, &st);
	printf("%s %lu\n", name, (unsigned long)st.st_ino);
}

/* A message of one byte carrying N fds, in CTL (CTL_FOR(n) bytes). */
static void fill_msg(struct msghdr *mh, struct iovec *iov, void *ctl,
		     const int *fds, int n)
{
	struct cmsghdr *c;

	*iov = (struct iovec){ "x", 1 };
	*mh = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1,
			       .msg_control = ctl,
			       .msg_controllen = CTL_FOR(n) };
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

/* What a receive saw, as the program sees it; the fds into OUT. */
static int report(const char *how, const struct msghdr *mh, int *out)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	int n = 0;

	if (c && c->cmsg_type == SCM_RIGHTS) {
		n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(out, CMSG_DATA(c), n * sizeof(int));
	}
	printf("%s: %d fds, controllen %zu, ctrunc %d\n", how, n,
	       (size_t)mh->msg_controllen, !!(mh->msg_flags & MSG_CTRUNC));
	return n;
}

/* The child's half: take, use, give back. */
static void child(int cp)
{
	char ctl[CTL_FOR(2)], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct mmsghdr mm = { .msg_hdr = mh };
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int got[2], q0, c, a, mine[2];

	if (recvmsg(cp, &mh, 0) != 1 || report("child recvmsg", &mh, got) != 2)
		die("child recvmsg");
	if (recvmmsg(cp, &mm, 1, 0, NULL) != 1 ||
	    report("child recvmmsg", &mm.msg_hdr, &q0) != 1)
		die("child recvmmsg");
	/* The listener it was given accepts; the epoll it was given sees. */
	getsockname(got[0], (struct sockaddr *)&sin, &len);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect");
	a = accept(got[0], NULL, NULL);
	if (a < 0 || epoll_ctl(got[1], EPOLL_CTL_ADD, c, &ev) < 0 ||
	    write(a, "!", 1) != 1 || epoll_wait(got[1], out, 2, 5000) != 1)
		die("use what was given");
	if (write(q0, "from child!!", 12) != 12)
		die("write");
	close(a);
	close(c);
	close(q0);
	close(got[0]);
	close(got[1]);
	mine[0] = socket(AF_INET, SOCK_DGRAM, 0);
	mine[1] = epoll_create1(0);
	show("udp", mine[0]);
	fill_msg(&mm.msg_hdr, &iov, ctl, mine, 2);
	if (sendmmsg(cp, &mm, 1, 0) != 1)
		die("sendmmsg");
	fill_msg(&mh, &iov, ctl, mine, 2);
	if (sendmsg(cp, &mh, 0) != 1)
		die("sendmsg");
	fflush(stdout);
}

/* The parent's half: give, read what the child wrote, take back. */
static void parent(int cp)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char ctl[CTL_FOR(2)], small[CTL_FOR(1)], buf[16];
	struct iovec iov;
	struct msghdr mh;
	int l, ep, q[2], give[2], got[2];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 4) < 0)
		die("listener");
	ep = epoll_create1(0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, q);
	show("listener", l);
	show("pair", q[0]);
	give[0] = l;
	give[1] = ep;
	fill_msg(&mh, &iov, ctl, give, 2);
	if (sendmsg(cp, &mh, 0) != 1)
		die("sendmsg");
	fill_msg(&mh, &iov, ctl, q, 1);
	if (syscall(SYS_sendmsg, cp, &mh, 0) != 1)
		die("syscall sendmsg");
	close(l);
	close(ep);
	close(q[0]);
	if (read(q[1], buf, sizeof(buf)) != 12)
		die("read");
	iov = (struct iovec){ buf, 1 };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	if (syscall(SYS_recvmsg, cp, &mh, 0) != 1 ||
	    report("parent syscall recvmsg", &mh, got) != 2)
		die("syscall recvmsg");
	close(got[0]);
	close(got[1]);
	/* Room for one fd: CMSG_SPACE rounds it up to room for two. */
	mh.msg_control = small;
	mh.msg_controllen = CMSG_LEN(sizeof(int));
	if (recvmsg(cp, &mh, 0) != 1 ||
	    report("parent recvmsg into room for one", &mh, got) != 1)
		die("recvmsg");
	close(got[0]);
	close(q[1]);
}

int main(void)
{
	int cp[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cp) < 0)
		die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(cp[0]);
		child(cp[1]);
		_exit(0);
	}
	close(cp[1]);
	parent(cp[0]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		die("child");
	return 0;
}
