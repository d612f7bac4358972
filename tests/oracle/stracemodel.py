"""What strace saw happen to each socket (the oracle's ground truth).

Calls from straceparse.py are applied in the order they took effect and
give one SSock per socket the kernel made: who made it and how, its
addresses, its connect outcome and errors, bytes each way (peeks apart),
every process that held it, and how it ended (the last holder's close,
the last holder's exit, or still open).

-yy names a socket by its inode only while it has no address
(`TCP:[177196]`), and an accepted TCP socket never: afterwards it is
`TCP:[127.0.0.1:4000->127.0.0.1:8080]`. So the model keeps each process's
fd table (forks copy it, threads share it, exec drops close-on-exec fds,
SCM_RIGHTS adds to it) and follows a socket through it from the call that
made it. An annotation that contradicts the table (a close we could not
have seen) is noted, never guessed past.

Sockets that no preload can see are marked `excluded` with the reason:
socklens's own connection to its collector (connect to the collector's
path) and sockets a process held before strace attached.
"""

import re

from straceio import SOFT, StraceIO
from straceparse import fd_of, link_threads, split_list
from stracenames import (FAMILY, PROTO, TYPE, port_of,  # noqa: F401
                         sock_annot, sockaddr)

# `socklens run`'s collector, when the caller did not say where it was.
_RUN_SOCK = re.compile(r"/socklens-[A-Za-z0-9]{6}/collector\.sock$")

# A failed accept is an event on the listener, not its fate: the queue or
# the process ran short, and it listens on.
ACCEPT_SOFT = SOFT | {"EMFILE", "ENFILE", "ECONNABORTED", "ENOBUFS",
                      "ENOMEM", "EPROTO", "EPERM"}

TX = {"write", "writev", "send", "sendto", "sendmsg", "pwritev",
      "pwritev2"}
RX = {"read", "readv", "recv", "recvfrom", "recvmsg", "preadv", "preadv2"}
# The calls whose first argument is the fd they act on.
FD_FIRST = TX | RX | {"sendmmsg", "recvmmsg", "bind", "listen", "connect",
                      "accept", "accept4", "shutdown", "getsockopt",
                      "setsockopt", "getsockname", "getpeername", "fcntl",
                      "ioctl", "dup", "dup2", "dup3", "close"}


class SSock:
    """One socket as strace saw it."""

    def __init__(self, serial, inode, how, tgid, tid, fd, ts):
        self.serial = serial
        self.inode = inode
        self.how = how              # socket, accept, socketpair, unseen
        self.pid = tgid             # the process that made it
        self.tid = tid
        self.fd = fd
        self.start = ts
        self.proto = None
        self.family = None
        self.type = None
        self.local = None
        self.remote = None
        self.path = None            # a UNIX socket's name, from -yy
        self.peer_inode = None
        self.pair = None            # the other end of a socketpair
        self.listener = None        # the listener an accept took it from
        self.listening = False
        self.connects = 0
        self.connect = None         # None, "pending", "ok" or an errno
        self.connect_failures = 0
        self.first_peer = None      # a datagram socket's first peer
        self.errors = []            # (ts, errno, name, Call)
        self.error = None           # (ts, errno, name, Call): its fate
        self.tx = self.rx = 0
        self.tx_calls = self.rx_calls = 0
        self.peeks = self.peek_bytes = 0
        self.shutdown = False
        self.states = set()         # states its calls put it in
        self.state_calls = {}       # state -> the last call that did
        self.holders = set()        # (tgid, fd)
        self.pids = {tgid}
        self.end = None             # (kind, tgid, ts, Call): close, exit
        self.end_alts = {}          # tgid -> its close, overlapping the end
        self.releases = []          # (tgid, kind, Call), every hold let go
        self.excluded = None        # why no preload can see it
        self.nl_requests = set()    # netlink message types it sent
        self.last = ts

    def learn(self, info):
        if self.proto is None or self.proto in ("UNIX", "socket"):
            self.proto = info.proto
        fam, typ = PROTO.get(info.proto, (None, None))
        self.family = self.family or fam
        self.type = self.type or typ
        if info.peer_inode:
            self.peer_inode = info.peer_inode
        if info.path:
            self.path = info.path
        if info.local:
            self.local = info.local
        if info.remote:
            self.remote = info.remote

    def fail(self, c, err, name):
        """The call C (named NAME) failed on it with ERR."""
        self.errors.append((c.ts, err, name, c))
        if self.error is None:
            self.error = (c.ts, err, name, c)

    def describe(self):
        addr = self.local or self.path or ""
        if self.remote:
            addr = "%s->%s" % (self.local or "?", self.remote)
        return "%s %s" % (self.proto or self.family or "socket", addr)


class StraceModel(StraceIO):
    def __init__(self, collector_path=None):
        self.collector_path = collector_path
        self.socks = []
        self.live = {}          # inode -> SSock while open
        self.tgid = {}          # tid -> tgid
        self.tables = {}        # tgid -> {fd: [SSock, cloexec]}
        self.threads = {}       # tgid -> live tids
        self.parent = {}        # tgid -> the tgid that forked it
        self.root = None
        self.notes = []
        self.escapes = {}       # tgid -> calls that bypass any preload
        self.vforked = {}       # tgid -> fds inherited, until its exec
        self.exiting = {}       # tgid -> when its exit_group began
        self.end_ts = None

    # -- processes ---------------------------------------------------
    def note(self, c, text):
        self.notes.append("line %d (pid %s): %s" % (c.line + 1, c.tid, text))

    def proc(self, tid):
        if tid not in self.tgid:
            self.tgid[tid] = tid
            self.tables.setdefault(tid, {})
            self.threads.setdefault(tid, set()).add(tid)
            if self.root is None:
                self.root = tid
            else:
                self.parent.setdefault(tid, None)
        return self.tgid[tid]

    def proc_gone(self, c, g):
        self.threads[g].discard(c.tid)
        if c.kind == "superseded" or self.threads[g]:
            return
        for fd in sorted(self.tables[g]):
            self.release(g, fd, c, "exit")

    # -- holds -------------------------------------------------------
    def new_sock(self, c, g, fd, inode, how):
        s = SSock(len(self.socks) + 1, inode, how, g, c.tid, fd, c.ts)
        self.socks.append(s)
        if inode:
            self.live[inode] = s
        return s

    def take(self, g, fd, s, cloexec, c):
        t = self.tables[g]
        if fd in t:
            self.release(g, fd, c, "close")
        if s.end is not None:
            s.end = None        # back from flight (SCM_RIGHTS)
            if s.inode:
                self.live[s.inode] = s
        t[fd] = [s, cloexec]
        self.vforked.get(g, set()).discard(fd)
        s.holders.add((g, fd))
        s.pids.add(g)

    def release(self, g, fd, c, kind):
        e = self.tables[g].pop(fd, None)
        if not e:
            return
        s = e[0]
        s.holders.discard((g, fd))
        s.releases.append((g, kind, c))
        if fd in self.vforked.get(g, ()):
            self.vforked[g].discard(fd)
            if not any(h[0] == g for h in s.holders):
                s.pids.discard(g)
        if not s.holders and s.end is None:
            s.end = (kind, g, c.ts, c)
            # Another holder's close still in the kernel when this one
            # began: either may have let the socket go last.
            # An exit is a span, from exit_group to the kernel's release
            # of the fds: a close that another holder made in it may have
            # come before or after that release.
            began = self.exiting.get(g, c.ts) if kind == "exit" else c.ts
            s.end_alts = {g2: c2 for g2, k2, c2 in s.releases[:-1]
                          if k2 in ("close", "exec") and g2 != g and
                          c2.exit_ts >= began}
            if s.inode and self.live.get(s.inode) is s:
                del self.live[s.inode]

    def resolve(self, c, g, fd, annot):
        """The socket FD of process G is, by the table and by -yy."""
        if fd is None or fd < 0:
            return None
        t = self.tables[g]
        e = t.get(fd)
        info = sock_annot(annot)
        if info is None:
            if annot is not None and e:
                self.note(c, "fd %d held %s, now %s: a close not seen" %
                          (fd, e[0].describe(), annot))
                self.release(g, fd, c, "unseen")
            return e[0] if e and annot is None else None
        s = None
        if info.inode:
            s = self.live.get(info.inode)
            if (e and s is None and not e[0].inode and
                    self.same(e[0], info)):
                # strace named this fd's socket by its addresses so far
                # (sock_diag found it) and now only by its inode (a
                # socket closing under a slow run: the lookup failed):
                # the same socket, which now has its inode.
                s = e[0]
                s.inode = info.inode
                self.live[info.inode] = s
            if e and e[0] is not s:
                if e[0].inode != info.inode or s is not None:
                    self.note(c, "fd %d: table has %s, strace says %s" %
                              (fd, e[0].describe(), annot))
                    self.release(g, fd, c, "unseen")
                    e = None
                else:
                    s = e[0]
        elif e and self.same(e[0], info):
            s = e[0]
        elif e:
            self.note(c, "fd %d: table has %s, strace says %s" %
                      (fd, e[0].describe(), annot))
            self.release(g, fd, c, "unseen")
        if s is None:
            s = self.new_sock(c, g, fd, info.inode, "unseen")
            if g == self.root:
                s.excluded = ("held before strace attached (inherited from "
                              "outside the traced tree)")
        if (g, fd) not in s.holders:
            self.take(g, fd, s, False, c)
        s.learn(info)
        s.last = c.ts
        return s

    @staticmethod
    def same(s, info):
        fam, _ = PROTO.get(info.proto, (None, None))
        if s.family and fam and s.family != fam:
            return False
        if s.remote and info.remote and s.remote != info.remote:
            return False
        if s.local and info.local and "0" not in (port_of(s.local),
                                                  port_of(info.local)):
            return port_of(s.local) == port_of(info.local)
        return True

    # -- calls -------------------------------------------------------
    def apply(self, calls):
        order = []
        for c in calls:
            early = c.kind == "call" and c.name in (
                "clone", "clone3", "fork", "vfork", "close", "close_range")
            order.append(((c.entry if early else c.exit), c.entry, c))
        order.sort(key=lambda o: (o[0], o[1]))
        for _, _, c in order:
            g = self.proc(c.tid)
            if self.end_ts is None or c.ts > self.end_ts:
                self.end_ts = c.ts
            if c.kind != "call":
                self.proc_gone(c, g)
                continue
            h = getattr(self, "on_" + c.name, None)
            s = None
            if c.args and "memfd:socklens" in c.args[0]:
                c.own = True    # the preload's ring
            if c.name in FD_FIRST and c.args:
                fd, annot = fd_of(c.args[0])
                s = c.sock = self.resolve(c, g, fd, annot)
                if c.name == "close":
                    if s is not None and (c.ret == 0 or c.errno in SOFT):
                        self.release(g, fd, c, "close")
                    continue
            if c.name == "epoll_ctl" and len(c.args) > 2:
                # -yy names the watched socket too: a non-blocking
                # client's address may show nowhere else.
                self.resolve(c, g, *fd_of(c.args[2]))
            if h:
                h(c, g, s)
            elif s is not None and c.name in TX | RX:
                self.io(c, s, c.name in TX)
            if c.name.startswith("io_uring"):
                self.escapes.setdefault(g, set()).add(c.name)

    def on_clone(self, c, g, s=None):
        """A new process copies the fd table; a new thread shares it."""
        child = c.ret
        if child is None or child <= 0:
            return
        text = " ".join(c.args)
        if "CLONE_THREAD" in text:
            self.tgid[child] = g
            self.threads[g].add(child)
            return
        if "CLONE_FILES" in text:
            self.note(c, "CLONE_FILES without CLONE_THREAD: fd table "
                      "treated as a copy")
        self.tgid[child] = child
        self.threads[child] = {child}
        self.parent[child] = g
        self.tables[child] = {}
        for fd, (x, cx) in sorted(self.tables[g].items()):
            self.take(child, fd, x, cx, c)
        if c.name == "vfork" or "CLONE_VFORK" in text:
            # Until it execs, a vfork child (posix_spawn) runs in its
            # parent's memory: what it inherits and lets go unused before
            # the exec, it never held as a program of its own.
            self.vforked[child] = set(self.tables[child])

    on_clone3 = on_fork = on_vfork = on_clone

    def on_socket(self, c, g, s):
        fd, annot = (c.ret, c.ret_annot)
        if fd is None or fd < 0:
            return
        info = sock_annot(annot)
        s = c.sock = self.new_sock(c, g, fd, info.inode if info else None,
                                   "socket")
        if len(c.args) >= 2:
            s.family = FAMILY.get(c.args[0], c.args[0].lower())
            s.type = TYPE.get(c.args[1].split("|")[0])
        self.take(g, fd, s, "SOCK_CLOEXEC" in c.args[1], c)
        s.states.add("created")
        if info:
            s.learn(info)

    def on_socketpair(self, c, g, s):
        if c.ret != 0 or len(c.args) < 4:
            return
        ends = []
        for item in split_list(c.args[3]):
            fd, annot = fd_of(item)
            info = sock_annot(annot)
            e = self.new_sock(c, g, fd, info.inode if info else None,
                              "socketpair")
            e.family = FAMILY.get(c.args[0], c.args[0].lower())
            e.type = TYPE.get(c.args[1].split("|")[0])
            self.take(g, fd, e, "SOCK_CLOEXEC" in c.args[1], c)
            e.states.add("established")
            if info:
                e.learn(info)
            ends.append(e)
        if len(ends) == 2:
            ends[0].pair, ends[1].pair = ends[1], ends[0]

    def on_accept(self, c, g, lis):
        if c.ret is None or c.ret < 0:
            if lis is not None and c.errno and c.errno not in ACCEPT_SOFT:
                lis.fail(c, c.errno, c.name)
            return
        info = sock_annot(c.ret_annot)
        s = self.new_sock(c, g, c.ret, info.inode if info else None, "accept")
        s.listener = lis
        if lis is not None:
            s.family, s.type, s.proto = lis.family, lis.type, lis.proto
        flags = c.args[3] if len(c.args) > 3 else ""
        self.take(g, c.ret, s, "SOCK_CLOEXEC" in flags, c)
        s.states.add("established")
        if info:
            s.learn(info)
        if s.family == "unix" and len(c.args) > 1:
            s.remote = sockaddr(c.args[1])
            s.local = s.path

    on_accept4 = on_accept

    def on_bind(self, c, g, s):
        if s is None:
            return
        if c.ret != 0:
            if c.errno and c.errno not in SOFT:
                s.fail(c, c.errno, "bind")
            return
        s.states.add("bound")
        addr = sockaddr(c.args[1]) if len(c.args) > 1 else None
        if s.family == "unix":
            s.local = addr
        elif addr and port_of(addr) != "0":
            s.local = addr      # port 0: the kernel's choice comes by -yy

    def on_listen(self, c, g, s):
        if s is not None and c.ret == 0:
            s.listening = True
            s.states.add("listening")

    def on_connect(self, c, g, s):
        if s is None:
            return
        addr = sockaddr(c.args[1]) if len(c.args) > 1 else None
        if s.family == "unix" and addr and (
                addr == self.collector_path or (self.collector_path is None
                                                and _RUN_SOCK.search(addr))):
            s.excluded = "socklens's own connection to its collector"
        s.connects += 1
        if addr and s.type != "stream" and s.first_peer is None:
            s.first_peer = addr
        if addr and s.family == "unix":
            s.remote = addr
        if s.type in ("stream", "seqpacket") and c.errno != "EISCONN":
            s.states.add("connecting")
        if c.ret == 0 or c.errno == "EISCONN":
            self.connected(s)
        elif c.errno in SOFT:
            if s.connect != "ok":
                s.connect = "pending"
        elif c.errno:
            s.connect = c.errno
            s.connect_failures += 1
            s.fail(c, c.errno, "connect")

    def connected(self, s):
        s.states.add("established")
        s.connect = "ok"
        s.error = None          # a connect that worked clears its tries
        s.errors = []

    def on_getsockopt(self, c, g, s):
        if s is None or c.ret != 0 or len(c.args) < 4 or \
                c.args[2] != "SO_ERROR":
            return
        val = c.args[3].strip("[]")
        if val == "0":
            if s.connect == "pending":
                self.connected(s)
            return
        if s.connect == "pending":
            s.connect = val
            s.connect_failures += 1
        s.fail(c, val, "getsockopt(SO_ERROR)")

    def on_shutdown(self, c, g, s):
        if s is None:
            return
        # A failed shutdown (ENOTCONN after the peer went) is no fate.
        if c.ret == 0:
            s.shutdown = True
            how = c.args[1] if len(c.args) > 1 else ""
            st = {"SHUT_RD": "shut-rd", "SHUT_WR": "shut-wr",
                  "SHUT_RDWR": "shut-rdwr"}.get(how, "shut-?")
            s.states.add(st)
            s.state_calls[st] = c

    def dup_to(self, c, g, s, new, cloexec):
        if s is None or new is None or new < 0:
            return
        if (g, new) in s.holders:
            return
        self.take(g, new, s, cloexec, c)

    def on_dup(self, c, g, s):
        self.dup_to(c, g, s, c.ret, False)

    def on_dup2(self, c, g, s):
        if c.ret is None or c.ret < 0:
            return
        if s is None:
            # Something that is not ours lands on NEW: NEW's socket goes.
            if c.ret in self.tables[g]:
                self.release(g, c.ret, c, "close")
            return
        self.dup_to(c, g, s, c.ret, c.name == "dup3" and
                    "O_CLOEXEC" in " ".join(c.args[2:]))

    on_dup3 = on_dup2

    def on_fcntl(self, c, g, s):
        if s is None or len(c.args) < 2:
            return
        cmd = c.args[1]
        if cmd in ("F_DUPFD", "F_DUPFD_CLOEXEC"):
            self.dup_to(c, g, s, c.ret, cmd == "F_DUPFD_CLOEXEC")
        elif cmd == "F_SETFD" and c.ret == 0:
            fd, _ = fd_of(c.args[0])
            e = self.tables[g].get(fd)
            if e:
                e[1] = "FD_CLOEXEC" in " ".join(c.args[2:])

    def on_ioctl(self, c, g, s):
        if s is None or len(c.args) < 2 or c.ret != 0:
            return
        fd, _ = fd_of(c.args[0])
        e = self.tables[g].get(fd)
        if e and c.args[1] in ("FIOCLEX", "FIONCLEX"):
            e[1] = c.args[1] == "FIOCLEX"

    def on_close_range(self, c, g, s):
        if c.ret != 0 or len(c.args) < 3:
            return
        lo = _int(c.args[0])
        hi = _int(c.args[1])
        flags = c.args[2]
        for fd in sorted(self.tables[g]):
            if lo <= fd <= hi:
                if "CLOSE_RANGE_CLOEXEC" in flags:
                    self.tables[g][fd][1] = True
                else:
                    self.release(g, fd, c, "close")

    def on_exit_group(self, c, g, s):
        self.exiting.setdefault(g, c.ts)

    def on_execve(self, c, g, s):
        if c.ret != 0:
            return
        for fd, (x, cx) in sorted(self.tables[g].items()):
            if cx:
                self.release(g, fd, c, "exec")
        self.vforked.pop(g, None)

    on_execveat = on_execve

    def on_pidfd_getfd(self, c, g, s):
        info = sock_annot(c.ret_annot)
        if c.ret is None or c.ret < 0 or info is None:
            return
        got = self.live.get(info.inode) if info.inode else None
        if got is None:
            got = self.new_sock(c, g, c.ret, info.inode, "unseen")
        self.take(g, c.ret, got, True, c)
        got.learn(info)


def _int(text):
    text = text.strip()
    if text in ("~0U", "~0", "UINT_MAX"):
        return 1 << 32
    try:
        return int(text, 0)
    except ValueError:
        return 1 << 32


def build(calls, collector_path=None):
    m = StraceModel(collector_path)
    m.apply(calls)
    # The preload's own calls (its connection, its ring) are no
    # boundary of what the program's thread did.
    link_threads(calls, lambda c: c.own or (c.sock is not None and
                                            c.sock.excluded is not None))
    return m
