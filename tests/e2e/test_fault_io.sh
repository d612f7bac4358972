# Faults on send and receive with real programs against a loopback
# http.server, bare, with the fault and in audit mode: curl's download
# reset after 4 KiB (exit 56), python's http.client still parsing a
# response read one byte at a time (and sending 7 bytes at a time), and
# a non-blocking client told EAGAIN three times before each real read.
. "$(dirname "$0")/lib.sh"
need curl
need python3

cat >"$TMP/srv.py" <<'PY'
import http.server
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
head -c 300000 /dev/urandom >"$TMP/big.bin"
python3 -c 'print("x" * 3000)' >"$TMP/page.html"
(cd "$TMP" && exec python3 srv.py >"$TMP/port" 2>"$TMP/srv.err") &
reap_at_exit $!
wait_file "$TMP/port"
port=$(cat "$TMP/port")
base="http://127.0.0.1:$port"
policy() { printf '[tcp remote 127.0.0.1 port %s]\n%s\n' "$port" "$1" >"$TMP/$2"; }
# run_under POLICY [--audit] -- PROGRAM...: its exit status.
run_under() {
	pol=$1
	shift
	st=0
	"$SL" run -q -o "$TMP/t.trace" -p "$TMP/$pol" "$@" >"$TMP/out" || st=$?
	echo $st
}

# curl: a reset after 4 KiB received.
policy "fail recv ECONNRESET after 4k" reset.conf
curl -s -o "$TMP/got" "$base/big.bin" || fail "bare curl failed"
[ "$(run_under reset.conf -- curl -s -o "$TMP/got" "$base/big.bin")" = 56 ] ||
	fail "a reset download is not curl's exit 56"
[ "$(stat -c %s "$TMP/got")" -lt 4096 ] ||
	fail "curl got $(stat -c %s "$TMP/got") bytes past a reset after 4k"
"$SL" view "$TMP/t.trace" | grep -q "fail recv ECONNRESET  \[.*reset.conf:2\]" ||
	fail "the trace does not show the reset"
[ "$(run_under reset.conf --audit -- curl -s -o "$TMP/got" "$base/big.bin")" = 0 ] ||
	fail "audit mode reset the download"
cmp -s "$TMP/got" "$TMP/big.bin" || fail "audit mode changed the download"
"$SL" view "$TMP/t.trace" | grep -q "would fail recv ECONNRESET" ||
	fail "audit mode does not say what it would have done"

# python http.client: one byte a read, seven a write.
cat >"$TMP/hc.py" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("GET", "/page.html")
r = c.getresponse()
print(r.status, len(r.read()))
PY
want="200 $(stat -c %s "$TMP/page.html")"
[ "$(python3 "$TMP/hc.py" "$port")" = "$want" ] || fail "bare http.client"
printf '[tcp remote 127.0.0.1 port %s]\nshort recv 1\nshort send 7\n' "$port" \
	>"$TMP/short.conf"
[ "$(run_under short.conf -- python3 "$TMP/hc.py" "$port")" = 0 ] ||
	fail "http.client failed on short reads"
[ "$(cat "$TMP/out")" = "$want" ] ||
	fail "http.client read '$(cat "$TMP/out")' one byte at a time, not '$want'"
"$SL" view "$TMP/t.trace" >"$TMP/view"
grep -q "short recv 1" "$TMP/view" && grep -q "short send 7" "$TMP/view" ||
	fail "the trace does not show the short calls: $(cat "$TMP/view")"

# A non-blocking client: EAGAIN three times before each real read.
cat >"$TMP/nb.py" <<'PY'
import select, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /page.html HTTP/1.0\r\n\r\n")
again = reads = got = 0
while True:
    try:
        b = s.recv(65536, socket.MSG_DONTWAIT)
    except BlockingIOError:
        again += 1
        select.select([s], [], [], 5)
        continue
    reads += 1
    if not b:
        break
    got += len(b)
print(again, reads, got)
PY
policy "again recv 3" again.conf
[ "$(run_under again.conf -- python3 "$TMP/nb.py" "$port")" = 0 ] ||
	fail "the non-blocking client failed under again"
set -- $(cat "$TMP/out")
[ "$1" -ge $(($2 * 3)) ] && [ "$3" -gt 3000 ] ||
	fail "again recv 3: $1 EAGAINs for $2 reads of $3 bytes"
"$SL" view "$TMP/t.trace" | grep -q "again recv 3" ||
	fail "the trace does not show the EAGAINs"
[ "$(run_under again.conf --audit -- python3 "$TMP/nb.py" "$port")" = 0 ] ||
	fail "audit mode failed the client"
set -- $(cat "$TMP/out")
[ "$1" -lt $(($2 * 3)) ] || fail "audit mode said EAGAIN ($1 for $2 reads)"
echo ok
