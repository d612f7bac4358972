/*
 * Reads that are not plain: peeks (MSG_PEEK through recv, recvmsg,
 * __recv_chk, __recvfrom_chk and syscall(SYS_recvfrom)), a datagram
 * read short with MSG_TRUNC, MSG_WAITALL, and sendmmsg/recvmmsg.
 *
 * Prints per case "CASE inode bytes calls peeks": the receiving socket's
 * inode and what the program really received (bytes and calls that were
 * not peeks) and peeked; for "sendmmsg", the sending socket and what it
 * sent. The test compares these with the socket's counters in the
 * trace. Exits 1 on any failure.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The _FORTIFY_SOURCE entry points, called by name (a fortified build
 * calls them only when it cannot prove the buffer large enough). */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
		       int flags, struct sockaddr *src, socklen_t *src_len);

static long must(long r, long want, const char *what)
{
	if (r != want) {
		fprintf(stderr, "%s: %ld, expected %ld (%s)\n", what, r, want,
			strerror(errno));
		exit(1);
	}
	return r;
}

static void show(const char *name, int fd, long bytes, long calls, long peeks)
{
	struct stat st;

	fstat(fd, &st);
	printf("%s %lu %ld %ld %ld\n", name, (unsigned long)st.st_ino, bytes,
	       calls, peeks);
}

/* Two UDP sockets on loopback, B connected to A and A to B. */
static void udp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, sb;
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sb = sa;
	*a = socket(AF_INET, SOCK_DGRAM, 0);
	*b = socket(AF_INET, SOCK_DGRAM, 0);
	bind(*a, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(*a, (struct sockaddr *)&sa, &len);
	bind(*b, (struct sockaddr *)&sb, sizeof(sb));
	len = sizeof(sb);
	getsockname(*b, (struct sockaddr *)&sb, &len);
	must(connect(*b, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect");
	must(connect(*a, (struct sockaddr *)&sb, sizeof(sb)), 0, "connect");
}

/* 10 bytes read after two peeks, then a peek that sees the end. */
static void stream_peeks(void)
{
	char buf[32];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	must(write(sv[0], "0123456789", 10), 10, "write");
	must(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 10, "recv peek");
	must(recvmsg(sv[1], &mh, MSG_PEEK), 10, "recvmsg peek");
	must(recv(sv[1], buf, sizeof(buf), 0), 10, "recv");
	shutdown(sv[0], SHUT_WR);
	must(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 0, "peek at the end");
	show("stream", sv[1], 10, 1, 3);
	close(sv[0]);
	close(sv[1]);
}

/* A UDP receiver that peeks at each datagram, then reads it, through
 * every entry point that takes flags. */
static void udp_peeks(void)
{
	char buf[32];
	size_t big = sizeof(buf);
	int a, b;

	udp_pair(&a, &b);
	for (int i = 0; i < 4; i++)
		must(send(b, "datagram", 8, 0), 8, "send");
	must(recvfrom(a, buf, big, MSG_PEEK, NULL, NULL), 8, "recvfrom peek");
	must(recvfrom(a, buf, big, 0, NULL, NULL), 8, "recvfrom");
	must(__recv_chk(a, buf, big, sizeof(buf), MSG_PEEK), 8, "recv_chk peek");
	must(__recv_chk(a, buf, big, sizeof(buf), 0), 8, "recv_chk");
	must(__recvfrom_chk(a, buf, big, sizeof(buf), MSG_PEEK, NULL, NULL), 8,
	     "recvfrom_chk peek");
	must(__recvfrom_chk(a, buf, big, sizeof(buf), 0, NULL, NULL), 8,
	     "recvfrom_chk");
	must(syscall(SYS_recvfrom, a, buf, big, MSG_PEEK, NULL, NULL), 8,
	     "raw recvfrom peek");
	must(syscall(SYS_recvfrom, a, buf, big, 0, NULL, NULL), 8,
	     "raw recvfrom");
	show("udp", a, 32, 4, 4);
	close(a);
	close(b);
}

/* MSG_TRUNC returns a datagram's real length; MSG_WAITALL waits for
 * all it asked. What the call returned is what is counted. */
static void trunc_waitall(void)
{
	char big[100] = { 0 }, buf[32];
	int a, b, sv[2];

	udp_pair(&a, &b);
	must(send(b, big, sizeof(big), 0), 100, "send");
	must(recv(a, buf, 10, MSG_TRUNC), 100, "recv MSG_TRUNC");
	show("trunc", a, 100, 1, 0);
	close(a);
	close(b);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	must(write(sv[0], "0123456789", 10), 10, "write");
	must(write(sv[0], "0123456789", 10), 10, "write");
	must(recv(sv[1], buf, 20, MSG_WAITALL), 20, "recv MSG_WAITALL");
	show("waitall", sv[1], 20, 1, 0);
	close(sv[0]);
	close(sv[1]);
}

/* sendmmsg of three datagrams, recvmmsg of all three: 5 + 6 + 7. */
static void mmsg(void)
{
	char in[3][16];
	struct iovec out_iov[3] = { { "aaaaa", 5 }, { "bbbbbb", 6 },
				    { "ccccccc", 7 } };
	struct iovec in_iov[3] = { { in[0], 16 }, { in[1], 16 }, { in[2], 16 } };
	struct mmsghdr out[3], got[3];
	int a, b;

	memset(out, 0, sizeof(out));
	memset(got, 0, sizeof(got));
	for (int i = 0; i < 3; i++) {
		out[i].msg_hdr.msg_iov = &out_iov[i];
		out[i].msg_hdr.msg_iovlen = 1;
		got[i].msg_hdr.msg_iov = &in_iov[i];
		got[i].msg_hdr.msg_iovlen = 1;
	}
	udp_pair(&a, &b);
	must(sendmmsg(b, out, 3, 0), 3, "sendmmsg");
	show("sendmmsg", b, 18, 1, 0);
	must(recvmmsg(a, got, 3, MSG_WAITFORONE, NULL), 3, "recvmmsg");
	show("recvmmsg", a, 18, 1, 0);
	close(a);
	close(b);
}

int main(void)
{
	stream_peeks();
	udp_peeks();
	trunc_waitall();
	mmsg();
	return 0;
}
