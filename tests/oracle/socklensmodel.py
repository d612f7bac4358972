"""What socklens says of a run: its sockets export, read beside the records.

`export -f sockets` is socklens's view, the thing under test: one object
per socket, with `closed_by`, the process that closed it last (several
when their closes overlapped in time, the one it names first). Two facts
the oracle checks are not in it and come from the records (`export -f
jsonl`), which are what the preload sent, not the model's reading of
them:
- whether that last close was a close or an exec's close-on-exec: an
  exec record of the named process stamped at the socket's `end_ns`
  (and, for an export without `closed_by`, which process closed it: the
  close record of its inode stamped at `end_ns`);
- the kernel inodes of sockets the preload named itself, where an alias
  record gives them (the export's inode is then the kernel's);
- the clock: each process's hello holds one reading of CLOCK_MONOTONIC and
  CLOCK_REALTIME, so `ts + real_ns - mono_ns` is the wall time strace -ttt
  prints.
"""

import json

CLOSES = {"close", "close_range", "closefrom", "dup2", "dup3"}
OFFSET_SLOP = 200000    # ns


class SocklensView:
    def __init__(self):
        self.socks = []         # the export's objects, in its order
        self.offset = {}        # pid -> real_ns - mono_ns
        self.exe = {}           # pid -> exe
        self.closes = {}        # inode -> [(ts_ns, pid, call)]
        self.execs = {}         # pid -> [ts_ns]
        self.drops = 0
        self.pids = set()       # every process with a hello
        self.bad = []           # lines that were not JSON
        self.median = None      # the processes' median clock offset
        self.aliases = {}       # a preload's name -> kernel inode

    def rename(self, names):
        """The close records of each name in NAMES (name -> inode) filed
        under its inode, with the inode's own."""
        for name, ino in names.items():
            if name in self.closes and name != ino:
                self.closes.setdefault(ino, []).extend(
                    self.closes.pop(name))

    def wall(self, pid, ts_ns):
        """TS_NS of PID's clock as wall-clock seconds, or None. PID's own
        hello gives the offset, unless a preemption between its two clock
        readings put it more than OFFSET_SLOP from the others' median."""
        if ts_ns is None or not self.offset:
            return None
        if self.median is None:
            offs = sorted(self.offset.values())
            self.median = offs[len(offs) // 2]
        off = self.offset.get(pid, self.median)
        if abs(off - self.median) > OFFSET_SLOP:
            off = self.median
        return (ts_ns + off) / 1e9

    def closer(self, s):
        """(kind, pid) of how socket S's last holder let it go:
        ("close", pid), ("exec", pid), ("exit", None) or ("open", None).
        The pid is the one `closed_by` names first."""
        end = s.get("end_ns")
        if end is None:
            return ("exit", None) if s.get("open_at_exit") else ("open", None)
        if s.get("closed_by"):
            pid = s["closed_by"][0]
            if any(abs(t - end) <= 1000 for t in self.execs.get(pid, ())):
                return ("exec", pid)
            return ("close", pid)
        best = None
        for ts, pid, call in self.closes.get(s.get("inode"), ()):
            d = abs(ts - end)
            if best is None or d < best[0]:
                best = (d, pid, call)
        if best is not None and best[0] <= 1000:
            return ("close", best[1])
        for pid in s.get("pids") or ():
            if any(abs(t - end) <= 1000 for t in self.execs.get(pid, ())):
                return ("exec", pid)
        if best is not None:
            return ("close", best[1])
        return ("close", None)

    def exiters(self, s):
        """Every process whose exit may have let S go last (`exited_by`)."""
        return list(s.get("exited_by") or ())

    def closers(self, s):
        """Every process that may have closed S last, as socklens says
        (`closed_by`; an export without it: the one closer())."""
        if "closed_by" in s:
            return list(s["closed_by"] or ())
        kind, pid = self.closer(s)
        return [pid] if kind in ("close", "exec") else []


def _lines(path, view):
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except ValueError:
                view.bad.append("%s:%d" % (path, n))


def load(sockets_path, jsonl_path):
    """The view from the two exports' files."""
    v = SocklensView()
    return ingest(v, _lines(sockets_path, v), _lines(jsonl_path, v))


def ingest(v, sockets, records):
    """Fills view V from export objects SOCKETS and RECORDS."""
    for obj in sockets:
        v.socks.append(obj)
    for r in records:
        t = r.get("type")
        pid = r.get("pid")
        if t == "hello":
            v.pids.add(pid)
            if r.get("mono_ns") is not None and r.get("real_ns") is not None:
                v.offset[pid] = r["real_ns"] - r["mono_ns"]
            v.exe[pid] = r.get("exe")
        elif t == "drop":
            v.drops += r.get("records") or 0
        elif t == "call":
            call = r.get("call")
            if call in CLOSES and r.get("inode"):
                v.closes.setdefault(r["inode"], []).append(
                    (r.get("ts_ns"), pid, call))
            elif call == "exec":
                v.execs.setdefault(pid, []).append(r.get("ts_ns"))
            elif call == "alias" and r.get("inode2"):
                v.aliases[r["inode"]] = r["inode2"]
    # A socket the preload named is one the export names by its kernel
    # inode once an alias gave it: its closes are filed there too.
    v.rename(v.aliases)
    return v
