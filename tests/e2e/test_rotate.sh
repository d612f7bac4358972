# Rotation: run -C SIZE writes FILE.000, FILE.001... of at most SIZE
# bytes; every reader takes the set as one trace, by its name, by the
# parts' names (a glob) or by its first part, and sees what an unrotated
# trace of the same run holds. With -W COUNT only the last COUNT parts
# stay: a reader starts at the first one left (each part restates who
# its processes are) and says the earlier ones are gone.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
# 2000 rounds: about 70 KB of packed records, five parts of 16k.
loop() { "$SL" run -q "$@" -- "$HELPERS/sock_loop" -n 2000 >/dev/null 2>&1; }

loop -o u.trace || fail "unrotated run failed"
loop -o r.trace -C 16k || fail "rotated run failed"
[ ! -e r.trace ] || fail "a rotated run wrote r.trace itself"
n=$(ls r.trace.[0-9][0-9][0-9] | wc -l)
[ "$n" -ge 3 ] || fail "only $n parts: $(ls)"
for f in r.trace.[0-9][0-9][0-9]; do
	[ "$(wc -c <"$f")" -le 16384 ] || fail "$f is larger than 16k"
done

scrub_sockets u.trace >u.sockets
for name in r.trace "r.trace.[0-9]*" r.trace.000; do
	# shellcheck disable=SC2086 # the glob is meant
	"$SL" export -f sockets $name | python3 "$SL_ROOT/tests/e2e/scrub.py" \
		>r.sockets
	diff -u u.sockets r.sockets >/dev/null ||
		fail "the set read as '$name' differs from the unrotated trace"
done
"$SL" view -w 100 r.trace | tail -1 >r.view
"$SL" view -w 100 u.trace | tail -1 >u.view
sed 's/over .*//' r.view >r.sum
sed 's/over .*//' u.view >u.sum
cmp -s r.sum u.sum || fail "view summaries differ: $(cat r.view u.view)"
"$SL" audit --fail-on error r.trace >/dev/null ||
	fail "audit fails a whole rotated set"

# -W 3: three parts stay; what they hold is read, the loss is said.
loop -o w.trace -C 16k -W 3 || fail "run -W failed"
n=$(ls w.trace.[0-9][0-9][0-9] | wc -l)
[ "$n" = 3 ] || fail "-W 3 kept $n parts: $(ls w.trace.*)"
"$SL" view -w 100 w.trace >w.view 2>&1 || fail "view of a cut set failed"
grep -q "trace incomplete: parts 0-.* of the rotated trace are gone" w.view ||
	fail "the parts rotated away are not said: $(tail -2 w.view)"
grep -q "sock_loop" w.view || fail "the process is not named in a cut set"
grep -q "^1 process," w.view || fail "the restated process counted twice"
"$SL" audit --fail-on error w.trace >/dev/null &&
	fail "audit passes a set whose first parts are gone"

# A socket passed to another process before the parts left: each part
# restates its process's aliases, so the two copies are one socket still,
# with both ends' bytes and its kernel inode.
ino=$("$SL" run -q -o p.trace -C 16k -W 2 -- python3 \
	"$SL_ROOT/tests/helpers/pass_late.py" 3000) || fail "pass_late failed"
"$SL" export -f sockets p.trace 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
used = [(r["inode"], r["tx_bytes"]) for r in rows
        if r.get("tx_bytes", 0) > 1000]
if used != [(int(sys.argv[1]), 11110)]:
    sys.exit("the passed socket: %s, expected [(%s, 11110)]" %
             (used, sys.argv[1]))
' "$ino" || fail "a socket passed before the kept parts is not one socket"

# A new run under the same name replaces the old set, stale parts too.
"$SL" run -q -o r.trace -C 16k -- "$HELPERS/sock_loop" -n 5 >/dev/null 2>&1
n=$(ls r.trace.[0-9][0-9][0-9] | wc -l)
[ "$n" = 1 ] || fail "stale parts of the earlier set stayed: $(ls r.trace.*)"
echo ok
