# The daemon forks twice, its parents exit at once, it closes every fd up
# to its limit and serves: `run` waits for it, and its sockets are in the
# trace, because the tracer's own fd survived the closing loop.
. "$(dirname "$0")/lib.sh"
need python3

"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/daemon_scenario.sh" \
	"$SAMPLES" >"$TMP/traced.out" 2>&1
printf 'ping 1\nping 2\n' | diff -u - "$TMP/traced.out" || fail "client output"
scrub_sockets "$TMP/t.trace" >"$TMP/sockets.txt"
expect daemon.sockets "$TMP/sockets.txt"
echo ok
