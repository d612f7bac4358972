# Socket calls made through libc's syscall() are followed like the named
# ones (preload/wrap_syscall.c): a helper that makes a socket's whole life
# by number leaves a record for each step, its bytes, its closes; and
# Node.js, whose libuv closes every fd with syscall(SYS_close), closes
# every socket in the trace that strace -f -yy sees it close.
# The helper prints its sockets' kernel inodes: the trace names them so
# too (run --inode, SOCKLENS_INODE=1).
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/raw_calls" >"$TMP/bare.out" || fail "raw_calls failed bare"
"$SL" run -q --inode -o "$TMP/t.trace" -- "$HELPERS/raw_calls" >"$TMP/traced.out" ||
	fail "raw_calls failed traced"
# Inodes differ from run to run; the rest of the output must not.
sed 's/ [0-9]*$//' "$TMP/bare.out" >"$TMP/bare.names"
sed 's/ [0-9]*$//' "$TMP/traced.out" | diff -u "$TMP/bare.names" - ||
	fail "output changed under the tracer"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"

python3 - "$TMP/traced.out" "$TMP/t.jsonl" <<'PY' || fail "raw calls"
import json, sys

want = dict(l.split() for l in open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2])]
calls = [r for r in recs if r["type"] == "call"]
bad = []

def by_inode(ino, names):
    return [r for r in calls if r["inode"] == int(ino) and r["call"] in names]

for name in ("listener", "client", "server", "old-client", "old-server"):
    if name not in want:
        continue
    closes = by_inode(want[name], ("close", "close_range"))
    made = by_inode(want[name], ("socket", "accept", "accept4"))
    if not made:
        bad.append("%s: no record of its making" % name)
    if not [c for c in closes if c["fd"] >= 0]:
        bad.append("%s: never closed in the trace" % name)

sent = int(want["bytes"])
def last(name):
    found = by_inode(want[name], ("close",))
    return found[-1] if found else {"tx_bytes": None, "rx_bytes": None,
                                    "tx_calls": None}
if last("client")["tx_bytes"] != sent or last("client")["tx_calls"] != 6:
    bad.append("client sent %d in %d calls, the trace says %s in %s" %
               (sent, 6, last("client")["tx_bytes"], last("client")["tx_calls"]))
if last("server")["rx_bytes"] != sent:
    bad.append("server got %d, the trace says %s" %
               (sent, last("server")["rx_bytes"]))
if not [r for r in by_inode(want["client"], ("getsockopt",))
        if "outcome" in r["flags"]]:
    bad.append("the connect's outcome (SO_ERROR) is missing")
if not [r for r in by_inode(want["server"], ("read",)) if "eof" in r["flags"]]:
    bad.append("the server's end of stream is missing")
for call in ("dup", "dup3", "shutdown", "bind", "listen", "setsockopt"):
    if not [r for r in calls if r["call"] == call]:
        bad.append("no %s record" % call)
waits = {r["call"] for r in recs if r["type"] == "wait"}
for call in ("epoll_pwait", "ppoll", "pselect"):
    if call not in waits:
        bad.append("no %s wait record (got %s)" % (call, sorted(waits)))
if not [r for r in recs if r["type"] == "epoll_ctl" and r["ret"] == 0]:
    bad.append("no epoll_ctl record")
# With an exporter that names SL_F_SYSCALL, every call record of the
# program says it came through syscall().
if calls and "peeks" in calls[0]:
    own = [r for r in calls
           if r["call"] not in ("fds-done", "exit", "inherit", "counters")]
    plain = [r["call"] for r in own if "syscall" not in r["flags"]]
    if plain:
        bad.append("records without the syscall flag: %s" % plain)
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# Node.js: every TCP socket strace sees closed is closed in the trace,
# by the same process and fd.
if ! command -v node >/dev/null || ! command -v strace >/dev/null; then
	echo "ok (Node.js part skipped: node or strace is not installed)"
	exit 0
fi
cat >"$TMP/n.js" <<'JS'
const net = require('net');
const srv = net.createServer(c => { c.on('data', d => c.end(d)); });
srv.listen(0, '127.0.0.1', () => {
  let left = 4;
  for (let i = 0; i < 4; i++) {
    const c = net.connect(srv.address().port, '127.0.0.1', () => c.write('hi'));
    c.on('data', () => {});
    c.on('close', () => { if (--left === 0) srv.close(); });
  }
});
JS
start_collector "$TMP/c.sock" "$TMP/n.trace" "$TMP/collect.log"
timeout 60 strace -f -yy -qq -e trace=close -o "$TMP/strace.txt" \
	-E LD_PRELOAD="$LIB" -E SOCKLENS_SOCKET="$TMP/c.sock" \
	node "$TMP/n.js" || fail "node failed under the tracer"
kill -TERM $col
wait $col || fail "the collector did not exit cleanly"
"$SL" export -f jsonl "$TMP/n.trace" >"$TMP/n.jsonl"

python3 - "$TMP/strace.txt" "$TMP/n.jsonl" <<'PY' || fail "Node.js closes"
import json, re, sys

seen = set()
for line in open(sys.argv[1]):
    m = re.match(r"(\d+) +close\((\d+)<TCP:.*\) += 0", line)
    if m:
        seen.add((int(m.group(1)), int(m.group(2))))
recs = [json.loads(l) for l in open(sys.argv[2])]
inet = {r["inode"] for r in recs if r["type"] == "call" and
        ((r["call"] == "socket" and r["arg0"] in (2, 10)) or
         r["call"] in ("accept", "accept4"))}
closed = {(r["pid"], r["fd"]) for r in recs if r["type"] == "call" and
          r["call"] == "close" and r["inode"] in inet}
if len(seen) < 9:
    print("FAIL: strace saw %d TCP closes, expected 9 or more" % len(seen))
    sys.exit(1)
missing = sorted(seen - closed)
extra = sorted(closed - seen)
for pid, fd in missing:
    print("FAIL: pid %d closed TCP fd %d (strace), not in the trace" % (pid, fd))
for pid, fd in extra:
    print("FAIL: pid %d closed TCP fd %d in the trace, not in strace" % (pid, fd))
print("compared %d TCP closes" % len(seen))
sys.exit(1 if missing or extra else 0)
PY
echo ok
