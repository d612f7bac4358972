"""Checks a Trace Event Format file the way Perfetto's JSON importer reads
it: valid JSON with a traceEvents list; every event with ph, name, pid
and (but for metadata) a numeric ts; async b/e events strictly nested per
(pid, cat, id) track, each e closing the latest open b of the same name,
never going back in time, and nothing left open; complete events with a
non-negative dur; every flow start with its finish, the finish not before
the start, each inside a complete slice of its thread.

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
print("ok: %d events, %d processes, %d tracks, %d flows" %
      (len(events), len(names), len(last_ts), len(flows)))
