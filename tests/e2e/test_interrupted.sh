# A blocking call that was interrupted or failed after waiting is a record
# on its socket, stamped when the call started, with how long it blocked
# (preload/wrap_io.c): a UDP recvfrom cut by a timer (EINTR), by name and
# through syscall(); a receive that waited out SO_RCVTIMEO (EAGAIN; the
# one with MSG_DONTWAIT is only counted); a listener's accept that waited
# out its SO_RCVTIMEO, one cut by the timer and one that found the
# process out of fds (EMFILE), each at its time; a non-blocking
# listener's accepts that find its queue empty (EAGAIN), a record each
# but for a second one in a row.
# The helper prints its sockets' kernel inodes: the trace names them so
# too (run --inode, SOCKLENS_INODE=1).
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/interrupted" >"$TMP/bare.out" || fail "interrupted failed bare"
"$SL" run -q --inode -o "$TMP/t.trace" -- "$HELPERS/interrupted" >"$TMP/traced.out" ||
	fail "interrupted failed traced"
cut -d' ' -f1 "$TMP/bare.out" >"$TMP/bare.cut"
cut -d' ' -f1 "$TMP/traced.out" | diff -u "$TMP/bare.cut" - ||
	fail "output changed under the tracer"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"

python3 - "$TMP/traced.out" "$TMP/t.jsonl" <<'PY' || fail "interrupted calls"
import json, sys

# The timer fires 300 ms after it is armed: every wait lasted at least
# this long (a lower bound only; the machine may be slower, never faster).
WAITED = 250 * 1000 * 1000
want = dict(l.split() for l in open(sys.argv[1]))
calls = [json.loads(l) for l in open(sys.argv[2])]
calls = [r for r in calls if r["type"] == "call"]
bad = []

def on(name, call=None, errno=None):
    ino = int(want[name])
    return [r for r in calls if r["inode"] == ino and
            (call is None or r["call"] == call) and
            (errno is None or r["errno"] == errno)]

def waited(name, call, errno):
    found = on(name, call, errno)
    if len(found) != 1:
        bad.append("%s: %d %s records with %s, expected 1" %
                   (name, len(found), call, errno))
        return None
    r = found[0]
    closes = on(name, "close")
    if r["dur_ns"] < WAITED:
        bad.append("%s: %s blocked %d ns, the timer needs %d" %
                   (name, errno, r["dur_ns"], WAITED))
    # Stamped at its start: the wait ended before the next call began.
    if closes and r["ts_ns"] + r["dur_ns"] > closes[-1]["ts_ns"]:
        bad.append("%s: %s stamped at its end, not its start" % (name, errno))
    return r

waited("recvfrom", "recvfrom", "EINTR")
raw = waited("raw-recvfrom", "recvfrom", "EINTR")
if raw and "peeks" in raw and "syscall" not in raw["flags"]:
    bad.append("raw-recvfrom: the record lacks the syscall flag")
waited("timeout", "recv", "EAGAIN")
closes = on("timeout", "close")
if not closes or closes[-1]["eagain"] != 2:
    bad.append("timeout: expected 2 EAGAIN counted, got %s" %
               (closes[-1]["eagain"] if closes else None))
waited("accept", "accept", "EINTR")
waited("accept-timeout", "accept", "EAGAIN")
if len(on("emfile", "accept", "EMFILE")) != 1:
    bad.append("emfile: no accept record with EMFILE on the listener")
if not [r for r in calls if r["call"] == "accept" and r["ret"] >= 0 and
        r.get("inode2") == int(want["emfile"])]:
    bad.append("emfile: the accept after the idle-fd trick is missing")
# A non-blocking listener found empty: a record each time, at the call's
# start and not timed, but for the second of two in a row (nothing
# happened between them); all three counted.
again = on("nb-accept", "accept", "EAGAIN")
if len(again) != 2 or any(r["dur_ns"] for r in again):
    bad.append("nb-accept: %d untimed EAGAIN records, expected 2: %s" %
               (len(again), [r["dur_ns"] for r in again]))
closes = on("nb-accept", "close")
if not closes or closes[-1]["eagain"] != 3:
    bad.append("nb-accept: expected 3 EAGAIN counted, got %s" %
               (closes[-1]["eagain"] if closes else None))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
