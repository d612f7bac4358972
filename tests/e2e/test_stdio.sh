# Bytes a program moves through stdio (fgets, getc, fprintf on a FILE)
# go through libc's internal calls, which no wrapper sees; the trace must
# say where it may be blind, per socket (SL_F_STDIO, preload/wrap_stdio.c):
# a socket dup2'ed onto stdin, one given to fdopen (the fdopen itself is
# a record, and its fclose a close), and one an exec'd image holds as its
# stdin (INHERIT), while sockets elsewhere carry no such flag.
. "$(dirname "$0")/lib.sh"
need python3

"$HELPERS/stdio_sock" >"$TMP/bare.out" 2>/dev/null || fail "stdio_sock failed bare"
"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/stdio_sock" >"$TMP/traced.out" \
	2>"$TMP/traced.err" || fail "stdio_sock failed traced"
diff -u "$TMP/bare.out" "$TMP/traced.out" || fail "output changed under the tracer"

python3 - "$TMP" "$SL_ROOT" <<'PY' || fail "the trace does not admit what stdio hid"
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "helpers"))
import rawtrace

tmp, bad = sys.argv[1], []
fdopen_fd = int(open(tmp + "/traced.err").read().split()[1])
recs = [r for r in rawtrace.records(tmp + "/t.trace") if r["type"] == "call"]
main = recs[0]["pid"]


def expect(what, found, n=1):
    if len(found) != n:
        bad.append("%s: %d records, expected %d" % (what, len(found), n))
    elif any("stdio" not in r["flags"] for r in found):
        bad.append("%s: without the stdio flag" % what)
    return found


expect("dup2 onto stdin", [r for r in recs if r["pid"] == main and
                           r["call"] == "dup2" and r["ret"] == 0])
op = expect("fdopen", [r for r in recs if r["call"] == "fdopen" and
                       r["fd"] == fdopen_fd])
if op:
    expect("fclose of the fdopen'ed socket, a close",
           [r for r in recs if r["call"] == "close" and
            r["inode"] == op[0]["inode"] and r["pid"] == main])
reader = [r for r in recs if r["pid"] != main and r["call"] == "inherit"
          and r["fd"] == 0]
expect("the exec'd reader's stdin (inherit after the exec)", reader[-1:])
odd = [r for r in recs if "stdio" in r["flags"] and r["call"] not in
       ("dup2", "fdopen", "inherit", "close") ]
odd += [r for r in recs if "stdio" in r["flags"] and r["call"] == "inherit"
        and r["fd"] > 2]
if odd:
    bad.append("stdio flag on %s" % ["%s fd %d" % (r["call"], r["fd"])
                                     for r in odd])
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
