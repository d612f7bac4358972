# Attacks from inside a traced program (tests/helpers/stress.c), each run
# bare and traced with the same output and exit status: 64 threads making
# sockets at once, 200 children forked at once, a blocking accept cut by
# a signal whose handler makes a socket (EINTR reaches the program),
# vfork+exec, posix_spawn and a chain of execs, running out of fds. And a
# collector that restarts: the program reconnects and goes on traced.
. "$(dirname "$0")/lib.sh"

for mode in "threads 64" "forks 200" eintr spawn emfile; do
	# shellcheck disable=SC2086
	"$HELPERS/stress" $mode >"$TMP/bare" 2>&1 || fail "$mode failed bare"
	# shellcheck disable=SC2086
	"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/stress" $mode >"$TMP/traced" 2>&1 ||
		fail "$mode failed traced: $(cat "$TMP/traced")"
	diff -u "$TMP/bare" "$TMP/traced" || fail "$mode: output changed"
	"$SL" view "$TMP/t.trace" >/dev/null || fail "$mode: the trace is unreadable"
done
"$SL" run -q -o "$TMP/f.trace" -- "$HELPERS/stress" forks 200 >/dev/null
n=$("$SL" export -f sockets "$TMP/f.trace" | wc -l)
[ "$n" -eq 200 ] || fail "200 forked children made 200 sockets; the trace has $n"
"$SL" run -q -o "$TMP/s.trace" -- "$HELPERS/stress" spawn >/dev/null
n=$("$SL" export -f sockets "$TMP/s.trace" | wc -l)
[ "$n" -eq 7 ] || fail "vfork+exec and posix_spawn chains made 7 sockets; the trace has $n"

# The collector restarts while the program works: it reconnects.
start_collector "$TMP/c.sock" "$TMP/first.trace" "$TMP/first.log"
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n 150 -p 20000 \
	>"$TMP/loop.out" &
prog=$!
sleep 1
kill -TERM $col
wait $col || true
sleep 0.5
start_collector "$TMP/c.sock" "$TMP/second.trace" "$TMP/second.log"
wait $prog || fail "the program failed across the restart"
[ "$(cat "$TMP/loop.out")" = "150 rounds" ] || fail "loop: $(cat "$TMP/loop.out")"
kill -TERM $col
wait $col || true
a=$("$SL" export -f sockets "$TMP/first.trace" | wc -l)
b=$("$SL" export -f sockets "$TMP/second.trace" | wc -l)
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "before the restart $a sockets, after $b"
"$SL" export -f jsonl "$TMP/second.trace" | grep -q '"reconnect":true' ||
	fail "the second collector got no reconnecting hello"
echo "ok ($a sockets before the restart, $b after)"
