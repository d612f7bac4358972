# nginx under the preload, loaded by wrk and curl from outside: the
# master (root) forks two workers that become nobody, and every byte the
# clients get is the same as untraced. The workers' records reach the
# trace although they changed uid after their connection was made; the
# accepted connections are theirs, on the listener they inherited.
. "$(dirname "$0")/lib.sh"
need_pkg nginx nginx-light
need_pkg wrk wrk
need_pkg curl curl
need python3

port=$(test_port 1)
mkdir -p "$TMP/www" "$TMP/logs"
head -c 200000 /dev/urandom >"$TMP/www/big.bin"
echo hello >"$TMP/www/index.html"
# The workers run as nobody: they must be able to read the pages.
chmod 0755 "$TMP" "$TMP/www"
chmod 0644 "$TMP/www/big.bin" "$TMP/www/index.html"
sed -e "s|@DIR@|$TMP|g" -e "s|@PORT@|$port|g" "$SL_ROOT/tests/e2e/nginx.conf.in" \
	>"$TMP/nginx.conf"

# serve PREFIX [socklens run args]: nginx, then the clients, then quit.
serve() {
	out=$1
	shift
	rm -f "$TMP/nginx.pid"
	"$@" nginx -c "$TMP/nginx.conf" -p "$TMP" >"$out.nginx" 2>&1 &
	srv=$!
	reap_at_exit $srv
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
		i=$((i + 1)); [ $i -lt 500 ] || fail "nginx did not come up: $(cat "$out.nginx")"
		sleep 0.02
	done
	curl -s "http://127.0.0.1:$port/" >"$out.index"
	curl -s "http://127.0.0.1:$port/big.bin" >"$out.big"
	curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/missing" >"$out.404"
	wrk -t2 -c8 -d2s "http://127.0.0.1:$port/" >"$out.wrk" 2>&1
	kill -QUIT "$(cat "$TMP/nginx.pid")"
	rc=0
	wait $srv || rc=$?
	echo $rc >"$out.rc"
}

serve "$TMP/bare"
serve "$TMP/traced" "$SL" run -q -o "$TMP/t.trace" --
for f in index big 404 rc; do
	cmp -s "$TMP/bare.$f" "$TMP/traced.$f" || fail "$f differs traced: $(head -c 200 "$TMP/traced.$f")"
done
cmp -s "$TMP/traced.big" "$TMP/www/big.bin" || fail "big.bin came back different"
[ "$(cat "$TMP/traced.rc")" = 0 ] || fail "nginx exited $(cat "$TMP/traced.rc") traced"
for w in bare traced; do
	grep -q 'Socket errors\|Non-2xx' "$TMP/$w.wrk" && fail "wrk saw errors ($w): $(cat "$TMP/$w.wrk")"
done
"$SL" view "$TMP/t.trace" >"$TMP/view" 2>&1 || fail "view failed"
grep -q 'cut off' "$TMP/view" && fail "processes were cut off: $(grep 'cut off' "$TMP/view")"

"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks"
python3 - "$TMP/socks" "$port" <<'PY' || fail "the trace does not show nginx's workers serving"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
lis = [s for s in socks if s["role"] == "listener" and s["local"] and s["local"].endswith(":%d" % port)]
srv = [s for s in socks if s["role"] == "server"]
assert len(lis) == 1, "one listener on the port, got %d" % len(lis)
assert len(lis[0]["pids"]) == 3, "the master and two workers hold it: %s" % lis[0]["pids"]
workers = set(p for p in lis[0]["pids"] if p != lis[0]["pid"])
assert srv, "no accepted connections"
assert all(s["pid"] in workers for s in srv), "a connection not in a worker"
assert all(s["listener"] == lis[0]["id"] for s in srv), "a connection not from the listener"
moved = sum(s["tx_bytes"] for s in srv)
assert moved > 200000, "workers sent %d bytes" % moved
print("%d connections served by workers %s, %d bytes sent" % (len(srv), sorted(workers), moved))
PY
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
echo "ok (wrk requests/s bare $(rps "$TMP/bare.wrk"), traced $(rps "$TMP/traced.wrk"))"
