# Sockets and epoll instances passed over UNIX sockets (SCM_RIGHTS) are
# followed both ways (preload/fdpass.c): a send-fd record per fd passed,
# a recv-fd record per fd received naming the same socket (its kernel
# inode, which the sender's alias record gives its own name for) or a new
# epoll id of the receiver; what the receiver then does
# with them is counted on them; a receive cut short (MSG_CTRUNC) lists
# the one fd that arrived; the program sees exactly what it sees bare.
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/fd_pass" >"$TMP/bare.out" || fail "fd_pass failed bare"
"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/fd_pass" >"$TMP/traced.out" ||
	fail "fd_pass failed traced"
sed 's/ [0-9]*$//' "$TMP/bare.out" >"$TMP/bare.names"
sed 's/ [0-9]*$//' "$TMP/traced.out" | diff -u "$TMP/bare.names" - ||
	fail "output changed under the tracer"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"

H="$SL_ROOT/tests/helpers"
python3 - "$TMP/traced.out" "$TMP/t.jsonl" "$H" <<'PY' || fail "fd passing"
import json, sys
sys.path.insert(0, sys.argv[3])
import socknames

EPOLL = 1 << 63
AF_INET, AF_UNIX, STREAM, DGRAM = 2, 1, 1, 2
want = {}
for line in open(sys.argv[1]):
    if ":" not in line:
        name, ino = line.split()
        want[name] = int(ino)
recs = [json.loads(l) for l in open(sys.argv[2])]
raw_sent = {r["inode2"]: r["ts_ns"] for r in recs if r["type"] == "call"
            and r["call"] == "send-fd" and socknames.is_name(r.get("inode2"))}
names = socknames.to_kernel(recs)
calls = [r for r in recs if r["type"] == "call"]
made = {r["pid"] for r in calls if r["call"] == "socketpair"}
parent = min(made) if made else None
sent = [r for r in calls if r["call"] == "send-fd"]
got = [r for r in calls if r["call"] == "recv-fd"]
bad = []

def one(rows, what):
    if len(rows) != 1:
        bad.append("%s: %d records, expected 1" % (what, len(rows)))
        return None
    return rows[0]

# Parent to child: the listener, an epoll fd, a socketpair end (the last
# through syscall()).
for name, kind in (("listener", AF_INET | STREAM << 32),
                   ("pair", AF_UNIX | STREAM << 32)):
    s = one([r for r in sent if r["pid"] == parent and
             r.get("inode2") == want[name]], "send-fd of " + name)
    g = one([r for r in got if r["pid"] != parent and
             r["inode"] == want[name]], "recv-fd of " + name)
    if g and g["arg0"] != kind:
        bad.append("recv-fd of %s: family/type %d, expected %d" %
                   (name, g["arg0"], kind))
    if s and g and g["ts_ns"] < s["ts_ns"]:
        bad.append("recv-fd of %s stamped before its send-fd" % name)
ep_sent = one([r for r in sent if r["pid"] == parent and
               r.get("inode2", 0) & EPOLL], "send-fd of the parent's epoll")
ep_got = [r for r in got if r["pid"] != parent and r["inode"] & EPOLL]
if len(ep_got) != 1:
    bad.append("recv-fd of the epoll fd: %d records" % len(ep_got))
elif ep_sent and ep_got[0]["inode"] == ep_sent["inode2"]:
    bad.append("the child's epoll id is the parent's")
# What the child did with them is counted on them.
pair = [r for r in calls if r["pid"] != parent and r["call"] == "close" and
        r["inode"] == want["pair"]]
if not pair or pair[-1]["tx_bytes"] != 12:
    bad.append("the child's 12 bytes on the pair end it was given: %s" %
               (pair[-1]["tx_bytes"] if pair else "no close"))
if not [r for r in calls if r["pid"] != parent and
        r["call"] == "accept" and r.get("inode2") == want["listener"]]:
    bad.append("no accept on the listener the child was given")
if not [r for r in recs if r["type"] == "wait" and r["pid"] != parent and
        ep_got and int(r.get("epoll") or "0", 16) == ep_got[0]["inode"]]:
    bad.append("no wait on the epoll instance the child was given")
# Child to parent: a UDP socket and an epoll fd (sendmmsg), then the same
# two into room for one.
back = [r for r in sent if r["pid"] != parent]
if len(back) != 4:
    bad.append("the child passed 4 fds, %d send-fd records" % len(back))
udp = [r for r in got if r["pid"] == parent and r["inode"] == want["udp"]]
if len(udp) != 2 or any(r["arg0"] != AF_INET | DGRAM << 32 for r in udp):
    bad.append("the parent's recv-fd of the UDP socket: %s" % udp)
eps = [r for r in got if r["pid"] == parent and r["inode"] & EPOLL]
if len(eps) != 1:
    bad.append("the parent got the child's epoll fd once (the second was "
               "cut by MSG_CTRUNC), %d recv-fd records" % len(eps))
if calls and "peeks" in calls[0]:
    raw = [r for r in sent + got if "syscall" in r["flags"]]
    if len(raw) != 3:
        bad.append("3 hand-offs went through syscall(), %d say so" % len(raw))
# A socket the sender named itself went with an alias, stamped no later
# than its send-fd.
for name, ts in raw_sent.items():
    al = [r for r in recs if r["type"] == "call" and r["call"] == "alias"
          and r["inode"] == name]
    if not al or al[0]["ts_ns"] > ts:
        bad.append("send-fd of %#x: no alias before it (%s)" % (name, al))
if not names:
    bad.append("no alias record: sockets named by their inode?")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
