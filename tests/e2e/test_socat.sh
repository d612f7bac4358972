# socat under the preload, both ends: a TCP listener that forks a child
# per connection and runs `tr` for it, a UNIX stream listener, and a UDP
# exchange. The clients' output and every exit status are the same as
# untraced; the trace has each accepted socket handed to a forked child
# and paired with its client's end.
. "$(dirname "$0")/lib.sh"
need_pkg socat socat
need python3

cat >"$TMP/socat.sh" <<'SH'
set -u
port=$1 dir=$2
socat TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork SYSTEM:'tr a-z A-Z' &
tcp=$!
socat UNIX-LISTEN:$dir/u.sock,fork SYSTEM:'rev' &
unx=$!
socat UDP-RECVFROM:$((port + 1)),bind=127.0.0.1,fork SYSTEM:'tr a-z A-Z' &
udp=$!
i=0
until socat -u /dev/null TCP:127.0.0.1:$port 2>/dev/null && [ -S "$dir/u.sock" ]; do
	i=$((i + 1)); [ $i -lt 500 ] || exit 9; sleep 0.02
done
# -t: how long socat waits for the answer after its input ends (0.5 s
# by default: too short on a loaded machine). A stream ends as soon as
# the server closes; a datagram's answer has no end, so UDP waits it out.
for n in 1 2 3; do
	echo "hello $n" | socat -t 60 - TCP:127.0.0.1:$port
	echo "abc $n" | socat -t 60 - UNIX-CONNECT:$dir/u.sock
done
echo "datagram" | socat -t 8 - UDP:127.0.0.1:$((port + 1))
seq 1 20000 | socat -t 60 - TCP:127.0.0.1:$port | tail -n 1
kill $tcp $unx $udp
wait $tcp $unx $udp 2>/dev/null
echo done
SH

port=$(test_port 3)
sh "$TMP/socat.sh" "$port" "$TMP" >"$TMP/bare" 2>&1 || fail "socat failed bare: $(cat "$TMP/bare")"
rm -f "$TMP/u.sock"
"$SL" run -q -o "$TMP/t.trace" -- sh "$TMP/socat.sh" "$((port + 5))" "$TMP" >"$TMP/traced" 2>&1 ||
	fail "socat failed traced: $(cat "$TMP/traced")"
diff -u "$TMP/bare" "$TMP/traced" || fail "socat's output changed under the preload"
grep -q '^HELLO 1$' "$TMP/traced" && grep -q '^1 cba$' "$TMP/traced" &&
	grep -q '^DATAGRAM$' "$TMP/traced" && grep -q '^20000$' "$TMP/traced" ||
	fail "unexpected output: $(cat "$TMP/traced")"

"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks"
python3 - "$TMP/socks" "$((port + 5))" <<'PY' || fail "the trace does not show socat's connections"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
by = {s["id"]: s for s in socks}
tcp = [s for s in socks if s["role"] == "server" and s["family"] == "inet" and
       s["local"].endswith(":%d" % port)]
unix = [s for s in socks if s["role"] == "server" and s["family"] == "unix"]
# 4, and the readiness probe's (one or more, as the server came up)
assert len(tcp) >= 5, "at least 5 TCP connections accepted, got %d" % len(tcp)
assert len(unix) == 3, "3 UNIX connections accepted, got %d" % len(unix)
for s in tcp + unix:
    assert s["peer"] and by[s["peer"]]["role"] == "client", "unpaired: %s" % s
    # socat accepts, then forks: the child holds the socket too
    assert set(s["pids"]) - {by[s["listener"]]["pid"]}, "not handed to a child: %s" % s["id"]
big = max(tcp, key=lambda s: s["rx_bytes"])
assert big["rx_bytes"] == len("".join("%d\n" % i for i in range(1, 20001))), big["rx_bytes"]
print("%d TCP and %d UNIX connections, each handed to a forked child" % (len(tcp), len(unix)))
PY
echo ok
