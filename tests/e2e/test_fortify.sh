# A program built with _FORTIFY_SOURCE calls __poll_chk and __ppoll_chk
# where it wrote poll and ppoll (nfds not a constant): the preload wraps
# them too (include/socklens/calls.def), so its waits are in the trace,
# the program's output is unchanged, and inspect counts them as socket
# functions.
. "$(dirname "$0")/lib.sh"
need nm
prog="$HELPERS/fortified_poll"
nm -D "$prog" | grep -q '__poll_chk' ||
	skip "the helper was not built with _FORTIFY_SOURCE (no optimisation?)"

"$prog" 1 >"$TMP/bare" || fail "bare run failed"
"$SL" run -q -o "$TMP/t.trace" -- "$prog" 1 >"$TMP/traced" || fail "traced run failed"
diff -u "$TMP/bare" "$TMP/traced" || fail "the program's output changed"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"
for call in poll ppoll; do
	grep '"type":"wait"' "$TMP/t.jsonl" | grep -q "\"call\":\"$call\",\"ret\":1," ||
		fail "no $call wait in the trace: $(grep wait "$TMP/t.jsonl")"
done
"$SL" inspect "$prog" | grep -q '__poll_chk' ||
	fail "inspect does not list __poll_chk: $("$SL" inspect "$prog")"
echo ok
