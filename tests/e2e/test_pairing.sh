# Pairing by what is true, on a real program (Python's socket module):
# a TCP client that closed while its connection waited in the accept
# queue is the server end's peer; a UNIX connect left in a closed
# listener's queue does not shift the pairs of the next listener on that
# path; SO_REUSEPORT workers (two processes, a listener each, one port)
# say which listener and which process accepted each connection. Checked
# in export -f sockets (streamed: retiring must not lose a pair) and in
# the terminal view.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

cat >"$TMP/pairs.py" <<'PY'
import os, socket, sys, time

d = sys.argv[1]
# TCP: the client connects, sends and closes before the accept.
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
c = socket.create_connection(l.getsockname())
c.sendall(b"early")
c.close()
time.sleep(0.2)
s, _ = l.accept()
assert s.recv(10) == b"early"
s.close()
l.close()

# UNIX: a connect the first listener never accepts, then a new listener
# on the same path and two connections it accepts, in order.
path = os.path.join(d, "app.sock")
l0 = socket.socket(socket.AF_UNIX)
l0.bind(path)
l0.listen(8)
lost = socket.socket(socket.AF_UNIX)
lost.connect(path)
l0.close()
os.unlink(path)
l1 = socket.socket(socket.AF_UNIX)
l1.bind(path)
l1.listen(8)
ends = []
for tag in (b"one", b"two"):
    k = socket.socket(socket.AF_UNIX)
    k.connect(path)
    k.sendall(tag)
    ends.append(k)
for tag in (b"one", b"two"):
    v, _ = l1.accept()
    assert v.recv(10) == tag
    v.sendall(tag.upper())
    v.close()
for k in ends:
    k.recv(10)
    k.close()
lost.close()
l1.close()

# SO_REUSEPORT: two worker processes, each its own listener on one port.
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
r, w = os.pipe()
kids = []
for n in range(2):
    pid = os.fork()
    if pid == 0:
        os.close(r)
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(16)
        os.write(w, b"x")
        ls.settimeout(3)
        try:
            while True:
                a, _ = ls.accept()
                a.sendall(b"%d" % os.getpid())
                a.close()
        except socket.timeout:
            pass
        os._exit(0)
    kids.append(pid)
os.close(w)
os.read(r, 1)
os.read(r, 1)
served = set()
for i in range(12):
    k = socket.create_connection(("127.0.0.1", port))
    served.add(k.recv(16))
    k.close()
for pid in kids:
    os.waitpid(pid, 0)
print("served by", len(served), "workers")
PY

"$SL" run -q -o "$TMP/t.trace" -- "$PY" "$TMP/pairs.py" "$TMP" >"$TMP/out" ||
	fail "the program failed: $(cat "$TMP/out")"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
"$SL" view -w 140 "$TMP/t.trace" >"$TMP/view.txt"
python3 - "$TMP/sockets.json" "$TMP/view.txt" <<'PY' || fail "pairing"
import json, sys
socks = {s["id"]: s for s in map(json.loads, open(sys.argv[1]))}
view = open(sys.argv[2]).read()
tcp = [s for s in socks.values() if s["family"] == "inet"]
unix = [s for s in socks.values() if s["family"] == "unix"]

# The client that closed before its accept, and its server end.
early = [s for s in tcp if s["role"] == "server" and s["rx_bytes"] == 5]
assert len(early) == 1, early
srv = early[0]
assert srv["peer"], srv
cli = socks[srv["peer"]]
assert cli["role"] == "client" and cli["peer"] == srv["id"], cli
assert cli["end_ns"] < srv["start_ns"], (cli["end_ns"], srv["start_ns"])

# UNIX: the lost connect has no peer; the others pair by their bytes.
clients = [s for s in unix if s["role"] == "client"]
servers = [s for s in unix if s["role"] == "server"]
assert len(clients) == 3 and len(servers) == 2, (clients, servers)
lost = [s for s in clients if s["tx_bytes"] == 0]
assert len(lost) == 1 and lost[0]["peer"] is None, lost
for v in servers:
    k = socks[v["peer"]]
    assert k["tx_bytes"] == v["rx_bytes"] == 3 and k["rx_bytes"] == 3, (k, v)
    assert k["peer"] == v["id"]

# SO_REUSEPORT: each accepted end names its listener, made by the
# process that accepted it; every client is paired.
listeners = {s["id"]: s for s in tcp if s["role"] == "listener"}
workers = [s for s in tcp if s["role"] == "server" and s["id"] != srv["id"]]
assert len(workers) == 12, len(workers)
for v in workers:
    l = listeners[v["listener"]]
    assert l["pid"] == v["pid"], (l, v)
    assert v["peer"] and socks[v["peer"]]["peer"] == v["id"], v
used = {v["listener"] for v in workers}
for lid in used:
    assert "via %d" % lid in view, lid
print("ok: %d pairs" % sum(1 for s in socks.values() if s["peer"]))
PY
echo ok
