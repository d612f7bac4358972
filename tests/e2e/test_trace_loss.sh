# A trace file that cannot be written loses nothing without a word: the
# collector says the failure at once on stderr (file, error, records lost
# so far), keeps counting, writes an SL_REC_LOSS record when it can write
# again, and exits 1; view, export and audit report the loss. Two ways to
# fill the file: a file-size limit (EFBIG, works everywhere), and a small
# tmpfs (ENOSPC, when we may mount one). Both recover when room comes back.
. "$(dirname "$0")/lib.sh"
need prlimit

check_loss() {
	trace=$1 err=$2 what=$3
	grep -qi "$what" "$err" || fail "no failure said on stderr: $(cat "$err")"
	grep -q "records lost so far" "$err" || fail "no count said: $(cat "$err")"
	"$SL" view -w 100 "$trace" >"$TMP/view" 2>&1 || fail "view failed"
	grep -q "trace incomplete: .*records lost: $what from +" "$TMP/view" ||
		fail "view does not report the loss: $(tail -5 "$TMP/view")"
	"$SL" export -f jsonl "$trace" >"$TMP/jsonl" 2>/dev/null
	grep -q '"argv":\[[^]]*"-n","51"\]' "$TMP/jsonl" ||
		fail "the run after the recovery is not in the trace"
	tail -1 "$TMP/jsonl" | grep -q '"incomplete":.*records lost' ||
		fail "jsonl does not end with the loss"
	"$SL" export -f sockets "$trace" 2>/dev/null | tail -1 |
		grep -q '"incomplete"' || fail "sockets export does not say it"
	"$SL" export -f chrome "$trace" 2>/dev/null | grep -q '"incomplete"' ||
		fail "chrome export does not say it"
	if "$SL" audit --fail-on error "$trace" >"$TMP/audit"; then
		fail "audit passed a lossy trace"
	fi
	grep -q "trace-incomplete" "$TMP/audit" || fail "no audit finding"
}

# traced ROUNDS: sock_loop -n ROUNDS, traced into the collector at $sock
# (the rounds tell the runs apart in the trace).
traced() {
	SOCKLENS_SOCKET="$sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n "$1" \
		>/dev/null
}

wait_said() {
	i=0
	until grep -q "records lost so far" "$1"; do
		i=$((i + 1)); [ $i -lt 6000 ] || fail "no failure said: $(cat "$1")"
		sleep 0.01
	done
}

stop_collector() {
	kill -TERM "$1"
	if wait "$1"; then rc=0; else rc=$?; fi
	[ "$rc" = 1 ] || fail "collect exited $rc after a loss, not 1"
}

# 1. A file-size limit: 32 KiB, EFBIG; then no limit (prlimit on the pid).
sock="$TMP/c1.sock" sock_n=1
prlimit --fsize=32768:unlimited "$SL" collect -s "$sock" -o "$TMP/f.trace" \
	2>"$TMP/f.err" &
col=$!
reap_at_exit $col
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "collector did not start"; sleep 0.01
done
traced 1500
wait_said "$TMP/f.err"
prlimit --pid "$col" --fsize=unlimited
cut=$(wc -c <"$TMP/f.trace")
traced 51
stop_collector $col
check_loss "$TMP/f.trace" "$TMP/f.err" "file too large"
# Cut back to its last whole frame, then grown again (packed frames can
# leave it well below the limit).
[ "$(wc -c <"$TMP/f.trace")" -gt "$cut" ] || fail "nothing written after recovery"

# 2. A small tmpfs: ENOSPC; then room again (a filler file removed).
mnt="$TMP/mnt"
mkdir "$mnt"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
	echo "tmpfs part skipped: cannot mount a tmpfs here (not root?)"
	echo ok
	exit 0
fi
# 16 KiB left: less than 1500 rounds take, packed (about 52 KB).
head -c 245760 /dev/zero >"$mnt/filler" 2>/dev/null || true
sock="$TMP/c2.sock" sock_n=2
"$SL" collect -s "$sock" -o "$mnt/t.trace" 2>"$TMP/m.err" &
col=$!
reap_at_exit $col
cleanup_hooks="$cleanup_hooks umount $mnt 2>/dev/null || umount -l $mnt || true;"
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "collector did not start"; sleep 0.01
done
traced 1500
wait_said "$TMP/m.err"
rm -f "$mnt/filler"
traced 51
stop_collector $col
check_loss "$mnt/t.trace" "$TMP/m.err" "no space left on device"
echo ok
