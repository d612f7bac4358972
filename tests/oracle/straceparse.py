"""Reading `strace -f -ttt -yy` output: lines into whole system calls.

strace -f prints one line per call, prefixed by the thread id and the
time. A call that blocks while another thread runs is split into an
`<unfinished ...>` line and a later `<... NAME resumed>` line of the same
thread; they are joined here. Each whole call keeps two positions in the
file: where it was entered and where it returned, because the model
(stracemodel.py) applies some effects at entry (a clone copies the fd
table before the child's first line) and most at return.

With -yy every fd argument carries what the kernel said it was, e.g.
`5<TCP:[127.0.0.1:41234->127.0.0.1:8080]>`, `3<UNIX-STREAM:[1234->1235]>`,
`4<UDP:[56789]>` or `7</etc/hosts>`. Those annotations nest (`0</dev/null<char
1:3>>`) and hold `->`, so arguments are split by a small scanner that knows
quoted strings, brackets and annotations, never by a regular expression.

Standard library only: this is a test tool.
"""

import re

# One call's text as strace prints it, without the prefix.
_PREFIX = re.compile(r"^(\d+)\s+(\d+\.\d+|\d+:\d+:\d+(?:\.\d+)?)\s+(.*)$")
_UNFINISHED = " <unfinished ...>"
_RESUMED = re.compile(r"^<\.\.\. ([A-Za-z0-9_]+) resumed>\s?(.*)$")
_EXITED = re.compile(r"^\+\+\+ (exited with (\d+)|killed by (SIG[A-Z0-9]+)"
                     r"(?: \(core dumped\))?|superseded by execve) \+\+\+$")
_RET = re.compile(r"^\s*=\s*(-?\d+|0x[0-9a-fA-F]+|\?)")
_ERRNO = re.compile(r"^\s*(E[A-Z0-9]+|ERESTART[A-Z_]*) \(")
_DUR = re.compile(r"<(\d+\.\d+)>\s*$")


class Call:
    """One whole system call (or a process event: kind "exit")."""

    __slots__ = ("tid", "ts", "name", "args", "ret", "errno", "ret_annot",
                 "rest", "entry", "exit", "kind", "status", "line", "dur",
                 "exit_ts", "lo", "hi", "sock", "own", "next")

    def __init__(self, tid, ts, kind, name=None, entry=0):
        self.tid = tid
        self.ts = ts
        self.kind = kind        # "call", "exit", "killed", "superseded"
        self.name = name
        self.args = []
        self.ret = None         # int, or None when strace printed "?"
        self.errno = None
        self.ret_annot = None   # the annotation of a returned fd
        self.rest = ""          # what follows the return value
        self.entry = entry
        self.exit = entry
        self.status = None
        self.line = entry
        self.dur = None         # -T: seconds in the call
        self.exit_ts = ts       # when it returned, as far as strace says
        self.lo = None          # the thread's previous call returned then
        self.hi = None          # the thread's next call was entered then
        self.sock = None        # the socket it acted on (the model sets)
        self.own = False        # the preload's own call (the model sets)
        self.next = None        # the thread's next call or event

    def __repr__(self):
        return "Call(%s %s %s(%s) = %s %s)" % (self.tid, self.ts, self.name,
                                               ", ".join(self.args), self.ret,
                                               self.errno or "")


def parse_time(text):
    """Seconds: -ttt gives the epoch, -tt the time of day (wall clock)."""
    if ":" not in text:
        return float(text)
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _skip_annotation(s, i):
    """S[I] is the '<' after an fd number: the index after its '>'."""
    depth = 0
    brackets = 0
    quoted = False
    n = len(s)
    while i < n:
        c = s[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "[":
            brackets += 1
        elif c == "]" and brackets:
            brackets -= 1
        elif brackets:
            pass                # "->" and "<" inside [...] are text
        elif c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def split_args(s, start=0):
    """Splits S from START (just after "name(") at top-level commas up to
    the matching ")". Returns (args, index after ")"), or (args, None)
    when the text ends first (a call cut by the process's death)."""
    args = []
    depth = 0
    quoted = False
    cur = start
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "<" and i > start and s[i - 1].isdigit():
            i = _skip_annotation(s, i)
            continue
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0 and c == ")":
                tail = s[cur:i].strip()
                if tail or args:
                    args.append(tail)
                return args, i + 1
            depth -= 1
        elif c == "," and depth == 0:
            args.append(s[cur:i].strip())
            cur = i + 1
        i += 1
    tail = s[cur:].strip()
    if tail:
        args.append(tail)
    return args, None


def split_list(s):
    """The items of a bracketed list "[a, b, {c, d}]" (outer brackets on)."""
    s = s.strip()
    if len(s) < 2 or s[0] not in "[{":
        return []
    args, _ = split_args("(" + s[1:-1] + ")", 1)
    return args


_FD = re.compile(r"^(-?\d+)(<.*>)?")


def fd_of(token):
    """(fd, annotation text or None) of an argument like 5<TCP:[...]>."""
    m = _FD.match(token.strip())
    if not m:
        return None, None
    annot = None
    if m.group(2):
        end = _skip_annotation(token.strip(), len(m.group(1)))
        annot = token.strip()[len(m.group(1)) + 1:end - 1]
    return int(m.group(1)), annot


def _fill_result(call, text):
    """CALL's name, arguments and result from "name(args) = ret ..."."""
    p = text.find("(")
    if p <= 0:
        call.name = text.strip()
        return
    call.name = text[:p]
    args, end = split_args(text, p + 1)
    call.args = args
    if end is None:
        return
    rest = text[end:]
    m = _RET.match(rest)
    if not m:
        return
    val = m.group(1)
    after = rest[m.end():]
    if val != "?":
        call.ret = int(val, 16) if val.startswith("0x") else int(val)
    if after.startswith("<"):
        e = _skip_annotation(after, 0)
        call.ret_annot = after[1:e - 1]
        after = after[e:]
    em = _ERRNO.match(after)
    if em:
        call.errno = em.group(1)
    call.rest = after.strip()
    dm = _DUR.search(after)
    if dm:
        call.dur = float(dm.group(1))
        call.exit_ts = call.ts + call.dur


def read_calls(lines):
    """Whole calls and process events from strace's lines, in the order
    of their entry. Lines that are not strace's are skipped and counted:
    returns (calls, skipped)."""
    pending = {}    # tid -> (text, ts, entry index)
    calls = []
    skipped = 0
    for idx, raw in enumerate(lines):
        line = raw.rstrip("\n")
        m = _PREFIX.match(line)
        if not m:
            skipped += 1 if line.strip() else 0
            continue
        tid = int(m.group(1))
        ts = parse_time(m.group(2))
        body = m.group(3)
        if body.startswith("---"):
            continue            # a signal: nothing of a socket's
        em = _EXITED.match(body)
        if em:
            kind = "exit" if em.group(2) is not None else \
                "killed" if em.group(3) else "superseded"
            c = Call(tid, ts, kind, entry=idx)
            c.status = em.group(2) or em.group(3)
            pending.pop(tid, None)
            calls.append(c)
            continue
        if body.endswith(_UNFINISHED):
            pending[tid] = (body[:-len(_UNFINISHED)], ts, idx)
            continue
        rm = _RESUMED.match(body)
        if rm:
            start = pending.pop(tid, None)
            if start and start[0].startswith(rm.group(1) + "("):
                text, ts0, entry = start[0] + rm.group(2), start[1], start[2]
            else:
                # Resumed with no start: a child's first stop inside a
                # call, or a start we never saw. Its arguments are lost.
                text, ts0, entry = rm.group(1) + "(" + rm.group(2), ts, idx
            c = Call(tid, ts0, "call", entry=entry)
            c.exit = idx
            c.line = idx
            c.exit_ts = ts      # the resumed line: strace at the exit stop
            _fill_result(c, text)
            calls.append(c)
            continue
        c = Call(tid, ts, "call", entry=idx)
        _fill_result(c, body)
        calls.append(c)
    # A call cut by its process's death has a start and no end.
    for tid, (text, ts, idx) in pending.items():
        c = Call(tid, ts, "call", entry=idx)
        c.exit = idx
        _fill_result(c, text)
        calls.append(c)
    calls.sort(key=lambda c: c.entry)
    return calls, skipped


def link_threads(calls, skip=lambda c: False):
    """Each call's window in its thread: LO, when the thread's previous
    call returned (its -T duration, or the resumed line; else when it
    was entered), and HI, when its next call was entered. Anything the
    thread stamped between two calls lies in that window; calls SKIP
    says are not the program's (the preload's own) do not narrow it."""
    last = {}
    for c in calls:
        if c.kind == "call" and skip(c):
            continue
        prev = last.get(c.tid)
        if prev is not None:
            c.lo = prev.exit_ts
            prev.hi = c.ts
            prev.next = c
        last[c.tid] = c


def read_file(path):
    with open(path, errors="replace") as f:
        return read_calls(f)
