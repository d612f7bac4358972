# socklens audit on samples/audit_cases (one of each thing it looks for)
# run under a small policy: the findings match the golden file (pids,
# ports, callers and times scrubbed); --json says the same; --fail-on
# sets the exit status.
. "$(dirname "$0")/lib.sh"

"$SL" run -q -o "$TMP/t.trace" -p "$SL_ROOT/tests/e2e/policies/audit.conf" -- \
	"$SAMPLES/audit_cases" >"$TMP/out" || fail "audit_cases failed"
[ "$(cat "$TMP/out")" = "audit cases done" ] || fail "audit_cases said $(cat "$TMP/out")"
A="--keepalive-after 100ms --slow-connect 500ms"
# shellcheck disable=SC2086
"$SL" audit $A "$TMP/t.trace" >"$TMP/audit.txt" || fail "audit failed"
sed -E -e 's/pid [0-9]+/pid PID/g' -e 's/:[0-9]{2,5}/:PORT/g' \
	-e 's/\+0x[0-9a-f]+/+OFF/g' -e 's/0x[0-9a-f]+/ADDR/g' \
	-e 's/[0-9.]+(ms|s|us)\b/DUR/g' \
	-e 's|/[^ ]*/||g' "$TMP/audit.txt" >"$TMP/audit.scrubbed"
expect audit_cases.audit "$TMP/audit.scrubbed"

# shellcheck disable=SC2086
"$SL" audit $A --json "$TMP/t.trace" >"$TMP/audit.json"
python3 - "$TMP/audit.json" <<'PY' || fail "--json"
import json, sys
f = [json.loads(l) for l in open(sys.argv[1])]
kinds = {x["kind"] for x in f}
want = {"listener-all-interfaces", "no-keepalive", "never-closed",
        "fd-leaked-into-exec", "repeated-connect-failure", "slow-connect",
        "policy-action"}
assert kinds == want, kinds ^ want
r = [x for x in f if x["kind"] == "repeated-connect-failure"][0]
assert r["severity"] == "error" and len(r["sockets"]) == 3, r
print("ok")
PY
rc=0; "$SL" audit --fail-on error "$TMP/t.trace" >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "--fail-on error exited $rc with an error finding"
rc=0; "$SL" audit --fail-on error --connect-failures 4 "$TMP/t.trace" >/dev/null || rc=$?
[ $rc -eq 0 ] || fail "--fail-on error exited $rc without an error finding"
rc=0; "$SL" audit --fail-on bogus "$TMP/t.trace" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "a bad --fail-on exited $rc"
echo ok
