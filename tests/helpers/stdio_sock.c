/*
 * Sockets under stdio, whose bytes no wrapper sees: the trace must say
 * where it may be blind (SL_F_STDIO) rather than show a short count as
 * the whole story.
 *
 *   stdio_sock          dup2 a socket onto stdin and read it with fgets;
 *                       fdopen a socket, fprintf and fclose it (the close
 *                       goes through libc's internal close); then fork a
 *                       child that execs "stdio_sock reader" with a socket
 *                       as its stdin
 *   stdio_sock reader   reads its stdin (a socket it inherited) with getc
 *
 * stdout says what was read, the same traced or not; stderr gives the
 * fds, for the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
}

static int reader(void)
{
	char line[64];
	int c, n = 0;

	while ((c = getc(stdin)) != EOF && n < (int)sizeof(line) - 1)
		line[n++] = (char)c;
	line[n] = '\0';
	printf("reader read: %s", line);
	return 0;
}

/* A socket as stdin, read through stdio. */
static void stdin_socket(void)
{
	char line[64] = "";
	int sv[2];

	pair(sv);
	if (dup2(sv[1], 0) != 0 || write(sv[0], "to stdin\n", 9) != 9)
		exit(1);
	close(sv[1]);
	if (fgets(line, sizeof(line), stdin))
		printf("fgets read: %s", line);
	close(sv[0]);
}

/* A FILE on a socket: written with fprintf, closed with fclose. */
static void fdopen_socket(void)
{
	char buf[64];
	int sv[2];
	ssize_t n;
	FILE *f;

	pair(sv);
	fprintf(stderr, "fdopen %d\n", sv[0]);
	f = fdopen(sv[0], "w");
	if (!f)
		exit(1);
	fprintf(f, "through a FILE\n");
	fclose(f);
	n = read(sv[1], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("read from the FILE's socket: %s", buf);
	close(sv[1]);
}

static void exec_reader(const char *self)
{
	int sv[2], status;
	pid_t pid;

	pair(sv);
	pid = fork();
	if (pid == 0) {
		dup2(sv[1], 0);
		close(sv[0]);
		close(sv[1]);
		execl(self, self, "reader", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (write(sv[0], "to the reader\n", 14) != 14)
		exit(1);
	close(sv[0]);
	waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "reader"))
		return reader();
	stdin_socket();
	fdopen_socket();
	exec_reader(argv[0]);
	return 0;
}
