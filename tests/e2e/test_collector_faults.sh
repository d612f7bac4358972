# The traced program does not depend on the collector: with none at all,
# with one killed mid-run, and with one stopped (SIGSTOP) while the
# program works, it exits 0 with its normal output; what could not be
# sent is counted and reported once the collector reads again.
. "$(dirname "$0")/lib.sh"

# 1. No collector: SOCKLENS_SOCKET names nothing.
out=$(SOCKLENS_SOCKET="$TMP/none.sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n 50)
[ "$out" = "50 rounds" ] || fail "without a collector: '$out'"

# 2. Collector killed (SIGKILL) while the program runs.
start_collector "$TMP/c.sock" "$TMP/killed.trace" "$TMP/collect.log"
wait_file "$TMP/killed.trace"
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" \
	"$HELPERS/sock_loop" -n 200 -p 2000 >"$TMP/killed.out" &
prog=$!
sleep 0.2
kill -9 $col
wait $prog || fail "program failed after the collector was killed"
[ "$(cat "$TMP/killed.out")" = "200 rounds" ] || fail "killed: $(cat "$TMP/killed.out")"
"$SL" view "$TMP/killed.trace" >"$TMP/killed.view" || true
grep -q "sockets" "$TMP/killed.view" || fail "the killed collector's trace is unreadable"

# 3. Collector stopped while the program makes thousands of records, more
# than its shared memory holds (the smallest, 64 KiB): the program is not
# held up; after SIGCONT the drops are in the trace.
rm -f "$TMP/c.sock"
start_collector "$TMP/c.sock" "$TMP/stopped.trace" "$TMP/collect2.log"
kill -STOP $col
start=$(date +%s)
SOCKLENS_RING_KB=64 SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" \
	"$HELPERS/sock_loop" -n 3000 -w "$TMP/go" >"$TMP/stopped.out" &
prog=$!
# Let the first 3000 rounds run against the stopped collector.
i=0
while [ $i -lt 300 ] && ! grep -q . /proc/$prog/wchan 2>/dev/null; do
	i=$((i + 1)); sleep 0.01
done
sleep 1
kill -CONT $col
touch "$TMP/go"
wait $prog || fail "program failed while the collector was stopped"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "program was held up"
[ "$(cat "$TMP/stopped.out")" = "6000 rounds" ] || fail "stopped: $(cat "$TMP/stopped.out")"
kill -TERM $col
wait $col || true
"$SL" view "$TMP/stopped.trace" >"$TMP/stopped.view"
dropped=$(sed -n 's/.* \([0-9][0-9]*\) dropped.*/\1/p' "$TMP/stopped.view")
[ "${dropped:-0}" -gt 0 ] || fail "no drops reported: $(tail -n 2 "$TMP/stopped.view")"
echo "ok ($dropped records dropped while the collector was stopped)"
