# A real program under a policy: curl against python3's http.server with
# `set SO_KEEPALIVE on`, `set TCP_KEEPIDLE 45` and `set TCP_NODELAY on`.
# While the connection is open, ss(8) shows curl's socket with the
# keepalive timer the policy set; the trace shows the actions applied.
. "$(dirname "$0")/lib.sh"
need curl
need python3
need ss

cat >"$TMP/policy.conf" <<'POL'
[tcp client]
set SO_KEEPALIVE on
set TCP_KEEPIDLE 45
set TCP_NODELAY  on
POL
# http.server, with a handler slow enough to look at the connection.
cat >"$TMP/slow.py" <<'PY'
import http.server, sys, time
class Slow(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        time.sleep(1.5)
        super().do_GET()
    def log_message(self, *args):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), Slow)
print(srv.server_address[1], flush=True)
srv.handle_request()
PY
echo hello >"$TMP/index.html"
(cd "$TMP" && exec python3 slow.py >"$TMP/port") &
srv=$!
reap_at_exit $srv
wait_file "$TMP/port"
port=$(cat "$TMP/port")
"$SL" run -q -o "$TMP/t.trace" -p "$TMP/policy.conf" -- \
	curl -s -o "$TMP/got" "http://127.0.0.1:$port/index.html" &
run=$!
reap_at_exit $run
# Until ss shows the timer the policy set (the handler holds the
# connection open 1.5 s), or curl is done: a condition, not a guess at
# how long a loaded machine takes to start curl.
i=0
while :; do
	ss -tnoi "dport = :$port" >"$TMP/ss.out"
	grep -q "timer:(keepalive,4[0-5]sec" "$TMP/ss.out" && break
	kill -0 $run 2>/dev/null || break
	i=$((i + 1)); [ $i -lt $((3000 * SL_TIMEOUT_SCALE)) ] || break
	sleep 0.01
done
wait $run || fail "curl failed under the policy"
cmp -s "$TMP/got" "$TMP/index.html" || fail "curl fetched something else"
grep -q "timer:(keepalive,4[0-5]sec" "$TMP/ss.out" ||
	fail "ss shows no 45 s keepalive on curl's socket: $(cat "$TMP/ss.out")"
"$SL" export -f sockets "$TMP/t.trace" | python3 -c '
import json, sys
socks = [json.loads(l) for l in sys.stdin]
client = [s for s in socks if s["role"] == "client" and s["family"] == "inet"]
assert len(client) == 1, client
acts = {(a["option"], a["value"], a["outcome"]) for a in client[0]["policy"]}
for want in [("SO_KEEPALIVE", "on", "applied"), ("TCP_KEEPIDLE", "45s", "applied"),
             ("TCP_NODELAY", "on", "applied")]:
    assert want in acts, (want, acts)
print("ok")
' || fail "the trace does not show the policy applied"
echo ok
