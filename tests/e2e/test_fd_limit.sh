# A program that lowers its own fd limit keeps every fd number it would
# have had bare: the tracer's connection is made before the limit comes
# down (preload/wrap_rlimit.c, fdslot.c), never at an fd below it.
# tests/helpers/fd_limit fills its fd table, forks, and its child fills
# its own; its output (the fd numbers, the child's limit) is compared
# bare and traced, with the limit lowered by setrlimit, prlimit,
# syscall(SYS_prlimit64), and by a shell's `ulimit -n` before an exec.
# Then the trace: a child that may lift its own soft limit is traced
# (hello, its socketpair); one whose hard limit came down too is named
# untraced by its parent, a drop with the reason SL_DROP_NO_FD.
. "$(dirname "$0")/lib.sh"
need python3

run_both() {
	name=$1
	shift
	"$@" >"$TMP/$name.bare" 2>/dev/null || fail "$name failed bare"
	"$SL" run -q -o "$TMP/$name.trace" -- "$@" >"$TMP/$name.out" \
		2>"$TMP/$name.err" || fail "$name failed traced"
	grep -v '^child [0-9]' "$TMP/$name.bare" >"$TMP/$name.b"
	grep -v '^child [0-9]' "$TMP/$name.out" >"$TMP/$name.t"
	diff -u "$TMP/$name.b" "$TMP/$name.t" ||
		fail "$name: the program's fds differ traced"
	grep -q 'child: talked' "$TMP/$name.t" || fail "$name: no child output"
}

for mode in soft prlimit raw hard; do
	run_both "$mode" "$HELPERS/fd_limit" "$mode" 8
done
run_both ulimit sh -c "ulimit -n 10; exec '$HELPERS/fd_limit' soft 10"

python3 - "$TMP" "$SL_ROOT" <<'PY' || fail "the trace does not say what became of the child"
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "helpers"))
import rawtrace

tmp, bad = sys.argv[1], []
for name, traced in (("soft", True), ("prlimit", True), ("raw", True),
                     ("hard", False), ("ulimit", False)):
    child = int(open("%s/%s.err" % (tmp, name)).read().split()[1])
    recs = list(rawtrace.records("%s/%s.trace" % (tmp, name)))
    hello = [r for r in recs if r["type"] == "hello" and r["hpid"] == child]
    pairs = [r for r in recs if r["type"] == "call" and r["pid"] == child
             and r["call"] == "socketpair"]
    told = [r for r in recs if r["type"] == "drop" and r["dpid"] == child
            and r["reason"] == 1]
    if traced and (len(hello) != 1 or len(pairs) != 2 or told):
        bad.append("%s: child %d: %d hellos, %d socketpair ends, %d drops; "
                   "expected it traced" % (name, child, len(hello),
                                           len(pairs), len(told)))
    if not traced and (hello or len(told) != 1):
        bad.append("%s: child %d: %d hellos, %d no-fd drops naming it; "
                   "expected its parent to say it is untraced" %
                   (name, child, len(hello), len(told)))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
