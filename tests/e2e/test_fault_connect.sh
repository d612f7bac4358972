# Faults on connect with real programs against a loopback http.server,
# each run bare, with the fault, and in audit mode: curl meets a refused
# connect (exit 7), a 300 ms slower one (time_connect >= 0.3 s), and in
# audit mode connects as bare while the trace says what would have been
# done; a 50% rule with the same seed fails the same connects twice.
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
echo hello >"$TMP/index.html"
(cd "$TMP" && exec python3 srv.py >"$TMP/port" 2>"$TMP/srv.err") &
reap_at_exit $!
wait_file "$TMP/port"
port=$(cat "$TMP/port")
url="http://127.0.0.1:$port/index.html"

policy() { printf '[tcp remote 127.0.0.1 port %s]\n%s\n' "$port" "$1" >"$TMP/$2"; }
# curl_under POLICY [--audit]: curl's exit status, its -w in $TMP/w.
curl_under() {
	pol=$1
	shift
	st=0
	"$SL" run -q -o "$TMP/t.trace" -p "$TMP/$pol" "$@" -- \
		curl -s -o /dev/null -w '%{time_connect}' "$url" >"$TMP/w" || st=$?
	echo $st
}

curl -s -o /dev/null "$url" || fail "bare curl cannot fetch $url"

# policy check knows the fault rules, and says what is wrong with one.
"$SL" policy check "$SL_ROOT/samples/policies/faults.conf" >"$TMP/check" ||
	fail "the sample fault policy is refused"
grep -q "^fail   recv    ECONNRESET after 1m  *# line 9$" "$TMP/check" ||
	fail "policy check does not print the fault rules: $(cat "$TMP/check")"
printf '[tcp]\nfail connect ECONNREFUSD\n' >"$TMP/bad.conf"
st=0
"$SL" policy check "$TMP/bad.conf" 2>"$TMP/err" >/dev/null || st=$?
[ $st = 1 ] && grep -qx "$TMP/bad.conf:2:14: unknown errno 'ECONNREFUSD' (did you mean ECONNREFUSED?)" "$TMP/err" ||
	fail "policy check on a misspelt errno: exit $st, $(cat "$TMP/err")"

policy "fail connect ECONNREFUSED" refuse.conf
[ "$(curl_under refuse.conf)" = 7 ] || fail "a refused connect is not curl's exit 7"
"$SL" view "$TMP/t.trace" >"$TMP/view"
grep -q "^ *[0-9]* fail connect ECONNREFUSED  \[.*refuse.conf:2\]" "$TMP/view" ||
	fail "the trace does not show the fault: $(cat "$TMP/view")"
[ "$(curl_under refuse.conf --audit)" = 0 ] ||
	fail "audit mode injected the refusal"
"$SL" view "$TMP/t.trace" >"$TMP/view"
grep -q "would fail connect ECONNREFUSED" "$TMP/view" ||
	fail "audit mode does not say what it would have done: $(cat "$TMP/view")"

policy "delay connect 300ms" delay.conf
[ "$(curl_under delay.conf)" = 0 ] || fail "a delayed connect failed curl"
python3 -c "import sys; sys.exit(float('$(cat "$TMP/w")') < 0.3)" ||
	fail "time_connect $(cat "$TMP/w") s under a 300 ms delay"
"$SL" view "$TMP/t.trace" | grep -q "delay connect 300ms" ||
	fail "the trace does not show the delay"
[ "$(curl_under delay.conf --audit)" = 0 ] || fail "audit mode failed curl"
python3 -c "import sys; sys.exit(float('$(cat "$TMP/w")') >= 0.3)" ||
	fail "audit mode delayed the connect ($(cat "$TMP/w") s)"

# The same seed, the same faults: which of 40 connects a 50% rule fails.
cat >"$TMP/many.py" <<'PY'
import socket, sys
out = ""
for _ in range(40):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        out += "."
    except ConnectionRefusedError:
        out += "x"
    s.close()
print(out)
PY
draws() {
	printf 'seed %s\n' "$1" >"$TMP/seed.conf"
	printf '[tcp remote 127.0.0.1 port %s]\nfail connect ECONNREFUSED 50%%\n' \
		"$port" >>"$TMP/seed.conf"
	"$SL" run -q -o "$TMP/s.trace" -p "$TMP/seed.conf" -- \
		python3 "$TMP/many.py" "$port"
}
a=$(draws 42)
b=$(draws 42)
c=$(draws 43)
[ "$a" = "$b" ] || fail "seed 42 gave $a, then $b"
[ "$a" != "$c" ] || fail "seeds 42 and 43 gave the same $a"
case $a in *x*.*|*.*x*) ;; *) fail "a 50% rule gave $a" ;; esac
echo ok
