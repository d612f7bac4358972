# Sockets and epoll instances passed over a UNIX socket (SCM_RIGHTS) are
# followed, on a real program (Python's send_fds/recv_fds): a server end
# accepted by one process and handed to another, which writes on it and
# closes it, is one socket held by both, with the receiver's bytes, its
# end at the receiver's close (the sender closed its copy at once), and
# the hand-off on it (export, view, html, chrome); an epoll instance
# passed the same way is one instance, whose watches and waits in the
# receiver are its own (the receiver's preload names it anew: the model
# makes the two names one).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

cat >"$TMP/handoff.py" <<'PY'
import os, select, socket

l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
ctl, peer = socket.socketpair()
pid = os.fork()
if pid == 0:
    ctl.close()
    msg, fds, _, _ = socket.recv_fds(peer, 16, 2)
    conn = socket.socket(fileno=fds[0])
    ep = select.epoll.fromfd(fds[1])
    ep.register(conn.fileno(), select.EPOLLOUT)
    ep.poll(1)
    conn.sendall(b"hello from the worker")
    conn.close()
    ep.close()
    os._exit(0)
peer.close()
c = socket.create_connection(l.getsockname())
s, _ = l.accept()
ep = select.epoll()
socket.send_fds(ctl, [b"x"], [s.fileno(), ep.fileno()])
s.close()
ep.close()
print(c.recv(100).decode())
c.close()
os.waitpid(pid, 0)
PY

"$SL" run -q -o "$TMP/t.trace" -- "$PY" "$TMP/handoff.py" >"$TMP/out" ||
	fail "the program failed: $(cat "$TMP/out")"
[ "$(cat "$TMP/out")" = "hello from the worker" ] || fail "it said $(cat "$TMP/out")"
"$SL" export -f jsonl "$TMP/t.trace" | grep -q '"call":"send-fd"' ||
	skip "the preload does not record SCM_RIGHTS hand-offs (send-fd) yet"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
"$SL" export -f epoll "$TMP/t.trace" >"$TMP/epoll.json"
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt"
"$SL" export -f html -o "$TMP/t.html" "$TMP/t.trace"
"$SL" export -f chrome -o "$TMP/t.json" "$TMP/t.trace"
python3 - "$TMP/sockets.json" "$TMP/epoll.json" "$TMP/view.txt" \
	"$TMP/t.html" "$TMP/t.json" <<'PY' || fail "hand-off"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
eps = [json.loads(l) for l in open(sys.argv[2])]
view = open(sys.argv[3]).read()
srv = [s for s in socks if s["role"] == "server"]
assert len(srv) == 1, srv
s = srv[0]
assert len(s["pids"]) == 2, s
assert s["tx_bytes"] == len(b"hello from the worker"), s
assert s["end_ns"] is not None and not s["open_at_exit"], s
h = s["handoffs"]
assert len(h) == 1 and h[0]["from_pid"] == s["pid"], h
assert h[0]["to_pid"] in s["pids"] and h[0]["to_pid"] != s["pid"], h
assert h[0]["via"] and h[0]["received_on"], h
assert s["end_ns"] >= h[0]["ts_ns"], (s, h)
# The instance passed is one instance, the sender's, holding the
# receiver's watch and wait; the receiver made none of its own. (Python's
# selectors module, imported by socket, probes epoll at start: one more
# instance, closed at once, never watched nor waited on.)
child = h[0]["to_pid"]
assert not [e for e in eps if e["pid"] == child], eps
used = [e for e in eps if e["watches"] or e["waits"]]
assert len(used) == 1 and used[0]["pid"] == s["pid"], eps
assert used[0]["end_ns"] is not None and used[0]["waits"] >= 1, eps
assert [w["socket"] for w in used[0]["watches"]] == [s["id"]], eps
assert s["epoll"] == [used[0]["id"]], s
assert all(e["waits"] == 0 and not e["watches"] for e in eps
           if e is not used[0]), eps
assert "@" in [l for l in view.splitlines() if "server" in l][0], view
assert "passed to another process" in view, view
assert '"ho":[[' in open(sys.argv[4]).read()
assert any(e.get("name") == "passed" for e in json.load(open(sys.argv[5]))["traceEvents"])
print("ok")
PY
python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/t.json" >/dev/null ||
	fail "the chrome trace breaks the format's rules"
echo ok
