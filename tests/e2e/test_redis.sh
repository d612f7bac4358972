# A real epoll program: redis-server under redis-benchmark, both traced
# by one `socklens run`. redis-benchmark runs traced as it does bare
# (its rates are printed; make bench judges speed); every connection the
# benchmark made is one socket on the server side with its bytes, paired
# with the client's end; the server's epoll instance has its waits.
. "$(dirname "$0")/lib.sh"
need python3
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			redis-server redis-tools >/dev/null 2>&1 || true
	fi
	command -v redis-server >/dev/null ||
		skip "redis-server is not installed and could not be (apt-get install redis-server redis-tools)"
fi

cat >"$TMP/redis.sh" <<'SH'
set -e
port=$1 n=$2
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
	--daemonize no --loglevel warning >/dev/null 2>&1 &
srv=$!
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 250 ] || exit 9; sleep 0.02
done
redis-benchmark -p "$port" -n "$n" -c 10 -t set,get -q | tr '\r' '\n' |
	grep 'requests per second'
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$srv" || true
SH

# Ports below the ephemeral range (tests/README.md, "Ports"): 20000 +
# pid bits.
base=$((20000 + $$ % 5000))
rps() { sed -n "s/^ *$1: \([0-9.]*\) requests.*/\1/p" "$2"; }
sh "$TMP/redis.sh" $base 20000 >"$TMP/bare1.out"
"$SL" run -q -o "$TMP/t.trace" -- sh "$TMP/redis.sh" $((base + 1)) 20000 >"$TMP/traced.out"
sh "$TMP/redis.sh" $((base + 2)) 20000 >"$TMP/bare2.out"
for t in SET GET; do
	b1=$(rps $t "$TMP/bare1.out") b2=$(rps $t "$TMP/bare2.out") tr=$(rps $t "$TMP/traced.out")
	[ -n "$tr" ] || fail "redis-benchmark printed no $t result under the tracer"
	# Printed, not judged: a rate is no assertion on a shared machine
	# (make bench measures the tracer's cost on redis).
	echo "$t requests/s: bare $b1, $b2; traced $tr"
done

"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks.json"
# Records the collector could not take in time are dropped and counted
# (a sanitizer-built collector is slow enough for that): a client whose
# connect was among them cannot be paired, so pairing is checked whole
# only when nothing was dropped.
dropped=$("$SL" view "$TMP/t.trace" | sed -n 's/.* \([0-9]*\) dropped, over .*/\1/p')
"$SL" export -f epoll "$TMP/t.trace" >"$TMP/epoll.json"
python3 - "$TMP/socks.json" "$TMP/epoll.json" "${dropped:-0}" <<'PY' || fail "the trace does not tell the story"
import json, sys
socks = {s["id"]: s for s in map(json.loads, open(sys.argv[1]))}
epolls = [json.loads(l) for l in open(sys.argv[2])]
tcp = [s for s in socks.values() if s["family"] == "inet"]
listeners = [s for s in tcp if s["role"] == "listener"]
servers = [s for s in tcp if s["role"] == "server"]
# redis-cli's pings before the server is up are refused: not connections
clients = [s for s in tcp if s["role"] == "client" and
           "established" in [st["state"] for st in s["states"]]]
assert len(listeners) == 1, listeners
dropped = int(sys.argv[3])
if dropped == 0:
    assert len(servers) == len(clients) >= 12, (len(servers), len(clients))
else:
    assert len(servers) >= 12 and len(clients) >= 1, (len(servers), len(clients), dropped)
    print("%d records dropped: pairing checked on the ends that have peers" % dropped)
for s in servers:
    if dropped and not s["peer"]:
        continue
    assert s["peer"], ("unpaired", s)
    c = socks[s["peer"]]
    assert c["role"] == "client" and c["peer"] == s["id"], (s, c)
    assert s["rx_bytes"] == c["tx_bytes"] and s["tx_bytes"] == c["rx_bytes"], (s, c)
    # closed, or (the SHUTDOWN command's own connection) held at exit
    assert s["end_ns"] is not None or s["open_at_exit"], s
    assert s["nonblocking"] and s["epoll"], s
big = [s for s in servers if s["rx_bytes"] > 10000]
assert len(big) >= 10, "the benchmark's ten connections carry the load"
srv_pid = listeners[0]["pid"]
srv_epoll = [e for e in epolls if e["pid"] == srv_pid]
assert srv_epoll and srv_epoll[0]["waits"] > 100, srv_epoll
print("ok: %d connections paired; server epoll %d waits, %d events" %
      (len(servers), srv_epoll[0]["waits"], srv_epoll[0]["events"]))
PY
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt"
grep -q "listen 127.0.0.1:" "$TMP/view.txt" || fail "no listener row"
grep -q " e[0-9]* *epoll" "$TMP/view.txt" || fail "no epoll row"
echo ok
