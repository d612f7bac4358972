# What the preload learns from the bytes a program's own send and recv
# carry (preload/peek.c) and from TCP_INFO (preload/tcpinfo.c), checked
# in the raw records (tests/helpers/rawtrace.py) against what the client
# printed:
# - curl fetches two URLs over one keep-alive connection from a python3
#   HTTP/1.1 server (e2e/http_once.py), both traced: a SNIFF record
#   (http/1, the client's role) on each end, and per request an HTTP
#   record with method, target, status and index 0 then 1 (reuse), its
#   moments in order; the server's side says the same with side 1;
# - a python3 client that waits 30 ms before its request: the server's
#   accepted socket lived long enough for a TCPINFO record at its close;
# - curl https://foo.test:PORT/ (--resolve, -k) against openssl s_server:
#   a TLS record with SNI foo.test, the ALPN curl offered, a version, the
#   handshake over both ways;
# - an exchange moved through syscall() by number, and one answered by a
#   fork child on the socket its parent accepted (e2e/http_raw.py): both
#   ends' HTTP records, the child's side from the child;
# - run --no-peek: none of SNIFF, TLS, HTTP; SOCKLENS_NO_TCP_INFO=1: no
#   TCPINFO. The programs' output is the same bare and traced.
. "$(dirname "$0")/lib.sh"
need python3
need curl

mkdir -p "$TMP/www"
echo hello >"$TMP/www/index.html"

# serve NAME CONNECTIONS [SOCKLENS ARGS...]: the server, traced, in the
# background; its port in $port.
serve() {
	name=$1 n=$2
	shift 2
	rm -f "$TMP/$name.port"
	"$SL" run -q -o "$TMP/$name-srv.trace" "$@" -- python3 \
		"$SL_ROOT/tests/e2e/http_once.py" "$TMP/www" "$TMP/$name.port" "$n" &
	srv=$!
	reap_at_exit $srv
	wait_file "$TMP/$name.port"
	port=$(cat "$TMP/$name.port")
}

fetch() {	# PORT: what curl prints of two requests on one connection
	curl -s -o /dev/null -w '%{http_code} %{num_connects}\n' \
		"http://127.0.0.1:$1/index.html" "http://127.0.0.1:$1/nope"
}

python3 "$SL_ROOT/tests/e2e/http_once.py" "$TMP/www" "$TMP/bare.port" 1 &
wait_file "$TMP/bare.port"
fetch "$(cat "$TMP/bare.port")" >"$TMP/bare.out"
wait

serve http 2
"$SL" run -q -o "$TMP/curl.trace" -- sh -c "$(command -v curl) -s -o /dev/null -w '%{http_code} %{num_connects}\n' http://127.0.0.1:$port/index.html http://127.0.0.1:$port/nope" >"$TMP/curl.out"
python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(0.03)
s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(4096):
    pass
PY
wait $srv || fail "the traced server failed"
diff -u "$TMP/bare.out" "$TMP/curl.out" || fail "curl printed otherwise traced"

# TLS, when openssl is there to serve it.
tls=0
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" \
		-out "$TMP/cert.pem" -days 1 -subj /CN=foo.test >/dev/null 2>&1
	tport=$(test_port 1)
	openssl s_server -accept "127.0.0.1:$tport" -cert "$TMP/cert.pem" \
		-key "$TMP/key.pem" -www -quiet >/dev/null 2>&1 &
	reap_at_exit $!
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $tport)).close()" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 250 ] || fail "openssl s_server did not start"; sleep 0.02
	done
	"$SL" run -q -o "$TMP/tls.trace" -- curl -sk -o /dev/null -w '%{http_code}\n' \
		--resolve "foo.test:$tport:127.0.0.1" "https://foo.test:$tport/" \
		>"$TMP/tls.out" && tls=1
fi

python3 "$SL_ROOT/tests/e2e/http_raw.py" >"$TMP/raw.bare"
"$SL" run -q -o "$TMP/raw.trace" -- python3 "$SL_ROOT/tests/e2e/http_raw.py" \
	>"$TMP/raw.out" || fail "http_raw.py failed traced"
diff -u "$TMP/raw.bare" "$TMP/raw.out" || fail "http_raw.py printed otherwise traced"

# Off switches.
serve off 1 --no-peek
SOCKLENS_NO_TCP_INFO=1 "$SL" run -q --no-peek -o "$TMP/off.trace" -- \
	python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(0.03)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(4096):
    pass
PY
wait $srv || fail "the traced server failed"

python3 - "$TMP" "$SL_ROOT" "$tls" <<'PY' || fail "the waterfall's records do not say what happened"
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "helpers"))
import rawtrace

tmp, bad = sys.argv[1], []
def recs(name, *types):
    return [r for r in rawtrace.records("%s/%s.trace" % (tmp, name))
            if r["type"] in types]

def check_http(name, side):
    sn = recs(name, "sniff")
    hs = [r for r in recs(name, "http") if r["side"] == side]
    want = [("GET", "/index.html", 200, 0), ("GET", "/nope", 404, 1)]
    got = [(h["method"], h["target"], h["status"], h["index"]) for h in hs]
    if got[:2] != want:
        bad.append("%s: http %s, expected %s" % (name, got, want))
    if not any(s["proto"] == 3 and s["role"] == 1 and
               s["dir"] == (0 if side == 0 else 1) for s in sn):
        bad.append("%s: no sniff record saying http/1 from the client: %s"
                   % (name, sn))
    for h in hs[:2]:
        if len({x["inode"] for x in hs[:2]}) != 1:
            bad.append("%s: two requests, not one connection" % name)
        t = [h["sent_ns"], h["req_end_ns"], h["first_byte_ns"], h["end_ns"]]
        if 0 in t or t != sorted(t):
            bad.append("%s: moments out of order %s" % (name, t))
        if h["status"] == 200 and h["resp_body"] != 6:
            bad.append("%s: body %d, expected 6" % (name, h["resp_body"]))

check_http("curl", 0)
check_http("http-srv", 1)
ti = [r for r in recs("http-srv", "tcpinfo") if r["when"] == 0]
if not ti or not all(r["len"] > 0 for r in ti):
    bad.append("http-srv: no TCP_INFO of the connection that lived 30 ms")
if sys.argv[3] == "1":
    t = recs("tls", "tls")
    if len(t) != 1:
        bad.append("tls: %d tls records" % len(t))
    else:
        t = t[0]
        if t["sni"] != "foo.test" or "http/1.1" not in t["alpn"] or \
                not t["version"] or t["client_dir"] != 0 or \
                not (t["ch_ns"] <= t["sh_ns"]) or \
                not t["app_out"] or not t["app_in"]:
            bad.append("tls: %s" % t)
raw = recs("raw", "http", "hello")
hello = [r for r in raw if r["type"] == "hello"]
main = hello[0]["hpid"] if hello else None
got = sorted((r["target"], r["status"], r["side"], r["pid"] == main)
             for r in raw if r["type"] == "http")
want = [("/forked", 204, 0, True), ("/forked", 204, 1, False),
        ("/raw", 200, 0, True), ("/raw", 200, 1, True)]
if got != want:
    bad.append("raw: %s, expected %s" % (got, want))
for name in ("off", "off-srv"):
    got = recs(name, "sniff", "tls", "http")
    if got:
        bad.append("%s: --no-peek, yet %s" % (name, got))
if recs("off", "tcpinfo"):
    bad.append("off: SOCKLENS_NO_TCP_INFO=1, yet a tcpinfo record")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
[ "$tls" = 1 ] || echo "note: no TLS part (openssl missing or s_server did not serve)"
echo ok
