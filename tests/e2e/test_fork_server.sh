# The fork-per-connection scenario under `socklens run`: the programs'
# output is what it is without the tracer, and the trace holds the
# listener, each connection as one socket held by parent and child and
# closed by the child, both ends of each connection, and the refused
# connects with ECONNREFUSED.
. "$(dirname "$0")/lib.sh"
need python3

sh "$SL_ROOT/samples/fork_scenario.sh" "$SAMPLES" >"$TMP/bare.out" 2>&1
"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >"$TMP/traced.out" 2>&1
# Server and client share stdout and flush it at exit: their lines race,
# so compare as sets.
sort "$TMP/bare.out" >"$TMP/bare.sorted"
sort "$TMP/traced.out" | diff -u "$TMP/bare.sorted" - ||
	fail "output changed under the tracer"

scrub_sockets "$TMP/t.trace" >"$TMP/sockets.txt"
expect fork_server.sockets "$TMP/sockets.txt"

"$SL" view -w 100 "$TMP/t.trace" >"$TMP/view.txt"
grep -q "listen 127.0.0.1:" "$TMP/view.txt" || fail "no listener row"
[ "$(grep -c ECONNREFUSED "$TMP/view.txt")" -eq 3 ] || fail "not 3 refused connects"
grep -q "^0 processes\|0 dropped" "$TMP/view.txt" || fail "summary missing"
echo ok
