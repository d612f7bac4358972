# A program that dup2()s onto the tracer's fd and closes every fd (a loop
# to the limit, close_range, closefrom) keeps running with its output
# unchanged, and stays traced: the sockets it makes afterwards are in the
# trace with their bytes.
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/fd_abuse" >"$TMP/bare.txt"
"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/fd_abuse" >"$TMP/traced.txt"
diff -u "$TMP/bare.txt" "$TMP/traced.txt" || fail "output changed"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks.json"
# five round trips, two sockets each, each end moving 4 bytes one way
n=$(python3 - "$TMP/socks.json" <<'PY'
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
ok = [s for s in socks if s["role"] == "pair" and s["end_ns"] is not None
      and s["tx_bytes"] + s["rx_bytes"] == 4]
print(len(ok))
PY
)
[ "$n" -eq 10 ] || fail "expected 10 traced socketpair ends, found $n"
echo ok
