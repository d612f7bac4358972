# export -f html, opened in headless Chromium: the page loads without
# errors, draws a row for every socket, a hover shows that socket's
# details, and socket names made of HTML, script and terminal escapes
# stay text (no script runs). The page then drives every interaction
# itself (#selftest): a click selects a socket, opens its calls and hides
# the tooltip; zoom by button and key, pan by key, the whole trace and
# Fit; a ruler dragged on the axis says how long; the overview strip
# moves the view; each filter and the search; / focuses the search; the
# summary panel; the time axis's labels stay apart and whole, wide or
# narrow; an option call's row names its level, option and value.
# A trace with more epoll waits than the page keeps says
# where it cut them. Screenshots go to build/ for a person to look at:
# html-timeline.png, html-select.png, html-summary.png, html-ruler.png,
# html-cut.png.
. "$(dirname "$0")/lib.sh"
need python3
if ! command -v chromium >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			>/dev/null 2>&1 || true
	fi
	command -v chromium >/dev/null ||
		skip "chromium is not installed and could not be (apt-get install chromium)"
fi
chrome() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$TMP/profile" "$@" 2>/dev/null
}

"$SL" run -q -o "$TMP/h.trace" -- sh -c "'$HELPERS/hostile_names' '$TMP' && sh '$SL_ROOT/samples/epoll_scenario.sh' '$SAMPLES' '' 6" \
	>"$TMP/run.out" 2>&1 || fail "the scenario failed: $(cat "$TMP/run.out")"
"$SL" export -f html -o "$TMP/h.html" "$TMP/h.trace" || fail "export"
! grep -q "<script>window" "$TMP/h.html" || fail "a name reached the page unescaped"
n=$("$SL" export -f sockets "$TMP/h.trace" | wc -l)

chrome --window-size=1400,900 --virtual-time-budget=5000 --dump-dom "file://$TMP/h.html#selftest" >"$TMP/dom.html"
python3 - "$TMP/dom.html" "$n" <<'PY' || fail "the page's self-test"
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="selftest">([^<]*)</pre>', dom)
assert m, "no self-test result in the page"
r = json.loads(html.unescape(m.group(1)))
n = int(sys.argv[2])
assert r["errors"] == [], r["errors"]
assert not r["pwned"], "a script from a socket name ran"
assert r["sockets"] == n and r["rows"] == n, (r["sockets"], r["rows"], n)
first = r["first"]
assert ("socket %d " % first["id"]) in r["hover"], r["hover"]
assert (first["local"] or first["remote"]) in r["hover"], r["hover"]
assert "<script>" in r["hostile"] or "<img" in r["hostile"], r
c = r["click"]
assert c["selected"] == first["id"] and c["detail"] == "block", c
assert c["tip"] == "none", "the tooltip stayed up after a click"
assert c["calls"] > 0 and all(n == 6 for n in c["cells"]), c
assert abs(r["zoomIn"] - 0.8) < 1e-6 and r["tipAfterZoom"] == "none", r
assert abs(r["zoomOut"] - 1) < 1e-6, r
assert r["panRight"] > 0 and r["panBack"] < r["panRight"], r
assert r["all"] == [0, r["full"]], r
assert r["fitKey"] == r["fit"], (r["fitKey"], r["fit"])
assert r["ruler"].startswith("\u0394 ") and ".." in r["ruler"], r["ruler"]
assert r["afterEscape"] == {"ruler": "", "detail": "none"}, r["afterEscape"]
ov = r["overview"]
assert abs(ov["b"] - r["full"]) < 1 and ov["span"] < r["full"], ov
f = r["filters"]
assert 0 < f["errors"] < n and f["nothing"] == 0 and f["cleared"] == n, f
assert sum(v for k, v in f.items() if k.startswith("family:")) == n, f
assert 0 < f["listening"] < n, f
assert r["slashFocus"] == "fsearch", r["slashFocus"]
sm = r["summary"]
assert sm["shown"] == "block" and "REMOTE ENDPOINT" in sm["text"], sm
assert sm["rows"] > 4 and r["summaryClosed"] == "none", r
assert r["labelsFit"], "an outcome does not fit its label column"
assert r["axisFit"] and r["axisFitNarrow"], "time labels overlap or run off the edge"
print("ok: %d rows, hover shows socket %d; click, zoom, pan, fit, ruler, "
      "overview, filters, search, keys, summary" % (r["rows"], first["id"]))
PY
chrome --window-size=1400,800 --screenshot="$SL_BUILD/html-timeline.png" "file://$TMP/h.html"
[ -s "$SL_BUILD/html-timeline.png" ] || fail "no screenshot"
for shot in select summary ruler; do
	chrome --window-size=1400,800 --screenshot="$SL_BUILD/html-$shot.png" \
		"file://$TMP/h.html#shot=$shot"
	[ -s "$SL_BUILD/html-$shot.png" ] || fail "no screenshot of $shot"
done

# The call list names what an option call set: level, option, value;
# export -f sockets carries the same in "options".
"$SL" run -q -o "$TMP/o.trace" -- "$SAMPLES/sockopts" >/dev/null || fail "sockopts"
"$SL" export -f html -o "$TMP/o.html" "$TMP/o.trace" || fail "export (options)"
chrome --window-size=1400,900 --virtual-time-budget=5000 --dump-dom "file://$TMP/o.html#selftest" >"$TMP/o.dom"
"$SL" export -f sockets "$TMP/o.trace" >"$TMP/o.json"
python3 - "$TMP/o.dom" "$TMP/o.json" <<'PY' || fail "option calls in the page or the export"
import html, json, re, sys
r = json.loads(html.unescape(re.search(r'<pre id="selftest">([^<]*)</pre>',
                                       open(sys.argv[1]).read()).group(1)))
assert r["errors"] == [], r["errors"]
want = ["setsockopt SOL_SOCKET SO_RCVBUF = 8192",
        "setsockopt SOL_SOCKET SO_REUSEPORT = 1",
        "setsockopt SOL_TCP TCP_NODELAY = 0",
        "setsockopt SOL_SOCKET SO_BROADCAST = 1"]
assert sorted(r["optCalls"]) == sorted(want), r["optCalls"]
got = sorted((o["level"], o["option"], o["value"], o["errno"])
             for line in open(sys.argv[2]) for o in json.loads(line)["options"])
assert got == sorted([("SOL_SOCKET", "SO_RCVBUF", 8192, None),
                      ("SOL_SOCKET", "SO_REUSEPORT", 1, None),
                      ("SOL_TCP", "TCP_NODELAY", 0, None),
                      ("SOL_SOCKET", "SO_BROADCAST", 1, None)]), got
print("ok: the call list and the export name the options set")
PY
# SO_ERROR ending a pending connect, an option with no name, a value
# that is not one int (a timeval), a failed setsockopt.
python3 - "$SL_ROOT" "$TMP/so.trace" <<'PY'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace
US = 1000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
VALUE, OUTCOME = 0x20, 0x10
t.conn(1, pid=60)
t.hello(1, pid=60, ts=100 * US)
t.call(1, "SOCKET", ts=101 * US, fd=5, ret=5, inode=901, arg0=2, arg1=1)
t.call(1, "SETSOCKOPT", ts=102 * US, fd=5, inode=901, arg0=6, arg1=4242,
       inode2=3, flags=VALUE)
t.call(1, "SETSOCKOPT", ts=103 * US, fd=5, inode=901, arg0=1, arg1=20,
       inode2=2, flags=VALUE)
t.call(1, "SETSOCKOPT", ts=104 * US, fd=5, inode=901, arg0=1, arg1=9,
       ret=-1, err=1)
t.call(1, "GETSOCKOPT", ts=105 * US, fd=5, inode=901, arg0=1, arg1=111,
       flags=OUTCOME)
t.call(1, "CLOSE", ts=106 * US, fd=5, inode=901)
t.call(1, "EXIT", ts=107 * US, ret=0)
t.gone(1, ts=108 * US)
t.write(sys.argv[2])
PY
"$SL" export -f sockets "$TMP/so.trace" | python3 -c '
import json, sys
o = [(x["call"], x["level"], x["option"], x["value"], x["errno"])
     for x in json.loads(sys.stdin.readline())["options"]]
want = [("setsockopt", "SOL_TCP", 4242, None, None),
        ("setsockopt", "SOL_SOCKET", "SO_RCVTIMEO", None, None),
        ("setsockopt", "SOL_SOCKET", "SO_KEEPALIVE", None, "EPERM"),
        ("getsockopt", "SOL_SOCKET", "SO_ERROR", "ECONNREFUSED", None)]
assert o == want, o
print("ok: SO_ERROR, an unnamed option, a timeval, a failure")' || fail "options export"
# jsonl names them beside arg0 and arg1.
"$SL" export -f jsonl "$TMP/so.trace" | python3 -c '
import json, sys
o = [(r["call"], r.get("level_name"), r.get("option_name"))
     for r in map(json.loads, sys.stdin) if r.get("call", "").endswith("sockopt")]
assert o == [("setsockopt", "SOL_TCP", None),
             ("setsockopt", "SOL_SOCKET", "SO_RCVTIMEO"),
             ("setsockopt", "SOL_SOCKET", "SO_KEEPALIVE"),
             ("getsockopt", "SOL_SOCKET", "SO_ERROR")], o
print("ok: jsonl names the options")' || fail "options in jsonl"

# More epoll waits than the page keeps (20000): it says where it cut.
python3 - "$SL_ROOT" "$TMP/cut.trace" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace
US = 1000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
EP = (1 << 63) | 5
t.conn(1, pid=50)
t.hello(1, pid=50, ts=100 * US)
t.call(1, "EPOLL_CREATE", ts=101 * US, fd=-1, ret=4, inode=EP, arg0=0)
t.call(1, "SOCKET", ts=102 * US, fd=5, ret=5, inode=900, arg0=2, arg1=1)
for i in range(25000):
    t._rec(1, "WAIT", (200 + 2 * i) * US, struct.pack(
        "<QQQiiiiHHIII", US, 0, EP, 4, 0, 0, 10,
        t.calls["EPOLL_WAIT"], 0, 0, 0, 0))
t.call(1, "CLOSE", ts=60000 * US, fd=5, inode=900)
t.call(1, "CLOSE", ts=60001 * US, fd=4, inode=EP)
t.call(1, "EXIT", ts=60002 * US, ret=0)
t.gone(1, ts=60003 * US)
t.write(sys.argv[2])
PY
"$SL" export -f html -o "$TMP/cut.html" "$TMP/cut.trace" || fail "export (cut)"
chrome --window-size=1400,900 --virtual-time-budget=5000 --dump-dom "file://$TMP/cut.html#selftest" >"$TMP/cut.dom"
python3 - "$TMP/cut.dom" <<'PY' || fail "the page cut epoll waits silently"
import html, json, re, sys
r = json.loads(html.unescape(re.search(r'<pre id="selftest">([^<]*)</pre>',
                                       open(sys.argv[1]).read()).group(1)))
assert r["errors"] == [], r["errors"]
assert r["cutEpolls"] == [[1, 20000, 5000]], r["cutEpolls"]
print("ok: the page says 5000 waits were not drawn")
PY
chrome --window-size=1400,500 --screenshot="$SL_BUILD/html-cut.png" "file://$TMP/cut.html#shot=all"

# The terminal: no escape sequence from a name reaches it.
"$SL" view --color=never -w 200 "$TMP/h.trace" >"$TMP/view.txt"
! grep -q "$(printf '\033')" "$TMP/view.txt" || fail "an escape sequence reached the terminal"
grep -q '\\x1b' "$TMP/view.txt" || fail "the escape was not shown as text"
echo "ok (screenshot: $SL_BUILD/html-timeline.png)"
