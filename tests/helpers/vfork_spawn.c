/*
 * A child made by vfork, as Python's subprocess makes its children: the
 * child dup2()s a socket onto its stdin, closes every fd from 3 up
 * (close_range), and execs "vfork_spawn writer", which writes a line on
 * the socket it inherited as fd 0. The parent closes its copies at once
 * and reads the line. stdout is the same traced or not; stderr gives the
 * child's pid, for the test.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int sv[2], other, status;
	char buf[64];
	ssize_t n;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "writer"))
		return write(0, "from the vfork child\n", 21) == 21 ? 0 : 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	other = socket(AF_INET, SOCK_STREAM, 0);
	pid = vfork();
	if (pid == 0) {
		dup2(sv[1], 0);
		close_range(3, ~0u, 0);
		execl(argv[0], argv[0], "writer", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	close(other);
	n = read(sv[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("parent read: %s", buf);
	close(sv[0]);
	waitpid(pid, &status, 0);
	fprintf(stderr, "child %d\n", (int)pid);
	return 0;
}
