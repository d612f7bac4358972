# Errors have a time, and a failed call is not always a socket's fate, on
# a real program (Python): a reset that a recv got after waiting is on
# the client at that moment (export error_ns; the view's ! is not at the
# start of `established`); the EMFILE idle-fd trick (accept fails with
# EMFILE, a reserve fd is closed, the connection accepted and dropped)
# leaves the listener's outcome alone, puts the failed accept on it as an
# incident, and audit reports the fd limit; a UDP recvfrom cut short by
# alarm (EINTR) is an incident with its wait, once the preload records
# interrupted calls.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

cat >"$TMP/errors.py" <<'PY'
import errno, os, resource, signal, socket, struct, time

# A reset 0.3 s into a connection, while the client waits in recv.
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
c = socket.create_connection(l.getsockname())
s, _ = l.accept()
if os.fork() == 0:
    time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    os._exit(0)
s.close()
try:
    c.recv(10)
    raise SystemExit("no reset")
except ConnectionResetError:
    pass
c.close()
os.wait()

# The EMFILE idle-fd trick.
reserve = os.open("/dev/null", os.O_RDONLY)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
c = socket.create_connection(l.getsockname())
fill = []
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    while True:
        fill.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    assert e.errno == errno.EMFILE
try:
    l.accept()
    raise SystemExit("accept did not fail")
except OSError as e:
    assert e.errno == errno.EMFILE, e
os.close(reserve)
a, _ = l.accept()
a.close()
for fd in fill:
    os.close(fd)
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
c.close()
l.close()

# A UDP client waiting for an answer that never comes: alarm cuts it.
def alarm(sig, frame):
    raise InterruptedError()
signal.signal(signal.SIGALRM, alarm)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"ping", ("127.0.0.1", 9))
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    u.recvfrom(100)
except InterruptedError:
    pass
u.close()
print("done")
PY

"$SL" run -q -o "$TMP/t.trace" -- "$PY" "$TMP/errors.py" >"$TMP/out" ||
	fail "the program failed: $(cat "$TMP/out")"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/records.json"
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt"
"$SL" audit "$TMP/t.trace" >"$TMP/audit.txt"
python3 - "$TMP/sockets.json" "$TMP/records.json" "$TMP/view.txt" \
	"$TMP/audit.txt" <<'PY' || fail "errors in time"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
recs = [json.loads(l) for l in open(sys.argv[2])]
view = open(sys.argv[3]).read()
audit = open(sys.argv[4]).read()

# The reset is where the recv returned, well after `established` began.
reset = [s for s in socks if s["error"] == "ECONNRESET"]
assert len(reset) == 1, reset
r = reset[0]
est = [st for st in r["states"] if st["state"] == "established"][0]
assert r["error_ns"] > est["start_ns"], (r["error_ns"], est)
row = [l for l in view.splitlines() if "ECONNRESET" in l][0]
bar = row.split("|")[1]
assert bar.index("!") > bar.index("="), row

# The listener lived through its failed accept: an incident, not its
# fate; audit names the fd limit.
lst = [s for s in socks if s["role"] == "listener"]
assert len(lst) == 1, lst
assert lst[0]["error"] is None, lst[0]
inc = [i for i in lst[0]["incidents"] if i["errno"] == "EMFILE"]
assert len(inc) == 1 and inc[0]["call"].startswith("accept"), lst[0]
assert lst[0]["accepted"] == 2, lst[0]
assert "fd-limit" in audit and "EMFILE" in audit, audit

# EINTR: only once the preload records interrupted calls.
if any(x.get("call") == "recvfrom" and x.get("errno") == "EINTR"
       for x in recs):
    u = [s for s in socks if s["type"] == "dgram"][0]
    cut = [i for i in u["incidents"] if i["errno"] == "EINTR"]
    assert len(cut) == 1 and cut[0]["dur_ns"] > 0, u
    assert u["error"] is None, u
    row = [l for l in view.splitlines() if "->127.0.0.1:9 " in l][0]
    assert "_e" in row.split("|")[1], row
    print("ok: EINTR drawn with its wait")
else:
    print("note: the preload does not record interrupted calls yet")
PY
echo ok
