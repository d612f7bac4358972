/*
 * What the pre-forked worker samples share (reuseport_server.c,
 * epollex_server.c): a crew of worker processes and the two pipes that
 * run it, and serving one connection.
 *
 * The parent learns that every worker is ready, and later how many
 * connections they served, from bytes the workers write on the tally
 * pipe ('r' once, 'a' per connection); it stops them by closing its end
 * of the stop pipe, which makes the workers' end readable (end of file).
 * Counting like this needs no signals and no timing: the run ends when
 * the last connection has been served, whichever worker served it.
 */
#ifndef SAMPLES_WORKERS_H
#define SAMPLES_WORKERS_H

#include <fcntl.h>
#include <sys/wait.h>

#include "common.h"

#define MAX_WORKERS 16

struct crew {
	int tally[2];		/* workers -> parent */
	int stop_pipe[2];	/* parent -> workers: closed to stop */
	int stop;		/* in a worker: the end to watch */
	int nworkers;
	pid_t pids[MAX_WORKERS];
};

static inline void crew_open(struct crew *c)
{
	if (pipe2(c->tally, O_CLOEXEC) < 0 || pipe2(c->stop_pipe, O_CLOEXEC) < 0)
		die("pipe2");
	c->nworkers = 0;
}

/* fork(): 0 in the new worker (with its ends of the pipes), else its pid. */
static inline pid_t crew_fork(struct crew *c)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(c->tally[0]);
		close(c->stop_pipe[1]);
		c->stop = c->stop_pipe[0];
		return 0;
	}
	c->pids[c->nworkers++] = pid;
	return pid;
}

static inline void crew_say(struct crew *c, char what)
{
	if (write(c->tally[1], &what, 1) != 1)
		die("write tally");
}

static inline void crew_ready(struct crew *c) { crew_say(c, 'r'); }
static inline void crew_tally(struct crew *c) { crew_say(c, 'a'); }

/* In the parent: reads the tally until COUNT bytes WHAT have come. */
static inline void crew_count(struct crew *c, char what, int count)
{
	char b;

	while (count > 0) {
		ssize_t n = read(c->tally[0], &b, 1);

		if (n == 0) {
			fprintf(stderr, "a worker died\n");
			exit(1);
		}
		if (n < 0)
			die("read tally");
		count -= b == what;
	}
}

/* In the parent, after the last fork: waits until all are ready. */
static inline void crew_wait_ready(struct crew *c, int workers)
{
	close(c->tally[1]);
	close(c->stop_pipe[0]);
	crew_count(c, 'r', workers);
}

/* Waits for CONNS served, stops the workers and reaps them. */
static inline void crew_finish(struct crew *c, int conns)
{
	int status;

	crew_count(c, 'a', conns);
	close(c->stop_pipe[1]);
	for (int i = 0; i < c->nworkers; i++) {
		if (waitpid(c->pids[i], &status, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "worker pid %d failed\n", (int)c->pids[i]);
			exit(1);
		}
	}
	close(c->tally[0]);
}

/*
 * Accepts one connection from LFD and serves it: reads a line, answers
 * "worker W pid P tid T peer PORT: LINE", shuts its side down, waits for the
 * client's close, closes. Returns 0, or -1 with errno when accept failed
 * (EAGAIN: another worker took the connection first).
 */
static inline int serve_one(int lfd, int w)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char line[256], reply[400];
	int fd = accept(lfd, (struct sockaddr *)&peer, &plen), len;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	if (n < 0)
		die("read");
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	len = snprintf(reply, sizeof(reply),
		       "worker %d pid %d tid %d peer %d: %s\n", w, (int)getpid(),
		       (int)gettid(), ntohs(peer.sin_port), line);
	if (write(fd, reply, (size_t)len) != len)
		die("write");
	shutdown(fd, SHUT_WR);
	while (read(fd, line, sizeof(line)) > 0)
		;
	close(fd);
	return 0;
}

#endif
