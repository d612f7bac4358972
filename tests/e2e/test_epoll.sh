# The epoll echo server, level- and edge-triggered, with a load client
# and a non-blocking client: every connection is one socket on each side,
# the two ends paired, with their bytes; the listener and the
# connections are in the epoll instance; the refused non-blocking
# connect ends with ECONNREFUSED on its own socket.
. "$(dirname "$0")/lib.sh"
need python3

run_scenario() {	# name mode conns
	sh "$SL_ROOT/samples/epoll_scenario.sh" "$SAMPLES" "$2" "$3" >"$TMP/$1.bare" 2>&1
	"$SL" run -q -o "$TMP/$1.trace" -- sh "$SL_ROOT/samples/epoll_scenario.sh" \
		"$SAMPLES" "$2" "$3" >"$TMP/$1.out" 2>&1
	sort "$TMP/$1.bare" >"$TMP/$1.bare.sorted"
	sort "$TMP/$1.out" | diff -u "$TMP/$1.bare.sorted" - || fail "$1: output changed"
}

run_scenario lt "" 5
scrub_sockets "$TMP/lt.trace" >"$TMP/lt.sockets"
expect epoll_lt.sockets "$TMP/lt.sockets"

run_scenario et -e 200
"$SL" export -f sockets "$TMP/et.trace" >"$TMP/et.json"
"$SL" export -f epoll "$TMP/et.trace" >"$TMP/et.epoll"
python3 - "$TMP/et.json" "$TMP/et.epoll" <<'PY' || fail "the edge-triggered trace is wrong"
import json, sys
socks = {s["id"]: s for s in map(json.loads, open(sys.argv[1]))}
epolls = [json.loads(l) for l in open(sys.argv[2])]
servers = [s for s in socks.values() if s["role"] == "server"]
clients = [s for s in socks.values() if s["role"] == "client"
           and s["error"] is None]
assert len(servers) == 201, len(servers)
assert len(clients) == 201, len(clients)
for s in servers:
    peer = socks[s["peer"]]
    assert peer["peer"] == s["id"] and peer["role"] == "client", s
    assert s["tx_bytes"] == s["rx_bytes"] == peer["tx_bytes"] == peer["rx_bytes"]
    assert s["tx_bytes"] in (100, 2), s
    assert s["end_ns"] and peer["end_ns"], s
    assert s["nonblocking"] and s["epoll"] == [1], s
    assert s["connect_to_accept_ns"] is not None, s
    assert "peer-closed" in [st["state"] for st in s["states"]], s
refused = [s for s in socks.values() if s["error"] == "ECONNREFUSED"]
assert len(refused) == 1 and refused[0]["nonblocking"], refused
assert [st["state"] for st in refused[0]["states"]][:2] == ["created", "connecting"]
assert len(epolls) == 1 and epolls[0]["waits"] > 0, epolls
edge = [w for w in epolls[0]["watches"] if "ET" in w["events"]]
assert len(edge) == 201, len(edge)
print("ok")
PY
"$SL" export -f jsonl "$TMP/et.trace" | grep -q '"type":"wait"' || fail "no wait records in jsonl"
"$SL" export -f jsonl "$TMP/et.trace" | grep -q '"type":"epoll_ctl"' || fail "no epoll_ctl records in jsonl"
"$SL" view -w 100 "$TMP/lt.trace" >"$TMP/lt.view"
grep -q " e1 *epoll" "$TMP/lt.view" || fail "no epoll row in the view"
echo ok
