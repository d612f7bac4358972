"""Socket by socket: what strace saw (stracemodel) against what socklens
says (socklensmodel).

Each strace socket is matched to one socklens socket: by inode where -yy
showed it, else (an accepted TCP socket, whose inode -yy never shows) by
process, addresses and start time. A socklens socket the preload named
itself (no fstat) has the kernel's inode where an alias record gave it,
else it takes strace's by its creation (unname). Then every fact both can state is
compared and counted; each difference is a Mismatch naming the socket,
the fact and both values. A socket that is missing on one side is a
mismatch too, unless it is one no preload can see; those are listed
with the reason (Classified), never dropped.
"""

FACTS = ("missing", "phantom", "pid", "role", "local", "remote", "connect",
         "connect_failures", "error", "error_ns", "tx_bytes", "rx_bytes",
         "peeks", "pids", "end", "closed_by", "end_time", "peer", "listener",
         "states", "state_order")
# A time socklens gives a call (a close, a failed call) was stamped by the
# preload in the calling thread, after that thread's previous system call
# returned and before its next one was entered: strace saw both, so the
# window is known without any tolerance (see straceparse.link_threads).
# CLOCK_SLOP covers converting CLOCK_MONOTONIC to wall time (the hellos'
# readings of both clocks, socklensmodel.wall) and -ttt's microseconds.
CLOCK_SLOP = 0.0005
NSCD = ("/var/run/nscd/socket", "/run/nscd/socket")


class Mismatch:
    def __init__(self, fact, sock, strace, socklens, detail=""):
        self.fact = fact
        self.sock = sock
        self.strace = strace
        self.socklens = socklens
        self.detail = detail

    def __str__(self):
        text = "%s: %s: strace %s, socklens %s" % (
            self.sock, self.fact.replace("_", " "), _show(self.strace),
            _show(self.socklens))
        return text + (" (%s)" % self.detail if self.detail else "")


def _show(v):
    if v is None:
        return "none"
    if isinstance(v, (set, frozenset, list, tuple)):
        return "[" + ", ".join(str(x) for x in sorted(v)) + "]"
    return str(v)


class Report:
    def __init__(self, name=""):
        self.name = name
        self.facts = 0
        self.by_fact = {}
        self.mismatches = []
        self.classified = []    # (reason, description)
        self.notes = []
        self.matched = 0
        self.log = None         # every fact, when asked: (ok, Mismatch)

    def check(self, fact, sock, strace, socklens, detail="", equal=None):
        self.facts += 1
        self.by_fact[fact] = self.by_fact.get(fact, 0) + 1
        same = equal(strace, socklens) if equal else strace == socklens
        if not same:
            self.mismatches.append(Mismatch(fact, sock, strace, socklens,
                                            detail))
        if self.log is not None:
            self.log.append((same, Mismatch(fact, sock, strace, socklens,
                                            detail)))
        return same

    def classify(self, reason, desc):
        self.classified.append((reason, desc))


def describe(s, l=None):
    """socket inode 12345 (pid 77 fd 5, TCP 127.0.0.1:4000->...)"""
    inode = s.inode or (l.get("inode") if l else None)
    return "socket inode %s (pid %s fd %s, %s)" % (
        inode if inode else "?", s.pid, s.fd, s.describe())


def describe_l(l):
    addr = l.get("local") or ""
    if l.get("remote"):
        addr = "%s->%s" % (l.get("local") or "?", l["remote"])
    return "socket inode %s (pid %s fd %s, socklens id %s, %s %s %s)" % (
        l.get("inode"), l.get("pid"), l.get("fd"), l.get("id"),
        l.get("family"), l.get("type"), addr)


def expected_role(s):
    if s.listening:
        return "listener"
    if s.how == "accept":
        return "server"
    if s.how == "socketpair":
        return "pair"
    if s.type in ("stream", "seqpacket") and s.family != "netlink":
        return "client" if s.connects else "unconnected"
    if s.connect == "ok" or s.first_peer:
        return "datagram"
    return "unconnected"


def libc_internal(s):
    """Why no preload could see S, for a socket glibc makes inside its own
    functions (calls through its hidden aliases, never the PLT); None."""
    if s.family == "unix" and s.remote in NSCD:
        return "glibc's nscd probe (libc-internal connect to %s)" % s.remote
    if s.family == "netlink" and s.nl_requests and \
            s.nl_requests <= {"RTM_GETADDR", "RTM_GETLINK"}:
        return ("glibc's netlink query (getaddrinfo AI_ADDRCONFIG or "
                "if_nameindex; libc-internal)")
    peer = s.remote or s.first_peer
    if s.family in ("inet", "inet6") and peer and peer.endswith(":53"):
        return "glibc's DNS resolver (libc-internal)"
    return None


def is_name(v):
    """A socket name of the preload's (wire.h, SL_SOCK_NAME_BIT), not a
    kernel inode."""
    return isinstance(v, int) and v >> 62 == 1


def unname(sm, view):
    """Gives each socklens socket still known by its name only (no alias
    record tied it to a kernel inode) the inode strace saw, by its
    creation: the n-th socket made at one fd of one process (socket,
    socketpair, accept, accept4), in order, on both sides. strace's
    sockets no preload can see (glibc's own, our collector connection)
    are left out first: they take fd numbers too. Returns the name ->
    inode map it used."""
    made = {}
    for s in sm.socks:
        if s.how in ("socket", "socketpair", "accept") and \
                not s.excluded and libc_internal(s) is None:
            made.setdefault((s.pid, s.fd), []).append(s)
    named = {}
    for l in view.socks:
        if is_name(l.get("inode")):
            named.setdefault((l.get("pid"), l.get("fd")), []).append(l)
    names = {}
    for key, ls in named.items():
        ss = sorted(made.get(key, ()), key=lambda x: (x.start, x.serial))
        ls.sort(key=lambda l: (l.get("start_ns") or 0, l.get("id") or 0))
        for l, s in zip(ls, ss):
            if s.inode:
                names[l["inode"]] = s.inode
                l["inode"] = s.inode
    view.rename(names)
    return names


class Matcher:
    def __init__(self, sm, view):
        self.sm = sm
        self.v = view
        self.by_inode = {}
        for l in view.socks:
            self.by_inode.setdefault(l.get("inode"), []).append(l)
        self.used = set()
        self.pair = {}          # strace serial -> socklens object
        self.back = {}          # socklens id -> strace SSock
        self.tod = sm.socks and all(x.start < 200000 for x in sm.socks)

    def lwall(self, l, key="start_ns"):
        w = self.v.wall(l.get("pid"), l.get(key))
        if w is not None and self.tod:
            import time
            t = time.localtime(w)
            w = t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec + (w % 1)
        return w

    def nearest(self, s, cands, rank=lambda l: ()):
        """Of CANDS not yet matched, the best by RANK, then nearest in
        start time."""
        best = None
        for l in cands:
            if id(l) in self.used:
                continue
            w = self.lwall(l)
            key = rank(l) + (abs(w - s.start) if w is not None else 1e9,)
            if best is None or key < best[0]:
                best = (key, l)
        return best[1] if best else None

    def find(self, s):
        if s.inode:
            return self.nearest(s, self.by_inode.get(s.inode, ()))
        # No inode from -yy (an accepted TCP socket): the same remote end,
        # rather in the same process, with the same local end, a server.
        if s.remote is None and s.pid is None:
            return None
        cands = [l for l in self.v.socks
                 if l.get("family") == s.family and
                 (l.get("remote") == s.remote if s.remote else
                  l.get("pid") == s.pid)]
        return self.nearest(s, cands, lambda l: (
            l.get("pid") != s.pid, l.get("local") != s.local,
            s.how == "accept" and l.get("role") != "server"))

    def run(self):
        for s in self.sm.socks:
            if s.excluded:
                continue
            l = self.find(s)
            if l is not None:
                self.used.add(id(l))
                self.pair[s.serial] = l
                self.back[l.get("id")] = s


def strace_peer(sm, s):
    """The strace socket at S's other end, or None."""
    if s.pair is not None:
        return s.pair
    if s.type not in ("stream", "seqpacket"):
        return None
    cands = []
    if s.family == "unix" and s.peer_inode:
        cands = [t for t in sm.socks if t.inode == s.peer_inode]
    elif s.family == "unix" and s.inode:
        # -yy may show a client as [ino] only, and its accepted end as
        # [ino2->ino]: the link is on the other side.
        cands = [t for t in sm.socks if t.peer_inode == s.inode]
    elif s.family in ("inet", "inet6") and s.local and s.remote:
        cands = [t for t in sm.socks if t is not s and t.local == s.remote and
                 t.remote == s.local and t.type == s.type]
    # No overlap in time is asked: a client may close before its
    # connection leaves the accept queue, and the two were peers still.
    # Of sockets that had the same name over time, the nearest.
    cands.sort(key=lambda t: abs(t.start - s.start))
    return cands[0] if cands else None


def compare(sm, view, name="", log=False):
    """A Report of every fact compared between strace model SM and
    socklens view VIEW. LOG: keep every fact, not only mismatches."""
    r = Report(name)
    if log:
        r.log = []
    unname(sm, view)
    m = Matcher(sm, view)
    m.run()
    r.notes.extend(sm.notes)
    for pid, calls in sorted(sm.escapes.items()):
        r.notes.append("pid %s used %s: its io_uring operations are out of "
                       "sight of strace -e and of any preload" %
                       (pid, ", ".join(sorted(calls))))
    if view.drops:
        r.notes.append("socklens reports %d dropped records" % view.drops)
    for bad in view.bad:
        r.notes.append("not JSON: %s" % bad)
    for s in sm.socks:
        if s.excluded:
            r.classify(s.excluded, describe(s))
            continue
        l = m.pair.get(s.serial)
        if l is None:
            why = libc_internal(s)
            if why is None and s.pid not in view.pids:
                why = ("process %s not traced by socklens (no hello: static, "
                       "setuid, or the preload left its environment)" % s.pid)
            if why:
                r.classify(why, describe(s))
                continue
            r.check("missing", describe(s), "exists", "absent")
            continue
        r.check("missing", describe(s, l), "exists", "exists")
        r.matched += 1
        facts(r, m, s, l)
    seen = set(x.pid for x in sm.socks) | set(sm.tgid.values())
    for l in view.socks:
        if id(l) in m.used:
            continue
        if l.get("pid") not in seen:
            r.classify("process %s (%s) not traced by strace" %
                       (l.get("pid"), view.exe.get(l.get("pid"))),
                       describe_l(l))
            continue
        r.check("phantom", describe_l(l), "absent", "exists")
    return r


def facts(r, m, s, l):
    d = describe(s, l)
    if s.how == "unseen":
        r.notes.append("%s: made before strace saw it; its maker is not "
                       "compared" % d)
    else:
        r.check("pid", d, s.pid, l.get("pid"))
    r.check("role", d, expected_role(s), l.get("role"))
    addresses(r, s, l, d)
    if s.connects:
        got = "ok" if any(x.get("state") == "established"
                          for x in l.get("states") or ()) else \
            (l.get("error") or "pending")
        want = s.connect
        r.check("connect", d, want, got)
        r.check("connect_failures", d, s.connect_failures,
                l.get("connect_failures"))
    # A socket whose bytes the trace says it could not see all of
    # ("unseen": "stdio", a stdio stream's fd, whose stdio I/O goes
    # through libc's internal entry points; "killed", a holder that died
    # by a signal before telling its last counts) is claimed as "at
    # least" (README, Limits). That claim is what is checked; an I/O
    # error only such unseen I/O met (tr writing into socat's socketpair
    # after the client left: EPIPE) is a note, as its bytes are.
    unseen = l.get("unseen") or ()
    stdio = bool(unseen)
    if stdio and s.error and not l.get("error") and \
            s.error[2] in IO_CALLS:
        r.notes.append("%s: %s's %s was not seen (%s)" %
                       (d, s.error[2], s.error[1], "+".join(unseen)))
    else:
        errors(r, m, s, l, d)
    at_least = (lambda a, b: b is not None and a is not None and b <= a) \
        if stdio else None
    why = ("%s: socklens claims at least" % "+".join(unseen)) if stdio \
        else ""
    r.check("tx_bytes", d, s.tx, l.get("tx_bytes"), why, equal=at_least)
    r.check("rx_bytes", d, s.rx, l.get("rx_bytes"),
            "%d peeks of %d bytes not counted by strace" %
            (s.peeks, s.peek_bytes) if s.peeks else why, equal=at_least)
    for key in ("peeks", "peek_calls", "rx_peeks"):
        if key in l:
            r.check("peeks", d, s.peeks, l.get(key))
            break
    r.check("pids", d, sorted(s.pids), sorted(l.get("pids") or ()))
    end(r, m, s, l, d)
    if s.type in ("stream", "seqpacket") or s.how == "socketpair":
        t = strace_peer(m.sm, s)
        want = m.pair.get(t.serial) if t is not None else None
        want_id = want.get("id") if want else None
        r.check("peer", d, _sid(t, want), _sid(m.back.get(l.get("peer")),
                                                 _by_id(m, l.get("peer"))),
                equal=lambda a, b: want_id == l.get("peer"))
    if s.how == "accept":
        want = m.pair.get(s.listener.serial) if s.listener else None
        r.check("listener", d, _sid(s.listener, want),
                 _sid(m.back.get(l.get("listener")),
                      _by_id(m, l.get("listener"))),
                 equal=lambda a, b: (want.get("id") if want else None) ==
                 l.get("listener"))
    states(r, s, l, d, stdio)


def states(r, s, l, d, stdio=False):
    """Every state strace's calls put S in is on socklens's timeline, and
    the timeline runs forward. A stdio stream's end of stream may have
    been read through stdio, which the trace says it cannot see."""
    got = [x.get("state") for x in l.get("states") or ()]
    want = set(s.states)
    if s.how == "unseen":
        want.discard("created")
    if stdio and "peer-closed" in want and "peer-closed" not in got:
        r.notes.append("%s: its end of stream was read through stdio" % d)
        want.discard("peer-closed")
    # A call's record is written once the call returned: a thread killed
    # by a signal before its next call may have lost the one it was
    # writing (preload/README.md, "Transport: lanes and the shared area").
    for st in sorted(want - set(got)):
        c = s.state_calls.get(st)
        if c is not None and c.next is not None and c.next.kind == "killed":
            r.notes.append("%s: %s: its thread was killed by %s right after "
                           "its %s returned, before its record was out" %
                           (d, st, c.next.status, c.name))
            want.discard(st)
    r.check("states", d, sorted(want), sorted(want & set(got)),
            "socklens has %s" % ", ".join(got) if want - set(got) else "")
    starts = [x.get("start_ns") or 0 for x in l.get("states") or ()]
    back = [i for i in range(1, len(starts)) if starts[i] < starts[i - 1]]
    r.check("state_order", d, "in time order",
            "in time order" if not back else "out of order",
            ", ".join("%s at %d before %s at %d" % (
                got[i], starts[i], got[i - 1], starts[i - 1]) for i in back))


def window(c):
    """How a mismatch shows the window of call C."""
    lo = "%.6f" % c.lo if c.lo is not None else "its thread's start"
    hi = "%.6f" % c.hi if c.hi is not None else "its thread's end"
    return "between %s and %s" % (lo, hi)


def in_window(c):
    """SOCKLENS's wall time (a string) lies in call C's window."""
    def same(_, b):
        if b is None:
            return False
        w = float(b)
        return ((c.lo is None or w >= c.lo - CLOCK_SLOP) and
                (c.hi is None or w <= c.hi + CLOCK_SLOP))
    return same


def _by_id(m, sid):
    if sid is None:
        return None
    for l in m.v.socks:
        if l.get("id") == sid:
            return l
    return None


def _sid(s, l):
    """How a peer is named in a mismatch: its inode and pid."""
    if s is None and l is None:
        return None
    if l is not None:
        return "inode %s (pid %s, id %s)" % (l.get("inode"), l.get("pid"),
                                             l.get("id"))
    return "inode %s (pid %s, not in socklens)" % (s.inode or "?", s.pid)


IO_CALLS = ("write", "writev", "pwrite64", "read", "readv", "pread64",
            "send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom",
            "recvmsg", "recvmmsg", "sendfile", "sendfile64", "splice")


def errors(r, m, s, l, d):
    """The socket's fate (its first failure after the last connect that
    worked) and when it came."""
    r.check("error", d, s.error[1] if s.error else None, l.get("error"))
    if s.error:
        if "error_ns" not in l:
            r.check("error_ns", d, "%s at %.6f" % (s.error[2], s.error[0]),
                    "not exported")
        else:
            w = m.lwall(l, "error_ns")
            c = s.error[3]
            r.check("error_ns", d, window(c),
                    "%.6f" % w if w is not None else None,
                    "%s failed at %.6f" % (s.error[2], c.ts),
                    equal=in_window(c))


def addresses(r, s, l, d):
    if s.how == "socketpair" or s.family not in ("inet", "inet6", "unix"):
        return
    if s.family == "unix":
        if s.path:
            r.check("local", d, s.path, l.get("local"))
        if s.remote and s.how != "accept":
            r.check("remote", d, s.remote, l.get("remote"))
        return
    if s.local and not s.local.endswith(":0"):
        r.check("local", d, s.local, l.get("local"))
    remote = s.remote or (s.first_peer if s.type != "stream" else None)
    if remote:
        r.check("remote", d, remote, l.get("remote"))


def _closes_by(s, pid):
    """The last close (or close-on-exec) of S by PID that strace saw, or
    None."""
    for g, kind, c in reversed(s.releases):
        if g == pid and kind in ("close", "exec"):
            return c
    return None


def end(r, m, s, l, d):
    """How the last holder let it go, and when. Socklens names the
    process whose close came last; when the last closes overlapped in
    its timing (each known from its stamp, before the call, to its
    return), it lists every one that may have been last (`closed_by`,
    the named first). Strace's last closer must be among them; each one
    listed must have closed it; and the named one's close is when the
    socket ended."""
    kind, pid = m.v.closer(l)
    cands = m.v.closers(l)
    exits = m.v.exiters(l)
    word = {"close": "closed", "exec": "closed on exec"}
    if s.end is None:
        want = "open at the end of the trace"
    elif s.end[0] == "unseen":
        r.notes.append("%s: its end was not seen by strace" % d)
        return
    elif s.end[0] == "exit":
        want = "open when its last holder exited"
    else:
        want = "%s by pid %s" % (word[s.end[0]], s.end[1])
    if kind == "exit":
        got = "open when its last holder exited"
    elif kind == "open":
        got = "open at the end of the trace"
    elif s.end and s.end[0] in word and s.end[1] in cands and \
            s.end[1] != pid:
        # Strace's last closer is one socklens lists, not the one it
        # names: the lets overlapped, and either order was possible.
        got = "%s by pid %s" % (word[s.end[0]], s.end[1])
    elif s.end and s.end[0] == "exit" and s.end[1] in exits:
        # Strace's last holder exited: socklens lists that exit as one
        # that may have been last (it overlapped the close it names).
        got = "open when its last holder exited"
    else:
        got = "%s by pid %s" % (word[kind], pid)
    alts = getattr(s, "end_alts", {})
    if kind in word and want != got and set(cands) & set(alts):
        # Strace cannot order them either: another holder's close was
        # still in the kernel when the last let go began (an exit is a
        # span, from exit_group to the kernel's release of its fds).
        alt = sorted(set(cands) & set(alts))[0]
        want = got = "%s, or closed by pid %s (overlapping)" % (want, alt)
    ok = r.check("end", d, want, got, "socklens lists %s" % _show(cands)
                 if len(cands) > 1 else "")
    if cands or exits:
        # Each process listed did let it go that way.
        closed = sorted(set(g for g, k, _ in s.releases
                            if k in ("close", "exec")))
        exited = sorted(set(g for g, k, _ in s.releases if k == "exit"))
        r.check("closed_by", d, "closes among %s, exits among %s" %
                (_show(closed), _show(exited)),
                "closes %s, exits %s" % (_show(cands), _show(exits)),
                equal=lambda a, b: all(x in closed for x in cands) and
                all(x in exited for x in exits))
    if ok and kind in word:
        c = _closes_by(s, pid)
        if s.end and s.end[1] == pid and s.end[0] in word:
            c = s.end[3]
        elif pid in alts:
            c = alts[pid]
        w = m.lwall(l, "end_ns")
        if c is None:
            r.check("end_time", d, "a close by pid %s" % pid,
                    "%.6f" % w if w is not None else None,
                    "strace saw no close of it by pid %s" % pid)
            return
        r.check("end_time", d, window(c),
                "%.6f" % w if w is not None else None,
                "%s by pid %s at %.6f" % (c.name, pid, c.ts),
                equal=in_window(c))
