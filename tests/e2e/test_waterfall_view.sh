# The network waterfall in every output, on a trace made by hand
# (waterfall_trace.py: a TLS connection, one with two HTTP/1 exchanges,
# a redis one, a failed lookup), then on real programs: python3's
# urllib against python3's http.server, named by its own getaddrinfo.
# export -f sockets has the pinned fields (name, tls, http, tcp_info)
# and the phases; jsonl the resolve lines; the page draws each
# connection's phases and says its name, SNI, request and verdict in the
# hover (its self-test, in headless Chromium when there is one).
. "$(dirname "$0")/lib.sh"
need python3

python3 "$SL_ROOT/tests/e2e/waterfall_trace.py" "$SL_ROOT/include/socklens/wire.h" \
	"$TMP/w.trace" || fail "waterfall_trace.py"
"$SL" export -f sockets "$TMP/w.trace" >"$TMP/w.sockets" || fail "export sockets"
"$SL" export -f jsonl "$TMP/w.trace" >"$TMP/w.jsonl" || fail "export jsonl"
python3 - "$TMP/w.sockets" "$TMP/w.jsonl" <<'PY' || fail "the synthetic waterfall's exports"
import json, sys
socks = {s["id"]: s for s in map(json.loads, open(sys.argv[1]))}
tls, http, redis = socks[1], socks[2], socks[3]
assert tls["name"] == "foo.test" and http["name"] == "bar.test", socks
assert redis["name"] is None and redis["tls"] is None and redis["tcp_info"] is None
assert redis["protocol"] == {"sent": "redis", "received": None}, redis["protocol"]
t = tls["tls"]
assert t["sni"] == "foo.test" and t["version"] == "1.3", t
assert t["alpn"] is None and t["alpn_hidden"] and t["alpn_offered"] == ["h2", "http/1.1"], t
assert tls["http"] == [] and tls["tcp_info"]["limited_by"] == "peer-window", tls
assert list(tls["phases"]) == ["resolve", "connect", "tls", "request", "waiting", "receiving"], tls["phases"]
ph = tls["phases"]
assert ph["resolve"][1] - ph["resolve"][0] == 1500000, ph
assert ph["connect"][1] == ph["tls"][0] and ph["tls"][1] == ph["waiting"][0], ph
h = http["http"]
assert [(x["method"], x["target"], x["status"], x["index"]) for x in h] == \
	[("GET", "/index.html", 200, 0), ("GET", "/missing", 404, 1)], h
assert h[0]["first_byte_ns"] - h[0]["sent_ns"] == 2900000, h[0]
ti = http["tcp_info"]
assert ti["retrans"] == 10 and ti["limited_by"] == "network", ti
for k in ("rtt_us", "rttvar_us", "min_rtt_us", "retrans", "lost", "delivery_rate", "limited_by"):
	assert k in ti, k
assert http["tls"] is None and list(http["phases"]) == ["resolve", "connect", "request", "waiting", "receiving"]
lines = [json.loads(l) for l in open(sys.argv[2])]
res = [l for l in lines if l["type"] == "resolve"]
assert [(r["name"], r["addrs"], r["error"]) for r in res] == [
	("foo.test", ["127.0.0.1"], None), ("bar.test", ["127.0.0.2"], None),
	("nowhere.invalid", [], "EAI_NONAME")], res
kinds = {l["type"] for l in lines}
assert {"sniff", "tls", "http", "tcpinfo"} <= kinds, kinds
print("ok: synthetic: names, tls, http, tcp_info, phases; jsonl resolve lines")
PY

# audit: the retransmits and the peer's window of the trace made by hand.
"$SL" audit "$TMP/w.trace" >"$TMP/w.audit" || true
grep -q '^warning  window-limited .*socket 1,.*peer.s receive window held the sender 12.0ms of the 20.0ms' "$TMP/w.audit" ||
	fail "no window-limited finding: $(cat "$TMP/w.audit")"
grep -q '^warning  retransmit-heavy .*socket 2,.*to bar.test (127.0.0.2:8080): 10 segments retransmitted' "$TMP/w.audit" ||
	fail "no retransmit-heavy finding: $(cat "$TMP/w.audit")"
! grep -q 'socket 3,.*\(window\|retransmit\)' "$TMP/w.audit" || fail "a finding on the redis connection"
echo "ok: audit: window-limited and retransmit-heavy"

# The terminal: the name for the address; the phases on a line under
# the row at 80 columns, in a PHASES column at 200, never past the width.
"$SL" view -w 80 "$TMP/w.trace" >"$TMP/v80" || fail "view -w 80"
"$SL" view -w 200 "$TMP/w.trace" >"$TMP/v200" || fail "view -w 200"
grep -q ':40004->bar.*:8080 ' "$TMP/v80" || fail "no name in the 80-column view: $(cat "$TMP/v80")"
grep -q '^ *phases dns 1.5ms conn 300us tls 4.0ms wait 6.0ms recv 20ms' "$TMP/v80" ||
	fail "no phase line at 80 columns: $(cat "$TMP/v80")"
grep -q 'PHASES' "$TMP/v200" || fail "no PHASES column at 200: $(cat "$TMP/v200")"
grep -q '^ *1 client :40003->foo.test:443 .*dns 1.5ms conn 300us tls 4.0ms wait 6.0ms recv 20ms sni foo.test' "$TMP/v200" ||
	fail "the row at 200 columns: $(cat "$TMP/v200")"
grep -q 'GET /index.html 200' "$TMP/v200" || fail "no request at 200 columns"
! grep -q '^ *phases' "$TMP/v200" || fail "a phase line at 200 columns"
awk -v f="$TMP/v80" 'length($0) > 80 { print f ": " $0; bad = 1 } END { exit bad }' "$TMP/v80" ||
	fail "a line wider than 80 columns"
echo "ok: the terminal names the hosts and shows the phases at 80 and 200 columns"

# Perfetto/DevTools: each connection's phases nested, in order, in one
# slice on a thread beside its socket's; the file nests as check_chrome.py
# (and DevTools' engine, where test_chrome.sh installed it) requires.
"$SL" export -f chrome "$TMP/w.trace" >"$TMP/w.json" || fail "export chrome"
python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/w.json" >/dev/null ||
	fail "the chrome trace: $(python3 "$SL_ROOT/tests/e2e/check_chrome.py" "$TMP/w.json")"
python3 - "$TMP/w.json" <<'PY' || fail "the waterfall in the chrome trace"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
wf = [e for e in ev if e.get("cat") == "waterfall"]
def on(title):
	tid = [t for t, n in names.items() if n.startswith(title)][0]
	return [e["name"] for e in wf if e["tid"] == tid]
assert on("socket 1 phases foo.test") == ["foo.test", "resolve", "connect", "tls", "request", "waiting", "receiving"], on("socket 1 phases")
assert on("socket 2 phases GET /index.html 200") == ["GET /index.html 200", "resolve", "connect", "request", "waiting", "receiving",
	"GET /missing 404", "request", "waiting", "receiving"], on("socket 2 phases")
top = [e for e in wf if e["name"] == "foo.test"][0]
assert top["args"]["limited_by"] == "peer-window" and top["args"]["sni"] == "foo.test", top
for e in wf:
	if e is not top and e["tid"] == top["tid"]:
		assert top["ts"] <= e["ts"] and e["ts"] + e["dur"] <= top["ts"] + top["dur"] + 1e-3, (e, top)
print("ok: chrome: the phases nested under each connection's slice")
PY
engine=${SOCKLENS_TRACE_ENGINE:-$SL_BUILD/npm/node_modules/@paulirish/trace_engine}
if command -v node >/dev/null && [ -f "$engine/models/trace/trace.js" ]; then
	node "$SL_ROOT/tests/e2e/check_devtools.mjs" "$engine" "$TMP/w.json" >"$TMP/w.devtools" ||
		fail "DevTools' engine could not parse the waterfall"
	grep -q 'socket 1 phases foo.test' "$TMP/w.devtools" || fail "DevTools has no waterfall thread"
	echo "ok: DevTools reads the waterfall threads"
fi

# The page: phases drawn, name in the label, the rest in the hover.
page_check() {	# TRACE WHAT
	command -v chromium >/dev/null || { echo "no chromium: the page is not checked"; return 0; }
	"$SL" export -f html -o "$TMP/p.html" "$1" || fail "export html"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TMP/profile" --window-size=1400,700 \
		--virtual-time-budget=5000 --dump-dom "file://$TMP/p.html#selftest" \
		2>/dev/null >"$TMP/dom.html"
	python3 - "$TMP/dom.html" "$2" <<'PY' || fail "the page's waterfall ($2)"
import html, json, re, sys
m = re.search(r'<pre id="selftest">([^<]*)</pre>', open(sys.argv[1]).read())
assert m, "no self-test result"
r = json.loads(html.unescape(m.group(1)))
assert r["errors"] == [], r["errors"]
wf = {w["id"]: w for w in r["waterfall"]}
if sys.argv[2] == "synthetic":
	assert "-> foo.test:443" in wf[1]["label"], wf[1]
	assert "sni foo.test" in wf[1]["note"] and "TLS 1.3" in wf[1]["hover"], wf[1]
	assert "limited by peer-window" in wf[1]["hover"], wf[1]["hover"]
	assert "GET /index.html 200" in wf[2]["note"], wf[2]
	assert "#1 GET /missing -> 404" in wf[2]["hover"], wf[2]["hover"]
	assert "phases  resolve 1.5ms" in wf[1]["hover"], wf[1]["hover"]
else:
	named = [w for w in wf.values() if "-> localhost:" in w["label"]]
	assert named and "name    localhost" in named[0]["hover"], wf
print("ok: the page draws %d waterfalls (%s)" % (len(wf), sys.argv[2]))
PY
}
page_check "$TMP/w.trace" synthetic

# Real programs: python3's urllib names its connection by its own lookup
# of localhost; the server side has no name.
cd "$TMP"
echo hello >index.html
python3 -m http.server 0 --bind 127.0.0.1 >"$TMP/srv.out" 2>&1 &
srv=$!
reap_at_exit $srv
i=0
until port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/srv.out" | head -1) && [ -n "$port" ]; do
	i=$((i + 1))
	[ $i -lt $((1000 * SL_TIMEOUT_SCALE)) ] || fail "http.server did not start"
	sleep 0.01
done
"$SL" run -q -o "$TMP/r.trace" -- python3 -c "
import urllib.request
for _ in range(2):
    assert urllib.request.urlopen('http://localhost:$port/index.html', timeout=20).read() == b'hello\n'
" >"$TMP/run.out" 2>&1 || fail "urllib under socklens: $(cat "$TMP/run.out")"
"$SL" export -f sockets "$TMP/r.trace" >"$TMP/r.sockets" || fail "export sockets"
python3 - "$TMP/r.sockets" "$port" <<'PY' || fail "the real waterfall's exports"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
port = sys.argv[2]
cl = [s for s in socks if s["role"] == "client" and (s["remote"] or "").endswith(":" + port)]
assert len(cl) == 2, socks
for s in cl:
	assert s["name"] == "localhost", s["name"]
	ph = s["phases"]
	assert ph["resolve"][0] <= ph["resolve"][1] <= ph["connect"][0] <= ph["connect"][1], ph
	for h in s["http"]:
		assert (h["method"], h["target"], h["status"]) == ("GET", "/index.html", 200), h
print("ok: urllib's 2 connections named localhost, resolve before connect")
PY
page_check "$TMP/r.trace" real

# A receiver that reads slowly: the sender's TCP_INFO says the peer's
# window held it, and audit says so.
"$SL" run -q -o "$TMP/slow.trace" -- python3 "$SL_ROOT/tests/e2e/slow_reader.py" \
	>"$TMP/slow.out" 2>&1 || fail "slow_reader.py: $(cat "$TMP/slow.out")"
"$SL" export -f sockets "$TMP/slow.trace" >"$TMP/slow.sockets" || fail "export sockets"
python3 - "$TMP/slow.sockets" <<'PY' || fail "the slow reader's verdict"
import json, sys
cl = [s for s in map(json.loads, open(sys.argv[1])) if s["role"] == "client"]
assert len(cl) == 1 and cl[0]["name"] == "localhost", cl
ti = cl[0]["tcp_info"]
assert ti and ti["limited_by"] == "peer-window" and ti["rwnd_limited_us"] > 0, ti
print("ok: a slow reader's sender: limited by the peer's window, rtt %dus" % ti["rtt_us"])
PY
"$SL" audit "$TMP/slow.trace" | grep -q '^warning  window-limited .*the peer.s receive window held the sender' ||
	fail "audit: no window-limited finding for the slow reader"
