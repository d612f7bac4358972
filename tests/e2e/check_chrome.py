"""Checks a Trace Event Format file the way Perfetto's JSON importer and
Chrome DevTools read it: valid JSON with a traceEvents list; every event
with ph, name, pid and (but for metadata) a numeric ts; async b/e events
strictly nested per (pid, cat, id) track, each e closing the latest open
b of the same name, never going back in time, and nothing left open;
complete events with a non-negative dur, strictly nested per thread (a
slice ends within the one it starts in); thread instants inside a slice
of their thread; every flow start with its finish, the finish not before
the start, each inside a complete slice of its thread (Perfetto binds to
the enclosing slice) and with the ts, pid, tid and cat of one (DevTools
binds only so).

usage: check_chrome.py FILE   (prints a summary; exits 1 with the reason)
"""
import collections
import json
import sys


def fail(msg):
    print("chrome trace: " + msg)
    sys.exit(1)


doc = json.load(open(sys.argv[1]))
events = doc.get("traceEvents")
if not isinstance(events, list) or not events:
    fail("no traceEvents list")
stacks = collections.defaultdict(list)
last_ts = {}
slices = collections.defaultdict(list)
flows = {}
binds = set()
instants = []
counts = collections.Counter()
names = {}
for i, e in enumerate(events):
    for key in ("ph", "name", "pid"):
        if key not in e:
            fail("event %d has no %s: %r" % (i, key, e))
    ph = e["ph"]
    counts[ph] += 1
    if ph == "M":
        if e["name"] == "process_name":
            names[e["pid"]] = e["args"]["name"]
        continue
    if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
        fail("event %d has a bad ts: %r" % (i, e))
    if ph in ("b", "e", "n"):
        if "id" not in e or "cat" not in e:
            fail("async event %d without cat/id: %r" % (i, e))
        track = (e["pid"], e["cat"], e["id"])
        if track in last_ts and e["ts"] < last_ts[track]:
            fail("track %r goes back in time at event %d" % (track, i))
        last_ts[track] = e["ts"]
        if ph == "b":
            stacks[track].append(e["name"])
        elif ph == "e":
            if not stacks[track] or stacks[track][-1] != e["name"]:
                fail("event %d closes %r but %r is open on %r" %
                     (i, e["name"], stacks[track][-1:] or None, track))
            stacks[track].pop()
        elif not stacks[track]:
            fail("instant %d outside any slice of %r" % (i, track))
    elif ph == "X":
        if e.get("dur", -1) < 0:
            fail("complete event %d without a dur" % i)
        slices[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
        binds.add((e["ts"], e["pid"], e["tid"], e.get("cat")))
    elif ph == "i":
        if e.get("s") != "t":
            fail("instant %d is not thread-scoped: %r" % (i, e))
        instants.append(e)
    elif ph in ("s", "f"):
        flows.setdefault(e["id"], {})[ph] = e
    elif ph == "C":
        if not isinstance(e.get("args"), dict):
            fail("counter %d without args" % i)
    else:
        fail("event %d has an unknown phase %r" % (i, ph))
open_tracks = {t: s for t, s in stacks.items() if s}
if open_tracks:
    fail("slices left open: %r" % open_tracks)
for thread, spans in slices.items():
    # A thread's slices as a stack: longer first where two start together.
    stack = []
    for a, b in sorted(spans, key=lambda x: (x[0], -x[1])):
        while stack and stack[-1][1] <= a + 1e-3:
            stack.pop()
        if stack and b > stack[-1][1] + 1e-3:
            fail("slice %r overlaps %r on thread %r without nesting" %
                 ((a, b), stack[-1], thread))
        stack.append((a, b))


def inside(e):
    # times are decimal microseconds: allow a nanosecond of rounding
    return any(a - 1e-3 <= e["ts"] <= b + 1e-3
               for a, b in slices[(e["pid"], e["tid"])])


for fid, f in flows.items():
    if set(f) != {"s", "f"}:
        fail("flow %r is not a start and a finish: %r" % (fid, f))
    if f["f"]["ts"] < f["s"]["ts"] - 1:
        fail("flow %r finishes before it starts" % fid)
    if not inside(f["s"]) or not inside(f["f"]):
        fail("flow %r does not bind to a slice" % fid)
    for ph in "sf":
        e = f[ph]
        if (e["ts"], e["pid"], e["tid"], e.get("cat")) not in binds:
            fail("flow %r %s: no slice with its ts, pid, tid and cat" %
                 (fid, ph))
for e in instants:
    if not inside(e):
        fail("instant %r outside any slice of its thread" % e)
print("ok: %d events, %d processes, %d threads of slices, %d async "
      "tracks, %d flows" % (len(events), len(names), len(slices),
                            len(last_ts), len(flows)))
