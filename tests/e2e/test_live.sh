# run --live redraws the timeline of the open sockets while the program
# runs (here: a client holding three connections for ~2.5 s), with the
# status line; the program's output is untouched.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/scenario.sh" <<SH
"$SAMPLES/epoll_server" -P "$TMP/port" -n 3 >/dev/null &
while [ ! -s "$TMP/port" ]; do sleep 0.01; done
for i in 1 2 3; do
	( sleep 2.5; echo hi ) | nc -q 1 127.0.0.1 \$(cat "$TMP/port") >/dev/null &
done
wait
echo done
SH
need nc
"$SL" run --live -q -o "$TMP/t.trace" -- sh "$TMP/scenario.sh" >"$TMP/out" 2>"$TMP/live" ||
	fail "run --live failed"
[ "$(cat "$TMP/out")" = "done" ] || fail "output: $(cat "$TMP/out")"
grep -q "open sockets" "$TMP/live" || fail "no status line: $(head -c 400 "$TMP/live")"
grep -q "listen 127.0.0.1:" "$TMP/live" || fail "no live timeline"
grep -q "server <-127.0.0.1:" "$TMP/live" || fail "the open connections were not drawn"
echo ok
