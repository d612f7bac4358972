# export -f html, opened in headless Chromium: the page loads without
# errors, draws a row for every socket, a hover shows that socket's
# details, and socket names made of HTML, script and terminal escapes
# stay text (no script runs). A screenshot goes to build/ for a person.
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

chrome --virtual-time-budget=5000 --dump-dom "file://$TMP/h.html#selftest" >"$TMP/dom.html"
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
print("ok: %d rows, hover shows socket %d" % (r["rows"], first["id"]))
PY
chrome --window-size=1400,800 --screenshot="$SL_BUILD/html-timeline.png" "file://$TMP/h.html"
[ -s "$SL_BUILD/html-timeline.png" ] || fail "no screenshot"

# The terminal: no escape sequence from a name reaches it.
"$SL" view --color=never -w 120 "$TMP/h.trace" >"$TMP/view.txt"
! grep -q "$(printf '\033')" "$TMP/view.txt" || fail "an escape sequence reached the terminal"
grep -q '\\x1b' "$TMP/view.txt" || fail "the escape was not shown as text"
echo "ok (screenshot: $SL_BUILD/html-timeline.png)"
