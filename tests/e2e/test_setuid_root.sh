# Root running a setuid-root program is not in secure mode (its uid does
# not change), so the preload works: `inspect` says it can be traced and
# why, and `run` traces it instead of refusing it. The same program
# setuid to another user is refused, with the reason.
. "$(dirname "$0")/lib.sh"
need python3
[ "$(id -u)" = 0 ] || skip "needs root (root running a setuid-root program)"

cp "$SAMPLES/named_callers" "$TMP/suid-root"
chown 0:0 "$TMP/suid-root"
chmod 4755 "$TMP/suid-root"
"$SL" inspect "$TMP/suid-root" >"$TMP/inspect.txt" || fail "inspect: $(cat "$TMP/inspect.txt")"
grep -q "nosuid" "$TMP/inspect.txt" && skip "$TMP is on a nosuid mount: the bit does nothing here"
grep -q "traceable: yes" "$TMP/inspect.txt" || fail "inspect: $(cat "$TMP/inspect.txt")"
grep -q "privileges: setuid to uid 0, which you are: no secure mode, the preload works" \
	"$TMP/inspect.txt" || fail "inspect: $(cat "$TMP/inspect.txt")"

"$SL" run -q -o "$TMP/t.trace" -- "$TMP/suid-root" >"$TMP/out" 2>"$TMP/err" ||
	fail "run refused or failed: $(cat "$TMP/err")"
grep -q "named callers done" "$TMP/out" || fail "the program's output: $(cat "$TMP/out")"
"$SL" export -f sockets "$TMP/t.trace" | python3 -c '
import json, sys
roles = sorted(json.loads(l)["role"] for l in sys.stdin)
assert roles == ["client", "listener", "server"], roles
' || fail "the trace: $("$SL" export -f sockets "$TMP/t.trace")"
echo "ok (setuid root, run by root)"

cp "$SAMPLES/named_callers" "$TMP/suid-nobody"
chown 65534 "$TMP/suid-nobody"
chmod 4755 "$TMP/suid-nobody"
"$SL" run -q -o "$TMP/n.trace" -- "$TMP/suid-nobody" >/dev/null 2>"$TMP/refused" &&
	fail "run started a program the kernel runs in secure mode"
grep -q "cannot be traced: setuid to uid 65534 and you are uid 0: the kernel runs it in secure mode (AT_SECURE)" \
	"$TMP/refused" || fail "refusal: $(cat "$TMP/refused")"
echo "ok (setuid nobody, refused)"
