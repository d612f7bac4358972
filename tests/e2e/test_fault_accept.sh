# Faults on accept with a real server: python's socketserver, which
# logs an accept that fails and polls again (the connection is still
# queued), serves 20 clients bare, with "fail accept EMFILE 30%", twice
# with the same seed (the same pattern of failures), and in audit mode.
# With ECONNABORTED a queued connection is taken and reset: the client
# sees the reset, connects again, and the server still serves all 20.
. "$(dirname "$0")/lib.sh"
need python3
# The interpreter itself, not a version manager's shim (a shell each).
py=$(python3 -c 'import sys; print(sys.executable)')

cat >"$TMP/srv.py" <<'PY'
import socketserver, sys
n, log, served = int(sys.argv[1]), [], 0
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        global served
        self.wfile.write(self.rfile.readline())
        served += 1
class Server(socketserver.TCPServer):
    def get_request(self):
        try:
            r = super().get_request()
        except OSError as e:
            log.append(e.errno)
            raise
        log.append(0)
        return r
srv = Server(("127.0.0.1", 0), Echo)
print(srv.server_address[1], flush=True)
while served < n:
    srv.handle_request()
print(served, "".join("x" if e else "." for e in log) + ".", flush=True)
PY
# Connects N times in turn; one that is reset before its answer is
# made again. Prints the answers and the resets.
cat >"$TMP/cli.py" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
ok = resets = i = 0
while i < n:
    try:
        # A reset can come before the connect's own wait ends.
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(b"hello %d\n" % i)
            line = s.makefile("rb").readline()
    except ConnectionResetError:
        line = b""
    if line == b"hello %d\n" % i:
        ok += 1
        i += 1
    else:
        resets += 1
print(ok, resets)
PY
# serve OUT [socklens run options]: the server (traced if options are
# given) against 20 clients; the clients' answer in $TMP/cli.
serve() {
	out=$1
	shift
	rm -f "$TMP/$out"
	if [ $# -gt 0 ]; then
		"$SL" run -q -o "$TMP/t.trace" "$@" "$py" "$TMP/srv.py" 20 \
			>"$TMP/$out" &
	else
		"$py" "$TMP/srv.py" 20 >"$TMP/$out" &
	fi
	pid=$!
	reap_at_exit $pid
	wait_file "$TMP/$out"
	"$py" "$TMP/cli.py" "$(head -1 "$TMP/$out")" 20 >"$TMP/cli" ||
		fail "the clients failed ($out)"
	wait $pid || fail "the server failed ($out)"
	[ "$(sed -n 2p "$TMP/$out" | cut -d' ' -f1)" = 20 ] ||
		fail "the server served $(sed -n 2p "$TMP/$out") ($out)"
}
pattern() { sed -n 2p "$TMP/$1" | cut -d' ' -f2; }
fails() { pattern "$1" | tr -cd x | wc -c; }

serve bare
[ "$(fails bare)" = 0 ] || fail "accept failed bare: $(pattern bare)"

printf 'seed 42\n[tcp listener]\nfail accept EMFILE 30%%\n' >"$TMP/emfile.conf"
serve one -p "$TMP/emfile.conf"
n=$(fails one)
[ "$n" -gt 0 ] || fail "no injected EMFILE: $(pattern one)"
[ "$(cat "$TMP/cli")" = "20 0" ] || fail "clients: $(cat "$TMP/cli")"
# Each injected failure: a failed accept on the listener (as a real
# EMFILE) and a policy record with the rule's line.
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/j"
[ "$(jq -c 'select(.type == "call" and (.call | test("^accept")) and
	.errno == "EMFILE")' "$TMP/j" | wc -l)" = "$n" ] ||
	fail "the trace's failed accepts are not the server's $n"
[ "$(jq -c 'select(.type == "policy" and .action == "fail" and
	.option == "accept" and .line == 3)' "$TMP/j" | wc -l)" = "$n" ] ||
	fail "the trace's fault records are not the server's $n"
"$SL" view "$TMP/t.trace" | grep -q "fail accept EMFILE  \[.*emfile.conf:3\]" ||
	fail "view does not show the injected EMFILE"

serve two -p "$TMP/emfile.conf"
[ "$(pattern one)" = "$(pattern two)" ] ||
	fail "the same seed gave $(pattern one) and then $(pattern two)"

serve audit -p "$TMP/emfile.conf" --audit
[ "$(fails audit)" = 0 ] || fail "audit mode failed accepts: $(pattern audit)"
"$SL" view "$TMP/t.trace" | grep -q "would fail accept EMFILE" ||
	fail "audit mode does not say what it would have done"

# ECONNABORTED: the connection it names is gone; its client retries.
printf 'seed 7\n[tcp listener]\nfail accept ECONNABORTED 30%%\n' \
	>"$TMP/abort.conf"
serve abort -p "$TMP/abort.conf"
n=$(fails abort)
[ "$n" -gt 0 ] || fail "no injected ECONNABORTED: $(pattern abort)"
[ "$(cat "$TMP/cli")" = "20 $n" ] ||
	fail "$n aborted connections, but the clients say $(cat "$TMP/cli")"
echo ok
