# Lossless mode (SOCKLENS_LOSSLESS, `run --lossless`): a thread that finds
# the shared memory full waits for the collector instead of dropping.
# 64 threads x 200 socketpairs into the smallest memory (64 KiB, where the
# default mode drops most records) lose nothing; a stopped collector
# costs a bounded wait, then records are dropped and counted; a collector
# killed while threads wait lets them go at once.
. "$(dirname "$0")/lib.sh"

dropped() { "$SL" view "$1" | sed -n 's/.* \([0-9]*\) dropped, over .*/\1/p'; }

# The burst, lossless: every socket, nothing dropped. The bound is raised
# so that a machine loaded by anything else cannot make a wait run out.
SOCKLENS_RING_KB=64 SOCKLENS_LOSSLESS_MS=60000 "$SL" run -q --lossless \
	-o "$TMP/l.trace" -- "$HELPERS/stress" threads 64 >"$TMP/l.out" ||
	fail "the burst failed lossless: $(cat "$TMP/l.out")"
[ "$(cat "$TMP/l.out")" = "64 threads x 200 rounds" ] || fail "$(cat "$TMP/l.out")"
d=$(dropped "$TMP/l.trace")
n=$("$SL" export -f sockets "$TMP/l.trace" | wc -l)
[ "$d" = 0 ] && [ "$n" -eq 25600 ] ||
	fail "lossless: $d records dropped, $n of 25600 sockets"
# The same through the environment, at the default size.
SOCKLENS_LOSSLESS=1 SOCKLENS_LOSSLESS_MS=60000 "$SL" run -q \
	-o "$TMP/e.trace" -- "$HELPERS/stress" threads 64 >/dev/null
d=$(dropped "$TMP/e.trace")
[ "$d" = 0 ] || fail "SOCKLENS_LOSSLESS=1: $d records dropped"

# A stopped collector: each thread waits once, at most the bound (200
# ms), and then no record waits until the collector reads again: the
# program ends with its own output, and says (SOCKLENS_DEBUG=2) that its
# waits ran out. (Without the give-up, 25,600 records x 200 ms.)
start_collector "$TMP/c.sock" "$TMP/s.trace" "$TMP/s.log"
kill -STOP $col
SOCKLENS_DEBUG=2 SOCKLENS_RING_KB=64 SOCKLENS_LOSSLESS=1 SOCKLENS_LOSSLESS_MS=200 \
	SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" \
	timeout 90 "$HELPERS/stress" threads 64 >"$TMP/s.out" 2>"$TMP/s.err" ||
	{ kill -CONT $col; fail "the program did not end beside a stopped collector"; }
kill -CONT $col
[ "$(cat "$TMP/s.out")" = "64 threads x 200 rounds" ] || fail "$(cat "$TMP/s.out")"
gaveup=$(grep -c "lossless: the collector made no room in 200 ms" "$TMP/s.err" || true)
[ "$gaveup" -ge 1 ] || fail "no wait ran out beside a stopped collector: $(cat "$TMP/s.err")"

# A collector killed while the threads wait for it (stopped first, so
# the memory fills; then SIGKILL): the waits end at once, not after the
# bound of 60 s.
start_collector "$TMP/k.sock" "$TMP/k.trace" "$TMP/k.log"
kill -STOP $col
SOCKLENS_RING_KB=64 SOCKLENS_LOSSLESS=1 SOCKLENS_LOSSLESS_MS=60000 \
	SOCKLENS_SOCKET="$TMP/k.sock" LD_PRELOAD="$LIB" \
	"$HELPERS/stress" threads 64 >"$TMP/k.out" &
prog=$!
reap_at_exit $prog
# Until one of its threads sleeps in poll(2) (the wait): x86-64 poll is
# system call 7, arm64's ppoll 73.
case $(uname -m) in x86_64) nr=7 ;; aarch64) nr=73 ;; *) nr= ;; esac
i=0
while [ -n "$nr" ] && ! cat /proc/$prog/task/*/syscall 2>/dev/null | grep -q "^$nr "; do
	i=$((i + 1)); [ $i -lt 3000 ] || fail "no thread ever waited for the stopped collector"
	sleep 0.01
done
start=$(date +%s)
kill -KILL $col
wait $prog || fail "the program failed after its collector was killed"
secs=$(( $(date +%s) - start ))
[ "$(cat "$TMP/k.out")" = "64 threads x 200 rounds" ] || fail "$(cat "$TMP/k.out")"
# Far below the 60 s bound: the dead collector was noticed, not waited out.
[ "$secs" -lt 45 ] || fail "the waits outlived a dead collector: ${secs}s"
echo "ok (lossless burst: 25600 sockets, 0 dropped; stopped collector: $gaveup waits ran out; dead collector let go in ${secs}s)"
