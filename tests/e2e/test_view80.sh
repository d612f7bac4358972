# socklens view in an 80-column terminal (and 60, the least -w takes),
# and view --summary at 80:
# no line is wider than the terminal (a process's line cuts its command
# lines, the counts under the timeline take two lines; at 60 the socket
# rows are the exception), and an endpoint
# too wide for its column is cut in its address, not its port, so that a
# client row still names the port its server row shows. Read in tmux as
# a person would, where tmux is installed.
. "$(dirname "$0")/lib.sh"
need python3
"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" "$SAMPLES" \
	>"$TMP/run.out" 2>&1 || fail "the fork scenario failed: $(cat "$TMP/run.out")"
for w in 80 60; do
	"$SL" view --color=never -w $w "$TMP/t.trace" >"$TMP/v$w"
	python3 - "$TMP/v$w" $w <<'PY' || fail "view -w $w"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
w = int(sys.argv[2])
# At 60 a socket row cannot fit (its fixed columns take 50, the endpoint
# and the bar keep 16 and 10): the other lines must.
wide = [l for l in lines if len(l) > w and
        (w >= 80 or not re.match(r"\s*(\d+|ID) ", l))]
assert not wide, "wider than %d: %r" % (w, wide)
rows = [l.split() for l in lines if re.match(r"\s*\d+ (listen|server|client) ", l)]
servers = [r[2] for r in rows if r[1] == "server"]
clients = [r[2] for r in rows if r[1] == "client" and "->" in r[2]]
assert len(servers) == 3 and len(clients) >= 3, lines
# A server row's peer port is a client row's own port.
for s in servers:
    port = re.search(r":(\d+)$", s).group(1)
    assert any(c.startswith(":" + port + "->") for c in clients), (s, clients)
assert any(re.search(r"\d+ dropped, over ", l) for l in lines), lines[-3:]
assert sum(l.startswith("pid ") for l in lines) == 3, lines
print("ok: -w %d fits, %d server rows matched to their clients" % (w, len(servers)))
PY
done
# --summary at 80: each table in two (counts and failures, then the
# durations), every line within the width, every figure still there.
"$SL" view --summary -w 80 "$TMP/t.trace" >"$TMP/s80"
"$SL" view --summary -w 200 "$TMP/t.trace" >"$TMP/s200"
python3 - "$TMP/s80" "$TMP/s200" <<'PY' || fail "view --summary -w 80"
import re, sys
narrow = open(sys.argv[1]).read().splitlines()
wide = open(sys.argv[2]).read().splitlines()
assert all(len(l) <= 80 for l in narrow), [l for l in narrow if len(l) > 80]
assert sum(l.startswith("PROCESS ") for l in narrow) == 2, narrow
assert sum(l.startswith("REMOTE ENDPOINT ") for l in narrow) == 2, narrow
assert sum(l.startswith("PROCESS ") for l in wide) == 1, wide
# The listener's figures agree between the two layouts.
w = [l.split() for l in wide if l.startswith("listen ")][0]
n = [l.split() for l in narrow if l.startswith("listen ")]
assert n[0][2:8] == w[2:8] and n[1][2:7] == w[8:13], (n, w)
assert any("3 ECONNREFUSED" in l for l in narrow), narrow
print("ok: --summary -w 80 in two tables a side, the same figures as one line")
PY
"$SL" view --color=never -w 200 "$TMP/t.trace" | grep -q "events, [0-9]* waits, [0-9]* dropped, over" ||
	fail "-w 200: the counts do not stay on one line"
if command -v tmux >/dev/null; then
	sock="$TMP/tmux"
	tmux -S "$sock" new-session -d -x 80 -y 40 \
		"'$SL' view '$TMP/t.trace'; echo view-done; sleep 600" ||
		skip "tmux would not start a session"
	cleanup_hooks="tmux -S '$sock' kill-server 2>/dev/null || true; $cleanup_hooks"
	i=0
	until tmux -S "$sock" capture-pane -p | grep -q view-done; do
		i=$((i + 1))
		[ $i -lt $((1000 * SL_TIMEOUT_SCALE)) ] || fail "the view never finished in tmux"
		sleep 0.01
	done
	tmux -S "$sock" capture-pane -p >"$TMP/pane"
	# The view at the terminal's own width, as tmux shows it: the same
	# lines as -w 80 writes (a line that wrapped would be two).
	python3 - "$TMP/pane" "$TMP/v80" <<'PY' || fail "tmux: the view wrapped or differs from -w 80"
import sys
pane = [l.rstrip() for l in open(sys.argv[1]).read().split("view-done")[0].splitlines()]
want = [l.rstrip() for l in open(sys.argv[2]).read().splitlines()]
while pane and not pane[-1]:
    pane.pop()
assert pane == want, "\n".join(pane)
PY
	echo "ok: tmux at 80 columns, nothing wrapped"
fi
