# A real program: curl fetching a file from python3's http.server, both
# traced by one `socklens run`. curl's output and exit status do not
# change; the trace has the listener, the server side and the client side
# of the connection with the file's bytes.
. "$(dirname "$0")/lib.sh"
need curl
need python3

mkdir "$TMP/www"
head -c 100000 /dev/urandom >"$TMP/www/blob"
cat >"$TMP/scenario.sh" <<SH
set -e
# Emptied here, before the server starts: the server's own redirection
# runs in its child, and a loop that read the log before that child ran
# found the port of the run before and connected to nothing.
: >"$TMP/http.log"
python3 -m http.server --bind 127.0.0.1 0 --directory "$TMP/www" \
	>"$TMP/http.log" 2>&1 &
srv=\$!
i=0
until port=\$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/http.log") && [ -n "\$port" ]; do
	i=\$((i + 1)); [ \$i -lt 500 ] || exit 9; sleep 0.02
done
curl -s -o "$TMP/got" -w '%{http_code} %{size_download}\n' "http://127.0.0.1:\$port/blob"
curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:\$port/missing"
# curl is done once it has the bytes; the handler thread closes after.
sleep 0.3
kill \$srv
wait \$srv 2>/dev/null || true
SH
sh "$TMP/scenario.sh" >"$TMP/bare.out" 2>&1
"$SL" run -q -o "$TMP/t.trace" -- sh "$TMP/scenario.sh" >"$TMP/traced.out" 2>&1
diff -u "$TMP/bare.out" "$TMP/traced.out" || fail "curl's output changed"
cmp "$TMP/www/blob" "$TMP/got" || fail "the file changed"
"$SL" export -f sockets "$TMP/t.trace" | python3 -c '
import json, sys
socks = [json.loads(l) for l in sys.stdin]
tcp = [s for s in socks if s["family"] == "inet" and s["type"] == "stream"]
listeners = [s for s in tcp if s["role"] == "listener"]
clients = [s for s in tcp if s["role"] == "client" and s["remote"]]
servers = [s for s in tcp if s["role"] == "server"]
assert len(listeners) == 1, listeners
assert len(clients) == 2, clients
assert len(servers) == 2, servers
assert max(c["rx_bytes"] for c in clients) > 100000, clients
assert max(s["tx_bytes"] for s in servers) > 100000, servers
assert all(s["end_ns"] for s in clients), "a client never closed"
assert all(s["end_ns"] or s["open_at_exit"] for s in servers), servers
print("ok")
' || fail "the trace does not tell the story"
