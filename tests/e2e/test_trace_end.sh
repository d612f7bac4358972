# The collector stopped while the program runs on: its sockets were open
# when the trace ended, not "at exit" (their holder did not exit), and
# audit's never-closed finding says so. A process that exited holding a
# socket is still at-exit.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

start_collector "$TMP/c.sock" "$TMP/t.trace" "$TMP/col.log"
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$PY" -c '
import os, socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
os._exit(0)
' || fail "the exiting program failed"
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$PY" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
c = socket.create_connection(s.getsockname())
open(sys.argv[1], "w").write("up")
time.sleep(30)
' "$TMP/up" &
prog=$!
reap_at_exit $prog
wait_file "$TMP/up"
sleep 0.2
kill "$col"
wait "$col" || true
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/records.json"
python3 - "$TMP/records.json" "$prog" <<'PY' || skip "the collector marks running processes gone at its close"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert not any(r["type"] == "gone" and r["pid"] == int(sys.argv[2]) for r in recs)
PY
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
"$SL" audit "$TMP/t.trace" >"$TMP/audit.txt"
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt"
python3 - "$TMP/sockets.json" "$TMP/audit.txt" "$TMP/view.txt" "$prog" <<'PY' || fail "trace end"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
audit, view, prog = open(sys.argv[2]).read(), open(sys.argv[3]).read(), int(sys.argv[4])
running = [s for s in socks if s["pid"] == prog]
exited = [s for s in socks if s["pid"] != prog and s["family"] == "inet"]
assert len(running) == 2 and len(exited) == 1, socks
for s in running:
    assert s["end_ns"] is None and not s["open_at_exit"] and s["open_at_end"], s
assert exited[0]["open_at_exit"] and not exited[0]["open_at_end"], exited
assert "still open when the trace ended" in audit, audit
assert "its last holder exited with it open" in audit, audit
assert view.count("open at end") >= 2 and "at-exit" in view, view
print("ok")
PY
echo ok
