# MSG_PEEK reads are not receipts: 10 bytes read after two peeks are 10
# bytes received, and the peeks are counted apart (export -f sockets
# `peeks`); a UDP receiver that peeks each datagram first counts it once.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

"$SL" run -q -o "$TMP/t.trace" -- "$PY" -c '
import socket
a, b = socket.socketpair()
a.sendall(b"0123456789")
assert b.recv(10, socket.MSG_PEEK) == b"0123456789"
assert b.recv(10, socket.MSG_PEEK) == b"0123456789"
assert b.recv(10) == b"0123456789"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    v.sendto(b"datagram", u.getsockname())
    u.recvfrom(100, socket.MSG_PEEK)
    u.recvfrom(100)
' >"$TMP/out" || fail "the program failed"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
grep -q '"peeks"' "$TMP/sockets.json" ||
	skip "the preload does not count peeks apart yet"
python3 - "$TMP/sockets.json" <<'PY' || fail "peeks"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
pair = [s for s in socks if s["role"] == "pair" and s["rx_bytes"]]
assert len(pair) == 1 and pair[0]["rx_bytes"] == 10, pair
assert pair[0]["peeks"] == 2 and pair[0]["rx_calls"] == 1, pair
udp = [s for s in socks if s["type"] == "dgram" and s["rx_bytes"]]
assert len(udp) == 1 and udp[0]["rx_bytes"] == 3 * 8, udp
assert udp[0]["peeks"] == 3 and udp[0]["rx_calls"] == 3, udp
print("ok")
PY
echo ok
