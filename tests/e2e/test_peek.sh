# MSG_PEEK reads are not receipts (preload/wrap_io.c): a socket's rx_bytes
# and rx_calls count what the program took, its peeks are counted apart;
# MSG_TRUNC, MSG_WAITALL, sendmmsg and recvmmsg count what the call
# returned. Checked on each socket's counters at its close, in the
# records (export -f jsonl).
# The helper prints its sockets' kernel inodes: the trace names them so
# too (run --inode, SOCKLENS_INODE=1).
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/peeks" >"$TMP/bare.out" || fail "peeks failed bare"
"$SL" run -q --inode -o "$TMP/t.trace" -- "$HELPERS/peeks" >"$TMP/traced.out" ||
	fail "peeks failed traced"
cut -d' ' -f1,3- "$TMP/bare.out" >"$TMP/bare.cut"
cut -d' ' -f1,3- "$TMP/traced.out" | diff -u "$TMP/bare.cut" - ||
	fail "output changed under the tracer"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"

python3 - "$TMP/traced.out" "$TMP/t.jsonl" <<'PY' || fail "peeks"
import json, sys

recs = [json.loads(l) for l in open(sys.argv[2])]
bad = []
for line in open(sys.argv[1]):
    name, ino, nbytes, ncalls, npeeks = line.split()
    closes = [r for r in recs if r["type"] == "call" and
              r["call"] == "close" and r["inode"] == int(ino)]
    if not closes:
        bad.append("%s: no close record" % name)
        continue
    c = closes[-1]
    way = "tx" if name == "sendmmsg" else "rx"
    got = (c[way + "_bytes"], c[way + "_calls"])
    if got != (int(nbytes), int(ncalls)):
        bad.append("%s: %s %s bytes in %s calls, the trace says %d in %d" %
                   (name, way, nbytes, ncalls, got[0], got[1]))
    if "peeks" in c and c["peeks"] != int(npeeks):
        bad.append("%s: %s peeks, the trace says %d" %
                   (name, npeeks, c["peeks"]))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
