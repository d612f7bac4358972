/*
 * socklens run [-o FILE] [-q] [--no-follow] [--] PROGRAM [ARGS...]
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
 */
#include <errno.h>
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

/*
 * The preload: $SOCKLENS_PRELOAD, else beside this executable (the build
 * tree), else PREFIX/lib/socklens/ when this is PREFIX/bin/socklens.
 */
static int find_preload(char *buf, size_t len)
{
	const char *env = getenv("SOCKLENS_PRELOAD");
	char self[PATH_MAX];
	ssize_t n;
	char *dir;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	dir = dirname(self);
	snprintf(buf, len, "%s/libsocklens.so", dir);
	if (!access(buf, R_OK))
		return 0;
	snprintf(buf, len, "%s/../lib/socklens/libsocklens.so", dir);
	return access(buf, R_OK) ? -ENOENT : 0;
}

struct run_opts {
	const char *out;
	const char *policy;	/* absolute path, or NULL */
	bool quiet;
	bool no_follow;
	bool audit;
	bool live;
	bool force;
	bool lossless;
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
}

static pid_t start(char **argv, const char *lib, const char *sock,
		   const struct run_opts *ro)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	child_env(lib, sock, ro);
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s: %s\n", sl_prog(), argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
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
		if (exited && !c->nconns)
			break;
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
	fprintf(f, "usage: %s run [-o FILE] [-q] [--live] [--no-follow] [--lossless] "
		"[-p POLICY [--audit]] [--] PROGRAM [ARGS...]\n"
		"  -o FILE       write the trace here (default socklens.trace)\n"
		"  -q            do not draw the timeline afterwards\n"
		"  --no-follow   do not trace the programs PROGRAM execs\n"
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
	} else {
		sl_deps_walk(&in, &d);
		sl_prog_risks(&in, &d, risks);
		sl_deps_free(&d);
	}
	sl_elf_info_free(&in);
	free(pg);
	return ret;
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
		{ "lossless", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts ro = { .out = "socklens.trace" };
	const char *policy = NULL;
	char lib[PATH_MAX], policy_abs[PATH_MAX];
	struct sl_collector col;
	struct sl_risks risks;
	struct sl_live *live;
	int c, err, code;

	while ((c = getopt_long(argc, argv, "+o:qp:h", opts, NULL)) != -1) {
		switch (c) {
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
		case 'W':
			ro.lossless = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || (ro.audit && !policy)) {
		usage(stderr);
		return 2;
	}
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
	err = find_preload(lib, sizeof(lib));
	if (err) {
		fprintf(stderr, "%s: cannot find libsocklens.so (set "
			"SOCKLENS_PRELOAD): %s\n", sl_prog(), strerror(-err));
		return 1;
	}
	err = sl_collector_open(&col, NULL, ro.out);
	if (err) {
		fprintf(stderr, "%s: collector on %s, trace %s: %s\n", sl_prog(),
			col.sock_path[0] ? col.sock_path : "(private dir)",
			ro.out, strerror(-err));
		sl_collector_close(&col);
		return 1;
	}
	col.quiet = ro.quiet;
	catch_signals();
	child_pid = start(argv + optind, lib, col.sock_path, &ro);
	if (child_pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", sl_prog(), strerror(errno));
		sl_collector_close(&col);
		return 1;
	}
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
	return code;
}
