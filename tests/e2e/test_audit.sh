# socklens audit on samples/audit_cases (one of each thing it looks for)
# run under a small policy: the findings match the golden file (pids,
# ports, callers and times scrubbed); --json says the same; --fail-on
# sets the exit status. Then a trace written by hand: a socket handed to
# a re-exec'd image that uses it (sshd -R) is no leak, one an exec'd
# shell never knew of is, said without naming the same pid twice; the
# sockets a process exited holding are one finding, info when a signal
# stopped it; on a terminal each finding fits its line.
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

python3 - "$SL_ROOT" "$TMP/exec.trace" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet
MS = 1000000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
def image(conn, pid, ts, exe, argv, inherit):
    t.conn(conn, pid=pid)
    t.hello(conn, pid=pid, ts=ts, exe=exe, argv=argv)
    for fd, ino in inherit:
        t.call(conn, "INHERIT", ts=ts, fd=fd, inode=ino, arg0=2, arg1=1)
    t.call(conn, "FDS_DONE", ts=ts)
# pid 40: sshd re-execs itself (-R) and uses the socket it handed over;
# pid 41 execs a shell that never knows of its socket.
for conn, pid, used in ((1, 40, True), (3, 41, False)):
    t.conn(conn, pid=pid)
    t.hello(conn, pid=pid, ts=100 * MS, exe="/usr/sbin/sshd",
            argv=("/usr/sbin/sshd", "-D"))
    t.call(conn, "SOCKET", ts=101 * MS, fd=5, ret=5, inode=pid * 10, arg0=2,
           arg1=1, caller=0x1234)
    t.call(conn, "EXEC", ts=110 * MS, ret=0)
    t.gone(conn, ts=111 * MS)
    image(conn + 1, pid, 112 * MS, "/usr/sbin/sshd" if used else "/bin/sh",
          ("/usr/sbin/sshd", "-R") if used else ("sh", "-c", "true"),
          [(5, pid * 10)])
    if used:
        t.call(conn + 1, "CLOSE", ts=120 * MS, fd=5, inode=pid * 10)
    t.call(conn + 1, "EXIT", ts=130 * MS, ret=0)
    t.gone(conn + 1, ts=131 * MS)
# pid 42 exits holding three sockets; pid 43 is killed holding two.
for conn, pid, killed in ((5, 42, False), (6, 43, True)):
    t.conn(conn, pid=pid)
    t.hello(conn, pid=pid, ts=100 * MS, exe="/usr/bin/srv",
            argv=("/usr/bin/srv", "--a-long-option=" + "x" * 150))
    for k in range(2 if killed else 3):
        t.call(conn, "SOCKET", ts=(101 + k) * MS, fd=3 + k, ret=3 + k,
               inode=pid * 10 + k, arg0=2, arg1=1, caller=0x1234)
    if not killed:
        t.call(conn, "EXIT", ts=200 * MS, ret=0)
    t.gone(conn, ts=201 * MS)
t.write(sys.argv[2])
PY
"$SL" audit "$TMP/exec.trace" >"$TMP/exec.audit" || fail "audit of exec.trace"
cat "$TMP/exec.audit"
grep -q "socket 1, .*fd-leaked\|fd-leaked.*socket 1," "$TMP/exec.audit" &&
	fail "a socket sshd -R was handed and used is called leaked"
grep -q "^warning  fd-leaked-into-exec       socket 2, pid 41 (sshd): still open in sh, which this process exec'd, and never used there" \
	"$TMP/exec.audit" || fail "the leak into sh is not said so"
grep -q "by pid 41" "$TMP/exec.audit" && fail "names pid 41 as another process"
[ "$(grep -c never-closed "$TMP/exec.audit")" = 3 ] ||
	fail "never-closed is not one finding per process"
grep -q "^warning  never-closed              socket 3, pid 42 (srv): exited holding 3 sockets open (3, 5, 7)" \
	"$TMP/exec.audit" || fail "pid 42's sockets are not one warning"
grep -q "^info     never-closed              socket 4, pid 43 (srv): exited holding 2 sockets open (4, 6): a signal stopped it; the kernel closed them" \
	"$TMP/exec.audit" || fail "a killed process's sockets are not info"
grep -q -- "--a-long-option" "$TMP/exec.audit" && fail "a finding repeats the command line"
grep -q '^4 findings: 0 error, 3 warning, 1 info (7 sockets, 4 processes)$' \
	"$TMP/exec.audit" || fail "the totals line"
# On a terminal (script(1) makes one, 140 columns): no line is wider,
# and each keeps its message (the caller goes first where there is no
# room).
if command -v script >/dev/null; then
	COLUMNS=140 script -qec "stty cols 140; '$SL' audit --slow-connect 1ms '$TMP/t.trace'" \
		/dev/null >"$TMP/tty.out" 2>&1 || true
	tr -d '\r' <"$TMP/tty.out" >"$TMP/tty.txt"
	awk 'length($0) > 140 { print; bad = 1 } END { exit bad }' "$TMP/tty.txt" ||
		fail "a finding is wider than the terminal"
	grep -Eq "^warning  listener-all-interfaces   socket 1, pid [0-9]+ \(audit_cases\): listens on 0.0.0.0:[0-9]+, every interface(  \[.*\])?$" \
		"$TMP/tty.txt" || fail "a finding lost its message on the terminal: $(head -3 "$TMP/tty.txt")"
	grep -q "^warning  slow-connect .*took .*\[dial+0x" "$TMP/tty.txt" ||
		fail "a short finding lost its caller on the terminal"
fi
echo ok
