#!/usr/bin/env python3
"""The strace oracle: does socklens tell the truth about a real program?

  oracle.py run [--corpus FILE] [--keep DIR] [NAME...]
      runs each corpus program (tests/oracle/corpus.txt) under
      `socklens run -- strace -f -ttt -yy ... -- sh SCRIPT` (both watch the
      same processes: strace traces the program, the preload is in it),
      then compares socket by socket. Exit 1 on any mismatch, 77 when every
      program was skipped.
  oracle.py check --strace S --trace T [--collector PATH]
      compares one strace output with one socklens trace.
  oracle.py needs [--corpus FILE]
      prints "NAME CMD PACKAGE" for each command a program needs.

SL_BUILD (default ./build) holds the socklens binary. Standard library
only. See tests/oracle/README.md for how to read a mismatch.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare            # noqa: E402
import socklensmodel      # noqa: E402
import straceparse        # noqa: E402
import stracemodel        # noqa: E402

TRACE = ("socket,socketpair,bind,listen,connect,accept,accept4,shutdown,"
         "getsockopt,close,?close_range,dup,dup2,dup3,fcntl,ioctl,"
         "read,write,readv,writev,?send,?recv,sendto,recvfrom,sendmsg,"
         "recvmsg,sendmmsg,recvmmsg,sendfile,splice,"
         "epoll_create,epoll_create1,epoll_ctl,epoll_wait,epoll_pwait,"
         "?epoll_pwait2,poll,ppoll,select,pselect6,"
         "clone,?clone3,fork,vfork,execve,execveat,exit_group,?pidfd_getfd,"
         "?io_uring_setup,?io_uring_enter")
RUN_SECONDS = 40


def socklens_bin():
    build = os.environ.get("SL_BUILD") or os.path.join(HERE, "..", "..",
                                                       "build")
    return os.path.join(build, "socklens")


def read_corpus(path):
    """[(name, [(cmd, pkg)], script)] from the corpus file: one program a
    line, "name | cmd[=package] ... | script", a trailing backslash goes
    on to the next line, # comments."""
    entries = []
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            raise SystemExit("%s: a line without name | needs | script: %s"
                             % (path, line[:60]))
        needs = []
        for word in parts[1].split():
            cmd, _, pkg = word.partition("=")
            needs.append((cmd, pkg or cmd))
        entries.append((parts[0].strip(), needs, parts[2].strip()))
    return entries


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def real_python():
    """The python3 binary itself, not a version manager's shim script (a
    shim's own processes would only be noise in the trace)."""
    exe = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"],
                         capture_output=True, text=True).stdout.strip()
    return exe or "python3"


def check(strace_path, sockets_path, jsonl_path, collector=None, name="",
          log=False):
    calls, _ = straceparse.read_file(strace_path)
    sm = stracemodel.build(calls, collector)
    view = socklensmodel.load(sockets_path, jsonl_path)
    return compare.compare(sm, view, name, log)


def export(sl, trace, fmt, out):
    with open(out, "w") as f:
        p = subprocess.run([sl, "export", "-f", fmt, trace], stdout=f,
                           stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise RuntimeError("socklens export -f %s %s: %s" %
                           (fmt, trace, p.stderr.strip()))


def run_entry(sl, name, script, work, env_extra):
    """Runs one program under socklens and strace; returns the paths."""
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    sh = os.path.join(work, "run.sh")
    with open(sh, "w") as f:
        f.write("set -u\n. %s/corpus_lib.sh\n" % HERE)
        f.write('printf %s "${SOCKLENS_SOCKET:-}" >"$DIR/collector"\n')
        f.write(script + "\n")
    env = dict(os.environ)
    env.update(env_extra)
    env["DIR"] = work
    trace = os.path.join(work, "t.trace")
    strace_out = os.path.join(work, "strace.out")
    cmd = [sl, "run", "-q", "-o", trace, "--", "strace", "-f", "-ttt", "-T",
           "-yy", "-s", "16", "--seccomp-bpf", "-o", strace_out,
           "-e", "trace=" + TRACE, "--", "sh", sh]
    with open(os.path.join(work, "output"), "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             env=env, cwd=work, start_new_session=True)
        try:
            rc = p.wait(RUN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise RuntimeError("%s did not finish in %ds" %
                               (name, RUN_SECONDS))
    if rc:
        with open(os.path.join(work, "output")) as f:
            tail = f.read()[-600:]
        raise RuntimeError("%s exited %d:\n%s" % (name, rc, tail))
    with open(os.path.join(work, "collector")) as f:
        collector = f.read().strip() or None
    export(sl, trace, "sockets", os.path.join(work, "sockets.json"))
    export(sl, trace, "jsonl", os.path.join(work, "records.jsonl"))
    return strace_out, collector


def print_report(r, out, verbose=False):
    print("== %s: %d facts compared over %d sockets (%d classified), "
          "%d mismatches" % (r.name, r.facts, r.matched, len(r.classified),
                             len(r.mismatches)), file=out)
    for mm in r.mismatches:
        print("   MISMATCH %s" % mm, file=out)
    counts = {}
    for reason, desc in r.classified:
        counts.setdefault(reason, []).append(desc)
    for reason, descs in sorted(counts.items()):
        print("   classified: %d x %s, e.g. %s" % (len(descs), reason,
                                                   descs[0]), file=out)
        for desc in descs[1:] if verbose else ():
            print("      %s" % desc, file=out)
    for ok, fact in r.log or ():
        print("   %s %s" % ("ok      " if ok else "MISMATCH", fact), file=out)
    for note in r.notes[:10 if not verbose else len(r.notes)]:
        print("   note: %s" % note, file=out)
    if len(r.notes) > 10 and not verbose:
        print("   note: ... %d more" % (len(r.notes) - 10), file=out)


def summary(reports, out):
    print("\n== summary: mismatches by fact", file=out)
    facts = sorted(set(mm.fact for r in reports for mm in r.mismatches))
    for fact in facts:
        per = ["%s %d" % (r.name, sum(1 for mm in r.mismatches
                                      if mm.fact == fact))
               for r in reports if any(mm.fact == fact for mm in r.mismatches)]
        print("   %-16s %s" % (fact, ", ".join(per)), file=out)
    total = sum(r.facts for r in reports)
    bad = sum(len(r.mismatches) for r in reports)
    print("   %d facts compared, %d mismatches, over %d programs" %
          (total, bad, len(reports)), file=out)


def cmd_run(a):
    sl = socklens_bin()
    if not os.access(sl, os.X_OK):
        print("skipped: %s is not built" % sl)
        return 77
    if not shutil.which("strace"):
        print("skipped: strace is not installed")
        return 77
    entries = read_corpus(a.corpus)
    if a.names:
        entries = [e for e in entries if e[0] in a.names]
    keep = a.keep or tempfile.mkdtemp(prefix="oracle.")
    os.makedirs(keep, exist_ok=True)
    os.chmod(keep, 0o755)   # nginx workers run as nobody
    py = real_python()
    reports, failed, skipped = [], [], []
    for name, needs, script in entries:
        missing = [c for c, _ in needs if not shutil.which(c)]
        if missing:
            print("== %s: skipped: %s not installed" %
                  (name, ", ".join(missing)))
            skipped.append(name)
            continue
        p = free_ports(4)
        env = {"P%d" % (i + 1): str(x) for i, x in enumerate(p)}
        env.update(PY=py, PROGS=os.path.join(HERE, "progs"),
                   SL_ROOT=os.path.join(HERE, "..", ".."),
                   SAMPLES=os.path.join(os.path.dirname(sl), "samples"))
        work = os.path.join(keep, name)
        start = time.time()
        try:
            strace_out, collector = run_entry(sl, name, script, work, env)
            r = check(strace_out, os.path.join(work, "sockets.json"),
                      os.path.join(work, "records.jsonl"), collector, name,
                      a.facts)
        except (RuntimeError, OSError) as e:
            print("== %s: FAILED to run: %s" % (name, e))
            failed.append(name)
            continue
        r.name = "%s (%.1fs)" % (name, time.time() - start)
        print_report(r, sys.stdout, a.verbose)
        r.name = name
        reports.append(r)
        sys.stdout.flush()
    summary(reports, sys.stdout)
    if failed:
        print("   programs that did not run: %s" % " ".join(failed))
    if skipped:
        print("   skipped: %s" % " ".join(skipped))
    print("   files kept in %s" % keep if a.keep else "", end="")
    if not a.keep:
        shutil.rmtree(keep, ignore_errors=True)
    print()
    if not reports and not failed:
        return 77
    return 1 if failed or any(r.mismatches for r in reports) else 0


def cmd_check(a):
    sl = socklens_bin()
    work = tempfile.mkdtemp(prefix="oracle-check.")
    try:
        socks = a.sockets or os.path.join(work, "sockets.json")
        jsonl = a.jsonl or os.path.join(work, "records.jsonl")
        if not a.sockets:
            export(sl, a.trace, "sockets", socks)
        if not a.jsonl:
            export(sl, a.trace, "jsonl", jsonl)
        r = check(a.strace, socks, jsonl, a.collector, a.name or a.strace,
                  a.facts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_report(r, sys.stdout, a.verbose)
    return 1 if r.mismatches else 0


def cmd_needs(a):
    for name, needs, _ in read_corpus(a.corpus):
        for cmd, pkg in needs:
            print(name, cmd, pkg)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    corpus = os.path.join(HERE, "corpus.txt")
    r = sub.add_parser("run")
    r.add_argument("--corpus", default=corpus)
    r.add_argument("--keep", help="keep each run's files here")
    r.add_argument("-v", "--verbose", action="store_true")
    r.add_argument("--facts", action="store_true",
                   help="print every fact compared, not only mismatches")
    r.add_argument("names", nargs="*")
    c = sub.add_parser("check")
    c.add_argument("--strace", required=True)
    c.add_argument("--trace")
    c.add_argument("--sockets")
    c.add_argument("--jsonl")
    c.add_argument("--collector")
    c.add_argument("--name")
    c.add_argument("-v", "--verbose", action="store_true")
    c.add_argument("--facts", action="store_true")
    n = sub.add_parser("needs")
    n.add_argument("--corpus", default=corpus)
    a = ap.parse_args(argv)
    if a.cmd == "check" and not a.trace and not (a.sockets and a.jsonl):
        ap.error("check needs --trace, or --sockets and --jsonl")
    return {"run": cmd_run, "check": cmd_check, "needs": cmd_needs}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
