/*
 * socklens run [-o FILE] [-q] [--no-follow] [--no-peek] [--inode] [--] PROGRAM [ARGS...]
 *
 * Starts a collector in this process, runs PROGRAM with the preload, and
 * collects until PROGRAM and every traced process it started are gone
 * (as strace -f waits for its tracees). Exits with PROGRAM's status, and
 * unless -q then draws the timeline on stderr, leaving PROGRAM's stdout
 * as it was.
 *
 * Before it starts PROGRAM, it makes the checks of `socklens inspect`
 * (elf.c, elf_prog.c): a program the preload cannot enter is refused with
 * the reason. Where PROGRAM can reach the kernel around the preload (a
 * syscall instruction of its own or in a library, io_uring), a line
 * after the timeline says so, with -q too: the trace cannot hold those
 * calls.
 *
 * The trace is written beside FILE (FILE.tmp-PID) and takes its name
 * only once PROGRAM has started (its exec succeeded): a run that stops
 * before (no such program, a refused one, a bad option) leaves an
 * earlier FILE as it was. Losses of the trace file are said as they
 * happen and again at the end; the exit status stays PROGRAM's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/paths.h"
#include "intake/intake.h"
#include "elf/elf.h"
#include "socklens/policy.h"
#include "out/out.h"

static volatile sig_atomic_t stop_requests;
static volatile sig_atomic_t forward_sig;
static pid_t child_pid;

/*
 * Ctrl-C reaches the program from the terminal by itself; a signal sent
 * to us by a process (kill) is passed on. Two requests stop collecting.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	stop_requests++;
	if (child_pid > 0 && (si->si_code == SI_USER || sig == SIGTERM ||
			      sig == SIGHUP))
		kill(child_pid, sig);
	forward_sig = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

struct run_opts {
	const char *out;
	const char *policy;	/* absolute path, or NULL */
	bool quiet;
	bool no_follow;
	bool audit;
	bool live;
	bool force;
	struct sl_writer_opts wo;
	bool lossless;
	bool no_peek;
	bool inode;
};

static void child_env(const char *lib, const char *sock,
		      const struct run_opts *ro)
{
	const char *old = getenv("LD_PRELOAD");
	char pre[PATH_MAX * 2];

	if (old && *old)
		snprintf(pre, sizeof(pre), "%s:%s", lib, old);
	else
		snprintf(pre, sizeof(pre), "%s", lib);
	setenv("LD_PRELOAD", pre, 1);
	setenv("SOCKLENS_SOCKET", sock, 1);
	unsetenv("SOCKLENS_DISABLE");
	if (ro->no_follow)
		setenv("SOCKLENS_NO_FOLLOW", "1", 1);
	else
		unsetenv("SOCKLENS_NO_FOLLOW");
	if (ro->policy) {
		setenv("SOCKLENS_POLICY", ro->policy, 1);
		setenv("SOCKLENS_POLICY_MODE", ro->audit ? "audit" : "enforce", 1);
	}
	if (ro->lossless)
		setenv("SOCKLENS_LOSSLESS", "1", 1);
	if (ro->no_peek)
		setenv("SOCKLENS_NO_PEEK", "1", 1);
	if (ro->inode)
		setenv("SOCKLENS_INODE", "1", 1);
}

/*
 * Forks and execs PROGRAM; *STARTED says whether the exec succeeded (a
 * close-on-exec pipe: end of file means it did, an errno that it did not).
 */
static pid_t start(char **argv, const char *lib, const char *sock,
		   const struct run_opts *ro, bool *started)
{
	int p[2], e = 0;
	pid_t pid;

	*started = false;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid != 0) {
		close(p[1]);
		if (pid > 0)
			while (read(p[0], &e, sizeof(e)) < 0 && errno == EINTR)
				;
		*started = pid > 0 && !e;
		close(p[0]);
		return pid;
	}
	close(p[0]);
	signal(SIGINT, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	child_env(lib, sock, ro);
	execvp(argv[0], argv);
	e = errno;
	fprintf(stderr, "%s: %s: %s\n", sl_prog(), argv[0], strerror(e));
	if (write(p[1], &e, sizeof(e)) < 0) {
		/* The parent reads end of file, and keeps a trace of
		 * nothing: better than none. */
	}
	_exit(e == ENOENT ? 127 : 126);
}

/* A shell's idea of the status: the code, or 128 + the signal. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int collect_until_done(struct sl_collector *c, pid_t pid,
			      struct sl_live *live)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status = 0;
	bool exited = false;
	bool said = false;

	if (pidfd >= 0)
		sl_collector_add_fd(c, pidfd);
	while (stop_requests < 2) {
		sl_collector_poll(c, pidfd >= 0 ? (live ? 250 : 1000) : 50);
		sl_live_tick(live);
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			if (pidfd >= 0)
				close(pidfd);
			pidfd = -1;
		}
		/* Gone only once no connection waits in the listen queue
		 * either: a daemon's grandchild connects while its parents
		 * exit, and its connection may not have made this round. */
		if (exited && !c->nconns) {
			sl_collector_poll(c, 0);
			if (!c->nconns)
				break;
		}
		if (exited && !said && !c->quiet && !live &&
		    isatty(STDERR_FILENO)) {
			fprintf(stderr, "%s: waiting for %u traced processes "
				"(Ctrl-C twice to stop)\n", sl_prog(), c->nconns);
			said = true;
		}
	}
	if (!exited) {
		waitpid(pid, &status, 0);
	}
	return exit_code(status);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s run [-o FILE] [-C SIZE [-W COUNT]] [-q] [--live] "
		"[--no-follow] [--no-peek] [--inode] [--lossless] [-p POLICY [--audit]] [--] PROGRAM [ARGS...]\n"
		"  -o FILE       write the trace here (default socklens.trace)\n"
		"  -C SIZE       rotate into FILE.000, FILE.001... of at most SIZE\n"
		"  -W COUNT      with -C: keep only the last COUNT files\n"
		"  -q            do not draw the timeline afterwards\n"
		"  --no-follow   do not trace the programs PROGRAM execs\n"
		"  --no-peek     never look at the bytes sockets carry (no TLS\n"
		"                names, no HTTP requests; SOCKLENS_NO_PEEK=1)\n"
		"  --inode       name every socket by its kernel inode, as ss -e\n"
		"                shows it (one fstat per socket; SOCKLENS_INODE=1)\n"
		"  -p POLICY     enforce a socket-option policy (checked first)\n"
		"  --audit       record what the policy would do, change nothing\n"
		"  --live        redraw the open sockets' timeline while it runs\n"
		"  --force       run a program socklens inspect says it cannot trace\n"
		"  --lossless    a thread waits for the collector (at most 1 s, "
		"SOCKLENS_LOSSLESS_MS)\n"
		"                instead of dropping records when memory is full\n",
		sl_prog());
}

/*
 * The checks of `socklens inspect`, before the program starts: a static
 * program, or one the kernel would run in secure mode, would run
 * untraced, and the user would find out only from an empty trace. -1
 * refuses (unless --force). Where the program can reach the kernel
 * around the preload, RISKS says how, for the summary after the run.
 */
static char untraced_why[256];	/* --force ran what cannot be traced */

static int check_program(const char *prog, bool force, struct sl_risks *risks)
{
	struct sl_prog *pg = sl_xmalloc(sizeof(*pg));
	struct sl_deps d = { 0 };
	struct sl_elf_info in;
	const char *why, *path;
	int ret = 0;

	risks->n = 0;
	if (sl_prog_find(prog, pg) < 0) {
		free(pg);
		return 0;	/* execvp says why, as without us */
	}
	path = pg->file[pg->n - 1];
	if (sl_elf_inspect(path, &in) < 0) {
		sl_elf_info_free(&in);
		free(pg);
		return 0;	/* not ELF to us; the kernel may know better */
	}
	why = sl_elf_untraceable(&in);
	if (why) {
		fprintf(stderr, "%s: %s cannot be traced: %s%s\n", sl_prog(), path,
			why, force ? " (running it anyway: --force)" :
				     "\n  (--force runs it anyway)");
		ret = force ? 0 : -1;
		if (force)
			snprintf(untraced_why, sizeof(untraced_why), "%s: %s",
				 path, why);
	} else {
		sl_deps_walk(&in, &d);
		sl_prog_risks(&in, &d, risks);
		sl_deps_free(&d);
	}
	sl_elf_info_free(&in);
	free(pg);
	return ret;
}

/* The trace's directory must exist and be writable: said so, not as
 * the collector's failure. */
static int check_trace_dir(const char *out)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(out, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out + !(slash - out)),
			 out);
	if (access(dir, W_OK) == 0)
		return 0;
	fprintf(stderr, "%s: -o %s: cannot write the trace into %s: %s\n",
		sl_prog(), out, dir, strerror(errno));
	return -1;
}

/* What the trace cannot hold, said after it (on stderr, -q or not). */
static void say_risks(const struct sl_risks *r)
{
	for (int i = 0; i < r->n; i++)
		fprintf(stderr, "%s: %s: calls made that way are not in this "
			"trace\n", sl_prog(), r->line[i]);
}

/* A bad policy stops the run before the program starts. */
static int check_policy(const char *path, char abs[PATH_MAX])
{
	struct sl_policy p;
	int ret = sl_policy_load(&p, path);

	sl_policy_free(&p);
	if (ret < 0)
		return -1;
	if (!realpath(path, abs)) {
		fprintf(stderr, "%s: %s: %s\n", sl_prog(), path, strerror(errno));
		return -1;
	}
	return 0;
}

int sl_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-follow", no_argument, NULL, 'F' },
		{ "policy", required_argument, NULL, 'p' },
		{ "audit", no_argument, NULL, 'A' },
		{ "live", no_argument, NULL, 'L' },
		{ "force", no_argument, NULL, 'f' },
		{ "rotate-size", required_argument, NULL, 'C' },
		{ "rotate-count", required_argument, NULL, 'W' },
		{ "lossless", no_argument, NULL, 'S' },
		{ "no-peek", no_argument, NULL, 'P' },
		{ "inode", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts ro = { .out = "socklens.trace", .wo.tmp = true };
	const char *policy = NULL;
	char lib[PATH_MAX], policy_abs[PATH_MAX];
	struct sl_collector col;
	struct sl_risks risks;
	struct sl_live *live;
	int c, err, code;
	long n;
	bool started;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:qp:C:W:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (sl_parse_size(optarg, &ro.wo.rot_size))
				return sl_arg_fail("run", usage, "-C: '%s' is not "
						   "a size of at least %uk (k, M, "
						   "G)", optarg, SL_ROT_MIN >> 10);
			break;
		case 'W':
			if (sl_arg_long(optarg, 1, 1000000, &n) < 0)
				return sl_arg_fail("run", usage, "-W: '%s' is not "
						   "a count from 1", optarg);
			ro.wo.rot_keep = (uint32_t)n;
			break;
		case 'o':
			ro.out = optarg;
			break;
		case 'q':
			ro.quiet = true;
			break;
		case 'F':
			ro.no_follow = true;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'A':
			ro.audit = true;
			break;
		case 'L':
			ro.live = true;
			break;
		case 'f':
			ro.force = true;
			break;
		case 'S':
			ro.lossless = true;
			break;
		case 'I':
			ro.inode = true;
			break;
		case 'P':
			ro.no_peek = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return sl_arg_getopt_fail("run", usage, c, argv);
		}
	}
	if (optind >= argc)
		return sl_arg_fail("run", usage, "missing PROGRAM");
	if (ro.audit && !policy)
		return sl_arg_fail("run", usage, "--audit needs -p POLICY");
	if (ro.wo.rot_keep && !ro.wo.rot_size)
		return sl_arg_fail("run", usage, "-W COUNT needs -C SIZE");
	if (check_trace_dir(ro.out) < 0)
		return 1;
	if (check_program(argv[optind], ro.force, &risks) < 0)
		return 1;
	if (policy) {
		if (check_policy(policy, policy_abs) < 0) {
			fprintf(stderr, "%s: the policy is refused; %s was not "
				"started\n", sl_prog(), argv[optind]);
			return 1;
		}
		ro.policy = policy_abs;
	}
	err = sl_find_preload(lib, sizeof(lib));
	if (err) {
		fprintf(stderr, "%s: cannot find libsocklens.so (set "
			"SOCKLENS_PRELOAD): %s\n", sl_prog(), strerror(-err));
		return 1;
	}
	err = sl_collector_open(&col, NULL, ro.out, &ro.wo);
	if (err) {
		fprintf(stderr, "%s: collector on %s, trace %s: %s\n", sl_prog(),
			col.sock_path[0] ? col.sock_path : "(private dir)",
			ro.out, strerror(-err));
		sl_collector_close(&col);
		return 1;
	}
	col.quiet = ro.quiet;
	catch_signals();
	/* A file-size limit fails the write (EFBIG), said and counted,
	 * instead of killing us; the program keeps its own disposition. */
	signal(SIGXFSZ, SIG_IGN);
	child_pid = start(argv + optind, lib, col.sock_path, &ro, &started);
	if (child_pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", sl_prog(), strerror(errno));
		sl_writer_discard(&col.w);
		sl_collector_close(&col);
		return 1;
	}
	if (!started) {
		/* It never ran: an earlier trace stays as it was. */
		int status = 0;

		waitpid(child_pid, &status, 0);
		sl_writer_discard(&col.w);
		sl_collector_close(&col);
		return exit_code(status);
	}
	err = sl_writer_publish(&col.w);
	if (err)
		fprintf(stderr, "%s: %s: rename to %s: %s; the trace is %s\n",
			sl_prog(), col.w.cur, ro.out, strerror(-err), col.w.cur);
	/* On a terminal a long run shows a status line; --live the open
	 * sockets' timeline. */
	live = ro.live || (!ro.quiet && isatty(STDERR_FILENO)) ?
	       sl_live_new(&col, ro.live) : NULL;
	code = collect_until_done(&col, child_pid, live);
	sl_live_free(live);
	sl_collector_close(&col);
	if (!ro.quiet) {
		struct sl_render_opts o = { .width = sl_term_width(stderr),
					    .color = sl_color_wanted(stderr) };

		fputc('\n', stderr);
		if (!sl_view_file(stderr, ro.out, &o))
			fprintf(stderr, "trace: %s\n", ro.out);
	}
	say_risks(&risks);
	if (col.w.lost || col.w.failures)
		fprintf(stderr, "%s: %s: %llu records lost (%s: %s)\n", sl_prog(),
			col.w.cur, (unsigned long long)col.w.lost,
			col.w.what ? col.w.what : "write", strerror(col.w.err));
	if (untraced_why[0])
		fprintf(stderr, "%s: nothing could be traced: %s; the program "
			"ran without the preload (--force)\n", sl_prog(),
			untraced_why);
	return code;
}
