# The policy, end to end, on samples/sockopts (it sets options and prints
# what getsockopt says): bare, under an enforcing policy, under audit.
# Enforcing changes what the kernel holds, as the expected file says;
# audit changes nothing; both leave their actions in the trace. A bad
# policy stops `run` before the program starts; the preload alone warns
# and runs the program untouched, or exits 78 when told to be strict.
. "$(dirname "$0")/lib.sh"
need python3
POL="$SL_ROOT/tests/e2e/policies/sockopts.conf"

"$SAMPLES/sockopts" >"$TMP/bare.out"
"$SL" run -q -o "$TMP/enforce.trace" -p "$POL" -- "$SAMPLES/sockopts" >"$TMP/enforce.out"
"$SL" run -q -o "$TMP/audit.trace" -p "$POL" --audit -- "$SAMPLES/sockopts" >"$TMP/audit.out"
expect sockopts.enforce "$TMP/enforce.out"
diff -u "$TMP/bare.out" "$TMP/audit.out" || fail "audit changed what the program saw"
grep -q "SO_KEEPALIVE=0" "$TMP/bare.out" || fail "the bare run is not what the test assumes"

# Every action is on its socket's timeline, with its rule's line.
"$SL" export -f sockets "$TMP/enforce.trace" >"$TMP/enforce.json"
"$SL" export -f sockets "$TMP/audit.trace" >"$TMP/audit.json"
python3 - "$TMP/enforce.json" "$TMP/audit.json" <<'PY' || fail "policy actions missing from the trace"
import json, sys
def actions(path):
    return [(s["role"], a["option"], a["action"], a["when"], a["value"],
             a["outcome"], a["rule"].rsplit(":", 1)[1])
            for s in map(json.loads, open(path)) for a in s["policy"]]
enf, aud = actions(sys.argv[1]), actions(sys.argv[2])
assert len(enf) == len(aud) == 11, (len(enf), len(aud))
assert all(a[5] == "would" for a in aud), aud
assert all(a[5] == "applied" for a in enf), enf
assert ("client", "SO_REUSEPORT", "deny", "in the program's setsockopt",
        "on", "applied", "6") in enf, enf
assert ("client", "SO_RCVBUF", "clamp", "in the program's setsockopt",
        "64k", "applied", "5") in enf, enf
assert ("client", "TCP_NODELAY", "set", "before connect", "on", "applied",
        "9") in enf, enf
assert ("server", "SO_KEEPALIVE", "set", "on accept", "on", "applied",
        "3") in enf, enf
print("ok")
PY
"$SL" view -w 120 "$TMP/enforce.trace" | grep -q "deny SO_REUSEPORT (program asked on)" ||
	fail "the view does not show the policy's actions"

# A misspelt option: refused with line, column and a suggestion; the
# program is not started.
printf 'mode enforce\n[tcp]\nset SO_KEEPALVE on\n' >"$TMP/bad.conf"
if "$SL" run -q -o "$TMP/bad.trace" -p "$TMP/bad.conf" -- touch "$TMP/started" 2>"$TMP/bad.err"; then
	fail "run accepted a bad policy"
fi
[ ! -e "$TMP/started" ] || fail "the program started under a bad policy"
grep -q "bad.conf:3:5: unknown option 'SO_KEEPALVE' (did you mean SO_KEEPALIVE?)" "$TMP/bad.err" ||
	fail "unclear error: $(cat "$TMP/bad.err")"
"$SL" policy check "$TMP/bad.conf" 2>/dev/null && fail "policy check accepted a bad policy"
"$SL" policy check "$SL_ROOT/samples/policies/example.conf" >"$TMP/check.out" ||
	fail "the example policy is refused"
grep -q "clamp  SO_RCVBUF  *64k 4m" "$TMP/check.out" || fail "normalised policy: $(cat "$TMP/check.out")"

# The preload alone with a bad policy: the message, then the program runs
# untouched; strict: exit 78 before main.
SOCKLENS_POLICY="$TMP/bad.conf" LD_PRELOAD="$LIB" "$SAMPLES/sockopts" \
	>"$TMP/alone.out" 2>"$TMP/alone.err"
diff -u "$TMP/bare.out" "$TMP/alone.out" || fail "a refused policy changed the program"
grep -q "bad.conf:3:5: unknown option" "$TMP/alone.err" || fail "no message from the preload"
rc=0
SOCKLENS_POLICY="$TMP/bad.conf" SOCKLENS_POLICY_STRICT=1 LD_PRELOAD="$LIB" \
	"$SAMPLES/sockopts" >"$TMP/strict.out" 2>/dev/null || rc=$?
[ "$rc" -eq 78 ] || fail "strict mode exited $rc, not 78"
[ ! -s "$TMP/strict.out" ] || fail "strict mode ran main"

# A rule that cannot apply to a socket it matches ([any] selects UDP too)
# is a recorded warning, and changes nothing.
printf '[any]\nset TCP_NODELAY on\n' >"$TMP/misfit.conf"
"$SL" run -q -o "$TMP/misfit.trace" -p "$TMP/misfit.conf" -- "$SAMPLES/sockopts" >/dev/null ||
	fail "run under the misfit policy"
"$SL" export -f sockets "$TMP/misfit.trace" | grep -q '"outcome":"misfit"' ||
	fail "no misfit warning for TCP_NODELAY on a UDP socket"

# The preload alone with a good policy and no collector enforces it.
SOCKLENS_POLICY="$POL" LD_PRELOAD="$LIB" "$SAMPLES/sockopts" >"$TMP/alone2.out"
diff -u "$EXPECTED/sockopts.enforce" "$TMP/alone2.out" || fail "the policy without a collector"
echo ok
