# export -f chrome writes Trace Event JSON that Perfetto's importer takes:
# checked against the format's rules (tests/e2e/check_chrome.py: strict
# nesting per track, required fields, flows bound to slices) on the fork,
# epoll and policy scenarios; the tracks tell the same story as the view.
. "$(dirname "$0")/lib.sh"
need python3

"$SL" run -q -o "$TMP/fork.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >/dev/null 2>&1
"$SL" run -q -o "$TMP/epoll.trace" -- sh "$SL_ROOT/samples/epoll_scenario.sh" \
	"$SAMPLES" -e 20 >/dev/null 2>&1
"$SL" run -q -o "$TMP/policy.trace" -p "$SL_ROOT/tests/e2e/policies/sockopts.conf" \
	-- "$SAMPLES/sockopts" >/dev/null
for t in fork epoll policy; do
	"$SL" export -f chrome -o "$TMP/$t.json" "$TMP/$t.trace" || fail "export $t"
	python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/$t.json" || fail "$t: not a valid trace"
done
python3 - "$TMP/fork.json" "$TMP/epoll.json" "$TMP/policy.json" <<'PY' || fail "the Perfetto trace does not tell the story"
import json, sys
def load(p):
    return json.load(open(p))["traceEvents"]
fork, epoll, policy = map(load, sys.argv[1:])
outer = lambda ev: [e for e in ev if e["ph"] == "b" and e.get("cat") == "socket"
                    and e["name"].startswith("socket ")]
# fork: one listener, 3 server and 3 client ends paired by flows, 3 refused
names = [e["name"] for e in outer(fork)]
assert sum(" listener " in n for n in names) == 1, names
assert sum(" server " in n for n in names) == 3, names
assert sum(n.endswith(" !") for n in names) == 3, names
assert sum(e["ph"] == "s" for e in fork) == 3, "three connections, three arrows"
assert any(e["ph"] == "n" and e["name"] == "ECONNREFUSED" for e in fork)
procs = [e["args"]["name"] for e in fork if e["ph"] == "M" and e["name"] == "process_name"]
assert any("fork_server" in p for p in procs), procs
# epoll: the instance's track with its waits; byte counters
assert any(e["ph"] == "b" and e.get("cat") == "epoll" and e["name"].startswith("epoll 1")
           for e in epoll)
assert sum(e["ph"] == "b" and e["name"].startswith("wait") for e in epoll) > 10
assert any(e["ph"] == "C" for e in epoll)
# policy: the actions as instants on their sockets' tracks
acts = [e["args"]["action"] for e in policy if e["ph"] == "n" and e["name"] == "policy"]
assert len(acts) == 11 and any("deny SO_REUSEPORT" in a for a in acts), acts
print("ok")
PY
echo ok
