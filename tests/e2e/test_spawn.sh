# A child started by vfork (Python's subprocess, as glibc's posix_spawn
# and libuv do it) records nothing until the program it execs says hello
# and lists what it inherited. Its parent closes its copies of the
# child's ends at once. Every socket is one socket, in the streaming
# sockets export too (which hands a socket over as soon as nothing can
# change it): the child's stdin socket is held by both, carries what the
# child read, and outlives the parent's close; the parent's own ends,
# close-on-exec, were let go by the child at its exec before its parent
# ran again: the child never held them as a program of its own, and the
# parent's close ended them.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"
[ -x /bin/cat ] || skip "no /bin/cat"

cat >"$TMP/spawn.py" <<'PY'
import os, socket, subprocess
a, b = socket.socketpair()
c, d = socket.socketpair()
p = subprocess.Popen(["/bin/cat"], stdin=b, stdout=d, close_fds=True)
print("child", p.pid, "stdin", os.fstat(b.fileno()).st_ino,
      "stdout", os.fstat(d.fileno()).st_ino,
      "mine", os.fstat(a.fileno()).st_ino, os.fstat(c.fileno()).st_ino,
      flush=True)
b.close()
d.close()
a.sendall(b"hello spawn\n")
a.close()
got = b""
while True:
    chunk = c.recv(100)
    if not chunk:
        break
    got += chunk
c.close()
p.wait()
print(got.decode(), end="")
PY

"$SL" run -q -o "$TMP/t.trace" -- "$PY" "$TMP/spawn.py" >"$TMP/out" ||
	fail "the program failed: $(cat "$TMP/out")"
tail -1 "$TMP/out" | grep -qx "hello spawn" || fail "it said $(cat "$TMP/out")"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/t.jsonl"
grep -q '"call":"vfork"' "$TMP/t.jsonl" ||
	skip "the preload does not record a vfork child's parent's vfork yet"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.json"
"$SL" view -w 120 "$TMP/t.trace" >"$TMP/view.txt"
python3 - "$TMP/out" "$TMP/sockets.json" "$TMP/t.jsonl" "$SL_ROOT" <<'PY' || fail "spawn"
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[4], "tests", "helpers"))
import socknames
words = open(sys.argv[1]).readline().split()
child, stdin, stdout = int(words[1]), int(words[3]), int(words[5])
mine = [int(words[7]), int(words[8])]
socks = [json.loads(l) for l in open(sys.argv[2])]
recs = [json.loads(l) for l in open(sys.argv[3])]
# The parent names its sockets, the child's image by inode: the export's
# inode is the kernel's once an alias gave it.
socknames.to_kernel(recs)
parent = [r["pid"] for r in recs if r.get("call") == "vfork"
          and r["ret"] == child]
assert len(parent) == 1, "no vfork record for the child %d" % child
parent = parent[0]
by = {}
for s in socks:
    by.setdefault(s["inode"], []).append(s)
for ino in [stdin, stdout] + mine:
    assert len(by.get(ino, [])) == 1, ("one socket per inode", ino,
                                       by.get(ino))
s = by[stdin][0]
assert sorted(s["pids"]) == sorted([parent, child]), s
assert s["rx_bytes"] == len(b"hello spawn\n"), s
assert s["role"] == "pair" and s["pid"] == parent, s
assert s["end_ns"] is not None or s["open_at_exit"], s
o = by[stdout][0]
assert sorted(o["pids"]) == sorted([parent, child]), o
for ino in mine:
    m = by[ino][0]
    assert m["pids"] == [parent], ("the child let it go at its exec", m)
    assert m["end_ns"] is not None, m
closes = {r["inode"]: r["ts_ns"] for r in recs
          if r.get("call") == "close" and r["pid"] == parent}
for ino in mine:
    assert by[ino][0]["end_ns"] == closes[ino], ("closed by the parent",
                                                 by[ino][0], closes[ino])
print("ok")
PY
echo ok
