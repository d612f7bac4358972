# A vfork child records nothing (it runs in its parent's memory), yet it
# holds a copy of every fd until it execs, and what it keeps is what its
# new image lists. The parent records the vfork when it runs again, with
# the pid the child left (preload/init.c, wrap_proc.c), stamped when the
# vfork began: before the parent's own closes of what it handed over.
# The parent says which kernel inode each socket it named is (alias
# records) before the vfork, for the new image names them by inode.
# tests/helpers/vfork_spawn does what Python's subprocess does (dup2 onto
# stdin, close_range from 3, exec); Python's own subprocess.Popen too.
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/vfork_spawn" >"$TMP/bare.out" 2>/dev/null || fail "vfork_spawn failed bare"
"$SL" run -q -o "$TMP/c.trace" -- "$HELPERS/vfork_spawn" >"$TMP/traced.out" \
	2>"$TMP/c.err" || fail "vfork_spawn failed traced"
diff -u "$TMP/bare.out" "$TMP/traced.out" || fail "output changed under the tracer"

cat >"$TMP/spawn.py" <<'PY'
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen(["sh", "-c", "echo from-sh >&0"], stdin=b)
b.close()
print("read:", a.recv(100).decode().strip())
p.wait()
print("child", p.pid, file=sys.stderr)
PY
"$SL" run -q -o "$TMP/py.trace" -- python3 "$TMP/spawn.py" >"$TMP/py.out" \
	2>"$TMP/py.err" || fail "python3 subprocess failed traced"
grep -q "read: from-sh" "$TMP/py.out" || fail "python3: the child's line is missing"

python3 - "$TMP" "$SL_ROOT" <<'PY' || fail "the trace does not tell the vfork"
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "helpers"))
import rawtrace
import socknames

tmp, bad = sys.argv[1], []


def load(name):
    child = int(open("%s/%s.err" % (tmp, name)).read().split()[1])
    recs = list(rawtrace.records("%s/%s.trace" % (tmp, name)))
    # The parent names its sockets; the new image, by kernel inode.
    socknames.to_kernel(recs)
    vf = [r for r in recs if r["type"] == "call" and r["call"] == "vfork"]
    if len(vf) != 1 or vf[0]["ret"] != child:
        bad.append("%s: vfork records %s, expected one for child %d" %
                   (name, [r["ret"] for r in vf], child))
        return None, child, recs
    return vf[0], child, recs


vf, child, recs = load("c")
if vf:
    parent = vf["pid"]
    calls = [r for r in recs if r["type"] == "call"]
    pair = [r for r in calls if r["pid"] == parent and
            r["call"] == "socketpair"]
    handed = pair[1]["inode"] if len(pair) == 2 else None
    gave = [r for r in calls if r["pid"] == parent and r["call"] == "close"
            and r["inode"] == handed]
    if not gave or vf["ts"] >= gave[0]["ts"]:
        bad.append("c: the vfork is not stamped before the parent's close "
                   "of the socket it handed over")
    hello = [r for r in recs if r["type"] == "hello" and r["hpid"] == child]
    if len(hello) != 1 or hello[0]["ppid"] != parent or hello[0]["hflags"]:
        bad.append("c: the child's image said %s, expected one hello with "
                   "ppid %d and no flags" % (
                       [(h["ppid"], h["hflags"]) for h in hello], parent))
    held = [(r["fd"], r["inode"], "stdio" in r["flags"]) for r in calls
            if r["pid"] == child and r["call"] == "inherit"]
    if held != [(0, handed, True)]:
        bad.append("c: the new image lists %s, expected only fd 0, the "
                   "socket handed over (inode %s), as stdio" % (held, handed))
    sent = [r["tx"] for r in calls if r["pid"] == child and
            r["inode"] == handed and r["call"] in ("counters", "close")]
    if sent[-1:] != [21]:
        bad.append("c: the child's bytes on fd 0: %s, expected 21" % sent)
load("py")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
