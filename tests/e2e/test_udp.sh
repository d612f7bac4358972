# The UDP request/response pair: three requests, three answers, the
# server's socket bound, the client's unconnected with its first peer.
. "$(dirname "$0")/lib.sh"
need python3

sh "$SL_ROOT/samples/udp_scenario.sh" "$SAMPLES" >"$TMP/bare.out" 2>&1
"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/udp_scenario.sh" \
	"$SAMPLES" >"$TMP/traced.out" 2>&1
# Server and client share stdout; their lines race, so compare as sets.
sort "$TMP/bare.out" >"$TMP/bare.sorted"
sort "$TMP/traced.out" | diff -u "$TMP/bare.sorted" - ||
	fail "output changed under the tracer"
scrub_sockets "$TMP/t.trace" >"$TMP/sockets.txt"
expect udp.sockets "$TMP/sockets.txt"
echo ok
