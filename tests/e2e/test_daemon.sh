# The daemon forks twice, its parents exit at once, it closes every fd up
# to its limit and serves: `run` waits for it, and its sockets are in the
# trace, because the tracer's own fd survived the closing loop.
. "$(dirname "$0")/lib.sh"
need python3

"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/daemon_scenario.sh" \
	"$SAMPLES" >"$TMP/traced.out" 2>&1 ||
	fail "the traced scenario failed: $(cat "$TMP/traced.out")"
printf 'ping 1\nping 2\n' | diff -u - "$TMP/traced.out" || fail "client output"
scrub_sockets "$TMP/t.trace" >"$TMP/sockets.txt"
expect daemon.sockets "$TMP/sockets.txt"


# The daemon run directly: its first call is fork, before it ever spoke
# to the collector; `run` must still wait for the grandchild that serves.
rm -f "$TMP/dport"
"$SL" run -q -o "$TMP/d.trace" -- "$SAMPLES/daemon" -P "$TMP/dport" -n 1 &
run=$!
reap_at_exit $run
wait_file "$TMP/dport"
[ "$("$SAMPLES/client" -p "$(cat "$TMP/dport")" -m direct)" = "direct 1" ] ||
	fail "the daemon did not answer"
wait $run || fail "run failed"
n=$("$SL" export -f sockets "$TMP/d.trace" | grep -c '"role":"server"' || true)
[ "$n" -eq 1 ] || fail "the daemon's connection is not in the trace"
echo ok
