/*
 * EPOLLEXCLUSIVE (Linux 4.5; nginx 1.11.3, the study notes' other cure
 * for the thundering herd): one non-blocking listener, shared by WORKERS
 * forked processes (with -t, threads of one process), each with an epoll
 * instance of its own that watches the listener with EPOLLEXCLUSIVE. A
 * new connection wakes one waiting worker (or a few: "one or more"), not
 * all of them. A woken worker accepts until accept fails with EAGAIN (the
 * queue is empty); one that was woken for a connection another worker
 * took gets EAGAIN at once.
 *
 * Each worker answers a line with "worker W pid P tid T peer PORT: LINE"
 * (samples/workers.h), so the client's output says who served which
 * connection. After CONNECTIONS in all the parent closes the workers'
 * stop pipe; each prints its pid and tid, how often it woke for the
 * listener, how many it accepted and how many wake-ups found nothing.
 *
 * usage: epollex_server -P PORTFILE [-t] [-w WORKERS] [-n CONNECTIONS]
 */
#include <pthread.h>
#include <sys/epoll.h>

#include "common.h"
#include "workers.h"

static void watch(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

/*
 * Accepts until the queue is empty, as an event loop does: every wake-up
 * ends with one accept that fails with EAGAIN. Returns how many it took.
 */
static int drain(int lfd, int w, struct crew *c)
{
	int got = 0;

	while (serve_one(lfd, w) == 0) {
		got++;
		crew_tally(c);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		die("accept");
	return got;
}

struct worker {
	int w, lfd;
	struct crew *c;
	pthread_t thread;
};

/* A worker's loop, in a process or a thread of its own. */
static void *work(void *arg)
{
	struct worker *wk = arg;
	int ep = epoll_create1(EPOLL_CLOEXEC), woken = 0, accepted = 0;
	int empty = 0, stop = 0, got;

	if (ep < 0)
		die("epoll_create1");
	watch(ep, wk->lfd, EPOLLIN | EPOLLEXCLUSIVE);
	watch(ep, wk->c->stop, EPOLLIN);
	crew_ready(wk->c);
	while (!stop) {
		struct epoll_event ev[2];
		int n = epoll_wait(ep, ev, 2, -1);

		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == wk->c->stop) {
				stop = 1;
				continue;
			}
			woken++;
			got = drain(wk->lfd, wk->w, wk->c);
			accepted += got;
			empty += got == 0;
		}
	}
	close(ep);
	printf("worker %d pid %d tid %d woken %d, accepted %d, empty %d\n",
	       wk->w, (int)getpid(), (int)gettid(), woken, accepted, empty);
	return NULL;
}

static void run_processes(struct worker *wks, int workers, struct crew *c)
{
	for (int w = 0; w < workers; w++) {
		if (crew_fork(c) == 0) {
			work(&wks[w]);
			close(wks[w].lfd);
			exit(0);
		}
	}
	crew_wait_ready(c, workers);
}

/* Threads share the pipes' ends with the main thread, which keeps them. */
static void run_threads(struct worker *wks, int workers, struct crew *c)
{
	c->stop = c->stop_pipe[0];
	for (int w = 0; w < workers; w++) {
		errno = pthread_create(&wks[w].thread, NULL, work, &wks[w]);
		if (errno)
			die("pthread_create");
	}
	crew_count(c, 'r', workers);
}

int main(int argc, char **argv)
{
	const char *portfile = NULL;
	int workers = 3, conns = 12, threads = 0, lfd, opt;
	struct worker wks[MAX_WORKERS];
	struct crew c;

	while ((opt = getopt(argc, argv, "P:w:n:t")) != -1) {
		if (opt == 't')
			threads = 1;
		else if (opt == 'P')
			portfile = optarg;
		else if (opt == 'w')
			workers = atoi(optarg);
		else if (opt == 'n')
			conns = atoi(optarg);
		else
			return 2;
	}
	if (!portfile || workers < 1 || workers > MAX_WORKERS)
		return 2;
	lfd = listen_loopback(SOCK_STREAM | SOCK_NONBLOCK);
	crew_open(&c);
	for (int w = 0; w < workers; w++)
		wks[w] = (struct worker){ .w = w + 1, .lfd = lfd, .c = &c };
	if (threads)
		run_threads(wks, workers, &c);
	else
		run_processes(wks, workers, &c);
	write_port(portfile, bound_port(lfd));
	if (threads) {
		crew_count(&c, 'a', conns);
		close(c.stop_pipe[1]);
		for (int w = 0; w < workers; w++)
			pthread_join(wks[w].thread, NULL);
		close(lfd);
	} else {
		/* The workers hold the listener now; the parent counts. */
		close(lfd);
		crew_finish(&c, conns);
	}
	printf("workers served %d connections\n", conns);
	return 0;
}
