# The server patterns of the study notes, each traced and held to the
# truth (issue 13, item 10). Every scenario runs bare and traced: the
# program must behave the same, and the trace must say what happened,
# fact by fact, each fact a named check that prints what it expected and
# what it found. The facts come from the programs' own output (who served
# which connection, what was dropped) and from the preload's records
# (`export -f jsonl`); the checks read `export -f sockets`, `-f epoll`,
# `audit --json` and `view`. What the samples do was checked against
# `strace -f -yy` when they were written.
#
#   emfile     samples/emfile_scenario.sh: the EMFILE idle-fd trick. Each
#              failed accept is an event on the listener at its time, not
#              the listener's outcome; the dropped connections are paired
#              and closed by the server; audit names the listener that hit
#              the process's fd limit; traced as the program run directly,
#              the server holds as many connections as bare.
#   udp        samples/udp_timeout_scenario.sh: the UDP client's recvfrom
#              blocks until SIGALRM ends it with EINTR: the socket's row
#              has the wait and its end, not a plain `created` bar.
#   reuseport  samples/reuseport_scenario.sh: each server row is under the
#              worker that accepted it, with that worker's own listener.
#   epollex    samples/epollex_scenario.sh: one listener in one epoll
#              instance per worker (EPOLLEXCLUSIVE), workers forked, and
#              (epollex_threads) threads of one process: which worker's
#              wait returned the listener, which worker accepted what, and
#              the EAGAIN that ends each wake-up as an event at its time.
#
# An event on a socket's row (a failed accept, an interrupted wait) is
# recognised in `export -f sockets` as any item of a list on the socket
# that names the errno ("errno" or "error") and has a time ("ts_ns" or
# "start_ns", the time the failing call began) and, for a wait, a length
# ("dur_ns", or "end_ns"); a "pid" or "tid" on the item, where there is
# one, must be the process or thread that made the call.
. "$(dirname "$0")/lib.sh"
need python3

cat >"$TMP/check.py" <<'PY'
import json
import re
import sys

fails = 0


def check(name, expected, actual, ok=None):
    """One named fact: prints ok, or what was expected and what was found."""
    global fails
    if ok is None:
        ok = expected == actual
    if ok:
        print("ok   %s" % name)
        return True
    fails += 1
    print("FAIL %s\n       expected: %s\n       actual:   %s" %
          (name, expected, actual))
    return False


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def port(addr):
    return int(addr.rsplit(":", 1)[1]) if addr else None


def names(sock):
    return [st["state"] for st in sock["states"]]


def events(sock, err):
    """The items on SOCK's lists that name errno ERR."""
    found = []
    for value in sock.values():
        if isinstance(value, list):
            found += [it for it in value if isinstance(it, dict) and
                      err in (it.get("errno"), it.get("error"))]
    return found


def ev_time(it):
    for key in ("ts_ns", "start_ns", "time_ns"):
        if isinstance(it.get(key), int):
            return it[key]
    return None


def ev_dur(it):
    if isinstance(it.get("dur_ns"), int):
        return it["dur_ns"]
    if isinstance(it.get("end_ns"), int) and ev_time(it) is not None:
        return it["end_ns"] - ev_time(it)
    return None


def pids_of(recs, prog):
    """Pids whose image is PROG (their hello after an exec)."""
    return {r["pid"] for r in recs if r["type"] == "hello" and
            not r["forked"] and r["exe"].endswith("/" + prog)}


def calls(recs, pid=None, call=None, inode=None, errno=None):
    out = [r for r in recs if r["type"] == "call"]
    if pid is not None:
        out = [r for r in out if r["pid"] == pid]
    if call is not None:
        out = [r for r in out if r["call"] in call]
    if inode is not None:
        out = [r for r in out if r["inode"] == inode]
    if errno is not None:
        out = [r for r in out if r["errno"] == errno]
    return sorted(out, key=lambda r: r["ts_ns"])


def one(items, what):
    if not check("%s: exactly one" % what, 1, len(items)):
        return None
    return items[0]


def behaviour(name, bare, traced, scrub=lambda line: line):
    """The program's output, traced, is its output bare (as sets of
    lines: processes share stdout)."""
    b = sorted(filter(None, map(scrub, lines(bare))))
    t = sorted(filter(None, map(scrub, lines(traced))))
    check("%s: the same output bare and traced" % name, b, t)


def bar(row):
    """The timeline part of a `view` row."""
    return row[row.index("|") + 1:row.rindex("|")] if "|" in row else ""


def common(name, socks):
    missing = [s["id"] for s in socks if "error_ns" not in s]
    check("%s: every socket has error_ns (sockets export)" % name,
          "all", "missing on %s" % missing if missing else "all")
    wrong = ["%d: %s at %s" % (s["id"], s["error"], s.get("error_ns"))
             for s in socks if s["error"] and not
             (isinstance(s.get("error_ns"), int) and
              s["start_ns"] <= s["error_ns"] <= (s["end_ns"] or 2**64))]
    check("%s: every error has its time within the socket's life" % name,
          [], wrong)


def emfile(d):
    out = lines(d + "/emfile.out")
    kept = [int(m.group(1)) for m in
            (re.match(r"connection (\d+): kept$", l) for l in out) if m]
    dropped = [int(m.group(1)) for m in
               (re.match(r"connection (\d+): EMFILE, dropped$", l)
                for l in out) if m]
    behaviour("emfile", d + "/emfile.bare", d + "/emfile.out")
    check("emfile: the program dropped some connections (scenario)",
          "kept 3, dropped 3",
          "kept %d, dropped %d" % (len(kept), len(dropped)))
    check("emfile: traced directly (no shell before it), the server holds "
          "as many connections as bare", lines(d + "/direct.bare"),
          lines(d + "/direct.out"))
    recs = load(d + "/emfile.jsonl")
    socks = load(d + "/emfile.sockets")
    common("emfile", socks)
    spid = one(sorted(pids_of(recs, "emfile_server")), "emfile: emfile_server")
    cpid = one(sorted(pids_of(recs, "burst_client")), "emfile: burst_client")
    lst = one([s for s in socks if s["role"] == "listener" and
               s["pid"] == spid], "emfile: listener of emfile_server")
    if lst is None or cpid is None:
        return
    by_id = {s["id"]: s for s in socks}
    failed = calls(recs, spid, ("accept", "accept4"), lst["inode"], "EMFILE")
    check("emfile: a record for each accept that failed with EMFILE (jsonl)",
          len(dropped), len(failed))
    check("emfile: EMFILE is not the listener's outcome",
          "error null, error_ns null",
          "error %s, error_ns %s" % (lst["error"], lst.get("error_ns")),
          lst["error"] is None and lst.get("error_ns") is None)
    evs = events(lst, "EMFILE")
    check("emfile: each failed accept is an event on the listener at its "
          "time", [r["ts_ns"] for r in failed],
          sorted(ev_time(e) for e in evs if ev_time(e) is not None)
          if evs else "no EMFILE event on the listener (its lists: %s)" %
          [k for k, v in lst.items() if isinstance(v, list)])
    check("emfile: the listener accepted every connection, kept or dropped",
          len(kept) + len(dropped), lst["accepted"])
    clients = sorted((s for s in socks if s["pid"] == cpid and
                      s["role"] == "client"), key=lambda s: s["start_ns"])
    check("emfile: one client row per connection", len(kept) + len(dropped),
          len(clients))
    for i, c in enumerate(clients, 1):
        s = by_id.get(c["peer"])
        if not check("emfile: connection %d's client is paired with a "
                     "server row of the listener" % i,
                     "server of listener %d in pid %d" % (lst["id"], spid),
                     "%s of listener %s in pid %s, pointing back %s" %
                     (s["role"], s["listener"], s["pid"], s["peer"] == c["id"])
                     if s else "peer %s" % c["peer"],
                     s is not None and s["role"] == "server" and
                     s["listener"] == lst["id"] and s["pid"] == spid and
                     s["peer"] == c["id"]):
            continue
        if i in dropped:
            closed = [st["start_ns"] for st in c["states"]
                      if st["state"] == "peer-closed"]
            check("emfile: dropped connection %d: the server closed it at "
                  "once, unused, before the client saw the end" % i,
                  "server closed, 0 B each way, before client's peer-closed",
                  "server end %s, tx %d rx %d, client peer-closed at %s" %
                  (s["end_ns"], s["tx_bytes"], s["rx_bytes"], closed),
                  s["end_ns"] is not None and s["tx_bytes"] == 0 and
                  s["rx_bytes"] == 0 and len(closed) == 1 and
                  s["end_ns"] <= closed[0])
        else:
            greeting = len("welcome %d\n" % i)
            check("emfile: kept connection %d: greeted, then closed by the "
                  "client first" % i,
                  "%d B to the client, server peer-closed" % greeting,
                  "%d B sent, %d B received, server states %s" %
                  (s["tx_bytes"], c["rx_bytes"], names(s)),
                  s["tx_bytes"] == c["rx_bytes"] == greeting and
                  "peer-closed" in names(s))
    findings = load(d + "/emfile.audit")
    limit = [f for f in findings if lst["id"] in f["sockets"] and
             re.search(r"limit|EMFILE|open files",
                       f["kind"] + " " + f["message"], re.I)]
    check("emfile: audit names the listener that hit the process's fd limit",
          "a finding on socket %d, pid %d" % (lst["id"], spid),
          ["%s pid %d: %s" % (f["kind"], f["pid"], f["message"])
           for f in limit] or [f["kind"] for f in findings],
          len(limit) >= 1 and all(f["pid"] == spid for f in limit))
    view = [l for l in lines(d + "/emfile.view")
            if re.match(r"\s*%d listen " % lst["id"], l)]
    check("emfile: the view's listener row: no error mark at its start, "
          "outcome closed", "|L... closed", view[0] if view else "no row",
          len(view) == 1 and bar(view[0]).startswith("L") and
          view[0].split()[-1] == "closed")


def udp(d):
    behaviour("udp", d + "/udp.bare", d + "/udp.out")
    check("udp: the client's recvfrom was interrupted (scenario)",
          True, "recvfrom: Interrupted system call" in lines(d + "/udp.out"))
    recs = load(d + "/udp.jsonl")
    socks = load(d + "/udp.sockets")
    common("udp", socks)
    pid = one(sorted(pids_of(recs, "udp_client")), "udp: udp_client")
    s = one([s for s in socks if s["pid"] == pid], "udp: socket of udp_client")
    if s is None:
        return
    sent = calls(recs, pid, ("sendto",), s["inode"])
    gone = calls(recs, pid, ("exit",))
    if not check("udp: the sendto and the exit are recorded (jsonl)",
                 "1 sendto, 1 exit", "%d sendto, %d exit" %
                 (len(sent), len(gone)), len(sent) == 1 and len(gone) == 1):
        return
    t0, t1 = sent[0]["ts_ns"], gone[0]["ts_ns"]
    intr = calls(recs, pid, ("recvfrom", "recv", "recvmsg", "read"),
                 s["inode"], "EINTR")
    # The wait began after the sendto and ended before the exit; the
    # client did nothing else that takes time, so it is most of that.
    check("udp: the recvfrom that EINTR ended is recorded with its wait "
          "(jsonl)", "one EINTR record in [sendto, exit], at least half "
          "of %d ns long" % (t1 - t0),
          ["%s at +%d ns for %d ns" % (r["call"], r["ts_ns"] - t0,
                                       r["dur_ns"]) for r in intr],
          len(intr) == 1 and intr[0]["ts_ns"] >= t0 and
          intr[0]["ts_ns"] + intr[0]["dur_ns"] <= t1 and
          2 * intr[0]["dur_ns"] >= t1 - t0)
    evs = events(s, "EINTR")
    ok = len(evs) == 1 and ev_time(evs[0]) is not None and \
        ev_dur(evs[0]) is not None and ev_time(evs[0]) >= t0 and \
        ev_time(evs[0]) + ev_dur(evs[0]) <= t1 and \
        2 * ev_dur(evs[0]) >= t1 - t0
    if ok and intr:
        ok = ev_time(evs[0]) == intr[0]["ts_ns"]
    check("udp: the socket's row shows the wait and its end with EINTR",
          "an EINTR event from the recvfrom's start, most of %d ns long" %
          (t1 - t0), evs or "states %s only" % names(s), ok)
    view = [l for l in lines(d + "/udp.view")
            if re.match(r"\s*%d dgram " % s["id"], l)]
    check("udp: the view's row is not a plain created bar",
          "a mark for the wait or its end", view[0] if view else "no row",
          len(view) == 1 and set(bar(view[0])) - set(". "))
    check("udp: EINTR is not the socket's outcome; its holder exited with "
          "it open", "error null, open_at_exit true",
          "error %s, open_at_exit %s" % (s["error"], s["open_at_exit"]),
          s["error"] is None and s["open_at_exit"] is True)
    check("udp: the address it asked and the local address the kernel gave "
          "at sendto", "remote %s, local %s" % (sent[0].get("addr"),
                                                sent[0].get("local")),
          "remote %s, local %s" % (s["remote"], s["local"]))


def served(d, name, socks, recs, listener_of):
    """The connections as the client printed them: each client row is
    paired with a server row in the process that says it served it, of
    the listener listener_of(pid), accepted by the thread that says so,
    with the bytes said."""
    by_id = {s["id"]: s for s in socks}
    cpid = one(sorted(pids_of(recs, "client")), name + ": client")
    rx = re.compile(r"worker \d+ pid (\d+) tid (\d+) peer (\d+): (hello \d+)$")
    conns = [(m, l) for m, l in ((rx.match(l), l) for l in
                                 lines(d + "/%s.out" % name)) if m]
    check("%s: the client printed every connection (scenario)" % name,
          12, len(conns))
    for m, line in conns:
        wpid, tid, cport, msg = int(m.group(1)), int(m.group(2)), \
            int(m.group(3)), m.group(4)
        c = [s for s in socks if s["pid"] == cpid and s["role"] == "client"
             and port(s["local"]) == cport]
        s = by_id.get(c[0]["peer"]) if len(c) == 1 else None
        lst = listener_of(wpid)
        check("%s: %s (client port %d) is a server row of pid %d under "
              "listener %s" % (name, msg, cport, wpid,
                               lst["id"] if lst else None),
              "pid %d, listener %s, remote port %d, paired" %
              (wpid, lst["id"] if lst else None, cport),
              "pid %s, listener %s, remote port %s, paired %s" %
              (s["pid"], s["listener"], port(s["remote"]),
               s["peer"] == c[0]["id"]) if s else
              "%d client rows, peer %s" % (len(c), c[0]["peer"] if c else None),
              s is not None and lst is not None and s["pid"] == wpid and
              s["role"] == "server" and s["listener"] == lst["id"] and
              port(s["remote"]) == cport and s["peer"] == c[0]["id"])
        if s is None:
            continue
        acc = [r for r in calls(recs, None, ("accept", "accept4"), s["inode"])
               if r["ret"] >= 0]
        check("%s: %s was accepted by thread %d (jsonl)" % (name, msg, tid),
              [(wpid, tid)], [(r["pid"], r["tid"]) for r in acc])
        want = (len(msg) + 1, len(line) + 1)
        check("%s: %s carries its bytes both ways" % (name, msg),
              "server rx %d tx %d, client tx %d rx %d" % (want + want),
              "server rx %d tx %d, client tx %d rx %d" %
              (s["rx_bytes"], s["tx_bytes"], c[0]["tx_bytes"],
               c[0]["rx_bytes"]),
              (s["rx_bytes"], s["tx_bytes"]) == want ==
              (c[0]["tx_bytes"], c[0]["rx_bytes"]))


def scrub_workers(line):
    """Which worker served what varies from run to run; the rest not."""
    if re.match(r"worker \d+ pid \d+ (tid \d+ )?(accepted|woken)", line):
        return None
    return re.sub(r"^worker \d+ pid \d+ tid \d+ peer \d+: ", "worker: ",
                  line)


def reuseport(d):
    behaviour("reuseport", d + "/reuseport.bare", d + "/reuseport.out",
              scrub_workers)
    workers = {int(m.group(1)): int(m.group(2)) for m in
               (re.match(r"worker \d+ pid (\d+) accepted (\d+)$", l)
                for l in lines(d + "/reuseport.out")) if m}
    recs = load(d + "/reuseport.jsonl")
    socks = load(d + "/reuseport.sockets")
    common("reuseport", socks)
    parent = one(sorted(pids_of(recs, "reuseport_server") - set(workers)),
                 "reuseport: parent")
    lsts = [s for s in socks if s["role"] == "listener"]
    check("reuseport: one listener per worker, in that worker",
          sorted(workers), sorted(s["pid"] for s in lsts))
    own = {s["pid"]: s for s in lsts}
    probe = [s for s in socks if s["pid"] == parent]
    port0 = port(lsts[0]["local"]) if lsts else None
    for pid, count in sorted(workers.items()):
        s = own.get(pid)
        check("reuseport: worker pid %d's listener: its own, on the port, "
              "accepted what the worker says, closed" % pid,
              "pids [%d], port %s, accepted %d, closed, no error" %
              (pid, port0, count),
              "pids %s, port %s, accepted %d, %s, error %s" %
              (s["pids"], port(s["local"]), s["accepted"],
               "closed" if s["end_ns"] else "open", s["error"])
              if s else "none",
              s is not None and s["pids"] == [pid] and
              port(s["local"]) == port0 and s["accepted"] == count and
              s["end_ns"] is not None and s["error"] is None)
    check("reuseport: the parent's probe socket was bound, never listened, "
          "closed", "one row: created, bound; port %s; closed" % port0,
          ["%s %s port %s %s" % (s["role"], names(s), port(s["local"]),
                                 "closed" if s["end_ns"] else "open")
           for s in probe],
          len(probe) == 1 and names(probe[0]) == ["created", "bound"] and
          port(probe[0]["local"]) == port0 and probe[0]["end_ns"] is not None)
    served(d, "reuseport", socks, recs, own.get)


def epollex(d, name="epollex"):
    """Forked workers, or with name epollex_threads, threads."""
    f = d + "/" + name
    behaviour(name, f + ".bare", f + ".out", scrub_workers)
    workers = {int(m.group(2)): tuple(map(int, m.group(1, 3, 4, 5)))
               for m in (re.match(r"worker \d+ pid (\d+) tid (\d+) woken "
                                  r"(\d+), accepted (\d+), empty (\d+)$", l)
                         for l in lines(f + ".out")) if m}
    recs = load(f + ".jsonl")
    socks = load(f + ".sockets")
    epolls = load(f + ".epoll")
    common(name, socks)
    parent = one(sorted(pids_of(recs, "epollex_server")), name + ": server")
    lst = one([s for s in socks if s["role"] == "listener"],
              name + ": listener")
    if lst is None:
        return
    wpids = {w[0] for w in workers.values()}
    wakes = sum(w[1] for w in workers.values())
    check("%s: the listener: the server's, held by every worker, accepted "
          "12, no error" % name,
          "pid %s, holders ⊇ %s, accepted 12, error null" %
          (parent, sorted(wpids)),
          "pid %s, holders %s, accepted %d, error %s" %
          (lst["pid"], lst["pids"], lst["accepted"], lst["error"]),
          lst["pid"] == parent and wpids <= set(lst["pids"]) and
          lst["accepted"] == 12 and lst["error"] is None)
    check("%s: one EAGAIN per wake-up counted on the listener" % name,
          wakes, lst["eagain"])
    watching = sorted(e["pid"] for e in epolls for w in e["watches"]
                      if w["socket"] == lst["id"] and
                      {"IN", "EXCLUSIVE"} <= set(w["events"].split("|")))
    check("%s: one epoll instance per worker watches the listener with "
          "EPOLLEXCLUSIVE, in the worker's process" % name,
          sorted(w[0] for w in workers.values()), watching)
    check("%s: the listener's row names each worker's epoll instance and "
          "counts the waits that returned it" % name,
          "%d instances, %d ready" % (len(workers), wakes),
          "%d instances, %d ready" % (len(lst["epoll"]), lst["ready_events"]))
    evs = events(lst, "EAGAIN")
    for tid, (pid, woken, accepted, empty) in sorted(workers.items()):
        who = "worker pid %d tid %d" % (pid, tid)
        ctl = [r for r in recs if r["type"] == "epoll_ctl" and
               r["tid"] == tid and r["pid"] == pid and r["op"] == "add" and
               r["inode"] == lst["inode"]]
        if not check("%s: %s added the listener to an epoll instance of its "
                     "own once (jsonl)" % (name, who), 1, len(ctl)):
            continue
        waits = sorted((r for r in recs if r["type"] == "wait" and
                        r["tid"] == tid and r.get("epoll") == ctl[0]["epoll"]),
                       key=lambda r: r["ts_ns"])
        hit = [w for w in waits if any(x.get("data") == ctl[0]["data"]
                                       for x in w["ready"])]
        check("%s: %s's waits returned the listener as often as it says it "
              "woke (jsonl)" % (name, who), woken, len(hit))
        acc = [r for r in calls(recs, pid, ("accept", "accept4"))
               if r["tid"] == tid]
        ok = [r for r in acc if r["ret"] >= 0 and
              r.get("inode2") == lst["inode"]]
        check("%s: %s accepted what it says, each after a wait of its own "
              "that returned the listener (jsonl)" % (name, who),
              "%d accepts, each after a listener wake-up" % accepted,
              "%d accepts, %d after a wake-up for something else" %
              (len(ok), sum(1 for r in ok if not woke_for(waits, hit, r))),
              len(ok) == accepted and all(woke_for(waits, hit, r)
                                          for r in ok))
        again = [r for r in acc if r["errno"] in ("EAGAIN", "EWOULDBLOCK")]
        check("%s: %s's accepts that found the queue empty are recorded at "
              "their times (jsonl)" % (name, who), woken, len(again))
        times = [r["ts_ns"] for r in again]
        mine = [e for e in evs if ev_time(e) in times and
                e.get("pid", pid) == pid and e.get("tid", tid) == tid]
        check("%s: %s's EAGAIN accepts are events on the listener at their "
              "times" % (name, who), sorted(times),
              sorted(ev_time(e) for e in mine))
    check("%s: every accept that found the queue empty is an event on the "
          "listener" % name, "%d EAGAIN events" % wakes,
          "%d EAGAIN events" % len(evs))
    served(d, name, socks, recs, lambda pid: lst)


def epollex_threads(d):
    epollex(d, "epollex_threads")


def woke_for(waits, hit, acc):
    """Whether the last wait before ACC returned the listener."""
    before = [w for w in waits if w["ts_ns"] + w["dur_ns"] <= acc["ts_ns"]]
    return bool(before) and before[-1] in hit


globals()[sys.argv[1]](sys.argv[2])
print("%s: %d checks failed" % (sys.argv[1], fails) if fails else
      "%s: all checks hold" % sys.argv[1])
sys.exit(1 if fails else 0)
PY

# trace NAME SCRIPT ARGS...: runs a scenario bare and traced, and writes
# what the checks read: NAME.bare, NAME.out, NAME.{sockets,jsonl,epoll,
# audit,view}.
trace() {
	name=$1
	script=$2
	shift 2
	sh "$SL_ROOT/samples/$script" "$SAMPLES" "$@" >"$TMP/$name.bare" 2>&1 ||
		fail "$name failed bare: $(cat "$TMP/$name.bare")"
	"$SL" run -q -o "$TMP/$name.trace" -- sh "$SL_ROOT/samples/$script" \
		"$SAMPLES" "$@" >"$TMP/$name.out" 2>&1 ||
		fail "$name failed traced: $(cat "$TMP/$name.out")"
	t=$TMP/$name.trace
	"$SL" export -f sockets "$t" >"$TMP/$name.sockets"
	"$SL" export -f jsonl "$t" >"$TMP/$name.jsonl"
	"$SL" export -f epoll "$t" >"$TMP/$name.epoll"
	"$SL" audit --json "$t" >"$TMP/$name.audit" || true
	"$SL" view -w 120 "$t" >"$TMP/$name.view"
}

# direct: emfile_server as the program socklens runs (no traced shell
# before it that would connect to the collector first), burst_client bare.
direct() {	# out: where the server's output goes; then the command
	out=$1
	shift
	rm -f "$TMP/dport"
	"$@" -P "$TMP/dport" -k 3 -n 6 >"$out" 2>&1 &
	server=$!
	reap_at_exit $server
	wait_file "$TMP/dport"
	"$SAMPLES/burst_client" -p "$(cat "$TMP/dport")" -n 6 >/dev/null ||
		fail "burst_client failed"
	wait $server || fail "emfile_server failed: $(cat "$out")"
}

failed=0
trace emfile emfile_scenario.sh
direct "$TMP/direct.bare" "$SAMPLES/emfile_server"
direct "$TMP/direct.out" "$SL" run -q -o "$TMP/direct.trace" -- \
	"$SAMPLES/emfile_server"
python3 "$TMP/check.py" emfile "$TMP" || failed=1
trace udp udp_timeout_scenario.sh
python3 "$TMP/check.py" udp "$TMP" || failed=1
trace reuseport reuseport_scenario.sh 3 12
python3 "$TMP/check.py" reuseport "$TMP" || failed=1
trace epollex epollex_scenario.sh 3 12
python3 "$TMP/check.py" epollex "$TMP" || failed=1
trace epollex_threads epollex_scenario.sh 3 12 -t
python3 "$TMP/check.py" epollex_threads "$TMP" || failed=1
[ $failed = 0 ] ||
	fail "the timeline does not tell the truth about these patterns (FAIL above)"
echo ok
