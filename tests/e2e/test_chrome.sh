# export -f chrome writes Trace Event JSON that Perfetto's importer and
# Chrome DevTools' performance panel both take: checked against the
# format's rules (tests/e2e/check_chrome.py: strict nesting per thread,
# required fields, flows bound to slices by DevTools' rule and
# Perfetto's) on the fork, epoll and policy scenarios and on a trace
# with one client and no server (no connect/accept pair); the threads
# tell the same story as the view. Then DevTools' own trace engine (npm
# @paulirish/trace_engine, installed once into the build directory, or
# SOCKLENS_TRACE_ENGINE=DIR) parses each and must find the processes,
# a thread per socket, every flow, and the trace's time bounds; without
# npm or the registry that part is skipped with the reason.
. "$(dirname "$0")/lib.sh"
need python3

"$SL" run -q -o "$TMP/fork.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >/dev/null 2>&1
"$SL" run -q -o "$TMP/epoll.trace" -- sh "$SL_ROOT/samples/epoll_scenario.sh" \
	"$SAMPLES" -e 20 >/dev/null 2>&1
"$SL" run -q -o "$TMP/policy.trace" -p "$SL_ROOT/tests/e2e/policies/sockopts.conf" \
	-- "$SAMPLES/sockopts" >/dev/null
# One client, its server not traced: no accept to pair with.
python3 - "$SL_ROOT" "$TMP/lone.trace" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet
MS = 1000000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
t.conn(1, pid=30)
t.hello(1, pid=30, ts=100 * MS, exe="/usr/bin/curl", argv=("curl", "http://x/"))
t.call(1, "SOCKET", ts=101 * MS, fd=3, ret=3, inode=700, arg0=2, arg1=1)
t.call(1, "CONNECT", ts=102 * MS, dur=3 * MS, fd=3, inode=700,
       addr=inet(80, (10, 9, 8, 7)), local=inet(50000))
t.call(1, "CLOSE", ts=150 * MS, fd=3, inode=700, tx=70, rx=900,
       tx_calls=1, rx_calls=3)
t.call(1, "EXIT", ts=160 * MS, ret=0)
t.gone(1, ts=161 * MS)
t.write(sys.argv[2])
PY
for t in fork epoll policy lone; do
	"$SL" export -f chrome -o "$TMP/$t.json" "$TMP/$t.trace" || fail "export $t"
	python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/$t.json" || fail "$t: not a valid trace"
done
python3 - "$TMP/fork.json" "$TMP/epoll.json" "$TMP/policy.json" <<'PY' || fail "the trace does not tell the story"
import json, sys
def load(p):
    return json.load(open(p))["traceEvents"]
fork, epoll, policy = map(load, sys.argv[1:])
threads = lambda ev: [e["args"]["name"] for e in ev if e["ph"] == "M"
                      and e["name"] == "thread_name"]
# fork: one listener, 3 server and 3 client ends paired by flows, 3 refused
names = [n for n in threads(fork) if n.startswith("socket ")]
assert sum(" listener " in n for n in names) == 1, names
assert sum(" server " in n for n in names) == 3, names
assert sum(n.endswith(" !") for n in names) == 3, names
assert sum(e["ph"] == "s" for e in fork) == 3, "three connections, three arrows"
assert any(e["ph"] == "i" and e["name"] == "ECONNREFUSED" for e in fork)
procs = [e["args"]["name"] for e in fork if e["ph"] == "M" and e["name"] == "process_name"]
assert any("fork_server" in p for p in procs), procs
# epoll: the instance's thread with its waits; byte counters
assert any(n.startswith("epoll 1") for n in threads(epoll)), threads(epoll)
assert sum(e["ph"] == "X" and e["name"].startswith("wait") for e in epoll) > 10
assert any(e["ph"] == "C" for e in epoll)
# policy: the actions as instants on their sockets' threads
acts = [e["args"]["action"] for e in policy if e["ph"] == "i" and e["name"] == "policy"]
assert len(acts) == 11 and any("deny SO_REUSEPORT" in a for a in acts), acts
print("ok: the story")
PY

# DevTools' trace engine, from npm, kept in the build directory.
engine=${SOCKLENS_TRACE_ENGINE:-$SL_BUILD/npm/node_modules/@paulirish/trace_engine}
if [ ! -f "$engine/models/trace/trace.js" ] && command -v npm >/dev/null &&
	[ -z "${SOCKLENS_TRACE_ENGINE:-}" ]; then
	mkdir -p "$SL_BUILD/npm"
	(cd "$SL_BUILD/npm" && timeout 120 npm install --no-audit --no-fund \
		--silent @paulirish/trace_engine@0.0.65 >"$TMP/npm.log" 2>&1) || true
fi
command -v node >/dev/null || skip "node is not installed: the Perfetto checks passed, DevTools' engine not run"
[ -f "$engine/models/trace/trace.js" ] ||
	skip "DevTools' trace engine is not installed (npm install @paulirish/trace_engine failed: $(tail -n 1 "$TMP/npm.log" 2>/dev/null)); the Perfetto checks passed"
for t in fork epoll policy lone; do
	node "$SL_ROOT/tests/e2e/check_devtools.mjs" "$engine" "$TMP/$t.json" \
		>"$TMP/$t.devtools" || fail "$t: DevTools' engine could not parse it"
	python3 - "$TMP/$t.json" "$TMP/$t.devtools" "$t" <<'PY' || fail "$t: what DevTools sees"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
dt = json.load(open(sys.argv[2]))
name = sys.argv[3]
socks = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
         if e["ph"] == "M" and e["name"] == "thread_name"}
seen = {(p["pid"], t["tid"]): t for p in dt["processes"] for t in p["threads"]}
for key, title in socks.items():
    assert key in seen, "%s: DevTools has no thread for %r" % (name, title)
    assert seen[key]["name"] == title, (seen[key], title)
    assert seen[key]["entries"] > 0, (name, title, seen[key])
named = {p["pid"] for p in dt["processes"] if p["name"]}
assert {k[0] for k in socks} <= named, "%s: processes without names" % name
want = sum(e["ph"] == "s" for e in ev)
assert len(dt["flows"]) == want, "%s: DevTools found %d of %d flows" % (
    name, len(dt["flows"]), want)
for f in dt["flows"]:
    assert len(f) == 2 and f[0]["tid"] != f[1]["tid"], f
b = dt["bounds"]
first = min(e["ts"] for e in ev if e["ph"] == "X")
last = max(e["ts"] + e["dur"] for e in ev if e["ph"] == "X")
assert b["range"] > 0 and b["min"] <= first + 1 and b["max"] >= last - 1, (b, first, last)
print("ok: DevTools: %s: %d threads, %d flows, %.1f ms" % (
    name, len(socks), len(dt["flows"]), b["range"] / 1000))
PY
done
echo ok
