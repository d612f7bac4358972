# The moments that are not states, through every output, on a trace
# written by hand (tests/e2e/make_trace.py) with the records the preload
# sends for them: a reset that a recv got after waiting (the error at its
# time), a listener whose accept failed with EMFILE and was cut by EINTR
# (incidents, not its fate; audit's fd-limit), a UDP recvfrom cut short
# by a signal (the wait and its end), a socket and an epoll instance
# passed to another process over a socketpair (SCM_RIGHTS), peeks, and
# a process still running when the trace ended (no GONE: open at end), a
# socket that is its stdout (bytes through stdio not seen: at least);
# a busy listener's thousands of accepts that found the queue empty
# (all counted, the first kept as events, how many more said).
# Checked in export -f sockets and epoll, the view, audit, the HTML
# page's data and the Perfetto trace (its format's rules).
. "$(dirname "$0")/lib.sh"
need python3

python3 - "$SL_ROOT" "$TMP/t.trace" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet

MS = 1000000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
EP = (1 << 63) | 77
EP2 = (1 << 63) | 78
# Pid 10: a listener, a connection reset after a wait, a failed accept.
t.conn(1, pid=10)
t.hello(1, pid=10, ts=100 * MS)
t.call(1, "SOCKET", ts=101 * MS, fd=3, ret=3, inode=500, arg0=2, arg1=1)
t.call(1, "BIND", ts=102 * MS, fd=3, inode=500, addr=inet(8080),
       local=inet(8080))
t.call(1, "LISTEN", ts=103 * MS, fd=3, inode=500, local=inet(8080))
t.call(1, "ACCEPT", ts=110 * MS, dur=20 * MS, fd=4, ret=4, inode=501,
       inode2=500, arg1=3, addr=inet(40000), local=inet(8080))
t.call(1, "RECV", ts=200 * MS, dur=300 * MS, fd=4, ret=-1, err=104,
       inode=501)                          # ECONNRESET after 300 ms
t.call(1, "CLOSE", ts=510 * MS, fd=4, inode=501)
t.call(1, "ACCEPT", ts=520 * MS, fd=3, ret=-1, err=24, inode=500)  # EMFILE
t.call(1, "ACCEPT", ts=530 * MS, dur=100 * MS, fd=3, ret=-1, err=4,
       inode=500)                          # EINTR after 100 ms
# ... a UDP socket whose recvfrom a signal cut after 200 ms; peeks.
t.call(1, "SOCKET", ts=640 * MS, fd=5, ret=5, inode=600, arg0=2, arg1=2)
t.call(1, "RECVFROM", ts=650 * MS, dur=200 * MS, fd=5, ret=-1, err=4,
       inode=600)
t.call(1, "CLOSE", ts=860 * MS, fd=5, inode=600, rx=10, rx_calls=1,
       peeks=2)
# ... a socketpair to pid 20 (forked), a socket and an epoll passed.
t.call(1, "SOCKETPAIR", ts=870 * MS, fd=6, inode=700, inode2=701, arg0=1,
       arg1=1)
t.call(1, "SOCKETPAIR", ts=870 * MS, fd=7, inode=701, inode2=700, arg0=1,
       arg1=1)
t.call(1, "FORK", ts=871 * MS, ret=20)
t.call(1, "CLOSE", ts=872 * MS, fd=7, inode=701)
t.call(1, "SOCKET", ts=880 * MS, fd=8, ret=8, inode=800, arg0=2, arg1=1)
t.call(1, "EPOLL_CREATE", ts=881 * MS, fd=9, ret=9, inode=EP, arg0=0)
t.call(1, "FD_SEND", ts=890 * MS, fd=6, ret=1, inode=700, arg0=8,
       inode2=800)
t.call(1, "FD_SEND", ts=890 * MS, fd=6, ret=1, inode=700, arg0=9,
       inode2=EP)
t.call(1, "CLOSE", ts=891 * MS, fd=8, inode=800)
t.call(1, "CLOSE", ts=891 * MS, fd=9, inode=EP)
t.call(1, "EXIT", ts=990 * MS, ret=0)
t.gone(1, ts=1000 * MS)
# Pid 20 receives them, writes, and is still running when the trace ends.
t.conn(2, pid=20)
t.hello(2, pid=20, ppid=10, flags=1, ts=871 * MS)
t.call(2, "INHERIT", ts=871 * MS, fd=6, inode=700, arg0=1, arg1=1)
t.call(2, "INHERIT", ts=871 * MS, fd=7, inode=701, arg0=1, arg1=1)
t.call(2, "INHERIT", ts=871 * MS, fd=1, inode=950, arg0=1, arg1=1,
       flags=0x100)                        # a stdio stream's fd
t.call(2, "FDS_DONE", ts=871 * MS)
t.call(2, "CLOSE", ts=872 * MS, fd=6, inode=700)
t.call(2, "FD_RECV", ts=895 * MS, fd=10, ret=10, inode=800, inode2=701,
       arg1=7, arg0=2 | (1 << 32))
t.call(2, "FD_RECV", ts=895 * MS, fd=11, ret=11, inode=EP2, inode2=701,
       arg1=7)
t.call(2, "COUNTERS", ts=950 * MS, fd=10, inode=800, tx=21, tx_calls=1)
t.call(2, "COUNTERS", ts=951 * MS, fd=1, inode=950, tx=5, tx_calls=1,
       flags=0x100)
# Pid 30 exits holding a socket as its stdout (libc may have fclose'd it
# unseen), and one it never closed.
t.conn(3, pid=30)
t.hello(3, pid=30, ts=900 * MS)
t.call(3, "INHERIT", ts=900 * MS, fd=1, inode=960, arg0=1, arg1=1,
       flags=0x100)
t.call(3, "INHERIT", ts=900 * MS, fd=4, inode=961, arg0=1, arg1=1)
t.call(3, "FDS_DONE", ts=900 * MS)
t.call(3, "EXIT", ts=940 * MS, ret=0)
t.gone(3, ts=941 * MS)
t.write(sys.argv[2])
PY

"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json" || fail "export"
"$SL" export -f epoll "$TMP/t.trace" >"$TMP/epoll.json" || fail "export epoll"
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt" || fail "view"
"$SL" audit "$TMP/t.trace" >"$TMP/audit.txt" || fail "audit"
"$SL" export -f html -o "$TMP/t.html" "$TMP/t.trace" || fail "html"
"$SL" export -f chrome -o "$TMP/t.json" "$TMP/t.trace" || fail "chrome"
python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/t.json" >/dev/null ||
	fail "the chrome trace breaks the format's rules"
python3 - "$TMP" <<'PY' || fail "moments"
import json, re, sys
d = sys.argv[1]
socks = {s["inode"]: s for s in map(json.loads, open(d + "/sockets.json"))}
eps = [json.loads(l) for l in open(d + "/epoll.json")]
view = open(d + "/view.txt").read()
audit = open(d + "/audit.txt").read()
html = open(d + "/t.html").read()
chrome = json.load(open(d + "/t.json"))["traceEvents"]
MS = 1000000

srv = socks[501]
assert srv["error"] == "ECONNRESET" and srv["error_ns"] == 500 * MS, srv
lst = socks[500]
assert lst["error"] is None and lst["error_ns"] is None, lst
assert [i["errno"] for i in lst["incidents"]] == ["EMFILE", "EINTR"], lst
assert lst["incidents"][1]["dur_ns"] == 100 * MS, lst
udp = socks[600]
assert udp["error"] is None and udp["incidents"][0]["dur_ns"] == 200 * MS
assert udp["rx_bytes"] == 10 and udp["peeks"] == 2, udp
assert "peeks" not in srv, srv

p = socks[800]
assert p["end_ns"] is None and not p["open_at_exit"] and p["open_at_end"], p
assert sorted(p["pids"]) == [10, 20] and p["tx_bytes"] == 21, p
h = p["handoffs"]
assert len(h) == 1 and (h[0]["from_pid"], h[0]["to_pid"]) == (10, 20), h
assert (h[0]["sent_ns"], h[0]["ts_ns"]) == (890 * MS, 895 * MS), h
assert h[0]["via"] == socks[700]["id"], h
assert h[0]["received_on"] == socks[701]["id"], h
assert len(eps) == 1 and eps[0]["end_ns"] is None, eps
out = socks[950]
assert out["unseen"] == ["stdio"] and out["tx_bytes"] == 5, out
assert all(s["unseen"] == [] for i, s in socks.items() if i not in (950, 960))

rows = {int(l.split()[0]): l for l in view.splitlines()
        if re.match(r"\s+\d+ ", l)}
bar = lambda s: rows[s["id"]].split("|")[1]
assert bar(srv).index("!") > bar(srv).index("="), rows[srv["id"]]
assert "e" in bar(lst) and "EMFILE" not in rows[lst["id"]], rows[lst["id"]]
assert "_e" in bar(udp), rows[udp["id"]]
assert "@" in bar(p) and rows[p["id"]].rstrip().endswith("open at end")
assert "_ blocked in a call" in view and "@ passed to another process" in view
assert "  5B+    0B+ " in rows[out["id"]], rows[out["id"]]
assert "B+ at least (bytes through stdio, or of a killed holder, not seen)" in view, view

assert "fd-limit" in audit and "EMFILE" in audit, audit
assert re.search(r"info +never-closed +socket %d" % p["id"], audit), audit
so, leak = socks[960], socks[961]
assert so["open_at_exit"] and so["unseen"] == ["stdio"], so
assert re.search(r"info +never-closed +socket %d.*stdio stream" % so["id"],
                 audit), audit
assert re.search(r"warning +never-closed +socket %d" % leak["id"], audit), \
    audit

data = json.loads(re.search(r'<script id="data" type="application/json">'
                            r'(.*?)</script>', html, re.S).group(1))
page = {x["i"]: x for x in data["socks"]}
assert page[srv["id"]]["ea"] == srv["error_ns"] - data["t0"], page[srv["id"]]
assert len(page[lst["id"]]["in"]) == 2 and len(page[p["id"]]["ho"]) == 1
assert page[out["id"]]["un"] and not page[p["id"]]["un"]
names = {e["name"] for e in chrome if e.get("ph") == "i"}
assert {"ECONNRESET", "EMFILE", "EINTR", "passed"} <= names, names
assert [e["args"]["bytes_unseen"] for e in chrome if e.get("ph") == "X" and
        e.get("args", {}).get("inode") == 950] == ["stdio"]
print("ok")
PY

# A busy listener: 5000 accepts by two threads that found the queue empty
# (EAGAIN), then one that found no fd free (EMFILE): each is counted, the
# first ones are kept as events on the listener with their pid, thread
# and time, the EMFILE among them, and every output says how many more.
python3 - "$SL_ROOT" "$TMP/busy.trace" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet

US = 1000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
t.conn(1, pid=30)
t.hello(1, pid=30, ts=100 * US)
t.call(1, "SOCKET", ts=101 * US, fd=3, ret=3, inode=900, arg0=2, arg1=1)
t.call(1, "BIND", ts=102 * US, fd=3, inode=900, addr=inet(8080),
       local=inet(8080))
t.call(1, "LISTEN", ts=103 * US, fd=3, inode=900, local=inet(8080))
for i in range(5000):
    t.call(1, "ACCEPT4", ts=(200 + i) * US, fd=3, ret=-1, err=11, inode=900,
           inode2=900, arg1=3, flags=1, tid=30 + i % 2)
t.call(1, "ACCEPT4", ts=6000 * US, fd=3, ret=-1, err=24, inode=900,
       inode2=900, arg1=3, tid=31)
t.call(1, "CLOSE", ts=7000 * US, fd=3, inode=900)
t.gone(1, ts=8000 * US)
t.write(sys.argv[2])
PY
b=$TMP/busy
"$SL" export -f sockets "$b.trace" >"$b.sockets" || fail "export (busy)"
"$SL" view -w 120 "$b.trace" >"$b.view" || fail "view (busy)"
"$SL" audit "$b.trace" >"$b.audit" || fail "audit (busy)"
"$SL" export -f html -o "$b.html" "$b.trace" || fail "html (busy)"
"$SL" export -f chrome -o "$b.json" "$b.trace" || fail "chrome (busy)"
python3 - "$b" <<'PY' || fail "a busy listener's failed accepts"
import json, re, sys
b = sys.argv[1]
lst, = [json.loads(l) for l in open(b + ".sockets")]
US = 1000
inc = lst["incidents"]
assert lst["error"] is None and lst["eagain"] == 0, lst
assert len(inc) + lst["incidents_more"] == 5001, (len(inc), lst)
assert 0 < len(inc) <= 256 and lst["incidents_more"] > 0, len(inc)
again = [i for i in inc if i["errno"] == "EAGAIN"]
assert [i["ts_ns"] for i in again] == [(200 + k) * US
                                       for k in range(len(again))], again
assert all(i["pid"] == 30 and i["tid"] == 30 + k % 2 and
           i["call"] == "accept4" for k, i in enumerate(again)), again
last = [i for i in inc if i["errno"] == "EMFILE"]
assert len(last) == 1 and last[0]["tid"] == 31 and \
    last[0]["ts_ns"] == 6000 * US, inc
view = open(b + ".view").read()
assert "note: socket %d: 5001 calls failed or were cut short; the first " \
    "%d are drawn" % (lst["id"], len(inc)) in view, view
assert "fd-limit" in open(b + ".audit").read()
html = open(b + ".html").read()
data = json.loads(re.search(r'<script id="data" type="application/json">'
                            r'(.*?)</script>', html, re.S).group(1))
page, = data["socks"]
assert len(page["in"]) == len(inc) and page["im"] == lst["incidents_more"]
track = [e for e in json.load(open(b + ".json"))["traceEvents"]
         if e.get("ph") == "X" and "failed_calls" in e.get("args", {})]
assert track and track[0]["args"]["failed_calls"] == 5001, track
assert track[0]["args"]["failed_calls_shown"] == len(inc), track
print("ok")
PY
echo ok
