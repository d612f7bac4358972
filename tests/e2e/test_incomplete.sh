# No reader calls an incomplete trace complete: a torn tail, a checksum
# failure, the processes' dropped records and the collector's recorded
# losses are said by view (its summary), every export (jsonl and sockets
# in a last line, chrome in its metadata, html in its summary) and audit,
# whose --fail-on fails on them (a trace-incomplete finding, an error).
. "$(dirname "$0")/lib.sh"

"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/sock_loop" -n 50 >/dev/null 2>&1
"$SL" audit --fail-on error "$TMP/t.trace" >"$TMP/audit" ||
	fail "a whole trace fails the audit: $(cat "$TMP/audit")"
"$SL" view "$TMP/t.trace" | grep -q "incomplete" &&
	fail "a whole trace is called incomplete"
"$SL" export -f jsonl "$TMP/t.trace" | grep -q '"incomplete"' &&
	fail "a whole trace's jsonl says incomplete"

# every_reader FILE TEXT: each reader says "trace incomplete ... TEXT".
every_reader() {
	f=$1 text=$2
	"$SL" view -w 100 "$f" >"$TMP/v" 2>&1 || fail "view failed on $f"
	grep -q "trace incomplete: .*$text" "$TMP/v" ||
		fail "view of $f: no '$text': $(tail -3 "$TMP/v")"
	for fmt in jsonl sockets epoll; do
		"$SL" export -f $fmt "$f" 2>/dev/null | tail -1 |
			grep -q "\"incomplete\":\".*$text" ||
			fail "export -f $fmt of $f does not end with '$text'"
	done
	"$SL" export -f chrome "$f" 2>/dev/null |
		grep -q "\"metadata\":{\"incomplete\":\".*$text" ||
		fail "chrome export of $f does not say '$text'"
	"$SL" export -f html "$f" 2>/dev/null | grep -q "TRACE INCOMPLETE" ||
		fail "html export of $f does not say it"
	if "$SL" audit --fail-on warning "$f" >"$TMP/a" 2>&1; then
		fail "audit --fail-on warning passed $f"
	fi
	grep -q "^error *trace-incomplete *trace incomplete: .*$text" "$TMP/a" ||
		fail "audit of $f: no finding: $(cat "$TMP/a")"
	"$SL" audit --json "$f" | grep -q '"kind":"trace-incomplete"' ||
		fail "audit --json of $f: no finding"
}

size=$(wc -c <"$TMP/t.trace")
head -c $((size - 100)) "$TMP/t.trace" >"$TMP/torn.trace"
every_reader "$TMP/torn.trace" "torn tail"

# The last byte: inside the last frame's bytes, whatever the frames' sizes.
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[-1] ^= 0xff
open(sys.argv[2], 'wb').write(b)" "$TMP/t.trace" "$TMP/crc.trace"
every_reader "$TMP/crc.trace" "checksum mismatch"

# Drops and a recorded loss, written as a collector would.
python3 - "$SL_ROOT" "$TMP" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace
wire = sys.argv[1] + "/include/socklens/wire.h"
for name in ("drop", "loss"):
    t = Trace(wire)
    t.conn(1, pid=10)
    t.hello(1, pid=10, ts=1000000000)
    t.call(1, "SOCKET", ts=1100000000, fd=3, ret=3, inode=500, arg0=1, arg1=1)
    if name == "drop":
        t._rec(1, "DROP", 1200000000, struct.pack("<QQII", 40, 4, 0, 0))
    else:
        # 7 records lost to ENOSPC (28) 12.5 s in, on connection 0.
        t._rec(0, "LOSS", 13500000000,
               struct.pack("<QQiI", 7, 13600000000, 28, 0))
    t.call(1, "CLOSE", ts=14000000000, fd=3, inode=500)
    t.gone(1, ts=15000000000)
    t.write("%s/%s.trace" % (sys.argv[2], name))
PY
every_reader "$TMP/drop.trace" "40 records dropped"
every_reader "$TMP/loss.trace" "7 records lost: no space left on device from +12.5s"
echo ok
